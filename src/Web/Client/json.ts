// Untrusted JSON from a peer or a signal: parsed only when small enough, and only when it is an object.

/** The fields of a JSON object in <paramref name="raw"/>; null for non-strings, oversized text, bad JSON or non-objects. */
export function parseObject(raw: unknown, maxChars = Infinity): Record<string, unknown> | null {
  if (typeof raw !== "string" || raw.length > maxChars) return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}
