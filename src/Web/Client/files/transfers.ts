// Files between browsers: the one object the app holds (main.ts wires it, ui/transfers.ts shows what it lists). It
// hands each job to the module named by it: record.ts (a transfer and its states), book.ts (the transfers this tab
// knows), sending.ts and receiving.ts (the two sides), control.ts (frames from the other side), reader.ts (reading a
// file ahead), links.ts (sessions and frames out), and ../firstAnswer.ts (the first session to accept holds it).
// Runs on the main thread (data channels live here); disk writes and hashing run in workers (worker.ts).
// The numbers and why they are what they are: tuning.ts.
import type { PeerDirectory } from "../peers.js";
import type { TransferStore } from "../store.js";
import { type FilesHub, type Live, TransferBook, type TransferEvents } from "./book.js";
import { ControlFrames } from "./control.js";
import { Disk } from "./disk.js";
import { tell } from "./links.js";
import { formatBytes } from "./names.js";
import { decodeControl } from "./protocol.js";
import { Receiving } from "./receiving.js";
import { FINISHED, type Progress, type TransferRecord, isMoving, needsLink } from "./record.js";
import { Sending } from "./sending.js";


/** The files feature as the app sees it: what to list, and what the user and the links do to transfers. */
export class Transfers {
  private readonly book: TransferBook;
  private readonly sending: Sending;
  private readonly receiving: Receiving;
  private readonly frames: ControlFrames;

  constructor(
    private readonly store: TransferStore,
    private readonly peers: PeerDirectory,
    private readonly hub: FilesHub,
    events: TransferEvents,
    /** How many devices the peer is signed in on (from presence): a "not here" from fewer sessions is not final. */
    devicesOf: (peer: string) => number = () => 1,
    workerUrl?: string,
  ) {
    // Every status change wakes the peer's pump: it may have something to send, or a reason to stop.
    this.book = new TransferBook(store, events, (peer) => this.sending.wake(peer));
    const disk = new Disk((r) => void this.receiving.onDisk(r), workerUrl);
    const hasher = new Disk((r) => this.sending.onHasher(r), workerUrl);
    this.sending = new Sending(this.book, peers, hasher, hub);
    this.receiving = new Receiving(this.book, peers, disk, hub, devicesOf);
    this.frames = new ControlFrames(this.book, peers, this.sending, this.receiving);
  }

  /** Loads this device's records: unfinished sends died with the tab that held the files; receives resume. */
  async load(): Promise<void> {
    const keep = new Set<string>();
    const peersToWithdraw = new Set<string>();
    for (const rec of await this.store.all()) {
      if (rec.dir === "out" && (await this.sending.restore(rec))) peersToWithdraw.add(rec.peer);
      if (rec.dir === "in" && (await this.receiving.restore(rec))) keep.add(rec.fid);
      this.book.add(rec);
    }
    await Disk.sweep(keep).catch(() => undefined);
    // Links that opened while the records were loading: offers and resumes for them now.
    for (const [peer, session] of this.peers.allFilesSessions()) this.onFilesOpen(peer, session);
    for (const peer of peersToWithdraw) void this.hub.setPendingFiles(peer, 0, 0).catch(() => undefined);
  }

  /** A peer's transfers, newest last. */
  list(peer: string): TransferRecord[] {
    return [...this.book.all()].filter((l) => l.rec.peer === peer).map((l) => l.rec).sort((a, b) => a.ts - b.ts);
  }

  record(fid: string): TransferRecord | undefined {
    return this.book.get(fid)?.rec;
  }

  /** "Received files use 1.2 GB on this device", or null when there are none. */
  usage(): string | null {
    let bytes = 0;
    for (const l of this.book.all()) if (l.rec.dir === "in" && !l.rec.target && (l.rec.status === "done" || !FINISHED.has(l.rec.status))) bytes += this.doneBytes(l);
    return bytes > 0 ? `Received files use ${formatBytes(bytes)} on this device` : null;
  }

  progress(fid: string): Progress {
    const l = this.book.get(fid);
    if (!l) return { bytes: 0, speed: 0, secondsLeft: null };
    const bytes = this.doneBytes(l);
    return { bytes, speed: l.meter.speed, secondsLeft: l.meter.secondsLeft(l.rec.size - bytes) };
  }

