// One finished call as this device remembers it (IndexedDB, beside the messages): who, when, which way, how long,
// how it ended. Never content.
import type { CallFailure, CallInfo, CallOutcome } from "../types.js";

export interface CallEntry {
  callId: string;
  peer: string;
  dir: "out" | "in";
  video: boolean;
  /** Epoch ms, by the server's clock. */
  startedAt: number;
  /** Seconds connected; 0 if it never connected. */
  seconds: number;
  outcome: CallOutcome;
  failure: CallFailure | null;
  /** This device was not the one in the call (answered or placed on another device of mine). */
  elsewhere: boolean;
}

/** The entry for an ended call, from this user's and this session's point of view. */
export function entryFor(call: CallInfo, me: string, mySession: string): CallEntry {
  const out = call.caller === me;
  const mine = out ? call.callerSession === mySession : call.calleeSession === mySession;
  const connected = call.connectedAt && call.endedAt ? (Date.parse(call.endedAt) - Date.parse(call.connectedAt)) / 1000 : 0;
  return {
    callId: call.callId,
    peer: out ? call.callee : call.caller,
    dir: out ? "out" : "in",
    video: call.video,
    startedAt: Date.parse(call.startedAt),
    seconds: Math.max(0, Math.round(connected)),
    outcome: call.outcome ?? "failed",
    failure: call.failure,
    elsewhere: !mine && (out || call.calleeSession !== null),
  };
}

/** "Missed call", "Outgoing video call, 2:05", "Answered on another device"... */
export function describeEntry(e: CallEntry): string {
  const kind = e.video ? "video call" : "call";
  const outgoing = `Outgoing ${kind}`;
  if (e.elsewhere) return e.dir === "in" ? `Answered on another device` : `Call from another device`;
  switch (e.outcome) {
    case "completed":
      return `${e.dir === "out" ? "Outgoing" : "Incoming"} ${kind}, ${duration(e.seconds)}`;
    case "missed":
      return e.dir === "in" ? `Missed ${kind}` : `${outgoing}: no answer`;
    case "declined":
      return e.dir === "in" ? `Declined ${kind}` : `${outgoing}: declined`;
    case "busy":
      return e.dir === "in" ? `Missed ${kind} (you were in another call)` : `${outgoing}: busy`;
    case "cancelled":
      return e.dir === "in" ? `Missed ${kind}` : `${outgoing}: cancelled`;
    case "not-available":
      return e.dir === "in" ? `Missed ${kind}` : `${outgoing}: not available`;
    case "merged":
      return `Both called at once: joined`;
    case "failed":
      return `${e.dir === "out" ? "Outgoing" : "Incoming"} ${kind} failed: ${failureText(e.failure)}`;
  }
}

export function failureText(failure: CallFailure | null): string {
  switch (failure) {
    case "never-connected":
      return "the network blocked a direct connection";
    case "connection-lost":
      return "the connection was lost";
    case "media-refused":
      return "no microphone or camera could be used";
    default:
      return "something went wrong";
  }
}

export function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const two = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}
