// One offer made to every session of a user (a file to all their devices; later, a call that rings every device):
// the first session to accept holds it, and the others are told it was taken. Pure: sessions are ids, the holder is
// whatever the caller keeps (a transfer's record), and "reachable" is the sessions we have a link to right now.

/** The session that holds an offer, or undefined while nobody has answered it yet. */
export type Holder = string | undefined;

/** A session's accept: it holds the offer now (and these other sessions are told "taken"), or another one does. */
export type AcceptAnswer = { holds: true; tellTaken: string[] } | { holds: false };

/** A session's decline: the offer ends (the others are told "taken"), or only that session's copy of it is withdrawn. */
export type DeclineAnswer = { ends: true; tellTaken: string[] } | { ends: false; tellTaken: string[] };

/** Nobody holds it yet: a session that comes online is offered it too. */
export function stillRinging(holder: Holder): boolean {
  return holder === undefined;
}

/**
 * An accept (or a resume) from one session. The first one holds the offer and every other reachable session hears
 * "taken". A holder whose link is gone yields to whoever asks next, quietly (a device that reconnected has a new
 * session, and the others were told already). Another session's accept while the holder is reachable: "taken".
 */
export function accept(holder: Holder, from: string, reachable: readonly string[]): AcceptAnswer {
  if (holder !== undefined && holder !== from && reachable.includes(holder)) return { holds: false };
  return { holds: true, tellTaken: holder === undefined ? reachable.filter((s) => s !== from) : [] };
}

/**
 * A decline from one session. From the holder, or before anyone held it, it ends the offer for every session (the
 * others are told "taken", so their copies go). From any other session it is a stale copy answering late: only that
 * session is told "taken", and the holder goes on.
 */
export function decline(holder: Holder, from: string, reachable: readonly string[]): DeclineAnswer {
  if (holder !== undefined && holder !== from) return { ends: false, tellTaken: [from] };
  return { ends: true, tellTaken: reachable.filter((s) => s !== from) };
}

/** Whether what a session says about the offer counts (pause, progress, cancel...): the holder's word, or anyone's before it is held. */
export function heardFrom(holder: Holder, from: string): boolean {
  return holder === undefined || holder === from;
}

/** Who hears what we say about the offer: the holder alone (nobody while its link is gone), or everyone before it is held. */
export function addressees(holder: Holder, reachable: readonly string[]): string[] {
  if (holder === undefined) return [...reachable];
  return reachable.includes(holder) ? [holder] : [];
}
