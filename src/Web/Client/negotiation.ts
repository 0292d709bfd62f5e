// "Perfect negotiation" for one RTCPeerConnection, shared by peer links (chat and files) and calls: either side may
// offer at any time (a first connection, an ICE restart, a camera turned on); when both offer at once the polite side
// rolls back and takes the other's offer, the impolite side ignores the other's. Candidates travel the same way.

export type SignalKind = "offer" | "answer" | "candidate";

export class Negotiator {
  private makingOffer = false;
  private ignoreOffer = false;
  private settingRemoteAnswer = false;

  /**
   * @param failed called when an offer could not be made.
   * @param beforeAnswer called when an offer was applied, before the answer is made (a side may add what it needs).
   */
  constructor(
    private readonly pc: RTCPeerConnection,
    private readonly polite: boolean,
    private readonly signal: (kind: SignalKind, payload: string) => Promise<void>,
    failed: (err: unknown) => void,
    private readonly beforeAnswer: () => void = () => undefined,
  ) {
    pc.onnegotiationneeded = async () => {
      try {
        this.makingOffer = true;
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
      await this.pc.setLocalDescription();
      await this.signal("answer", JSON.stringify(this.pc.localDescription));
    }
  }
}
