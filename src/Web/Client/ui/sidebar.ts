// The contacts sidebar: requests, what contacts hold for me, my devices and contacts with presence, blocked users.
// Renders from the model, in place; sends intents back. It never decides who may connect.
import { html, nothing, render, type TemplateResult } from "lit-html";
import { repeat } from "lit-html/directives/repeat.js";
import type { ClientModel, PendingLine } from "../model.js";
import type { Contact, Person } from "../types.js";
import { describePresence, dotState } from "../presence.js";
import { formatBytes } from "../files/names.js";
import { ICON_PHONE, icon, initials, plural, shownName } from "./dom.js";

export interface SidebarActions {
  open(userId: string): void;
  accept(userId: string): void;
  decline(userId: string): void;
  cancel(userId: string): void;
  remove(userId: string): void;
  block(userId: string): void;
  unblock(userId: string): void;
}

export class SidebarView {
  private selected: string | null = null;

  constructor(
    private readonly root: HTMLElement,
    private readonly model: ClientModel,
    private readonly actions: SidebarActions,
  ) {
    // The page's "Connecting…" placeholder gives way to the first render.
    root.replaceChildren();
    model.onChange(() => this.render());
  }

  select(userId: string | null): void {
    this.selected = userId;
    this.render();
  }

  render(): void {
    const m = this.model;
    const now = new Date();
    const requests = m.incoming.length + m.outgoing.length;
    const pending = m.pendingLines();
    render(
      html`
        <section id="requests" class="requests" ?hidden=${requests === 0}>
          <h2 class="sidebar-heading">Requests <span id="requests-count" class="badge">${m.incoming.length || ""}</span></h2>
          <ul id="incoming" class="people">
            ${repeat(m.incoming, (p) => p.userId, (p) => this.incomingRow(p))}
          </ul>
          <ul id="outgoing" class="people">
            ${repeat(m.outgoing, (p) => p.userId, (p) => this.personRow(p, "request sent", html`<button class="btn btn-small btn-quiet" type="button" data-action="cancel" @click=${() => this.actions.cancel(p.userId)}>Cancel</button>`))}
          </ul>
        </section>
        <section id="pending" class="pending" ?hidden=${pending.length === 0}>
          <h2 class="sidebar-heading">Waiting for you</h2>
          <ul id="pending-list" class="pending-list">
            ${pending.map((p) => html`<li class="pending-item" data-user-id=${p.from.userId} data-kind=${p.kind}>${p.from.displayName} has ${pendingWords(p)}</li>`)}
          </ul>
        </section>
        <h2 class="sidebar-heading">Contacts</h2>
        <ul id="contacts" class="people contacts" aria-live="polite">
          ${this.selfRow()}
          ${!m.ready ? html`<li class="empty">Connecting…</li>` : m.contacts.length === 0 ? html`<li class="empty">No contacts yet. Add someone by their username above.</li>` : nothing}
          ${repeat(m.contacts, (c) => c.userId, (c) => this.contactRow(c, now))}
        </ul>
        <details id="blocked-section" class="blocked" ?hidden=${m.blocked.length === 0}>
          <summary>Blocked</summary>
          <ul id="blocked" class="people">
            ${repeat(m.blocked, (p) => p.userId, (p) => this.personRow(p, `@${p.userName}`, html`<button class="btn btn-small btn-quiet" type="button" data-action="unblock" @click=${() => this.actions.unblock(p.userId)}>Unblock</button>`))}
          </ul>
        </details>
      `,
      this.root,
    );
  }

  private selfRow(): TemplateResult {
    const self = this.model.self;
    const others = this.model.otherDevices();
    const open = () => this.actions.open(self.userId);
    return html`
      <li class="person contact self ${this.selected === self.userId ? "selected" : ""}" data-user-id=${self.userId} tabindex="0" role="button"
        @click=${open} @keydown=${(e: KeyboardEvent) => e.key === "Enter" && open()}>
        <span class="avatar avatar-self" aria-hidden="true">⇄</span>
        <span class="person-text">
          <span class="person-name">${shownName(self)}</span>
          <span class="person-status" data-role="status">${others === 0 ? "Send files to your phone or laptop" : `${plural(others, "other device")} online`}</span>
        </span>
      </li>
    `;
  }

