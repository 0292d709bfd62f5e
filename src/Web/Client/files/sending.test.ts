import { test } from "node:test";
import assert from "node:assert/strict";
import { HeldFile, smallTuning, tab, until } from "./fakes.js";

const SHA = "ab".repeat(32);
const UNKNOWN_FID = "0f8fad5b-d9cb-469f-a165-70867728950e";

/** A tab offering one file to bob, who has the given sessions linked; returns it and the transfer. */
async function offering(file: HeldFile, sessions: string[], tuning = smallTuning()) {
  const t = tab({ tuning });
  const channels = sessions.map((s) => t.links.open("bob", s));
  await t.sending.offer("bob", [{ file, name: "a.bin" }]);
  const l = [...t.book.all()][0]!;
  return { ...t, channels, l, fid: l.rec.fid };
}

test("a pause that lands while a chunk is being read gives the chunk back: it goes on continue, none is skipped", async () => {
  const file = new HeldFile(64, [0]);
  const { say, channels, l, fid, book } = await offering(file, ["s1"]);
  const [s1] = channels;
  await say("bob", "s1", { t: "resume", fid, offset: 0 });
  await until(() => file.isHeld(0), "the first read is under way");

  await say("bob", "s1", { t: "pause", fid });
  assert.equal(l.rec.status, "paused");
  file.release(0);
  await until(() => l.window!.sent === 0, "the chunk read during the pause is given back");
  assert.equal(s1!.chunks.length, 0, "nothing is sent while paused");

  await say("bob", "s1", { t: "continue", fid });
  await until(() => l.rec.status === "verifying", "every chunk went out");
  assert.deepEqual(s1!.chunks.map((c) => c.offset), [0, 16, 32, 48], "the chunk read during the pause goes first, once");
  assert.deepEqual(s1!.chunks[0]!.bytes, Array.from({ length: 16 }, (_, i) => i), "with the file's first bytes");
  assert.equal((await book.store.all())[0]!.status, "verifying");
});

test("after a dropped link the sender continues from the receiver's checkpoint on its new session, and finishes there", async () => {
  const file = new HeldFile(64);
  const t = await offering(file, ["s1"], smallTuning({ windowBytes: 32 }));
  const { say, links, sending, hasher, l, fid } = t;
  const s1 = t.channels[0]!;
  await say("bob", "s1", { t: "resume", fid, offset: 0 });
  await until(() => s1.chunks.length === 2 && t.stats.windowFull > 0, "the window of 32 bytes is full");
  assert.deepEqual(s1.chunks.map((c) => c.offset), [0, 16]);

  // The link drops (what onLinkState does for a transfer whose session is gone); the receiver had 16 bytes checkpointed.
  links.drop("bob", "s1");
  await sending.interrupt(l);
  assert.equal(l.rec.status, "interrupted");
  const s2 = links.open("bob", "s2");
  sending.sendOffers("bob", "s2");
  assert.deepEqual(s2.sent("offer"), [], "a transfer already held is not offered again");

  await say("bob", "s2", { t: "resume", fid, offset: 16 });
  assert.equal(l.rec.session, "s2", "the new session holds it: the old holder's link is gone");
  assert.deepEqual(s2.sent("taken"), []);
  await until(() => s2.chunks.length === 2, "the window is full again");
  assert.deepEqual(s2.chunks.map((c) => c.offset), [16, 32], "from the checkpoint, not from 0 and not from where the old link stopped");

  await say("bob", "s2", { t: "ack", fid, offset: 48 });
  assert.equal(l.rec.offset, 48);
  await until(() => hasher.sent("digest").length === 1, "the last chunk went out and the hash is asked for");
  assert.deepEqual(s2.chunks.map((c) => c.offset), [16, 32, 48]);
  assert.deepEqual(hasher.sent("feed").map((f) => f.offset), [0, 0, 32], "block 0 is fed again after the resume (the worker skips what it hashed)");

  t.hashed(fid, SHA);
  await until(() => s2.sent("end").length === 1, "the end goes out");
  assert.deepEqual(s2.sent("end"), [{ t: "end", fid, sha256: SHA }]);
  await say("bob", "s2", { t: "result", fid, ok: true });
  assert.equal(l.rec.status, "done");
  assert.equal(l.rec.sha256, SHA);
});

