// The media connection of one call: its own RTCPeerConnection between the two devices in the call, negotiated the
// "perfect negotiation" way (the callee is polite), so a camera turned on or a screen shared mid-call renegotiates in
// place. On "disconnected" for 2 s, or "failed", it restarts ICE with fresh TURN credentials; the call's grain decides
// when waiting has lasted too long.
//
// A link may be made "held" while the call rings: connected ahead of an answer (ICE and DTLS done while a person looks
// at the ringing screen), its video sender carrying a black placeholder and its audio sender nothing, so nothing of
// either side's camera or microphone flows until the answer, when attach() puts the tracks on and the media starts on a
// path already up, through a video encoder already running (a cold one takes about twice as long to its first frame).
import { trace } from "../trace.js";
import { Negotiator, rtcConfig } from "../negotiation.js";
import type { IceConfig } from "../types.js";
import { open, seal } from "./envelope.js";
import { Placeholder } from "./placeholder.js";
import { readStats, type MediaStats } from "./stats.js";

export type { MediaStats } from "./stats.js";

const DISCONNECTED_GRACE_MS = 2_000;

export type MediaState = "connecting" | "connected" | "reconnecting";

export type MediaSignalKind = "hello" | "offer" | "answer" | "candidate";

export interface MediaEvents {
  signal(kind: MediaSignalKind, payload: string): Promise<void>;
  remote(stream: MediaStream): void;
  state(state: MediaState): void;
  /** Fresh ICE servers (TURN credentials are short-lived), for each restart. */
  freshIce(): Promise<IceConfig>;
  /** The path went quiet ("disconnected" or "failed"): the signaling connection may have died with it. */
  interrupted(): void;
  /** A held link's other side says, over the link itself, that its person answered (see sayAnswered). */
  answered?(): void;
}

export class MediaLink {
  readonly pc: RTCPeerConnection;
  /** This link, as the other side's link addresses it. */
  readonly id = crypto.randomUUID();
  /** The other side's link, once heard from. */
  private remoteLink: string | null = null;
  private readonly negotiator: Negotiator;
  private interrupted: ReturnType<typeof setTimeout> | undefined;
  private current: MediaState = "connecting";
  private readonly remoteStream = new MediaStream();
  private closed = false;
  private restarts = 0;

  /** Held: connected (or connecting) with no track of mine on its senders until attach(). */
  private held: boolean;
  private local: MediaStream | null;
  /** What a held link's video sender carries: black frames, to keep its encoder warm. */
  private placeholder: Placeholder | null = null;
  /** A held link's own small channel: the answer goes over it, ahead of the server's word (see sayAnswered). */
  private channel: RTCDataChannel | null = null;

