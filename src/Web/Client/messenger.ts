// Chat over peer links: sending, the outbox, receipts, typing. The server only hears counts.
import { Sequence, decodeFrame, encodeFrame, type ChatMessage, type Frame } from "./chat.js";
import type { MessageStore } from "./store.js";
import type { PeerDirectory } from "./peers.js";

export interface PendingHub {
  setPending(to: string, kind: "message", count: number): Promise<unknown>;
  clearPending(from: string, kind: "message"): Promise<unknown>;
}

export interface MessengerEvents {
  /** A conversation changed: one message (new, or a new status) when given, otherwise possibly many. */
  changed(peer: string, message?: ChatMessage): void;
  typing(peer: string, on: boolean): void;
  /** Unseen or waiting counts changed. */
  summary(): void;
  /** The peer's grain now knows this many messages wait here for them. */
  pendingReported(peer: string, count: number): void;
}

const TYPING_REPEAT_MS = 3_000;
const TYPING_EXPIRES_MS = 6_000;
const RECENT_MS = 10 * 60_000;
const RECENT_MAX = 500;

export class Messenger {
  private readonly seq = new Sequence();
  private readonly reported = new Map<string, number>();
  private readonly typingSentAt = new Map<string, number>();
  private readonly typingTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly pendingReports = new Map<string, ReturnType<typeof setTimeout>>();
  /** Messages sent from this tab lately, and which of the peer's sessions acked each: a device whose link opens late still gets them. */
  private readonly recent: ChatMessage[] = [];
  private reporting: Promise<void> = Promise.resolve();
  private readonly unsentReads = new Map<string, string[]>();
  private readonly ackedBy = new Map<string, Set<string>>();

  constructor(
    readonly store: MessageStore,
    private readonly peers: PeerDirectory,
    private readonly hub: PendingHub,
    private readonly events: MessengerEvents,
  ) {}

  /** Writes a message: stored first (it survives a reload), then sent, or left in the outbox. */
  async send(peer: string, text: string): Promise<ChatMessage> {
    const now = Date.now();
    const live = this.peers.openCount(peer) > 0;
    const message: ChatMessage = { id: crypto.randomUUID(), peer, dir: "out", text, ts: now, seq: this.seq.next(now), status: live ? "sent" : "waiting", seen: true };
    // Stored before it leaves: a crash after this point leaves it in the outbox ("sent" counts until acked).
    await this.store.addIfNew(message);
    this.remember(message);
    this.typingSentAt.delete(peer);
    this.events.changed(peer, message);
    if (live && this.peers.send(peer, encodeFrame({ t: "msg", id: message.id, ts: message.ts, text: message.text })) > 0) return message;
    await this.flush(peer);
    return message;
  }

  /** Sends the outbox to every open session of the peer, or asks for a connection and tells the server a count. */
  async flush(peer: string): Promise<void> {
    const outbox = await this.store.outbox(peer);
    if (outbox.length === 0) {
      this.reportPending(peer);
      return;
    }
    if (this.peers.openCount(peer) === 0) {
      void this.peers.connect(peer).catch(() => undefined);
      // At once, not debounced: the tab may close right after sending.
      await this.reportPendingNow(peer);
      return;
    }
    for (const m of outbox) {
      if (this.peers.send(peer, encodeFrame({ t: "msg", id: m.id, ts: m.ts, text: m.text })) > 0 && m.status === "waiting") {
        await this.store.setStatus(m.id, "sent");
      }
    }
    this.events.changed(peer);
  }

  /** A channel to one of the peer's sessions opened: that session gets the outbox and whatever it missed lately, in order. */
  async onOpen(peer: string, session: string): Promise<void> {
    const reads = this.unsentReads.get(peer);
    if (reads && this.peers.sendTo(peer, session, encodeFrame({ t: "read", ids: reads }))) this.unsentReads.delete(peer);
    const outbox = await this.store.outbox(peer);
    const ids = new Set(outbox.map((m) => m.id));
    const missed = this.recent.filter((m) => m.peer === peer && !ids.has(m.id) && !this.ackedBy.get(m.id)?.has(session));
    for (const m of [...outbox, ...missed].sort((a, b) => a.seq - b.seq)) {
      if (this.peers.sendTo(peer, session, encodeFrame({ t: "msg", id: m.id, ts: m.ts, text: m.text })) && m.status === "waiting") {
        await this.store.setStatus(m.id, "sent");
      }
    }
    this.events.changed(peer);
  }

