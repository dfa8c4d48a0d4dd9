/**
 * What of a call's arguments the witness log keeps (SPEC §4): what runs in full (`cmd`, `code` up to their cap;
 * every argument of a tool that runs its arguments, up to 64 KiB each), other long strings cut with their length
 * and sha256, file contents only as length and sha256.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { sha256Hex } from "../runtime/hash.ts";

/** How a tool's arguments are logged (a tool's `witness` option). */
export interface RedactOptions {
  /**
   * Top-level arguments kept whole up to this many UTF-8 bytes, e.g. `{ cmd: 100_000 }` for run_bash (what runs
   * is logged in full). A longer value is cut like any long string.
   */
  keep?: Readonly<Record<string, number>>;
  /**
   * Every other string (at any depth) kept whole up to this many UTF-8 bytes (e.g. 65 536 for a tool that runs
   * its arguments: a command tool or an upstream MCP tool); objects then keep up to 16 levels and 1000 keys or
   * items, and all the arguments together up to 1 MiB of kept text. Without it, strings longer than 256 chars
   * are cut, 4 levels and 50 keys or items are kept.
   */
  maxString?: number;
}

const MAX_STRING = 256;
const MAX_DEPTH = 4;
const MAX_ITEMS = 50;
const WIDE_DEPTH = 16;
const WIDE_ITEMS = 1000;
const WIDE_BUDGET = 1024 * 1024;

/** A cut string: its start, its length in UTF-16 code units and the sha256 of its UTF-8 bytes. */
export interface CutString {
  /** The first 256 chars (one fewer when the 256th would split a surrogate pair). */
  cut: string;
  /** `.length` of the whole string. */
  length: number;
  /** sha256 hex of the whole string's UTF-8 bytes. */
  sha256: string;
}

/** The length and sha256 of a text, without the text. */
export function digest(text: string): { length: number; sha256: string } {
  return { length: text.length, sha256: sha256Hex(Buffer.from(text, "utf8")) };
}

/**
 * `text` itself when it has at most `max` chars, else its start, length and sha256.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cutText } from "./redact.ts";
 * assert.equal(cutText("short"), "short");
 * const cut = cutText("x".repeat(1000)) as { cut: string; length: number };
 * assert.equal(cut.cut.length, 256);
 * assert.equal(cut.length, 1000);
 * ```
 */
export function cutText(text: string, max = MAX_STRING): string | CutString {
  if (text.length <= max) return text;
  let end = MAX_STRING;
  const c = text.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--; // do not split a surrogate pair
  return { cut: text.slice(0, end), ...digest(text) };
}

function contentDigest(value: unknown): { length: number; sha256: string } {
  if (typeof value === "string") return digest(value);
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  return digest(text ?? String(value));
}

interface Limits {
  maxBytes: number | null; // null: the 256-char rule
  depth: number;
  items: number;
  budget: { left: number };
}

function keepString(text: string, maxBytes: number, limits: Limits): string | CutString {
  // a UTF-8 byte is at least one UTF-16 unit, at most three per unit: skip the encoding when the length decides
  const fits = text.length <= maxBytes && (text.length * 3 <= maxBytes || Buffer.byteLength(text, "utf8") <= maxBytes);
  if (fits && text.length <= limits.budget.left) {
    limits.budget.left -= text.length;
    return text;
  }
  return cutText(text, 0);
}

function redactString(text: string, limits: Limits): string | CutString {
  if (limits.maxBytes === null || text.length <= MAX_STRING) return cutText(text);
  return keepString(text, limits.maxBytes, limits);
}

