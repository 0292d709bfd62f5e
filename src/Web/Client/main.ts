// Start-up: wires the one app object together. No other global state.
import { Messenger } from "./messenger.js";
import { PeerDirectory } from "./peers.js";
import { ActivityTracker, PresenceBook } from "./presence.js";
import { SessionLink, hubErrorText, type LinkState } from "./signaling.js";
import { MessageStore } from "./store.js";
import type { ChatMessage } from "./chat.js";
import type { IceConfig, IncomingSignal } from "./types.js";
import { Disk, mayUse } from "./files/disk.js";
import { FILE_STATS, FILE_TUNING, Transfers } from "./files/transfers.js";
import { ConversationView } from "./ui/conversation.js";
import { TransferList } from "./ui/transfers.js";
import { byId } from "./ui/dom.js";
import { Sidebar } from "./ui/sidebar.js";

const LINK_TEXT: Record<LinkState, string> = {
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
  disconnected: "Offline. Reload to reconnect.",
};

class App {
  readonly presence = new PresenceBook();
  readonly link: SessionLink;
  readonly sidebar: Sidebar;
  readonly conversation: ConversationView;
  private readonly activity = new ActivityTracker(Date.now(), document.visibilityState === "visible");
  private readonly userId = byId("app").dataset["userId"]!;
  private mySession = "";
  private ice: IceConfig = { servers: [], transportPolicy: "all" };
  private peers!: PeerDirectory;
  private messenger!: Messenger;
  private transfers!: Transfers;
  private transferList: TransferList | null = null;
  private counts = new Map<string, { outbox: number; unseen: number }>();
  private noteTimer: ReturnType<typeof setTimeout> | undefined;
  private early: IncomingSignal[] = [];

  constructor() {
    this.link = new SessionLink({
      presence: (p) => {
        if (!this.presence.apply(p)) return;
        // Gone from the server means gone: links to its sessions are dead even where the browser has not noticed yet
        // (a closed laptop says no goodbye), so offers wait for the contact's return instead of going into the void.
        if (p.state === "offline" || (p.userId === this.userId && p.devices <= 1)) this.peers?.dropAll(p.userId);
        void this.transfers?.onPresence(p.userId);
        this.sidebar.updatePresence(p.userId);
        if (this.conversation.openPeer === p.userId) this.conversation.setPresence(p);
        this.reachOut();
      },
      contactsChanged: () => void this.refresh(),
      signal: (s) => {
        // Signals can arrive before the contact list and the peer directory are ready: hold them until then.
        if (this.peers) void this.peers.onSignal(s).catch((err) => console.warn("signal from a peer failed", err));
        else this.early.push(s);
      },
      link: (state, detail) => {
        const el = byId("connection");
        el.dataset["state"] = state;
        el.textContent = LINK_TEXT[state];
        if (detail) el.title = detail;
        if (state === "connected" && this.mySession) {
          // A reconnected hub is a new session id: links made under the old one cannot be renegotiated; start over.
          void this.link.whoAmI().then((id) => {
            if (id === this.mySession) return;
            this.mySession = id;
            this.peers?.dropEverything();
            this.reachOut();
          });
        }
      },
    });
    const act = (run: () => Promise<void>) => void run().then(() => this.refresh(), (e) => this.say(hubErrorText(e), true));
    this.sidebar = new Sidebar(this.presence, {
      open: (id) => void this.openConversation(id),
      accept: (id) => act(() => this.link.accept(id)),
      decline: (id) => act(() => this.link.decline(id)),
      cancel: (id) => act(() => this.link.remove(id)),
      remove: (id) => act(() => this.link.remove(id).then(() => this.peers?.dropAll(id))),
      block: (id) => act(() => this.link.block(id).then(() => this.peers?.dropAll(id))),
      unblock: (id) => act(() => this.link.unblock(id)),
    }, { userId: this.userId, userName: byId("app").dataset["userName"] ?? "" });
    this.conversation = new ConversationView({
      files: (files) => {
        const peer = this.conversation.openPeer;
        if (peer && this.transfers) void this.transfers.offer(peer, files);
      },
      send: (text) => {
        const peer = this.conversation.openPeer;
        if (peer) void this.messenger.send(peer, text).then(() => this.updateCounts());
      },
      typing: () => {
        const peer = this.conversation.openPeer;
        if (peer) this.messenger.typing(peer);
      },
      back: () => {
        this.conversation.close();
        this.sidebar.select(null);
      },
    });
  }

