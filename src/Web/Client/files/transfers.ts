// Files between browsers: offers, the queue, streaming with flow control, checkpoints, resume and verification.
// Runs on the main thread (data channels live here); disk writes and hashing run in workers (worker.ts).
// The numbers and why they are what they are: tuning.ts.
import type { PeerDirectory } from "../peers.js";
import type { TransferStore } from "../store.js";
import { Disk, mayUse, type WorkerReply } from "./disk.js";
import { RateMeter, ReceiveCursor, SendWindow } from "./ledger.js";
import { formatBytes, safeFileName } from "./names.js";
import { CHUNK_HEADER_BYTES, type CancelReason, type Control, type OfferedFile, decodeChunkHeader, decodeControl, encodeChunk, encodeControl } from "./protocol.js";
import { type Read, SliceReader } from "./reader.js";
import { FINISHED, type Progress, type TransferRecord, type TransferStatus, isMoving, needsLink } from "./record.js";
import { FILE_STATS, FILE_TUNING } from "./tuning.js";

export { FILE_STATS, FILE_TUNING } from "./tuning.js";
// The record's types live in record.ts; views written against this module's path still find them here.
export type { Progress, TransferRecord, TransferStatus } from "./record.js";

const CANCEL_WORDS: Record<CancelReason, string> = {
  space: "Not delivered: their device does not have enough space for it.",
  disk: "Not delivered: their device could not write it to disk.",
  read: "The sender could not read the file any more (was it moved or deleted?).",
};

export interface FilesHub {
  setPendingFiles(to: string, count: number, bytes: number): Promise<unknown>;
  clearPending(from: string, kind: "file"): Promise<unknown>;
}

export interface TransferEvents {
  /** The transfers with a peer changed (a new one, or a new status). */
  changed(peer: string): void;
}

interface Live {
  rec: TransferRecord;
  meter: RateMeter;
  /** Bumped whenever the transfer is repositioned or stopped: an await that comes back to an older one stops. */
  gen: number;
  // Sender.
  file?: File;
  window?: SendWindow;
  reader?: SliceReader;
  hash?: Promise<string>;
  // Receiver.
  cursor?: ReceiveCursor;
  opened?: boolean;
  computed?: string;
  /** A chosen file received whole, verified and committed (its bytes are in it). */
  committed?: boolean;
  /** The commit of a verified chosen file is under way: it finishes whatever happens (a cancel or a drop now loses). */
  committing?: boolean;
  expected?: string;
  unknownFrom?: Set<string>;
}

export class Transfers {
  private readonly live = new Map<string, Live>();
  private readonly disk: Disk;
  private readonly hasher: Disk;
  private readonly hashWaiters = new Map<string, (sha: string) => void>();
  private readonly pumping = new Set<string>();
  private readonly sleepers = new Map<string, () => void>();
  private readonly reported = new Map<string, string>();
  private frame = new Uint8Array(0);

  constructor(
    private readonly store: TransferStore,
    private readonly peers: PeerDirectory,
    private readonly hub: FilesHub,
    private readonly events: TransferEvents,
    /** How many devices the peer is signed in on (from presence): a "not here" from fewer sessions is not final. */
    private readonly devicesOf: (peer: string) => number = () => 1,
    workerUrl?: string,
  ) {
    this.disk = new Disk((r) => void this.onDisk(r), workerUrl);
    this.hasher = new Disk((r) => {
      if (r.op === "hashed") {
        FILE_STATS.worker = r.spent;
        this.hashWaiters.get(r.fid)?.(r.sha256);
      }
      if (r.op === "error") this.hashWaiters.get(r.fid)?.("");
    }, workerUrl);
  }

