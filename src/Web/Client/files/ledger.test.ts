import { test } from "node:test";
import assert from "node:assert/strict";
import { RateMeter, ReceiveCursor, SendWindow } from "./ledger.js";

test("the sender never runs more than its window past the receiver's acknowledgements", () => {
  const w = new SendWindow(100, 30);
  const taken: number[] = [];
  while (w.canSend) taken.push(w.take(10).offset);
  assert.deepEqual(taken, [0, 10, 20]);
  assert.equal(w.ack(20), true);
  assert.equal(w.canSend, true);
  assert.equal(w.ack(10), true, "an older ack is harmless");
  assert.equal(w.acked, 20, "acks only move forward");
  assert.equal(w.ack(50), false, "an ack past what was sent is refused");
});

test("a resume restarts from the receiver's checkpoint, never past what was sent", () => {
  const w = new SendWindow(100, 1000);
  while (w.canSend) w.take(16);
  assert.equal(w.finished, true);
  assert.equal(w.resume(48), true);
  assert.equal(w.sent, 48);
  assert.equal(w.take(16).offset, 48);
  assert.equal(w.resume(200), false, "beyond the file");
  const fresh = new SendWindow(100, 1000);
  assert.equal(fresh.resume(40), false, "beyond what was ever sent");
  assert.equal(fresh.resume(0), true);
});

test("the last chunk is short and a zero-byte file is finished at once", () => {
  const w = new SendWindow(25, 1000);
  assert.deepEqual([w.take(10), w.take(10), w.take(10)], [{ offset: 0, length: 10 }, { offset: 10, length: 10 }, { offset: 20, length: 5 }]);
  assert.equal(new SendWindow(0, 1000).finished, true);
});

test("the receiver writes chunks only in order; a drop rewinds to the checkpoint", () => {
  const c = new ReceiveCursor(100);
  assert.equal(c.offer(0, 10), "write");
  assert.equal(c.offer(0, 10), "stale", "a repeat");
  assert.equal(c.offer(30, 10), "beyond", "a gap");
  assert.equal(c.offer(10, 10), "write");
  c.checkpointed(10);
  assert.equal(c.offer(20, 10), "write");
  c.checkpointed(90);
  assert.equal(c.checkpoint, 10, "a checkpoint past what was written is ignored");
  assert.equal(c.rewind(), 10);
  assert.equal(c.offer(20, 10), "beyond", "after a rewind the next chunk must start at the checkpoint");
  assert.equal(c.offer(10, 10), "write");
  assert.equal(c.offer(95, 10), "beyond", "past the end of the file");
});

test("a cursor restored after a reload continues from its checkpoint", () => {
  const c = new ReceiveCursor(64, 32);
  assert.equal(c.next, 32);
  assert.equal(c.offer(32, 32), "write");
  assert.equal(c.next, c.size, "every byte written");
});

test("speed and time left come from the last few seconds", () => {
  const m = new RateMeter(3000);
  assert.equal(m.speed, 0);
  assert.equal(m.secondsLeft(100), null);
  m.add(0, 0);
  m.add(1000, 10_000_000);
  assert.equal(m.speed, 10_000_000);
  assert.equal(m.secondsLeft(25_000_000), 3);
  m.add(10_000, 10_000_000);
  m.add(11_000, 10_000_000);
  assert.equal(m.speed, 0, "a stalled transfer shows no speed, not an old average");
});

test("a chunk taken but not sent (paused during its read) is given back, never below what was acknowledged", () => {
  const w = new SendWindow(100, 50);
  w.take(10);
  const { offset } = w.take(10);
  w.untake(offset);
  assert.equal(w.sent, 10);
  assert.deepEqual(w.take(10), { offset: 10, length: 10 });
  w.ack(20);
  w.untake(10);
  assert.equal(w.sent, 20);
});
