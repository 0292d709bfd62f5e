import { test } from "node:test";
import assert from "node:assert/strict";
import { formatBytes, safeFileName } from "./names.js";

test("path separators keep only the last part: no way out of the folder", () => {
  assert.equal(safeFileName("../../etc/passwd"), "passwd");
  assert.equal(safeFileName("..\\..\\Windows\\system32\\evil.dll"), "evil.dll");
  assert.equal(safeFileName("photos/2024/beach.jpg"), "beach.jpg");
  assert.equal(safeFileName("/"), "file");
  assert.equal(safeFileName(".."), "file");
});

test("control and bidi characters are replaced: a name cannot disguise its extension", () => {
  assert.equal(safeFileName("evil\u202Etxt.exe"), "evil_txt.exe");
  assert.equal(safeFileName("a\u0000b\u0007c\u009b.txt"), "a_b_c_.txt");
  assert.equal(safeFileName('what?<>:"|*.txt'), "what_______.txt");
  assert.equal(safeFileName("line\nbreak.txt"), "line_break.txt");
});

test("reserved device names, leading dots and trailing dots or spaces are defused", () => {
  assert.equal(safeFileName("CON"), "_CON");
  assert.equal(safeFileName("nul.txt"), "_nul.txt");
  assert.equal(safeFileName("com1"), "_com1");
  assert.equal(safeFileName("console.log"), "console.log");
  assert.equal(safeFileName(".bashrc"), "bashrc");
  assert.equal(safeFileName("report.pdf. . "), "report.pdf");
  assert.equal(safeFileName("   "), "file");
});

test("unicode survives, NFC-normalised", () => {
  assert.equal(safeFileName("Grüße 🎉 from Zürich.txt"), "Grüße 🎉 from Zürich.txt");
  assert.equal(safeFileName("Gru\u0308ße.txt"), "Grüße.txt");
  assert.equal(safeFileName("日本語のファイル.pdf"), "日本語のファイル.pdf");
});

test("over-long names are cut on whole characters and keep their extension", () => {
  const long = safeFileName(`${"é".repeat(300)}.tar.gz`);
  assert.ok(new TextEncoder().encode(long).byteLength <= 200);
  assert.ok(long.endsWith(".gz"));
  const emoji = safeFileName(`${"🎉".repeat(100)}.png`);
  assert.ok(new TextEncoder().encode(emoji).byteLength <= 200);
  assert.ok(!/[\uD800-\uDFFF](?![\uDC00-\uDFFF])/u.test(emoji.replace(/\p{Extended_Pictographic}/gu, "")), "no half surrogate pairs");
  assert.ok(emoji.endsWith("🎉.png"));
});

test("sizes read like a file manager's", () => {
  assert.equal(formatBytes(0), "0 bytes");
  assert.equal(formatBytes(1), "1 byte");
  assert.equal(formatBytes(52_428_800), "52.4 MB");
  assert.equal(formatBytes(1_073_741_824), "1.07 GB");
});
