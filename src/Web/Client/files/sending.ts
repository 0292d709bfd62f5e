// The sending side: offers to every session of the peer, one file at a time per peer streamed as fast as the channel
// drains (within the receiver's window and the send queue's water marks), the file's SHA-256 hashed in a worker and
// sent with "end", and what the receiver answers (resume, decline, ack, result). No DOM, no RTC, no Worker: the
// channel, the hasher and the store come in as small interfaces, so node tests drive it.
import { trace } from "../trace.js";
import { accept, decline, stillRinging } from "../firstAnswer.js";
import type { FilesHub, Live, TransferBook, TransferSide } from "./book.js";
import type { WorkerReply, WorkerRequest } from "./disk.js";
import { SendWindow } from "./ledger.js";
import { type FileLinks, boundChannel, liveSessions, tell, tellSession } from "./links.js";
import { CHUNK_HEADER_BYTES, type OfferedFile, damaged, encodeChunk } from "./protocol.js";
import { type FileBytes, type Read, SliceReader } from "./reader.js";
import { FINISHED, type TransferRecord } from "./record.js";
import { PendingFilesReport, PumpSleep } from "./waiting.js";

/** Where the sender's blocks go to be hashed: the hashing worker in the browser ("feed", "digest", "close"). */
export interface HashPort {
  post(request: WorkerRequest): void;
}

/** A file picked to send: its bytes, and the type the receiver is told. */
export interface OutgoingFile extends FileBytes {
  readonly type: string;
}

/** The sending side of every transfer this tab makes: one pump per peer. */
export class Sending implements TransferSide {
  private readonly hashWaiters = new Map<string, (sha: string) => void>();
  private readonly pumping = new Set<string>();
  private readonly sleepers = new PumpSleep();
  private readonly pending: PendingFilesReport;
  private frame = new Uint8Array(0);

  constructor(
    private readonly book: TransferBook,
    private readonly links: FileLinks,
    private readonly hasher: HashPort,
    hub: FilesHub,
  ) {
    this.pending = new PendingFilesReport(book, hub);
  }

  /**
   * A send found unfinished at load died with the tab that held its file: it fails. Returns whether the peer's grain
   * had heard of it waiting (and must hear it no longer does).
   */
  async restore(rec: TransferRecord): Promise<boolean> {
    if (FINISHED.has(rec.status)) return false;
    const wasWaiting = rec.status === "waiting";
    rec.status = "failed";
    rec.error = "Not sent: the tab that held this file was closed. Send it again.";
    await this.book.store.put(rec);
    return wasWaiting;
  }

  /** Offers files to a peer (a contact, or our own other devices): now if a link is open, else when they come online. */
  async offer(peer: string, files: { file: OutgoingFile; name: string }[]): Promise<void> {
    const now = Date.now();
    for (const [i, { file, name }] of files.entries()) {
      const rec: TransferRecord = { fid: crypto.randomUUID(), peer, dir: "out", name, size: file.size, type: file.type, ts: now + i, status: "waiting", offset: 0 };
      const l = this.book.add(rec);
      l.file = file;
      await this.book.store.put(rec);
    }
    this.book.changed(peer);
    for (const session of this.links.filesSessions(peer)) this.sendOffers(peer, session);
    if (this.links.filesSessions(peer).length === 0) void this.links.connect(peer).catch(() => undefined);
    this.pending.report(peer);
  }

  /** Offers to one session of the peer every file nobody of theirs has answered yet. */
  sendOffers(peer: string, session: string): void {
    const files: OfferedFile[] = [];
    for (const l of this.book.all()) {
      if (l.rec.peer !== peer || l.rec.dir !== "out" || !stillRinging(l.rec.session) || !(l.rec.status === "waiting" || l.rec.status === "offered")) continue;
      files.push({ fid: l.rec.fid, name: l.rec.name, size: l.rec.size, type: l.rec.type });
    }
    if (files.length === 0) return;
    const channel = this.links.filesChannel(peer, session);
    if (!channel) return;
    for (let i = 0; i < files.length; i += 200) tellSession(this.links, peer, session, { t: "offer", files: files.slice(i, i + 200) });
    for (const f of files) {
      const l = this.book.get(f.fid)!;
      if (l.rec.status === "waiting") void this.book.setStatus(l, "offered");
    }
    this.pending.report(peer);
  }

