import assert from "node:assert/strict";
import { test } from "node:test";
import type { CallInfo } from "../types.js";
import { describeEntry, duration, entryFor } from "./history.js";

const base: CallInfo = {
  callId: "c1", caller: "alice", callee: "bob", video: true, phase: "ended", outcome: "completed", failure: null,
  callerSession: "alice-tab", calleeSession: "bob-phone", startedAt: "2026-11-29T12:00:00Z", ringUntil: "2026-11-29T12:01:00Z",
  connectedAt: "2026-11-29T12:00:05Z", endedAt: "2026-11-29T12:02:10Z", serverNow: "2026-11-29T12:02:10Z", endedBy: "bob", mergedInto: null, version: 3,
};

test("a completed call is remembered with its direction and the time it was connected", () => {
  const mine = entryFor(base, "alice", "alice-tab");
  assert.deepEqual([mine.peer, mine.dir, mine.seconds, mine.elsewhere], ["bob", "out", 125, false]);
  assert.equal(describeEntry(mine), "Outgoing video call, 2:05");
  const theirs = entryFor(base, "bob", "bob-phone");
  assert.equal(describeEntry(theirs), "Incoming video call, 2:05");
});

test("the devices that did not take the call say where it went", () => {
  assert.equal(describeEntry(entryFor(base, "bob", "bob-laptop")), "Answered on another device");
  assert.equal(describeEntry(entryFor(base, "alice", "alice-phone")), "Call from another device");
});

test("a call nobody answered is missed for the callee and no answer for the caller", () => {
  const missed = { ...base, outcome: "missed" as const, calleeSession: null, connectedAt: null };
  assert.equal(describeEntry(entryFor(missed, "bob", "bob-laptop")), "Missed video call");
  assert.equal(entryFor(missed, "bob", "bob-laptop").elsewhere, false, "every device of the callee missed it");
  assert.equal(describeEntry(entryFor(missed, "alice", "alice-tab")), "Outgoing video call: no answer");
  const failed = { ...base, outcome: "failed" as const, failure: "never-connected" as const, connectedAt: null };
  assert.match(describeEntry(entryFor(failed, "alice", "alice-tab")), /blocked a direct connection/);
});

test("durations read as m:ss, or h:mm:ss past an hour", () => {
  assert.equal(duration(5), "0:05");
  assert.equal(duration(3725), "1:02:05");
});
