// All peer links of this session, by contact and by their session. Routes signals in and frames out.
import { candidatePairs, type PathInfo } from "./path.js";
import { PeerLink, isPolite, type LinkState } from "./peer.js";
import { parseObject } from "./json.js";
import type { IceConfig, IncomingSignal } from "./types.js";

export interface PeerHub {
  mySession(): string;
  sendSignal(to: string, toSession: string | null, kind: string, payload: string): Promise<unknown>;
  /** Checks the signaling connection is alive, replacing it if not. */
  probe?(): Promise<void>;
}

export interface PeerEvents {
  open(userId: string, sessionId: string): void;
  message(userId: string, sessionId: string, data: string): void;
  state(userId: string): void;
  files(userId: string, sessionId: string, data: string | ArrayBuffer): void;
  filesOpen(userId: string, sessionId: string): void;
  filesDrained(userId: string, sessionId: string): void;
}

/** Trying this long without any link to a contact opening, the header stops saying "Connecting…" and says why. */
export const NEVER_CONNECTED_MS = 30_000;

export class PeerDirectory {
  private readonly links = new Map<string, Map<string, PeerLink>>();
  /** Since when we try to reach a contact with no link open (links come and go while we try), and its timer. */
  private readonly trying = new Map<string, { since: number; timer: ReturnType<typeof setTimeout> }>();

  constructor(
    private readonly hub: PeerHub,
    private readonly ice: () => IceConfig,
    /** Fetches ICE servers with fresh TURN credentials. */
    private readonly freshIce: () => Promise<IceConfig>,
    private readonly events: PeerEvents,
    /** Whether a user may have a link with us: an accepted contact, or our own account (another device). */
    private readonly allowed: (userId: string) => boolean,
  ) {}

  private readonly helloAt = new Map<string, number>();

  /** Says hello to every online session of a contact; each answers by opening a link to us. At most every 2 s per contact. */
  async connect(userId: string): Promise<void> {
    const now = Date.now();
    if (now - (this.helloAt.get(userId) ?? 0) < 2_000) return;
    this.helloAt.set(userId, now);
    await this.hub.sendSignal(userId, null, "hello", "{}");
  }

  /** How many of a contact's sessions we have an open channel to. */
  openCount(userId: string): number {
    return [...(this.links.get(userId)?.values() ?? [])].filter((l) => l.isOpen).length;
  }

  /** The path of a contact's first connected link (for tests and benchmarks), or null. */
  pathOf(userId: string): PathInfo | null {
    return [...(this.links.get(userId)?.values() ?? [])].find((l) => l.path && (l.state === "direct" || l.state === "relayed"))?.path ?? null;
  }