  /**
   * @param local the tracks to send; null for a held link (see attach). A held impolite link offers at once, audio and
   *   video both sendrecv with no track; a held polite link waits for the other side's offer.
   */
  constructor(
    readonly polite: boolean,
    ice: IceConfig,
    local: MediaStream | null,
    private readonly events: MediaEvents,
  ) {
    this.pc = new RTCPeerConnection(rtcConfig(ice));
    this.held = local === null;
    this.local = local;
    // Only the caller (impolite) offers first, with its tracks; the callee adds its own when that offer arrives, so the
    // first negotiation never collides (a rolled-back offer in Chromium can leave the polite side's tracks on
    // transceivers the answer does not use: no sound).
    const addLocal = () => {
      const local = this.local;
      if (!local || this.pc.getSenders().some((sender) => sender.track)) return;
      for (const track of local.getTracks()) this.pc.addTrack(track, local);
      // Both kinds can flow even when a side starts without a camera: turning it on later only swaps a track.
      if (local.getVideoTracks().length === 0 && !this.pc.getTransceivers().some((t) => t.receiver.track.kind === "video")) {
        this.pc.addTransceiver("video", { direction: "sendrecv" });
      }
    };
    // A held link answers its first offer sending both ways (with no track yet), so attach() needs no renegotiation;
    // only the first: later answers keep what this side chose (a camera turned off is recvonly on purpose).
    let opened = false;
    const openUp = () => {
      if (opened) return;
      opened = true;
      for (const t of this.pc.getTransceivers()) {
        if (t.direction === "recvonly") t.direction = "sendrecv";
        if (t.receiver.track.kind === "video" && this.held) void t.sender.replaceTrack(this.blank()).catch(() => undefined);
      }
    };
    if (this.held && !polite) {
      opened = true;
      this.pc.addTransceiver("audio", { direction: "sendrecv" });
      this.pc.addTransceiver(this.blank(), { direction: "sendrecv" });
      this.useChannel(this.pc.createDataChannel("call"));
    } else if (this.held) {
      this.pc.ondatachannel = ({ channel }) => this.useChannel(channel);
    } else if (!polite) {
      addLocal();
    }
    this.pc.ontrack = ({ track }) => {
      this.remoteStream.addTrack(track);
      // The other side turning its camera off stops its sending (a renegotiation): the track mutes, the view shows a face.
      track.onmute = track.onunmute = () => events.remote(this.remoteStream);
      events.remote(this.remoteStream);
    };
    // Every signal names the link it comes from and the link it is for: after a reload rejoined the call, a late ICE
    // restart from the other side's previous link (addressed to my previous link) never lands on this new one.
    const send = (kind: MediaSignalKind, body: string) =>
      events.signal(kind, seal(this.id, this.remoteLink, body));
    this.hello = () => send("hello", "");
    this.negotiator = new Negotiator(this.pc, polite, send, (err) => console.warn("could not make a call offer", err), () => (this.held ? openUp() : addLocal()), () => events.freshIce());
    this.pc.onconnectionstatechange = () => this.onConnectionState();
  }

  /** A held polite link asks the other side's device for a connection (that side makes a held link and offers). */
  readonly hello: () => Promise<void>;

  /** What the other side sends, once its tracks came. */
  get remote(): MediaStream {
    return this.remoteStream;
  }

  private useChannel(channel: RTCDataChannel): void {
    this.channel = channel;
    // One word only, ever: "answered". Nothing else is read from it.
    channel.onmessage = ({ data }) => {
      if (data === "answered" && !this.closed) this.events.answered?.();
    };
  }

  /**
   * This held link's device was answered on: the other side (the caller's device) hears it over the link itself, a
   * millisecond away, and puts its camera and microphone on at once instead of after the server's word (which goes
   * through the call's grain and comes tens of milliseconds later). The server still decides who answered.
   */
  sayAnswered(): void {
    if (this.channel?.readyState === "open") this.channel.send("answered");
  }

  /** Connected, and a held link's channel open: an answer said over it arrives. */
  get ready(): boolean {
    return this.pc.connectionState === "connected" && (!this.held || this.channel?.readyState === "open");
  }

  get isHeld(): boolean {
    return this.held;
  }

  /** Whether any sender carries a track of mine (a camera, a microphone, a screen): not while it is held. */
  get sendsMine(): boolean {
    return this.pc.getSenders().some((sender) => sender.track !== null && sender.track !== this.placeholder?.track);
  }

  private blank(): MediaStreamTrack {
    this.placeholder ??= new Placeholder();
    return this.placeholder.track;
  }

  /**
   * The answer: a held link's senders take <paramref name="local"/>'s tracks, with no renegotiation; once. A polite link
   * that no offer reached yet adds them when one comes, as a link made with its tracks does.
   */
  async attach(local: MediaStream): Promise<void> {
    if (!this.held || this.closed) return;
    this.held = false;
    this.local = local;
    // Both at once: each replaceTrack waits for a turn of the browser's media thread.
    await Promise.all(
      (["audio", "video"] as const).map(async (kind) => {
        const track = (kind === "audio" ? local.getAudioTracks() : local.getVideoTracks())[0];
        const transceiver = this.pc.getTransceivers().find((t) => t.receiver.track.kind === kind);
        if (!transceiver) return;
        // No camera (an audio call, or answered with audio only): the placeholder goes and the video sender stops, so
        // the other side shows a face, not black frames.
        if (track) await transceiver.sender.replaceTrack(track);
        else if (kind === "video") await this.useTrack("video", null);
      }),
    );
    if (this.held) return; // detached meanwhile
    this.placeholder?.stop();
    this.placeholder = null;
  }