  async start(): Promise<void> {
    this.wireAddContact();
    this.wireActivity();
    await this.link.start();
    [this.mySession, this.ice] = await Promise.all([this.link.whoAmI(), this.link.getIceConfig()]);
    const store = await MessageStore.open(this.userId);
    this.sidebar.render(await this.link.getContacts());
    this.peers = new PeerDirectory(
      { mySession: () => this.mySession, sendSignal: (to, toSession, kind, payload) => this.link.sendSignal(to, toSession, kind, payload) },
      () => this.ice,
      {
        open: (user, session) => void this.messenger.onOpen(user, session).then(() => this.updateCounts()),
        message: (user, session, data) => void this.messenger.onData(user, session, data),
        state: (user) => {
          if (this.conversation.openPeer === user) this.conversation.setLink(this.peers.stateOf(user));
          this.transfers?.onLinkState(user);
          this.reachOut();
        },
        files: (user, session, data) => this.transfers?.onData(user, session, data),
        filesOpen: (user, session) => this.transfers?.onFilesOpen(user, session),
        filesDrained: (user) => this.transfers?.onDrained(user),
      },
      (user) => user === this.userId || this.sidebar.contact(user) !== undefined,
    );
    this.messenger = new Messenger(store, this.peers, this.link, {
      changed: (peer, message) => void this.onConversationChanged(peer, message),
      typing: (peer, on) => {
        if (this.conversation.openPeer === peer) this.conversation.setTyping(on);
      },
      summary: () => void this.updateCounts(),
      pendingReported: (peer, count) => {
        if (this.conversation.openPeer === peer) this.conversation.setOutbox(count);
      },
    });
    this.transfers = new Transfers(store.transfers, this.peers, this.link, { changed: (peer) => this.onTransfersChanged(peer) }, (peer) =>
      peer === this.userId ? this.sidebar.otherDevices() : (this.presence.get(peer)?.devices ?? 1),
    );
    await this.transfers.load();
    // Moving bars and figures, in place, a few times a second while a conversation with moving files is open.
    setInterval(() => {
      const peer = this.conversation.openPeer;
      if (peer && this.transferList) this.transferList.tick(this.transfers.list(peer), this.conversation.peerName, (fid) => this.transfers.progress(fid), this.transfers.usage());
    }, 250);
    // For end-to-end tests and benchmarks: cut every link to a peer, as a network drop would; try other file tunings.
    (window as unknown as { cybernetDebug: unknown }).cybernetDebug = { dropLinks: (peer: string) => this.peers.dropAll(peer), tuning: FILE_TUNING, stats: FILE_STATS };
    // A closing tab closes its connections: the other side learns at once (a file transfer shows "connection lost"
    // and waits to resume) instead of after ICE gives up half a minute later.
    window.addEventListener("pagehide", () => this.peers.dropEverything());
    for (const s of this.early.splice(0)) void this.peers.onSignal(s).catch((err) => console.warn("signal from a peer failed", err));
    if (this.openWhenReady) void this.openConversation(this.openWhenReady);
    await this.refresh();
    await this.updateCounts();
    await this.messenger.flushAll();
    // TURN credentials are short-lived: fetch fresh ones well before they run out.
    setInterval(() => void this.link.getIceConfig().then((ice) => (this.ice = ice), () => undefined), 60 * 60_000);
    // Keeps "last seen 5 min ago" honest without a server round trip.
    setInterval(() => this.sidebar.refreshTimes(), 60_000);
  }

  async refresh(): Promise<void> {
    if (!this.link.connected) return;
    const before = new Set(this.sidebar.contactIds());
    this.sidebar.render(await this.link.getContacts());
    // Whoever left the list (removed us, or was removed) loses their links too.
    for (const id of before) if (!this.sidebar.contact(id)) this.peers?.dropAll(id);
    const open = this.conversation.openPeer;
    if (open) this.conversation.setPendingHere(this.sidebar.pendingFrom(open));
    this.reachOut();
  }

