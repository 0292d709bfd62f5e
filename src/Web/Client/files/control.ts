// Control frames from the other side: which transfer each is about, whose word counts (the session that holds the
// transfer: firstAnswer.ts), and which side handles it. A frame about a file this tab does not know is answered
// "unknown" when it asks for bytes, and dropped otherwise.
import { heardFrom } from "../firstAnswer.js";
import type { Live, TransferBook, TransferSide } from "./book.js";
import { type FileLinks, tellSession } from "./links.js";
import type { CancelReason, Control } from "./protocol.js";
import type { Receiving } from "./receiving.js";
import { FINISHED } from "./record.js";
import type { Sending } from "./sending.js";

const CANCEL_WORDS: Record<CancelReason, string> = {
  space: "Not delivered: their device does not have enough space for it.",
  disk: "Not delivered: their device could not write it to disk.",
  read: "The sender could not read the file any more (was it moved or deleted?).",
};

/** Routes each control frame from a peer's session to the side of the transfer that handles it. */
export class ControlFrames {
  constructor(
    private readonly book: TransferBook,
    private readonly links: FileLinks,
    private readonly sending: Sending,
    private readonly receiving: Receiving,
  ) {}

  async onControl(peer: string, session: string, frame: Control): Promise<void> {
    if (frame.t === "offer") {
      await this.receiving.onOffer(peer, session, frame.files);
      return;
    }
    const l = this.book.get(frame.fid);
    if (!l || l.rec.peer !== peer) {
      // The sender's tab that held it is gone (reloaded or closed), or it was never ours.
      if (frame.t === "resume") tellSession(this.links, peer, session, { t: "unknown", fid: frame.fid });
      return;
    }
    const out = l.rec.dir === "out";
    // Accepts, declines, "taken" and "unknown" are about who holds it: any session may say them.
    const fromHolder = heardFrom(l.rec.session, session);
    switch (frame.t) {
      case "resume":
        if (out) await this.sending.onResume(l, session, frame.offset);
        return;
      case "decline":
        if (out) await this.sending.onDecline(l, session);
        return;
      case "ack":
        if (out && fromHolder) this.sending.onAck(l, frame.offset);
        return;
      case "end":
        if (!out && fromHolder) await this.receiving.onEnd(l, frame.sha256);
        return;
      case "result":
        if (out && fromHolder) await this.sending.onResult(l, frame.ok);
        return;
      case "pause":
        if (!fromHolder || !(l.rec.status === "active" || l.rec.status === "queued")) return;
        l.rec.pausedBy = "them";
        await this.book.setStatus(l, "paused");
        return;
      case "continue":
        if (!fromHolder || l.rec.status !== "paused" || l.rec.pausedBy !== "them") return;
        delete l.rec.pausedBy;
        await this.book.setStatus(l, "active");
        if (out) this.sending.pump(peer);
        return;
      case "cancel":
        if (!fromHolder || FINISHED.has(l.rec.status)) return;
        if (frame.reason) await this.sideOf(l).stop(l, "failed", CANCEL_WORDS[frame.reason]);
        else await this.sideOf(l).stop(l, "cancelled", "They cancelled it.");
        return;
      case "taken":
        if (!out) await this.receiving.onTaken(l, session);
        return;
      case "unknown":
        if (!out) await this.receiving.onUnknown(l, session);
        return;
    }
  }

  /** The side that sends or receives this transfer. */
  sideOf(l: Live): TransferSide {
    return l.rec.dir === "out" ? this.sending : this.receiving;
  }
}
