// The file protocol over the "files" data channel, without the DOM: binary chunk frames and JSON control frames.
//
// Chunks are binary: a 32-byte header, then the bytes. Control frames are JSON strings on the same ordered channel,
// so "end" always arrives after the last chunk of its file.
//
//   0      1..3     4..19        20..23    24..31                32..
//   kind   zero     file id      zero      offset (float64, LE)   bytes
//
// The file id is the transfer's UUID as 16 raw bytes: each chunk says which file and where it goes, so chunks of
// different files may share the channel and a resumed transfer needs no renegotiated numbering.

import { parseObject } from "../json.js";

export const CHUNK_HEADER_BYTES = 32;
const KIND_CHUNK = 1;

/** Largest sizes we accept from a peer: beyond these a frame is dropped as malformed. */
export const MAX_FILE_BYTES = 2 ** 50; // 1 PiB: well inside float64's exact integers
export const MAX_FILES_PER_OFFER = 1000;
export const MAX_CONTROL_CHARS = 256 * 1024;
export const MAX_NAME_CHARS = 1024;
export const MAX_TYPE_CHARS = 255;

export interface OfferedFile {
  fid: string;
  name: string;
  size: number;
  type: string;
}

export type Control =
  | { t: "offer"; files: OfferedFile[] }
  | { t: "decline"; fid: string }
  /** Receiver: send from this offset (what it holds on disk, hash included). */
  | { t: "resume"; fid: string; offset: number }
  /** Receiver: bytes up to this offset are on disk and checkpointed. */
  | { t: "ack"; fid: string; offset: number }
  /** Sender: every byte has been sent; this is the file's SHA-256 (hex). */
  | { t: "end"; fid: string; sha256: string }
  /** Receiver: the hashes matched (ok) or not. */
  | { t: "result"; fid: string; ok: boolean }
  | { t: "pause"; fid: string }
  | { t: "continue"; fid: string }
  /** Either side stops it; a reason when it was not the user's choice. */
  | { t: "cancel"; fid: string; reason?: CancelReason }
  /** Another device of the receiver accepted or declined it. */
  | { t: "taken"; fid: string }
  /** Sender: I do not have this file (any more): my tab was closed or reloaded. */
  | { t: "unknown"; fid: string };

/** Why a transfer stopped without the user asking: no space on the receiver, a failed disk write, an unreadable file. */
export type CancelReason = "space" | "disk" | "read";
const REASONS: readonly string[] = ["space", "disk", "read"];

const FID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SHA256_SHAPE = /^[0-9a-f]{64}$/;

export function isFid(v: unknown): v is string {
  return typeof v === "string" && FID_SHAPE.test(v);
}

function isOffset(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0 && v <= MAX_FILE_BYTES;
}

export function encodeControl(frame: Control): string {
  return JSON.stringify(frame);
}

/** Parses a control frame from a peer; anything malformed or oversized is null and gets dropped. */
export function decodeControl(raw: unknown): Control | null {
  const f = parseObject(raw, MAX_CONTROL_CHARS);
  if (!f) return null;
  const t = f["t"];
  if (t === "offer") {
    const files = f["files"];
    if (!Array.isArray(files) || files.length === 0 || files.length > MAX_FILES_PER_OFFER) return null;
    const parsed: OfferedFile[] = [];
    for (const item of files as unknown[]) {
      if (typeof item !== "object" || item === null) return null;
      const o = item as Record<string, unknown>;
      if (!isFid(o["fid"]) || typeof o["name"] !== "string" || o["name"].length > MAX_NAME_CHARS || !isOffset(o["size"])) return null;
      const type = typeof o["type"] === "string" && o["type"].length <= MAX_TYPE_CHARS ? o["type"] : "";
      parsed.push({ fid: o["fid"], name: o["name"], size: o["size"], type });
    }
    return { t, files: parsed };
  }
  if (!isFid(f["fid"])) return null;
  const fid = f["fid"];
  switch (t) {
    case "cancel":
      return typeof f["reason"] === "string" && REASONS.includes(f["reason"]) ? { t, fid, reason: f["reason"] as CancelReason } : { t, fid };
    case "decline":
    case "pause":
    case "continue":
    case "taken":
    case "unknown":
      return { t, fid };
    case "resume":
    case "ack":
      return isOffset(f["offset"]) ? { t, fid, offset: f["offset"] } : null;
    case "end":
      return typeof f["sha256"] === "string" && SHA256_SHAPE.test(f["sha256"]) ? { t, fid, sha256: f["sha256"] } : null;
    case "result":
      return typeof f["ok"] === "boolean" ? { t, fid, ok: f["ok"] } : null;
    default:
      return null;
  }
}

/** The 16 bytes of a UUID, in the order it is written. */
export function fidToBytes(fid: string, into: Uint8Array, at = 0): void {
  const hex = fid.replaceAll("-", "");
  for (let i = 0; i < 16; i++) into[at + i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export function bytesToFid(bytes: Uint8Array, at = 0): string {
  let s = "";
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += "-";
    s += HEX[bytes[at + i]!]!;
  }
  return s;
}

/** One chunk frame: header and bytes in one new buffer (the data channel sends it as one message). */
export function encodeChunk(fid: string, offset: number, bytes: Uint8Array, into?: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  // Into a buffer the caller reuses (send() copies the frame at once), or a new one.
  const length = CHUNK_HEADER_BYTES + bytes.byteLength;
  const frame = into && into.byteOffset === 0 && into.byteLength >= length ? into.subarray(0, length) : new Uint8Array(length);
  frame[0] = KIND_CHUNK;
  fidToBytes(fid, frame, 4);
  new DataView(frame.buffer).setFloat64(24, offset, true);
  frame.set(bytes, CHUNK_HEADER_BYTES);
  return frame;
}

export interface ChunkHeader {
  fid: string;
  offset: number;
  /** Length of the bytes after the header. */
  length: number;
}

/** Reads a chunk header; null when the buffer is not a well-formed chunk frame. */
export function decodeChunkHeader(buffer: ArrayBuffer): ChunkHeader | null {
  if (buffer.byteLength < CHUNK_HEADER_BYTES) return null;
  const bytes = new Uint8Array(buffer, 0, CHUNK_HEADER_BYTES);
  if (bytes[0] !== KIND_CHUNK) return null;
  const offset = new DataView(buffer).getFloat64(24, true);
  if (!isOffset(offset)) return null;
  const length = buffer.byteLength - CHUNK_HEADER_BYTES;
  if (length === 0 || offset + length > MAX_FILE_BYTES) return null;
  return { fid: bytesToFid(bytes, 4), offset, length };
}

/** A copy with one bit flipped in its last byte (tests of the hash check only). */
export function damaged(frame: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const copy = frame.slice();
  copy[copy.length - 1] = (copy[copy.length - 1] ?? 0) ^ 1;
  return copy;
}
