// The contacts sidebar and the requests inbox.
import type { Contact, ContactList, Person } from "../types.js";
import { PresenceBook, describePresence, dotState } from "../presence.js";
import { byId, h, initials } from "./dom.js";

export interface SidebarActions {
  accept(userId: string): void;
  decline(userId: string): void;
  cancel(userId: string): void;
  remove(userId: string): void;
  block(userId: string): void;
  unblock(userId: string): void;
}

export class Sidebar {
  private list: ContactList | null = null;

  constructor(private readonly presence: PresenceBook, private readonly actions: SidebarActions) {}

  render(list: ContactList): void {
    this.list = list;
    for (const c of list.contacts) {
      if (c.presence) this.presence.apply(c.presence);
    }
    this.renderContacts();
    this.renderRequests();
    this.renderBlocked();
  }

  /** Re-draws one contact's presence in place. */
  updatePresence(userId: string): void {
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
      ...(contacts.length
        ? contacts.map((c) => this.contactRow(c))
        : [h("li", { class: "empty" }, "No contacts yet. Add someone by their username above.")]),
    );
  }

  private contactRow(c: Contact): HTMLLIElement {
    const p = this.presence.get(c.userId);
    const state = dotState(p);
    return h(
      "li",
      { class: "person contact", "data-user-id": c.userId, "data-presence": state },
      h("span", { class: "avatar", "aria-hidden": "true" }, initials(c.displayName), h("span", { class: `dot dot-${state}` })),
      h(
        "span",
        { class: "person-text" },
        h("span", { class: "person-name" }, c.displayName),
        h("span", { class: "person-status", "data-role": "status" }, describePresence(p, new Date())),
      ),
      h(
        "span",
        { class: "row-actions" },
        this.menu(c.displayName, [
          ["Remove", () => this.actions.remove(c.userId)],
          ["Block", () => this.actions.block(c.userId)],
        ]),
      ),
    );
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
          this.menu(p.displayName, [["Block", () => this.actions.block(p.userId)]]),
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

  private menu(name: string, items: [string, () => void][]): HTMLElement {
    const details = h(
      "details",
      { class: "menu" },
      h("summary", { class: "menu-button", "aria-label": `More for ${name}`, title: "More" }, "⋯"),
    );
    const list = h("div", { class: "menu-list", role: "menu" });
    for (const [label, run] of items) {
      const item = h("button", { type: "button", role: "menuitem", class: "menu-item" }, label);
      item.addEventListener("click", () => {
        details.open = false;
        run();
      });
      list.append(item);
    }
    details.append(list);
    return details;
  }
}