  /** Whether we need a link to this peer now: something to offer, or a transfer to continue. */
  wantsLink(peer: string): boolean {
    for (const l of this.book.all()) if (l.rec.peer === peer && needsLink(l.rec)) return true;
    return false;
  }

  /** Offers files to a peer (a contact, or our own other devices): now if a link is open, else when they come online. */
  offer(peer: string, files: { file: File; name: string }[]): Promise<void> {
    return this.sending.offer(peer, files);
  }

  /**
   * The receiver starts a transfer (a resume from 0 is an accept): into the app's storage, or straight into a file
   * the user chose.
   */
  accept(fid: string, target?: FileSystemFileHandle): Promise<void> {
    return this.receiving.accept(fid, target);
  }

  /** The user allowed writing to the chosen file again (after a reload): the transfer goes on. */
  allowed(fid: string): Promise<void> {
    return this.receiving.allowed(fid);
  }

  decline(fid: string): Promise<void> {
    return this.receiving.decline(fid);
  }

  async pause(fid: string): Promise<void> {
    const l = this.book.get(fid);
    if (!l || !(l.rec.status === "active" || l.rec.status === "queued")) return;
    l.rec.pausedBy = "me";
    await this.book.setStatus(l, "paused");
    tell(this.peers, l.rec, { t: "pause", fid });
  }

  async resume(fid: string): Promise<void> {
    const l = this.book.get(fid);
    if (!l || l.rec.status !== "paused" || l.rec.pausedBy !== "me") return;
    delete l.rec.pausedBy;
    await this.book.setStatus(l, "active");
    tell(this.peers, l.rec, { t: "continue", fid });
    if (l.rec.dir === "out") this.sending.pump(l.rec.peer);
  }

  async cancel(fid: string): Promise<void> {
    const l = this.book.get(fid);
    if (!l || FINISHED.has(l.rec.status) || l.committing) return;
    tell(this.peers, l.rec, { t: "cancel", fid });
    await this.frames.sideOf(l).stop(l, "cancelled", "You cancelled it.");
  }

  /** Removes a finished transfer from the list; a received file's bytes are deleted from disk. */
  async remove(fid: string): Promise<void> {
    const l = this.book.get(fid);
    if (!l || !FINISHED.has(l.rec.status)) return;
    if (l.rec.dir === "in") this.receiving.discard(l);
    await this.book.forget(fid);
    this.book.changed(l.rec.peer);
  }

  /** A "files" channel opened to one session of a peer: offers go out, interrupted transfers resume. */
  onFilesOpen(peer: string, session: string): void {
    this.sending.sendOffers(peer, session);
    this.receiving.onFilesOpen(peer, session);
    this.book.changed(peer);
  }

  /** Links to a peer changed: transfers whose session is gone are interrupted (and resume on reconnect), or move to a live one. */
  onLinkState(peer: string): void {
    for (const l of this.book.all()) {
      if (l.rec.peer !== peer || !l.rec.session) continue;
      if (isMoving(l.rec.status) && !this.peers.filesChannel(peer, l.rec.session)) void this.frames.sideOf(l).interrupt(l);
    }
    this.receiving.onLinkState(peer);
  }

  onDrained(peer: string): void {
    this.sending.wake(peer);
  }

  onData(peer: string, session: string, data: string | ArrayBuffer): void {
    if (typeof data === "string") {
      const frame = decodeControl(data);
      if (frame) void this.frames.onControl(peer, session, frame).catch((err) => console.warn("file control frame failed", err));
      return;
    }
    this.receiving.onChunk(peer, session, data);
  }

  /** The peer's presence changed: a transfer that every one of their devices disowns has failed for good. */
  onPresence(peer: string): Promise<void> {
    return this.receiving.onPresence(peer);
  }

  private doneBytes(l: Live): number {
    if (l.rec.status === "done") return l.rec.size;
    return l.rec.dir === "in" ? this.receiving.doneBytes(l) : this.sending.doneBytes(l);
  }
}
