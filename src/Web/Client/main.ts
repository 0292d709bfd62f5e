// Start-up, and the client's table of contents. The one app object is built in a fixed order, each part from the
// ones before it: the page's facts → the local store → the model (who is who) → the hub link → peer links → the
// features (chat, files, calls) → the views. Then it connects. Until the first contact list is in, hub events and the
// user's intents wait in one place, the start gate (gate.ts); nothing else is buffered and no field is set late.
import { Calls } from "./calls/calls.js";
import { installDebugHook } from "./debug.js";
import type { ChatMessage } from "./chat.js";
import { Transfers } from "./files/transfers.js";
import { StartGate } from "./gate.js";
import { Messenger } from "./messenger.js";
import { ClientModel } from "./model.js";
import { PeerDirectory } from "./peers.js";
import { trace } from "./trace.js";
import { SessionLink, hubErrorText, type LinkState } from "./signaling.js";
import { MessageStore } from "./store.js";
import type { IceConfig, IncomingSignal, Presence } from "./types.js";
import { watchActivity } from "./ui/activity.js";
import { CallView, callActions } from "./ui/call.js";
import { ConversationView } from "./ui/conversation.js";
import { byId } from "./ui/dom.js";
import { ReceivedFiles } from "./ui/saving.js";
import { SidebarView } from "./ui/sidebar.js";
import { AddContactForm, showConnection } from "./ui/status.js";
import { TransferList, transferActions } from "./ui/transfers.js";

/** What the server rendered into the page: who is signed in. */
interface PageFacts {
  userId: string;
  userName: string;
}

class App {
  private readonly gate = new StartGate();
  private readonly model: ClientModel;
  private readonly hub: SessionLink;
  private readonly peers: PeerDirectory;
  private readonly messenger: Messenger;
  private readonly transfers: Transfers;
  private readonly calls: Calls;
  private readonly sidebar: SidebarView;
  private readonly conversation: ConversationView;
  private readonly transferList: TransferList;
  private readonly received: ReceivedFiles;
  private readonly callView: CallView;
  /** This session's id as peers address it, and the ICE servers to use: both come with the hub connection. */
  private session = "";
  private ice: IceConfig = { servers: [], transportPolicy: "all" };

  /**
   * ICE servers with TURN credentials signed now (they live minutes, and coturn checks them only when a relay is
   * allocated): fetched for each connection attempt and each ICE restart; the last ones are kept for a link that must
   * start before an answer could come.
   */
  private async freshIce(): Promise<IceConfig> {
    this.ice = await this.hub.getIceConfig();
    return this.ice;
  }

