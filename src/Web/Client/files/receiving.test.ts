import { mock, test } from "node:test";
import assert from "node:assert/strict";
import { tab, until } from "./fakes.js";
import { encodeChunk } from "./protocol.js";
import type { TransferRecord } from "./record.js";

const FID = "0f8fad5b-d9cb-469f-a165-70867728950e";
const OTHER_FID = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const UNKNOWN_FID = "16fd2706-8baf-433b-82eb-8c7fada847da";
const SHA = "ab".repeat(32);

/** A chunk frame as it arrives from the channel. */
function chunk(fid: string, offset: number, length = 16): ArrayBuffer {
  return encodeChunk(fid, offset, new Uint8Array(length).fill(offset % 251)).buffer;
}

/** A tab that bob's sessions offered one file to, accepted; returns it and the transfer. */
async function receivingFrom(sessions: string[], size = 32, options: Parameters<typeof tab>[0] = {}) {
  const t = tab(options);
  const channels = sessions.map((s) => t.links.open("bob", s));
  for (const s of sessions) await t.say("bob", s, { t: "offer", files: [{ fid: FID, name: "a.bin", size, type: "" }] });
  await t.receiving.accept(FID);
  return { ...t, channels, l: t.book.get(FID)! };
}

test("after a reload the receiver continues from its checkpoint: the disk opens there with the saved hash state and the sender is asked for that offset", async () => {
  const t = tab();
  const saved: TransferRecord = { fid: FID, peer: "bob", dir: "in", name: "a.bin", size: 64, type: "", ts: Date.now(), status: "active", offset: 32, hashState: new Uint8Array([7, 7, 7]), session: "old-tab" };
  await t.store.put(saved);
  const [rec] = await t.store.all();
  assert.equal(await t.receiving.restore(rec!), true, "its bytes on disk are kept");
  assert.equal(rec!.status, "interrupted");
  t.book.add(rec!);

  const s1 = t.links.open("bob", "s1");
  t.receiving.onFilesOpen("bob", "s1");
  await until(() => s1.sent("resume").length === 1, "the resume goes out");
  assert.deepEqual(s1.sent("resume"), [{ t: "resume", fid: FID, offset: 32 }]);
  const [open] = t.disk.sent("open");
  assert.deepEqual({ offset: open!.offset, state: [...open!.state!], size: open!.size }, { offset: 32, state: [7, 7, 7], size: 64 });
  assert.deepEqual(rec!.resumes, [32], "the offset it continued from is kept");
  assert.equal(rec!.session, "s1");

  t.receiving.onChunk("bob", "s1", chunk(FID, 0));
  t.receiving.onChunk("bob", "s1", chunk(FID, 32));
  t.receiving.onChunk("bob", "s1", chunk(FID, 48));
  assert.deepEqual(t.disk.sent("write").map((w) => w.offset), [32, 48], "bytes before the checkpoint are not written again");
  await until(() => rec!.status === "active", "bytes are moving");

  await t.diskSays({ op: "checkpoint", fid: FID, epoch: open!.epoch, offset: 48, state: new Uint8Array([9]) });
  assert.deepEqual(s1.sent("ack"), [{ t: "ack", fid: FID, offset: 48 }]);
  const stored = t.store.saved.get(FID)!;
  assert.deepEqual({ offset: stored.offset, state: [...stored.hashState!] }, { offset: 48, state: [9] }, "the new checkpoint survives the next reload");

  await t.diskSays({ op: "checkpoint", fid: FID, epoch: open!.epoch - 1, offset: 64, state: new Uint8Array([1]) });
  assert.equal(t.store.saved.get(FID)!.offset, 48, "a reply about an older opening of the file is ignored");
});

test("a chunk for a file this tab does not know, from another peer or session, or out of order is not written", async () => {
  const t = await receivingFrom(["s1"]);
  t.receiving.onChunk("bob", "s1", chunk(UNKNOWN_FID, 0));
  t.receiving.onChunk("carol", "s1", chunk(FID, 0));
  t.receiving.onChunk("bob", "s2", chunk(FID, 0));
  t.receiving.onChunk("bob", "s1", chunk(FID, 16));
  t.receiving.onChunk("bob", "s1", new ArrayBuffer(8));
  assert.deepEqual(t.disk.sent("write"), [], "none of them");
  t.receiving.onChunk("bob", "s1", chunk(FID, 0));
  assert.deepEqual(t.disk.sent("write").map((w) => [w.fid, w.offset]), [[FID, 0]]);

  const before = t.channels[0]!.controls.length;
  for (const frame of [{ t: "end", fid: UNKNOWN_FID, sha256: SHA }, { t: "taken", fid: UNKNOWN_FID }, { t: "unknown", fid: UNKNOWN_FID }] as const) await t.say("bob", "s1", frame);
  assert.equal(t.channels[0]!.controls.length, before, "control frames about a file it does not know are not answered");
  assert.equal(t.l.rec.status, "active");
});

test("an offer that another device of mine took goes from this one, in memory and in the store", async () => {
  const t = tab();
  t.links.open("bob", "s1");
  await t.say("bob", "s1", { t: "offer", files: [{ fid: FID, name: "a.bin", size: 32, type: "" }, { fid: OTHER_FID, name: "b.bin", size: 8, type: "" }] });
  assert.equal(t.book.get(FID)?.rec.status, "offered");
  assert.equal(t.store.saved.has(FID), true);

  await t.say("bob", "s1", { t: "taken", fid: FID });
  assert.equal(t.book.get(FID), undefined);
  assert.equal(t.store.saved.has(FID), false);
  assert.equal(t.book.get(OTHER_FID)?.rec.status, "offered", "the other offer stays");
  assert.equal(t.changes.at(-1), "bob", "the view hears of it");
});

