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