  /** Loads this device's records: unfinished sends died with the tab that held the files; receives resume. */
  async load(): Promise<void> {
    const keep = new Set<string>();
    const peersToWithdraw = new Set<string>();
    for (const rec of await this.store.all()) {
      if (rec.dir === "out" && !FINISHED.has(rec.status)) {
        if (rec.status === "waiting") peersToWithdraw.add(rec.peer);
        rec.status = "failed";
        rec.error = "Not sent: the tab that held this file was closed. Send it again.";
        await this.store.put(rec);
      }
      if (rec.dir === "in") {
        if (rec.status === "active" || rec.status === "queued" || rec.status === "verifying") rec.status = "interrupted";
        if (rec.target && !FINISHED.has(rec.status) && rec.offset > 0) {
          // Bytes for a chosen file waited in a swap file that went with the page: it starts over.
          rec.offset = 0;
          rec.hashState = null;
          await this.store.put(rec);
        }
        if (!FINISHED.has(rec.status) || rec.status === "done") keep.add(rec.fid);
      }
      this.live.set(rec.fid, this.liveOf(rec));
    }
    await Disk.sweep(keep).catch(() => undefined);
    // Links that opened while the records were loading: offers and resumes for them now.
    for (const [peer, session] of this.peers.allFilesSessions()) this.onFilesOpen(peer, session);
    for (const peer of peersToWithdraw) void this.hub.setPendingFiles(peer, 0, 0).catch(() => undefined);
  }

  /** A peer's transfers, newest last. */
  list(peer: string): TransferRecord[] {
    return [...this.live.values()].filter((l) => l.rec.peer === peer).map((l) => l.rec).sort((a, b) => a.ts - b.ts);
  }

  record(fid: string): TransferRecord | undefined {
    return this.live.get(fid)?.rec;
  }

  /** "Received files use 1.2 GB on this device", or null when there are none. */
  usage(): string | null {
    let bytes = 0;
    for (const l of this.live.values()) if (l.rec.dir === "in" && !l.rec.target && (l.rec.status === "done" || !FINISHED.has(l.rec.status))) bytes += this.doneBytes(l);
    return bytes > 0 ? `Received files use ${formatBytes(bytes)} on this device` : null;
  }

  progress(fid: string): Progress {
    const l = this.live.get(fid);
    if (!l) return { bytes: 0, speed: 0, secondsLeft: null };
    const bytes = this.doneBytes(l);
    return { bytes, speed: l.meter.speed, secondsLeft: l.meter.secondsLeft(l.rec.size - bytes) };
  }

  /** Whether we need a link to this peer now: something to offer, or a transfer to continue. */
  wantsLink(peer: string): boolean {
    for (const l of this.live.values()) if (l.rec.peer === peer && needsLink(l.rec)) return true;
    return false;
  }

  /** Offers files to a peer (a contact, or our own other devices): now if a link is open, else when they come online. */
  async offer(peer: string, files: { file: File; name: string }[]): Promise<void> {
    const now = Date.now();
    for (const [i, { file, name }] of files.entries()) {
      const rec: TransferRecord = { fid: crypto.randomUUID(), peer, dir: "out", name, size: file.size, type: file.type, ts: now + i, status: "waiting", offset: 0 };
      const l = this.liveOf(rec);
      l.file = file;
      this.live.set(rec.fid, l);
      await this.store.put(rec);
    }
    this.events.changed(peer);
    for (const session of this.peers.filesSessions(peer)) this.sendOffers(peer, session);
    if (this.peers.filesSessions(peer).length === 0) void this.peers.connect(peer).catch(() => undefined);
    this.reportPending(peer);
  }

  /**
   * The receiver starts a transfer (a resume from 0 is an accept): into the app's storage, or straight into a file
   * the user chose.
   */
  async accept(fid: string, target?: FileSystemFileHandle): Promise<void> {
    const l = this.live.get(fid);
    if (!l || l.rec.dir !== "in" || l.rec.status !== "offered") return;
    // The space of the disk holding a chosen file is not ours to know; a full disk fails its writes (worded below).
    const free = target ? null : await freeSpace();
    if (target) l.rec.target = target;
    if (free !== null && free < l.rec.size) {
      this.control(l, { t: "cancel", fid, reason: "space" });
      await this.stop(l, "failed", `Not enough space on this device: it needs ${formatBytes(l.rec.size)}, ${formatBytes(free)} are free for received files.`);
      return;
    }
    await this.setStatus(l, "queued");
    await this.startReceiving(l);
  }

  /** The user allowed writing to the chosen file again (after a reload): the transfer goes on. */
  async allowed(fid: string): Promise<void> {
    const l = this.live.get(fid);
    if (!l?.rec.needsPermission || FINISHED.has(l.rec.status)) return;
    delete l.rec.needsPermission;
    await this.store.put(l.rec);
    await this.startReceiving(l);
    this.events.changed(l.rec.peer);
  }

