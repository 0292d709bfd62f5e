// One RTCPeerConnection between this session and one session of a contact, negotiated the
// "perfect negotiation" way: either side may start, and when both do at once the polite side yields.
import { trace } from "./trace.js";
import { Negotiator, rtcConfig } from "./negotiation.js";
import { pathKind, selectedPath, type PathInfo } from "./path.js";
import type { IceConfig } from "./types.js";

const DISCONNECTED_GRACE_MS = 3_000;
const NEGOTIATION_TIMEOUT_MS = 10_000;
/** How often, and how far apart, a link that just connected asks which pair ICE selected. */
const PATH_TRIES = 20;
const PATH_RETRY_MS = 100;
/** How often a link looks whether a transfer's bytes stopped moving. */
const FLOW_WATCH_MS = 1_000;
/** The "files" channel wakes its sender when its queue falls below this (see files/tuning.ts for the numbers). */
export const FILES_LOW_WATER = 4 * 1024 * 1024;

export type LinkState = "connecting" | "direct" | "relayed" | "failed" | "closed";

export interface LinkEvents {
  /** Sends a signal to the other session through the hub. */
  signal(kind: "offer" | "answer" | "candidate", payload: string): Promise<void>;
  message(data: string): void;
  open(): void;
  /** A frame on the "files" channel: a control frame (string) or a chunk (ArrayBuffer). */
  files(data: string | ArrayBuffer): void;
  filesOpen(): void;
  /** The "files" channel's send queue fell below its low-water mark. */
  filesDrained(): void;
  state(state: LinkState, detail?: string): void;
  /** ICE servers with fresh TURN credentials (short-lived): for the first attempt and each ICE restart. */
  freshIce(): Promise<IceConfig>;
  /**
   * A transfer's bytes stopped for a second (our send queue did not move, or chunks that were coming stopped): the
   * path may be gone with a network change, seconds before ICE says "disconnected".
   */
  quiet(): void;
}

/** The side with the smaller session id is polite; both sides compute the same answer without talking. */
export function isPolite(mySession: string, theirSession: string): boolean {
  return mySession < theirSession;
}

export class PeerLink {
  readonly pc: RTCPeerConnection;
  private channel: RTCDataChannel | null = null;
  private filesChannel: RTCDataChannel | null = null;
  private readonly negotiator: Negotiator;
  private restarts = 0;
  private current: LinkState = "connecting";
  private currentDetail: string | undefined;
  private interrupted: ReturnType<typeof setTimeout> | undefined;
  private readonly createdAt = performance.now();
  private readonly flowWatch = setInterval(() => this.watchFlow(), FLOW_WATCH_MS);
  /** Bytes in on the files channel since the last look, in the look before, and the send queue at the last look. */
  private bytesIn = 0;
  private bytesInBefore = 0;
  private bufferedBefore = 0;

  constructor(
    readonly userId: string,
    readonly sessionId: string,
    readonly polite: boolean,
    ice: IceConfig,
    private readonly events: LinkEvents,
  ) {
    this.pc = new RTCPeerConnection(rtcConfig(ice));
    // Only the impolite side offers first: it creates the channel at once, which starts negotiation. The polite
    // side creates its end (negotiated, same id) when the offer arrives, so the first negotiation never collides;
    // Chromium closes a negotiated channel whose first offer is rolled back.
    if (!polite) this.openChannel();
    this.negotiator = new Negotiator(
      this.pc,
      polite,
      events.signal,
      (err) => this.setState("failed", `could not make an offer: ${String(err)}`),
      () => this.openChannel(),
      () => events.freshIce(),
    );
    this.pc.onconnectionstatechange = () => {
      trace(`link: ${this.pc.connectionState}`);
      clearTimeout(this.interrupted);
      switch (this.pc.connectionState) {
        case "connected":
          this.restarts = 0;
          void this.reportPath();
          // ICE may move to a better pair after connecting (a direct one found after a relayed one): say so.
          if (this.pc.sctp) this.pc.sctp.transport.iceTransport.onselectedcandidatepairchange = () => void this.reportPath();
          break;
        case "disconnected":
          // Often a blip that heals by itself; if not, restart ICE rather than wait ~30 s for "failed".
          this.setState("connecting", "connection interrupted");
          this.interrupted = setTimeout(() => {
            if (this.pc.connectionState === "disconnected") this.recover();
          }, DISCONNECTED_GRACE_MS);
          break;
        case "failed":
          this.recover();
          break;
        case "closed":
          this.setState("closed");
          break;
        default:
          break;
      }
    };
  }

  get state(): LinkState {
    return this.current;
  }

  /** Why the link is in its state, when there is more to say (restarting ICE, why it failed). */
  get detail(): string | undefined {
    return this.currentDetail;
  }

  get isOpen(): boolean {
    return this.channel?.readyState === "open";
  }

