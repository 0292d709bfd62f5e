import assert from "node:assert/strict";
import { test } from "node:test";
import type { CallInfo } from "../types.js";
import { callScreen, endedUnheard, endingText, isMine, lost, sideOf } from "./screen.js";

const me = "me";
const them = "them";
const call = (over: Partial<CallInfo> = {}): CallInfo => ({
  callId: "c1", caller: me, callee: them, video: true, phase: "ringing", outcome: null, failure: null,
  callerSession: "my-laptop", calleeSession: null, startedAt: "2026-12-04T10:00:00Z", ringUntil: "2026-12-04T10:01:00Z",
  connectedAt: null, endedAt: null, serverNow: "2026-12-04T10:00:00Z", endedBy: null, mergedInto: null, version: 1, ...over,
});
const NOW = Date.parse("2026-12-04T10:00:10Z");

test("a call I placed rings as outgoing on the device that placed it and elsewhere on my others", () => {
  assert.equal(callScreen(call(), me, "my-laptop", null, NOW).kind, "outgoing");
  assert.equal(callScreen(call(), me, "my-phone", null, NOW).kind, "elsewhere");
});

test("a call to me rings as incoming on every device, whatever the clock says (the server ends the ring)", () => {
  const incoming = call({ caller: them, callee: me, callerSession: "their-tab" });
  assert.equal(callScreen(incoming, me, "my-phone", null, NOW).kind, "incoming");
  assert.equal(callScreen(incoming, me, "my-phone", null, Date.parse("2026-12-04T11:00:00Z")).kind, "incoming");
});

test("a call under way is active on the device in it and elsewhere on my others", () => {
  const answered = call({ caller: them, callee: me, callerSession: "their-tab", calleeSession: "my-phone", phase: "connected" });
  assert.equal(callScreen(answered, me, "my-phone", null, NOW).kind, "active");
  assert.equal(callScreen(answered, me, "my-laptop", null, NOW).kind, "elsewhere");
  assert.equal(callScreen({ ...answered, phase: "reconnecting" }, me, "my-phone", null, NOW).kind, "active");
  assert.ok(isMine(answered, me, "my-phone"));
  assert.equal(sideOf(answered, me, "theirs"), "their-tab");
});

test("an ending shows for its few seconds, then nothing", () => {
  const shown = { call: call({ phase: "ended", outcome: "missed" }), text: "No answer.", until: NOW + 4000 };
  assert.deepEqual(callScreen(null, me, "my-laptop", shown, NOW), { kind: "ended", call: shown.call, text: "No answer." });
  assert.deepEqual(callScreen(shown.call, me, "my-laptop", shown, NOW + 4001), { kind: "none" });
  assert.deepEqual(callScreen(null, me, "my-laptop", null, NOW), { kind: "none" });
});

test("a call the server made again waits for my side's claim: my session there is empty", () => {
  const resumed = call({ phase: "reconnecting", callerSession: "", calleeSession: "their-phone" });
  assert.equal(sideOf(resumed, me, "mine"), "");
  assert.equal(callScreen(resumed, me, "my-laptop", null, NOW).kind, "elsewhere");
});

test("each ending says what happened, to each side", () => {
  const ended = (outcome: CallInfo["outcome"], over: Partial<CallInfo> = {}) => call({ phase: "ended", outcome, ...over });
  assert.equal(endingText(ended("completed"), me, false), "Call ended.");
  assert.equal(endingText(ended("declined"), me, false), "Declined.");
  assert.equal(endingText(ended("declined"), them, false), "You declined the call.");
  assert.equal(endingText(ended("missed"), me, false), "No answer.");
  assert.equal(endingText(ended("missed"), them, false), "Missed call.");
  assert.equal(endingText(ended("busy"), me, false), "Busy: they are in another call.");
  assert.equal(endingText(ended("cancelled"), them, false), "Missed call: they hung up.");
  assert.equal(endingText(ended("completed"), them, true), "Answered on another device.");
  assert.equal(endingText(ended("failed", { failure: "media-refused", endedBy: them }), me, false), "The call failed: their microphone or camera could not be used.");
  const gone = lost(call({ phase: "connected" }));
  assert.equal(gone.phase, "ended");
  assert.equal(gone.failure, "connection-lost");
  assert.equal(gone.version, 2);
});

test("a call whose end was never heard ends as hung up, newer than anything the device holds", () => {
  const answered = call({ caller: them, callee: me, callerSession: "their-tab", calleeSession: "my-phone", phase: "connected", version: 7 });
  const ended = endedUnheard(answered);
  assert.equal(ended.phase, "ended");
  assert.equal(ended.outcome, "completed");
  assert.ok(ended.version > answered.version);
  assert.equal(endingText(ended, me, false), "Call ended.");
});
