// While my call rings, on the device that placed it: a held link to each ringing device that asks for one, so the
// device that answers has its path up already (the others' links close). A ringing device may say "answered" over its
// link ahead of the server's word; my media goes on that link at once, for a few seconds unless the server confirms.
import { trace } from "../trace.js";
import type { CallInfo, IncomingCallSignal } from "../types.js";
import type { CallLink } from "./link.js";
import type { MediaLink, MediaSignalKind } from "./media.js";

/** Ringing devices one placed call connects to ahead of an answer, at most. */
const MAX_RING_LINKS = 8;
/** How long the caller's device sends over a link whose device said "answered" before the server must confirm it. */
const ANSWER_CONFIRM_MS = 3_000;

export interface RingHost {
  readonly me: string;
  session(): string;
  /** The call as the server last told. */
  call(): CallInfo | null;
  /** My microphone and camera, once open. */
  local(): MediaStream | null;
  send(callId: string, kind: MediaSignalKind, payload: string, toSession?: string): Promise<void>;
}

export class RingLinks {
  private readonly links = new Map<string, MediaLink>();
  /** Ringing devices whose "answered" over their link was acted on, in this call. */
  private readonly heardEarly = new Set<string>();

  constructor(private readonly host: RingHost, private readonly link: CallLink) {}

  /** A signal from a ringing device of the callee, to this device, which placed the call that rings. */
  accepts(s: IncomingCallSignal): boolean {
    const c = this.host.call();
    return c !== null && c.callId === s.callId && c.phase === "ringing" && c.caller === this.host.me && c.callerSession === this.host.session() && s.from === c.callee;
  }

  /** A ringing device's signal goes to its held link; its hello makes one (again, if it made a new link of its own). */
  onSignal(s: IncomingCallSignal): void {
    const c = this.host.call()!;
    let link = this.links.get(s.fromSession);
    if (s.kind === "hello") {
      link?.close();
      this.links.delete(s.fromSession);
      if (this.links.size >= MAX_RING_LINKS) return;
      const callId = c.callId;
      const to = s.fromSession;
      const made: MediaLink = this.link.make(
        c,
        null,
        (kind, payload) => (this.links.get(to) === made || this.link.media === made ? this.host.send(callId, kind, payload, to) : Promise.resolve()),
        () => this.answeredOver(callId, to, made),
      );
      link = made;
      this.links.set(to, link);
    }
    void link?.onSignal(s.kind, s.payload).catch((err) => console.warn("call signal failed", err));
  }

  /** The held link to the device that answered, taken out (it carries the call now), or undefined. */
  take(session: string): MediaLink | undefined {
    const link = this.links.get(session);
    this.links.delete(session);
    return link;
  }

  closeAll(): void {
    for (const link of this.links.values()) link.close();
    this.links.clear();
    this.heardEarly.clear();
  }

  /**
   * While a call rings, each link made ahead of an answer (the caller's to each ringing device, or a ringing device's to
   * the caller): whether it is connected (its channel open), still held, and whether it sends a track of mine (for tests).
   */
  report(): { connected: boolean; held: boolean; sendsMine: boolean }[] {
    const held = this.link.life.kind === "held" ? [this.link.life.link] : [];
    return [...this.links.values(), ...held].map((l) => ({ connected: l.ready, held: l.isHeld, sendsMine: l.sendsMine }));
  }

  /**
   * A ringing device says over its held link that its person answered: my camera and microphone go on that link at
   * once, ahead of the call grain's word, which decides who answered and usually follows tens of milliseconds later.
   * What it costs: my media reaches a device of the person I call, on which they clicked Accept, that may lose the
   * answer to another of their devices clicked in the same instant (it then closes). A device that says "answered"
   * and never answers through the server gets my media for ANSWER_CONFIRM_MS at most, and no more early answers.
   */
  private answeredOver(callId: string, session: string, link: MediaLink): void {
    const c = this.host.call();
    const local = this.host.local();
    if (this.heardEarly.has(session)) return;
    if (c?.callId === callId && c.phase !== "ringing" && c.phase !== "ended") {
      // The server's word came first (a loaded machine can delay the link's message): nothing to start early.
      this.heardEarly.add(session);
      trace("call: answered, heard over the link after the server's word");
      return;
    }
    if (!c || c.callId !== callId || c.phase !== "ringing" || this.links.get(session) !== link || !local) return;
    this.heardEarly.add(session);
    trace("call: answered, heard over the link");
    void link.attach(local);
    setTimeout(() => {
      const now = this.host.call();
      if (this.links.get(session) === link && now?.callId === callId && now.phase === "ringing") void link.detach();
    }, ANSWER_CONFIRM_MS);
  }
}
