import assert from "node:assert/strict";
import { test } from "node:test";
import { QualityMeter, isTroubled } from "./quality.js";

const fine = { rttMs: 40, loss: 0, kbps: 900 };
const bad = { rttMs: 900, loss: 0.2, kbps: 30 };

test("trouble is a long round trip, lost packets, or a starved video", () => {
  assert.equal(isTroubled(fine, true), false);
  assert.equal(isTroubled({ ...fine, rttMs: 401 }, false), true);
  assert.equal(isTroubled({ ...fine, loss: 0.06 }, false), true);
  assert.equal(isTroubled({ ...fine, kbps: 50 }, true), true);
  assert.equal(isTroubled({ ...fine, kbps: 50 }, false), false, "audio needs little");
  assert.equal(isTroubled({ ...fine, rttMs: null }, false), false, "no measure yet is no trouble");
});

test("one bad sample among good ones never warns", () => {
  const meter = new QualityMeter();
  for (const s of [fine, bad, fine, bad, fine, bad, bad, fine]) assert.equal(meter.add(s, true), "good");
});

test("sustained trouble warns, and only sustained recovery clears it", () => {
  const meter = new QualityMeter();
  assert.equal(meter.add(bad, true), "good");
  assert.equal(meter.add(bad, true), "good");
  assert.equal(meter.add(bad, true), "poor");
  assert.equal(meter.add(fine, true), "poor");
  assert.equal(meter.add(bad, true), "poor", "a relapse restarts the count");
  assert.equal(meter.add(fine, true), "poor");
  assert.equal(meter.add(fine, true), "poor");
  assert.equal(meter.add(fine, true), "good");
});
