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
