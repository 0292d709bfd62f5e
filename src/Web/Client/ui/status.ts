// The small status lines of the sidebar: the hub connection, and the answer to adding a contact.
import type { LinkState } from "../signaling.js";
import { byId } from "./dom.js";

const LINK_TEXT: Record<LinkState, string> = {
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
  disconnected: "Offline. Reload to reconnect.",
};

/** The line at the foot of the sidebar: how this session's hub connection stands. */
export function showConnection(state: LinkState, detail?: string): void {
  const el = byId("connection");
  el.dataset["state"] = state;
  el.textContent = LINK_TEXT[state];
  if (detail) el.title = detail;
}

/** The "add a contact" form: sends the username, shows the answer or the error for a few seconds. */
export class AddContactForm {
  private readonly note = byId("add-contact-result");
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(request: (userName: string) => Promise<string>, errorText: (err: unknown) => string, added: () => void) {
    const input = byId<HTMLInputElement>("add-contact-name");
    byId<HTMLFormElement>("add-contact").addEventListener("submit", (e) => {
      e.preventDefault();
      const name = input.value.trim();
      if (!name) return;
      request(name).then(
        (answer) => {
          input.value = "";
          this.say(answer);
          added();
        },
        (err) => this.say(errorText(err), true),
      );
    });
  }

  say(text: string, error = false): void {
    this.note.textContent = text;
    this.note.classList.toggle("error", error);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => (this.note.textContent = ""), 8_000);
  }
}
