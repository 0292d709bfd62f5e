// The contacts sidebar and the requests inbox.
import type { Contact, ContactList, Person } from "../types.js";
import { PresenceBook, describePresence, dotState } from "../presence.js";
import { formatBytes } from "../files/names.js";
import { byId, h, initials } from "./dom.js";

export interface SidebarActions {
  open(userId: string): void;
  accept(userId: string): void;
  decline(userId: string): void;
  cancel(userId: string): void;
  remove(userId: string): void;
  block(userId: string): void;
  unblock(userId: string): void;
}

export class Sidebar {
  private list: ContactList | null = null;
  private counts = new Map<string, { outbox: number; unseen: number }>();
  private selected: string | null = null;
  /** The row whose "⋯" menu is open, kept open across re-renders (presence and counts redraw rows often). */
  private openMenu: string | null = null;

  constructor(
    private readonly presence: PresenceBook,
    private readonly actions: SidebarActions,
    /** This account: its other signed-in devices are a target of their own ("My devices"). */
    private readonly me: { userId: string; userName: string },
  ) {}

  render(list: ContactList): void {
    this.list = list;
    for (const c of list.contacts) {
      if (c.presence) this.presence.apply(c.presence);
    }
    this.renderContacts();
    this.renderRequests();
    this.renderBlocked();
    this.renderPending();
  }

  contactIds(): string[] {
    return (this.list?.contacts ?? []).map((c) => c.userId);
  }

  contact(userId: string): Contact | undefined {
    if (userId === this.me.userId) return this.self();
    return this.list?.contacts.find((c) => c.userId === userId);
  }

  /** "My devices": the account itself, as a conversation target. */
  self(): Contact {
    return { userId: this.me.userId, userName: this.me.userName, displayName: "My devices", presence: this.presence.get(this.me.userId) ?? null };
  }

  /** How many other devices of this account are signed in now (from the account's own presence). */
  otherDevices(): number {
    const p = this.presence.get(this.me.userId);
    return p && p.state !== "offline" ? Math.max(0, p.devices - 1) : 0;
  }

  /** Contacts known online (or away): who we can reach right now. */
  reachable(): Contact[] {
    return (this.list?.contacts ?? []).filter((c) => {
      const p = this.presence.get(c.userId);
      return p !== undefined && p.state !== "offline";
    });
  }

  /** How many messages a contact holds for us, as their grain told ours. */
  pendingFrom(userId: string): number {
    return this.list?.pending.filter((p) => p.from === userId && p.kind === "message").reduce((n, p) => n + p.count, 0) ?? 0;
  }

  /** Files a contact offers us while we were apart: how many and their total size (never names). */
  filesFrom(userId: string): { count: number; bytes: number } {
    const offer = this.list?.pending.find((p) => p.from === userId && p.kind === "file");
    return { count: offer?.count ?? 0, bytes: offer?.bytes ?? 0 };
  }

  setCounts(counts: Map<string, { outbox: number; unseen: number }>): void {
    this.counts = counts;
    this.renderContacts();
  }

  select(userId: string | null): void {
    this.selected = userId;
    this.renderContacts();
  }

  /** Re-draws one contact's presence in place. */
  updatePresence(userId: string): void {
    if (userId === this.me.userId) {
      document.querySelector(`#contacts li.self`)?.replaceWith(this.selfRow());
      return;
    }
    const row = document.querySelector<HTMLElement>(`#contacts li[data-user-id="${CSS.escape(userId)}"]`);
    const contact = this.list?.contacts.find((c) => c.userId === userId);
    if (row && contact) row.replaceWith(this.contactRow(contact));
  }

  refreshTimes(): void {
    this.renderContacts();
  }

  private renderContacts(): void {
    const ul = byId("contacts");
    const contacts = this.list?.contacts ?? [];
    ul.replaceChildren(
      this.selfRow(),
      ...(contacts.length
        ? contacts.map((c) => this.contactRow(c))
        : [h("li", { class: "empty" }, "No contacts yet. Add someone by their username above.")]),
    );
  }

  private selfRow(): HTMLLIElement {
    const others = this.otherDevices();
    const row = h(
      "li",
      { class: `person contact self${this.selected === this.me.userId ? " selected" : ""}`, "data-user-id": this.me.userId, tabindex: "0", role: "button" },
      h("span", { class: "avatar avatar-self", "aria-hidden": "true" }, "⇄"),
      h(
        "span",
        { class: "person-text" },
        h("span", { class: "person-name" }, "My devices"),
        h("span", { class: "person-status", "data-role": "status" }, others === 0 ? "Send files to your phone or laptop" : `${others} other device${others === 1 ? "" : "s"} online`),
      ),
    );
    const open = () => this.actions.open(this.me.userId);
    row.addEventListener("click", open);
    row.addEventListener("keydown", (e) => {
      if (e.key === "Enter") open();
    });
    return row;
  }

