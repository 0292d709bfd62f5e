// The main thread's view of the disk worker: requests, replies, and the received files on disk.

export type WorkerRequest =
  /** epoch: the main thread's generation of this transfer; every reply about the opened file carries it back. */
  | { op: "open"; fid: string; epoch: number; size: number; offset: number; state: Uint8Array | null; checkpointEvery: number; target: FileSystemFileHandle | null }
  /** A chosen file whose hash matched: its bytes land in it. */
  | { op: "commit"; fid: string; epoch: number }
  | { op: "write"; fid: string; offset: number; buffer: ArrayBuffer }
  | { op: "close"; fid: string }
  | { op: "delete"; fid: string }
  /** Sender: a block of the file whose chunks all went out, to hash (in file order; bytes hashed before are skipped). */
  | { op: "feed"; fid: string; offset: number; buffer: ArrayBuffer }
  /** Sender: every byte was fed; reply with the SHA-256. */
  | { op: "digest"; fid: string; size: number };

/** Milliseconds the worker spent so far, in total. */
export interface WorkerTime {
  writeMs: number;
  hashMs: number;
  flushMs: number;
}

export type WorkerReply =
  | { op: "checkpoint"; fid: string; epoch: number; offset: number; state: Uint8Array }
  | { op: "complete"; fid: string; epoch: number; sha256: string; spent: WorkerTime }
  | { op: "hashed"; fid: string; sha256: string; spent: WorkerTime }
  | { op: "committed"; fid: string; epoch: number }
  | { op: "deleted"; fid: string }
  | { op: "error"; fid: string; epoch?: number | undefined; error: string };

/**
 * Whether the browser lets this page use a file the user chose (File System Access API) without asking; with ask,
 * asks them (only within their click, as the browser requires). Browsers without permissions on handles: yes.
 */
export async function mayUse(handle: FileSystemFileHandle, mode: "read" | "readwrite", ask: boolean): Promise<boolean> {
  const h = handle as FileSystemFileHandle & {
    queryPermission?(o: { mode: string }): Promise<PermissionState>;
    requestPermission?(o: { mode: string }): Promise<PermissionState>;
  };
  try {
    if (!h.queryPermission || (await h.queryPermission({ mode })) === "granted") return true;
    return ask && h.requestPermission !== undefined && (await h.requestPermission({ mode })) === "granted";
  } catch {
    return false;
  }
}

export class Disk {
  private readonly worker: Worker;

  constructor(onReply: (reply: WorkerReply) => void, url = "/js/files-worker.js") {
    this.worker = new Worker(url, { type: "module", name: "files" });
    this.worker.onmessage = (e: MessageEvent<WorkerReply>) => onReply(e.data);
    this.worker.onerror = (e) => console.error("files worker failed", e.message);
  }

  post(request: WorkerRequest): void {
    // A chunk's buffer moves to the worker rather than being copied.
    this.worker.postMessage(request, request.op === "write" || request.op === "feed" ? [request.buffer] : []);
  }

  /** A received file, disk-backed (reading it does not load it into memory). */
  static async file(fid: string): Promise<File> {
    const root = await navigator.storage.getDirectory();
    const dir = await root.getDirectoryHandle("received", { create: true });
    return (await dir.getFileHandle(fid)).getFile();
  }

  /** Removes files on disk that no record knows (a transfer deleted while its tab closed). */
  static async sweep(keep: Set<string>): Promise<void> {
    const root = await navigator.storage.getDirectory();
    const dir = await root.getDirectoryHandle("received", { create: true });
    const names: string[] = [];
    for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name);
    for (const name of names) if (!keep.has(name)) await dir.removeEntry(name).catch(() => undefined);
  }
}

/** Where received chunks go: the disk worker in the browser ("open", "write", "commit", "close", "delete"). */
export interface DiskPort {
  post(request: WorkerRequest): void;
}

/** What the browser says is free for this origin's storage, or null when it does not say. */
export async function storageFree(): Promise<number | null> {
  try {
    const { quota, usage } = await navigator.storage.estimate();
    return quota !== undefined && usage !== undefined ? quota - usage : null;
  } catch {
    return null;
  }
}
