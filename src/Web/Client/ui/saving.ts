// Where received files go on this device: "Save to…" a file the user picks, leave to write it again after a reload,
// and opening or saving a received file. Browser dialogs and downloads live here, not in the files feature.
import { Disk, mayUse } from "../files/disk.js";
import type { Transfers } from "../files/transfers.js";

type PickFile = (suggestedName: string) => Promise<FileSystemFileHandle>;

export class ReceivedFiles {
  constructor(private readonly transfers: Transfers) {}

  /**
   * Where the user picks a file to save into: the browser's save dialog (File System Access API), or null where the
   * browser has none. End-to-end tests put a file of the origin-private file system in its place (headless Chromium
   * cannot answer a native dialog).
   */
  get pick(): PickFile | null {
    const debug = (window as unknown as { cybernetDebug?: { saveTarget?: PickFile } }).cybernetDebug?.saveTarget;
    if (debug) return debug;
    const picker = (window as unknown as { showSaveFilePicker?: (o: { suggestedName: string }) => Promise<FileSystemFileHandle> }).showSaveFilePicker;
    return picker ? (name) => picker({ suggestedName: name }) : null;
  }

  /** "Save to…" on an offer: the user picks the file, and the transfer writes straight into it. */
  async receiveInto(fid: string): Promise<void> {
    const rec = this.transfers.record(fid);
    const pick = this.pick;
    if (!rec || !pick) return;
    try {
      await this.transfers.accept(fid, await pick(rec.name));
    } catch (err) {
      if (!(err instanceof DOMException && err.name === "AbortError")) console.warn("could not open the chosen file", err); // AbortError: the dialog was closed
    }
  }

  /** After a reload the browser asks before we write to a chosen file again; this runs in the click, as it requires. */
  async allowWriting(fid: string): Promise<void> {
    const target = this.transfers.record(fid)?.target;
    if (target && (await mayUse(target, "readwrite", true))) await this.transfers.allowed(fid);
  }

  /** Opens a received file in a new tab, or saves it: both straight from the disk-backed file, never read into memory. */
  async open(fid: string, save: boolean): Promise<void> {
    const rec = this.transfers.record(fid);
    if (!rec) return;
    let file: File;
    try {
      if (rec.target && !(await mayUse(rec.target, "read", true))) return; // the user said no
      file = rec.target ? await rec.target.getFile() : await Disk.file(fid);
    } catch (err) {
      console.warn("could not open the received file", err); // not allowed by the user, or moved away
      return;
    }
    const pick = this.pick;
    if (save && pick) {
      // Where the browser lets the user pick a place: disk to disk, streamed.
      try {
        const target = await pick(rec.name);
        await file.stream().pipeTo(await target.createWritable());
        return;
      } catch (err) {
        if (err instanceof DOMException && err.name === "AbortError") return; // the user closed the dialog
        // Otherwise fall back to an ordinary download below.
      }
    }
    const url = URL.createObjectURL(save || !rec.type ? file : new Blob([file], { type: rec.type }));
    if (save) {
      const a = document.createElement("a");
      a.href = url;
      a.download = rec.name;
      a.click();
    } else {
      window.open(url, "_blank", "noopener");
    }
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
}
