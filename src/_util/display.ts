/**
 * Private helper of the confirmations: how a person sees the call they approve (SPEC §3). The whole call is shown,
 * with control characters, bidirectional controls and other invisible characters escaped (so a terminal can neither
 * be steered nor made to show text in another order than it runs), long runs of one character shown as a count (so
 * padding cannot push a payload out of sight), and the length of every string. Only when the text is still longer
 * than a terminal or a form can take is it shortened, and then the start and the end are shown with the length of
 * what was left out between them.
 *
 * Runtime-free.
 *
 * @module
 */

/** The most characters a value shows before it is shortened to its start and end. */
export const SHOW_WHOLE_CHARS = 20_000;

/** Runs of one character at least this long are shown as a count. */
const RUN = 16;

/**
 * Invisible, blank or reordering characters, always escaped: C0 and C1 controls, DEL, the bidirectional controls
 * (ALM, LRM, RLM, LRE…RLO, LRI…PDI), zero-width and other format characters, spaces other than U+0020, line and
 * paragraph separators, fillers, variation selectors, tag characters, lone surrogates.
 */
const INVISIBLE =
  // deno-lint-ignore no-control-regex -- matching control characters is the point
  /^[\u0000-\u001f\u007f-\u00a0\u00ad\u034f\u061c\u115f\u1160\u1680\u17b4\u17b5\u180b-\u180f\u2000-\u200f\u2028-\u202f\u205f-\u206f\u2800\u3000\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffc\u{e0000}-\u{e007f}\u{e0100}-\u{e01ef}\u{d800}-\u{dfff}]$/u;

const SHORT: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\", '"': '\\"' };

/** One character (code point) as shown. */
function showChar(ch: string): string {
  const short = SHORT[ch];
  if (short !== undefined) return short;
  // Escaped as \u{…}; ⟪ and ⟫ too, since they mark the counted runs.
  if (ch === "⟪" || ch === "⟫" || INVISIBLE.test(ch)) return `\\u{${(ch.codePointAt(0) as number).toString(16)}}`;
  return ch;
}

/** Code points shown (escaped) in at most `room` characters, from the start of `chars` (or from its end). */
function edge(chars: string[], room: number, fromEnd: boolean): { shown: string; count: number } {
  let count = Math.min(chars.length, room);
  for (;;) {
    const part = fromEnd ? chars.slice(chars.length - count) : chars.slice(0, count);
    const shown = showString(part.join("")).slice(1, -1);
    if (shown.length <= room || count <= 1) return { shown, count };
    count = Math.floor(count * 0.7);
  }
}

/**
 * A string as shown, at most about `max` characters: whole when it fits, else its start and its end with the number
 * of characters (of the string itself) left out between them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { showStringWithin } from "./display.ts";
 * assert.equal(showStringWithin("abcdefghij", 6), '"abc" …[4 characters not shown]… "hij"');
 * ```
 */
export function showStringWithin(text: string, max: number): string {
  const whole = showString(text);
  if (whole.length <= max) return whole;
  const chars = Array.from(text);
  const room = Math.max(1, Math.floor(max / 2));
  const head = edge(chars, room, false);
  const tail = edge(chars.slice(head.count), room, true);
  const left = chars.length - head.count - tail.count;
  return `"${head.shown}" …[${left} characters not shown]… "${tail.shown}"`;
}

/**
 * A string as shown: quoted, escaped, runs of one character as `⟪N × "c"⟫`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { showString } from "./display.ts";
 * assert.equal(showString("a\u202eb\nc"), '"a\\u{202e}b\\nc"');
 * assert.equal(showString("x" + " ".repeat(100) + "y"), '"x⟪100 × " "⟫y"');
 * ```
 */
export function showString(text: string): string {
  let out = '"';
  const chars = Array.from(text);
  for (let i = 0; i < chars.length;) {
    const ch = chars[i] as string;
    let j = i + 1;
    while (j < chars.length && chars[j] === ch) j++;
    const shown = showChar(ch);
    if (j - i >= RUN) out += `⟪${j - i} × "${shown}"⟫`;
    else out += shown.repeat(j - i);
    i = j;
  }
  return out + '"';
}

/** Cut `text` (already escaped) to its start and end when it is longer than `max`, saying how much is left out. */
function fit(text: string, max: number): string {
  if (text.length <= max) return text;
  const half = Math.floor(max / 2);
  const left = text.length - 2 * half;
  return `${text.slice(0, half)} …[${left} characters not shown]… ${text.slice(-half)}`;
}

/** A value of any JSON type as shown (strings escaped, the rest as JSON with its strings escaped). */
function showValue(v: unknown): string {
  if (typeof v === "string") return showString(v);
  if (Array.isArray(v)) return `[${v.map(showValue).join(", ")}]`;
  if (v !== null && typeof v === "object") {
    return `{${Object.entries(v).map(([k, x]) => `${showString(k)}: ${showValue(x)}`).join(", ")}}`;
  }
  return JSON.stringify(v) ?? String(v);
}

/**
 * The call's arguments for a person, one line per argument: the name, the length of a string, and the value (whole
 * unless it is longer than `max` characters once escaped; then its start, its end and the length between).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { showArgs } from "./display.ts";
 * assert.deepEqual(showArgs({ cmd: "ls\u001b[2J", timeoutMs: 5 }), ['cmd (6 characters): "ls\\u{1b}[2J"', "timeoutMs: 5"]);
 * const long = showArgs({ content: "a".repeat(10) + "b".repeat(10) + "c".repeat(30_000).split("").join("-") }, 100)[0]!;
 * assert.match(long, /^content \(60019 characters\): "aaaaaaaaaabbbbbbbbbbc-c-.*" …\[59919 characters not shown\]… ".*-c"$/);
 * ```
 */
export function showArgs(args: Record<string, unknown>, max: number = SHOW_WHOLE_CHARS): string[] {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(args)) {
    const name = /^[A-Za-z0-9_-]+$/.test(key) ? key : showString(key);
    if (typeof value === "string") {
      lines.push(`${name} (${Array.from(value).length} characters): ${showStringWithin(value, max)}`);
    } else {
      lines.push(`${name}: ${fit(showValue(value), max)}`);
    }
  }
  return lines;
}
