// Shapes the hub sends and receives (see src/Web/Hubs/Dtos.cs).

export type PresenceState = "online" | "away" | "offline";

export interface Presence {
  userId: string;
  state: PresenceState;
  lastSeen: string | null;
  devices: number;
  version: number;
}

export interface Person {
  userId: string;
  userName: string;
  displayName: string;
  since: string;
}

export interface Contact {
  userId: string;
  userName: string;
  displayName: string;
  presence: Presence | null;
  /** My own account: a conversation with it reaches my other signed-in devices. */
  isSelf: boolean;
}

export interface ContactList {
  /** My own account (null only before the server has answered). */
  self: Contact | null;
  contacts: Contact[];
  incoming: Person[];
  outgoing: Person[];
  blocked: Person[];
  pending: Pending[];
}

export interface IncomingSignal {
  from: string;
  fromSession: string;
  kind: string;
  payload: string;
}

export interface Pending {
  from: string;
  kind: "message" | "file" | "call";
  count: number;
  since: string;
  /** Files only: their total size. */
  bytes: number;
}

export interface IceServer {
  urls: string[];
  username: string | null;
  credential: string | null;
}

export interface IceConfig {
  servers: IceServer[];
  transportPolicy: "all" | "relay";
}

export interface SignalResult {
  outcome: "Delivered" | "RecipientOffline";
}

export type CallPhase = "ringing" | "connecting" | "connected" | "reconnecting" | "ended";

export type CallOutcome = "completed" | "declined" | "busy" | "missed" | "cancelled" | "not-available" | "failed" | "merged";

export type CallFailure = "never-connected" | "connection-lost" | "media-refused";

/** A call as the server tells it (CallDto): who, which sessions take part, where it stands, by the server's clock. */
export interface CallInfo {
  callId: string;
  caller: string;
  callee: string;
  video: boolean;
  phase: CallPhase;
  outcome: CallOutcome | null;
  failure: CallFailure | null;
  callerSession: string;
  calleeSession: string | null;
  startedAt: string;
  ringUntil: string;
  connectedAt: string | null;
  endedAt: string | null;
  serverNow: string;
  endedBy: string | null;
  mergedInto: string | null;
  /** The call grain's count of changes: an update older than one applied is dropped (an ending always counts). */
  version: number;
}

/** What a device still linked to the other side says of its call when the server forgot it (see ResumeCall). */
export interface CallClaim {
  callId: string;
  caller: string;
  callee: string;
  video: boolean;
  connectedAt: string | null;
}

export interface IncomingCallSignal {
  callId: string;
  from: string;
  /** The sender's session in the call: signals of a session the call no longer has are not for this link. */
  fromSession: string;
  /** "hello": a ringing device asks the caller's device for a connection ahead of an answer. */
  kind: "hello" | "offer" | "answer" | "candidate";
  payload: string;
}
