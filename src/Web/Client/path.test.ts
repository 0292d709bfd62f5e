import { test } from "node:test";
import assert from "node:assert/strict";
import { directPairWorks, pathKind, selectedPath } from "./path.js";

/** A getStats report: a Map has the forEach and get a report has. */
function report(pairs: { local: string; remote: string; state: string; responses: number; selected?: boolean }[]): RTCStatsReport {
  const m = new Map<string, unknown>();
  pairs.forEach((p, i) => {
    m.set(`L${i}`, { type: "local-candidate", id: `L${i}`, candidateType: p.local, relayProtocol: p.local === "relay" ? "udp" : undefined });
    m.set(`R${i}`, { type: "remote-candidate", id: `R${i}`, candidateType: p.remote });
    m.set(`P${i}`, { type: "candidate-pair", id: `P${i}`, state: p.state, responsesReceived: p.responses, localCandidateId: `L${i}`, remoteCandidateId: `R${i}` });
    if (p.selected) m.set("T", { type: "transport", id: "T", selectedCandidatePairId: `P${i}` });
  });
  return m as unknown as RTCStatsReport;
}

test("a relayed call whose host pair was answered has a direct path that works", () => {
  const r = report([
    { local: "host", remote: "relay", state: "succeeded", responses: 18, selected: true },
    { local: "host", remote: "host", state: "succeeded", responses: 3 },
  ]);
  assert.equal(pathKind(selectedPath(r)!), "relayed");
  assert.equal(directPairWorks(r), true);
});

test("pairs through a relay, unanswered or failed direct pairs are no proof of a direct path", () => {
  assert.equal(
    directPairWorks(
      report([
        { local: "relay", remote: "srflx", state: "succeeded", responses: 9, selected: true },
        { local: "srflx", remote: "relay", state: "succeeded", responses: 4 },
        { local: "host", remote: "srflx", state: "failed", responses: 0 },
        { local: "srflx", remote: "prflx", state: "in-progress", responses: 0 },
        { local: "host", remote: "host", state: "succeeded", responses: 0 },
      ]),
    ),
    false,
  );
});
