import { test } from "node:test";
import assert from "node:assert/strict";
import { ActivityTracker, PresenceBook, describePresence, dotState, lastSeen } from "./presence.js";
import type { Presence } from "./types.js";

const p = (state: Presence["state"], version: number, extra: Partial<Presence> = {}): Presence => ({
  userId: "u1", state, lastSeen: null, devices: state === "offline" ? 0 : 1, version, ...extra,
});

test("an older presence update does not overwrite a newer one", () => {
  const book = new PresenceBook();
  assert.equal(book.apply(p("online", 5)), true);
  assert.equal(book.apply(p("offline", 4)), false);
  assert.equal(book.get("u1")?.state, "online");
  assert.equal(book.apply(p("away", 6)), true);
  assert.equal(book.get("u1")?.state, "away");
});

test("presence not yet known shows as unknown, not offline", () => {
  assert.equal(dotState(undefined), "unknown");
  assert.equal(describePresence(undefined, new Date()), "Checking…");
  assert.equal(dotState(p("offline", 1)), "offline");
});

test("last seen is worded at minute granularity", () => {
  const now = new Date("2026-11-25T12:00:00Z");
  assert.equal(lastSeen(new Date("2026-11-25T11:59:30Z"), now), "just now");
  assert.equal(lastSeen(new Date("2026-11-25T11:55:00Z"), now), "5 min ago");
  assert.equal(lastSeen(new Date("2026-11-25T09:00:00Z"), now), "3 h ago");
  assert.equal(lastSeen(new Date("2026-11-24T10:00:00Z"), now), "yesterday");
  assert.equal(describePresence(p("offline", 1, { lastSeen: "2026-11-25T11:55:00Z" }), now), "Last seen 5 min ago");
  assert.equal(describePresence(p("online", 1, { devices: 2 }), now), "Online on 2 devices");
});

test("a tab goes away after five idle minutes or when hidden, and back on input", () => {
  const t = new ActivityTracker(0, true);
  assert.equal(t.tick(4 * 60_000), null);
  assert.equal(t.tick(5 * 60_000), false);
  assert.equal(t.input(5 * 60_000 + 1), true);
  assert.equal(t.visibility(false, 5 * 60_000 + 2), false);
  assert.equal(t.input(5 * 60_000 + 3), null, "input while hidden does not make it active");
  assert.equal(t.visibility(true, 5 * 60_000 + 4), true);
});
