// Calls on this device: placing, ringing, answering, the media of the call this session takes part in, and what
// every other device of mine shows meanwhile ("answered on another device"). The call's grain on the server decides
// every step; this class asks it (hub methods) and follows what it says (the "Call" event).
import { trace } from "../trace.js";
import { candidatePairs } from "../path.js";
import type { SessionLink } from "../signaling.js";
import type { CallInfo, IceConfig, IncomingCallSignal } from "../types.js";
import { entryFor, failureText, type CallEntry } from "./history.js";
import { MediaLink, type MediaSignalKind, type MediaStats, type MediaState } from "./media.js";
import { QualityMeter, type Quality } from "./quality.js";
import { Ringtone } from "./ringtone.js";

const REJOIN_KEY = "cybernet.call";
/** Ringing devices one placed call connects to ahead of an answer, at most. */
const MAX_RING_LINKS = 8;
const ENDED_SHOWN_MS = 4_000;
/** How long the caller's device sends over a link whose device said "answered" before the server must confirm it. */
const ANSWER_CONFIRM_MS = 3_000;
/**
 * How often a device in a call under way says how its link is (nothing is written for it): an answered call lives in
 * the server's memory only, and this is how a device finds out, while its link still carries the call, that the server
 * forgot it (its silo died) and makes it again.
 */
const CALL_HEARTBEAT_MS = 10_000;

/** Knobs a benchmark may turn (the debug hook's callTuning). */
export const CALL_TUNING = {
  /** Off: no ring preview, as where the site was never allowed the camera (a test browser's fake prompt always allows). */
  ringPreview: true,
};

export interface CallHost {
  readonly me: string;
  session(): string;
  ice(): IceConfig;
  freshIce(): Promise<IceConfig>;
  /** Remembers a finished call in this device's list. */
  remember(entry: CallEntry): Promise<void>;
  /** Something changed that the call view shows. */
  changed(): void;
}

/** What the call view shows now. */
export type CallScreen =
  | { kind: "none" }
  | { kind: "incoming"; call: CallInfo }
  | { kind: "outgoing"; call: CallInfo }
  | { kind: "active"; call: CallInfo }
  | { kind: "elsewhere"; call: CallInfo }
  | { kind: "ended"; call: CallInfo | null; text: string };

export class Calls {
  private call: CallInfo | null = null;
  private media: MediaLink | null = null;
  /** The other party's session the media link was made for: a rejoin there needs a new link. */
  private mediaPeerSession = "";
  /** The call the media link belongs to. */
  private mediaCallId = "";
  /** My session when the media link was made. */
  private mediaMySession = "";
  /** The media link carries the call: its tracks are on and its state is reported (not a held link of a ringing call). */
  private mediaLive = false;
  /**
   * While my call rings (on the device that placed it): a held link to each ringing device that asked for one, by its
   * session. The device that answers has its path up already; the others' links close.
   */
  private readonly ringLinks = new Map<string, MediaLink>();
  private sending: Promise<void> = Promise.resolve();
  private local: MediaStream | null = null;
  private camera: MediaStreamTrack | null = null;
  private screenTrack: MediaStreamTrack | null = null;
  /** Devices picked in this call's view, used when the camera comes on again. */
  private readonly chosen = { audio: "", video: "" };
  private readonly early: IncomingCallSignal[] = [];
  private readonly ringtone = new Ringtone();
  private readonly meter = new QualityMeter();
  private statsTimer: ReturnType<typeof setInterval> | undefined;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private last: MediaStats | null = null;
  /** Samples in a row that found the call relayed though a direct pair works. */
  private relayedThoughDirect = 0;
  private ended: { call: CallInfo | null; text: string; until: number } | null = null;
  /** Server clock minus this device's clock, from the last update: timers count by the server. */
  private skewMs = 0;

