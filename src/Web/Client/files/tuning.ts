// The numbers that pace a file transfer, and the counters that show why a sender waited.
//
// Numbers, chosen by measurement (`dotnet run -c Release --project tests/Benchmarks -- files --chunk N`, figures in
// docs/benchmarks.md):
// - chunkBytes 256 KiB minus the 32-byte header, so a frame is exactly Chromium's largest message (256 KiB). On the
//   2-core test machine the data channel itself costs far more CPU than our disk writes and hashing, and its cost
//   is per message: 256 KiB frames gave a ratio to the bare channel of 0.73-0.75 against 0.65-0.71 for 64 KiB,
//   and 16 KiB was slower still (7.9 MiB/s against 9.4).
// - highWater 8 MiB / FILES_LOW_WATER 4 MiB: the send queue never nears Chromium's 16 MiB refusal, yet holds about
//   half a second of bytes at the channel's speed, so it never runs dry while we read the file (the sender spends
//   most of a transfer waiting for the queue to drain, not for the disk).
// - chunksPerRead 8 (2 MiB reads), readAhead 3: reads in flight hide disk latency (the sender waited on reads for
//   under 5% of a transfer), a whole number of chunks per read means no chunk straddles two reads; memory stays
//   at a few MiB.
// - windowBytes 32 MiB: the sender runs at most this far past the receiver's last checkpoint, which bounds what a
//   slow disk can queue up in the receiving tab (never reached on the test machine: the window never closed).
// - checkpointBytes 8 MiB: at most this much is sent again after a drop; a flush and a small record per checkpoint.
//   Checkpoints every 32 MiB (window 64 MiB) moved no faster (12.8 against 13.1 MiB/s, 256 MiB runs), so 8 MiB stays.
// - One "files" channel per link, measured (`… -- channels`): bare transfers over 2 and 4 channels of one connection
//   moved 1.03 and 1.09 times what one channel did, inside the run-to-run spread of one channel (13.7-16.4 MiB/s).
//   Every channel of a link shares one SCTP association and the same CPU-bound threads; one ordered channel keeps
//   "end" behind the last chunk and the receiver's writes sequential for free.
// - The progress bar moves by transform, four times a second, without a CSS transition: a transition on its width
//   re-laid out and repainted the page every frame, which cost each side about 25 s of CPU per GiB and a quarter
//   of the channel's speed on 2 cores.
import type { WorkerTime } from "./disk.js";
import { CHUNK_HEADER_BYTES } from "./protocol.js";

/** How the sender cuts, reads, queues and checkpoints a file. Read live: benchmarks and tests change it at run time. */
export const FILE_TUNING = {
  chunkBytes: 256 * 1024 - CHUNK_HEADER_BYTES,
  highWater: 8 * 1024 * 1024,
  /** Chunks per File read: a whole number, so no chunk straddles two reads. */
  chunksPerRead: 8,
  readAhead: 3,
  windowBytes: 32 * 1024 * 1024,
  checkpointBytes: 8 * 1024 * 1024,
  /**
   * Tests only: the sender sends at most this many bytes a second (0: as fast as it can), so a test can act mid-way
   * through a small file on a machine of any speed.
   */
  paceBytesPerSecond: 0,
  /** Tests only: the sender flips a bit in each file's first chunk, so the receiver's hash cannot match. */
  corruptFirstChunk: false,
};

/** The shape of FILE_TUNING, for the sides that are handed it (node tests hand them smaller numbers). */
export type FileTuning = typeof FILE_TUNING;

/** Why the sender waited, counted (for the benchmark and for tuning): a full send queue, or the receiver's disk. */
export const FILE_STATS = { queueFull: 0, windowFull: 0, readWaitMs: 0, worker: null as WorkerTime | null };

/** The shape of FILE_STATS. */
export type FileStats = typeof FILE_STATS;