  constructor(page: PageFacts, private readonly store: MessageStore) {
    this.model = new ClientModel(page);

    this.hub = new SessionLink({
      presence: (p) => this.gate.run(() => this.onPresence(p)),
      contactsChanged: () => this.gate.run(() => void this.refresh()),
      signal: (s) => this.gate.run(() => this.onSignal(s)),
      call: (c) => this.gate.run(() => this.calls.onCall(c)),
      callSignal: (s) => this.gate.run(() => this.calls.onSignal(s)),
      link: (state, detail) => this.onHubState(state, detail),
    });

    this.peers = new PeerDirectory(
      { mySession: () => this.session, sendSignal: (to, toSession, kind, payload) => this.hub.sendSignal(to, toSession, kind, payload), probe: () => this.hub.probe() },
      () => this.ice,
      () => this.freshIce(),
      {
        open: (user, session) => void this.messenger.onOpen(user, session).then(() => this.updateCounts()),
        message: (user, session, data) => void this.messenger.onData(user, session, data),
        state: (user) => {
          this.conversation.setLink(user, this.peers.stateOf(user));
          this.transfers.onLinkState(user);
          this.reachOut();
        },
        files: (user, session, data) => this.transfers.onData(user, session, data),
        filesOpen: (user, session) => this.transfers.onFilesOpen(user, session),
        filesDrained: (user) => this.transfers.onDrained(user),
      },
      (user) => this.model.mayLink(user),
    );

    this.messenger = new Messenger(store, this.peers, this.hub, {
      changed: (peer, message) => void this.onConversationChanged(peer, message),
      typing: (peer, on) => this.conversation.setTyping(peer, on),
      summary: () => void this.updateCounts(),
      pendingReported: (peer, count) => this.conversation.setOutbox(peer, count),
    });

    this.transfers = new Transfers(store.transfers, this.peers, this.hub, { changed: (peer) => this.onTransfersChanged(peer) }, (peer) => this.model.devicesOf(peer));
    this.received = new ReceivedFiles(this.transfers);

    this.calls = new Calls(this.hub, {
      me: page.userId,
      session: () => this.session,
      ice: () => this.ice,
      freshIce: () => this.freshIce(),
      remember: (entry) => store.calls.put(entry).then(() => this.showCalls(entry.peer)),
      changed: () => this.callView.render(),
    });

    // Views: they render from the model and the features, and every intent waits at the gate until start-up is done.
    const intent = (run: () => void) => this.gate.run(run);
    const addContact = new AddContactForm(
      (name) => new Promise<string>((resolve) => intent(() => resolve(this.hub.requestContact(name)))),
      hubErrorText,
      () => void this.refresh(),
    );
    const act = (call: () => Promise<void>) => intent(() => void call().then(() => this.refresh(), (e) => addContact.say(hubErrorText(e), true)));
    this.sidebar = new SidebarView(byId("people"), this.model, {
      open: (id) => intent(() => void this.openConversation(id)),
      accept: (id) => act(() => this.hub.accept(id)),
      decline: (id) => act(() => this.hub.decline(id)),
      cancel: (id) => act(() => this.hub.remove(id)),
      remove: (id) => act(() => this.hub.remove(id).then(() => this.peers.dropAll(id))),
      block: (id) => act(() => this.hub.block(id).then(() => this.peers.dropAll(id))),
      unblock: (id) => act(() => this.hub.unblock(id)),
    });
    this.conversation = new ConversationView(byId("main-panel"), this.model, {
      files: (files) => intent(() => {
        const peer = this.conversation.openPeer;
        if (peer) void this.transfers.offer(peer, files);
      }),
      send: (text) => intent(() => {
        const peer = this.conversation.openPeer;
        if (peer) void this.messenger.send(peer, text).then(() => this.updateCounts());
      }),
      typing: () => {
        const peer = this.conversation.openPeer;
        if (peer) this.messenger.typing(peer);
      },
      back: () => {
        this.conversation.close();
        this.sidebar.select(null);
      },
      call: (video) => intent(() => {
        const peer = this.conversation.openPeer;
        if (peer) void this.calls.start(peer, video);
      }),
    });
    this.callView = new CallView(byId("call-layer"), this.calls, (id) => this.model.contact(id)?.displayName ?? "Someone", page.userId, callActions(this.calls));
    this.transferList = new TransferList(() => document.getElementById("transfers"), transferActions(this.transfers, this.received), this.received.pick !== null);
    this.sidebar.render();
  }

  /** Connects, loads what this device holds, learns who our contacts are, then opens the gate. */
  async start(): Promise<void> {
    await this.hub.start();
    [this.session, this.ice] = await Promise.all([this.hub.whoAmI(), this.hub.getIceConfig()]);
    await this.transfers.load();
    this.model.setContacts(await this.hub.getContacts());
    this.gate.open();
    await this.calls.resume();
    await this.updateCounts();
    await this.messenger.flushAll();

    watchActivity(
      (active) => {
        if (this.hub.connected) void this.hub.setActive(active).catch(() => undefined);
      },
      () => {
        const open = this.conversation.openPeer;
        if (open) void this.messenger.markSeen(open);
      },
    );
    // Bars and figures of moving files, a few times a second, while their conversation is open.
    setInterval(() => {
      const peer = this.conversation.openPeer;
      if (peer && this.transfers.list(peer).some((t) => t.status === "active" || t.status === "paused" || t.status === "interrupted")) this.showTransfers(peer);
    }, 250);
    // Keeps "last seen 5 min ago" honest without a server round trip.
    setInterval(() => this.model.touch(), 60_000);
    // A closing tab closes its connections: the other side learns at once (a file transfer shows "connection lost"
    // and waits to resume) instead of after ICE gives up half a minute later.
    window.addEventListener("pagehide", () => this.peers.dropEverything());
    installDebugHook({ peers: this.peers, calls: this.calls, hub: this.hub, freshIce: () => this.freshIce() });
  }

