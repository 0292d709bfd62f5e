import { test } from "node:test";
import assert from "node:assert/strict";
import { isPolite } from "./peer.js";
import { isWellFormed } from "./peers.js";

test("exactly one side of a pair is polite", () => {
  const a = "AbC123", b = "xYz789";
  assert.notEqual(isPolite(a, b), isPolite(b, a));
});

test("only well-formed descriptions and candidates reach a peer connection", () => {
  assert.equal(isWellFormed("offer", JSON.stringify({ type: "offer", sdp: "v=0" })), true);
  assert.equal(isWellFormed("answer", JSON.stringify({ type: "offer", sdp: "v=0" })), false);
  assert.equal(isWellFormed("offer", "{not sdp"), false);
  assert.equal(isWellFormed("candidate", "[]"), false);
  assert.equal(isWellFormed("candidate", JSON.stringify({ candidate: "candidate:1 1 udp 1 127.0.0.1 5000 typ host", sdpMid: "0" })), true);
  assert.equal(isWellFormed("shout", "{}"), false);
});
