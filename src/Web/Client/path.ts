// Which path ICE chose for a connection, from getStats: the candidate types of the selected pair (host, srflx, prflx,
// relay) and, through a relay, how this side reaches it (udp, tcp or tls). Peer links and calls both show it.

export interface PathInfo {
  local: string;
  remote: string;
  /** How this side reaches its TURN relay, when the local candidate is a relay one; else null. */
  relayProtocol: string | null;
}

/**
 * "direct", "relayed" (through a TURN relay: ours over UDP, or the other side's) or "relayed-tcp" (ours, reached over
 * TCP or TLS). A pair from my reflexive address to the other side's relay goes through a relay too.
 */
export type PathKind = "direct" | "relayed" | "relayed-tcp";

export function pathKind(p: PathInfo): PathKind {
  if (p.local === "relay") return p.relayProtocol === "udp" ? "relayed" : "relayed-tcp";
  return p.remote === "relay" ? "relayed" : "direct";
}

/** The candidate-pair stats ICE selected in <paramref name="report"/>, or undefined while none is chosen. */
export function selectedPair(report: RTCStatsReport): { localCandidateId?: string; remoteCandidateId?: string; currentRoundTripTime?: number } | undefined {
  let pairId: string | undefined;
  report.forEach((s: { type: string; selectedCandidatePairId?: string }) => {
    if (s.type === "transport" && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
  });
  return pairId ? report.get(pairId) : undefined;
}

/**
 * Whether a pair with no relay on either side has been answered in <paramref name="report"/>: a direct path works, even
 * if ICE chose a relayed one (the relay's checks came back first on a busy machine, or the direct pair went quiet for a
 * moment) and stays on it.
 */
export function directPairWorks(report: RTCStatsReport): boolean {
  let works = false;
  report.forEach((s: { type: string; state?: string; responsesReceived?: number; localCandidateId?: string; remoteCandidateId?: string }) => {
    if (works || s.type !== "candidate-pair" || s.state !== "succeeded" || !s.responsesReceived) return;
    const local = s.localCandidateId ? (report.get(s.localCandidateId) as { candidateType?: string } | undefined) : undefined;
    const remote = s.remoteCandidateId ? (report.get(s.remoteCandidateId) as { candidateType?: string } | undefined) : undefined;
    works = !!local?.candidateType && !!remote?.candidateType && local.candidateType !== "relay" && remote.candidateType !== "relay";
  });
  return works;
}

/** The selected pair of <paramref name="report"/>, or null while none is chosen. */
export function selectedPath(report: RTCStatsReport): PathInfo | null {
  const pair = selectedPair(report);
  if (!pair?.localCandidateId || !pair.remoteCandidateId) return null;
  const local = report.get(pair.localCandidateId) as { candidateType?: string; relayProtocol?: string } | undefined;
  const remote = report.get(pair.remoteCandidateId) as { candidateType?: string } | undefined;
  if (!local?.candidateType || !remote?.candidateType) return null;
  return { local: local.candidateType, remote: remote.candidateType, relayProtocol: local.candidateType === "relay" ? (local.relayProtocol ?? null) : null };
}

/** Every candidate pair of <paramref name="pc"/> with its state, for a test that failed to see why (never logged). */
export async function candidatePairs(pc: RTCPeerConnection): Promise<string[]> {
  const report = await pc.getStats();
  const selected = (selectedPair(report) as { id?: string } | undefined)?.id;
  const side = (id: string | undefined): string => {
    const c = id ? (report.get(id) as { candidateType?: string; protocol?: string; address?: string; port?: number; relayProtocol?: string } | undefined) : undefined;
    return c ? `${c.candidateType}/${c.protocol}${c.relayProtocol ? `(${c.relayProtocol})` : ""} ${c.address}:${c.port}` : "?";
  };
  const out = [`${pc.connectionState}/${pc.iceConnectionState}/${pc.iceGatheringState}`];
  type Pair = { type: string; id: string; state?: string; nominated?: boolean; localCandidateId?: string; remoteCandidateId?: string; requestsSent?: number; responsesReceived?: number; requestsReceived?: number; bytesSent?: number; bytesReceived?: number; currentRoundTripTime?: number; lastPacketReceivedTimestamp?: number };
  const now = performance.timeOrigin + performance.now();
  report.forEach((s: Pair) => {
    if (s.type !== "candidate-pair") return;
    const rtt = s.currentRoundTripTime !== undefined ? ` rtt ${Math.round(s.currentRoundTripTime * 1000)} ms` : "";
    const heard = s.lastPacketReceivedTimestamp ? ` heard ${Math.round(now - s.lastPacketReceivedTimestamp)} ms ago` : "";
    out.push(
      `${s.id === selected ? "*" : " "} ${side(s.localCandidateId)} -> ${side(s.remoteCandidateId)} ${s.state}${s.nominated ? " nominated" : ""}` +
        ` req ${s.requestsSent ?? 0} resp ${s.responsesReceived ?? 0} got ${s.requestsReceived ?? 0} bytes ${s.bytesSent ?? 0}/${s.bytesReceived ?? 0}${rtt}${heard}`,
    );
  });
  return out;
}
