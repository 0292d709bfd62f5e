// What this session knows of people, without the DOM: contacts and requests, presence, my own other devices,
// what contacts hold for me, and my unread and waiting counts. Views render from it; node tests cover it.
import { PresenceBook } from "./presence.js";
import type { Contact, ContactList, Pending, Person, Presence } from "./types.js";

/** Unread messages from a peer and mine waiting for them, as counted in this device's store. */
export interface Counts {
  outbox: number;
  unseen: number;
}

/** One line of "Waiting for you": a contact holds something of a kind for me in their browser. */
export interface PendingLine {
  from: Contact;
  kind: Pending["kind"];
  count: number;
  bytes: number;
}

const EMPTY: ContactList = { self: null, contacts: [], incoming: [], outgoing: [], blocked: [], pending: [] };

/** Why a link is wanted now, beyond the model's own reasons (what lives in the features). */
export interface LinkWants {
  /** The conversation on screen. */
  open: string | null;
  /** Whether a feature has work for the peer (a file to offer, a transfer to continue). */
  transfers(userId: string): boolean;
}

export class ClientModel {
  readonly presence = new PresenceBook();
  private list: ContactList = EMPTY;
  private counts = new Map<string, Counts>();
  /** Whether the first contact list has arrived: until then no one counts as a contact. */
  private loaded = false;
  private readonly listeners = new Set<() => void>();

  /** My account: its id and username come with the page, the rest (and the flag) with the first contact list. */
  constructor(private readonly me: { userId: string; userName: string }) {}

  get myId(): string {
    return this.me.userId;
  }

  get ready(): boolean {
    return this.loaded;
  }

  /** Calls back after every change (views re-render); returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Takes a contact list from the server; returns the ids of contacts who left it (their links must go). */
  setContacts(list: ContactList): string[] {
    const before = this.list.contacts.map((c) => c.userId);
    this.list = list;
    this.loaded = true;
    for (const c of [...list.contacts, ...(list.self ? [list.self] : [])]) if (c.presence) this.presence.apply(c.presence);
    this.changed();
    return before.filter((id) => !list.contacts.some((c) => c.userId === id));
  }

  /** Returns true when the update changed what we show. */
  applyPresence(p: Presence): boolean {
    if (!this.presence.apply(p)) return false;
    this.changed();
    return true;
  }

  setCounts(counts: Map<string, Counts>): void {
    this.counts = counts;
    this.changed();
  }

  /** Something time-based (a "last seen" wording) should be redrawn. */
  touch(): void {
    this.changed();
  }

  get contacts(): readonly Contact[] {
    return this.list.contacts;
  }

  get incoming(): readonly Person[] {
    return this.list.incoming;
  }

  get outgoing(): readonly Person[] {
    return this.list.outgoing;
  }

  get blocked(): readonly Person[] {
    return this.list.blocked;
  }

  /** My own account as a conversation target: files sent there go to my other signed-in devices. */
  get self(): Contact {
    return this.list.self ?? { userId: this.me.userId, userName: this.me.userName, displayName: this.me.userName, presence: null, isSelf: true };
  }

  isSelf(userId: string): boolean {
    return userId === this.me.userId;
  }

  /** A contact, or my own account; undefined for anyone else. */
  contact(userId: string): Contact | undefined {
    if (this.isSelf(userId)) return this.self;
    return this.list.contacts.find((c) => c.userId === userId);
  }

  /** Whether a peer link with this user may exist: an accepted contact, or my own other device. */
  mayLink(userId: string): boolean {
    return this.contact(userId) !== undefined;
  }

  countsOf(userId: string): Counts {
    return this.counts.get(userId) ?? { outbox: 0, unseen: 0 };
  }

  /** How many other devices of my account are signed in now (from my own presence). */
  otherDevices(): number {
    const p = this.presence.get(this.me.userId);
    return p && p.state !== "offline" ? Math.max(0, p.devices - 1) : 0;
  }

  /** How many sessions of a peer we could link to: my other devices, or a contact's devices (1 while unknown). */
  devicesOf(userId: string): number {
    return this.isSelf(userId) ? this.otherDevices() : (this.presence.get(userId)?.devices ?? 1);
  }

  /** Whether a peer has a session we could reach now. */
  isReachable(userId: string): boolean {
    if (this.isSelf(userId)) return this.otherDevices() > 0;
    const p = this.presence.get(userId);
    return this.contact(userId) !== undefined && p !== undefined && p.state !== "offline";
  }

  /** How many messages a contact holds for us, as their grain told ours. */
  pendingFrom(userId: string): number {
    return this.list.pending.filter((p) => p.from === userId && p.kind === "message").reduce((n, p) => n + p.count, 0);
  }

  /** Calls from a contact that no device of mine has shown yet (the server keeps them for the digest). */
  missedCallsFrom(userId: string): number {
    return this.list.pending.filter((p) => p.from === userId && p.kind === "call").reduce((n, p) => n + p.count, 0);
  }

  /** Files a contact offers us while we were apart: how many and their total size (never names). */
  filesFrom(userId: string): { count: number; bytes: number } {
    const offer = this.list.pending.find((p) => p.from === userId && p.kind === "file");
    return { count: offer?.count ?? 0, bytes: offer?.bytes ?? 0 };
  }

  /** "Waiting for you": what contacts hold for me, one line per contact and kind. */
  pendingLines(): PendingLine[] {
    return this.list.pending.flatMap((p) => {
      const from = this.list.contacts.find((c) => c.userId === p.from);
      return from && p.count > 0 ? [{ from, kind: p.kind, count: p.count, bytes: p.bytes }] : [];
    });
  }

  /**
   * The peers to link to now, with how many sessions each: reachable, linked to fewer sessions than they have
   * devices, and with a reason to talk (the conversation on screen, an outbox, something they hold for us, or a
   * feature's work).
   */
  linkTargets(wants: LinkWants, openLinks: (userId: string) => number): string[] {
    const candidates = [...this.list.contacts.map((c) => c.userId), this.me.userId];
    return candidates.filter((id) => {
      if (!this.isReachable(id)) return false;
      const wanted = wants.open === id || this.countsOf(id).outbox > 0 || this.pendingFrom(id) > 0 || this.filesFrom(id).count > 0 || wants.transfers(id);
      return wanted && openLinks(id) < this.devicesOf(id);
    });
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
