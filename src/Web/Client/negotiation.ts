// "Perfect negotiation" for one RTCPeerConnection, shared by peer links (chat and files) and calls: either side may
// offer at any time (a first connection, an ICE restart, a camera turned on); when both offer at once the polite side
// rolls back and takes the other's offer, the impolite side ignores the other's. Candidates travel the same way.

import type { IceConfig } from "./types.js";

/** The RTCPeerConnection configuration of an ICE config from the server (TURN credentials signed for this user). */
export function rtcConfig(ice: IceConfig): RTCConfiguration {
  return {
    iceServers: ice.servers.map((s) => ({ urls: s.urls, ...(s.username ? { username: s.username } : {}), ...(s.credential ? { credential: s.credential } : {}) })),
    iceTransportPolicy: ice.transportPolicy,
  };
}

export type SignalKind = "offer" | "answer" | "candidate";

export class Negotiator {
  private makingOffer = false;
  private ignoreOffer = false;
  private settingRemoteAnswer = false;
  private prepared = false;

  /**
   * @param failed called when an offer could not be made.
   * @param beforeAnswer called when an offer was applied, before the answer is made (a side may add what it needs).
   * @param freshIce fetches ICE servers with fresh TURN credentials: set before this side's first description, when
   *   ICE gathering has not started, so every connection attempt allocates with credentials minutes old at most.
   */
  constructor(
    private readonly pc: RTCPeerConnection,
    private readonly polite: boolean,
    private readonly signal: (kind: SignalKind, payload: string) => Promise<void>,
    failed: (err: unknown) => void,
    private readonly beforeAnswer: () => void = () => undefined,
    private readonly freshIce?: () => Promise<IceConfig>,
  ) {
    pc.onnegotiationneeded = async () => {
      try {
        this.makingOffer = true;
        await this.prepare();
        await pc.setLocalDescription();
        await signal("offer", JSON.stringify(pc.localDescription));
      } catch (err) {
        failed(err);
      } finally {
        this.makingOffer = false;
      }
    };
    pc.onicecandidate = ({ candidate }) => {
      if (candidate) void signal("candidate", JSON.stringify(candidate)).catch(() => undefined);
    };
  }

  private applying: Promise<void> = Promise.resolve();

  /** Fresh ICE servers before the first description (later ones: an ICE restart fetches its own). */
  private async prepare(): Promise<void> {
    if (this.prepared || !this.freshIce) return;
    this.prepared = true;
    try {
      this.pc.setConfiguration(rtcConfig(await this.freshIce()));
    } catch (err) {
      console.warn("fresh ICE servers unavailable; using the ones at hand", err);
    }
  }

  /**
   * Applies an offer, answer or candidate from the other side, one after another in the order they came: a candidate
   * that arrives while its offer is still being applied waits for it instead of failing for want of a description.
   */
  onSignal(kind: string, payload: string): Promise<void> {
    const next = this.applying.then(() => this.apply(kind, payload));
    this.applying = next.catch(() => undefined);
    return next;
  }

  private async apply(kind: string, payload: string): Promise<void> {
    if (kind === "candidate") {
      try {
        await this.pc.addIceCandidate(JSON.parse(payload) as RTCIceCandidateInit);
      } catch (err) {
        if (!this.ignoreOffer) throw err;
      }
      return;
    }
    if (kind !== "offer" && kind !== "answer") return;
    const description = JSON.parse(payload) as RTCSessionDescriptionInit;
    const readyForOffer = !this.makingOffer && (this.pc.signalingState === "stable" || this.settingRemoteAnswer);
    const collision = description.type === "offer" && !readyForOffer;
    this.ignoreOffer = !this.polite && collision;
    if (this.ignoreOffer) return;
    this.settingRemoteAnswer = description.type === "answer";
    try {
      await this.pc.setRemoteDescription(description);
    } finally {
      this.settingRemoteAnswer = false;
    }
    if (description.type === "offer") {
      this.beforeAnswer();
      await this.prepare();
      await this.pc.setLocalDescription();
      await this.signal("answer", JSON.stringify(this.pc.localDescription));
    }
  }
}
