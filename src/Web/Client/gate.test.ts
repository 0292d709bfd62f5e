import { test } from "node:test";
import assert from "node:assert/strict";
import { StartGate } from "./gate.js";

test("events before start-up wait and then run in arrival order; later ones run at once", () => {
  const gate = new StartGate();
  const ran: string[] = [];
  gate.run(() => ran.push("presence"));
  gate.run(() => {
    ran.push("signal");
    // An event that arrives while the waiting ones drain keeps its place behind them.
    gate.run(() => ran.push("nested"));
  });
  gate.run(() => ran.push("contacts"));
  assert.equal(ran.length, 0);
  assert.equal(gate.isOpen, false);
  gate.open();
  assert.deepEqual(ran, ["presence", "signal", "contacts", "nested"]);
  gate.run(() => ran.push("late"));
  assert.equal(ran.at(-1), "late");
  assert.equal(gate.isOpen, true);
});
