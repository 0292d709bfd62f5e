import { test } from "node:test";
import assert from "node:assert/strict";
import { accept, addressees, decline, heardFrom, stillRinging } from "./firstAnswer.js";

test("the first session to accept holds the offer and every other reachable session is told it was taken", () => {
  assert.deepEqual(accept(undefined, "laptop", ["phone", "laptop", "tablet"]), { holds: true, tellTaken: ["phone", "tablet"] });
  assert.deepEqual(accept(undefined, "laptop", ["laptop"]), { holds: true, tellTaken: [] }, "alone: nobody to tell");
});

test("an accept from another session while the holder is reachable is refused: taken", () => {
  assert.deepEqual(accept("laptop", "phone", ["laptop", "phone"]), { holds: false });
});

test("the holder asking again (a resume after a drop) keeps it and tells nobody", () => {
  assert.deepEqual(accept("laptop", "laptop", ["laptop", "phone"]), { holds: true, tellTaken: [] });
});

test("a holder whose link is gone yields to the next session that asks, quietly", () => {
  // The laptop reconnected under a new session id, or the phone picks up what the laptop left.
  assert.deepEqual(accept("laptop", "laptop-2", ["laptop-2", "phone"]), { holds: true, tellTaken: [] });
});

test("a decline from the holder, or before anyone held it, ends the offer and the others are told it was taken", () => {
  assert.deepEqual(decline(undefined, "phone", ["phone", "laptop"]), { ends: true, tellTaken: ["laptop"] });
  assert.deepEqual(decline("phone", "phone", ["phone", "laptop"]), { ends: true, tellTaken: ["laptop"] });
});

test("a decline from another session than the holder withdraws only that session's copy", () => {
  assert.deepEqual(decline("laptop", "phone", ["phone", "laptop"]), { ends: false, tellTaken: ["phone"] });
  assert.deepEqual(decline("laptop", "phone", ["phone"]), { ends: false, tellTaken: ["phone"] }, "even while the holder's link is down");
});

test("before anyone holds it every session's word counts and every session hears us; after, only the holder", () => {
  assert.equal(heardFrom(undefined, "phone"), true);
  assert.equal(heardFrom("laptop", "laptop"), true);
  assert.equal(heardFrom("laptop", "phone"), false);
  assert.deepEqual(addressees(undefined, ["phone", "laptop"]), ["phone", "laptop"]);
  assert.deepEqual(addressees("laptop", ["phone", "laptop"]), ["laptop"]);
  assert.deepEqual(addressees("laptop", ["phone"]), [], "the holder's link is gone: nobody, not the others");
});

test("a session that comes online is offered it only while nobody holds it", () => {
  assert.equal(stillRinging(undefined), true);
  assert.equal(stillRinging("laptop"), false);
});
