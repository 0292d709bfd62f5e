// The page's debug hook (window.cybernetDebug), for end-to-end tests and benchmarks: cut every link to a peer, as a
// network drop would; try other file tunings; what a call receives and sends; a call placed as a tampered client would
// (to anyone, button or not); one bare hub round trip. It reads and pokes; it never decides anything for the app.
import { CALL_TUNING, type Calls } from "./calls/calls.js";
import { FILE_STATS, FILE_TUNING } from "./files/tuning.js";
import type { PeerDirectory } from "./peers.js";
import type { SessionLink } from "./signaling.js";
import { traced } from "./trace.js";
import type { IceConfig } from "./types.js";

export interface DebugParts {
  peers: PeerDirectory;
  calls: Calls;
  hub: SessionLink;
  freshIce(): Promise<IceConfig>;
}

export function installDebugHook({ peers, calls, hub, freshIce }: DebugParts): void {
  (window as unknown as { cybernetDebug: unknown }).cybernetDebug = {
    dropLinks: (peer: string) => peers.dropAll(peer),
    linkPath: (peer: string) => peers.pathOf(peer),
    tuning: FILE_TUNING,
    stats: FILE_STATS,
    callStats: () => calls.link.last,
    iceConfig: () => freshIce(),
    ice: async (peer: string) => ({ links: await peers.iceReport(peer), call: await calls.link.iceReport() }),
    trace: () => traced(),
    callLocal: () => calls.devices.localTracks(),
    ringLinks: () => calls.ringReport(),
    sayAnsweredOnly: () => calls.link.sayAnsweredOnly(),
    previewLive: () => calls.devices.previewLive(),
    callTuning: CALL_TUNING,
    call: (userId: string, video: boolean) => calls.start(userId, video),
    hubRoundTrip: async () => {
      const t0 = performance.now();
      await hub.whoAmI();
      return performance.now() - t0;
    },
  };
}