  async decline(fid: string): Promise<void> {
    const l = this.live.get(fid);
    if (!l || l.rec.dir !== "in" || l.rec.status !== "offered") return;
    this.control(l, { t: "decline", fid });
    await this.setStatus(l, "declined", "You declined it.");
  }

  async pause(fid: string): Promise<void> {
    const l = this.live.get(fid);
    if (!l || !(l.rec.status === "active" || l.rec.status === "queued")) return;
    l.rec.pausedBy = "me";
    await this.setStatus(l, "paused");
    this.control(l, { t: "pause", fid });
  }

  async resume(fid: string): Promise<void> {
    const l = this.live.get(fid);
    if (!l || l.rec.status !== "paused" || l.rec.pausedBy !== "me") return;
    delete l.rec.pausedBy;
    await this.setStatus(l, "active");
    this.control(l, { t: "continue", fid });
    if (l.rec.dir === "out") this.pump(l.rec.peer);
  }

  async cancel(fid: string): Promise<void> {
    const l = this.live.get(fid);
    if (!l || FINISHED.has(l.rec.status) || l.committing) return;
    this.control(l, { t: "cancel", fid });
    await this.stop(l, "cancelled", "You cancelled it.");
  }

  /** Removes a finished transfer from the list; a received file's bytes are deleted from disk. */
  async remove(fid: string): Promise<void> {
    const l = this.live.get(fid);
    if (!l || !FINISHED.has(l.rec.status)) return;
    // A received file in the app's storage is deleted; a chosen file is the user's and stays where they put it.
    if (l.rec.dir === "in" && !l.rec.target) this.disk.post({ op: "delete", fid });
    this.live.delete(fid);
    await this.store.delete(fid);
    this.events.changed(l.rec.peer);
  }

  /** A "files" channel opened to one session of a peer: offers go out, interrupted transfers resume. */
  onFilesOpen(peer: string, session: string): void {
    this.sendOffers(peer, session);
    // A result lost with the link would leave the sender waiting: say it again (a finished sender ignores it).
    const recent = Date.now() - 24 * 3600_000;
    for (const l of this.live.values()) {
      if (l.rec.peer === peer && l.rec.dir === "in" && l.rec.status === "done" && l.rec.ts > recent) {
        this.peers.filesChannel(peer, session)?.send(encodeControl({ t: "result", fid: l.rec.fid, ok: true }));
      }
    }
    for (const l of this.live.values()) {
      if (l.rec.peer !== peer || l.rec.dir !== "in") continue;
      const resumable = l.rec.status === "interrupted" || l.rec.status === "queued" || l.rec.status === "active" || l.rec.status === "paused";
      // A transfer still flowing from another of their sessions is left alone. A new link to the bound session means
      // the old one is gone, whatever its state says: resume from the checkpoint.
      if (!resumable || (l.rec.status !== "interrupted" && l.rec.session !== session && this.channelOf(l))) continue;
      if (l.rec.status !== "paused") l.rec.status = "queued";
      l.rec.session = session;
      void this.startReceiving(l);
    }
    this.events.changed(peer);
  }

  /** Links to a peer changed: transfers whose session is gone are interrupted (and resume on reconnect). */
  onLinkState(peer: string): void {
    for (const l of this.live.values()) {
      if (l.rec.peer !== peer || !l.rec.session) continue;
      if (isMoving(l.rec.status) && !this.channelOf(l)) void this.interrupt(l);
    }
  }

  onDrained(peer: string): void {
    this.wake(peer);
  }

  onData(peer: string, session: string, data: string | ArrayBuffer): void {
    if (typeof data === "string") {
      const frame = decodeControl(data);
      if (frame) void this.onControl(peer, session, frame).catch((err) => console.warn("file control frame failed", err));
      return;
    }
    const header = decodeChunkHeader(data);
    if (!header) return;
    const l = this.live.get(header.fid);
    if (!l || l.rec.dir !== "in" || l.rec.peer !== peer || l.rec.session !== session || !l.cursor || !l.opened) return;
    if (!(l.rec.status === "active" || l.rec.status === "queued" || l.rec.status === "paused")) return;
    if (l.cursor.offer(header.offset, header.length) !== "write") return;
    this.disk.post({ op: "write", fid: header.fid, offset: header.offset, buffer: data });
    l.meter.add(performance.now(), l.cursor.next);
    if (l.rec.status === "queued") void this.setStatus(l, "active");
  }

