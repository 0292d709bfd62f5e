// Resume bookkeeping and progress, without the DOM: where a sender is, what the receiver has on disk, how fast.

/** The sender's side of one file: what went out, what the receiver acknowledged, how far it may run ahead. */
export class SendWindow {
  /** The next offset to send. */
  sent: number;
  /** Bytes the receiver has on disk and checkpointed: a resume never starts below this. */
  acked: number;

  constructor(readonly size: number, readonly window: number, from = 0) {
    this.sent = from;
    this.acked = from;
  }

  get finished(): boolean {
    return this.sent >= this.size;
  }

  /** May another chunk go now: bytes left, and the receiver not too far behind. */
  get canSend(): boolean {
    return this.sent < this.size && this.sent - this.acked < this.window;
  }

  /** Takes the next chunk of at most <paramref name="chunk"/> bytes. */
  take(chunk: number): { offset: number; length: number } {
    const offset = this.sent;
    const length = Math.min(chunk, this.size - offset);
    this.sent += length;
    return { offset, length };
  }

  /** Gives back the chunk just taken at <paramref name="offset"/> (it was not sent). */
  untake(offset: number): void {
    if (offset >= this.acked && offset < this.sent) this.sent = offset;
  }

  /** An ack moves forward only, and never past what was sent. Returns whether it was plausible. */
  ack(offset: number): boolean {
    if (offset > this.sent || offset > this.size) return false;
    if (offset > this.acked) this.acked = offset;
    return true;
  }

  /** The receiver says where it stands (after a reload, a dropped link): send again from there. False if impossible. */
  resume(offset: number): boolean {
    if (offset > this.size || offset > this.sent) return false;
    this.sent = offset;
    this.acked = offset;
    return true;
  }
}

export type ChunkVerdict = "write" | "stale" | "beyond";

/** The receiver's side of one file: the next offset it expects and the last checkpoint on disk. */
export class ReceiveCursor {
  /** Where the next chunk must start; everything below is written (not necessarily checkpointed). */
  next: number;
  /** Written, flushed and recorded with the hash state: what survives a reload, what a resume asks from. */
  checkpoint: number;

  constructor(readonly size: number, checkpoint = 0) {
    this.next = checkpoint;
    this.checkpoint = checkpoint;
  }

  /** A chunk is written only when it starts exactly where the last one ended and fits in the file. */
  offer(offset: number, length: number): ChunkVerdict {
    if (offset + length > this.size) return "beyond";
    if (offset !== this.next) return offset < this.next ? "stale" : "beyond";
    this.next += length;
    return "write";
  }

  /** The disk caught up to here (never backwards, never past what was written). */
  checkpointed(offset: number): void {
    if (offset > this.checkpoint && offset <= this.next) this.checkpoint = offset;
  }

  /** The link dropped or the tab reloaded: whatever came after the checkpoint is written again. */
  rewind(): number {
    this.next = this.checkpoint;
    return this.checkpoint;
  }
}

/** Speed over the last few seconds and the time left, for "42% · 28 MB/s · 3 s left". */
export class RateMeter {
  private readonly samples: { at: number; bytes: number }[] = [];

  constructor(private readonly spanMs = 3_000) {}

  /** Records the total bytes done at a moment. */
  add(at: number, bytes: number): void {
    this.samples.push({ at, bytes });
    while (this.samples.length > 2 && at - this.samples[0]!.at > this.spanMs) this.samples.shift();
  }

  reset(): void {
    this.samples.length = 0;
  }

  /** Bytes per second, or 0 when there is not enough to tell. */
  get speed(): number {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.at - first.at < 250) return 0;
    return Math.max(0, ((last.bytes - first.bytes) * 1000) / (last.at - first.at));
  }

  /** Seconds left for <paramref name="remaining"/> bytes at the current speed; null when unknown. */
  secondsLeft(remaining: number): number | null {
    const speed = this.speed;
    return speed > 0 ? Math.ceil(remaining / speed) : null;
  }
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
