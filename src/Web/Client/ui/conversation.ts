// The main panel: one conversation with a contact (or with my own other devices). One template, updated in place;
// the files panel inside it is rendered by its own view (ui/transfers.ts).
import { html, nothing, render, type TemplateResult } from "lit-html";
import { repeat } from "lit-html/directives/repeat.js";
import { describeEntry, type CallEntry } from "../calls/history.js";
import type { ChatMessage } from "../chat.js";
import { composeText, MAX_TEXT_LENGTH } from "../chat.js";
import type { ClientModel } from "../model.js";
import type { Contact } from "../types.js";
import { describePresence, dotState } from "../presence.js";
import { ICON_FOLDER, ICON_PAPERCLIP, ICON_PHONE, ICON_VIDEO, icon, initials, plural, shownName } from "./dom.js";
import { droppedFiles, hasFiles, type PickedFile } from "./dropped.js";
import { messageItem, rows } from "./messages.js";

export type { PickedFile } from "./dropped.js";

export interface ConversationActions {
  send(text: string): void;
  /** Files picked, dropped or pasted: offer them to this conversation's peer. */
  files(files: PickedFile[]): void;
  typing(): void;
  back(): void;
  /** Calls this conversation's contact. */
  call(video: boolean): void;
}

export type LinkView = { state: string; detail?: string };

const LINK_LABEL: Record<string, string> = {
  none: "Not connected",
  connecting: "Connecting…",
  direct: "Direct connection",
  relayed: "Relayed connection",
  failed: "Connection failed",
  closed: "Disconnected",
};

/** What the open conversation shows beyond the model: its messages and what the features report. */
interface Open {
  contact: Contact;
  link: LinkView;
  messages: ChatMessage[];
  typing: boolean;
  /** How many of my messages wait here for the peer, as their grain has been told. */
  outbox: number;
  /** Calls with this contact, as this device remembers them. */
  calls: CallEntry[];
}

export class ConversationView {
  private open: Open | null = null;
  private dragDepth = 0;

  constructor(
    private readonly root: HTMLElement,
    private readonly model: ClientModel,
    private readonly actions: ConversationActions,
  ) {
    model.onChange(() => {
      if (this.open) this.render();
    });
  }

  get openPeer(): string | null {
    return this.open?.contact.userId ?? null;
  }

  /** Opens a conversation, or refreshes the one on screen with its stored history. */
  show(contact: Contact, link: LinkView, messages: ChatMessage[]): void {
    const switched = this.open?.contact.userId !== contact.userId;
    this.open = {
      contact, link, messages,
      typing: switched ? false : (this.open?.typing ?? false),
      outbox: switched ? 0 : (this.open?.outbox ?? 0),
      calls: switched ? [] : (this.open?.calls ?? []),
    };
    document.getElementById("welcome")?.remove();
    if (switched) {
      const input = this.input();
      if (input) input.value = "";
    }
    this.render(true);
    document.querySelector(".app-shell")?.classList.add("in-conversation");
    if (switched) this.input()?.focus();
  }

  close(): void {
    this.open = null;
    document.querySelector(".app-shell")?.classList.remove("in-conversation");
  }

  /** Adds one message of the open conversation, or updates it in place. */
  upsert(m: ChatMessage): void {
    if (!this.open || this.open.contact.userId !== m.peer) return;
    const messages = this.open.messages;
    const at = messages.findIndex((x) => x.id === m.id);
    if (at >= 0) messages[at] = m;
    else messages.push(m);
    this.render(at < 0 && m.dir === "out");
  }

  setMessages(peer: string, messages: ChatMessage[]): void {
    if (this.open?.contact.userId !== peer) return;
    this.open.messages = messages;
    this.render(messages.at(-1)?.dir === "out");
  }

  setLink(peer: string, link: LinkView): void {
    if (this.open?.contact.userId !== peer) return;
    this.open.link = link;
    this.render();
  }

