// Names of received files: what a peer sends is untrusted. A name never leaves this browser.

const MAX_NAME_BYTES = 200;
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
// Control characters (C0, DEL, C1), bidi overrides and isolates (which make "evil‮txt.exe" look like "evilexe.txt"),
// and characters Windows, macOS or Linux refuse in names.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069<>:"|?*\\/]/gu;

/**
 * A name safe to save under on any system: no path (only the last segment counts), no control or bidi characters,
 * no reserved device names, no leading dots or trailing dots and spaces, at most 200 UTF-8 bytes with the
 * extension kept. Unicode letters and emoji survive. Never empty.
 */
export function safeFileName(raw: string, fallback = "file"): string {
  // A folder path from the sender ("photos/2024/a.jpg") keeps its last part; backslashes count as separators too.
  const last = raw.split(/[\\/]/u).filter((p) => p.length > 0).at(-1) ?? "";
  let name = last.normalize("NFC").replace(UNSAFE, "_").replace(/\s+/gu, " ").trim();
  name = name.replace(/^[.\s]+/u, "").replace(/[.\s]+$/u, "");
  if (name === "" || /^_+$/u.test(name)) name = fallback;
  if (RESERVED.test(name)) name = `_${name}`;
  return truncateKeepingExtension(name, MAX_NAME_BYTES);
}

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).byteLength;
}

/** Cuts whole code points (never half a surrogate pair) off the stem until the name fits. */
function truncateKeepingExtension(name: string, maxBytes: number): string {
  if (utf8Length(name) <= maxBytes) return name;
  const dot = name.lastIndexOf(".");
  const ext = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : "";
  const stem = [...(ext ? name.slice(0, dot) : name)];
  while (stem.length > 1 && utf8Length(stem.join("") + ext) > maxBytes) stem.pop();
  return stem.join("").trimEnd() + ext;
}

/** "12.3 MB", "512 KB", "0 bytes": decimal units, as file managers show them. */
export function formatBytes(n: number): string {
  if (n < 1000) return n === 1 ? "1 byte" : `${n} bytes`;
  const units = ["KB", "MB", "GB", "TB", "PB"];
  let value = n;
  let unit = -1;
  do {
    value /= 1000;
    unit++;
  } while (value >= 1000 && unit < units.length - 1);
  return `${value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2)} ${units[unit]}`;
}