  // ----- receiving -----

  private async startReceiving(l: Live): Promise<void> {
    if (l.rec.target && !(await mayUse(l.rec.target, "readwrite", false))) {
      // After a reload the browser asks the user again before we write to their file: the card offers "Continue"
      // (a pause from before the reload gives way to it; the transfer starts over anyway).
      if (FINISHED.has(l.rec.status)) return;
      l.rec.needsPermission = true;
      delete l.rec.pausedBy;
      if (l.rec.status === "paused") l.rec.status = "interrupted";
      await this.interrupt(l);
      return;
    }
    delete l.rec.needsPermission;
    if (FINISHED.has(l.rec.status)) return;
    const session = l.rec.session && this.peers.filesChannel(l.rec.peer, l.rec.session) ? l.rec.session : this.peers.filesSessions(l.rec.peer)[0];
    if (!session) {
      void this.interrupt(l);
      void this.peers.connect(l.rec.peer).catch(() => undefined);
      return;
    }
    l.rec.session = session;
    l.gen++;
    l.cursor = new ReceiveCursor(l.rec.size, l.rec.offset);
    l.meter.reset();
    delete l.computed;
    l.opened = true;
    if (l.rec.offset > 0) l.rec.resumes = [...(l.rec.resumes ?? []), l.rec.offset];
    this.disk.post({ op: "open", fid: l.rec.fid, epoch: l.gen, size: l.rec.size, offset: l.rec.offset, state: l.rec.hashState ?? null, checkpointEvery: FILE_TUNING.checkpointBytes, target: l.rec.target ?? null });
    this.control(l, { t: "resume", fid: l.rec.fid, offset: l.rec.offset });
  }

  private async onDisk(r: WorkerReply): Promise<void> {
    const l = this.live.get(r.fid);
    if (!l || l.rec.dir !== "in") return;
    // A reply about a file as opened before the transfer was stopped or repositioned is out of date.
    // A commit is a fact whenever it happened: the chosen file holds the verified bytes.
    if ("epoch" in r && r.epoch !== undefined && r.epoch !== l.gen && r.op !== "committed") return;
    switch (r.op) {
      case "checkpoint":
        l.cursor?.checkpointed(r.offset);
        l.rec.offset = r.offset;
        l.rec.hashState = r.state;
        await this.store.put(l.rec);
        this.control(l, { t: "ack", fid: r.fid, offset: r.offset });
        break;
      case "complete":
        FILE_STATS.worker = r.spent;
        l.computed = r.sha256;
        if (FINISHED.has(l.rec.status)) return;
        await this.setStatus(l, "verifying");
        await this.verify(l);
        break;
      case "committed":
        l.committed = true;
        l.committing = false;
        await this.verify(l);
        break;
      case "error":
        l.committing = false;
        if (FINISHED.has(l.rec.status)) return;
        this.control(l, { t: "cancel", fid: r.fid, reason: r.error === "quota" ? "space" : "disk" });
        await this.stop(l, "failed", r.error.startsWith("Error: lost") ? "Part of the file on this device is gone (was site data cleared?). Ask for it again." : r.error === "quota" ? "This device ran out of space for received files (storage quota exceeded)." : `Could not write the file to disk (${r.error}).`);
        break;
      default:
        break;
    }
  }

  private async verify(l: Live): Promise<void> {
    if (!l.computed || !l.expected || FINISHED.has(l.rec.status)) return;
    const ok = l.computed === l.expected;
    if (ok && l.rec.target && !l.committed) {
      // The hash matched: now the chosen file gets its bytes ("committed" brings us back here).
      if (!l.committing) this.disk.post({ op: "commit", fid: l.rec.fid, epoch: l.gen });
      l.committing = true;
      return;
    }
    this.control(l, { t: "result", fid: l.rec.fid, ok });
    if (ok) {
      l.rec.sha256 = l.computed;
      l.rec.offset = l.rec.size;
      l.rec.hashState = null;
      await this.setStatus(l, "done");
    } else {
      this.disk.post({ op: "delete", fid: l.rec.fid });
      await this.setStatus(l, "failed", `The file arrived damaged (its SHA-256 does not match the sender's). It was discarded${l.rec.target ? `: nothing of it was written into ${l.rec.target.name}` : ""}; ask for it again.`);
    }
  }

