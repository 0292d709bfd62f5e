// The disk worker: writes received chunks into the origin-private file system, or straight into a file the user chose,
// and hashes them as they land; on the sender's side it hashes the file being sent. Everything here runs off the main
// thread; nothing is kept in memory beyond the chunk being written.
import { createSHA256, type IHasher } from "hash-wasm";
import { CHUNK_HEADER_BYTES } from "./protocol.js";
import type { WorkerReply, WorkerRequest } from "./disk.js";

interface SyncAccessHandle {
  write(buffer: ArrayBufferView, options?: { at?: number }): number;
  truncate(size: number): void;
  getSize(): number;
  flush(): void;
  close(): void;
}

/** A chosen file's writable stream: bytes go to a swap file the browser moves over the file on close(), not before. */
interface Writable {
  write(command: { type: "write"; position: number; data: Uint8Array } | { type: "truncate"; size: number }): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
}

interface Incoming {
  epoch: number;
  /** Into the origin-private file system (survives a reload: checkpoints are flushed). */
  handle: SyncAccessHandle | null;
  /** Into a file the user chose: nothing lands there until the hash matched and it is committed. */
  writable: Writable | null;
  hasher: IHasher;
  size: number;
  written: number;
  lastCheckpoint: number;
  checkpointEvery: number;
}

const open = new Map<string, Incoming>();
/** Chosen-file transfers whose link dropped: their writable stays open (closing it would commit a partial file). */
const parked = new Map<string, Incoming>();
/** Time spent writing and hashing, reported with each finished file (the benchmark prints it). */
const spent = { writeMs: 0, hashMs: 0, flushMs: 0 };
/** Sender side: a hash per file being sent and how far it got. */
const outgoing = new Map<string, { hasher: IHasher; at: number }>();
const scope = self as unknown as { postMessage(m: WorkerReply, transfer?: Transferable[]): void; onmessage: ((e: MessageEvent<WorkerRequest>) => void) | null };
let queue: Promise<void> = Promise.resolve();

// One operation at a time, in arrival order: writes of one file must never overtake its "open".
scope.onmessage = (e) => {
  const request = e.data;
  queue = queue.then(() => handle(request)).catch((err: unknown) => {
    if ("fid" in request) scope.postMessage({ op: "error", fid: request.fid, epoch: "epoch" in request ? request.epoch : open.get(request.fid)?.epoch, error: describe(err) });
  });
};

async function folder(): Promise<FileSystemDirectoryHandle> {
  const root = await navigator.storage.getDirectory();
  return root.getDirectoryHandle("received", { create: true });
}

async function handle(request: WorkerRequest): Promise<void> {
  switch (request.op) {
    case "open": {
      closeOne(request.fid);
      // Whatever lies past the checkpoint was never acknowledged: it is cut off and written again.
      const sink = request.target ? { handle: null, writable: await openChosen(request, request.target) } : { handle: await openInOpfs(request), writable: null };
      const hasher = await newHasher(request.offset > 0 ? request.state : null);
      open.set(request.fid, { epoch: request.epoch, ...sink, hasher, size: request.size, written: request.offset, lastCheckpoint: request.offset, checkpointEvery: request.checkpointEvery });
      if (request.size === request.offset) finish(request.fid);
      return;
    }
    case "write": {
      const f = open.get(request.fid);
      if (!f || request.offset !== f.written) return; // closed meanwhile, or a stale chunk: the cursor rewinds on resume
      const bytes = new Uint8Array(request.buffer, CHUNK_HEADER_BYTES);
      const t0 = performance.now();
      if (f.handle) f.handle.write(bytes, { at: request.offset });
      else await f.writable!.write({ type: "write", position: request.offset, data: bytes });
      const t1 = performance.now();
      f.hasher.update(bytes);
      spent.writeMs += t1 - t0;
      spent.hashMs += performance.now() - t1;
      f.written += bytes.byteLength;
      if (f.written === f.size) finish(request.fid);
      else if (f.written - f.lastCheckpoint >= f.checkpointEvery) checkpoint(request.fid, f);
      return;
    }
    case "close":
      closeOne(request.fid);
      outgoing.delete(request.fid);
      return;
    case "commit": {
      // The hash matched: the chosen file gets its bytes (the browser moves the swap file over it).
      const f = open.get(request.fid) ?? parked.get(request.fid);
      if (!f?.writable || f.written !== f.size) throw new Error("lost: nothing to commit");
      open.delete(request.fid);
      parked.delete(request.fid);
      await f.writable.close();
      scope.postMessage({ op: "committed", fid: request.fid, epoch: request.epoch });
      return;
    }
    case "delete": {
      const chosen = open.get(request.fid) ?? parked.get(request.fid);
      if (chosen?.writable) {
        // A chosen file is the user's: never removed; what was received for it is discarded, none of it written in.
        open.delete(request.fid);
        parked.delete(request.fid);
        await chosen.writable.abort().catch(() => undefined);
        scope.postMessage({ op: "deleted", fid: request.fid });
        return;
      }
      closeOne(request.fid);
      try {
        await (await folder()).removeEntry(request.fid);
      } catch {
        // Already gone.
      }
      scope.postMessage({ op: "deleted", fid: request.fid });
      return;
    }
    case "feed": {
      let f = outgoing.get(request.fid);
      if (!f) {
        // A resume after the digest was taken sends bytes again: nothing more to hash.
        if (request.offset !== 0) return;
        f = { hasher: await newHasher(null), at: 0 };
        outgoing.set(request.fid, f);
      }
      // The sender hashes the blocks it read and sent, so the file is read once. After a resume it sends some bytes
      // again: only bytes past what was hashed count, so every byte is hashed once and in order.
      const bytes = new Uint8Array(request.buffer);
      const end = request.offset + bytes.byteLength;
      if (request.offset <= f.at && end > f.at) {
        const t0 = performance.now();
        f.hasher.update(bytes.subarray(f.at - request.offset));
        spent.hashMs += performance.now() - t0;
        f.at = end;
      }
      return;
    }
    case "digest": {
      const f = outgoing.get(request.fid) ?? (request.size === 0 ? { hasher: await newHasher(null), at: 0 } : undefined);
      outgoing.delete(request.fid);
      if (!f || f.at !== request.size) throw new Error(`hashed ${f?.at ?? 0} of ${request.size} bytes`);
      scope.postMessage({ op: "hashed", fid: request.fid, sha256: f.hasher.digest("hex"), spent: { ...spent } });
      return;
    }
  }
}

