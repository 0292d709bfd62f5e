// Stand-ins for node tests of the files code: channels that keep what was sent, links that open and drop on
// command, a store in a Map, workers that keep what was posted, and a file whose reads the test releases.
// Nothing here is bundled into the app (only tests import it).
import { type FilesHub, TransferBook } from "./book.js";
import { ControlFrames } from "./control.js";
import type { WorkerReply, WorkerRequest } from "./disk.js";
import type { FileLinks, FilesChannel } from "./links.js";
import { type Control, decodeChunkHeader, decodeControl } from "./protocol.js";
import { Receiving } from "./receiving.js";
import type { TransferRecord } from "./record.js";
import { Sending } from "./sending.js";
import { FILE_TUNING, type FileStats, type FileTuning } from "./tuning.js";

/** A "files" channel that keeps every frame sent on it, decoded. */
export class FakeChannel implements FilesChannel {
  bufferedAmount = 0;
  readonly controls: Control[] = [];
  /** Chunk frames as offset and the bytes after the header. */
  readonly chunks: { fid: string; offset: number; bytes: number[] }[] = [];

  send(data: string): void;
  send(data: Uint8Array<ArrayBuffer>): void;
  send(data: string | Uint8Array<ArrayBuffer>): void {
    if (typeof data === "string") {
      const frame = decodeControl(data);
      if (!frame) throw new Error(`malformed control frame sent: ${data}`);
      this.controls.push(frame);
      return;
    }
    // The sender reuses its frame buffer (a real channel copies at send()): so does this one.
    const copy = data.slice();
    const header = decodeChunkHeader(copy.buffer);
    if (!header) throw new Error("malformed chunk frame sent");
    this.chunks.push({ fid: header.fid, offset: header.offset, bytes: [...copy.subarray(copy.byteLength - header.length)] });
  }

  /** The control frames of one kind sent here. */
  sent<T extends Control["t"]>(t: T): Extract<Control, { t: T }>[] {
    return this.controls.filter((c): c is Extract<Control, { t: T }> => c.t === t);
  }
}

/** A peer's sessions with "files" channels, opened and dropped by the test. */
export class FakeLinks implements FileLinks {
  private readonly channels = new Map<string, Map<string, FakeChannel>>();
  readonly connects: string[] = [];

  open(peer: string, session: string): FakeChannel {
    const channel = new FakeChannel();
    const byPeer = this.channels.get(peer) ?? new Map<string, FakeChannel>();
    byPeer.set(session, channel);
    this.channels.set(peer, byPeer);
    return channel;
  }

  drop(peer: string, session: string): void {
    this.channels.get(peer)?.delete(session);
  }

  private readonly quiet = new Set<string>();

  /** The path to a session went quiet: its channel still says open, but nothing moves (a network change). */
  goQuiet(peer: string, session: string): void {
    this.quiet.add(`${peer}/${session}`);
  }

  isLive(peer: string, session: string): boolean {
    return this.channels.get(peer)?.has(session) === true && !this.quiet.has(`${peer}/${session}`);
  }

  filesChannel(peer: string, session: string): FakeChannel | null {
    return this.channels.get(peer)?.get(session) ?? null;
  }

  filesSessions(peer: string): string[] {
    return [...(this.channels.get(peer)?.keys() ?? [])];
  }

  allFilesSessions(): [string, string][] {
    return [...this.channels.keys()].flatMap((peer) => this.filesSessions(peer).map((s): [string, string] => [peer, s]));
  }

  async connect(peer: string): Promise<void> {
    this.connects.push(peer);
  }
}

/** Records in a Map, each saved as a copy (as IndexedDB keeps a structured clone). */
export class FakeStore {
  readonly saved = new Map<string, TransferRecord>();

  async all(): Promise<TransferRecord[]> {
    return [...this.saved.values()].map((r) => structuredClone(r));
  }

  async put(record: TransferRecord): Promise<void> {
    this.saved.set(record.fid, structuredClone(record));
  }

  async delete(fid: string): Promise<void> {
    this.saved.delete(fid);
  }
}