  // ----- sending -----

  private sendOffers(peer: string, session: string): void {
    const files: OfferedFile[] = [];
    for (const l of this.live.values()) {
      if (l.rec.peer !== peer || l.rec.dir !== "out" || l.rec.session || !(l.rec.status === "waiting" || l.rec.status === "offered")) continue;
      files.push({ fid: l.rec.fid, name: l.rec.name, size: l.rec.size, type: l.rec.type });
    }
    if (files.length === 0) return;
    const channel = this.peers.filesChannel(peer, session);
    if (!channel) return;
    for (let i = 0; i < files.length; i += 200) channel.send(encodeControl({ t: "offer", files: files.slice(i, i + 200) }));
    for (const f of files) {
      const l = this.live.get(f.fid)!;
      if (l.rec.status === "waiting") void this.setStatus(l, "offered");
    }
    this.reportPending(peer);
  }

  private nextToSend(peer: string): Live | undefined {
    let queued: Live | undefined;
    for (const l of this.live.values()) {
      if (l.rec.peer !== peer || l.rec.dir !== "out") continue;
      if (l.rec.status === "active") return l;
      if (l.rec.status === "queued" && (!queued || l.rec.ts < queued.rec.ts)) queued = l;
    }
    return queued;
  }

  /** Sends the peer's queue, one file at a time, as fast as the channel drains. One pump per peer. */
  private pump(peer: string): void {
    if (this.pumping.has(peer)) {
      this.wake(peer);
      return;
    }
    this.pumping.add(peer);
    void this.pumpLoop(peer).finally(() => this.pumping.delete(peer));
  }

  private async pumpLoop(peer: string): Promise<void> {
    const { chunkBytes, highWater } = FILE_TUNING;
    for (;;) {
      const l = this.nextToSend(peer);
      if (!l) return;
      if (l.rec.status === "queued") await this.setStatus(l, "active");
      const channel = this.channelOf(l);
      if (!channel || !l.window || !l.reader) {
        await this.interrupt(l);
        continue;
      }
      if (l.window.finished) {
        await this.sendEnd(l);
        continue;
      }
      if (!l.window.canSend || channel.bufferedAmount > highWater) {
        if (l.window.canSend) FILE_STATS.queueFull++;
        else FILE_STATS.windowFull++;
        await this.sleep(peer);
        continue;
      }
      const gen = l.gen;
      const { offset, length } = l.window.take(chunkBytes);
      let read: Read;
      try {
        const before = performance.now();
        read = await l.reader.read(offset, length);
        FILE_STATS.readWaitMs += performance.now() - before;
      } catch (err) {
        this.control(l, { t: "cancel", fid: l.rec.fid, reason: "read" });
        await this.stop(l, "failed", `Could not read the file (${err instanceof Error ? err.message : String(err)}). Was it moved or deleted?`);
        continue;
      }
      if (gen !== l.gen) continue;
      if (l.rec.status !== "active") {
        // Paused (or stopped) while the read was under way: the chunk goes when it continues, not never.
        l.window.untake(offset);
        continue;
      }
      // send() copies the frame at once, so one frame buffer serves every chunk: no allocation per chunk.
      if (this.frame.byteLength < CHUNK_HEADER_BYTES + chunkBytes) this.frame = new Uint8Array(CHUNK_HEADER_BYTES + chunkBytes);
      const frame = encodeChunk(l.rec.fid, offset, read.bytes, this.frame);
      try {
        channel.send(FILE_TUNING.corruptFirstChunk && offset === 0 ? damaged(frame) : frame);
      } catch {
        await this.interrupt(l);
        continue;
      }
      // A block read from the file whose every chunk went out moves to the hashing worker, without a copy.
      if (read.finished) this.hasher.post({ op: "feed", fid: l.rec.fid, offset: read.finished.at, buffer: read.finished.block.buffer as ArrayBuffer });
      l.meter.add(performance.now(), l.window.sent);
    }
  }

