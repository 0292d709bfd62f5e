// A call signal's payload: which link sent it, which it is for (null until that link was heard from), and the SDP or
// ICE. A device may make a new link while its old one's signals are still on the way: each link takes only its own.

interface Envelope {
  from: string;
  to: string | null;
  body: string;
}

/** The payload for a signal from link <paramref name="from"/> to link <paramref name="to"/> (null: not heard from yet). */
export function seal(from: string, to: string | null, body: string): string {
  return JSON.stringify({ from, to, body } satisfies Envelope);
}

/** The envelope of a payload, if it is for link <paramref name="me"/> (whose other side is <paramref name="remote"/>, once heard from). */
export function open(payload: string, me: string, remote: string | null): Envelope | null {
  const envelope = JSON.parse(payload) as Envelope;
  const forMe = envelope.to === me || (envelope.to === null && (remote === null || envelope.from === remote));
  return forMe ? envelope : null;
}
