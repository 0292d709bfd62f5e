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

export interface PickedFile {
  file: File;
  /** The name to offer: the file's name, or its path inside a dropped or picked folder. */
  name: string;
}

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

const STATUS_LABEL: Record<ChatMessage["status"], string> = {
  waiting: "Waiting",
  sent: "Sent",
  delivered: "Delivered",
  read: "Read",
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

/** Messages with a heading before each new day, each row keyed so a redraw keeps its element. */
function rows(messages: ChatMessage[]): ({ key: string; day: string } | { key: string; m: ChatMessage })[] {
  const out: ({ key: string; day: string } | { key: string; m: ChatMessage })[] = [];
  let lastDay = "";
  for (const m of messages) {
    const day = new Date(m.ts).toLocaleDateString(undefined, { weekday: "long", day: "numeric", month: "long" });
    if (day !== lastDay) {
      out.push({ key: `day:${day}`, day });
      lastDay = day;
    }
    out.push({ key: m.id, m });
  }
  return out;
}

function messageItem(m: ChatMessage): TemplateResult {
  const when = new Date(m.ts);
  return html`
    <li class="message message-${m.dir}" data-id=${m.id} data-status=${m.status}>
      <span class="bubble">${m.text}</span>
      <span class="meta">
        <time datetime=${when.toISOString()} title=${when.toLocaleString()}>${when.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })}</time>
        ${m.dir === "out" ? html`<span class="receipt receipt-${m.status}" title=${STATUS_LABEL[m.status]}>${receipt(m.status)}</span>` : nothing}
      </span>
    </li>
  `;
}

function receipt(status: ChatMessage["status"]): string {
  switch (status) {
    case "waiting":
      return "◷ Waiting";
    case "sent":
      return "✓";
    case "delivered":
    case "read":
      return "✓✓";
  }
}

function autosize(input: HTMLTextAreaElement): void {
  if (!input.value) {
    input.style.height = "";
    return;
  }
  input.style.height = "auto";
  input.style.height = `${Math.min(input.scrollHeight, 200)}px`;
}

function hasFiles(e: DragEvent): boolean {
  return [...(e.dataTransfer?.types ?? [])].includes("Files");
}

/** Files from a drop, folders walked (where the browser exposes entries); each keeps its path inside the folder. */
async function droppedFiles(data: DataTransfer): Promise<PickedFile[]> {
  const entries = [...data.items].map((i) => i.webkitGetAsEntry?.()).filter((e): e is FileSystemEntry => !!e);
  if (entries.length === 0) return [...data.files].map((file) => ({ file, name: file.name }));
  const out: PickedFile[] = [];
  const walk = async (entry: FileSystemEntry, path: string): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
      out.push({ file, name: path + entry.name });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      // readEntries returns at most ~100 at a time: read until it returns none.
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
        if (batch.length === 0) break;
        for (const child of batch) await walk(child, `${path}${entry.name}/`);
      }
    }
  };
  for (const entry of entries) await walk(entry, "");
  return out;
}