  private async sendEnd(l: Live): Promise<void> {
    const gen = l.gen;
    await this.setStatus(l, "verifying");
    l.hash ??= new Promise<string>((resolve) => {
      this.hashWaiters.set(l.rec.fid, (sha) => {
        this.hashWaiters.delete(l.rec.fid);
        resolve(sha);
      });
      this.hasher.post({ op: "digest", fid: l.rec.fid, size: l.rec.size });
    });
    const sha256 = await l.hash;
    if (gen !== l.gen || l.rec.status !== "verifying") return;
    if (!sha256) {
      this.control(l, { t: "cancel", fid: l.rec.fid, reason: "read" });
      await this.stop(l, "failed", "Could not compute the file's SHA-256 here. Send it again.");
      return;
    }
    this.control(l, { t: "end", fid: l.rec.fid, sha256 });
  }

  private startSending(l: Live, session: string, offset: number): boolean {
    if (!l.file) return false;
    l.rec.session = session;
    l.window ??= new SendWindow(l.rec.size, FILE_TUNING.windowBytes);
    if (!l.window.resume(offset)) return false;
    l.gen++;
    l.reader = new SliceReader(l.file, FILE_TUNING.chunkBytes * FILE_TUNING.chunksPerRead, FILE_TUNING.readAhead);
    l.meter.reset();
    return true;
  }

  // ----- control frames -----

