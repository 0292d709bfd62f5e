// The main panel: one conversation with a contact.
import type { ChatMessage } from "../chat.js";
import { composeText } from "../chat.js";
import type { Contact, Presence } from "../types.js";
import { describePresence, dotState } from "../presence.js";
import { ICON_FOLDER, ICON_PAPERCLIP, byId, h, icon, initials } from "./dom.js";

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

export class ConversationView {
  private peer: Contact | null = null;
  private readonly root = byId("main-panel");

  constructor(private readonly actions: ConversationActions) {}

  get peerName(): string {
    return this.peer?.displayName ?? "";
  }

  get openPeer(): string | null {
    return this.peer?.userId ?? null;
  }

  open(contact: Contact, presence: Presence | undefined, link: LinkView, messages: ChatMessage[], pendingHere: number): void {
    this.peer = contact;
    const input = h("textarea", { id: "composer-input", rows: "1", placeholder: `Message ${contact.displayName}`, "aria-label": "Message", maxlength: "16000" });
    const fileInput = h("input", { id: "file-input", type: "file", multiple: true, hidden: true });
    const folderInput = h("input", { id: "folder-input", type: "file", multiple: true, hidden: true, webkitdirectory: true });
    const attach = h("button", { class: "btn btn-quiet attach", type: "button", id: "attach-files", title: "Send files", "aria-label": "Send files" }, icon(ICON_PAPERCLIP));
    const attachFolder = h("button", { class: "btn btn-quiet attach", type: "button", id: "attach-folder", title: "Send a folder", "aria-label": "Send a folder" }, icon(ICON_FOLDER));
    attach.addEventListener("click", () => fileInput.click());
    attachFolder.addEventListener("click", () => folderInput.click());
    const picked = (el: HTMLInputElement) => () => {
      const files = [...(el.files ?? [])].map((file) => ({ file, name: file.webkitRelativePath || file.name }));
      el.value = "";
      if (files.length) this.actions.files(files);
    };
    fileInput.addEventListener("change", picked(fileInput));
    folderInput.addEventListener("change", picked(folderInput));
    input.addEventListener("paste", (e) => {
      const files = [...(e.clipboardData?.files ?? [])];
      if (files.length === 0) return;
      e.preventDefault();
      this.actions.files(files.map((file) => ({ file, name: file.name })));
    });
    const form = h("form", { id: "composer", class: "composer", autocomplete: "off" }, attach, attachFolder, fileInput, folderInput, input, h("button", { class: "btn", type: "submit" }, "Send"));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.submit(input);
    });
    input.addEventListener("keydown", (e) => {
      // Enter sends; Shift+Enter starts a new line.
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.submit(input);
      }
    });
    input.addEventListener("input", () => {
      this.autosize(input);
      if (input.value) this.actions.typing();
    });
    const back = h("button", { class: "btn btn-quiet btn-small back", type: "button", "aria-label": "Back to contacts" }, "←");
    back.addEventListener("click", () => this.actions.back());

    this.root.replaceChildren(
      h(
        "div",
        { class: "conversation", "data-peer": contact.userId },
        h(
          "header",
          { class: "conversation-header" },
          back,
          h("span", { class: "avatar", "aria-hidden": "true" }, initials(contact.displayName), h("span", { id: "conversation-dot", class: `dot dot-${dotState(presence)}` })),
          h(
            "span",
            { class: "person-text" },
            h("span", { class: "person-name" }, contact.displayName),
            h("span", { class: "person-status", id: "conversation-presence" }, describePresence(presence, new Date())),
          ),
          h("span", { id: "link-state", class: "link-state", "data-state": link.state }, LINK_LABEL[link.state] ?? link.state),
        ),
        h("p", { id: "pending-note", class: "pending-note", hidden: pendingHere === 0 }, `${contact.displayName} has ${pendingHere} message${pendingHere === 1 ? "" : "s"} waiting for you. They arrive as soon as you are both online.`),
        h("ol", { id: "messages", class: "messages", "aria-live": "polite" }),
        h("p", { id: "outbox-note", class: "outbox-note", hidden: true }),
        h("p", { id: "typing", class: "typing", hidden: true }, `${contact.displayName} is typing…`),
        h("section", { id: "transfers", class: "transfers", "aria-label": "Files", hidden: true }, h("ul", { id: "transfer-list", class: "transfer-list", "aria-live": "polite" })),
        form,
        h("div", { class: "drop-hint", "aria-hidden": "true" }, `Drop files to send them to ${contact.displayName}`),
      ),
    );
    this.wireDrop(this.root.querySelector<HTMLElement>(".conversation")!);
    this.renderMessages(messages);
    document.querySelector(".app-shell")?.classList.add("in-conversation");
    input.focus();
  }

  /** Where the files panel renders, while a conversation is open. */
  get transfersRoot(): HTMLElement | null {
    return document.getElementById("transfers");
  }

  private wireDrop(zone: HTMLElement): void {
    let depth = 0;
    const hasFiles = (e: DragEvent) => [...(e.dataTransfer?.types ?? [])].includes("Files");
    zone.addEventListener("dragenter", (e) => {
      if (!hasFiles(e)) return;
      depth++;
      zone.classList.add("dropping");
    });
    zone.addEventListener("dragleave", () => {
      if (--depth <= 0) {
        depth = 0;
        zone.classList.remove("dropping");
      }
    });
    zone.addEventListener("dragover", (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = "copy";
    });
    zone.addEventListener("drop", (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      zone.classList.remove("dropping");
      void droppedFiles(e.dataTransfer!).then((files) => {
        if (files.length) this.actions.files(files);
      });
    });
  }

  close(): void {
    this.peer = null;
    document.querySelector(".app-shell")?.classList.remove("in-conversation");
  }

  /** Adds one message, or updates its status in place; false when a full render is needed instead. */
  upsert(m: ChatMessage): boolean {
    const list = document.getElementById("messages");
    if (!list || this.peer?.userId !== m.peer) return true;
    const existing = list.querySelector<HTMLElement>(`li[data-id="${CSS.escape(m.id)}"]`);
    if (existing) {
      existing.dataset["status"] = m.status;
      const r = existing.querySelector<HTMLElement>(".receipt");
      if (r) {
        r.className = `receipt receipt-${m.status}`;
        r.title = STATUS_LABEL[m.status];
        r.textContent = receipt(m.status);
      }
      return true;
    }
    const last = list.querySelector<HTMLElement>("li.message:last-of-type");
    const lastDay = last?.querySelector("time")?.getAttribute("datetime")?.slice(0, 10);
    if (!last || lastDay !== new Date(m.ts).toISOString().slice(0, 10)) return false;
    const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    list.append(this.messageItem(m));
    if (nearBottom || m.dir === "out") list.scrollTop = list.scrollHeight;
    return true;
  }

  renderMessages(messages: ChatMessage[]): void {
    const list = document.getElementById("messages");
    if (!list) return;
    const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    let lastDay = "";
    const items: HTMLElement[] = [];
    for (const m of messages) {
      const when = new Date(m.ts);
      const day = when.toLocaleDateString(undefined, { weekday: "long", day: "numeric", month: "long" });
      if (day !== lastDay) {
        items.push(h("li", { class: "day" }, day));
        lastDay = day;
      }
      items.push(this.messageItem(m));
    }
    if (messages.length === 0) items.push(h("li", { class: "empty-conversation" }, "No messages yet. Say hello: it goes straight to their browser."));
    list.replaceChildren(...items);
    if (nearBottom || messages.at(-1)?.dir === "out") list.scrollTop = list.scrollHeight;
  }

  private messageItem(m: ChatMessage): HTMLLIElement {
    const when = new Date(m.ts);
    return h(
      "li",
      { class: `message message-${m.dir}`, "data-id": m.id, "data-status": m.status },
      h("span", { class: "bubble" }, m.text),
      h(
        "span",
        { class: "meta" },
        h("time", { datetime: when.toISOString(), title: when.toLocaleString() }, when.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })),
        m.dir === "out" ? h("span", { class: `receipt receipt-${m.status}`, title: STATUS_LABEL[m.status] }, receipt(m.status)) : null,
      ),
    );
  }

  setPresence(presence: Presence | undefined): void {
    const dot = document.getElementById("conversation-dot");
    if (dot) dot.className = `dot dot-${dotState(presence)}`;
    const line = document.getElementById("conversation-presence");
    if (line) line.textContent = describePresence(presence, new Date());
  }

  setLink(link: LinkView): void {
    const el = document.getElementById("link-state");
    if (!el) return;
    el.dataset["state"] = link.state;
    const label = link.state === "connecting" && link.detail ? "Reconnecting…" : (LINK_LABEL[link.state] ?? link.state);
    el.textContent = link.state === "failed" && link.detail ? `${label}: ${link.detail}` : label;
    el.title = link.detail ?? "";
  }

  setTyping(on: boolean): void {
    const el = document.getElementById("typing");
    if (el) el.hidden = !on;
  }

  /** How many of our messages wait in this browser for the contact, as their grain has been told. */
  setOutbox(count: number): void {
    const el = document.getElementById("outbox-note");
    if (!el || !this.peer) return;
    el.hidden = count === 0;
    el.dataset["count"] = String(count);
    el.textContent = `${count} message${count === 1 ? "" : "s"} waiting here. ${this.peer.displayName} gets ${count === 1 ? "it" : "them"} as soon as you are both online.`;
  }

  setPendingHere(count: number): void {
    const el = document.getElementById("pending-note");
    if (el) el.hidden = count === 0;
  }

  private submit(input: HTMLTextAreaElement): void {
    const text = composeText(input.value);
    if (text === null) return;
    input.value = "";
    this.autosize(input);
    this.actions.send(text);
  }

  private autosize(input: HTMLTextAreaElement): void {
    if (!input.value) {
      input.style.height = "";
      return;
    }
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, 200)}px`;
  }
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