test("a resume for a file this tab does not have is answered unknown; other frames about it change nothing", async () => {
  const t = tab();
  const s1 = t.links.open("bob", "s1");
  await t.say("bob", "s1", { t: "resume", fid: UNKNOWN_FID, offset: 0 });
  assert.deepEqual(s1.controls, [{ t: "unknown", fid: UNKNOWN_FID }]);

  // Known, but offered to someone else: to bob it is unknown too.
  const file = new HeldFile(8);
  await t.sending.offer("carol", [{ file, name: "c.bin" }]);
  const fid = [...t.book.all()][0]!.rec.fid;
  await t.say("bob", "s1", { t: "resume", fid, offset: 0 });
  assert.deepEqual(s1.controls.at(-1), { t: "unknown", fid });

  for (const frame of [{ t: "ack", fid: UNKNOWN_FID, offset: 8 }, { t: "cancel", fid: UNKNOWN_FID }, { t: "pause", fid }, { t: "decline", fid }] as const) await t.say("bob", "s1", frame);
  assert.equal(s1.controls.length, 2, "nothing answered");
  assert.equal([...t.book.all()][0]!.rec.status, "waiting", "carol's file is untouched");
  assert.equal(file.reads.length, 0, "nothing read");
});

test("a resume for a file the sender no longer sends is answered: cancel when cancelled, unknown when over", async () => {
  const t = await offering(new HeldFile(8), ["s1"]);
  await t.sending.stop(t.l, "cancelled", "You cancelled it.");
  await t.say("bob", "s1", { t: "resume", fid: t.fid, offset: 0 });
  assert.deepEqual(t.channels[0]!.controls.at(-1), { t: "cancel", fid: t.fid });
  t.l.rec.status = "declined";
  await t.say("bob", "s1", { t: "resume", fid: t.fid, offset: 0 });
  assert.deepEqual(t.channels[0]!.controls.at(-1), { t: "unknown", fid: t.fid });
});

test("offered to two devices: the first to accept holds it, the other is told it was taken, and its word no longer counts", async () => {
  const file = new HeldFile(64, [0]);
  const { say, channels, l, fid } = await offering(file, ["laptop", "phone"]);
  const [laptop, phone] = channels;
  assert.equal(laptop!.sent("offer").length, 1);
  assert.equal(phone!.sent("offer").length, 1, "every session is offered it");

  await say("bob", "laptop", { t: "resume", fid, offset: 0 });
  await until(() => file.isHeld(0), "the laptop's first chunk is being read");
  assert.equal(l.rec.session, "laptop");
  assert.deepEqual(phone!.sent("taken"), [{ t: "taken", fid }], "the phone's copy of the offer is withdrawn");
  assert.deepEqual(laptop!.sent("taken"), []);

  await say("bob", "phone", { t: "resume", fid, offset: 0 });
  assert.equal(phone!.sent("taken").length, 2, "a late accept from the phone is told it was taken");
  assert.equal(l.rec.session, "laptop");
  await say("bob", "phone", { t: "decline", fid });
  assert.equal(phone!.sent("taken").length, 3, "a late decline from the phone withdraws only its copy");
  assert.notEqual(l.rec.status, "declined");
  await say("bob", "phone", { t: "pause", fid });
  assert.equal(l.rec.status, "active", "a pause from the phone does not count");

  file.release(0);
  await until(() => l.rec.status === "verifying", "the file went to the laptop");
  assert.deepEqual(laptop!.chunks.map((c) => c.offset), [0, 16, 32, 48]);
  assert.deepEqual(phone!.chunks, []);
});

test("a decline from the first device to answer ends the offer and the others' copies go", async () => {
  const { say, channels, l, fid } = await offering(new HeldFile(8), ["laptop", "phone"]);
  await say("bob", "phone", { t: "decline", fid });
  assert.equal(l.rec.status, "declined");
  assert.equal(l.rec.error, "They declined it.");
  assert.deepEqual(channels[0]!.sent("taken"), [{ t: "taken", fid }]);
  assert.deepEqual(channels[1]!.sent("taken"), []);
});

test("a resume from a new session while the holder's link has gone quiet (the receiver's network changed) is taken at once; while it is live, the new one hears taken", async () => {
  const file = new HeldFile(64);
  const t = await offering(file, ["s1"], smallTuning({ windowBytes: 32 }));
  await t.say("bob", "s1", { t: "resume", fid: t.fid, offset: 0 });
  await until(() => t.channels[0]!.chunks.length === 2, "bytes go to s1");

  const s2 = t.links.open("bob", "s2");
  await t.say("bob", "s2", { t: "resume", fid: t.fid, offset: 16 });
  assert.deepEqual(s2.sent("taken"), [{ t: "taken", fid: t.fid }], "s1 still receives it");
  assert.equal(t.l.rec.session, "s1");

  t.links.goQuiet("bob", "s1");
  await t.say("bob", "s2", { t: "resume", fid: t.fid, offset: 16 });
  assert.equal(t.l.rec.session, "s2", "the quiet holder yields, though its channel still says open");
  await until(() => s2.chunks.length >= 1, "bytes go to s2");
  assert.equal(s2.chunks[0]!.offset, 16, "from the checkpoint it named");
  await t.say("bob", "s2", { t: "cancel", fid: t.fid });
  assert.equal(t.l.rec.status, "cancelled");
});