  private async onControl(peer: string, session: string, frame: Control): Promise<void> {
    if (frame.t === "offer") {
      await this.onOffer(peer, session, frame.files);
      return;
    }
    const l = this.live.get(frame.fid);
    if (!l || l.rec.peer !== peer) {
      // The sender's tab that held it is gone (reloaded or closed), or it was never ours.
      if (frame.t === "resume") this.peers.filesChannel(peer, session)?.send(encodeControl({ t: "unknown", fid: frame.fid }));
      return;
    }
    const fromBound = !l.rec.session || l.rec.session === session;
    switch (frame.t) {
      case "resume": {
        if (l.rec.dir !== "out") return;
        if (l.rec.session && l.rec.session !== session && this.peers.filesChannel(peer, l.rec.session)) {
          // Another device of theirs took it already.
          this.peers.filesChannel(peer, session)?.send(encodeControl({ t: "taken", fid: l.rec.fid }));
          return;
        }
        if (l.rec.status === "cancelled") {
          this.peers.filesChannel(peer, session)?.send(encodeControl({ t: "cancel", fid: l.rec.fid }));
          return;
        }
        if (FINISHED.has(l.rec.status)) {
          this.peers.filesChannel(peer, session)?.send(encodeControl({ t: "unknown", fid: l.rec.fid }));
          return;
        }
        const first = !l.rec.session;
        if (!this.startSending(l, session, frame.offset)) {
          this.peers.filesChannel(peer, session)?.send(encodeControl({ t: "unknown", fid: l.rec.fid }));
          return;
        }
        if (first) for (const other of this.peers.filesSessions(peer)) if (other !== session) this.peers.filesChannel(peer, other)?.send(encodeControl({ t: "taken", fid: l.rec.fid }));
        if (l.rec.status !== "paused") await this.setStatus(l, "queued");
        this.pump(peer);
        return;
      }
      case "decline":
        if (l.rec.dir !== "out" || FINISHED.has(l.rec.status)) return;
        if (!fromBound) {
          // Another device of theirs is receiving it already: this one's stale offer is withdrawn, nothing else.
          this.peers.filesChannel(peer, session)?.send(encodeControl({ t: "taken", fid: l.rec.fid }));
          return;
        }
        for (const other of this.peers.filesSessions(peer)) if (other !== session) this.peers.filesChannel(peer, other)?.send(encodeControl({ t: "taken", fid: l.rec.fid }));
        await this.stop(l, "declined", "They declined it.");
        return;
      case "ack":
        if (l.rec.dir !== "out" || !fromBound || !l.window) return;
        if (l.window.ack(frame.offset)) {
          l.rec.offset = l.window.acked;
          this.wake(peer);
        }
        return;
      case "end":
        if (l.rec.dir !== "in" || !fromBound) return;
        l.expected = frame.sha256;
        await this.verify(l);
        return;
      case "result":
        if (l.rec.dir !== "out" || !fromBound || FINISHED.has(l.rec.status)) return;
        if (frame.ok) {
          l.rec.offset = l.rec.size;
          l.rec.sha256 = await l.hash!;
          await this.setStatus(l, "done");
          this.hasher.post({ op: "close", fid: l.rec.fid });
        } else {
          await this.stop(l, "failed", "It arrived damaged on their side (SHA-256 mismatch) and was discarded. Send it again.");
        }
        this.pump(peer);
        return;
      case "pause":
        if (!fromBound || !(l.rec.status === "active" || l.rec.status === "queued")) return;
        l.rec.pausedBy = "them";
        await this.setStatus(l, "paused");
        return;
      case "continue":
        if (!fromBound || l.rec.status !== "paused" || l.rec.pausedBy !== "them") return;
        delete l.rec.pausedBy;
        await this.setStatus(l, "active");
        if (l.rec.dir === "out") this.pump(peer);
        return;
      case "cancel":
        if (!fromBound || FINISHED.has(l.rec.status)) return;
        if (frame.reason) await this.stop(l, "failed", CANCEL_WORDS[frame.reason]);
        else await this.stop(l, "cancelled", "They cancelled it.");
        return;
      case "taken":
        if (l.rec.dir !== "in" || FINISHED.has(l.rec.status)) return;
        if (l.rec.status !== "offered") {
          // Our resume met a sender that still sees an older link of ours: ask again once it has noticed.
          await this.interrupt(l);
          setTimeout(() => {
            if (l.rec.status === "interrupted" && this.peers.filesChannel(peer, session)) {
              l.rec.session = session;
              void this.startReceiving(l);
            }
          }, 3_000);
          return;
        }
        this.live.delete(l.rec.fid);
        await this.store.delete(l.rec.fid);
        this.events.changed(peer);
        return;
      case "unknown": {
        if (l.rec.dir !== "in" || FINISHED.has(l.rec.status)) return;
        (l.unknownFrom ??= new Set()).add(session);
        // Only when none of their sessions has it: the tab that held it may just not be back yet.
        if (await this.failIfGone(l)) {
          // Every device of theirs said so.
        } else if (l.rec.session === session) {
          // Not this session: ask another of theirs that has not answered yet (or the next one to connect).
          delete l.rec.session;
          const other = this.peers.filesSessions(peer).find((s) => !l.unknownFrom!.has(s));
          if (other) {
            l.rec.session = other;
            await this.startReceiving(l);
          } else {
            await this.interrupt(l);
          }
        }
        return;
      }
    }
  }

  private async onOffer(peer: string, session: string, files: OfferedFile[]): Promise<void> {
    for (const f of files) {
      const known = this.live.get(f.fid);
      if (known) {
        if (known.rec.dir === "in" && known.rec.status === "offered") known.rec.session = session;
        continue;
      }
      const rec: TransferRecord = { fid: f.fid, peer, dir: "in", name: safeFileName(f.name), size: f.size, type: f.type, ts: Date.now(), status: "offered", offset: 0, session };
      this.live.set(rec.fid, this.liveOf(rec));
      await this.store.put(rec);
    }
    this.events.changed(peer);
    void this.hub.clearPending(peer, "file").catch(() => undefined);
  }

  /** The peer's presence changed: a transfer that every one of their devices disowns has failed for good. */
  async onPresence(peer: string): Promise<void> {
    for (const l of [...this.live.values()]) {
      if (l.rec.peer === peer && l.rec.dir === "in" && l.unknownFrom && !FINISHED.has(l.rec.status)) await this.failIfGone(l);
    }
  }

  private async failIfGone(l: Live): Promise<boolean> {
    const open = this.peers.filesSessions(l.rec.peer);
    if (!l.unknownFrom || !open.every((s) => l.unknownFrom!.has(s)) || l.unknownFrom.size < this.devicesOf(l.rec.peer)) return false;
    await this.stop(l, "failed", "The sender no longer has this file (their tab was closed or reloaded). Ask them to send it again.");
    return true;
  }