  private contactRow(c: Contact): HTMLLIElement {
    const p = this.presence.get(c.userId);
    const state = dotState(p);
    const counts = this.counts.get(c.userId);
    const row = h(
      "li",
      { class: `person contact${this.selected === c.userId ? " selected" : ""}`, "data-user-id": c.userId, "data-presence": state, tabindex: "0", role: "button" },
      h("span", { class: "avatar", "aria-hidden": "true" }, initials(c.displayName), h("span", { class: `dot dot-${state}` })),
      h(
        "span",
        { class: "person-text" },
        h("span", { class: "person-name" }, c.displayName),
        h("span", { class: "person-status", "data-role": "status" }, counts?.outbox ? `${counts.outbox} waiting to send · ${describePresence(p, new Date())}` : describePresence(p, new Date())),
      ),
      h(
        "span",
        { class: "row-actions" },
        counts?.unseen ? h("span", { class: "badge unread", "data-role": "unread", title: `${counts.unseen} unread` }, String(counts.unseen)) : null,
        this.menu(c.userId, c.displayName, [
          ["Remove", () => this.actions.remove(c.userId)],
          ["Block", () => this.actions.block(c.userId)],
        ]),
      ),
    );
    const open = (e: Event) => {
      if (!(e.target as HTMLElement).closest(".menu")) this.actions.open(c.userId);
    };
    row.addEventListener("click", open);
    row.addEventListener("keydown", (e) => {
      if (e.key === "Enter") open(e);
    });
    return row;
  }

  private renderPending(): void {
    const items = (this.list?.pending ?? []).flatMap((p) => {
      const c = this.list?.contacts.find((x) => x.userId === p.from);
      if (!c || p.count === 0) return [];
      const what =
        p.kind === "message" ? `${p.count} message${p.count === 1 ? "" : "s"} waiting`
        : p.kind === "file" ? `${p.count} file${p.count === 1 ? "" : "s"} (${formatBytes(p.bytes)}) for you`
        : `${p.count} missed call${p.count === 1 ? "" : "s"}`;
      return [h("li", { class: "pending-item", "data-user-id": p.from, "data-kind": p.kind }, `${c.displayName} has ${what}`)];
    });
    byId("pending").hidden = items.length === 0;
    byId("pending-list").replaceChildren(...items);
  }

  private renderRequests(): void {
    const incoming = this.list?.incoming ?? [];
    const outgoing = this.list?.outgoing ?? [];
    byId("requests").hidden = incoming.length + outgoing.length === 0;
    byId("requests-count").textContent = incoming.length ? String(incoming.length) : "";
    byId("incoming").replaceChildren(
      ...incoming.map((p) =>
        this.personRow(p, "wants to connect", [
          h("button", { class: "btn btn-small", type: "button", "data-action": "accept" }, "Accept"),
          h("button", { class: "btn btn-small btn-quiet", type: "button", "data-action": "decline" }, "Decline"),
          this.menu(p.userId, p.displayName, [["Block", () => this.actions.block(p.userId)]]),
        ]),
      ),
    );
    byId("outgoing").replaceChildren(
      ...outgoing.map((p) =>
        this.personRow(p, "request sent", [
          h("button", { class: "btn btn-small btn-quiet", type: "button", "data-action": "cancel" }, "Cancel"),
        ]),
      ),
    );
  }

  private renderBlocked(): void {
    const blocked = this.list?.blocked ?? [];
    byId("blocked-section").hidden = blocked.length === 0;
    byId("blocked").replaceChildren(
      ...blocked.map((p) =>
        this.personRow(p, `@${p.userName}`, [
          h("button", { class: "btn btn-small btn-quiet", type: "button", "data-action": "unblock" }, "Unblock"),
        ]),
      ),
    );
  }

  private personRow(p: Person, note: string, buttons: HTMLElement[]): HTMLLIElement {
    const row = h(
      "li",
      { class: "person", "data-user-id": p.userId },
      h("span", { class: "avatar", "aria-hidden": "true" }, initials(p.displayName)),
      h("span", { class: "person-text" }, h("span", { class: "person-name" }, p.displayName), h("span", { class: "person-status" }, note)),
      h("span", { class: "row-actions" }, ...buttons),
    );
    row.addEventListener("click", (e) => {
      const action = (e.target as HTMLElement).closest("button")?.dataset["action"];
      if (action === "accept") this.actions.accept(p.userId);
      if (action === "decline") this.actions.decline(p.userId);
      if (action === "cancel") this.actions.cancel(p.userId);
      if (action === "unblock") this.actions.unblock(p.userId);
    });
    return row;
  }

  private menu(userId: string, name: string, items: [string, () => void][]): HTMLElement {
    const details = h(
      "details",
      { class: "menu", open: this.openMenu === userId },
      h("summary", { class: "menu-button", "aria-label": `More for ${name}`, title: "More" }, "⋯"),
    );
    details.addEventListener("toggle", () => {
      if (details.open) this.openMenu = userId;
      else if (this.openMenu === userId && details.isConnected) this.openMenu = null;
    });
    const list = h("div", { class: "menu-list", role: "menu" });
    for (const [label, run] of items) {
      const item = h("button", { type: "button", role: "menuitem", class: "menu-item" }, label);
      item.addEventListener("click", () => {
        this.openMenu = null;
        details.open = false;
        run();
      });
      list.append(item);
    }
    details.append(list);
    return details;
  }
}
