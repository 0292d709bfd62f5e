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
}

export interface ContactList {
  contacts: Contact[];
  incoming: Person[];
  outgoing: Person[];
  blocked: Person[];
}

export interface IncomingSignal {
  from: string;
  fromSession: string;
  kind: string;
  payload: string;
}