  // ----- shared -----

  private liveOf(rec: TransferRecord): Live {
    return { rec, meter: new RateMeter(), gen: 0 };
  }

  private doneBytes(l: Live): number {
    if (l.rec.status === "done") return l.rec.size;
    if (l.rec.dir === "in") return l.cursor?.next ?? l.rec.offset;
    const channel = this.channelOf(l);
    return Math.max(l.rec.offset, (l.window?.sent ?? 0) - (channel?.bufferedAmount ?? 0));
  }

  private channelOf(l: Live): RTCDataChannel | null {
    return l.rec.session ? this.peers.filesChannel(l.rec.peer, l.rec.session) : null;
  }

  /** Sends a control frame to the bound session, or (not yet bound) to every session of the peer. */
  private control(l: Live, frame: Control): void {
    const text = encodeControl(frame);
    const bound = this.channelOf(l);
    if (bound) bound.send(text);
    else if (!l.rec.session) for (const s of this.peers.filesSessions(l.rec.peer)) this.peers.filesChannel(l.rec.peer, s)?.send(text);
  }

  private async interrupt(l: Live): Promise<void> {
    // Verified and being committed: the file is whole here; the result reaches the sender on the next link.
    if (l.committing) return;
    l.gen++;
    if (l.rec.dir === "in") {
      this.disk.post({ op: "close", fid: l.rec.fid });
      l.opened = false;
      l.cursor?.rewind();
    }
    if (l.rec.status === "paused") return;
    await this.setStatus(l, "interrupted");
  }

  private async stop(l: Live, status: "cancelled" | "declined" | "failed", error: string): Promise<void> {
    // Verified and being committed into the chosen file: that finishes and wins (a failed commit clears the flag).
    if (l.committing) return;
    l.gen++;
    if (l.rec.dir === "in") {
      this.disk.post({ op: "delete", fid: l.rec.fid });
      l.rec.hashState = null;
    }
    await this.setStatus(l, status, error);
    if (l.rec.dir === "out") {
      this.hashWaiters.delete(l.rec.fid);
      this.hasher.post({ op: "close", fid: l.rec.fid });
      delete l.file;
      delete l.reader;
      this.pump(l.rec.peer);
      this.reportPending(l.rec.peer);
    }
  }

  private async setStatus(l: Live, status: TransferStatus, error?: string): Promise<void> {
    l.rec.status = status;
    if (error) l.rec.error = error;
    else delete l.rec.error;
    if (status !== "paused") delete l.rec.pausedBy;
    await this.store.put(l.rec);
    this.events.changed(l.rec.peer);
    this.wake(l.rec.peer);
  }

  /** Tells the peer's grain how many files wait here for them and how many bytes: counts only, never names. */
  private reportPending(peer: string): void {
    let count = 0;
    let bytes = 0;
    for (const l of this.live.values()) {
      if (l.rec.peer === peer && l.rec.dir === "out" && l.rec.status === "waiting") {
        count++;
        bytes += l.rec.size;
      }
    }
    const key = `${count}:${bytes}`;
    if (this.reported.get(peer) === key || (count === 0 && !this.reported.has(peer))) return;
    this.reported.set(peer, key);
    void this.hub.setPendingFiles(peer, count, bytes).catch(() => this.reported.delete(peer));
  }

  private sleep(peer: string): Promise<void> {
    return new Promise((resolve) => {
      // A safety net only: acks, a drained queue and every status change wake the pump at once.
      const timer = setTimeout(() => this.wake(peer), 1_000);
      this.sleepers.set(peer, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private wake(peer: string): void {
    const wake = this.sleepers.get(peer);
    this.sleepers.delete(peer);
    wake?.();
  }
}

async function freeSpace(): Promise<number | null> {
  try {
    const { quota, usage } = await navigator.storage.estimate();
    return quota !== undefined && usage !== undefined ? quota - usage : null;
  } catch {
    return null;
  }
}

/** A copy with one bit flipped in its last byte (tests of the hash check only). */
function damaged(frame: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const copy = frame.slice();
  copy[copy.length - 1] = (copy[copy.length - 1] ?? 0) ^ 1;
  return copy;
}