test("a sender session that no longer has the file makes the receiver ask the next; once every device of theirs said so it fails", async () => {
  let devices = 3;
  const t = await receivingFrom(["s1", "s2"], 32, { devicesOf: () => devices });
  const [s1, s2] = t.channels;
  assert.equal(t.l.rec.session, "s2", "bound to the session that offered it last");
  assert.deepEqual(s2!.sent("resume"), [{ t: "resume", fid: FID, offset: 0 }]);

  await t.say("bob", "s2", { t: "unknown", fid: FID });
  assert.equal(t.l.rec.session, "s1", "asks the other session");
  assert.deepEqual(s1!.sent("resume"), [{ t: "resume", fid: FID, offset: 0 }]);

  await t.say("bob", "s1", { t: "unknown", fid: FID });
  assert.equal(t.l.rec.status, "interrupted", "a third device of theirs is not linked yet: it may have it");

  devices = 2;
  await t.receiving.onPresence("bob");
  assert.equal(t.l.rec.status, "failed");
  assert.match(t.l.rec.error!, /no longer has this file/);
  assert.deepEqual(t.disk.sent("delete").map((d) => d.fid), [FID], "what was received of it is deleted");
});

test("the hashes are compared at the end: a match reports ok and keeps the file, a mismatch reports it and deletes the bytes", async () => {
  const t = tab();
  const s1 = t.links.open("bob", "s1");
  await t.say("bob", "s1", { t: "offer", files: [{ fid: FID, name: "a.bin", size: 16, type: "" }, { fid: OTHER_FID, name: "b.bin", size: 16, type: "" }] });
  await t.receiving.accept(FID);
  await t.receiving.accept(OTHER_FID);
  const epoch = (fid: string) => t.disk.sent("open").find((o) => o.fid === fid)!.epoch;
  const spent = { writeMs: 0, hashMs: 0, flushMs: 0 };

  await t.say("bob", "s1", { t: "end", fid: FID, sha256: SHA });
  await t.diskSays({ op: "complete", fid: FID, epoch: epoch(FID), sha256: SHA, spent });
  assert.equal(t.book.get(FID)!.rec.status, "done");
  assert.equal(t.book.get(FID)!.rec.sha256, SHA);

  await t.say("bob", "s1", { t: "end", fid: OTHER_FID, sha256: SHA });
  await t.diskSays({ op: "complete", fid: OTHER_FID, epoch: epoch(OTHER_FID), sha256: "cd".repeat(32), spent });
  assert.equal(t.book.get(OTHER_FID)!.rec.status, "failed");
  assert.deepEqual(s1.sent("result"), [{ t: "result", fid: FID, ok: true }, { t: "result", fid: OTHER_FID, ok: false }]);
  assert.deepEqual(t.disk.sent("delete").map((d) => d.fid), [OTHER_FID]);
});

test("their network changed: the link to the session sending goes quiet and their new session's link opens, in either order, and the transfer resumes there from its checkpoint", async () => {
  for (const order of ["quiet first", "new link first"] as const) {
    const t = await receivingFrom(["s1"], 64);
    t.receiving.onChunk("bob", "s1", chunk(FID, 0));
    await until(() => t.l.rec.status === "active", "bytes are moving");
    const [open] = t.disk.sent("open");
    await t.diskSays({ op: "checkpoint", fid: FID, epoch: open!.epoch, offset: 16, state: new Uint8Array([1]) });

    // The old channel still says open (nothing told it otherwise): only its link's state says the path is gone.
    if (order === "quiet first") t.links.goQuiet("bob", "s1");
    const s2 = t.links.open("bob", "s2");
    t.receiving.onFilesOpen("bob", "s2");
    if (order === "new link first") {
      assert.deepEqual(s2.sent("resume"), [], `${order}: a transfer flowing on a live link is left alone`);
      t.links.goQuiet("bob", "s1");
      t.receiving.onLinkState("bob");
    }
    await until(() => s2.sent("resume").length === 1, `${order}: the new session is asked`);
    assert.deepEqual(s2.sent("resume"), [{ t: "resume", fid: FID, offset: 16 }], `${order}: from the checkpoint`);
    assert.equal(t.l.rec.session, "s2");
    t.receiving.onChunk("bob", "s1", chunk(FID, 16));
    t.receiving.onChunk("bob", "s2", chunk(FID, 16));
    assert.deepEqual(t.disk.sent("write").map((w) => w.offset), [0, 16], `${order}: only the new session's bytes are written`);
  }
});

test("a resume answered \"taken\" (the sender still sees the link of our session before a network change) is asked again in 3 s, and what comes then is written", async () => {
  mock.timers.enable({ apis: ["setTimeout"] });
  try {
    const t = await receivingFrom(["s1"], 64);
    t.receiving.onChunk("bob", "s1", chunk(FID, 0));
    await until(() => t.l.rec.status === "active", "bytes are moving");
    await t.say("bob", "s1", { t: "taken", fid: FID });
    assert.equal(t.l.rec.status, "interrupted", "nothing comes meanwhile");
    t.receiving.onChunk("bob", "s1", chunk(FID, 16));
    assert.deepEqual(t.disk.sent("write").map((w) => w.offset), [0], "a chunk before it is asked again is dropped");

    mock.timers.tick(3_000);
    await until(() => t.channels[0]!.sent("resume").length === 2, "it asks again");
    t.receiving.onChunk("bob", "s1", chunk(FID, 0));
    assert.deepEqual(t.disk.sent("write").map((w) => w.offset), [0, 0], "what the sender sends after the second ask is written");
    await until(() => t.l.rec.status === "active", "the transfer is moving again, not stuck interrupted");
  } finally {
    mock.timers.reset();
  }
});