function redactValue(value: unknown, level: number, limits: Limits): unknown {
  switch (typeof value) {
    case "string":
      return redactString(value, limits);
    case "number":
    case "boolean":
      return value;
    case "undefined":
      return null;
    case "bigint":
      return String(value);
    case "symbol":
    case "function":
      return cutText(String(value));
  }
  if (value === null) return null;
  if (Array.isArray(value)) {
    if (level > limits.depth) return `[array of ${value.length} items, deeper than ${limits.depth} levels]`;
    const out: unknown[] = [];
    const n = Math.min(value.length, limits.items);
    for (let i = 0; i < n; i++) out.push(redactValue(value[i], level + 1, limits));
    if (value.length > limits.items) out.push(`[${value.length - limits.items} more items left out]`);
    return out;
  }
  const keys = Object.keys(value as object);
  if (level > limits.depth) return `[object of ${keys.length} keys, deeper than ${limits.depth} levels]`;
  return redactObject(value as Record<string, unknown>, keys, level, limits, undefined);
}

function redactObject(
  obj: Record<string, unknown>,
  keys: string[],
  level: number,
  limits: Limits,
  keep: Readonly<Record<string, number>> | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const n = Math.min(keys.length, limits.items);
  for (let i = 0; i < n; i++) {
    const key = keys[i] as string;
    const value = obj[key];
    const outKey = key.length > MAX_STRING ? `${key.slice(0, MAX_STRING)}…[key of ${key.length} chars]` : key;
    const whole = keep !== undefined && Object.hasOwn(keep, key) ? keep[key] : undefined;
    out[outKey] = key === "content"
      ? contentDigest(value)
      : whole !== undefined && typeof value === "string"
      ? keepString(value, whole, { ...limits, budget: { left: Infinity } })
      : redactValue(value, level + 1, limits);
  }
  if (keys.length > limits.items) out["…"] = `[${keys.length - limits.items} more keys left out]`;
  return out;
}

/**
 * Replace long strings and file contents in tool arguments before logging (SPEC §4). Returns a new object;
 * the input is not changed.
 *
 * - A property named `content`, at any depth, becomes `{length, sha256}`; the text is never kept. `length` is the
 *   string's `.length` (UTF-16 code units); `sha256` is over its UTF-8 bytes (non-strings are hashed as JSON).
 * - `options.keep` names top-level arguments kept whole up to a size in UTF-8 bytes (run_bash's `cmd`).
 * - Any other string longer than 256 chars (or than `options.maxString` UTF-8 bytes) becomes
 *   `{cut: its first 256 chars, length, sha256}` (one char fewer when the 256th would split a surrogate pair).
 * - Objects and arrays are kept down to 4 levels (the arguments object is level 1; 16 with `maxString`); deeper
 *   ones become a string such as `"[object of 3 keys, deeper than 4 levels]"`. At most 50 keys/items are kept
 *   (1000 with `maxString`); the rest are noted as `"…": "[N more keys left out]"` or a last item
 *   `"[N more items left out]"`.
 * - Numbers, booleans and null pass through; undefined becomes null, bigints become strings.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { redactArgs } from "./redact.ts";
 * const out = redactArgs({ path: "a.txt", content: "secret", note: "x".repeat(300) });
 * assert.equal(JSON.stringify(out).includes("secret"), false);
 * assert.equal((out.content as { length: number }).length, 6);
 * assert.equal((out.note as { length: number }).length, 300);
 * assert.equal((out.note as { cut: string }).cut.length, 256);
 * const bash = redactArgs({ cmd: "y".repeat(5000) }, { keep: { cmd: 100_000 } });
 * assert.equal(bash.cmd, "y".repeat(5000));
 * ```
 */
export function redactArgs(args: Record<string, unknown>, options: RedactOptions = {}): Record<string, unknown> {
  const wide = options.maxString !== undefined;
  const limits: Limits = {
    maxBytes: wide ? options.maxString as number : null,
    depth: wide ? WIDE_DEPTH : MAX_DEPTH,
    items: wide ? WIDE_ITEMS : MAX_ITEMS,
    budget: { left: WIDE_BUDGET },
  };
  if (typeof args !== "object" || args === null || Array.isArray(args)) {
    return { args: redactValue(args, 1, limits) };
  }
  return redactObject(args, Object.keys(args), 1, limits, options.keep);
}
