// The media link that carries this device's part in a call, as one explicit state (idle → held while ringing → live →
// ended), and what its stats say (quality, path). Only the callee's ringing device holds a link of its own before the
// answer (to the caller's device, with no track on it); the caller's held links are ringing.ts's. No DOM.
import { candidatePairs } from "../path.js";
import type { CallInfo, IceConfig, IncomingCallSignal } from "../types.js";
import { MediaLink, type MediaSignalKind, type MediaState, type MediaStats } from "./media.js";
import { QualityMeter, type Quality } from "./quality.js";
import type { RingLinks } from "./ringing.js";

/**
 * Where this device's link is in its life. `peer` is the other party's session it links to, `mine` my session when it
 * was made (a link made under my previous session is dead to the other side). A live link is null for the moment my
 * devices open (claimed first, so an update and a hub answer arriving together make one link, not two).
 */
export type LinkLife =
  | { kind: "idle" }
  | { kind: "held"; callId: string; peer: string; mine: string; link: MediaLink }
  | { kind: "live"; callId: string; peer: string; mine: string; link: MediaLink | null }
  | { kind: "ended"; callId: string };

export interface LinkHost {
  readonly me: string;
  session(): string;
  ice(): IceConfig;
  freshIce(): Promise<IceConfig>;
  /** Sends a call signal; while the call rings, the caller's device names the ringing device it is for. */
  send(callId: string, kind: MediaSignalKind, payload: string, toSession?: string): Promise<void>;
  /** The live link's state, for the server (connected, reconnecting). */
  report(callId: string, state: MediaState): void;
  /** The path went quiet: the signaling connection may have died with it. */
  probe(): void;
  changed(): void;
}

export class CallLink {
  life: LinkLife = { kind: "idle" };
  remote: MediaStream | null = null;
  quality: Quality = "good";
  path: MediaStats["path"] = null;
  last: MediaStats | null = null;
  private readonly meter = new QualityMeter();
  private statsTimer: ReturnType<typeof setInterval> | undefined;
  /** Samples in a row that found the call relayed though a direct pair works. */
  private relayedThoughDirect = 0;

  constructor(private readonly host: LinkHost) {}

  /** The link as it is now (held or live), or null. */
  get media(): MediaLink | null {
    return this.life.kind === "held" || this.life.kind === "live" ? this.life.link : null;
  }

  /** Held or live for this call, to that session of the other party, made under my session now. */
  isFor(callId: string, peer: string): boolean {
    const l = this.life;
    return (l.kind === "held" || l.kind === "live") && l.callId === callId && l.peer === peer && l.mine === this.host.session();
  }

