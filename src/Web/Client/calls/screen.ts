// What the call view shows, as a pure function of the call the server last told, who and where I am, and an ending
// shown for a few seconds: no DOM, no clock of its own (node-tested in screen.test.ts).
import type { CallInfo } from "../types.js";
import { failureText } from "./history.js";

/** What the call view shows now. */
export type CallScreen =
  | { kind: "none" }
  | { kind: "incoming"; call: CallInfo }
  | { kind: "outgoing"; call: CallInfo }
  | { kind: "active"; call: CallInfo }
  | { kind: "elsewhere"; call: CallInfo }
  | { kind: "ended"; call: CallInfo | null; text: string };

/** An ending (or a refusal) shown until <paramref name="until"/> (epoch ms). */
export interface Shown {
  call: CallInfo | null;
  text: string;
  until: number;
}

/** The screen for <paramref name="call"/>, to user <paramref name="me"/> on session <paramref name="session"/>, at <paramref name="now"/>. */
export function callScreen(call: CallInfo | null, me: string, session: string, shown: Shown | null, now: number): CallScreen {
  if (!call || call.phase === "ended") return shown && shown.until > now ? { kind: "ended", call: shown.call, text: shown.text } : { kind: "none" };
  if (call.phase === "ringing") {
    if (call.callee === me) return { kind: "incoming", call };
    return call.callerSession === session ? { kind: "outgoing", call } : { kind: "elsewhere", call };
  }
  return isMine(call, me, session) ? { kind: "active", call } : { kind: "elsewhere", call };
}

/** This session takes part in the call (not another device of mine). */
export function isMine(c: CallInfo, me: string, session: string): boolean {
  return sideOf(c, me, "mine") === session;
}

/** A session of the call as it is now: my side's or the other side's ("" while a side has not claimed a call made again). */
export function sideOf(c: CallInfo, me: string, side: "mine" | "theirs"): string | null {
  return (c.caller === me) === (side === "mine") ? c.callerSession : c.calleeSession;
}

/** My call, ended here because the server forgot it and my link to the other side is down too. */
export function lost(c: CallInfo): CallInfo {
  return { ...c, phase: "ended", outcome: "failed", failure: "connection-lost", endedAt: new Date().toISOString(), version: c.version + 1 };
}

/**
 * The server says a call this device still shows has ended, and its word of the end never came (a push lost while a
 * silo died, say): it ended as a call under way ends, hung up on the other side.
 */
export function endedUnheard(c: CallInfo): CallInfo {
  return { ...c, phase: "ended", outcome: "completed", failure: null, endedAt: new Date().toISOString(), version: c.version + 1 };
}

/** What the screen says when a call ends, to this side. */
export function endingText(c: CallInfo, me: string, elsewhere: boolean): string {
  const out = c.caller === me;
  if (elsewhere) return out ? "The call on your other device ended." : "Answered on another device.";
  switch (c.outcome) {
    case "completed":
      return "Call ended.";
    case "declined":
      return out ? "Declined." : "You declined the call.";
    case "busy":
      return out ? "Busy: they are in another call." : "Missed call (you were in another call).";
    case "missed":
      return out ? "No answer." : "Missed call.";
    case "cancelled":
      return out ? "Call cancelled." : "Missed call: they hung up.";
    case "not-available":
      return out ? "Not available: none of their devices is online. They will see that you called." : "Missed call.";
    case "merged":
      return "You called each other at once: joined into one call.";
    case "failed":
      return c.endedBy && c.endedBy !== me && c.failure === "media-refused"
        ? "The call failed: their microphone or camera could not be used."
        : `The call failed: ${failureText(c.failure)}.`;
    default:
      return "Call ended.";
  }
}
