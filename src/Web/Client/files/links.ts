// The peer's sessions this tab can reach for files, and how a control frame goes out to them. The browser hands the
// PeerDirectory (peers.ts) and its RTCDataChannels; node tests hand stand-ins with the same few members.
import { addressees } from "../firstAnswer.js";
import { type Control, encodeControl } from "./protocol.js";
import type { TransferRecord } from "./record.js";

/** What the files code uses of a "files" data channel: send a frame, and how many bytes wait in its send queue. */
export interface FilesChannel {
  send(data: string): void;
  send(data: Uint8Array<ArrayBuffer>): void;
  readonly bufferedAmount: number;
}

/** The links to a peer's sessions, as the files code sees them (PeerDirectory in the browser). */
export interface FileLinks {
  /** The open "files" channel to one session of a peer, if any. */
  filesChannel(peer: string, session: string): FilesChannel | null;
  /** The sessions of a peer with an open "files" channel. */
  filesSessions(peer: string): string[];
  /**
   * Whether the link to one session of a peer carries traffic now. A channel stays "open" for a while after its path
   * died (a network change, a tab gone without closing): such a link no longer holds a transfer against a new one.
   */
  isLive(peer: string, session: string): boolean;
  /** Every (peer, session) with an open "files" channel. */
  allFilesSessions(): [string, string][];
  /** Asks the peer's online sessions to link with us. */
  connect(peer: string): Promise<void>;
}

/** The channel of the session a transfer is bound to, while that link is up. */
export function boundChannel(links: FileLinks, rec: TransferRecord): FilesChannel | null {
  return rec.session ? links.filesChannel(rec.peer, rec.session) : null;
}

/** The sessions of a peer whose link carries traffic now: those that may hold a transfer against another's ask. */
export function liveSessions(links: FileLinks, peer: string): string[] {
  return links.filesSessions(peer).filter((s) => links.isLive(peer, s));
}

/** Sends a control frame about a transfer to the bound session, or (not yet bound) to every session of the peer. */
export function tell(links: FileLinks, rec: TransferRecord, frame: Control): void {
  const text = encodeControl(frame);
  for (const s of addressees(rec.session, links.filesSessions(rec.peer))) links.filesChannel(rec.peer, s)?.send(text);
}

/** Sends a control frame to one session of a peer (an answer to what that session said). */
export function tellSession(links: FileLinks, peer: string, session: string, frame: Control): void {
  links.filesChannel(peer, session)?.send(encodeControl(frame));
}