  setTyping(peer: string, on: boolean): void {
    if (this.open?.contact.userId !== peer) return;
    this.open.typing = on;
    this.render();
  }

  setCalls(peer: string, calls: CallEntry[]): void {
    if (this.open?.contact.userId !== peer) return;
    this.open.calls = calls;
    this.render();
  }

  setOutbox(peer: string, count: number): void {
    if (this.open?.contact.userId !== peer) return;
    this.open.outbox = count;
    this.render();
  }

  /** Draws the open conversation; keeps the reader's place in the messages unless told to show the newest. */
  private render(toEnd = false): void {
    const o = this.open;
    if (!o) return;
    const list = document.getElementById("messages");
    const nearBottom = !list || list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    render(this.template(o), this.root);
    const after = document.getElementById("messages");
    if (after && (nearBottom || toEnd)) after.scrollTop = after.scrollHeight;
  }

  private template(o: Open): TemplateResult {
    const c = o.contact;
    const name = shownName(c);
    const presence = this.model.presence.get(c.userId);
    const pendingHere = this.model.pendingFrom(c.userId);
    return html`
      <div class="conversation ${this.dragDepth > 0 ? "dropping" : ""}" data-peer=${c.userId}
        @dragenter=${(e: DragEvent) => this.dragEnter(e)} @dragleave=${() => this.dragLeave()}
        @dragover=${(e: DragEvent) => this.dragOver(e)} @drop=${(e: DragEvent) => this.drop(e)}>
        <header class="conversation-header">
          <button class="btn btn-quiet btn-small back" type="button" aria-label="Back to contacts" @click=${() => this.actions.back()}>←</button>
          <span class="avatar ${c.isSelf ? "avatar-self" : ""}" aria-hidden="true">${c.isSelf ? "⇄" : initials(c.displayName)}<span id="conversation-dot" class="dot dot-${dotState(presence)}"></span></span>
          <span class="person-text">
            <span class="person-name">${name}</span>
            <span class="person-status" id="conversation-presence">${describePresence(presence, new Date())}</span>
          </span>
          <span id="link-state" class="link-state" data-state=${o.link.state} title=${o.link.detail ?? ""}>${linkLabel(o.link)}</span>
          ${c.isSelf ? nothing : html`<span class="call-buttons">
            <button class="btn btn-quiet btn-small" type="button" id="call-audio" title="Call ${name}" aria-label="Call ${name}" @click=${() => this.actions.call(false)}>${icon(ICON_PHONE)}</button>
            <button class="btn btn-quiet btn-small" type="button" id="call-video" title="Video call ${name}" aria-label="Video call ${name}" @click=${() => this.actions.call(true)}>${icon(ICON_VIDEO)}</button>
          </span>`}
        </header>
        ${o.calls.length === 0 ? nothing : html`<ol id="call-history" class="call-history" aria-label="Calls">
          ${repeat(o.calls.slice(-5), (e) => e.callId, (e) => html`<li data-outcome=${e.outcome} data-dir=${e.dir}>${describeEntry(e)} · <time>${new Date(e.startedAt).toLocaleString([], { dateStyle: "short", timeStyle: "short" })}</time></li>`)}
        </ol>`}
        <p id="pending-note" class="pending-note" ?hidden=${pendingHere === 0}>${name} has ${plural(pendingHere, "message")} waiting for you. They arrive as soon as you are both online.</p>
        <ol id="messages" class="messages" aria-live="polite">
          ${o.messages.length === 0 ? html`<li class="empty-conversation">No messages yet. Say hello: it goes straight to their browser.</li>` : repeat(rows(o.messages), (r) => r.key, (r) => ("day" in r ? html`<li class="day">${r.day}</li>` : messageItem(r.m)))}
        </ol>
        <p id="outbox-note" class="outbox-note" data-count=${o.outbox} ?hidden=${o.outbox === 0}>${plural(o.outbox, "message")} waiting here. ${name} gets ${o.outbox === 1 ? "it" : "them"} as soon as you are both online.</p>
        <p id="typing" class="typing" ?hidden=${!o.typing}>${name} is typing…</p>
        <section id="transfers" class="transfers" aria-label="Files" hidden></section>
        <form id="composer" class="composer" autocomplete="off" @submit=${(e: Event) => this.submit(e)}>
          <button class="btn btn-quiet attach" type="button" id="attach-files" title="Send files" aria-label="Send files" @click=${() => document.getElementById("file-input")?.click()}>${icon(ICON_PAPERCLIP)}</button>
          <button class="btn btn-quiet attach" type="button" id="attach-folder" title="Send a folder" aria-label="Send a folder" @click=${() => document.getElementById("folder-input")?.click()}>${icon(ICON_FOLDER)}</button>
          <input id="file-input" type="file" multiple hidden @change=${(e: Event) => this.picked(e)} />
          <input id="folder-input" type="file" multiple hidden webkitdirectory @change=${(e: Event) => this.picked(e)} />
          <textarea id="composer-input" rows="1" placeholder="Message ${name}" aria-label="Message" maxlength=${MAX_TEXT_LENGTH}
            @keydown=${(e: KeyboardEvent) => this.keydown(e)} @input=${() => this.typed()} @paste=${(e: ClipboardEvent) => this.paste(e)}></textarea>
          <button class="btn" type="submit">Send</button>
        </form>
        <div class="drop-hint" aria-hidden="true">Drop files to send them to ${name}</div>
      </div>
    `;
  }