  async onData(peer: string, session: string, data: string): Promise<void> {
    const frame = decodeFrame(data);
    if (!frame) return; // A malformed frame from a peer is dropped; the channel goes on.
    await this.onFrame(peer, session, frame);
  }

  async markSeen(peer: string): Promise<void> {
    const ids = [...(this.unsentReads.get(peer) ?? []), ...(await this.store.markSeen(peer))];
    if (ids.length === 0) return;
    // Read receipts wait for a link if none is open, so the sender's ✓✓ turns to read eventually.
    if (this.peers.send(peer, encodeFrame({ t: "read", ids: ids.slice(-1000) })) > 0) this.unsentReads.delete(peer);
    else this.unsentReads.set(peer, ids.slice(-1000));
    this.events.summary();
  }

  /** Called on every keystroke in the composer; sends "typing" at most every few seconds. */
  typing(peer: string): void {
    const last = this.typingSentAt.get(peer) ?? 0;
    if (Date.now() - last < TYPING_REPEAT_MS) return;
    this.typingSentAt.set(peer, Date.now());
    this.peers.send(peer, encodeFrame({ t: "typing", on: true }));
  }

  private async onFrame(peer: string, session: string, frame: Frame): Promise<void> {
    switch (frame.t) {
      case "msg": {
        const message: ChatMessage = { id: frame.id, peer, dir: "in", text: frame.text, ts: frame.ts, seq: this.seq.next(), status: "delivered", seen: false };
        const isNew = await this.store.addIfNew(message);
        // Acked once stored, duplicates too: the sender resends until it hears one.
        this.peers.sendTo(peer, session, encodeFrame({ t: "ack", id: frame.id }));
        if (isNew) {
          this.setTyping(peer, false);
          this.events.changed(peer, message);
          this.events.summary();
          void this.hub.clearPending(peer, "message").catch(() => undefined);
        }
        break;
      }
      case "ack": {
        this.ackedBy.get(frame.id)?.add(session);
        const acked = await this.store.setStatus(frame.id, "delivered");
        if (acked) {
          this.events.changed(peer, acked);
          this.reportPending(peer);
        }
        break;
      }
      case "read":
        for (const id of frame.ids) {
          const read = await this.store.setStatus(id, "read");
          if (read) this.events.changed(peer, read);
        }
        break;
      case "typing":
        this.setTyping(peer, frame.on);
        break;
    }
  }

  private remember(message: ChatMessage): void {
    const cutoff = Date.now() - RECENT_MS;
    while (this.recent.length > 0 && (this.recent[0]!.ts < cutoff || this.recent.length > RECENT_MAX)) {
      this.ackedBy.delete(this.recent.shift()!.id);
    }
    this.recent.push(message);
    this.ackedBy.set(message.id, new Set());
  }

  private setTyping(peer: string, on: boolean): void {
    clearTimeout(this.typingTimers.get(peer));
    if (on) this.typingTimers.set(peer, setTimeout(() => this.events.typing(peer, false), TYPING_EXPIRES_MS));
    this.events.typing(peer, on);
  }

  /** Sends every waiting outbox (at start-up: what an earlier tab left), or at least reports its count. */
  async flushAll(): Promise<void> {
    for (const [peer, counts] of await this.store.summary()) {
      if (counts.outbox > 0) await this.flush(peer);
    }
  }

  /** Tells the peer's grain how many messages wait here (a count, never content), once acks settle. */
  private reportPending(peer: string): void {
    clearTimeout(this.pendingReports.get(peer));
    this.pendingReports.set(peer, setTimeout(() => void this.reportPendingNow(peer), 250));
  }

  /** One report at a time, each counting afresh, so a slow early count can never land after a newer one. */
  private reportPendingNow(peer: string): Promise<void> {
    clearTimeout(this.pendingReports.get(peer));
    this.reporting = this.reporting.then(() => this.reportPendingSerially(peer)).catch(() => undefined);
    return this.reporting;
  }

  private async reportPendingSerially(peer: string): Promise<void> {
    const count = (await this.store.outbox(peer)).length;
    if (this.reported.get(peer) === count) return;
    try {
      await this.hub.setPending(peer, "message", count);
      this.reported.set(peer, count);
      this.events.pendingReported(peer, count);
    } catch {
      // Retried with the next change; a count is idempotent.
    }
    this.events.summary();
  }
}
