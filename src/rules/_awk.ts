/**
 * Private helper of the read-only check: awk only reads when its program is literal and its text (strings and
 * comments included, as they cannot be told apart with certainty) is free of `system`, pipes, `getline`, `close`,
 * `fflush`, `>` after a `print` and `@` calls; only `-F` and `-v` are allowed as options.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { awkProgramProblem } from "./_awk.ts";
 * assert.equal(awkProgramProblem("{ print $1 }"), null);
 * assert.equal(awkProgramProblem('{ system("rm -rf x") }'), "system() runs a command");
 * assert.equal(awkProgramProblem("{ print > \"out\" }"), "print > FILE writes a file");
 * ```
 *
 * @module
 */
import type { Parsed } from "./_getopt.ts";

/** awk: the program must be literal and free of `system`, pipes, `getline`, output redirection and extensions. */
export function checkAwk(p: Parsed): string | null {
  for (const o of p.options) {
    if (o.name === "-F" || o.name === "-v" || o.name === "--field-separator" || o.name === "--assign") continue;
    return `${p.name} ${o.name} is not judged read-only`;
  }
  const program = p.operands[0];
  if (!program) return `${p.name} without a program`;
  if (program.value === null) return `${p.name}'s program ${program.text} is only known at run time`;
  const r = awkProgramProblem(program.value);
  return r ? `${p.name} program: ${r}` : null;
}

/**
 * Refuse an awk program that could run a command or write a file (see {@linkcode checkAwk}). Judged on the raw
 * program text, strings, comments and regular expressions included: telling them apart needs awk's grammar (is a
 * `/` a division or a regex? does a `"` in a `# comment` open a string?), and a reader that guesses wrong hides
 * code. So a word or character that could be dangerous anywhere in the text refuses, even in a string.
 */
export function awkProgramProblem(program: string): string | null {
  // a backslash-newline joins lines (and could split a keyword): judged joined
  const code = program.replace(/\\\r?\n/g, "");
  if (/\bsystem\b/.test(code)) return "system() runs a command";
  if (/\bgetline\b/.test(code)) return "getline can read from a command";
  if (/\b(close|fflush)\b/.test(code)) return "close() and fflush() act on pipes and files";
  if (/\|/.test(code.replace(/\|\|/g, ""))) return "a pipe runs a command";
  if (code.includes("@")) return "@ loads an extension or calls a function by name (@f() can be system)";
  // output redirection only follows print/printf: any `>` after the first of them refuses (a comparison too)
  const p = /\bprintf?\b/.exec(code);
  if (p && code.indexOf(">", p.index) !== -1) return "print > FILE writes a file";
  return null;
}