  private contactRow(c: Contact, now: Date): TemplateResult {
    const p = this.model.presence.get(c.userId);
    const state = dotState(p);
    const counts = this.model.countsOf(c.userId);
    const missed = c.isSelf ? 0 : this.model.missedCallsFrom(c.userId);
    const presence = describePresence(p, now);
    const open = (e: Event) => {
      if (!(e.target as HTMLElement).closest(".menu")) this.actions.open(c.userId);
    };
    return html`
      <li class="person contact ${this.selected === c.userId ? "selected" : ""}" data-user-id=${c.userId} data-presence=${state} tabindex="0" role="button"
        @click=${open} @keydown=${(e: KeyboardEvent) => e.key === "Enter" && open(e)}>
        <span class="avatar" aria-hidden="true">${initials(c.displayName)}<span class="dot dot-${state}"></span></span>
        <span class="person-text">
          <span class="person-name">${c.displayName}</span>
          <span class="person-status" data-role="status">${counts.outbox ? `${counts.outbox} waiting to send · ${presence}` : presence}</span>
        </span>
        <span class="row-actions">
          ${counts.unseen ? html`<span class="badge unread" data-role="unread" title="${counts.unseen} unread">${counts.unseen}</span>` : nothing}
          ${missed ? html`<span class="badge missed" data-role="missed-calls" title=${plural(missed, "missed call")}>${icon(ICON_PHONE, 12)} ${missed}</span>` : nothing}
          ${menu(c.displayName, [
            ["Remove", () => this.actions.remove(c.userId)],
            ["Block", () => this.actions.block(c.userId)],
          ])}
        </span>
      </li>
    `;
  }

  private incomingRow(p: Person): TemplateResult {
    return this.personRow(
      p,
      "wants to connect",
      html`
        <button class="btn btn-small" type="button" data-action="accept" @click=${() => this.actions.accept(p.userId)}>Accept</button>
        <button class="btn btn-small btn-quiet" type="button" data-action="decline" @click=${() => this.actions.decline(p.userId)}>Decline</button>
        ${menu(p.displayName, [["Block", () => this.actions.block(p.userId)]])}
      `,
    );
  }

  private personRow(p: Person, note: string, buttons: TemplateResult): TemplateResult {
    return html`
      <li class="person" data-user-id=${p.userId}>
        <span class="avatar" aria-hidden="true">${initials(p.displayName)}</span>
        <span class="person-text"><span class="person-name">${p.displayName}</span><span class="person-status">${note}</span></span>
        <span class="row-actions">${buttons}</span>
      </li>
    `;
  }
}

/** A "⋯" menu. Its open state is the element's own: a redraw of the row keeps the same element, so it stays open. */
function menu(name: string, items: [label: string, run: () => void][]): TemplateResult {
  return html`
    <details class="menu">
      <summary class="menu-button" aria-label="More for ${name}" title="More">⋯</summary>
      <div class="menu-list" role="menu">
        ${items.map(
          ([label, run]) => html`<button type="button" role="menuitem" class="menu-item"
            @click=${(e: Event) => {
              (e.currentTarget as HTMLElement).closest("details")!.open = false;
              run();
            }}>${label}</button>`,
        )}
      </div>
    </details>
  `;
}

function pendingWords(p: PendingLine): string {
  switch (p.kind) {
    case "message":
      return `${plural(p.count, "message")} waiting`;
    case "file":
      return `${plural(p.count, "file")} (${formatBytes(p.bytes)}) for you`;
    case "call":
      return plural(p.count, "missed call");
  }
}