  /** Dead for good, or still not open long after it started (a negotiation signal was lost): safe to replace. */
  get isStale(): boolean {
    if (this.isOpen) return false;
    return this.current === "failed" || this.current === "closed" || performance.now() - this.createdAt > NEGOTIATION_TIMEOUT_MS;
  }

  /** Applies an offer, answer or candidate from the other session. */
  onSignal(kind: string, payload: string): Promise<void> {
    return this.negotiator.onSignal(kind, payload);
  }

  /** The channel for files, when open: control frames and chunks, with its own flow control. */
  get files(): RTCDataChannel | null {
    return this.filesChannel?.readyState === "open" ? this.filesChannel : null;
  }

  send(data: string): boolean {
    if (!this.channel || !this.isOpen) return false;
    this.channel.send(data);
    return true;
  }

  close(): void {
    clearTimeout(this.interrupted);
    clearInterval(this.flowWatch);
    this.channel?.close();
    this.filesChannel?.close();
    this.pc.close();
    this.setState("closed");
  }

  private openChannel(): void {
    if (this.channel) return;
    const channel = this.pc.createDataChannel("chat", { negotiated: true, id: 0, ordered: true });
    channel.onopen = () => {
      this.restarts = 0;
      void this.reportPath();
      this.events.open();
    };
    channel.onmessage = (e) => {
      if (typeof e.data === "string") this.events.message(e.data);
    };
    // The chat channel is the link's lifeline: once it closes (the other side closed or dropped its end), the whole
    // connection goes. Left alive, it would restart ICE a few seconds later and its offer would land on the new link
    // the other side has made meanwhile, breaking that one too (a transfer resumed after a drop then stopped again).
    channel.onclose = () => this.close();
    this.channel = channel;
    // Files get a channel of their own, so a chat message never waits behind megabytes of chunks.
    const files = this.pc.createDataChannel("files", { negotiated: true, id: 1, ordered: true });
    files.binaryType = "arraybuffer";
    files.bufferedAmountLowThreshold = FILES_LOW_WATER;
    files.onopen = () => this.events.filesOpen();
    files.onmessage = (e) => {
      if (e.data instanceof ArrayBuffer) this.bytesIn += e.data.byteLength;
      if (typeof e.data === "string" || e.data instanceof ArrayBuffer) this.events.files(e.data);
    };
    files.onbufferedamountlow = () => this.events.filesDrained();
    files.onclose = () => this.events.filesDrained(); // wakes a sender, which then sees the channel gone
    this.filesChannel = files;
  }

  private watchFlow(): void {
    const files = this.files;
    if (!files) return;
    const buffered = files.bufferedAmount;
    const sendStalled = buffered > 0 && buffered === this.bufferedBefore;
    const receiveStalled = this.bytesInBefore > 0 && this.bytesIn === 0;
    this.bufferedBefore = buffered;
    this.bytesInBefore = this.bytesIn;
    this.bytesIn = 0;
    if (sendStalled || receiveStalled) this.events.quiet();
  }

  /** ICE failed: try an ICE restart a few times before giving up. */
  private recover(): void {
    if (this.restarts < 3) {
      this.restarts++;
      trace("link: ICE restart");
      this.setState("connecting", "restarting ICE");
      // Fresh TURN credentials for the new allocation: the first ones may have expired by now.
      void this.events
        .freshIce()
        .then((ice) => this.pc.signalingState !== "closed" && this.pc.setConfiguration(rtcConfig(ice)))
        .catch(() => undefined)
        .finally(() => {
          if (this.pc.signalingState !== "closed") this.pc.restartIce();
        });
    } else {
      this.setState("failed", "no network path to this device (ICE failed after restarts)");
    }
  }

  /** The path ICE chose (candidate types of the selected pair), once connected. */
  path: PathInfo | null = null;

  /** Direct or relayed (over TCP, said in the detail): the selected candidate pair. */
  private async reportPath(): Promise<void> {
    // Right after "connected" the stats may not name the selected pair yet (Chromium serves them from a cache for a
    // few tens of milliseconds): ask again shortly rather than call an unknown path direct and never say otherwise.
    for (let tries = 0; tries < PATH_TRIES; tries++) {
      this.path = selectedPath(await this.pc.getStats());
      if (this.path || this.pc.connectionState !== "connected") break;
      await new Promise((r) => setTimeout(r, PATH_RETRY_MS));
    }
    const kind = this.path ? pathKind(this.path) : "direct";
    this.setState(kind === "direct" ? "direct" : "relayed", kind === "relayed-tcp" ? "over TCP" : undefined);
  }

  private setState(state: LinkState, detail?: string): void {
    if (state === this.current && detail === this.currentDetail) return;
    this.current = state;
    this.currentDetail = detail;
    this.events.state(state, detail);
  }
}
