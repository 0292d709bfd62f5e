// What the sending side waits on: the pump's sleep until something it waits for happens, and the count of files waiting
// here for a peer that is away, as the peer's grain is told it (counts only, never names).
import type { FilesHub, TransferBook } from "./book.js";

/** One sleeping pump per peer, woken at once by an ack, a drained queue or a status change (or after a second anyway). */
export class PumpSleep {
  private readonly sleepers = new Map<string, () => void>();

  sleep(peer: string): Promise<void> {
    return new Promise((resolve) => {
      // A safety net only: acks, a drained queue and every status change wake the pump at once.
      const timer = setTimeout(() => this.wake(peer), 1_000);
      this.sleepers.set(peer, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  wake(peer: string): void {
    const wake = this.sleepers.get(peer);
    this.sleepers.delete(peer);
    wake?.();
  }
}

/** Tells a peer's grain how many files wait here for them and how many bytes, when that changed. */
export class PendingFilesReport {
  private readonly reported = new Map<string, string>();

  constructor(private readonly book: TransferBook, private readonly hub: FilesHub) {}

  report(peer: string): void {
    let count = 0;
    let bytes = 0;
    for (const l of this.book.all()) {
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
}
