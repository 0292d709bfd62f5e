// The receiving side: offers to answer, each chunk to the disk worker in order, checkpoints (offset and hash state)
// saved and acknowledged, resumes from the last checkpoint after a drop or a reload, the hashes compared at the end,
// and a chosen file ("Save to…") committed only once they matched. No DOM, no RTC, no Worker: the channel, the disk
// worker and the store come in as small interfaces, so node tests drive it.
import { trace } from "../trace.js";
import type { FilesHub, Live, TransferBook, TransferSide } from "./book.js";
import { type DiskPort, type WorkerReply, mayUse, storageFree } from "./disk.js";
import { ReceiveCursor } from "./ledger.js";
import { type FileLinks, tell, tellSession } from "./links.js";
import { formatBytes, safeFileName } from "./names.js";
import { type OfferedFile, decodeChunkHeader } from "./protocol.js";
import { FINISHED, type TransferRecord } from "./record.js";
import { type ReceiveControl, failIfGone, moveQuietReceives, onTaken, onUnknown } from "./senders.js";

export type { DiskPort } from "./disk.js";

/** The receiving side of every transfer offered to this tab. */
export class Receiving implements TransferSide {
  constructor(
    private readonly book: TransferBook,
    private readonly links: FileLinks,
    private readonly disk: DiskPort,
    private readonly hub: FilesHub,
    /** How many devices the peer is signed in on (from presence): a "not here" from fewer sessions is not final. */
    private readonly devicesOf: (peer: string) => number,
    /** Bytes free for received files on this device, or null when the browser does not say. */
    private readonly freeSpace: () => Promise<number | null> = storageFree,
  ) {
    this.control = { book, links, devicesOf, start: (l) => this.startReceiving(l), interrupt: (l) => this.interrupt(l), stop: (l, status, error) => this.stop(l, status, error) };
  }

  private readonly control: ReceiveControl;

  /**
   * A receive found at load: one that was moving waits for the link again. Returns whether its bytes on disk are
   * kept (unfinished, or done); the others are swept.
   */
  async restore(rec: TransferRecord): Promise<boolean> {
    if (rec.status === "active" || rec.status === "queued" || rec.status === "verifying") rec.status = "interrupted";
    if (rec.target && !FINISHED.has(rec.status) && rec.offset > 0) {
      // Bytes for a chosen file waited in a swap file that went with the page: it starts over.
      rec.offset = 0;
      rec.hashState = null;
      await this.book.store.put(rec);
    }
    return !FINISHED.has(rec.status) || rec.status === "done";
  }

  /**
   * The receiver starts a transfer (a resume from 0 is an accept): into the app's storage, or straight into a file
   * the user chose.
   */
  async accept(fid: string, target?: FileSystemFileHandle): Promise<void> {
    const l = this.book.get(fid);
    if (!l || l.rec.dir !== "in" || l.rec.status !== "offered") return;
    // The space of the disk holding a chosen file is not ours to know; a full disk fails its writes (worded below).
    const free = target ? null : await this.freeSpace();
    if (target) l.rec.target = target;
    if (free !== null && free < l.rec.size) {
      tell(this.links, l.rec, { t: "cancel", fid, reason: "space" });
      await this.stop(l, "failed", `Not enough space on this device: it needs ${formatBytes(l.rec.size)}, ${formatBytes(free)} are free for received files.`);
      return;
    }
    await this.book.setStatus(l, "queued");
    await this.startReceiving(l);
  }

  /** The user allowed writing to the chosen file again (after a reload): the transfer goes on. */
  async allowed(fid: string): Promise<void> {
    const l = this.book.get(fid);
    if (!l?.rec.needsPermission || FINISHED.has(l.rec.status)) return;
    delete l.rec.needsPermission;
    await this.book.store.put(l.rec);
    await this.startReceiving(l);
    this.book.changed(l.rec.peer);
  }

  async decline(fid: string): Promise<void> {
    const l = this.book.get(fid);
    if (!l || l.rec.dir !== "in" || l.rec.status !== "offered") return;
    tell(this.links, l.rec, { t: "decline", fid });
    await this.book.setStatus(l, "declined", "You declined it.");
  }

  /** A finished transfer leaves the list: a file in the app's storage is deleted; a chosen file is the user's and stays. */
  discard(l: Live): void {
    if (!l.rec.target) this.disk.post({ op: "delete", fid: l.rec.fid });
  }