  /** Each link to a contact's sessions, with its state and candidate pairs (for a test that failed, to say why). */
  async iceReport(userId: string): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = {};
    for (const [session, link] of this.links.get(userId) ?? []) out[session] = [link.state, ...(await candidatePairs(link.pc))];
    return out;
  }

  /** The best state across a contact's links, for the conversation header. */
  stateOf(userId: string): { state: LinkState | "none"; detail?: string } {
    const links = [...(this.links.get(userId)?.values() ?? [])];
    const best = this.bestOf(links);
    const trying = this.trying.get(userId);
    if (best.state !== "direct" && best.state !== "relayed" && trying && Date.now() - trying.since >= NEVER_CONNECTED_MS) {
      // Never connected, whatever the links in flight say: the network is in the way.
      const relay = this.ice().servers.some((s) => s.urls.some((u) => u.startsWith("turn")));
      return { state: "failed", detail: relay ? "no network path to this device, not even through the relay" : "this network blocks a direct connection and no relay is set up" };
    }
    return best;
  }

  private bestOf(links: PeerLink[]): { state: LinkState | "none"; detail?: string } {
    if (links.length === 0) return { state: "none" };
    for (const wanted of ["direct", "relayed", "connecting", "failed", "closed"] as const) {
      const link = links.find((l) => l.state === wanted);
      if (link) return link.detail ? { state: wanted, detail: link.detail } : { state: wanted };
    }
    return { state: "none" };
  }

  /** A link to a contact was made: if none is open, the clock of "never connected" starts (once). */
  private startTrying(userId: string): void {
    if (this.trying.has(userId) || this.openCount(userId) > 0) return;
    const timer = setTimeout(() => this.events.state(userId), NEVER_CONNECTED_MS + 50);
    this.trying.set(userId, { since: Date.now(), timer });
  }

  private stopTrying(userId: string): void {
    clearTimeout(this.trying.get(userId)?.timer);
    this.trying.delete(userId);
  }

  /** Sends to every open session of a contact; returns how many got it. */
  send(userId: string, data: string): number {
    let sent = 0;
    for (const link of this.links.get(userId)?.values() ?? []) {
      if (link.send(data)) sent++;
    }
    return sent;
  }

  /** The open "files" channel to one session of a contact, if any. */
  filesChannel(userId: string, sessionId: string): RTCDataChannel | null {
    return this.links.get(userId)?.get(sessionId)?.files ?? null;
  }

  /** Every (user, session) with an open "files" channel. */
  allFilesSessions(): [string, string][] {
    return [...this.links.keys()].flatMap((user) => this.filesSessions(user).map((s): [string, string] => [user, s]));
  }

  /** Whether the link to one session of a contact is connected now (not interrupted, restarting or gone). */
  isLive(userId: string, sessionId: string): boolean {
    const state = this.links.get(userId)?.get(sessionId)?.state;
    return state === "direct" || state === "relayed";
  }

  /** The sessions of a contact with an open "files" channel. */
  filesSessions(userId: string): string[] {
    return [...(this.links.get(userId)?.values() ?? [])].filter((l) => l.files !== null).map((l) => l.sessionId);
  }

  sendTo(userId: string, sessionId: string, data: string): boolean {
    return this.links.get(userId)?.get(sessionId)?.send(data) ?? false;
  }

  async onSignal(signal: IncomingSignal): Promise<void> {
    const existing = this.links.get(signal.from)?.get(signal.fromSession);
    if (signal.kind === "bye") {
      existing?.close();
      this.links.get(signal.from)?.delete(signal.fromSession);
      this.events.state(signal.from);
      return;
    }
    if (!this.allowed(signal.from)) return; // Not (or no longer) a contact: no link, whatever they send.
    if (signal.kind === "hello") {
      // A fresh hello from a session whose link is dead or stuck (a negotiation signal was lost): start over.
      // A link still negotiating is kept: both sides saying hello at once is normal.
      if (existing?.isStale) this.forget(signal.from, signal.fromSession);
      const link = this.ensure(signal.from, signal.fromSession);
      // The polite side never offers first: it says hello back so the other side starts the negotiation.
      if (link.polite && !link.isOpen) void this.hub.sendSignal(signal.from, signal.fromSession, "hello", "{}").catch(() => undefined);
      return;
    }
    if (!isWellFormed(signal.kind, signal.payload)) return; // Dropped before it can create or disturb a link.
    // A new offer to a link that is dead for good: the other side starts over, so do we.
    if (existing && signal.kind === "offer" && (existing.state === "failed" || existing.state === "closed")) this.forget(signal.from, signal.fromSession);
    await this.ensure(signal.from, signal.fromSession).onSignal(signal.kind, signal.payload);
  }

  /** Drops every link to a contact's sessions (removed, blocked). */
  dropAll(userId: string): void {
    this.stopTrying(userId);
    for (const link of this.links.get(userId)?.values() ?? []) link.close();
    this.links.delete(userId);
    this.events.state(userId);
  }

  /** Drops every link: our own session id changed (the hub reconnected), so peers must address the new one. */
  dropEverything(): void {
    for (const userId of [...this.links.keys()]) this.dropAll(userId);
  }

  private forget(userId: string, sessionId: string): void {
    this.links.get(userId)?.get(sessionId)?.close();
    this.links.get(userId)?.delete(sessionId);
  }

  private ensure(userId: string, sessionId: string): PeerLink {
    let byUser = this.links.get(userId);
    if (!byUser) {
      byUser = new Map();
      this.links.set(userId, byUser);
    }
    let link = byUser.get(sessionId);
    if (!link) {
      link = new PeerLink(userId, sessionId, isPolite(this.hub.mySession(), sessionId), this.ice(), {
        signal: (kind, payload) => this.hub.sendSignal(userId, sessionId, kind, payload).then(() => undefined),
        freshIce: () => this.freshIce(),
        message: (data) => this.events.message(userId, sessionId, data),
        files: (data) => this.events.files(userId, sessionId, data),
        filesOpen: () => this.events.filesOpen(userId, sessionId),
        filesDrained: () => this.events.filesDrained(userId, sessionId),
        open: () => {
          this.stopTrying(userId);
          this.events.state(userId);
          this.events.open(userId, sessionId);
        },
        // A probe is one round trip on a live connection, and finds a dead one at once.
        quiet: () => void this.hub.probe?.(),
        state: (state, detail) => {
          // A link that lost its path: the signaling connection may be gone with it (a network change); check it.
          if (state === "connecting" && detail === "connection interrupted") void this.hub.probe?.();
          // A link closed for good is forgotten, so it cannot leak or shadow a new one.
          if (state === "closed") byUser.delete(sessionId);
          this.events.state(userId);
        },
      });
      byUser.set(sessionId, link);
      this.startTrying(userId);
    }
    return link;
  }
}

/** An offer or answer must be a session description; a candidate an ICE candidate. Anything else is dropped. */
export function isWellFormed(kind: string, payload: string): boolean {
  const v = parseObject(payload);
  if (!v) return false;
  switch (kind) {
    case "offer":
    case "answer":
      return v["type"] === kind && typeof v["sdp"] === "string";
    case "candidate":
      return typeof v["candidate"] === "string";
    default:
      return false;
  }
}
