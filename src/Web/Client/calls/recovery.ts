// When the server forgets a call under way (an answered call lives in its memory only, and its silo died): a device
// whose link still carries the call makes it again from what it holds, and the other side's device follows.
import { hubErrorText, type SessionLink } from "../signaling.js";
import { trace } from "../trace.js";
import type { CallInfo } from "../types.js";
import type { CallLink } from "./link.js";
import { endedUnheard, lost } from "./screen.js";

/**
 * How often a device in a call under way says how its link is (nothing is written for it): this is how it finds out,
 * while its link still carries the call, that the server forgot it.
 */
const CALL_HEARTBEAT_MS = 10_000;

export interface RecoveryHost {
  /** The call under way on this device, if any. */
  call(): CallInfo | null;
  onCall(c: CallInfo): void;
}

/**
 * The server holds nothing of the call (forgotten when its silo died, or long ended), or made it again from the other
 * side's claim and waits for this device's.
 */
export function isForgotten(err: unknown): boolean {
  const text = hubErrorText(err);
  return text.includes("no such call") || text.includes("waits for your device");
}

export class CallRecovery {
  private resuming: Promise<boolean> | null = null;

  constructor(private readonly hub: SessionLink, private readonly link: CallLink, private readonly host: RecoveryHost) {
    setInterval(() => void this.heartbeat(), CALL_HEARTBEAT_MS);
  }

  /** Says how my link is; a server that forgot the call hears it again from me. */
  private async heartbeat(): Promise<void> {
    const c = this.host.call();
    const l = this.link.life;
    if (!c || c.phase === "ringing" || c.phase === "ended" || l.kind !== "live" || !l.link) return;
    try {
      this.host.onCall(await this.hub.reportCall(c.callId, l.link.state === "connected" ? "connected" : "reconnecting"));
    } catch (err) {
      if (isForgotten(err)) {
        await this.resume(c);
      } else if (hubErrorText(err).includes("has ended") && this.host.call()?.callId === c.callId) {
        // Ended on the server and its push never came: the heartbeat is how this device finds out, 10 s at most.
        trace("call: ended on the server, heard from the heartbeat");
        this.host.onCall(endedUnheard(c));
      }
    }
  }

  /**
   * While my link to the other side is up, the forgotten call is made again from what this device holds; otherwise it
   * is over here. Returns whether it was made again.
   */
  resume(c: CallInfo): Promise<boolean> {
    const attempt = async (): Promise<boolean> => {
      if (this.link.media?.state === "connected" && this.host.call()?.callId === c.callId) {
        try {
          const back = await this.hub.resumeCall({ callId: c.callId, caller: c.caller, callee: c.callee, video: c.video, connectedAt: c.connectedAt });
          trace("call: made again after the server forgot it");
          this.host.onCall(back);
          return true;
        } catch (err) {
          console.warn("call not resumed", err);
        }
      }
      if (this.host.call()?.callId === c.callId) this.host.onCall(lost(c));
      return false;
    };
    this.resuming ??= attempt().finally(() => (this.resuming = null));
    return this.resuming;
  }
}
