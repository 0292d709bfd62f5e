// Calls on this device: placing, ringing, answering, and what every other device of mine shows meanwhile ("answered
// on another device"). The call's grain on the server decides every step: this class asks it (hub methods), follows
// what it says (the "Call" event) and wires the jobs: my microphone and camera (devices.ts), the link that carries my
// part (link.ts), the caller's links to ringing devices (ringing.ts) and what the view shows (screen.ts).
import { hubErrorText, type SessionLink } from "../signaling.js";
import { trace } from "../trace.js";
import type { CallInfo, IceConfig, IncomingCallSignal } from "../types.js";
import { LocalDevices } from "./devices.js";
import { entryFor, type CallEntry } from "./history.js";
import { CallLink } from "./link.js";
import type { MediaSignalKind, MediaState } from "./media.js";
import { CallRecovery, isForgotten } from "./recovery.js";
import { RingLinks } from "./ringing.js";
import { Ringtone } from "./ringtone.js";
import { callScreen, endingText, isMine, lost, sideOf, type CallScreen, type Shown } from "./screen.js";

export { CALL_TUNING } from "./devices.js";
export type { CallScreen } from "./screen.js";

const REJOIN_KEY = "cybernet.call";
const ENDED_SHOWN_MS = 4_000;

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

export class Calls {
  private call: CallInfo | null = null;
  /** Call signals that came before what they are for (a link, or the word that my call was placed). */
  private readonly early: IncomingCallSignal[] = [];
  private readonly ringtone = new Ringtone();
  /** My microphone, camera, shared screen and ring preview (the view shows them). */
  readonly devices: LocalDevices;
  /** The link that carries my part, with its quality and path (the view shows them). */
  readonly link: CallLink;
  private readonly ringing: RingLinks;
  private sending: Promise<void> = Promise.resolve();
  private shown: Shown | null = null;
  /** Server clock minus this device's clock, from the last update: timers count by the server. */
  private skewMs = 0;
  private readonly recovery: CallRecovery;
  /** A passing word in the call view, or null. */
  hint: string | null = null;
  private hintTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly hub: SessionLink, private readonly host: CallHost) {
    const send = (callId: string, kind: MediaSignalKind, payload: string, toSession?: string) => this.send(callId, kind, payload, toSession);
    this.devices = new LocalDevices({ changed: () => host.changed(), tell: (text) => this.tell(text) });
    const report = (callId: string, state: MediaState) => this.report(callId, state);
    this.link = new CallLink({ me: host.me, session: () => host.session(), ice: () => host.ice(), freshIce: () => host.freshIce(), send, report, probe: () => void hub.probe(), changed: () => host.changed() });
    this.ringing = new RingLinks({ me: host.me, session: () => host.session(), call: () => this.call, local: () => this.devices.local, send }, this.link);
    this.recovery = new CallRecovery(hub, this.link, { call: () => (this.call && this.isMine(this.call) ? this.call : null), onCall: (c) => this.onCall(c) });
  }

  get screen(): CallScreen {
    return callScreen(this.call, this.host.me, this.host.session(), this.shown, Date.now());
  }

  /** Now by the server's clock. */
  serverNow(): number {
    return Date.now() + this.skewMs;
  }

  /** While a call rings: this device's links made ahead of an answer, each connected, held, sending mine (for tests). */
  ringReport(): { connected: boolean; held: boolean; sendsMine: boolean }[] {
    return this.ringing.report();
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
        await this.devices.ensure(call.video);
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
      await this.devices.ensure(video);
      const call = await this.hub.startCall(peer, video);
      if (call.outcome === "merged") return; // we answered theirs: its update follows
      this.onCall(call);
    } catch (err) {
      this.devices.drop();
      this.notice(null, errorText(err));
    }
  }

  async answer(video: boolean): Promise<void> {
    const call = this.call;
    if (!call || call.phase !== "ringing") return;
    this.ringtone.stop();
    // The caller's device hears it first over the link made while it rang, and starts its media at once.
    this.link.sayAnswered(call.callId);
    // Opening the microphone (and camera) and answering overlap; the media link waits for both, and says so if the
    // devices cannot be used (the call then ends as failed, the caller told why).
    const local = this.devices.ensure(video);
    local.catch(() => undefined);
    try {
      this.onCall(await this.hub.answerCall(call.callId));
    } catch (err) {
      await local.catch(() => undefined);
      this.devices.drop();
      this.notice(call, errorText(err));
    }
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
      if (isForgotten(err) && (await this.recovery.resume(call))) this.onCall(await this.hub.hangUp(call.callId).catch(() => lost(call)));
      else if (isForgotten(err)) this.onCall(lost(call));
    }
  }

  /** A call under way on another device of mine moves to this one: it takes that device's place (whose media closes). */
  async takeOver(): Promise<void> {
    const call = this.call;
    if (!call || call.phase === "ringing" || call.phase === "ended" || this.isMine(call)) return;
    try {
      await this.devices.ensure(call.video);
      trace("call: taken over here");
      this.onCall(await this.hub.rejoinCall(call.callId));
    } catch (err) {
      this.devices.drop();
      this.notice(call, errorText(err));
    }
  }

  toggleMute(): void {
    this.devices.toggleMute();
  }

  toggleCamera(): Promise<void> {
    return this.devices.toggleCamera(this.link.media);
  }

  toggleScreen(): Promise<void> {
    return this.devices.toggleScreen(this.link.media);
  }

  useDevice(kind: "audio" | "video", deviceId: string): Promise<void> {
    return this.devices.useDevice(this.link.media, kind, deviceId);
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
      void this.recovery.resume(this.call);
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
      this.devices.stopPreview();
      this.finish(c);
      return;
    }
    if (c.phase === "ringing" && c.callee === this.host.me) this.ringtone.start();
    else this.ringtone.stop();
    if (c.phase === "ringing" && c.caller === this.host.me) {
      // Ringing devices that asked for a connection before this device heard its call was placed.
      for (const s of this.early.splice(0)) {
        if (this.ringing.accepts(s)) this.ringing.onSignal(s);
        else this.early.push(s);
      }
    }
    if (c.phase === "ringing" && this.screen.kind === "incoming") {
      this.link.hold(c);
      if (c.video) void this.devices.openPreview(c.callId, () => this.screen.kind === "incoming");
    } else {
      this.devices.stopPreview();
    }
    const theirs = sideOf(c, this.host.me, "theirs");
    if (c.phase !== "ringing" && this.isMine(c)) {
      sessionStorage.setItem(REJOIN_KEY, c.callId);
      // While the other side's device has not yet claimed a call the server made again, my link to it stays as it is.
      if (theirs) void this.link.join(c, theirs, this.ringing, () => this.devicesOrFail(c), this.early);
    } else if (c.phase !== "ringing") {
      // Answered, or placed, on another device of mine.
      this.closeLinks();
      this.devices.drop();
    }
    this.host.changed();
  }

  onSignal(s: IncomingCallSignal): void {
    if (this.link.onSignal(s)) return;
    if (this.ringing.accepts(s)) this.ringing.onSignal(s);
    else this.early.push(s);
  }

  private isMine(c: CallInfo): boolean {
    return isMine(c, this.host.me, this.host.session());
  }

  /** My microphone (and camera) for call <paramref name="c"/>; if they cannot be used, the call ends as failed, the other side told why. */
  private async devicesOrFail(c: CallInfo): Promise<MediaStream | null> {
    try {
      await this.devices.ensure(c.video);
      return this.call?.callId === c.callId && this.call.phase !== "ended" ? this.devices.local : null;
    } catch (err) {
      await this.hub.reportCall(c.callId, "failed", "media-refused").catch(() => undefined);
      this.notice(c, errorText(err));
      return null;
    }
  }

  private report(callId: string, state: MediaState): void {
    if (state === "connected" || state === "reconnecting") void this.hub.reportCall(callId, state).then((x) => this.onCall(x), () => undefined);
  }

  /** Call signals leave one after another, in the order the links made them. */
  private send(callId: string, kind: MediaSignalKind, payload: string, toSession?: string): Promise<void> {
    this.sending = this.sending.then(() => this.hub.sendCallSignal(callId, kind, payload, toSession)).catch((err) => console.warn("call signal not sent", err));
    return this.sending;
  }

  private finish(c: CallInfo): void {
    this.ringtone.stop();
    this.closeLinks();
    this.devices.drop();
    sessionStorage.removeItem(REJOIN_KEY);
    void this.remember(c);
    this.call = null;
    this.notice(c, endingText(c, this.host.me, entryFor(c, this.host.me, this.host.session()).elsewhere));
  }

  private remember(c: CallInfo): Promise<void> {
    return this.host.remember(entryFor(c, this.host.me, this.host.session()));
  }

  /** A word in the call view that goes by itself (a camera that would not open): the call goes on. */
  private tell(text: string): void {
    this.hint = text;
    clearTimeout(this.hintTimer);
    this.hintTimer = setTimeout(() => ((this.hint = null), this.host.changed()), ENDED_SHOWN_MS);
    this.host.changed();
  }

  private notice(call: CallInfo | null, text: string): void {
    this.shown = { call, text, until: Date.now() + ENDED_SHOWN_MS };
    setTimeout(() => this.host.changed(), ENDED_SHOWN_MS + 50);
    this.host.changed();
  }

  private closeLinks(): void {
    this.link.close();
    this.ringing.closeAll();
  }
}

/** A hub refusal's words, or the words of an error of this device's (a microphone that could not be used). */
function errorText(err: unknown): string {
  return err instanceof Error && !err.message.includes("HubException: ") ? err.message : hubErrorText(err);
}
