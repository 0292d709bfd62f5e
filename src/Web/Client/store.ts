// This device's history and outbox, in IndexedDB (one database per account). Content lives only here.
import { openDB, type DBSchema, type IDBPDatabase } from "idb";
import { advance, type ChatMessage, type MessageStatus } from "./chat.js";
import type { CallEntry } from "./calls/history.js";
import type { TransferRecord } from "./files/record.js";

interface Schema extends DBSchema {
  messages: {
    key: string;
    value: ChatMessage;
    indexes: { byPeer: [string, number] };
  };
  /** Files sent and received: names, sizes, where each stands. The bytes of received files live in the OPFS. */
  transfers: {
    key: string;
    value: TransferRecord;
    indexes: { byPeer: [string, number] };
  };
  /** Calls this device took part in or heard of: who, when, how it ended (calls/history.ts). */
  calls: {
    key: string;
    value: CallEntry;
    indexes: { byPeer: [string, number] };
  };
}

export class MessageStore {
  private constructor(private readonly db: IDBPDatabase<Schema>) {}

  /** The same database's call list. */
  get calls(): CallStore {
    return new CallStore(this.db);
  }

  /** The same database's file records. */
  get transfers(): TransferStore {
    return new TransferStore(this.db);
  }

  static async open(userId: string): Promise<MessageStore> {
    const name = `cybernet-${userId}`;
    const db = await openDB<Schema>(name, 3, {
      upgrade(db, oldVersion) {
        if (oldVersion < 1) {
          const messages = db.createObjectStore("messages", { keyPath: "id" });
          messages.createIndex("byPeer", ["peer", "seq"]);
        }
        if (oldVersion < 2) {
          const transfers = db.createObjectStore("transfers", { keyPath: "fid" });
          transfers.createIndex("byPeer", ["peer", "ts"]);
        }
        if (oldVersion < 3) {
          const calls = db.createObjectStore("calls", { keyPath: "callId" });
          calls.createIndex("byPeer", ["peer", "startedAt"]);
        }
      },
    });
    return new MessageStore(db);
  }

  /** Stores a message unless one with its id is there already; returns whether it was new (receiver dedup). */
  async addIfNew(message: ChatMessage): Promise<boolean> {
    const tx = this.db.transaction("messages", "readwrite");
    const exists = await tx.store.getKey(message.id);
    if (exists === undefined) await tx.store.put(message);
    await tx.done;
    return exists === undefined;
  }

  /** Moves a message's status forward; returns the updated message, or null if unknown. */
  async setStatus(id: string, status: MessageStatus): Promise<ChatMessage | null> {
    const tx = this.db.transaction("messages", "readwrite");
    const m = await tx.store.get(id);
    if (m) {
      m.status = advance(m.status, status);
      await tx.store.put(m);
    }
    await tx.done;
    return m ?? null;
  }

  /** Marks every unseen incoming message of a conversation as seen; returns their ids. */
  async markSeen(peer: string): Promise<string[]> {
    const tx = this.db.transaction("messages", "readwrite");
    const ids: string[] = [];
    for await (const cursor of tx.store.index("byPeer").iterate(IDBKeyRange.bound([peer, 0], [peer, Infinity]))) {
      const m = cursor.value;
      if (m.dir === "in" && !m.seen) {
        m.seen = true;
        ids.push(m.id);
        await cursor.update(m);
      }
    }
    await tx.done;
    return ids;
  }

  /** The conversation in order, oldest first. */
  history(peer: string): Promise<ChatMessage[]> {
    return this.db.getAllFromIndex("messages", "byPeer", IDBKeyRange.bound([peer, 0], [peer, Infinity]));
  }

  /** Outgoing messages not yet acknowledged by any of the peer's devices, in the order they were written. */
  async outbox(peer: string): Promise<ChatMessage[]> {
    return (await this.history(peer)).filter((m) => m.dir === "out" && (m.status === "waiting" || m.status === "sent"));
  }

  /** Count of waiting outgoing and unseen incoming messages per peer. */
  async summary(): Promise<Map<string, { outbox: number; unseen: number }>> {
    const result = new Map<string, { outbox: number; unseen: number }>();
    for (const m of await this.db.getAll("messages")) {
      const s = result.get(m.peer) ?? { outbox: 0, unseen: 0 };
      if (m.dir === "out" && (m.status === "waiting" || m.status === "sent")) s.outbox++;
      if (m.dir === "in" && !m.seen) s.unseen++;
      result.set(m.peer, s);
    }
    return result;
  }

  close(): void {
    this.db.close();
  }
}

export class TransferStore {
  constructor(private readonly db: IDBPDatabase<Schema>) {}

  all(): Promise<TransferRecord[]> {
    return this.db.getAll("transfers");
  }

  get(fid: string): Promise<TransferRecord | undefined> {
    return this.db.get("transfers", fid);
  }

  async put(record: TransferRecord): Promise<void> {
    await this.db.put("transfers", record);
  }

  async delete(fid: string): Promise<void> {
    await this.db.delete("transfers", fid);
  }
}

export class CallStore {
  constructor(private readonly db: IDBPDatabase<Schema>) {}

  async put(entry: CallEntry): Promise<void> {
    await this.db.put("calls", entry);
  }

  /** The calls with <paramref name="peer"/>, oldest first. */
  with(peer: string): Promise<CallEntry[]> {
    return this.db.getAllFromIndex("calls", "byPeer", IDBKeyRange.bound([peer, 0], [peer, Number.MAX_SAFE_INTEGER]));
  }
}
