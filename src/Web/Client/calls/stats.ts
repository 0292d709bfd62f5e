// A snapshot of a call's connection from getStats: what arrives (frames, samples, bytes, losses, jitter), the round
// trip, and which path ICE chose.
import { directPairWorks, pathKind, selectedPair, selectedPath, type PathInfo, type PathKind } from "../path.js";

/** A snapshot of what getStats says about the call. */
export interface MediaStats {
  framesDecoded: number;
  /** The size of the video frames arriving, 0 while none. */
  frameWidth: number;
  frameHeight: number;
  totalSamplesReceived: number;
  bytesReceived: number;
  packetsLost: number;
  packetsReceived: number;
  rttMs: number | null;
  /** The audio arriving's interarrival jitter (ms), null until measured. */
  jitterMs: number | null;
  /** ICE restarts this link made (each with fresh ICE servers). */
  iceRestarts: number;
  /** "direct", "relayed" (UDP) or "relayed-tcp" (TURN over TCP or TLS); null until a pair is chosen. */
  path: PathKind | null;
  /** The selected candidate pair's types (host, srflx, prflx, relay), null until one is chosen. */
  pair: PathInfo | null;
  /** A pair with no relay on it was answered: a direct path works (see directPairWorks). */
  directWorks: boolean;
  at: number;
}

/** What getStats says about a call's connection now; <paramref name="restarts"/> is its link's count of ICE restarts. */
export function readStats(report: RTCStatsReport, restarts: number): MediaStats {
  const out: MediaStats = { framesDecoded: 0, frameWidth: 0, frameHeight: 0, totalSamplesReceived: 0, bytesReceived: 0, packetsLost: 0, packetsReceived: 0, rttMs: null, jitterMs: null, path: null, pair: null, directWorks: false, iceRestarts: restarts, at: performance.now() };
  report.forEach((s: Record<string, unknown>) => {
    if (s["type"] === "inbound-rtp") {
      out.framesDecoded += Number(s["framesDecoded"] ?? 0);
      if (s["kind"] === "video" && s["frameWidth"]) {
        out.frameWidth = Number(s["frameWidth"]);
        out.frameHeight = Number(s["frameHeight"] ?? 0);
      }
      out.totalSamplesReceived += Number(s["totalSamplesReceived"] ?? 0);
      out.bytesReceived += Number(s["bytesReceived"] ?? 0);
      out.packetsLost += Number(s["packetsLost"] ?? 0);
      out.packetsReceived += Number(s["packetsReceived"] ?? 0);
      if (s["kind"] === "audio" && typeof s["jitter"] === "number") out.jitterMs = s["jitter"] * 1000;
    }
  });
  const pair = selectedPair(report);
  if (pair?.currentRoundTripTime !== undefined) out.rttMs = pair.currentRoundTripTime * 1000;
  out.pair = selectedPath(report);
  if (out.pair) out.path = pathKind(out.pair);
  out.directWorks = directPairWorks(report);
  return out;
}
