// Presence without the DOM: merging updates, wording, and when this session counts as "away".
import type { Presence } from "./types.js";

/** Latest presence per user; an update older than what we hold is dropped. */
export class PresenceBook {
  private readonly byUser = new Map<string, Presence>();

  /** Returns true when the update changed what we show. */
  apply(update: Presence): boolean {
    const known = this.byUser.get(update.userId);
    if (known && known.version >= update.version) {
      return false;
    }
    this.byUser.set(update.userId, update);
    return true;
  }

  get(userId: string): Presence | undefined {
    return this.byUser.get(userId);
  }

  forget(userId: string): void {
    this.byUser.delete(userId);
  }
}

/** The dot's state: "unknown" until the server has told us, so a contact never looks offline by mistake. */
export type DotState = Presence["state"] | "unknown";

export function dotState(p: Presence | undefined): DotState {
  return p ? p.state : "unknown";
}

/** The line under a contact's name. */
export function describePresence(p: Presence | undefined, now: Date): string {
  if (!p) return "Checking…";
  switch (p.state) {
    case "online":
      return p.devices > 1 ? `Online on ${p.devices} devices` : "Online";
    case "away":
      return "Away";
    case "offline":
      return p.lastSeen ? `Last seen ${lastSeen(new Date(p.lastSeen), now)}` : "Offline";
  }
}

/** "just now", "5 min ago", "3 h ago", "yesterday", or a date: minute granularity, as the server keeps it. */
export function lastSeen(when: Date, now: Date): string {
  const minutes = Math.floor((now.getTime() - when.getTime()) / 60_000);
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  if (hours < 48) return "yesterday";
  return `on ${when.toLocaleDateString(undefined, { day: "numeric", month: "short", year: now.getFullYear() === when.getFullYear() ? undefined : "numeric" })}`;
}

/**
 * Whether the person is at this tab: visible and touched within the idle limit.
 * Feed it events; it says when the answer flips, so the hub hears only changes.
 */
export class ActivityTracker {
  private lastInput: number;
  private visible: boolean;
  private reported: boolean;

  constructor(now: number, visible: boolean, private readonly idleMs = 5 * 60_000) {
    this.lastInput = now;
    this.visible = visible;
    this.reported = true;
  }

  get active(): boolean {
    return this.reported;
  }

  input(now: number): boolean | null {
    this.lastInput = now;
    return this.settle(now);
  }

  visibility(visible: boolean, now: number): boolean | null {
    this.visible = visible;
    if (visible) this.lastInput = now;
    return this.settle(now);
  }

  tick(now: number): boolean | null {
    return this.settle(now);
  }

  /** Returns the new state when it changed, otherwise null. */
  private settle(now: number): boolean | null {
    const active = this.visible && now - this.lastInput < this.idleMs;
    if (active === this.reported) return null;
    this.reported = active;
    return active;
  }
}
