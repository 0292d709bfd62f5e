// The media connection of one call: its own RTCPeerConnection between the two devices in the call, negotiated the
// "perfect negotiation" way (the callee is polite), so a camera turned on or a screen shared mid-call renegotiates in
// place. On "disconnected" for 2 s, or "failed", it restarts ICE with fresh TURN credentials; the call's grain decides
// when waiting has lasted too long.
import { Negotiator, rtcConfig } from "../negotiation.js";
import { pathKind, selectedPair, selectedPath, type PathInfo, type PathKind } from "../path.js";
import type { IceConfig } from "../types.js";

const DISCONNECTED_GRACE_MS = 2_000;

export type MediaState = "connecting" | "connected" | "reconnecting";

export interface MediaEvents {
  signal(kind: "offer" | "answer" | "candidate", payload: string): Promise<void>;
  remote(stream: MediaStream): void;
  state(state: MediaState): void;
  /** Fresh ICE servers (TURN credentials are short-lived), for each restart. */
  freshIce(): Promise<IceConfig>;
  /** The path went quiet ("disconnected" or "failed"): the signaling connection may have died with it. */
  interrupted(): void;
}

/** A snapshot of what getStats says about the call. */
export interface MediaStats {
  framesDecoded: number;
  /** The size of the video frames arriving, 0 while none. */
  frameWidth: number;
  frameHeight: number;
  totalSamplesReceived: number;
  bytesReceived: number;
  packetsLost: number;
  packetsReceived: number;
  rttMs: number | null;
  /** ICE restarts this link made (each with fresh ICE servers). */
  iceRestarts: number;
  /** "direct", "relayed" (UDP) or "relayed-tcp" (TURN over TCP or TLS); null until a pair is chosen. */
  path: PathKind | null;
  /** The selected candidate pair's types (host, srflx, prflx, relay), null until one is chosen. */
  pair: PathInfo | null;
  at: number;
}

/** A call signal's payload: which link sent it, which it is for (null until that link was heard from), the SDP or ICE. */
interface Envelope {
  from: string;
  to: string | null;
  body: string;
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

  constructor(
    readonly polite: boolean,
    ice: IceConfig,
    local: MediaStream,
    private readonly events: MediaEvents,
  ) {
    this.pc = new RTCPeerConnection(rtcConfig(ice));
    // Only the caller (impolite) offers first, with its tracks; the callee adds its own when that offer arrives, so the
    // first negotiation never collides (a rolled-back offer in Chromium can leave the polite side's tracks on
    // transceivers the answer does not use: no sound).
    const addLocal = () => {
      if (this.pc.getSenders().some((sender) => sender.track)) return;
      for (const track of local.getTracks()) this.pc.addTrack(track, local);
      // Both kinds can flow even when a side starts without a camera: turning it on later only swaps a track.
      if (local.getVideoTracks().length === 0 && !this.pc.getTransceivers().some((t) => t.receiver.track.kind === "video")) {
        this.pc.addTransceiver("video", { direction: "sendrecv" });
      }
    };
    if (!polite) addLocal();
    this.pc.ontrack = ({ track }) => {
      this.remoteStream.addTrack(track);
      // The other side turning its camera off stops its sending (a renegotiation): the track mutes, the view shows a face.
      track.onmute = track.onunmute = () => events.remote(this.remoteStream);
      events.remote(this.remoteStream);
    };
    // Every signal names the link it comes from and the link it is for: after a reload rejoined the call, a late ICE
    // restart from the other side's previous link (addressed to my previous link) never lands on this new one.
    const send = (kind: "offer" | "answer" | "candidate", body: string) =>
      events.signal(kind, JSON.stringify({ from: this.id, to: this.remoteLink, body } satisfies Envelope));
    this.negotiator = new Negotiator(this.pc, polite, send, (err) => console.warn("could not make a call offer", err), addLocal, () => events.freshIce());
    this.pc.onconnectionstatechange = () => this.onConnectionState();
  }

  get state(): MediaState {
    return this.current;
  }

  /** Applies an offer, answer or candidate from the other device of the call. */
  async onSignal(kind: string, payload: string): Promise<void> {
    if (this.closed) return;
    const envelope = JSON.parse(payload) as Envelope;
    const forMe = envelope.to === this.id || (envelope.to === null && (this.remoteLink === null || envelope.from === this.remoteLink));
    if (!forMe) return;
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
    const report = await this.pc.getStats();
    const out: MediaStats = { framesDecoded: 0, frameWidth: 0, frameHeight: 0, totalSamplesReceived: 0, bytesReceived: 0, packetsLost: 0, packetsReceived: 0, rttMs: null, path: null, pair: null, iceRestarts: this.restarts, at: performance.now() };
    report.forEach((s: Record<string, unknown>) => {
      if (s["type"] === "inbound-rtp") {
        out.framesDecoded += Number(s["framesDecoded"] ?? 0);
        if (s["kind"] === "video" && s["frameWidth"]) {
          out.frameWidth = Number(s["frameWidth"]);
          out.frameHeight = Number(s["frameHeight"] ?? 0);
        }
        out.totalSamplesReceived += Number(s["totalSamplesReceived"] ?? 0);
        out.bytesReceived += Number(s["bytesReceived"] ?? 0);
        out.packetsLost += Number(s["packetsLost"] ?? 0);
        out.packetsReceived += Number(s["packetsReceived"] ?? 0);
      }
    });
    const pair = selectedPair(report);
    if (pair?.currentRoundTripTime !== undefined) out.rttMs = pair.currentRoundTripTime * 1000;
    out.pair = selectedPath(report);
    if (out.pair) out.path = pathKind(out.pair);
    return out;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.interrupted);
    this.pc.close();
  }

  private onConnectionState(): void {
    if (this.closed) return;
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
    this.pc.restartIce();
  }

  private setState(state: MediaState): void {
    if (state === this.current) return;
    this.current = state;
    this.events.state(state);
  }
}
