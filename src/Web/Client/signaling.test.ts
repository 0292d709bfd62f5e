import { test, mock } from "node:test";
import assert from "node:assert/strict";
import { SessionLink, type HubLike, type LinkState } from "./signaling.js";

/** A connection whose answers and start-up the test decides. */
class FakeHub {
  state = "Disconnected";
  stopped = false;
  readonly handlers = new Map<string, (...args: unknown[]) => void>();
  close: ((err?: Error) => void) | null = null;
  answer: { resolve: (v: string) => void; reject: (e: Error) => void } | null = null;
  started: { resolve: () => void; reject: (e: Error) => void } | null = null;

  on(name: string, f: (...args: unknown[]) => void): void {
    this.handlers.set(name, f);
  }
  onreconnecting(): void {}
  onreconnected(): void {}
  onclose(f: (err?: Error) => void): void {
    this.close = f;
  }
  invoke(): Promise<string> {
    return new Promise((resolve, reject) => (this.answer = { resolve, reject }));
  }
  start(): Promise<void> {
    return new Promise<void>((resolve, reject) => (this.started = { resolve, reject })).then(() => {
      this.state = "Connected";
    });
  }
  stop(): Promise<void> {
    this.stopped = true;
    this.state = "Disconnected";
    this.close?.();
    return Promise.resolve();
  }
}

const flush = () => new Promise((r) => setImmediate(r));

function rig() {
  const hubs: FakeHub[] = [];
  const seen: string[] = [];
  const link = new SessionLink(
    {
      presence: (p) => seen.push(`presence ${p.userId}`),
      contactsChanged: () => seen.push("contacts"),
      signal: () => seen.push("signal"),
      call: () => seen.push("call"),
      callSignal: () => seen.push("call signal"),
      link: (state: LinkState) => seen.push(`link ${state}`),
    },
    "/hubs/session",
    () => {
      const h = new FakeHub();
      hubs.push(h);
      return h as unknown as HubLike;
    },
  );
  return { hubs, seen, link };
}

async function connected() {
  const r = rig();
  const starting = r.link.start();
  r.hubs[0]!.started!.resolve();
  await starting;
  r.seen.length = 0;
  return r;
}

test("a connection that answers the probe at once is kept and no other is opened", async () => {
  const { hubs, seen, link } = await connected();
  const probe = link.probe();
  await flush();
  hubs[0]!.answer!.resolve("me");
  assert.equal(await probe, "answered");
  assert.equal(hubs.length, 1);
  assert.deepEqual(seen, []);
});

/**
 * A connected link whose probe went 1.5 s without an answer (<paramref name="before"/> runs first, at the probe's
 * start), then <paramref name="body"/>, on a test clock.
 */
async function afterSilence(body: (r: Awaited<ReturnType<typeof connected>>, probe: Promise<string>) => Promise<void>, before?: (hubs: FakeHub[]) => void) {
  mock.timers.enable({ apis: ["setTimeout"] });
  try {
    const r = await connected();
    const probe = r.link.probe();
    await flush();
    before?.(r.hubs);
    mock.timers.tick(1_500);
    await flush();
    await body(r, probe);
  } finally {
    mock.timers.reset();
  }
}

test("a live connection that answers late, on starved cores, beats a new one and stays: no new session", () =>
  afterSilence(async ({ hubs, seen }, probe) => {
    assert.equal(hubs.length, 2, "a rival connection opens after 1.5 s without an answer");
    hubs[0]!.answer!.resolve("me");
    assert.equal(await probe, "answered-late");
    assert.equal(hubs[1]!.stopped, true, "the rival is closed");
    assert.equal(hubs[0]!.stopped, false);
    // Events still come from the kept connection, and none from the closed rival.
    hubs[0]!.handlers.get("ContactsChanged")!();
    hubs[1]!.handlers.get("Signal")!({});
    assert.deepEqual(seen, ["contacts"]);
  }));

test("a dead connection is replaced as soon as the new one is up, and the old one's events no longer count", () =>
  afterSilence(async ({ hubs, seen, link }, probe) => {
    hubs[1]!.started!.resolve();
    assert.equal(await probe, "replaced");
    assert.equal(hubs[0]!.stopped, true, "the dead connection is closed");
    assert.deepEqual(seen, ["link connected"], "the app hears of one connected link (and asks who it is now)");
    hubs[0]!.handlers.get("Signal")!({});
    hubs[1]!.handlers.get("ContactsChanged")!();
    assert.deepEqual(seen, ["link connected", "contacts"]);
    assert.equal(link.connected, true);
  }));

test("a probe whose connection failed outright is replaced even if the new one needs retries", () =>
  afterSilence(
    async ({ hubs, seen }, probe) => {
      hubs[1]!.started!.reject(new Error("network down"));
      await flush();
      // The new connection is now this session's; it retries with backoff until it connects.
      assert.ok(seen.includes("link connecting"));
      mock.timers.tick(1_000);
      await flush();
      hubs[1]!.started!.resolve();
      assert.equal(await probe, "replaced");
      assert.equal(seen.at(-1), "link connected");
      assert.equal(hubs.length, 2);
    },
    (hubs) => hubs[0]!.answer!.reject(new Error("connection closed")),
  ));
