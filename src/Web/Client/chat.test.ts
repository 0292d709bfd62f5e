import { test } from "node:test";
import assert from "node:assert/strict";
import { Sequence, advance, composeText, decodeFrame, encodeFrame, MAX_TEXT_LENGTH, type Frame } from "./chat.js";

const id = "0f8fad5b-d9cb-469f-a165-70867728950e";

test("frames survive a round trip", () => {
  const frames: Frame[] = [
    { t: "msg", id, ts: 1, text: "hello\nworld" },
    { t: "ack", id },
    { t: "read", ids: [id] },
    { t: "typing", on: true },
  ];
  for (const f of frames) {
    assert.deepEqual(decodeFrame(encodeFrame(f)), f);
  }
});

test("malformed frames are dropped", () => {
  assert.equal(decodeFrame("not json"), null);
  assert.equal(decodeFrame(42), null);
  assert.equal(decodeFrame(JSON.stringify({ t: "msg", id: "../etc", ts: 1, text: "x" })), null);
  assert.equal(decodeFrame(JSON.stringify({ t: "msg", id, ts: "now", text: "x" })), null);
  assert.equal(decodeFrame(JSON.stringify({ t: "msg", id, ts: 1, text: "" })), null);
  assert.equal(decodeFrame(JSON.stringify({ t: "msg", id, ts: 1e300, text: "x" })), null, "a time no Date can hold");
  assert.equal(decodeFrame(JSON.stringify({ t: "msg", id, ts: 1, text: "x".repeat(MAX_TEXT_LENGTH + 1) })), null);
  assert.equal(decodeFrame(JSON.stringify({ t: "read", ids: [1] })), null);
  assert.equal(decodeFrame(JSON.stringify({ t: "shout" })), null);
  assert.equal(decodeFrame("x".repeat(70_000)), null);
});

test("statuses only move forward", () => {
  assert.equal(advance("waiting", "delivered"), "delivered");
  assert.equal(advance("read", "delivered"), "read");
  assert.equal(advance("sent", "sent"), "sent");
});

test("composed text keeps inner lines and drops blank edges", () => {
  assert.equal(composeText("  \n"), null);
  assert.equal(composeText("line one\nline two\n\n"), "line one\nline two");
  assert.equal(composeText("x".repeat(MAX_TEXT_LENGTH + 1)), null);
});

test("the local sequence never repeats or goes back", () => {
  const s = new Sequence();
  const a = s.next(1000);
  const b = s.next(1000);
  const c = s.next(999);
  assert.ok(a < b && b < c);
});