  /** Connects to contacts we have reason to talk to now: an open conversation, an outbox, or something they hold for us. */
  private reachOut(): void {
    if (!this.peers) return;
    const targets = this.sidebar.otherDevices() > 0 ? [...this.sidebar.reachable(), this.sidebar.self()] : this.sidebar.reachable();
    for (const c of targets) {
      const wanted =
        this.conversation.openPeer === c.userId ||
        (this.counts.get(c.userId)?.outbox ?? 0) > 0 ||
        this.sidebar.pendingFrom(c.userId) > 0 ||
        this.sidebar.filesFrom(c.userId).count > 0 ||
        (this.transfers?.wantsLink(c.userId) ?? false);
      const devices = c.userId === this.userId ? this.sidebar.otherDevices() : (this.presence.get(c.userId)?.devices ?? 1);
      if (wanted && this.peers.openCount(c.userId) < devices) void this.peers.connect(c.userId).catch(() => undefined);
    }
  }

  /** A conversation asked for before the local store was open: opened as soon as it is. */
  private openWhenReady: string | null = null;

  private async openConversation(userId: string): Promise<void> {
    const contact = this.sidebar.contact(userId);
    if (!contact) return;
    if (!this.messenger) {
      this.openWhenReady = userId;
      return;
    }
    this.sidebar.select(userId);
    const history = await this.messenger.store.history(userId);
    this.conversation.open(contact, this.presence.get(userId), this.peers.stateOf(userId), history, this.sidebar.pendingFrom(userId));
    this.transferList = new TransferList(
      this.conversation.transfersRoot!,
      {
        accept: (fid) => void this.transfers.accept(fid),
        saveTo: (fid) => void this.receiveInto(fid),
        allow: (fid) => void this.allowWriting(fid),
        decline: (fid) => void this.transfers.decline(fid),
        pause: (fid) => void this.transfers.pause(fid),
        resume: (fid) => void this.transfers.resume(fid),
        cancel: (fid) => void this.transfers.cancel(fid),
        remove: (fid) => void this.transfers.remove(fid),
        open: (fid) => void this.openReceived(fid, false),
        save: (fid) => void this.openReceived(fid, true),
      },
      this.saveTarget !== null,
    );
    this.onTransfersChanged(userId);
    await this.messenger.markSeen(userId);
    await this.updateCounts();
    this.reachOut();
    await this.messenger.flush(userId);
  }

  private onTransfersChanged(peer: string): void {
    if (this.conversation.openPeer === peer && this.transferList) {
      this.transferList.render(this.transfers.list(peer), this.conversation.peerName, (fid) => this.transfers.progress(fid), this.transfers.usage());
    }
    this.reachOut();
  }

  /**
   * Where the user picks a file to save into: the browser's save dialog (File System Access API), or null where the
   * browser has none. End-to-end tests put a file of the origin-private file system in its place (headless Chromium
   * cannot answer a native dialog).
   */
  private get saveTarget(): ((suggestedName: string) => Promise<FileSystemFileHandle>) | null {
    const debug = (window as unknown as { cybernetDebug?: { saveTarget?: (name: string) => Promise<FileSystemFileHandle> } }).cybernetDebug?.saveTarget;
    if (debug) return debug;
    const picker = (window as unknown as { showSaveFilePicker?: (o: { suggestedName: string }) => Promise<FileSystemFileHandle> }).showSaveFilePicker;
    return picker ? (name) => picker({ suggestedName: name }) : null;
  }

  /** "Save to…" on an offer: the user picks the file, and the transfer writes straight into it. */
  private async receiveInto(fid: string): Promise<void> {
    const rec = this.transfers.record(fid);
    const pick = this.saveTarget;
    if (!rec || !pick) return;
    try {
      await this.transfers.accept(fid, await pick(rec.name));
    } catch (err) {
      if (!(err instanceof DOMException && err.name === "AbortError")) console.warn("could not open the chosen file", err); // AbortError: the dialog was closed
    }
  }