  /** A "files" channel opened to one session of the peer: results said again, interrupted transfers resume. */
  onFilesOpen(peer: string, session: string): void {
    // A result lost with the link would leave the sender waiting: say it again (a finished sender ignores it).
    const recent = Date.now() - 24 * 3600_000;
    for (const l of this.book.all()) {
      if (l.rec.peer === peer && l.rec.dir === "in" && l.rec.status === "done" && l.rec.ts > recent) {
        tellSession(this.links, peer, session, { t: "result", fid: l.rec.fid, ok: true });
      }
    }
    for (const l of this.book.all()) {
      if (l.rec.peer !== peer || l.rec.dir !== "in") continue;
      const resumable = l.rec.status === "interrupted" || l.rec.status === "queued" || l.rec.status === "active" || l.rec.status === "paused";
      // A transfer still flowing from another of their sessions is left alone; one whose link went quiet (their network
      // changed and they came back under a new session) resumes here. A new link to the bound session means the old
      // one is gone, whatever its state says: resume from the checkpoint.
      const flowing = l.rec.session !== undefined && l.rec.session !== session && this.links.isLive(peer, l.rec.session);
      if (!resumable || (l.rec.status !== "interrupted" && flowing)) continue;
      if (l.rec.status !== "paused") l.rec.status = "queued";
      l.rec.session = session;
      void this.startReceiving(l);
    }
  }

  /** Links to the peer changed: a receive whose link went quiet moves to another live session of theirs (senders.ts). */
  onLinkState(peer: string): void {
    moveQuietReceives(this.control, peer);
  }

  /** A chunk frame: written when it is the next one of a file being received from that session, else dropped. */
  onChunk(peer: string, session: string, data: ArrayBuffer): void {
    const header = decodeChunkHeader(data);
    if (!header) return;
    const l = this.book.get(header.fid);
    if (!l || l.rec.dir !== "in" || l.rec.peer !== peer || l.rec.session !== session || !l.cursor || !l.opened) return;
    if (!(l.rec.status === "active" || l.rec.status === "queued" || l.rec.status === "paused")) return;
    if (l.cursor.offer(header.offset, header.length) !== "write") return;
    this.disk.post({ op: "write", fid: header.fid, offset: header.offset, buffer: data });
    l.meter.add(performance.now(), l.cursor.next);
    if (l.rec.status === "queued") void this.book.setStatus(l, "active");
  }

  /** Files offered by one session of the peer; an offer seen before now answers to the session that said it last. */
  async onOffer(peer: string, session: string, files: OfferedFile[]): Promise<void> {
    for (const f of files) {
      const known = this.book.get(f.fid);
      if (known) {
        if (known.rec.dir === "in" && known.rec.status === "offered") known.rec.session = session;
        continue;
      }
      const rec: TransferRecord = { fid: f.fid, peer, dir: "in", name: safeFileName(f.name), size: f.size, type: f.type, ts: Date.now(), status: "offered", offset: 0, session };
      this.book.add(rec);
      await this.book.store.put(rec);
    }
    this.book.changed(peer);
    void this.hub.clearPending(peer, "file").catch(() => undefined);
  }

  /** The sender sent every byte and says what the file's SHA-256 is. */
  async onEnd(l: Live, sha256: string): Promise<void> {
    l.expected = sha256;
    await this.verify(l);
  }

  /** Another device of mine took the offer, or our resume met a sender that still sees an older link of ours. */
  onTaken(l: Live, session: string): Promise<void> {
    return onTaken(this.control, l, session);
  }

  /** A session of the sender does not have the file: ask another, or give up. */
  onUnknown(l: Live, session: string): Promise<void> {
    return onUnknown(this.control, l, session);
  }

  /** The peer's presence changed: a transfer that every one of their devices disowns has failed for good. */
  async onPresence(peer: string): Promise<void> {
    for (const l of [...this.book.all()]) {
      if (l.rec.peer === peer && l.rec.dir === "in" && l.unknownFrom && !FINISHED.has(l.rec.status)) await failIfGone(this.control, l);
    }
  }

