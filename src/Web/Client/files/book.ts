// The transfers this tab knows: each record with what lives only in memory while the tab does, the one place that
// changes a transfer's status, saves it and says so, and the numbers (tuning.ts) both sides run by.
import { RateMeter, type ReceiveCursor, type SendWindow } from "./ledger.js";
import type { FileBytes, SliceReader } from "./reader.js";
import type { TransferRecord, TransferStatus } from "./record.js";
import { FILE_STATS, FILE_TUNING, type FileStats, type FileTuning } from "./tuning.js";

/** Where transfer records are kept (IndexedDB's TransferStore in the browser, a Map in node tests). */
export interface RecordStore {
  all(): Promise<TransferRecord[]>;
  put(record: TransferRecord): Promise<void>;
  delete(fid: string): Promise<void>;
}

/** What the files feature tells the rest of the app. */
export interface TransferEvents {
  /** The transfers with a peer changed (a new one, or a new status). */
  changed(peer: string): void;
}

/** The server's side of the files feature: counts of files waiting for an offline peer, never names. */
export interface FilesHub {
  setPendingFiles(to: string, count: number, bytes: number): Promise<unknown>;
  clearPending(from: string, kind: "file"): Promise<unknown>;
}

/** One transfer as this tab holds it: its record, and what the sending or the receiving side keeps in memory. */
export interface Live {
  rec: TransferRecord;
  meter: RateMeter;
  /** Bumped whenever the transfer is repositioned or stopped: an await that comes back to an older one stops. */
  gen: number;
  // Sender.
  file?: FileBytes;
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

/** The transfers this tab knows, by file id, their saved records, and the numbers both sides run by. */
export class TransferBook {
  private readonly live = new Map<string, Live>();

  constructor(
    readonly store: RecordStore,
    private readonly events: TransferEvents,
    /** A status changed: whatever waits on the peer's transfers looks again (the sender's pump). */
    private readonly statusChanged: (peer: string) => void,
    /** The app's own numbers and counters (read live: benchmarks change them); node tests hand smaller numbers. */
    readonly tuning: FileTuning = FILE_TUNING,
    readonly stats: FileStats = FILE_STATS,
  ) {}

  get(fid: string): Live | undefined {
    return this.live.get(fid);
  }

  all(): IterableIterator<Live> {
    return this.live.values();
  }

  /** The peer's outgoing transfer to send next: the active one, else the oldest queued. */
  nextToSend(peer: string): Live | undefined {
    let queued: Live | undefined;
    for (const l of this.live.values()) {
      if (l.rec.peer !== peer || l.rec.dir !== "out") continue;
      if (l.rec.status === "active") return l;
      if (l.rec.status === "queued" && (!queued || l.rec.ts < queued.rec.ts)) queued = l;
    }
    return queued;
  }

  /** Holds a record in memory (loaded, offered or received); the caller saves it. */
  add(rec: TransferRecord): Live {
    const l: Live = { rec, meter: new RateMeter(), gen: 0 };
    this.live.set(rec.fid, l);
    return l;
  }

  /** Forgets a transfer, in memory and in the store. */
  async forget(fid: string): Promise<void> {
    this.live.delete(fid);
    await this.store.delete(fid);
  }

  changed(peer: string): void {
    this.events.changed(peer);
  }

  async setStatus(l: Live, status: TransferStatus, error?: string): Promise<void> {
    l.rec.status = status;
    if (error) l.rec.error = error;
    else delete l.rec.error;
    if (status !== "paused") delete l.rec.pausedBy;
    await this.store.put(l.rec);
    this.events.changed(l.rec.peer);
    this.statusChanged(l.rec.peer);
  }
}

/** One side of the transfers (sending or receiving): how it stops one for good, and how a dropped link leaves it. */
export interface TransferSide {
  stop(l: Live, status: "cancelled" | "declined" | "failed", error: string): Promise<void>;
  interrupt(l: Live): Promise<void>;
}