  /** After a reload the browser asks before we write to a chosen file again; this runs in the click, as it requires. */
  private async allowWriting(fid: string): Promise<void> {
    const target = this.transfers.record(fid)?.target;
    if (target && (await mayUse(target, "readwrite", true))) await this.transfers.allowed(fid);
  }

  /** Opens a received file in a new tab, or saves it: both straight from the disk-backed file, never read into memory. */
  private async openReceived(fid: string, save: boolean): Promise<void> {
    const rec = this.transfers.record(fid);
    if (!rec) return;
    let file: File;
    try {
      if (rec.target && !(await mayUse(rec.target, "read", true))) return; // the user said no
      file = rec.target ? await rec.target.getFile() : await Disk.file(fid);
    } catch (err) {
      console.warn("could not open the received file", err); // not allowed by the user, or moved away
      return;
    }
    const pick = this.saveTarget;
    if (save && pick) {
      // Where the browser lets the user pick a place: disk to disk, streamed.
      try {
        const target = await pick(rec.name);
        await file.stream().pipeTo(await target.createWritable());
        return;
      } catch (err) {
        if (err instanceof DOMException && err.name === "AbortError") return; // the user closed the dialog
        // Otherwise fall back to an ordinary download below.
      }
    }
    const url = URL.createObjectURL(save || !rec.type ? file : new Blob([file], { type: rec.type }));
    if (save) {
      const a = document.createElement("a");
      a.href = url;
      a.download = rec.name;
      a.click();
    } else {
      window.open(url, "_blank", "noopener");
    }
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }

  private async onConversationChanged(peer: string, message?: ChatMessage): Promise<void> {
    if (this.conversation.openPeer === peer) {
      if (!message || !this.conversation.upsert(message)) this.conversation.renderMessages(await this.messenger.store.history(peer));
      if (document.visibilityState === "visible" && (!message || message.dir === "in")) await this.messenger.markSeen(peer);
    }
    // Status changes of our own messages do not move any count.
    if (!message || message.dir === "in" || message.status === "waiting" || message.status === "delivered") this.scheduleCounts();
  }

  private countsTimer: ReturnType<typeof setTimeout> | undefined;

  /** Counts come from a scan of the store: coalesce bursts into one. */
  private scheduleCounts(): void {
    clearTimeout(this.countsTimer);
    this.countsTimer = setTimeout(() => void this.updateCounts(), 50);
  }

  private async updateCounts(): Promise<void> {
    if (!this.messenger) return;
    this.counts = await this.messenger.store.summary();
    this.sidebar.setCounts(this.counts);
    this.reachOut();
  }

  private say(text: string, error = false): void {
    const note = byId("add-contact-result");
    note.textContent = text;
    note.classList.toggle("error", error);
    clearTimeout(this.noteTimer);
    this.noteTimer = setTimeout(() => (note.textContent = ""), 8_000);
  }

  private wireAddContact(): void {
    const form = byId<HTMLFormElement>("add-contact");
    const input = byId<HTMLInputElement>("add-contact-name");
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const name = input.value.trim();
      if (!name) return;
      this.link.requestContact(name).then(
        (msg) => {
          input.value = "";
          this.say(msg);
          return this.refresh();
        },
        (err) => this.say(hubErrorText(err), true),
      );
    });
  }

  private wireActivity(): void {
    const report = (active: boolean | null) => {
      if (active !== null && this.link.connected) void this.link.setActive(active).catch(() => undefined);
    };
    for (const type of ["pointerdown", "keydown", "wheel", "touchstart"] as const) {
      window.addEventListener(type, () => report(this.activity.input(Date.now())), { passive: true });
    }
    document.addEventListener("visibilitychange", () => {
      report(this.activity.visibility(document.visibilityState === "visible", Date.now()));
      const open = this.conversation.openPeer;
      if (open && document.visibilityState === "visible" && this.messenger) void this.messenger.markSeen(open);
    });
    setInterval(() => report(this.activity.tick(Date.now())), 15_000);
  }
}

if (document.getElementById("app")) {
  void new App().start();
}