  remote: MediaStream | null = null;
  quality: Quality = "good";
  path: MediaStats["path"] = null;
  muted = false;
  cameraOn = false;
  sharing = false;
  /** A passing word in the call view, or null. */
  hint: string | null = null;
  private hintTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly hub: SessionLink, private readonly host: CallHost) {}

  private sharedPreview: MediaStream | null = null;

  /** What my small picture shows: the shared screen while sharing, else my camera. */
  get localStream(): MediaStream | null {
    if (this.sharing && this.screenTrack) {
      if (this.sharedPreview?.getVideoTracks()[0] !== this.screenTrack) this.sharedPreview = new MediaStream([this.screenTrack]);
      return this.sharedPreview;
    }
    return this.local;
  }

  /**
   * While a video call rings here: my own camera, shown behind the incoming screen (as FaceTime and WhatsApp do), so I
   * see myself before I answer and answering with video starts from a camera already open. Only where this site may
   * use the camera already (never a permission prompt for a call nobody answered); nothing of it is sent before the
   * answer; answering with audio, declining or the ring ending anywhere turns it off.
   */
  ringPreview: MediaStream | null = null;
  private previewFor = "";
  /** The last preview's tracks, for a test to see they were stopped. */
  private previewOpened: MediaStreamTrack[] = [];

  /** How many tracks of the last ring preview are still live, the one an answer took over aside (for tests). */
  previewLive(): number {
    return this.previewOpened.filter((t) => t.readyState === "live" && !this.local?.getTracks().includes(t)).length;
  }

  /** What this device sends in the call: each track's kind, device label and whether it is live (for tests). */
  localTracks(): { kind: string; label: string; live: boolean }[] {
    return (this.local?.getTracks() ?? []).map((t) => ({ kind: t.kind, label: t.label, live: t.readyState === "live" }));
  }

  /** The media link's candidate pairs (for a test that failed, to say why), or null without one. */
  async iceReport(): Promise<string[] | null> {
    if (!this.media) return null;
    return [...(await candidatePairs(this.media.pc)), `ICE restarts: ${this.last?.iceRestarts ?? "?"}`];
  }

  /**
   * While a call rings: this device's links made ahead of an answer (the caller's to each ringing device; a ringing
   * device's to the caller), whether each is connected (a held one with its channel open), still held, and whether it
   * sends any track of mine (camera, microphone) (for tests).
   */
  ringReport(): { connected: boolean; held: boolean; sendsMine: boolean }[] {
    const links = [...this.ringLinks.values(), ...(this.media && !this.mediaLive ? [this.media] : [])];
    return links.map((l) => ({ connected: l.ready, held: l.isHeld, sendsMine: l.sendsMine }));
  }

  get lastStats(): MediaStats | null {
    return this.last;
  }

  /** Now by the server's clock. */
  serverNow(): number {
    return Date.now() + this.skewMs;
  }

  get screen(): CallScreen {
    const c = this.call;
    if (!c || c.phase === "ended") {
      return this.ended && this.ended.until > Date.now() ? { kind: "ended", call: this.ended.call, text: this.ended.text } : { kind: "none" };
    }
    const me = this.host.me;
    if (c.phase === "ringing") {
      if (c.callee === me) return { kind: "incoming", call: c };
      return c.callerSession === this.host.session() ? { kind: "outgoing", call: c } : { kind: "elsewhere", call: c };
    }
    return this.isMine(c) ? { kind: "active", call: c } : { kind: "elsewhere", call: c };
  }

  /** After start-up (or a reload): a call this tab was in comes back; one that rings elsewhere shows. */
  async resume(): Promise<void> {
    const call = await this.hub.getCall();
    if (!call) {
      sessionStorage.removeItem(REJOIN_KEY);
      return;
    }
    if (call.phase !== "ringing" && sessionStorage.getItem(REJOIN_KEY) === call.callId) {
      try {
        await this.ensureLocal(call.video);
        trace("call: rejoin");
        this.onCall(await this.hub.rejoinCall(call.callId));
        return;
      } catch (err) {
        this.notice(call, errorText(err));
      }
    }
    this.onCall(call);
  }

  async start(peer: string, video: boolean): Promise<void> {
    if (this.call && this.call.phase !== "ended") return;
    try {
      await this.ensureLocal(video);
      const call = await this.hub.startCall(peer, video);
      if (call.outcome === "merged") return; // we answered theirs: its update follows
      this.onCall(call);
    } catch (err) {
      this.dropLocal();
      this.notice(null, errorText(err));
    }
  }

  async answer(video: boolean): Promise<void> {
    const call = this.call;
    if (!call || call.phase !== "ringing") return;
    this.ringtone.stop();
    // The caller's device hears it first over the link made while it rang, and starts its media at once.
    if (this.media && !this.mediaLive && this.mediaCallId === call.callId) this.media.sayAnswered();
    // Opening the microphone (and camera) and answering overlap; the media link waits for both, and says so if the
    // devices cannot be used (the call then ends as failed, the caller told why).
    const local = this.ensureLocal(video);
    local.catch(() => undefined);
    try {
      this.onCall(await this.hub.answerCall(call.callId));
    } catch (err) {
      await local.catch(() => undefined);
      this.dropLocal();
      this.notice(call, errorText(err));
    }
  }

  /** For a test: says "answered" over the held link and nothing to the server, as a dishonest device could. */
  sayAnsweredOnly(): void {
    if (this.media && !this.mediaLive) this.media.sayAnswered();
  }

  async decline(): Promise<void> {
    const call = this.call;
    this.ringtone.stop();
    if (call) this.onCall(await this.hub.declineCall(call.callId).catch(() => call));
  }

  async hangUp(): Promise<void> {
    const call = this.call;
    if (!call) return;
    try {
      this.onCall(await this.hub.hangUp(call.callId));
    } catch (err) {
      // The server forgot the call while my link still carries it: made again, then ended, so the other side hears it.
      if (isForgotten(err) && (await this.resumeForgotten(call))) this.onCall(await this.hub.hangUp(call.callId).catch(() => lost(call)));
      else if (isForgotten(err)) this.onCall(lost(call));
    }
  }

  /** A call under way on another device of mine moves to this one: it takes that device's place (whose media closes). */
  async takeOver(): Promise<void> {
    const call = this.call;
    if (!call || call.phase === "ringing" || call.phase === "ended" || this.isMine(call)) return;
    try {
      await this.ensureLocal(call.video);
      trace("call: taken over here");
      this.onCall(await this.hub.rejoinCall(call.callId));
    } catch (err) {
      this.dropLocal();
      this.notice(call, errorText(err));
    }
  }

  toggleMute(): void {
    this.muted = !this.muted;
    for (const t of this.local?.getAudioTracks() ?? []) t.enabled = !this.muted;
    this.host.changed();
  }

  /** Camera off releases the device (its light goes out) and the other side sees my face; on opens it again. */
  async toggleCamera(): Promise<void> {
    if (!this.media || !this.local) return;
    if (this.cameraOn) {
      this.cameraOn = false;
      if (this.camera) {
        this.local.removeTrack(this.camera);
        this.camera.stop();
        this.camera = null;
      }
      if (!this.sharing) await this.media.useTrack("video", null);
    } else {
      let track: MediaStreamTrack | undefined;
      try {
        track = (await navigator.mediaDevices.getUserMedia({ video: this.chosen.video ? { deviceId: { exact: this.chosen.video } } : true })).getVideoTracks()[0];
      } catch (err) {
        this.tell(mediaErrorText(err, true));
        return;
      }
      if (!track || !this.media || !this.local) {
        track?.stop();
        return;
      }
      this.camera = track;
      this.local.addTrack(track);
      this.cameraOn = true;
      if (!this.sharing) await this.media.useTrack("video", track);
    }
    this.host.changed();
  }

  /** Shares the screen in place of the camera, in the same call; ending the share brings the camera back. */
  async toggleScreen(): Promise<void> {
    if (!this.media) return;
    if (this.sharing) {
      this.stopSharing();
      return;
    }
    const display = await navigator.mediaDevices.getDisplayMedia({ video: true });
    const track = display.getVideoTracks()[0];
    if (!track) return;
    this.screenTrack = track;
    this.sharing = true;
    track.onended = () => this.stopSharing();
    await this.media.useTrack("video", track);
    this.host.changed();
  }

  /** The device in use (or chosen for when the camera comes on) of a kind, "" for the browser's default. */
  deviceOf(kind: "audio" | "video"): string {
    const track = kind === "audio" ? this.local?.getAudioTracks()[0] : this.camera;
    return track?.getSettings().deviceId ?? this.chosen[kind];
  }

  /** Switches the microphone or camera to another device, without renegotiating; a camera that is off only remembers it. */
  async useDevice(kind: "audio" | "video", deviceId: string): Promise<void> {
    this.chosen[kind] = deviceId;
    if (!this.media || !this.local || (kind === "video" && !this.cameraOn)) return;
    let track: MediaStreamTrack | undefined;
    try {
      const stream = await navigator.mediaDevices.getUserMedia(kind === "audio" ? { audio: { deviceId: { exact: deviceId } } } : { video: { deviceId: { exact: deviceId } } });
      track = (kind === "audio" ? stream.getAudioTracks() : stream.getVideoTracks())[0];
    } catch (err) {
      this.tell(mediaErrorText(err, kind === "video"));
      return;
    }
    if (!track || !this.media || !this.local) {
      track?.stop();
      return;
    }
    const old = kind === "audio" ? this.local.getAudioTracks()[0] : this.camera;
    if (old) {
      this.local.removeTrack(old);
      old.stop();
    }
    this.local.addTrack(track);
    if (kind === "audio") track.enabled = !this.muted;
    else this.camera = track;
    if (kind === "audio" || !this.sharing) await this.media.useTrack(kind, track);
    this.host.changed();
  }

  /** The server says the call changed. */
  onCall(c: CallInfo): void {
    // A hub answer and a push can cross: an older update of this call never undoes a newer one (an ending always counts).
    if (this.call?.callId === c.callId && c.phase !== "ended" && c.version < this.call.version) {
      trace(`call: an older update dropped (${c.phase})`);
      return;
    }
    if (this.call?.callId === c.callId && c.phase !== "ended" && this.isMine(this.call) && sideOf(c, this.host.me, "mine") === "") {
      // The server made the call again from the other side's claim (it had forgotten it): mine follows, same link.
      void this.resumeForgotten(this.call);
      return;
    }
    if (c.phase !== this.call?.phase) trace(`call phase: ${c.phase}`);
    this.skewMs = Date.parse(c.serverNow) - Date.now();
    if (this.call && this.call.callId !== c.callId && this.call.phase !== "ended" && c.phase === "ended") {
      // Another call ended while this one lasts (a busy caller, a call that gave way): only the list hears of it.
      void this.remember(c);
      return;
    }
    this.call = c;
    if (c.phase === "ended") {
      this.stopPreview();
      this.finish(c);
      return;
    }
    if (c.phase === "ringing" && c.callee === this.host.me) this.ringtone.start();
    else this.ringtone.stop();
    if (c.phase === "ringing" && c.caller === this.host.me) {
      // Ringing devices that asked for a connection before this device heard its call was placed.
      for (const s of this.early.splice(0)) {
        if (this.ringingMine(s)) this.toRingLink(s);
        else this.early.push(s);
      }
    }
    if (c.phase === "ringing" && this.screen.kind === "incoming") {
      this.warm(c);
      if (c.video) void this.openPreview(c.callId);
    } else {
      this.stopPreview();
    }
    if (c.phase !== "ringing" && this.isMine(c)) {
      sessionStorage.setItem(REJOIN_KEY, c.callId);
      // While the other side's device has not yet claimed a call the server made again, my link to it stays as it is.
      if (sideOf(c, this.host.me, "theirs") !== "") void this.ensureMedia(c);
    } else if (c.phase !== "ringing") {
      // Answered, or placed, on another device of mine.
      this.closeMedia();
      this.dropLocal();
    }
    this.host.changed();
  }

  onSignal(s: IncomingCallSignal): void {
    if (this.media && this.call?.callId === s.callId && this.mediaPeerSession === s.fromSession) {
      void this.media.onSignal(s.kind, s.payload).catch((err) => console.warn("call signal failed", err));
    } else if (this.ringingMine(s)) {
      this.toRingLink(s);
    } else {
      this.early.push(s);
    }
  }

  /** A signal from a ringing device of the callee, to this device, which placed the call that rings. */
  private ringingMine(s: IncomingCallSignal): boolean {
    const c = this.call;
    return c !== null && c.callId === s.callId && c.phase === "ringing" && c.caller === this.host.me && c.callerSession === this.host.session() && s.from === c.callee;
  }

  /** A ringing device's signal goes to its held link; its hello makes one (again, if it made a new link of its own). */
  private toRingLink(s: IncomingCallSignal): void {
    const c = this.call!;
    let link = this.ringLinks.get(s.fromSession);
    if (s.kind === "hello") {
      link?.close();
      this.ringLinks.delete(s.fromSession);
      if (this.ringLinks.size >= MAX_RING_LINKS) return;
      const callId = c.callId;
      const to = s.fromSession;
      const made: MediaLink = this.makeLink(c, null, (kind, payload) => (this.ringLinks.get(to) === made || this.media === made ? this.send(callId, kind, payload, to) : Promise.resolve()), () => this.answeredOver(callId, to, made));
      link = made;
      this.ringLinks.set(to, link);
    }
    void link?.onSignal(s.kind, s.payload).catch((err) => console.warn("call signal failed", err));
  }

  /**
   * A ringing device says over its held link that its person answered: my camera and microphone go on that link at
   * once, ahead of the call grain's word, which decides who answered and usually follows tens of milliseconds later.
   * What it costs: my media reaches a device of the person I call, on which they clicked Accept, that may lose the
   * answer to another of their devices clicked in the same instant (it then closes). A device that says "answered"
   * and never answers through the server gets my media for ANSWER_CONFIRM_MS at most, and no more early answers.
   */
  private answeredOver(callId: string, session: string, link: MediaLink): void {
    const c = this.call;
    if (!c || c.callId !== callId || c.phase !== "ringing" || this.ringLinks.get(session) !== link || !this.local) return;
    if (this.heardEarly.has(session)) return;
    this.heardEarly.add(session);
    trace("call: answered, heard over the link");
    void link.attach(this.local);
    setTimeout(() => {
      if (this.ringLinks.get(session) === link && this.call?.callId === callId && this.call.phase === "ringing") void link.detach();
    }, ANSWER_CONFIRM_MS);
  }

  /** Ringing devices whose "answered" over their link was acted on, in this call. */
  private readonly heardEarly = new Set<string>();

  /**
   * This device rings: it connects to the caller's device ahead of an answer (a held link: no camera or microphone is
   * opened or sent before the answer), so that answering only turns the media on.
   */
  private warm(c: CallInfo): void {
    if (this.media || typeof RTCPeerConnection === "undefined") return;
    const callId = c.callId;
    this.mediaCallId = callId;
    this.mediaPeerSession = c.callerSession;
    this.mediaMySession = this.host.session();
    this.mediaLive = false;
    const link: MediaLink = this.makeLink(c, null, (kind, payload) => (this.media === link ? this.send(callId, kind, payload) : Promise.resolve()));
    this.media = link;
    void link.hello();
  }

  private async openPreview(callId: string): Promise<void> {
    if (this.previewFor === callId || !navigator.mediaDevices?.getUserMedia || !CALL_TUNING.ringPreview) return;
    this.previewFor = callId;
    try {
      const allowed = await navigator.permissions.query({ name: "camera" as PermissionName });
      if (allowed.state !== "granted") return;
      const stream = await navigator.mediaDevices.getUserMedia({ video: this.chosen.video ? { deviceId: { ideal: this.chosen.video } } : true });
      // The ring may have ended (or been answered) while the camera opened.
      if (this.previewFor !== callId || this.screen.kind !== "incoming" || this.local) {
        for (const t of stream.getTracks()) t.stop();
        return;
      }
      this.ringPreview = stream;
      this.previewOpened = stream.getTracks();
      this.host.changed();
    } catch {
      // No preview: the camera opens on the answer, as without one.
    }
  }

  private stopPreview(): void {
    this.previewFor = "";
    for (const t of this.ringPreview?.getTracks() ?? []) t.stop();
    if (this.ringPreview) this.host.changed();
    this.ringPreview = null;
  }

  /** The camera of the ring preview, taken over by the answer (the preview is gone after). */
  private takePreviewCamera(): MediaStreamTrack | null {
    const track = this.ringPreview?.getVideoTracks().find((t) => t.readyState === "live") ?? null;
    if (track) this.ringPreview!.removeTrack(track);
    this.stopPreview();
    return track;
  }

  private isMine(c: CallInfo): boolean {
    const session = this.host.session();
    return c.caller === this.host.me ? c.callerSession === session : c.calleeSession === session;
  }

  private localPending: Promise<void> | null = null;

  /** My microphone (and camera): asked for once, however many callers wait for it at the same time. */
  private ensureLocal(video: boolean): Promise<void> {
    if (this.local) return Promise.resolve();
    this.localPending ??= this.openLocal(video).finally(() => (this.localPending = null));
    return this.localPending;
  }

  private async openLocal(video: boolean): Promise<void> {
    // Answering with video keeps the camera the ring preview opened; answering with audio turns it off.
    const previewed = video ? this.takePreviewCamera() : (this.stopPreview(), null);
    if (!navigator.mediaDevices?.getUserMedia) throw new Error("This browser cannot use a microphone here.");
    try {
      // The devices picked in an earlier call of this tab, if they are still there.
      const pick = (id: string) => (id ? { deviceId: { ideal: id } } : true);
      const stream = await navigator.mediaDevices.getUserMedia({ audio: pick(this.chosen.audio), video: video && !previewed && pick(this.chosen.video) });
      if (previewed) stream.addTrack(previewed);
      this.local = stream;
    } catch (err) {
      previewed?.stop();
      throw new Error(mediaErrorText(err, video));
    }
    this.camera = this.local.getVideoTracks()[0] ?? null;
    this.cameraOn = this.camera !== null;
    this.muted = false;
  }

  private async ensureMedia(c: CallInfo): Promise<void> {
    const theirSession = c.caller === this.host.me ? c.calleeSession! : c.callerSession;
    // Claimed before the first await: an update and a hub answer arriving together set up one link, not two. A link
    // made under my previous session (the signaling connection was replaced) is dead to the other side: start over.
    if (this.mediaPeerSession === theirSession && this.mediaMySession === this.host.session()) {
      // The held link this device made while it rang: answered here, its media goes on.
      if (this.media && !this.mediaLive && this.mediaCallId === c.callId) await this.goLive(c, this.media);
      return;
    }
    const ready = this.ringLinks.get(theirSession);
    if (ready) {
      // The device that answered connected while it rang: its link carries the call; the others close.
      this.ringLinks.delete(theirSession);
      this.closeMedia();
      this.media = ready;
      this.mediaCallId = c.callId;
      this.mediaPeerSession = theirSession;
      this.mediaMySession = this.host.session();
      if (ready.remote.getTracks().length > 0) this.remote = ready.remote;
      await this.goLive(c, ready);
      return;
    }
    // No link was made while it rang (the device answered before it could ask for one): one is made now.
    this.closeRingLinks();
    this.closeMedia();
    this.mediaPeerSession = theirSession;
    this.mediaMySession = this.host.session();
    if (!(await this.devicesOrFail(c))) return;
    if (this.mediaPeerSession !== theirSession || this.call?.callId !== c.callId || this.call.phase === "ended") return;
    this.openMedia(c);
    this.bind(theirSession);
  }

  /** My microphone (and camera) for call <paramref name="c"/>; if they cannot be used, the call ends as failed, the other side told why. */
  private async devicesOrFail(c: CallInfo): Promise<boolean> {
    try {
      await this.ensureLocal(c.video);
      return true;
    } catch (err) {
      await this.hub.reportCall(c.callId, "failed", "media-refused").catch(() => undefined);
      this.notice(c, errorText(err));
      return false;
    }
  }

  /** A held link now carries the call: my camera and microphone go on it, and its state counts from here. */
  private async goLive(c: CallInfo, link: MediaLink): Promise<void> {
    this.mediaLive = true;
    if (!(await this.devicesOrFail(c))) return;
    if (this.media !== link || !this.local) return;
    await link.attach(this.local);
    this.watchStats();
    if (link.state === "connected") this.report(c.callId, "connected");
  }

  /** A media link for call <paramref name="c"/>, with my tracks on it, to the device bound next (see bind). */
  private openMedia(c: CallInfo): void {
    const callId = c.callId;
    this.mediaCallId = callId;
    const link: MediaLink = this.makeLink(c, this.local!, (kind, payload) => (this.media === link ? this.send(callId, kind, payload) : Promise.resolve()));
    this.media = link;
  }

  /** A media link of call <paramref name="c"/>: <paramref name="local"/>'s tracks on it, or none yet (held). */
  private makeLink(c: CallInfo, local: MediaStream | null, signal: (kind: MediaSignalKind, payload: string) => Promise<void>, answered?: () => void): MediaLink {
    const callId = c.callId;
    // The callee is polite: when both offer at once, the callee's offer gives way.
    const link: MediaLink = new MediaLink(c.callee === this.host.me, this.host.ice(), local, {
      signal,
      remote: (stream) => {
        if (this.media !== link) return;
        this.remote = stream;
        this.host.changed();
      },
      state: (state) => {
        if (this.media === link && this.mediaLive) this.report(callId, state);
      },
      freshIce: () => this.host.freshIce(),
      interrupted: () => {
        if (this.media === link) void this.hub.probe();
      },
      ...(answered ? { answered } : {}),
    });
    return link;
  }

  private report(callId: string, state: MediaState): void {
    if (state === "connected" || state === "reconnecting") void this.hub.reportCall(callId, state).then((x) => this.onCall(x), () => undefined);
  }

  /** The other device of the call is known: what came early from it goes in. */
  private bind(theirSession: string): void {
    const link = this.media!;
    const callId = this.mediaCallId;
    this.mediaPeerSession = theirSession;
    this.mediaMySession = this.host.session();
    // Signals that came before this link, from the session it is for; older ones (a session gone) are dropped.
    for (const s of this.early.splice(0).filter((x) => x.callId === callId && x.fromSession === theirSession)) void link.onSignal(s.kind, s.payload).catch(() => undefined);
    this.mediaLive = true;
    this.watchStats();
  }

  private watchStats(): void {
    clearInterval(this.statsTimer);
    this.statsTimer = setInterval(() => void this.sample(), 1000);
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), CALL_HEARTBEAT_MS);
  }

  /** Says how my link is; a server that forgot the call hears it again from me (see CALL_HEARTBEAT_MS). */
  private async heartbeat(): Promise<void> {
    const c = this.call;
    if (!c || c.phase === "ringing" || c.phase === "ended" || !this.media || !this.mediaLive || !this.isMine(c)) return;
    try {
      this.onCall(await this.hub.reportCall(c.callId, this.media.state === "connected" ? "connected" : "reconnecting"));
    } catch (err) {
      if (isForgotten(err)) await this.resumeForgotten(c);
    }
  }

  /**
   * The server forgot my call (an answered call lives in its memory; its silo died). While my link to the other side is
   * up, the call is made again from what this device holds; otherwise it is over here. Returns whether it was made again.
   */
  private async resumeForgotten(c: CallInfo): Promise<boolean> {
    if (this.resuming) return this.resuming;
    const attempt = async (): Promise<boolean> => {
      if (this.media?.state === "connected" && this.call?.callId === c.callId) {
        try {
          const back = await this.hub.resumeCall({ callId: c.callId, caller: c.caller, callee: c.callee, video: c.video, connectedAt: c.connectedAt });
          trace("call: made again after the server forgot it");
          this.onCall(back);
          return true;
        } catch (err) {
          console.warn("call not resumed", err);
        }
      }
      if (this.call?.callId === c.callId) this.onCall(lost(c));
      return false;
    };
    this.resuming = attempt().finally(() => (this.resuming = null));
    return this.resuming;
  }

  private resuming: Promise<boolean> | null = null;

  /** Call signals leave one after another, in the order the links made them. */
  private send(callId: string, kind: MediaSignalKind, payload: string, toSession?: string): Promise<void> {
    this.sending = this.sending.then(() => this.hub.sendCallSignal(callId, kind, payload, toSession)).catch((err) => console.warn("call signal not sent", err));
    return this.sending;
  }

  private async sample(): Promise<void> {
    if (!this.media) return;
    const now = await this.media.stats();
    const before = this.last;
    this.last = now;
    this.path = now.path;
    // Nothing came in for a second (a call always carries audio, silent or not): the path may be gone with a network
    // change, seconds before ICE says "disconnected"; a probe finds a signaling connection that died with it.
    if (before && before.packetsReceived > 0 && now.packetsReceived === before.packetsReceived) void this.hub.probe();
    // On a relay for 3 s while a direct pair works: the impolite side asks for new checks once (see preferDirect).
    this.relayedThoughDirect = now.path !== null && now.path !== "direct" && now.directWorks ? this.relayedThoughDirect + 1 : 0;
    if (this.relayedThoughDirect >= 3 && !this.media.polite) this.media.preferDirect();
    if (before) {
      const packets = now.packetsReceived - before.packetsReceived + (now.packetsLost - before.packetsLost);
      const loss = packets > 0 ? Math.max(0, now.packetsLost - before.packetsLost) / packets : 0;
      this.quality = this.meter.add({ rttMs: now.rttMs, loss, jitterMs: now.jitterMs });
    }
    this.host.changed();
  }

  private stopSharing(): void {
    this.screenTrack?.stop();
    this.screenTrack = null;
    this.sharing = false;
    void this.media?.useTrack("video", this.cameraOn ? this.camera : null);
    this.host.changed();
  }

  private finish(c: CallInfo): void {
    this.ringtone.stop();
    this.closeMedia();
    this.dropLocal();
    sessionStorage.removeItem(REJOIN_KEY);
    void this.remember(c);
    this.call = null;
    const entry = entryFor(c, this.host.me, this.host.session());
    this.ended = { call: c, text: endingText(c, this.host.me, entry.elsewhere), until: Date.now() + ENDED_SHOWN_MS };
    setTimeout(() => this.host.changed(), ENDED_SHOWN_MS + 50);
    this.host.changed();
  }

  private async remember(c: CallInfo): Promise<void> {
    await this.host.remember(entryFor(c, this.host.me, this.host.session()));
  }

  /** A word in the call view that goes by itself (a camera that would not open): the call goes on. */
  private tell(text: string): void {
    this.hint = text;
    clearTimeout(this.hintTimer);
    this.hintTimer = setTimeout(() => {
      this.hint = null;
      this.host.changed();
    }, ENDED_SHOWN_MS);
    this.host.changed();
  }

  private notice(call: CallInfo | null, text: string): void {
    this.ended = { call, text, until: Date.now() + ENDED_SHOWN_MS };
    setTimeout(() => this.host.changed(), ENDED_SHOWN_MS + 50);
    this.host.changed();
  }

  private closeMedia(): void {
    clearInterval(this.statsTimer);
    this.statsTimer = undefined;
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    this.closeRingLinks();
    this.media?.close();
    this.media = null;
    this.mediaLive = false;
    this.mediaPeerSession = "";
    this.mediaMySession = "";
    this.mediaCallId = "";
    this.remote = null;
    this.last = null;
    this.path = null;
    this.quality = "good";
  }

  private closeRingLinks(): void {
    for (const link of this.ringLinks.values()) link.close();
    this.ringLinks.clear();
    this.heardEarly.clear();
  }

  private dropLocal(): void {
    for (const t of this.local?.getTracks() ?? []) t.stop();
    this.screenTrack?.stop();
    this.local = null;
    this.camera = null;
    this.screenTrack = null;
    this.cameraOn = false;
    this.sharing = false;
  }
}

