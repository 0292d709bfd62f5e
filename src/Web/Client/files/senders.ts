// Which of the sender's sessions a receive comes from: a link that went quiet moves to another live session of theirs,
// a session that does not have the file hands over to the next one, and when none of their devices has it, it fails.
import { trace } from "../trace.js";
import type { Live, TransferBook } from "./book.js";
import { type FileLinks, liveSessions } from "./links.js";
import { FINISHED } from "./record.js";

/** What the receiving side lends these rules: its book and links, and its own ways to start, interrupt and stop a receive. */
export interface ReceiveControl {
  book: TransferBook;
  links: FileLinks;
  /** How many devices the peer is signed in on (from presence): a "not here" from fewer sessions is not final. */
  devicesOf(peer: string): number;
  start(l: Live): Promise<void>;
  interrupt(l: Live): Promise<void>;
  stop(l: Live, status: "cancelled" | "declined" | "failed", error: string): Promise<void>;
}

/**
 * Links to the peer changed: a transfer whose link went quiet while another session of theirs is live moves there
 * (their network changed: the same device came back under a new session, and its link opened before the old one
 * was seen to go quiet). A session that does not have the file answers "unknown", and the next one is asked.
 */
export function moveQuietReceives(rx: ReceiveControl, peer: string): void {
  for (const l of rx.book.all()) {
    if (l.rec.peer !== peer || l.rec.dir !== "in" || !l.rec.session || l.committing) continue;
    if (!(l.rec.status === "active" || l.rec.status === "queued") || rx.links.isLive(peer, l.rec.session)) continue;
    const other = liveSessions(rx.links, peer).find((s) => s !== l.rec.session);
    if (!other) continue;
    l.rec.status = "queued";
    l.rec.session = other;
    void rx.start(l);
  }
}

/** Another device of mine took the offer (it goes from this one), or our resume met a sender that still sees an older link of ours. */
export async function onTaken(rx: ReceiveControl, l: Live, session: string): Promise<void> {
  if (FINISHED.has(l.rec.status)) return;
  if (l.rec.status !== "offered") {
    // Our resume met a sender that still sees an older link of ours: ask again once it has noticed.
    trace("file in: taken (asks again in 3 s)");
    await rx.interrupt(l);
    setTimeout(() => {
      trace(`file in: ask again? ${l.rec.status}, channel ${rx.links.filesChannel(l.rec.peer, session) ? "open" : "gone"}`);
      if (l.rec.status === "interrupted" && rx.links.filesChannel(l.rec.peer, session)) {
        l.rec.session = session;
        void rx.start(l);
      }
    }, 3_000);
    return;
  }
  await rx.book.forget(l.rec.fid);
  rx.book.changed(l.rec.peer);
}

/** A session of the sender does not have the file (its tab was closed or reloaded): ask another, or give up. */
export async function onUnknown(rx: ReceiveControl, l: Live, session: string): Promise<void> {
  if (FINISHED.has(l.rec.status)) return;
  (l.unknownFrom ??= new Set()).add(session);
  // Only when none of their sessions has it: the tab that held it may just not be back yet.
  if (await failIfGone(rx, l)) {
    // Every device of theirs said so.
  } else if (l.rec.session === session) {
    // Not this session: ask another of theirs that has not answered yet (or the next one to connect).
    delete l.rec.session;
    const other = rx.links.filesSessions(l.rec.peer).find((s) => !l.unknownFrom!.has(s));
    if (other) {
      l.rec.session = other;
      await rx.start(l);
    } else {
      await rx.interrupt(l);
    }
  }
}

/** Every session of the sender said it does not have the file, on as many devices as they are signed in on: it failed. */
export async function failIfGone(rx: ReceiveControl, l: Live): Promise<boolean> {
  const open = rx.links.filesSessions(l.rec.peer);
  if (!l.unknownFrom || !open.every((s) => l.unknownFrom!.has(s)) || l.unknownFrom.size < rx.devicesOf(l.rec.peer)) return false;
  await rx.stop(l, "failed", "The sender no longer has this file (their tab was closed or reloaded). Ask them to send it again.");
  return true;
}
