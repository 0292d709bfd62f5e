// A short in-memory record of connection events (signaling probes, link and call states, ICE restarts) with their
// wall-clock times, for a test that failed to say what happened when. States and counts only: no content, no
// addresses, no SDP; it never leaves the tab except through the debug hook.

const LIMIT = 300;
const entries: { at: number; what: string }[] = [];

export function trace(what: string): void {
  entries.push({ at: Date.now(), what });
  if (entries.length > LIMIT) entries.splice(0, entries.length - LIMIT);
}

/** The record, oldest first, each entry's time in ms since the Unix epoch. */
export function traced(): readonly { at: number; what: string }[] {
  return entries;
}
