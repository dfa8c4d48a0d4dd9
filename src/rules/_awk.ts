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
import type { ShellWord } from "./shell_types.ts";

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

/** `-W` options (gawk, mawk) known not to read a program from a file or to write one. */
const AWK_W_SAFE = ["version", "usage", "help", "interactive", "posix_space", "posix", "traditional", "compat"];
/** `-W` options that read a program or an extension, or write a file (any prefix of them is judged as them). */
const AWK_W_BAD = ["exec", "file", "include", "load", "source", "dump-variables", "profile", "pretty-print", "debug"];

/**
 * The programs of an awk command line (the first operand, or each `-e`/`--source` text; a word only known at run
 * time is kept, its value null), and why one is read from a file or an extension the gate does not read (`-f F`,
 * `--file=F` and its abbreviations, gawk `-i`/`--include`, `-E`/`--exec`, `-l`/`--load`, mawk `-W exec F`,
 * `-Wexec`, `-W e`: any `-W` option that is not known harmless), or null.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyzeScript } from "./shell.ts";
 * import { awkPrograms } from "./_awk.ts";
 * const args = (s: string) => analyzeScript(s).commands[0]!.argv.slice(1);
 * assert.equal(awkPrograms("awk", args("awk -F: '{print}' f")).programs[0]!.value, "{print}");
 * assert.match(awkPrograms("mawk", args("mawk -W exec p.awk f")).file!, /-W exec/);
 * assert.equal(awkPrograms("mawk", args("mawk -W version")).file, null);
 * ```
 */
export function awkPrograms(
  name: string,
  args: readonly ShellWord[],
): { programs: ShellWord[]; file: string | null } {
  const programs: ShellWord[] = [];
  let file: string | null = null;
  let inline = false;
  const fromFile = (v: string) => {
    file ??=
      `${name} ${v} reads a program file or extension the gate does not read, which may write, read or run anything`;
  };
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const v = w.value;
    if (v === null || v === "-" || !v.startsWith("-")) {
      // the first operand ends the options: the program, unless `-e` gave it (a run-time word may be an option)
      if (!inline) programs.push(w);
      break;
    }
    if (v === "--") {
      const next = args[i + 1];
      if (next && !inline) programs.push(next);
      break;
    }
    if (v.startsWith("--")) {
      const eq = v.indexOf("=");
      const opt = eq === -1 ? v : v.slice(0, eq);
      const is = (long: string) => opt.length > 2 && long.startsWith(opt);
      if (["--file", "--exec", "--include", "--load"].some(is)) {
        fromFile(v);
        return { programs, file };
      }
      if (is("--source")) {
        const text = eq !== -1 ? { ...w, value: v.slice(eq + 1), text: v.slice(eq + 1) } : args[++i];
        if (text) programs.push(text);
        inline = true;
      } else if ((is("--field-separator") || is("--assign")) && eq === -1) i++;
      continue;
    }
    for (let j = 1; j < v.length; j++) {
      const ch = v[j]!;
      if ("fEil".includes(ch)) {
        fromFile(v);
        return { programs, file };
      }
      if (!"FveW".includes(ch)) continue;
      const attached = v.slice(j + 1);
      const value = attached !== "" ? { ...w, value: attached, text: attached } : args[++i] ?? null;
      if (ch === "e") {
        if (value) programs.push(value);
        inline = true;
      }
      if (ch === "W") {
        const opts = value?.value?.split(",") ?? [null];
        for (const o of opts) {
          const key = o === null ? "" : o.split("=")[0]!;
          const safe = key !== "" && AWK_W_SAFE.some((s) => s.startsWith(key)) &&
            !AWK_W_BAD.some((b) => b.startsWith(key));
          if (!safe) {
            fromFile(`-W ${o ?? value?.text ?? ""}`);
            return { programs, file };
          }
        }
      }
      break;
    }
  }
  return { programs, file };
}

/**
 * The files an awk program names after an output or input redirection (`print > "F"`, `printf … >> "F"`,
 * `getline < "F"`), and why some cannot be known (a target that is not a string literal: `print > $1`). Read on
 * the raw text as {@linkcode awkProgramProblem} does: a `>` after the first `print` is taken as a redirection.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { awkFiles } from "./_awk.ts";
 * assert.deepEqual(awkFiles('{ print > "out.txt" }'), { files: ["out.txt"], unknown: null });
 * assert.deepEqual(awkFiles("{ print $1 }"), { files: [], unknown: null });
 * assert.match(awkFiles("{ print > $2 }").unknown!, /run time/);
 * ```
 */
export function awkFiles(program: string): { files: string[]; unknown: string | null } {
  const code = program.replace(/\\\r?\n/g, "");
  const files: string[] = [];
  let unknown: string | null = null;
  const p = /\bprintf?\b/.exec(code);
  const at: number[] = [];
  if (p) { for (let k = code.indexOf(">", p.index); k !== -1; k = code.indexOf(">", k + 1)) at.push(k); }
  const g = /\bgetline\b/.exec(code);
  if (g) { for (let k = code.indexOf("<", g.index); k !== -1; k = code.indexOf("<", k + 1)) at.push(k); }
  for (const k of at) {
    let i = k + 1;
    if (code[i] === ">" || code[i] === "=") continue; // `>>` is read from its second `>`; `>=` compares
    while (code[i] === " " || code[i] === "\t") i++;
    // the target is the string alone only when the statement ends after it: `> "secr" "ets/k"` concatenates
    const m = /^"((?:[^"\\\n]|\\.)*)"[ \t]*(?=$|[;}\n)#])/.exec(code.slice(i));
    if (m) files.push(m[1]!.replace(/\\(.)/g, "$1"));
    else unknown ??= `${JSON.stringify(code.slice(k, k + 20))}: awk redirects to a file only known at run time`;
  }
  return { files, unknown };
}