/** A worker that keeps what it was asked (the disk worker, or the hashing one). */
export class FakeWorker {
  readonly requests: WorkerRequest[] = [];

  post(request: WorkerRequest): void {
    this.requests.push(request);
  }

  /** The requests of one kind. */
  sent<T extends WorkerRequest["op"]>(op: T): Extract<WorkerRequest, { op: T }>[] {
    return this.requests.filter((r): r is Extract<WorkerRequest, { op: T }> => r.op === op);
  }
}

/** A file of known bytes (byte i is i % 251) whose reads of chosen ranges wait until the test lets them go. */
export class HeldFile {
  readonly type = "application/octet-stream";
  /** The ranges read so far, in order. */
  readonly reads: [number, number][] = [];
  private readonly held = new Map<number, () => void>();

  constructor(
    readonly size: number,
    /** Reads starting here wait for release(). */
    private readonly holdAt: number[] = [],
  ) {}

  slice(start: number, end: number): { arrayBuffer(): Promise<ArrayBuffer> } {
    this.reads.push([start, end]);
    const bytes = Uint8Array.from({ length: Math.max(0, Math.min(end, this.size) - start) }, (_, i) => (start + i) % 251);
    const hold = this.holdAt.includes(start) && !this.held.has(start);
    return {
      arrayBuffer: () => (hold ? new Promise<ArrayBuffer>((resolve) => this.held.set(start, () => resolve(bytes.buffer))) : Promise.resolve(bytes.buffer)),
    };
  }

  /** Whether a read from this offset is waiting. */
  isHeld(start: number): boolean {
    return this.held.has(start);
  }

  /** Lets the held read from this offset finish. */
  release(start: number): void {
    this.held.get(start)?.();
  }
}

/** The server's side: what the files code told it. */
export class FakeHub implements FilesHub {
  readonly pending: [string, number, number][] = [];

  async setPendingFiles(to: string, count: number, bytes: number): Promise<unknown> {
    this.pending.push([to, count, bytes]);
    return undefined;
  }

  async clearPending(): Promise<unknown> {
    return undefined;
  }
}

/** Small numbers, so a test moves a file in a handful of chunks: 16-byte chunks, 32-byte reads. */
export function smallTuning(changes: Partial<FileTuning> = {}): FileTuning {
  return { ...FILE_TUNING, chunkBytes: 16, chunksPerRead: 2, readAhead: 1, windowBytes: 1024, highWater: 1024, checkpointBytes: 32, ...changes };
}

/** One tab's files code wired as Transfers wires it, on stand-ins. */
export function tab(options: { tuning?: FileTuning; devicesOf?: (peer: string) => number } = {}) {
  const links = new FakeLinks();
  const store = new FakeStore();
  const hub = new FakeHub();
  const disk = new FakeWorker();
  const hasher = new FakeWorker();
  const changes: string[] = [];
  const tuning = options.tuning ?? smallTuning();
  const stats: FileStats = { queueFull: 0, windowFull: 0, readWaitMs: 0, worker: null };
  let sending: Sending | null = null;
  const book = new TransferBook(store, { changed: (peer) => changes.push(peer) }, (peer) => sending?.wake(peer), tuning, stats);
  sending = new Sending(book, links, hasher, hub);
  const receiving = new Receiving(book, links, disk, hub, options.devicesOf ?? (() => 1), async () => null);
  const frames = new ControlFrames(book, links, sending, receiving);
  return {
    links, store, hub, disk, hasher, changes, stats, book, sending, receiving, frames,
    /** A control frame from one of the peer's sessions, handled to the end. */
    say: (peer: string, session: string, frame: Control) => frames.onControl(peer, session, frame),
    /** The hashing worker's answer to a digest. */
    hashed: (fid: string, sha256: string) => sending!.onHasher({ op: "hashed", fid, sha256, spent: { writeMs: 0, hashMs: 0, flushMs: 0 } }),
    /** A reply of the disk worker. */
    diskSays: (reply: WorkerReply) => receiving.onDisk(reply),
  };
}

/** Waits until a condition holds, looking again after every turn of the event loop; fails the test after 2 s. */
export async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
