// The one SignalR connection of this session: presence, contacts and signals.
import { HubConnection, HubConnectionBuilder, HubConnectionState, LogLevel } from "@microsoft/signalr";
import { trace } from "./trace.js";
import type { CallInfo, ContactList, IceConfig, IncomingCallSignal, IncomingSignal, Presence, SignalResult } from "./types.js";

/**
 * How long a probe of the signaling connection waits for an answer before it also opens a new connection; the old
 * one keeps its chance to answer while the new one connects, and whichever comes first wins.
 */
const PROBE_TIMEOUT_MS = 1_500;

export type LinkState = "connecting" | "connected" | "reconnecting" | "disconnected";

export interface SessionEvents {
  presence(p: Presence): void;
  contactsChanged(): void;
  signal(s: IncomingSignal): void;
  call(c: CallInfo): void;
  callSignal(s: IncomingCallSignal): void;
  link(state: LinkState, detail?: string): void;
}

/** The part of a SignalR HubConnection this class uses (a unit test gives a fake). */
export type HubLike = Pick<HubConnection, "on" | "onreconnecting" | "onreconnected" | "onclose" | "invoke" | "start" | "stop" | "state">;

/** What became of a probe (for tests and the debug trace). */
export type ProbeOutcome = "skipped" | "answered" | "answered-late" | "replaced";

export class SessionLink {
  private hub: HubLike;
  private readonly connect: () => HubLike;

