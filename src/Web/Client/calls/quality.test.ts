import assert from "node:assert/strict";
import { test } from "node:test";
import { QualityMeter, isTroubled } from "./quality.js";

const fine = { rttMs: 40, loss: 0, jitterMs: 5 };
const bad = { rttMs: 900, loss: 0.2, jitterMs: 120 };

test("trouble is a long round trip, lost packets or jitter, never a camera that is off", () => {
  assert.equal(isTroubled(fine), false);
  assert.equal(isTroubled({ ...fine, rttMs: 401 }), true);
  assert.equal(isTroubled({ ...fine, loss: 0.06 }), true);
  assert.equal(isTroubled({ ...fine, jitterMs: 61 }), true);
  assert.equal(isTroubled({ ...fine, rttMs: null, jitterMs: null }), false, "no measure yet is no trouble");
  // The other side's camera off: a few kbit/s of audio arrive on a good link, and that is fine (the sample has no bitrate).
  const meter = new QualityMeter();
  for (let i = 0; i < 10; i++) assert.equal(meter.add(fine), "good");
});

test("one bad sample among good ones never warns", () => {
  const meter = new QualityMeter();
  for (const s of [fine, bad, fine, bad, fine, bad, bad, fine]) assert.equal(meter.add(s), "good");
});

test("sustained trouble warns, and only sustained recovery clears it", () => {
  const meter = new QualityMeter();
  assert.equal(meter.add(bad), "good");
  assert.equal(meter.add(bad), "good");
  assert.equal(meter.add(bad), "poor");
  assert.equal(meter.add(fine), "poor");
  assert.equal(meter.add(bad), "poor", "a relapse restarts the count");
  assert.equal(meter.add(fine), "poor");
  assert.equal(meter.add(fine), "poor");
  assert.equal(meter.add(fine), "good");
});
