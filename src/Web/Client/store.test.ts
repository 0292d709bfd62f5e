import "fake-indexeddb/auto";
import { test } from "node:test";
import assert from "node:assert/strict";
import { MessageStore } from "./store.js";
import type { ChatMessage } from "./chat.js";

const msg = (id: string, seq: number, extra: Partial<ChatMessage> = {}): ChatMessage => ({
  id, peer: "bob", dir: "out", text: `text ${id}`, ts: seq, seq, status: "waiting", seen: false, ...extra,
});

test("a message with a known id is stored once", async () => {
  const store = await MessageStore.open(crypto.randomUUID());
  assert.equal(await store.addIfNew(msg("00000000-0000-0000-0000-000000000001", 1, { dir: "in" })), true);
  assert.equal(await store.addIfNew(msg("00000000-0000-0000-0000-000000000001", 2, { dir: "in" })), false);
  assert.equal((await store.history("bob")).length, 1);
  store.close();
});

test("the outbox keeps writing order and empties as acks arrive", async () => {
  const store = await MessageStore.open(crypto.randomUUID());
  await store.addIfNew(msg("00000000-0000-0000-0000-00000000000b", 2));
  await store.addIfNew(msg("00000000-0000-0000-0000-00000000000a", 1));
  await store.addIfNew(msg("00000000-0000-0000-0000-00000000000c", 3));
  assert.deepEqual((await store.outbox("bob")).map((m) => m.seq), [1, 2, 3]);

  await store.setStatus("00000000-0000-0000-0000-00000000000a", "delivered");
  await store.setStatus("00000000-0000-0000-0000-00000000000a", "sent");
  assert.equal((await store.history("bob"))[0]!.status, "delivered", "status never goes back");
  assert.deepEqual((await store.outbox("bob")).map((m) => m.seq), [2, 3]);
  assert.deepEqual(await store.summary(), new Map([["bob", { outbox: 2, unseen: 0 }]]));
  store.close();
});

test("marking a conversation seen returns the ids for read receipts", async () => {
  const store = await MessageStore.open(crypto.randomUUID());
  await store.addIfNew(msg("00000000-0000-0000-0000-000000000001", 1, { dir: "in" }));
  await store.addIfNew(msg("00000000-0000-0000-0000-000000000002", 2, { dir: "in" }));
  assert.equal((await store.summary()).get("bob")?.unseen, 2);
  assert.deepEqual(await store.markSeen("bob"), ["00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000002"]);
  assert.deepEqual(await store.markSeen("bob"), []);
  store.close();
});