/** What the screen says when a call ends, to this side. */
export function endingText(c: CallInfo, me: string, elsewhere: boolean): string {
  const out = c.caller === me;
  if (elsewhere) return out ? "The call on your other device ended." : "Answered on another device.";
  switch (c.outcome) {
    case "completed":
      return "Call ended.";
    case "declined":
      return out ? "Declined." : "You declined the call.";
    case "busy":
      return out ? "Busy: they are in another call." : "Missed call (you were in another call).";
    case "missed":
      return out ? "No answer." : "Missed call.";
    case "cancelled":
      return out ? "Call cancelled." : "Missed call: they hung up.";
    case "not-available":
      return out ? "Not available: none of their devices is online. They will see that you called." : "Missed call.";
    case "merged":
      return "You called each other at once: joined into one call.";
    case "failed":
      return c.endedBy && c.endedBy !== me && c.failure === "media-refused"
        ? "The call failed: their microphone or camera could not be used."
        : `The call failed: ${failureText(c.failure)}.`;
    default:
      return "Call ended.";
  }
}

/** The server holds nothing of the call (forgotten when its silo died, or long ended). */
function isForgotten(err: unknown): boolean {
  return errorText(err).includes("no such call");
}

/** A session of the call as it is now: my side's or the other side's. */
function sideOf(c: CallInfo, me: string, side: "mine" | "theirs"): string | null {
  return (c.caller === me) === (side === "mine") ? c.callerSession : c.calleeSession;
}

/** My call, ended here because the server forgot it and my link to the other side is down too. */
function lost(c: CallInfo): CallInfo {
  return { ...c, phase: "ended", outcome: "failed", failure: "connection-lost", endedAt: new Date().toISOString(), version: c.version + 1 };
}

function mediaErrorText(err: unknown, video: boolean): string {
  const name = err instanceof DOMException ? err.name : "";
  const what = video ? "microphone and camera" : "microphone";
  if (name === "NotAllowedError" || name === "SecurityError") return `Cybernet Call may not use your ${what}: allow it in the browser's site settings and try again.`;
  if (name === "NotFoundError" || name === "OverconstrainedError") return `No ${what} found on this device.`;
  if (name === "NotReadableError") return `Your ${what} is in use by another application.`;
  return `Your ${what} could not be used.`;
}

function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const marker = "HubException: ";
  const at = text.indexOf(marker);
  return at >= 0 ? text.slice(at + marker.length) : text;
}
