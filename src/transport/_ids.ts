/**
 * Private helper of the two protocols (`serve`, `mcp`): which request ids are accepted (SPEC §3). An id is a string
 * of at most 256 characters or an integer within ±(2^53 − 1); anything else is refused by the caller.
 *
 * A number is judged by its text in the line, not by what `JSON.parse` made of it: `1e400` parses as Infinity,
 * `12345678901234567890` comes back rounded and `1.0000000000000001` as 1, so an answer would carry another id
 * than the request (and `JSON.stringify(Infinity)` is `null`, the id of a request that had none). The text is found
 * by a scan of the line's top-level members that jumps over strings with `indexOf`, so a long argument costs little.
 *
 * Runtime-free.
 *
 * @module
 */
import { describeValue } from "../_util/describe.ts";

/** The longest string id, in characters. */
export const MAX_ID_CHARS = 256;

/** What an accepted id is, for messages. */
export const ID_RULE =
  `a string of at most ${MAX_ID_CHARS} characters or an integer within ±${Number.MAX_SAFE_INTEGER} (2^53 − 1)`;

const INTEGER = /^-?(?:0|[1-9][0-9]*)$/;

/**
 * Why `value` (the parsed `id` of `line`) is not an accepted id, or null when it is one. `undefined` and `null` are
 * left to the caller (serve takes null, MCP does not). Without `line` a number is judged by its value only.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { idProblem } from "./_ids.ts";
 * assert.equal(idProblem(7, '{"id":7}'), null);
 * assert.equal(idProblem(Infinity, '{"id":1e400}'), "1e400");
 * assert.equal(idProblem(1, '{"id":1.0000000000000001}'), "1.0000000000000001");
 * assert.equal(idProblem("x".repeat(300), ""), "a string of 300 characters");
 * ```
 */
export function idProblem(value: unknown, line?: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "string") return value.length <= MAX_ID_CHARS ? null : `a string of ${value.length} characters`;
  if (typeof value === "number") {
    const raw = line === undefined ? undefined : rawMember(line, "id");
    if (raw !== undefined) {
      if (INTEGER.test(raw) && Number.isSafeInteger(value)) return null;
      return raw.length > 60 ? `${raw.slice(0, 60)}… (${raw.length} characters)` : raw;
    }
    return Number.isSafeInteger(value) ? null : String(value);
  }
  return describeValue(value);
}

function skipWs(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
    else return i;
  }
}

/** Index just past the string that starts at `i` (a `"`). */
function stringEnd(s: string, i: number): number {
  let from = i + 1;
  for (;;) {
    const q = s.indexOf('"', from);
    if (q === -1) return s.length;
    let backslashes = 0;
    for (let b = q - 1; s.charCodeAt(b) === 0x5c; b--) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    from = q + 1;
  }
}

/** Index just past the JSON value that starts at `i`. */
function valueEnd(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === 0x22) return stringEnd(s, i);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (let j = i; j < s.length; j++) {
      const ch = s.charCodeAt(j);
      if (ch === 0x22) j = stringEnd(s, j) - 1;
      else if (ch === 0x7b || ch === 0x5b) depth++;
      else if (ch === 0x7d || ch === 0x5d) {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    return s.length;
  }
  let j = i;
  while (j < s.length) {
    const ch = s.charCodeAt(j);
    if (ch === 0x2c || ch === 0x7d || ch === 0x5d || ch === 0x20 || ch === 0x09 || ch === 0x0a || ch === 0x0d) break;
    j++;
  }
  return j;
}

/**
 * The raw text of the top-level member `key` of the JSON object `line` (valid JSON; the last one when the key is
 * there twice, as `JSON.parse` takes it), or undefined.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rawMember } from "./_ids.ts";
 * assert.equal(rawMember('{"args":{"id":2},"id" : 1e3}', "id"), "1e3");
 * assert.equal(rawMember('{"\\u0069d":12345678901234567890}', "id"), "12345678901234567890");
 * ```
 */
export function rawMember(line: string, key: string): string | undefined {
  let i = skipWs(line, 0);
  if (line.charCodeAt(i) !== 0x7b) return undefined;
  i++;
  let found: string | undefined;
  for (;;) {
    i = skipWs(line, i);
    if (line.charCodeAt(i) !== 0x22) return found; // "}" (or the end)
    const keyEnd = stringEnd(line, i);
    const rawKey = line.slice(i, keyEnd);
    let name: string;
    try {
      name = rawKey.includes("\\") ? JSON.parse(rawKey) : rawKey.slice(1, -1);
    } catch {
      return found;
    }
    i = skipWs(line, keyEnd) + 1; // past ":"
    i = skipWs(line, i);
    const end = valueEnd(line, i);
    if (name === key) {
      found = line.slice(i, end);
      // A later member of the same name can only be written as this key again or with an escape: when neither is
      // in the rest of the line, this is the one JSON.parse took (no need to walk a long argument to the end).
      if (line.indexOf(rawKey, end) === -1 && line.indexOf("\\u", end) === -1) return found;
    }
    i = skipWs(line, end);
    if (line.charCodeAt(i) !== 0x2c) return found;
    i++;
  }
}
