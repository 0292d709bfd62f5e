import { test } from "node:test";
import assert from "node:assert/strict";
import { ClientModel } from "./model.js";
import type { Contact, ContactList, Presence } from "./types.js";

const ME = "me-0000";
const presence = (userId: string, state: Presence["state"], devices: number, version = 1): Presence => ({ userId, state, lastSeen: null, devices, version });
const contact = (userId: string, name: string, p: Presence | null = null): Contact => ({ userId, userName: name.toLowerCase(), displayName: name, presence: p, isSelf: false });
const self: Contact = { userId: ME, userName: "me", displayName: "Me Myself", presence: null, isSelf: true };

function list(extra: Partial<ContactList> = {}): ContactList {
  return { self, contacts: [], incoming: [], outgoing: [], blocked: [], pending: [], ...extra };
}

test("no one is a contact until the first list arrives; then contacts and my own account may link, strangers not", () => {
  const model = new ClientModel({ userId: ME, userName: "me" });
  assert.equal(model.ready, false);
  assert.equal(model.mayLink("bob"), false);
  assert.equal(model.mayLink(ME), true);
  model.setContacts(list({ contacts: [contact("bob", "Bob")] }));
  assert.equal(model.ready, true);
  assert.equal(model.mayLink("bob"), true);
  assert.equal(model.mayLink("mallory"), false);
  assert.equal(model.contact(ME)?.isSelf, true);
  assert.equal(model.contact("bob")?.isSelf, false);
});

test("my own account is told by the server's flag, not by a name", () => {
  const model = new ClientModel({ userId: ME, userName: "me" });
  // A contact who calls themselves "My devices" is still a contact.
  model.setContacts(list({ contacts: [contact("eve", "My devices")] }));
  assert.equal(model.isSelf("eve"), false);
  assert.equal(model.self.userId, ME);
  assert.equal(model.self.isSelf, true);
});

test("setting a new list says who left it, so their links can go", () => {
  const model = new ClientModel({ userId: ME, userName: "me" });
  model.setContacts(list({ contacts: [contact("bob", "Bob"), contact("carol", "Carol")] }));
  assert.deepEqual(model.setContacts(list({ contacts: [contact("carol", "Carol")] })), ["bob"]);
  assert.equal(model.mayLink("bob"), false);
});

test("presence from the list and from updates: an older update loses, and every change is announced", () => {
  const model = new ClientModel({ userId: ME, userName: "me" });
  let changes = 0;
  model.onChange(() => changes++);
  model.setContacts(list({ contacts: [contact("bob", "Bob", presence("bob", "online", 2, 5))] }));
  assert.equal(changes, 1);
  assert.equal(model.devicesOf("bob"), 2);
  assert.equal(model.applyPresence(presence("bob", "offline", 0, 4)), false);
  assert.equal(changes, 1);
  assert.equal(model.applyPresence(presence("bob", "offline", 0, 6)), true);
  assert.equal(changes, 2);
  assert.equal(model.isReachable("bob"), false);
});

test("my other devices come from my own presence: this session is not one of them", () => {
  const model = new ClientModel({ userId: ME, userName: "me" });
  model.setContacts(list());
  assert.equal(model.otherDevices(), 0);
  model.applyPresence(presence(ME, "online", 1));
  assert.equal(model.otherDevices(), 0);
  assert.equal(model.isReachable(ME), false);
  model.applyPresence(presence(ME, "online", 3, 2));
  assert.equal(model.otherDevices(), 2);
  assert.equal(model.devicesOf(ME), 2);
  assert.equal(model.isReachable(ME), true);
});

test("what contacts hold for me: messages counted, files with their size, lines only for contacts", () => {
  const model = new ClientModel({ userId: ME, userName: "me" });
  const since = "2026-11-29T10:00:00Z";
  model.setContacts(
    list({
      contacts: [contact("bob", "Bob")],
      pending: [
        { from: "bob", kind: "message", count: 3, since, bytes: 0 },
        { from: "bob", kind: "file", count: 2, since, bytes: 5_000 },
        { from: "gone", kind: "message", count: 1, since, bytes: 0 },
      ],
    }),
  );
  assert.equal(model.pendingFrom("bob"), 3);
  assert.deepEqual(model.filesFrom("bob"), { count: 2, bytes: 5_000 });
  assert.deepEqual(model.filesFrom("carol"), { count: 0, bytes: 0 });
  assert.deepEqual(
    model.pendingLines().map((l) => [l.from.userId, l.kind, l.count]),
    [
      ["bob", "message", 3],
      ["bob", "file", 2],
    ],
  );
});

test("link targets: reachable peers with a reason to talk and fewer links than devices", () => {
  const model = new ClientModel({ userId: ME, userName: "me" });
  model.setContacts(
    list({
      contacts: [contact("bob", "Bob", presence("bob", "online", 2)), contact("carol", "Carol", presence("carol", "online", 1)), contact("dan", "Dan", presence("dan", "offline", 0))],
      pending: [{ from: "carol", kind: "message", count: 1, since: "2026-11-29T10:00:00Z", bytes: 0 }],
    }),
  );
  model.setCounts(new Map([["dan", { outbox: 4, unseen: 0 }]]));
  const none = { open: null, transfers: () => false };
  // Carol holds a message for me; Dan has my outbox but is offline; Bob has no reason yet.
  assert.deepEqual(model.linkTargets(none, () => 0), ["carol"]);
  // The open conversation is a reason; Bob has two devices, so one open link is not enough.
  assert.deepEqual(model.linkTargets({ open: "bob", transfers: () => false }, (id) => (id === "bob" ? 1 : 0)), ["bob", "carol"]);
  assert.deepEqual(model.linkTargets({ open: "bob", transfers: () => false }, () => 2), []);
  // A feature's work is a reason; my own other devices count once I have some.
  model.applyPresence(presence(ME, "online", 2));
  assert.deepEqual(model.linkTargets({ open: null, transfers: (id) => id === ME }, () => 0), ["carol", ME]);
});