  /** The disk worker answered: a checkpoint, the whole file with its hash, a commit, or an error. */
  async onDisk(r: WorkerReply): Promise<void> {
    const l = this.book.get(r.fid);
    if (!l || l.rec.dir !== "in") return;
    // A reply about a file as opened before the transfer was stopped or repositioned is out of date.
    // A commit is a fact whenever it happened: the chosen file holds the verified bytes.
    if ("epoch" in r && r.epoch !== undefined && r.epoch !== l.gen && r.op !== "committed") return;
    switch (r.op) {
      case "checkpoint":
        l.cursor?.checkpointed(r.offset);
        l.rec.offset = r.offset;
        l.rec.hashState = r.state;
        await this.book.store.put(l.rec);
        tell(this.links, l.rec, { t: "ack", fid: r.fid, offset: r.offset });
        break;
      case "complete":
        this.book.stats.worker = r.spent;
        l.computed = r.sha256;
        if (FINISHED.has(l.rec.status)) return;
        await this.book.setStatus(l, "verifying");
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
        tell(this.links, l.rec, { t: "cancel", fid: r.fid, reason: r.error === "quota" ? "space" : "disk" });
        await this.stop(l, "failed", r.error.startsWith("Error: lost") ? "Part of the file on this device is gone (was site data cleared?). Ask for it again." : r.error === "quota" ? "This device ran out of space for received files (storage quota exceeded)." : `Could not write the file to disk (${r.error}).`);
        break;
      default:
        break;
    }
  }

  /** Bytes received: written so far while it moves, else what the last checkpoint holds. */
  doneBytes(l: Live): number {
    return l.cursor?.next ?? l.rec.offset;
  }

  async interrupt(l: Live): Promise<void> {
    // Verified and being committed: the file is whole here; the result reaches the sender on the next link.
    if (l.committing) return;
    l.gen++;
    this.disk.post({ op: "close", fid: l.rec.fid });
    l.opened = false;
    l.cursor?.rewind();
    if (l.rec.status === "paused") return;
    await this.book.setStatus(l, "interrupted");
  }

  async stop(l: Live, status: "cancelled" | "declined" | "failed", error: string): Promise<void> {
    // Verified and being committed into the chosen file: that finishes and wins (a failed commit clears the flag).
    if (l.committing) return;
    l.gen++;
    this.disk.post({ op: "delete", fid: l.rec.fid });
    l.rec.hashState = null;
    await this.book.setStatus(l, status, error);
  }

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
    const session = l.rec.session && this.links.filesChannel(l.rec.peer, l.rec.session) ? l.rec.session : this.links.filesSessions(l.rec.peer)[0];
    if (!session) {
      void this.interrupt(l);
      void this.links.connect(l.rec.peer).catch(() => undefined);
      return;
    }
    l.rec.session = session;
    // Asked again after an interruption (a resume answered "taken", or a link that came back): what the sender sends
    // now is written. Left "interrupted", every chunk of it was dropped and the transfer stood still for good.
    if (l.rec.status === "interrupted") l.rec.status = "queued";
    l.gen++;
    l.cursor = new ReceiveCursor(l.rec.size, l.rec.offset);
    l.meter.reset();
    delete l.computed;
    l.opened = true;
    if (l.rec.offset > 0) l.rec.resumes = [...(l.rec.resumes ?? []), l.rec.offset];
    this.disk.post({ op: "open", fid: l.rec.fid, epoch: l.gen, size: l.rec.size, offset: l.rec.offset, state: l.rec.hashState ?? null, checkpointEvery: this.book.tuning.checkpointBytes, target: l.rec.target ?? null });
    trace(`file in: asks to resume at ${l.rec.offset}`);
    tell(this.links, l.rec, { t: "resume", fid: l.rec.fid, offset: l.rec.offset });
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
    tell(this.links, l.rec, { t: "result", fid: l.rec.fid, ok });
    if (ok) {
      l.rec.sha256 = l.computed;
      l.rec.offset = l.rec.size;
      l.rec.hashState = null;
      await this.book.setStatus(l, "done");
    } else {
      this.disk.post({ op: "delete", fid: l.rec.fid });
      await this.book.setStatus(l, "failed", `The file arrived damaged (its SHA-256 does not match the sender's). It was discarded${l.rec.target ? `: nothing of it was written into ${l.rec.target.name}` : ""}; ask for it again.`);
    }
  }
}
