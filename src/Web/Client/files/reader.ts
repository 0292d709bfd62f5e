// The sender's reader: a file's bytes in order, chunk by chunk, with a few blocks read ahead to hide the disk.

/** What the reader needs of a file: its size and its bytes by range (a File; in node tests, a stand-in). */
export interface FileBytes {
  readonly size: number;
  slice(start: number, end: number): { arrayBuffer(): Promise<ArrayBuffer> };
}

/** A chunk read from the file; when it is the last chunk of a block, the block (to hash, then let go). */
export interface Read {
  bytes: Uint8Array;
  finished: { at: number; block: Uint8Array } | null;
}

/** Reads a File in order with a few blocks in flight; holds at most readAhead + 1 blocks. */
export class SliceReader {
  private readonly blocks = new Map<number, Promise<Uint8Array>>();

  constructor(
    private readonly file: FileBytes,
    private readonly blockBytes: number,
    private readonly ahead: number,
  ) {}

  async read(offset: number, length: number): Promise<Read> {
    const start = Math.floor(offset / this.blockBytes) * this.blockBytes;
    if (offset + length > start + this.blockBytes) {
      // Straddles two blocks (chunk sizes that do not divide the block): read it on its own, a block of its own.
      const bytes = new Uint8Array(await this.file.slice(offset, offset + length).arrayBuffer());
      return { bytes, finished: { at: offset, block: bytes } };
    }
    for (const at of [...this.blocks.keys()]) if (at < start) this.blocks.delete(at);
    for (let i = 0; i <= this.ahead; i++) {
      const at = start + i * this.blockBytes;
      if (at >= this.file.size) break;
      if (!this.blocks.has(at)) this.blocks.set(at, this.file.slice(at, at + this.blockBytes).arrayBuffer().then((b) => new Uint8Array(b)));
    }
    const block = await this.blocks.get(start)!;
    const bytes = block.subarray(offset - start, offset - start + length);
    if (offset + length < start + block.byteLength) return { bytes, finished: null };
    // Its last chunk: the caller hands the block on (its buffer moves away), so it is read again if ever needed.
    this.blocks.delete(start);
    return { bytes, finished: { at: start, block } };
  }
}