  /** The hashing worker answered: the file's SHA-256, or an error (an empty hash). */
  onHasher(r: WorkerReply): void {
    if (r.op === "hashed") {
      this.book.stats.worker = r.spent;
      this.hashWaiters.get(r.fid)?.(r.sha256);
    }
    if (r.op === "error") this.hashWaiters.get(r.fid)?.("");
  }

  // ----- what the receiver says -----

  /** A session accepts (from 0) or continues (from its checkpoint): the first to ask holds the transfer. */
  async onResume(l: Live, session: string, offset: number): Promise<void> {
    const { peer, fid } = l.rec;
    // A holder whose link went quiet yields: the device that asks again is most likely the same one, under a new session.
    const answer = accept(l.rec.session, session, liveSessions(this.links, peer));
    trace(`file out: resume at ${offset} asked by the ${l.rec.session === session ? "same" : "another"} session: ${answer.holds ? "holds" : "taken"}, ${l.rec.status}`);
    if (!answer.holds) {
      // Another device of theirs took it already.
      tellSession(this.links, peer, session, { t: "taken", fid });
      return;
    }
    if (l.rec.status === "cancelled") {
      tellSession(this.links, peer, session, { t: "cancel", fid });
      return;
    }
    if (FINISHED.has(l.rec.status)) {
      tellSession(this.links, peer, session, { t: "unknown", fid });
      return;
    }
    if (!this.startSending(l, session, offset)) {
      tellSession(this.links, peer, session, { t: "unknown", fid });
      return;
    }
    for (const other of answer.tellTaken) tellSession(this.links, peer, other, { t: "taken", fid });
    if (l.rec.status !== "paused") await this.book.setStatus(l, "queued");
    this.pump(peer);
  }

  /** A session declines: from the one that holds it (or before anyone did) it ends the offer. */
  async onDecline(l: Live, session: string): Promise<void> {
    if (FINISHED.has(l.rec.status)) return;
    const answer = decline(l.rec.session, session, this.links.filesSessions(l.rec.peer));
    // From another session: another device of theirs is receiving it already, this one's stale offer is withdrawn.
    for (const other of answer.tellTaken) tellSession(this.links, l.rec.peer, other, { t: "taken", fid: l.rec.fid });
    if (answer.ends) await this.stop(l, "declined", "They declined it.");
  }

  /** The receiver has bytes up to here on disk, checkpointed: the window moves on. */
  onAck(l: Live, offset: number): void {
    if (!l.window) return;
    if (l.window.ack(offset)) {
      l.rec.offset = l.window.acked;
      this.wake(l.rec.peer);
    }
  }

  /** The receiver compared the hashes. */
  async onResult(l: Live, ok: boolean): Promise<void> {
    if (FINISHED.has(l.rec.status)) return;
    if (ok) {
      l.rec.offset = l.rec.size;
      l.rec.sha256 = await l.hash!;
      await this.book.setStatus(l, "done");
      this.hasher.post({ op: "close", fid: l.rec.fid });
    } else {
      await this.stop(l, "failed", "It arrived damaged on their side (SHA-256 mismatch) and was discarded. Send it again.");
    }
    this.pump(l.rec.peer);
  }

  // ----- the queue -----

  /** Sends the peer's queue, one file at a time, as fast as the channel drains. One pump per peer. */
  pump(peer: string): void {
    if (this.pumping.has(peer)) {
      this.wake(peer);
      return;
    }
    this.pumping.add(peer);
    void this.pumpLoop(peer).finally(() => this.pumping.delete(peer));
  }