  // ----- hub events (after the gate) -----

  private onPresence(p: Presence): void {
    if (!this.model.applyPresence(p)) return;
    // Gone from the server means gone: links to its sessions are dead even where the browser has not noticed yet
    // (a closed laptop says no goodbye), so offers wait for the contact's return instead of going into the void.
    if (p.state === "offline" || (this.model.isSelf(p.userId) && p.devices <= 1)) this.peers.dropAll(p.userId);
    void this.transfers.onPresence(p.userId);
    this.reachOut();
  }

  private onSignal(s: IncomingSignal): void {
    void this.peers.onSignal(s).catch((err) => console.warn("signal from a peer failed", err));
  }

  /** The hub connection's state; a reconnected hub is a new session id, and links made under the old one start over. */
  private onHubState(state: LinkState, detail?: string): void {
    trace(`signaling: ${state}`);
    showConnection(state, detail);
    if (state !== "connected" || !this.session) return;
    void this.hub.whoAmI().then((id) => {
      if (id === this.session) return;
      trace("signaling: a new session");
      this.session = id;
      this.peers.dropEverything();
      this.reachOut();
      // A call this tab was in waits for it under the old session id: take it up again.
      void this.calls.resume();
    });
  }

  async refresh(): Promise<void> {
    if (!this.hub.connected) return;
    // Whoever left the list (removed us, or was removed) loses their links too.
    for (const gone of this.model.setContacts(await this.hub.getContacts())) this.peers.dropAll(gone);
    this.reachOut();
  }

  /** Connects to the peers the model says we have reason to talk to now. */
  private reachOut(): void {
    const wants = { open: this.conversation.openPeer, transfers: (peer: string) => this.transfers.wantsLink(peer) };
    for (const peer of this.model.linkTargets(wants, (id) => this.peers.openCount(id))) void this.peers.connect(peer).catch(() => undefined);
  }

  // ----- conversations -----

  private async openConversation(userId: string): Promise<void> {
    const contact = this.model.contact(userId);
    if (!contact) return;
    this.sidebar.select(userId);
    this.conversation.show(contact, this.peers.stateOf(userId), await this.store.history(userId));
    this.showTransfers(userId);
    await this.showCalls(userId);
    // Missed calls are seen once their conversation is open: the server stops holding them (and the digest skips them).
    if (this.model.missedCallsFrom(userId) > 0) void this.hub.clearPending(userId, "call").then(() => this.refresh(), () => undefined);
    await this.messenger.markSeen(userId);
    await this.updateCounts();
    await this.messenger.flush(userId);
  }

  private async onConversationChanged(peer: string, message?: ChatMessage): Promise<void> {
    if (this.conversation.openPeer === peer) {
      if (message) this.conversation.upsert(message);
      else this.conversation.setMessages(peer, await this.store.history(peer));
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
    this.model.setCounts(await this.store.summary());
    this.reachOut();
  }

  // ----- calls -----

  private async showCalls(peer: string): Promise<void> {
    if (this.conversation.openPeer === peer) this.conversation.setCalls(peer, await this.store.calls.with(peer));
  }

  // ----- files -----

  private onTransfersChanged(peer: string): void {
    this.showTransfers(peer);
    this.reachOut();
  }

  private showTransfers(peer: string): void {
    if (this.conversation.openPeer !== peer) return;
    this.transferList.render({
      transfers: this.transfers.list(peer),
      them: this.model.isSelf(peer) ? "your other device" : (this.model.contact(peer)?.displayName ?? ""),
      progress: (fid) => this.transfers.progress(fid),
      usage: this.transfers.usage(),
    });
  }
}

const root = document.getElementById("app");
if (root) {
  const page: PageFacts = { userId: root.dataset["userId"]!, userName: root.dataset["userName"] ?? "" };
  void MessageStore.open(page.userId).then((store) => new App(page, store).start());
}