/**
 * Opens the file for exclusive writing. Right after a reload the previous page's worker may still hold the lock for
 * a moment: retry for a while before calling it a failure.
 */
async function lockFile(file: FileSystemFileHandle): Promise<SyncAccessHandle> {
  const open = () => (file as unknown as { createSyncAccessHandle(): Promise<SyncAccessHandle> }).createSyncAccessHandle();
  for (let attempt = 0; ; attempt++) {
    try {
      return await open();
    } catch (err) {
      const locked = err instanceof DOMException && err.name === "NoModificationAllowedError";
      if (!locked || attempt >= 100) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

type Open = Extract<WorkerRequest, { op: "open" }>;

/** The received file in the origin-private file system, at its checkpoint. */
async function openInOpfs(request: Open): Promise<SyncAccessHandle> {
  const handle = await lockFile(await (await folder()).getFileHandle(request.fid, { create: true }));
  if (handle.getSize() < request.offset) {
    handle.close();
    throw new Error("lost: the file on disk is shorter than its last checkpoint");
  }
  handle.truncate(request.offset);
  return handle;
}

/**
 * A file the user chose, at the checkpoint. After a dropped link the same writable continues (what came after the
 * checkpoint is cut off); after a reload there is none, and the transfer starts over from the first byte.
 */
async function openChosen(request: Open, target: FileSystemFileHandle): Promise<Writable> {
  const before = parked.get(request.fid);
  parked.delete(request.fid);
  const writable = before?.writable ?? null;
  if (request.offset > 0 && (!writable || before!.written < request.offset)) {
    await writable?.abort().catch(() => undefined);
    throw new Error("lost: the bytes written into the chosen file before the page was reloaded are gone");
  }
  if (!writable) return (target as unknown as { createWritable(o: { keepExistingData: boolean }): Promise<Writable> }).createWritable({ keepExistingData: false });
  await writable.write({ type: "truncate", size: request.offset });
  return writable;
}

/** A SHA-256 from its saved state at a checkpoint, or from the start. */
async function newHasher(state: Uint8Array | null): Promise<IHasher> {
  const hasher = await createSHA256();
  if (state) hasher.load(state);
  else hasher.init();
  return hasher;
}

function checkpoint(fid: string, f: Incoming): void {
  const t0 = performance.now();
  // A chosen file's bytes sit in its swap file until the commit: a checkpoint there is the hash state and the offset
  // (enough to resume after a dropped link while this page lives).
  f.handle?.flush();
  spent.flushMs += performance.now() - t0;
  f.lastCheckpoint = f.written;
  const state = f.hasher.save();
  scope.postMessage({ op: "checkpoint", fid, epoch: f.epoch, offset: f.written, state }, [state.buffer]);
}

function finish(fid: string): void {
  const f = open.get(fid)!;
  // The last checkpoint is the whole file: a reload now still knows every byte is here, hash state included.
  if (f.lastCheckpoint < f.size) checkpoint(fid, f);
  if (f.handle) {
    f.handle.flush();
    f.handle.close();
    open.delete(fid);
  }
  // A chosen file stays open until the main thread compared the hashes: "commit" or "delete".
  scope.postMessage({ op: "complete", fid, epoch: f.epoch, sha256: f.hasher.digest("hex"), spent: { ...spent } });
}

function closeOne(fid: string): void {
  const f = open.get(fid);
  if (!f) return;
  if (f.writable) {
    open.delete(fid);
    parked.set(fid, f);
    return;
  }
  try {
    f.handle!.flush();
    f.handle!.close();
  } catch {
    // Closing twice is harmless.
  }
  open.delete(fid);
}

function describe(err: unknown): string {
  if (err instanceof DOMException && err.name === "QuotaExceededError") return "quota";
  if (err instanceof DOMException && err.name === "NoModificationAllowedError") return "locked";
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