  private input(): HTMLTextAreaElement | null {
    return document.getElementById("composer-input") as HTMLTextAreaElement | null;
  }

  private submit(e: Event): void {
    e.preventDefault();
    const input = this.input();
    const text = input ? composeText(input.value) : null;
    if (!input || text === null) return;
    input.value = "";
    autosize(input);
    this.actions.send(text);
  }

  private keydown(e: KeyboardEvent): void {
    // Enter sends; Shift+Enter starts a new line.
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) this.submit(e);
  }

  private typed(): void {
    const input = this.input();
    if (!input) return;
    autosize(input);
    if (input.value) this.actions.typing();
  }

  private paste(e: ClipboardEvent): void {
    const files = [...(e.clipboardData?.files ?? [])];
    if (files.length === 0) return;
    e.preventDefault();
    this.actions.files(files.map((file) => ({ file, name: file.name })));
  }

  private picked(e: Event): void {
    const el = e.currentTarget as HTMLInputElement;
    const files = [...(el.files ?? [])].map((file) => ({ file, name: file.webkitRelativePath || file.name }));
    el.value = "";
    if (files.length) this.actions.files(files);
  }

  private dragEnter(e: DragEvent): void {
    if (!hasFiles(e)) return;
    if (this.dragDepth++ === 0) this.render();
  }

  private dragLeave(): void {
    if (this.dragDepth === 0) return;
    if (--this.dragDepth === 0) this.render();
  }

  private dragOver(e: DragEvent): void {
    if (!hasFiles(e)) return;
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = "copy";
  }

  private drop(e: DragEvent): void {
    if (!hasFiles(e)) return;
    e.preventDefault();
    this.dragDepth = 0;
    this.render();
    void droppedFiles(e.dataTransfer!).then((files) => {
      if (files.length) this.actions.files(files);
    });
  }
}

function linkLabel(link: LinkView): string {
  if (link.state === "relayed" && link.detail === "over TCP") return "Relayed over TCP";
  const label = link.state === "connecting" && link.detail ? "Reconnecting…" : (LINK_LABEL[link.state] ?? link.state);
  return link.state === "failed" && link.detail ? `${label}: ${link.detail}` : label;
}

function autosize(input: HTMLTextAreaElement): void {
  if (!input.value) {
    input.style.height = "";
    return;
  }
  input.style.height = "auto";
  input.style.height = `${Math.min(input.scrollHeight, 200)}px`;
}
