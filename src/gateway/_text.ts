/**
 * Private helper of the gateway: the small text functions its error messages share (an error's message, one line,
 * a cut, a server's stderr tail, the first issue of a schema check).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cut, oneLine, stderrNote } from "./_text.ts";
 * assert.equal(cut("abcdef", 4), "abc…");
 * assert.equal(oneLine("a\n  b"), "a b");
 * assert.equal(stderrNote("boom\nbang\n"), " (stderr: boom | bang)");
 * assert.equal(stderrNote("  "), "");
 * ```
 *
 * @module
 */

/** The message of a thrown value. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** `s` on one line (line breaks and the space around them become one space). */
export function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, " ");
}

/** `s` cut to `n` characters, the last one `…` when it was cut. */
export function cut(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** ` (stderr: …)` with the last 500 characters of a server's stderr on one line, or "" when it wrote nothing. */
export function stderrNote(tail: string): string {
  const t = tail.trim();
  if (t === "") return "";
  return ` (stderr: ${(t.length > 500 ? `…${t.slice(-500)}` : t).replace(/\s*\n\s*/g, " | ")})`;
}

/** Whether a thrown value is a schema library's error with a list of issues (zod's shape). */
export function isZodError(err: unknown): err is { issues: unknown[] } {
  return typeof err === "object" && err !== null && Array.isArray((err as { issues?: unknown }).issues);
}

/** The first issue of a schema error as `path: message` (cut to 200 characters), else the error's message. */
export function firstIssue(err: unknown): string {
  const issues = isZodError(err) ? err.issues : [];
  const first = issues[0] as { path?: unknown[]; message?: string } | undefined;
  if (!first) return cut(messageOf(err), 200);
  const where = Array.isArray(first.path) && first.path.length > 0 ? first.path.join(".") + ": " : "";
  return cut(`${where}${first.message ?? "invalid"}`, 200);
}
