// The files panel of a conversation: offers to answer, the queue with progress, and received files on this device.
// One template draws every card; the ticker calls the same render a few times a second while bytes move. The one
// thing outside the template is each bar's transform (see moveBars).
import { html, nothing, render, type TemplateResult } from "lit-html";
import { repeat } from "lit-html/directives/repeat.js";
import type { Progress, TransferRecord } from "../files/record.js";
import { formatBytes } from "../files/names.js";
import { formatDuration } from "../files/ledger.js";
import type { Transfers } from "../files/transfers.js";
import type { ReceivedFiles } from "./saving.js";

export interface TransferActions {
  accept(fid: string): void;
  /** Accept into a file the user picks now (where the browser can write to one). */
  saveTo(fid: string): void;
  /** Ask the browser again for leave to write to the chosen file (after a reload). */
  allow(fid: string): void;
  decline(fid: string): void;
  pause(fid: string): void;
  resume(fid: string): void;
  cancel(fid: string): void;
  remove(fid: string): void;
  open(fid: string): void;
  save(fid: string): void;
}

/** The panel's intents, each handed to the transfers, or to the received files for what touches the disk. */
export function transferActions(transfers: Transfers, received: ReceivedFiles): TransferActions {
  return {
    accept: (fid) => void transfers.accept(fid),
    saveTo: (fid) => void received.receiveInto(fid),
    allow: (fid) => void received.allowWriting(fid),
    decline: (fid) => void transfers.decline(fid),
    pause: (fid) => void transfers.pause(fid),
    resume: (fid) => void transfers.resume(fid),
    cancel: (fid) => void transfers.cancel(fid),
    remove: (fid) => void transfers.remove(fid),
    open: (fid) => void received.open(fid, false),
    save: (fid) => void received.open(fid, true),
  };
}

type Button = [action: keyof TransferActions, label: string, quiet?: boolean, title?: string];

/** What the panel shows: one peer's transfers, who "them" is in words, live progress and the space used here. */
export interface TransferPanel {
  transfers: TransferRecord[];
  /** The peer in words: their name, or "your other device". */
  them: string;
  progress(fid: string): Progress;
  usage: string | null;
}

/** Words for where a transfer stands; the progress line while bytes move. */
export function describeTransfer(t: TransferRecord, them: string, p: Progress): string {
  switch (t.status) {
    case "waiting":
      return `Waiting for ${them} to come online`;
    case "offered":
      return t.dir === "out" ? `Waiting for ${them} to accept` : `${formatBytes(t.size)}${t.type ? ` · ${t.type}` : ""}`;
    case "queued":
      return t.dir === "out" ? "Queued" : "Starting…";
    case "active": {
      const pct = t.size > 0 ? Math.floor((p.bytes / t.size) * 100) : 100;
      const speed = p.speed > 0 ? ` · ${formatBytes(p.speed)}/s` : "";
      const left = p.secondsLeft !== null ? ` · ${formatDuration(p.secondsLeft)} left` : "";
      return `${pct}% of ${formatBytes(t.size)}${speed}${left}`;
    }
    case "paused":
      return `Paused by ${t.pausedBy === "them" ? them : "you"} at ${formatBytes(p.bytes)} of ${formatBytes(t.size)}`;
    case "interrupted":
      if (t.needsPermission) return `Continue to let this page write to ${t.target?.name ?? "the file you chose"} again. It starts over from the beginning.`;
      return `Connection lost at ${formatBytes(p.bytes)} of ${formatBytes(t.size)}. It resumes when ${them} is back.`;
    case "verifying":
      return "Checking integrity (SHA-256)…";
    case "done":
      if (t.dir === "out") return `Sent · ${formatBytes(t.size)} · verified`;
      return t.target ? `Saved as ${t.target.name} · ${formatBytes(t.size)} · verified` : `Received · ${formatBytes(t.size)} · verified`;
    default:
      return t.error ?? t.status;
  }
}

const SAVE_TO_TITLE = "Write it straight into a file you choose: no second copy. Reloading this page before it is done starts it over.";

function buttons(t: TransferRecord, canChoose: boolean): Button[] {
  switch (t.status) {
    case "offered":
      if (t.dir === "out") return [["cancel", "Cancel", true]];
      return [["accept", "Accept"], ...(canChoose ? [["saveTo", "Save to…", true, SAVE_TO_TITLE] satisfies Button] : []), ["decline", "Decline", true]];
    case "interrupted":
      return t.needsPermission ? [["allow", "Continue"], ["cancel", "Cancel", true]] : [["cancel", "Cancel", true]];
    case "waiting":
    case "queued":
    case "verifying":
      return [["cancel", "Cancel", true]];
    case "active":
      return [["pause", "Pause", true], ["cancel", "Cancel", true]];
    case "paused":
      return t.pausedBy === "me" ? [["resume", "Resume"], ["cancel", "Cancel", true]] : [["cancel", "Cancel", true]];
    case "done":
      if (t.dir === "out") return [["remove", "Clear", true]];
      // A file saved where the user chose stays there: the card only leaves the list.
      return t.target ? [["open", "Open"], ["remove", "Clear", true]] : [["open", "Open"], ["save", "Save"], ["remove", "Delete", true]];
    default:
      return [["remove", "Clear", true]];
  }
}

