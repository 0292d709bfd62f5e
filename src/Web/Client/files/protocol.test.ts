import { test } from "node:test";
import assert from "node:assert/strict";
import { CHUNK_HEADER_BYTES, type Control, decodeChunkHeader, decodeControl, encodeChunk, encodeControl } from "./protocol.js";

const fid = "0f8fad5b-d9cb-469f-a165-70867728950e";

test("a chunk round-trips: file id, offset past 4 GiB, and the bytes after the header", () => {
  const bytes = new Uint8Array([1, 2, 3, 250]);
  const frame = encodeChunk(fid, 5 * 2 ** 32 + 17, bytes);
  assert.equal(frame.byteLength, CHUNK_HEADER_BYTES + 4);
  const header = decodeChunkHeader(frame.buffer);
  assert.deepEqual(header, { fid, offset: 5 * 2 ** 32 + 17, length: 4 });
  assert.deepEqual([...frame.subarray(CHUNK_HEADER_BYTES)], [1, 2, 3, 250]);
});

test("a chunk encoded into a reused buffer is the same frame, and a shorter one after it carries only its bytes", () => {
  const reused = new Uint8Array(CHUNK_HEADER_BYTES + 8);
  const first = encodeChunk(fid, 1024, new Uint8Array([9, 9, 9, 9, 9, 9, 9, 9]), reused);
  assert.deepEqual([...first], [...encodeChunk(fid, 1024, new Uint8Array([9, 9, 9, 9, 9, 9, 9, 9]))]);
  const second = encodeChunk(fid, 1032, new Uint8Array([7, 7]), reused);
  assert.equal(second.buffer, reused.buffer);
  assert.equal(second.byteLength, CHUNK_HEADER_BYTES + 2);
  assert.deepEqual(decodeChunkHeader(second.slice().buffer), { fid, offset: 1032, length: 2 });
  // Too small a buffer: a new frame, the reused one untouched.
  const big = encodeChunk(fid, 0, new Uint8Array(16), reused);
  assert.notEqual(big.buffer, reused.buffer);
  assert.deepEqual([...reused.subarray(CHUNK_HEADER_BYTES, CHUNK_HEADER_BYTES + 2)], [7, 7]);
});

test("malformed chunks are refused: short, wrong kind, empty, negative or fractional offset", () => {
  assert.equal(decodeChunkHeader(new ArrayBuffer(10)), null);
  const good = encodeChunk(fid, 0, new Uint8Array(8));
  const wrongKind = good.slice();
  wrongKind[0] = 9;
  assert.equal(decodeChunkHeader(wrongKind.buffer), null);
  assert.equal(decodeChunkHeader(encodeChunk(fid, 0, new Uint8Array(0)).buffer), null);
  for (const offset of [-1, 1.5, Number.NaN, 2 ** 53]) {
    const bad = good.slice();
    new DataView(bad.buffer).setFloat64(24, offset, true);
    assert.equal(decodeChunkHeader(bad.buffer), null, `offset ${offset}`);
  }
});

test("control frames round-trip and anything malformed is dropped", () => {
  const offer: Control = { t: "offer", files: [{ fid, name: "a.txt", size: 3, type: "text/plain" }] };
  assert.deepEqual(decodeControl(encodeControl(offer)), offer);
  assert.deepEqual(decodeControl(encodeControl({ t: "resume", fid, offset: 8 })), { t: "resume", fid, offset: 8 });
  assert.deepEqual(decodeControl(encodeControl({ t: "end", fid, sha256: "a".repeat(64) })), { t: "end", fid, sha256: "a".repeat(64) });
  for (const raw of [
    "not json",
    "null",
    JSON.stringify({ t: "resume", fid, offset: -1 }),
    JSON.stringify({ t: "resume", fid: "../../etc", offset: 0 }),
    JSON.stringify({ t: "end", fid, sha256: "xyz" }),
    JSON.stringify({ t: "offer", files: [] }),
    JSON.stringify({ t: "offer", files: [{ fid, name: "x".repeat(2000), size: 1 }] }),
    JSON.stringify({ t: "offer", files: [{ fid, name: "a", size: 2 ** 60 }] }),
    JSON.stringify({ t: "offer", files: Array.from({ length: 1001 }, () => ({ fid, name: "a", size: 1 })) }),
    JSON.stringify({ t: "launch-missiles", fid }),
    "x".repeat(300 * 1024),
  ]) {
    assert.equal(decodeControl(raw), null, raw.slice(0, 80));
  }
});

test("an offer's missing or oversized type becomes empty rather than refusing the file", () => {
  const frame = decodeControl(JSON.stringify({ t: "offer", files: [{ fid, name: "a", size: 1, type: "x".repeat(300) }] }));
  assert.equal(frame?.t === "offer" && frame.files[0]?.type, "");
});