  /** Held again: my tracks come off (an answer heard over the link that the server never confirmed). */
  async detach(): Promise<void> {
    if (this.held || this.closed) return;
    this.held = true;
    trace("call: media off again, the answer was not confirmed");
    await Promise.all(
      this.pc.getTransceivers().map(async (t) => {
        const video = t.receiver.track.kind === "video";
        await t.sender.replaceTrack(video ? this.blank() : null);
        if (video && t.direction === "recvonly") t.direction = "sendrecv";
      }),
    );
  }

  get state(): MediaState {
    return this.current;
  }

  /** Applies an offer, answer or candidate from the other device of the call. */
  async onSignal(kind: string, payload: string): Promise<void> {
    const envelope = this.closed ? null : open(payload, this.id, this.remoteLink);
    if (!envelope) return;
    this.remoteLink ??= envelope.from;
    await this.negotiator.onSignal(kind, envelope.body);
  }

  /**
   * Puts <paramref name="track"/> on the sender of its kind. Switching devices or sharing the screen only swaps the
   * track; no track (camera off) stops sending, and a track again starts it: those two renegotiate, so the other side's
   * track mutes and unmutes instead of freezing on the last frame.
   */
  async useTrack(kind: "audio" | "video", track: MediaStreamTrack | null): Promise<void> {
    const transceiver = this.pc.getTransceivers().find((t) => t.receiver.track.kind === kind);
    if (!transceiver) return;
    await transceiver.sender.replaceTrack(track);
    const direction = track ? "sendrecv" : "recvonly";
    if (transceiver.direction !== direction) transceiver.direction = direction;
  }

  async stats(): Promise<MediaStats> {
    return readStats(await this.pc.getStats(), this.restarts);
  }

  close(): void {
    this.closed = true;
    this.placeholder?.stop();
    this.placeholder = null;
    clearTimeout(this.interrupted);
    this.pc.close();
  }

  private onConnectionState(): void {
    if (this.closed) return;
    trace(`call: ${this.pc.connectionState}${this.isHeld ? " (held)" : ""}`);
    clearTimeout(this.interrupted);
    switch (this.pc.connectionState) {
      case "connected":
        this.setState("connected");
        break;
      case "disconnected":
        this.events.interrupted();
        // Often a blip that heals by itself; after 2 s, restart ICE rather than wait for "failed".
        this.interrupted = setTimeout(() => {
          if (this.pc.connectionState === "disconnected") void this.restart();
        }, DISCONNECTED_GRACE_MS);
        break;
      case "failed":
        this.events.interrupted();
        void this.restart();
        break;
      default:
        break;
    }
  }

  private upgraded = false;

  /**
   * Once per link: an ICE restart while connected through a relay though a direct pair was answered, so the new checks
   * can choose the direct path (Chromium stays on the pair it chose while it works). Media keeps flowing on the relay
   * until the new pair is chosen, so nobody sees or hears it; the state stays "connected".
   */
  preferDirect(): boolean {
    if (this.upgraded || this.closed || this.current !== "connected") return false;
    this.upgraded = true;
    trace("call: ICE restart to leave a relay for a direct path that works");
    this.pc.restartIce();
    return true;
  }

  /** An ICE restart with fresh credentials; says "reconnecting" once it was connected before. */
  private async restart(): Promise<void> {
    if (this.current === "connected") this.setState("reconnecting");
    try {
      this.pc.setConfiguration(rtcConfig(await this.events.freshIce()));
    } catch {
      // The old servers will do.
    }
    if (this.closed) return;
    this.restarts++;
    trace("call: ICE restart");
    this.pc.restartIce();
  }

  private setState(state: MediaState): void {
    if (state === this.current) return;
    this.current = state;
    this.events.state(state);
  }
}