/** The badge on a file: its extension ("PDF", "MP4"), or "FILE". */
export function badge(name: string): string {
  const dot = name.lastIndexOf(".");
  const ext = dot > 0 ? name.slice(dot + 1) : "";
  return /^[\p{L}\p{N}]{1,4}$/u.test(ext) ? ext.toUpperCase() : "FILE";
}

/** The cards that show a progress bar: bytes are moving, or stopped part-way. */
const WITH_BAR: ReadonlySet<TransferRecord["status"]> = new Set(["active", "paused", "interrupted", "queued", "verifying"]);

/** The bars move four times a second at most (the ticker's pace): a bar repainted every frame cost a quarter of the speed. */
const BAR_INTERVAL_MS = 250;

export class TransferList {
  constructor(
    /** The panel's element while a conversation is open. */
    private readonly root: () => HTMLElement | null,
    private readonly actions: TransferActions,
    /** Whether received files can be written straight into a file the user picks (File System Access API). */
    private readonly canChoose: boolean,
  ) {}

  private lastMove = 0;

  /** Draws the panel in place; bars of new cards are placed at once, the others move on the ticker's pace. */
  render(panel: TransferPanel): void {
    const root = this.root();
    if (!root) return;
    root.hidden = panel.transfers.length === 0;
    render(
      html`<ul id="transfer-list" class="transfer-list" aria-live="polite">
        <li class="transfers-heading"><span>Files</span><span class="muted" id="files-usage">${panel.usage ?? ""}</span></li>
        ${repeat(panel.transfers, (t) => t.fid, (t) => this.card(t, panel.them, panel.progress(t.fid)))}
      </ul>`,
      root,
    );
    const now = performance.now();
    const due = now - this.lastMove >= BAR_INTERVAL_MS;
    if (due) this.lastMove = now;
    moveBars(root, panel, due);
  }

  private card(t: TransferRecord, them: string, p: Progress): TemplateResult {
    const pct = t.size > 0 ? Math.floor((p.bytes / t.size) * 100) : t.status === "done" ? 100 : 0;
    const problem = t.status === "failed" || t.status === "cancelled" || t.status === "declined";
    return html`
      <li class="transfer transfer-${t.dir}" data-fid=${t.fid} data-dir=${t.dir} data-status=${t.status} data-bytes=${p.bytes}
        data-sha256=${t.sha256 ?? nothing} data-resumes=${t.resumes?.join(",") ?? nothing}>
        <span class="file-icon" aria-hidden="true" data-kind=${t.type.split("/")[0] || "other"}><span class="file-ext">${badge(t.name)}</span><span class="file-dir">${t.dir === "out" ? "↑" : "↓"}</span></span>
        <span class="transfer-body">
          <span class="transfer-name" title=${t.name}>${t.name}</span>
          ${WITH_BAR.has(t.status) ? html`<span class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${pct}><span class="bar"></span></span>` : nothing}
          <span class="transfer-status ${problem ? "problem" : ""}">${describeTransfer(t, them, p)}</span>
        </span>
        <span class="transfer-actions">
          ${buttons(t, this.canChoose).map(
            ([action, label, quiet, title]) => html`<button type="button" class="btn btn-small ${quiet ? "btn-quiet" : ""}" data-action=${action} title=${title ?? nothing}
              @click=${() => this.actions[action](t.fid)}>${label}</button>`,
          )}
        </span>
      </li>
    `;
  }
}

/**
 * Sets each bar's scale, on the compositor: by transform, never by width and never with a CSS transition (either
 * re-lays out and repaints the page every frame). A new bar is placed at once; the others only when due.
 */
function moveBars(root: HTMLElement, panel: TransferPanel, due: boolean): void {
  for (const t of panel.transfers) {
    if (!WITH_BAR.has(t.status)) continue;
    const bar = root.querySelector<HTMLElement>(`li.transfer[data-fid="${CSS.escape(t.fid)}"] .bar`);
    if (!bar || (!due && bar.style.transform)) continue;
    const fraction = t.size > 0 ? panel.progress(t.fid).bytes / t.size : 1;
    bar.style.transform = `scaleX(${fraction})`;
  }
}
