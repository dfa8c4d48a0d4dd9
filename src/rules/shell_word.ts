/**
 * One word of a parsed command as the shell would pass it: its value when it is literal, or null with what can
 * be said of it (whether it could turn into an option, whether it expands into several words).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parse } from "unbash";
 * import { shellWord } from "./shell_word.ts";
 * const script = parse(`echo 'a b' src/$x ~/y`);
 * const command = script.commands[0]!.command;
 * assert.ok(command.type === "Command");
 * const [quoted, prefixed, home] = command.suffix.map((w) => w.type === "Word" ? shellWord(w) : null);
 * assert.equal(quoted!.value, "a b");
 * assert.deepEqual([prefixed!.value, prefixed!.mayBeOption], [null, false]);
 * assert.equal(home!.value, null);
 * ```
 *
 * @module
 */
import type { Word } from "unbash";
import type { ShellWord } from "./shell_types.ts";

const STRICT = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Whether the bytes bash makes of an ANSI-C quoted text (`$'…'`) are what unbash's value says: every run of byte
 * escapes (`\xHH`, `\NNN`) of 0x80 and up must be valid UTF-8 (unbash turns an invalid byte into U+FFFD), and no
 * `\c` may apply to a character outside ASCII (bash takes its first UTF-8 byte).
 */
function _ansiCFaithful(text: string): boolean {
  const body = text.startsWith("$'") ? text.slice(2) : text;
  let run: number[] = [];
  const flush = () => {
    if (run.length === 0) return true;
    try {
      STRICT.decode(new Uint8Array(run));
    } catch {
      return false;
    }
    run = [];
    return true;
  };
  for (let i = 0; i < body.length; i++) {
    if (body[i] !== "\\") {
      if (!flush()) return false;
      continue;
    }
    const e = body[i + 1] ?? "";
    let byte = -1;
    let end = i + 2;
    if (e === "x") {
      const m = /^[0-9A-Fa-f]{1,2}/.exec(body.slice(i + 2));
      if (m) {
        byte = parseInt(m[0], 16);
        end = i + 2 + m[0].length;
      }
    } else if (/[0-7]/.test(e)) {
      const m = /^[0-7]{1,3}/.exec(body.slice(i + 1))!;
      byte = parseInt(m[0], 8) & 0xff;
      end = i + 1 + m[0].length;
    } else if (e === "c" && (body.codePointAt(i + 2) ?? 0) >= 0x80) return false;
    if (byte >= 0x80) run.push(byte);
    else if (!flush()) return false;
    i = end - 1;
  }
  return flush();
}

/** Whether every part of the word has a faithful string form (see {@linkcode _ansiCFaithful}). */
function _faithful(w: ParsedWord): boolean {
  if (LONE_SURROGATE.test(w.text)) return false;
  for (const p of w.parts ?? []) if (p.type === "AnsiCQuoted" && !_ansiCFaithful(p.text)) return false;
  return true;
}

/** The unbash type of a word of a parsed script. */
export type ParsedWord = Word;

/**
 * A word as the shell would pass it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parse } from "unbash";
 * import { shellWord } from "./shell_word.ts";
 * const command = parse("ls *.ts").commands[0]!.command;
 * assert.ok(command.type === "Command" && command.suffix[0]?.type === "Word");
 * assert.deepEqual(shellWord(command.suffix[0]), { value: null, text: "*.ts", mayBeOption: true, expands: true });
 * ```
 */
export function shellWord(w: ParsedWord): ShellWord {
  const parts = w.parts;
  // a word whose bytes have no faithful string form (`$'k\xff'`, a lone surrogate): the gate cannot look the name
  // up as the program will open it, so it is only known at run time
  if (!_faithful(w)) return { value: null, text: w.text, mayBeOption: false, expands: false, lossy: true };
  if (!parts) {
    if (w.text.startsWith("~")) return { value: null, text: w.text, mayBeOption: false, expands: false };
    return { value: w.value, text: w.text, mayBeOption: w.value.startsWith("-"), expands: false };
  }
  let literal = true;
  let expands = false;
  for (const p of parts) {
    if (p.type === "Literal" || p.type === "SingleQuoted" || p.type === "AnsiCQuoted") continue;
    if ((p.type === "DoubleQuoted" || p.type === "LocaleString") && p.parts.every((x) => x.type === "Literal")) {
      continue;
    }
    literal = false;
    if (p.type === "Glob" || p.type === "ExtendedGlob" || p.type === "BraceExpansion") expands = true;
  }
  const first = parts[0]!;
  if (first.type === "Literal" && first.text.startsWith("~")) literal = false;
  if (literal) return { value: w.value, text: w.text, mayBeOption: w.value.startsWith("-"), expands: false };
  // the run-time value starts with a literal prefix when the first part is literal text
  let prefix: string | null = null;
  if (first.type === "Literal" || first.type === "SingleQuoted" || first.type === "AnsiCQuoted") prefix = first.value;
  const mayBeOption = prefix === null || prefix === "" || prefix.startsWith("-");
  return { value: null, text: w.text, mayBeOption, expands };
}
