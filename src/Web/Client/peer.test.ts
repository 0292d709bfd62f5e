import { test } from "node:test";
import assert from "node:assert/strict";
import { isPolite } from "./peer.js";

test("exactly one side of a pair is polite", () => {
  const a = "AbC123", b = "xYz789";
  assert.notEqual(isPolite(a, b), isPolite(b, a));
});