  constructor(private readonly events: SessionEvents, url = "/hubs/session", connect?: () => HubLike) {
    this.connect =
      connect ??
      (() =>
        new HubConnectionBuilder()
          .withUrl(url)
          .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (ctx) => Math.min(1000 * 2 ** ctx.previousRetryCount, 15_000) })
          .configureLogging(LogLevel.Warning)
          .build());
    this.hub = this.make();
  }

  /** A new connection whose events count only while it is this session's connection. */
  private make(): HubLike {
    const hub = this.connect();
    const mine = <T extends unknown[]>(f: (...args: T) => void) => (...args: T) => {
      if (this.hub === hub) f(...args);
    };
    const events = this.events;
    hub.on("Presence", mine((p: Presence) => events.presence(p)));
    hub.on("ContactsChanged", mine(() => events.contactsChanged()));
    hub.on("Signal", mine((s: IncomingSignal) => events.signal(s)));
    hub.on("Call", mine((c: CallInfo) => events.call(c)));
    hub.on("CallSignal", mine((s: IncomingCallSignal) => events.callSignal(s)));
    hub.onreconnecting(mine(() => events.link("reconnecting")));
    hub.onreconnected(
      mine(() => {
        events.link("connected");
        events.contactsChanged();
      }),
    );
    hub.onclose(mine((err?: Error) => events.link("disconnected", err?.message)));
    return hub;
  }

  private probing = false;

  /**
   * Is the connection alive? A network change can cut it without a word, and the keep-alive would notice only after
   * 15-30 s. A peer link that lost its path asks this first, so the signaling its ICE restart needs comes back in
   * seconds. A live connection answers in milliseconds; one silent for 1.5 s gets a rival: a new connection opens
   * beside it, and whichever answers first stays. So a dead connection is replaced as soon as a new one is up, and a
   * live one on two starved cores (which answers late, but sooner than a whole new connection) is kept: replacing
   * it would make a new session, and every link and call of this tab would have to start over for nothing.
   */
  async probe(): Promise<ProbeOutcome> {
    if (this.probing || this.hub.state !== HubConnectionState.Connected) return "skipped";
    this.probing = true;
    const old = this.hub;
    try {
      const answer = old.invoke<string>("WhoAmI").then(
        () => true,
        () => false,
      );
      const quick = await Promise.race([answer, new Promise<null>((resolve) => setTimeout(() => resolve(null), PROBE_TIMEOUT_MS))]);
      if (quick === true || this.hub !== old) return "answered";
      trace("signaling: no answer to a probe in 1.5 s, a new connection races it");
      const fresh = this.make();
      const up = fresh.start().then(
        () => true,
        () => false,
      );
      const first = await Promise.race([answer.then((ok) => (ok ? "old" : "old-failed")), up.then((ok) => (ok ? "new" : "new-failed"))]);
      const keepOld = first === "old" || (first === "new-failed" && (await answer));
      if (keepOld) {
        await fresh.stop().catch(() => undefined);
        trace("signaling: the probe was answered late, the connection is kept");
        return "answered-late";
      }
      // The old one is dead (or slower than a whole new connection): the new one takes over, as a new session.
      this.hub = fresh;
      trace(`signaling: replaced (${first})`);
      await old.stop().catch(() => undefined);
      if (await up) this.events.link("connected");
      else await this.start();
      return "replaced";
    } finally {
      this.probing = false;
    }
  }

  get connected(): boolean {
    return this.hub.state === HubConnectionState.Connected;
  }

  /** Connects, retrying with backoff; a rejected sign-in (expired cookie) sends the user to the sign-in page. */
  async start(): Promise<void> {
    this.events.link("connecting");
    for (let attempt = 0; ; attempt++) {
      try {
        await this.hub.start();
        this.events.link("connected");
        return;
      } catch (err) {
        if (err instanceof Error && /401|403/.test(err.message)) {
          window.location.assign(`/Account/SignIn?ReturnUrl=${encodeURIComponent(location.pathname)}`);
          return;
        }
        this.events.link("reconnecting", err instanceof Error ? err.message : String(err));
        await new Promise((r) => setTimeout(r, Math.min(1000 * 2 ** attempt, 15_000)));
      }
    }
  }

  /** This session's id, as contacts address it; valid until the connection is replaced. */
  whoAmI(): Promise<string> {
    return this.hub.invoke<string>("WhoAmI");
  }

  getIceConfig(): Promise<IceConfig> {
    return this.hub.invoke<IceConfig>("GetIceServers");
  }

  sendSignal(to: string, toSession: string | null, kind: string, payload: string): Promise<SignalResult> {
    return this.hub.invoke<SignalResult>("SendSignal", { to, toSession, kind, payload });
  }

  setPending(to: string, kind: string, count: number): Promise<SignalResult> {
    return this.hub.invoke<SignalResult>("SetPending", to, kind, count);
  }

  setPendingFiles(to: string, count: number, bytes: number): Promise<SignalResult> {
    return this.hub.invoke<SignalResult>("SetPendingFiles", to, count, bytes);
  }

  clearPending(from: string, kind: string): Promise<void> {
    return this.hub.invoke("ClearPending", from, kind);
  }

  getContacts(): Promise<ContactList> {
    return this.hub.invoke<ContactList>("GetContacts");
  }

  setActive(active: boolean): Promise<void> {
    return this.hub.invoke("SetActive", active);
  }

  requestContact(userName: string): Promise<string> {
    return this.hub.invoke<string>("RequestContact", userName);
  }

  accept(userId: string): Promise<void> {
    return this.hub.invoke("AcceptContact", userId);
  }

  decline(userId: string): Promise<void> {
    return this.hub.invoke("DeclineContact", userId);
  }

  remove(userId: string): Promise<void> {
    return this.hub.invoke("RemoveContact", userId);
  }

  block(userId: string): Promise<void> {
    return this.hub.invoke("BlockUser", userId);
  }

  unblock(userId: string): Promise<void> {
    return this.hub.invoke("UnblockUser", userId);
  }

  // ----- calls (the call's grain decides; a refusal comes back as a readable error) -----

  startCall(to: string, video: boolean): Promise<CallInfo> {
    return this.hub.invoke<CallInfo>("StartCall", to, video);
  }

  answerCall(callId: string): Promise<CallInfo> {
    return this.hub.invoke<CallInfo>("AnswerCall", callId);
  }

  declineCall(callId: string): Promise<CallInfo> {
    return this.hub.invoke<CallInfo>("DeclineCall", callId);
  }

  hangUp(callId: string): Promise<CallInfo> {
    return this.hub.invoke<CallInfo>("HangUp", callId);
  }

  reportCall(callId: string, state: "connected" | "reconnecting" | "failed", reason: string | null = null): Promise<CallInfo> {
    return this.hub.invoke<CallInfo>("ReportCall", callId, state, reason);
  }

  rejoinCall(callId: string): Promise<CallInfo> {
    return this.hub.invoke<CallInfo>("RejoinCall", callId);
  }

  getCall(): Promise<CallInfo | null> {
    return this.hub.invoke<CallInfo | null>("GetCall");
  }

  /** A call signal; while the call rings, the caller's device names the ringing device it is for (<paramref name="toSession"/>). */
  sendCallSignal(callId: string, kind: string, payload: string, toSession?: string): Promise<void> {
    return this.hub.invoke("SendCallSignal", toSession ? { callId, kind, payload, toSession } : { callId, kind, payload });
  }
}

/** The readable part of a hub error ("HubException: ..." is how SignalR wraps it). */
export function hubErrorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const marker = "HubException: ";
  const at = text.indexOf(marker);
  return at >= 0 ? text.slice(at + marker.length) : "Something went wrong. Try again.";
}