  /**
   * A media link of call <paramref name="c"/>: <paramref name="local"/>'s tracks on it, or none yet (held). Its events
   * count only while it is this device's link (or, for the caller's held links, while <paramref name="mine"/> says so).
   */
  make(c: CallInfo, local: MediaStream | null, signal: (kind: MediaSignalKind, payload: string) => Promise<void>, answered?: () => void): MediaLink {
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
        if (this.life.kind === "live" && this.life.link === link) this.host.report(callId, state);
      },
      freshIce: () => this.host.freshIce(),
      interrupted: () => {
        if (this.media === link) this.host.probe();
      },
      ...(answered ? { answered } : {}),
    });
    return link;
  }

  /**
   * This device rings: it connects to the caller's device ahead of an answer (a held link: no camera or microphone is
   * opened or sent before the answer), so that answering only turns the media on.
   */
  hold(c: CallInfo): void {
    if (this.media || typeof RTCPeerConnection === "undefined") return;
    const callId = c.callId;
    const link: MediaLink = this.make(c, null, (kind, payload) => (this.media === link ? this.host.send(callId, kind, payload) : Promise.resolve()));
    this.life = { kind: "held", callId, peer: c.callerSession, mine: this.host.session(), link };
    void link.hello();
  }

  /**
   * The call is under way on this device, with the other side's session <paramref name="theirs"/>: the link goes live,
   * from a held one where one is up (mine, made while it rang; or, on the caller's device, the one to the device that
   * answered), else made now. <paramref name="devices"/> opens my microphone and camera (null: the call cannot go on).
   */
  async join(c: CallInfo, theirs: string, ringing: RingLinks, devices: () => Promise<MediaStream | null>, early: IncomingCallSignal[]): Promise<void> {
    if (this.isFor(c.callId, theirs)) {
      // The held link this device made while it rang: answered here, its media goes on.
      if (this.life.kind === "held") await this.liveWith(devices);
      return;
    }
    const ready = ringing.take(theirs);
    ringing.closeAll();
    if (ready) {
      // The device that answered connected while it rang: its link carries the call; the others close.
      this.adopt(c.callId, theirs, ready);
      await this.liveWith(devices);
      return;
    }
    // No link was made while it rang (the device answered before it could ask for one), or a link made under my
    // previous session (the signaling connection was replaced) is dead to the other side: one is made now.
    this.claim(c.callId, theirs);
    const local = await devices();
    if (local) this.open(c, local, early.splice(0));
  }

  private async liveWith(devices: () => Promise<MediaStream | null>): Promise<void> {
    const local = await devices();
    if (local) await this.goLive(local);
  }

  /** A held link made elsewhere (the caller's, to the device that answered) becomes this device's. */
  adopt(callId: string, peer: string, link: MediaLink): void {
    this.close();
    this.life = { kind: "held", callId, peer, mine: this.host.session(), link };
    if (link.remote.getTracks().length > 0) this.remote = link.remote;
  }

  /** The held link carries the call now: <paramref name="local"/>'s tracks go on it, and its state counts from here. */
  async goLive(local: MediaStream): Promise<void> {
    const l = this.life;
    if (l.kind !== "held") return;
    this.life = { ...l, kind: "live" };
    await l.link.attach(local);
    if (this.life.kind !== "live" || this.life.link !== l.link) return;
    this.watch();
    if (l.link.state === "connected") this.host.report(l.callId, "connected");
  }

  /** No link was made while it rang: claims the live place for call <paramref name="callId"/> until open() makes one. */
  claim(callId: string, peer: string): void {
    this.close();
    this.life = { kind: "live", callId, peer, mine: this.host.session(), link: null };
  }

  /** Makes the claimed link with my tracks; what came early from that session goes in (older ones are dropped). */
  open(c: CallInfo, local: MediaStream, early: IncomingCallSignal[]): void {
    const l = this.life;
    if (l.kind !== "live" || l.link || l.callId !== c.callId) return;
    const link: MediaLink = this.make(c, local, (kind, payload) => (this.media === link ? this.host.send(c.callId, kind, payload) : Promise.resolve()));
    this.life = { ...l, link };
    for (const s of early.filter((x) => x.callId === c.callId && x.fromSession === l.peer)) void link.onSignal(s.kind, s.payload).catch(() => undefined);
    this.watch();
  }

  /** A signal from the other device of this link's call; false when it is not for this link. */
  onSignal(s: IncomingCallSignal): boolean {
    const l = this.life;
    if ((l.kind !== "held" && l.kind !== "live") || !l.link || l.callId !== s.callId || l.peer !== s.fromSession) return false;
    void l.link.onSignal(s.kind, s.payload).catch((err) => console.warn("call signal failed", err));
    return true;
  }

  /** Answered on this ringing device: the caller's device hears it first over the held link. */
  sayAnswered(callId: string): void {
    if (this.life.kind === "held" && this.life.callId === callId) this.life.link.sayAnswered();
  }

  /** For a test: says "answered" over the held link and nothing to the server, as a dishonest device could. */
  sayAnsweredOnly(): void {
    if (this.life.kind === "held") this.life.link.sayAnswered();
  }

  close(): void {
    clearInterval(this.statsTimer);
    this.statsTimer = undefined;
    const l = this.life;
    if (l.kind === "held" || l.kind === "live") {
      l.link?.close();
      this.life = { kind: "ended", callId: l.callId };
    }
    this.remote = null;
    this.last = null;
    this.path = null;
    this.quality = "good";
  }

  /** The link's candidate pairs (for a test that failed, to say why), or null without one. */
  async iceReport(): Promise<string[] | null> {
    const media = this.media;
    if (!media) return null;
    return [...(await candidatePairs(media.pc)), `ICE restarts: ${this.last?.iceRestarts ?? "?"}`];
  }

  private watch(): void {
    clearInterval(this.statsTimer);
    this.statsTimer = setInterval(() => void this.sample(), 1000);
  }

  private async sample(): Promise<void> {
    const media = this.media;
    if (!media) return;
    const now = await media.stats();
    const before = this.last;
    this.last = now;
    this.path = now.path;
    // Nothing came in for a second (a call always carries audio, silent or not): the path may be gone with a network
    // change, seconds before ICE says "disconnected"; a probe finds a signaling connection that died with it.
    if (before && before.packetsReceived > 0 && now.packetsReceived === before.packetsReceived) this.host.probe();
    // On a relay while a direct pair works: new checks, once per side (see preferDirect). The impolite side asks after
    // 3 s; the polite one after 6 s, for when only it saw the direct pair answered (Chromium, controlling on the other
    // side, may stop checking that pair once it chose a relay). Should both ask at once, negotiation resolves it.
    this.relayedThoughDirect = now.path !== null && now.path !== "direct" && now.directWorks ? this.relayedThoughDirect + 1 : 0;
    if (this.relayedThoughDirect >= (media.polite ? 6 : 3)) media.preferDirect();
    if (before) {
      const packets = now.packetsReceived - before.packetsReceived + (now.packetsLost - before.packetsLost);
      const loss = packets > 0 ? Math.max(0, now.packetsLost - before.packetsLost) / packets : 0;
      this.quality = this.meter.add({ rttMs: now.rttMs, loss, jitterMs: now.jitterMs });
    }
    this.host.changed();
  }
}
