// The chat protocol over a data channel, without the DOM: frames, their validation, message records.
import { parseObject } from "./json.js";

export const MAX_TEXT_LENGTH = 16_000;
export const MAX_FRAME_CHARS = 64 * 1024;

/** What travels over the "chat" data channel, one JSON object per channel message. */
export type Frame =
  | { t: "msg"; id: string; ts: number; text: string }
  | { t: "ack"; id: string }
  | { t: "read"; ids: string[] }
  | { t: "typing"; on: boolean };

export type MessageStatus = "waiting" | "sent" | "delivered" | "read";

/** One message as this device keeps it. */
export interface ChatMessage {
  id: string;
  /** The contact this conversation is with. */
  peer: string;
  dir: "in" | "out";
  text: string;
  /** When it was written, by the sender's clock (ms since epoch). */
  ts: number;
  /** Local order: when this device stored it. */
  seq: number;
  status: MessageStatus;
  /** Incoming only: has the user seen it? */
  seen: boolean;
}

const ID_SHAPE = /^[0-9a-f-]{8,64}$/i;
/** The largest time a JavaScript Date can hold: anything beyond would break rendering. */
const MAX_TIME = 8.64e15;

export function encodeFrame(frame: Frame): string {
  return JSON.stringify(frame);
}

/** Parses a frame from a peer; anything malformed or oversized is null and gets dropped. */
export function decodeFrame(raw: unknown): Frame | null {
  const f = parseObject(raw, MAX_FRAME_CHARS);
  if (!f) return null;
  switch (f["t"]) {
    case "msg":
      return isId(f["id"]) && typeof f["ts"] === "number" && Math.abs(f["ts"]) <= MAX_TIME &&
        typeof f["text"] === "string" && f["text"].length > 0 && f["text"].length <= MAX_TEXT_LENGTH
        ? { t: "msg", id: f["id"], ts: f["ts"], text: f["text"] }
        : null;
    case "ack":
      return isId(f["id"]) ? { t: "ack", id: f["id"] } : null;
    case "read":
      return Array.isArray(f["ids"]) && f["ids"].length <= 1000 && f["ids"].every(isId)
        ? { t: "read", ids: f["ids"] as string[] }
        : null;
    case "typing":
      return typeof f["on"] === "boolean" ? { t: "typing", on: f["on"] } : null;
    default:
      return null;
  }
}

function isId(v: unknown): v is string {
  return typeof v === "string" && ID_SHAPE.test(v);
}

const STATUS_ORDER: Record<MessageStatus, number> = { waiting: 0, sent: 1, delivered: 2, read: 3 };

/** Statuses only move forward: a late "delivered" never undoes "read". */
export function advance(current: MessageStatus, next: MessageStatus): MessageStatus {
  return STATUS_ORDER[next] > STATUS_ORDER[current] ? next : current;
}

/** Trims the text a user typed; null when there is nothing to send or it is too long. */
export function composeText(input: string): string | null {
  const text = input.replace(/\s+$/u, "").replace(/^\s*\n/u, "");
  if (!text.trim()) return null;
  return text.length <= MAX_TEXT_LENGTH ? text : null;
}

/** A monotonic local sequence so messages stored in the same millisecond keep their order. */
export class Sequence {
  private last = 0;
  next(now = Date.now()): number {
    this.last = Math.max(this.last + 1, now * 1000);
    return this.last;
  }
}
