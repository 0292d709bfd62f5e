// The files panel of a conversation: offers to answer, the queue with progress, and received files on this device.
import type { Progress, TransferRecord } from "../files/transfers.js";
import { formatBytes } from "../files/names.js";
import { formatDuration } from "../files/ledger.js";
import { h } from "./dom.js";

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

type Button = [action: keyof TransferActions, label: string, quiet?: boolean, title?: string];

/** Words for where a transfer stands; the progress line while bytes move. */
export function describeTransfer(t: TransferRecord, peerName: string, p: Progress): string {
  const them = peerName === "My devices" ? "your other device" : peerName;
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

export class TransferList {
  constructor(
    private readonly root: HTMLElement,
    private readonly actions: TransferActions,
    /** Whether received files can be written straight into a file the user picks (File System Access API). */
    private readonly canChoose: boolean,
  ) {
    root.addEventListener("click", (e) => {
      const button = (e.target as HTMLElement).closest<HTMLButtonElement>("button[data-action]");
      const fid = button?.closest<HTMLElement>("li.transfer")?.dataset["fid"];
      const action = button?.dataset["action"] as keyof TransferActions | undefined;
      if (fid && action) this.actions[action](fid);
    });
  }

  render(transfers: TransferRecord[], peerName: string, progress: (fid: string) => Progress, usage: string | null): void {
    this.root.hidden = transfers.length === 0;
    const items = transfers.map((t) => this.item(t, peerName, progress(t.fid)));
    const heading = h("li", { class: "transfers-heading" }, h("span", {}, "Files"), h("span", { class: "muted", id: "files-usage" }, usage ?? ""));
    this.root.querySelector("ul")!.replaceChildren(heading, ...items);
  }

  /** Moves the bars and figures of moving transfers in place (several times a second, no re-render). */
  tick(transfers: TransferRecord[], peerName: string, progress: (fid: string) => Progress, usage: string | null): void {
    const usageLine = this.root.querySelector("#files-usage");
    if (usageLine && usage) usageLine.textContent = usage;
    for (const t of transfers) {
      if (t.status !== "active" && t.status !== "paused" && t.status !== "interrupted") continue;
      const li = this.root.querySelector<HTMLElement>(`li.transfer[data-fid="${t.fid}"]`);
      if (!li) continue;
      const p = progress(t.fid);
      const fraction = t.size > 0 ? p.bytes / t.size : 1;
      li.querySelector<HTMLElement>(".bar")!.style.transform = `scaleX(${fraction})`;
      li.querySelector(".progress")!.setAttribute("aria-valuenow", String(Math.floor(fraction * 100)));
      li.querySelector<HTMLElement>(".transfer-status")!.textContent = describeTransfer(t, peerName, p);
      li.dataset["bytes"] = String(p.bytes);
    }
  }

  private item(t: TransferRecord, peerName: string, p: Progress): HTMLLIElement {
    const pct = t.size > 0 ? (p.bytes / t.size) * 100 : t.status === "done" ? 100 : 0;
    const moving = t.status === "active" || t.status === "paused" || t.status === "interrupted" || t.status === "queued" || t.status === "verifying";
    return h(
      "li",
      {
        class: `transfer transfer-${t.dir}`,
        "data-fid": t.fid,
        "data-dir": t.dir,
        "data-status": t.status,
        "data-bytes": String(p.bytes),
        "data-sha256": t.sha256,
        "data-resumes": t.resumes?.join(","),
      },
      h("span", { class: "file-icon", "aria-hidden": "true", "data-kind": t.type.split("/")[0] || "other" }, h("span", { class: "file-ext" }, badge(t.name)), h("span", { class: "file-dir" }, t.dir === "out" ? "↑" : "↓")),
      h(
        "span",
        { class: "transfer-body" },
        h("span", { class: "transfer-name", title: t.name }, t.name),
        moving ? h("span", { class: "progress", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": String(Math.floor(pct)) }, h("span", { class: "bar", style: `transform:scaleX(${pct / 100})` })) : null,
        h("span", { class: `transfer-status${t.status === "failed" || t.status === "cancelled" || t.status === "declined" ? " problem" : ""}` }, describeTransfer(t, peerName, p)),
      ),
      h(
        "span",
        { class: "transfer-actions" },
        ...buttons(t, this.canChoose).map(([action, label, quiet, title]) => h("button", { type: "button", class: `btn btn-small${quiet ? " btn-quiet" : ""}`, "data-action": action, title }, label)),
      ),
    );
  }
}
