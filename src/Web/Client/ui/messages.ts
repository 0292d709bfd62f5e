// One conversation's messages as rows: a heading before each new day, each message with its time and, for mine, its
// receipt (waiting, sent, delivered).
import { html, nothing, type TemplateResult } from "lit-html";
import type { ChatMessage } from "../chat.js";

const STATUS_LABEL: Record<ChatMessage["status"], string> = {
  waiting: "Waiting",
  sent: "Sent",
  delivered: "Delivered",
  read: "Read",
};

/** Messages with a heading before each new day, each row keyed so a redraw keeps its element. */
export function rows(messages: ChatMessage[]): ({ key: string; day: string } | { key: string; m: ChatMessage })[] {
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

export function messageItem(m: ChatMessage): TemplateResult {
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