  /** Something the pump may wait for happened (an ack, a drained queue, a status change): it looks again at once. */
  wake(peer: string): void {
    this.sleepers.wake(peer);
  }

  /** Bytes that reached the receiver as far as the sender can tell: acknowledged, or sent and out of the send queue. */
  doneBytes(l: Live): number {
    const channel = boundChannel(this.links, l.rec);
    return Math.max(l.rec.offset, (l.window?.sent ?? 0) - (channel?.bufferedAmount ?? 0));
  }

  async interrupt(l: Live): Promise<void> {
    l.gen++;
    if (l.rec.status === "paused") return;
    await this.book.setStatus(l, "interrupted");
  }

  async stop(l: Live, status: "cancelled" | "declined" | "failed", error: string): Promise<void> {
    l.gen++;
    await this.book.setStatus(l, status, error);
    this.hashWaiters.delete(l.rec.fid);
    this.hasher.post({ op: "close", fid: l.rec.fid });
    delete l.file;
    delete l.reader;
    this.pump(l.rec.peer);
    this.pending.report(l.rec.peer);
  }

  private async pumpLoop(peer: string): Promise<void> {
    const { chunkBytes, highWater } = this.book.tuning;
    for (;;) {
      const l = this.book.nextToSend(peer);
      if (!l) return;
      if (l.rec.status === "queued") await this.book.setStatus(l, "active");
      const channel = boundChannel(this.links, l.rec);
      if (!channel || !l.window || !l.reader) {
        await this.interrupt(l);
        continue;
      }
      if (l.window.finished) {
        await this.sendEnd(l);
        continue;
      }
      if (!l.window.canSend || channel.bufferedAmount > highWater) {
        if (l.window.canSend) this.book.stats.queueFull++;
        else this.book.stats.windowFull++;
        await this.sleep(peer);
        continue;
      }
      const gen = l.gen;
      const { offset, length } = l.window.take(chunkBytes);
      let read: Read;
      try {
        const before = performance.now();
        read = await l.reader.read(offset, length);
        this.book.stats.readWaitMs += performance.now() - before;
      } catch (err) {
        tell(this.links, l.rec, { t: "cancel", fid: l.rec.fid, reason: "read" });
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
        channel.send(this.book.tuning.corruptFirstChunk && offset === 0 ? damaged(frame) : frame);
      } catch {
        await this.interrupt(l);
        continue;
      }
      // A block read from the file whose every chunk went out moves to the hashing worker, without a copy.
      if (read.finished) this.hasher.post({ op: "feed", fid: l.rec.fid, offset: read.finished.at, buffer: read.finished.block.buffer as ArrayBuffer });
      l.meter.add(performance.now(), l.window.sent);
      const pace = this.book.tuning.paceBytesPerSecond;
      if (pace > 0) await new Promise((r) => setTimeout(r, (length / pace) * 1000));
    }
  }

  private async sendEnd(l: Live): Promise<void> {
    const gen = l.gen;
    await this.book.setStatus(l, "verifying");
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
      tell(this.links, l.rec, { t: "cancel", fid: l.rec.fid, reason: "read" });
      await this.stop(l, "failed", "Could not compute the file's SHA-256 here. Send it again.");
      return;
    }
    tell(this.links, l.rec, { t: "end", fid: l.rec.fid, sha256 });
  }

  private startSending(l: Live, session: string, offset: number): boolean {
    if (!l.file) return false;
    const { windowBytes, chunkBytes, chunksPerRead, readAhead } = this.book.tuning;
    l.rec.session = session;
    l.window ??= new SendWindow(l.rec.size, windowBytes);
    if (!l.window.resume(offset)) return false;
    l.gen++;
    l.reader = new SliceReader(l.file, chunkBytes * chunksPerRead, readAhead);
    l.meter.reset();
    return true;
  }

  private sleep(peer: string): Promise<void> {
    return this.sleepers.sleep(peer);
  }
}
