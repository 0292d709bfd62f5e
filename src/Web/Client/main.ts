// Start-up: wires the one app object together. No other global state.
import { ActivityTracker, PresenceBook } from "./presence.js";
import { SessionLink, hubErrorText, type LinkState } from "./signaling.js";
import { Sidebar } from "./ui/sidebar.js";
import { byId } from "./ui/dom.js";

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
  private readonly activity = new ActivityTracker(Date.now(), document.visibilityState === "visible");

  constructor() {
    this.link = new SessionLink({
      presence: (p) => {
        if (this.presence.apply(p)) this.sidebar.updatePresence(p.userId);
      },
      contactsChanged: () => void this.refresh(),
      signal: () => {
        // Peer connections arrive with the messaging client.
      },
      link: (state, detail) => {
        const el = byId("connection");
        el.dataset["state"] = state;
        el.textContent = LINK_TEXT[state];
        if (detail) el.title = detail;
      },
    });
    const act = (run: () => Promise<void>) => void run().then(() => this.refresh(), (e) => this.say(hubErrorText(e), true));
    this.sidebar = new Sidebar(this.presence, {
      accept: (id) => act(() => this.link.accept(id)),
      decline: (id) => act(() => this.link.decline(id)),
      cancel: (id) => act(() => this.link.remove(id)),
      remove: (id) => act(() => this.link.remove(id)),
      block: (id) => act(() => this.link.block(id)),
      unblock: (id) => act(() => this.link.unblock(id)),
    });
  }

  async start(): Promise<void> {
    this.wireAddContact();
    this.wireActivity();
    await this.link.start();
    await this.refresh();
    // Keeps "last seen 5 min ago" honest without a server round trip.
    setInterval(() => this.sidebar.refreshTimes(), 60_000);
  }

  async refresh(): Promise<void> {
    if (!this.link.connected) return;
    this.sidebar.render(await this.link.getContacts());
  }

  private say(text: string, error = false): void {
    const note = byId("add-contact-result");
    note.textContent = text;
    note.classList.toggle("error", error);
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
    document.addEventListener("visibilitychange", () =>
      report(this.activity.visibility(document.visibilityState === "visible", Date.now())),
    );
    setInterval(() => report(this.activity.tick(Date.now())), 15_000);
  }
}

if (document.getElementById("app")) {
  void new App().start();
}
