// One file sent or received as this device keeps it, and the states it moves through. No DOM, no I/O: the store
// (store.ts), the sending and the receiving side and the views all read these types.

export type TransferStatus =
  /** Out: the peer is offline; the offer goes when they come online. */
  | "waiting"
  /** Out: offered, waiting for their answer. In: waiting for my answer. */
  | "offered"
  /** Accepted, waiting for its turn in the queue or for the first bytes. */
  | "queued"
  | "active"
  | "paused"
  /** The link dropped; it resumes from the last checkpoint when the peers reconnect. */
  | "interrupted"
  /** Every byte moved; the hashes are being compared. */
  | "verifying"
  | "done"
  | "declined"
  | "cancelled"
  | "failed";

/** The states a transfer never leaves (a done one may still be removed from the list). */
export const FINISHED: ReadonlySet<TransferStatus> = new Set(["done", "declined", "cancelled", "failed"]);

/** One file sent or received, as this device keeps it (IndexedDB). Never leaves the browser. */
export interface TransferRecord {
  fid: string;
  peer: string;
  dir: "in" | "out";
  /** Out: the name as picked. In: the sanitised name. */
  name: string;
  size: number;
  type: string;
  ts: number;
  status: TransferStatus;
  /** Why it stopped, in words for the user. */
  error?: string;
  pausedBy?: "me" | "them";
  /** In: bytes on disk at the last checkpoint. Out: bytes the receiver acknowledged. */
  offset: number;
  /** In: the SHA-256 state at the checkpoint, so hashing resumes after a reload. */
  hashState?: Uint8Array | null;
  sha256?: string;
  /** The other side's session this transfer is bound to (the one that answered the offer first: firstAnswer.ts). */
  session?: string;
  /** In: the offsets the receiver asked to continue from after a drop or a reload (shown, and checked by tests). */
  resumes?: number[];
  /**
   * In: the file the user chose to receive it into ("Save to…"), written straight there instead of into the app's
   * storage. Its bytes land only once the hash matched; a reload before that starts the transfer over.
   */
  target?: FileSystemFileHandle;
  /** In: the browser asks the user again before writing to the chosen file (after a reload): "Continue" asks. */
  needsPermission?: boolean;
}

/** How far a transfer got and how fast it moves, for its progress line. */
export interface Progress {
  bytes: number;
  speed: number;
  secondsLeft: number | null;
}

/** Whether bytes are (or are about to be) moving on the bound session's link: a drop of that link interrupts it. */
export function isMoving(status: TransferStatus): boolean {
  return status === "active" || status === "queued" || status === "verifying" || status === "paused";
}

/** Whether a transfer needs a link to its peer now: something to offer, or something to continue. */
export function needsLink(rec: TransferRecord): boolean {
  if (rec.status === "waiting" || rec.status === "interrupted") return true;
  return rec.dir === "in" && (rec.status === "queued" || rec.status === "active");
}
