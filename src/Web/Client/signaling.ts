// The one SignalR connection of this session: presence, contacts and signals.
import { HttpTransportType, HubConnection, HubConnectionBuilder, HubConnectionState, LogLevel } from "@microsoft/signalr";
import { trace } from "./trace.js";
import type { CallClaim, CallInfo, ContactList, IceConfig, IncomingCallSignal, IncomingSignal, Presence, SignalResult } from "./types.js";

/** How long a probe of the signaling connection waits for an answer before it replaces the connection. */
const PROBE_TIMEOUT_MS = 2_500;

export type LinkState = "connecting" | "connected" | "reconnecting" | "disconnected";

export interface SessionEvents {
  presence(p: Presence): void;
  contactsChanged(): void;
  signal(s: IncomingSignal): void;
  call(c: CallInfo): void;
  callSignal(s: IncomingCallSignal): void;
  link(state: LinkState, detail?: string): void;
}

export class SessionLink {
  private readonly hub: HubConnection;

  constructor(private readonly events: SessionEvents, private readonly url = "/hubs/session") {
    // WebSockets only, straight to the socket: one request per connect, and any node behind a balancer will do.
    this.hub = new HubConnectionBuilder()
      .withUrl(url, { transport: HttpTransportType.WebSockets, skipNegotiation: true })
      .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (ctx) => Math.min(1000 * 2 ** ctx.previousRetryCount, 15_000) })
      .configureLogging(LogLevel.Warning)
      .build();
    this.hub.on("Presence", (p: Presence) => events.presence(p));
    this.hub.on("ContactsChanged", () => events.contactsChanged());
    this.hub.on("Signal", (s: IncomingSignal) => events.signal(s));
    this.hub.on("Call", (c: CallInfo) => events.call(c));
    this.hub.on("CallSignal", (s: IncomingCallSignal) => events.callSignal(s));
    this.hub.onreconnecting(() => {
      events.link("reconnecting");
      void this.leaveIfSignedOut();
    });
    this.hub.onreconnected(() => {
      events.link("connected");
      events.contactsChanged();
    });
    this.hub.onclose((err) => events.link("disconnected", err?.message));
  }

  private probing = false;


  /**
   * A connection that answers nothing within 2.5 s is dead: a network change can cut it without a word, and the
   * keep-alive would notice only after 15-30 s. (A live one answers in milliseconds; a dead one usually fails at once,
   * the server's end being gone; the margin is for two busy cores, where replacing a live connection costs every link.) A peer link that lost its path asks this first, so the signaling its
   * ICE restart needs comes back in seconds (a new session: calls rejoin, links start over).
   */
  async probe(): Promise<void> {
    if (this.probing || this.hub.state !== HubConnectionState.Connected) return;
    this.probing = true;
    try {
      const alive = await Promise.race([
        this.hub.invoke<string>("WhoAmI").then(() => true, () => false),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), PROBE_TIMEOUT_MS)),
      ]);
      if (!alive && this.hub.state === HubConnectionState.Connected) {
        trace("signaling: no answer to a probe in 2.5 s, replaced");
        await this.hub.stop().catch(() => undefined);
        await this.start();
      }
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
        if (await this.leaveIfSignedOut()) return;
        this.events.link("reconnecting", err instanceof Error ? err.message : String(err));
        await new Promise((r) => setTimeout(r, Math.min(1000 * 2 ** attempt, 15_000)));
      }
    }
  }

  /**
   * A WebSocket refused for an expired sign-in tells the page nothing but "failed", so after a failed connect or a
   * drop the negotiate endpoint is asked: 401 means signed out, and the tab goes to the sign-in page. Network errors
   * and any other answer mean "try again".
   */
  private async leaveIfSignedOut(): Promise<boolean> {
    const status = await fetch(`${this.url}/negotiate?negotiateVersion=1`, { method: "POST", credentials: "same-origin" })
      .then((r) => r.status, () => 0);
    if (status !== 401) return false;
    trace("signaling: signed out, to the sign-in page");
    window.location.assign(`/Account/SignIn?ReturnUrl=${encodeURIComponent(location.pathname)}`);
    return true;
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

  /** My link to the other side is up, but the server forgot the call (its silo died): it is made again from what I hold. */
  resumeCall(claim: CallClaim): Promise<CallInfo> {
    return this.hub.invoke<CallInfo>("ResumeCall", claim);
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
