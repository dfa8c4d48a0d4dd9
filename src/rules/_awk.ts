/**
 * Private helper of the read-only check: awk only reads when its program is literal and free of `system()`,
 * pipes, `getline`, `print > FILE` and `@` calls; only `-F` and `-v` are allowed as options.
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

/** Refuse an awk program that could run a command or write a file (see {@linkcode checkAwk}). */
export function awkProgramProblem(program: string): string | null {
  // strings and regex literals cannot run anything: blank them out, then look at the code
  let code = "";
  for (let i = 0; i < program.length; i++) {
    const ch = program[i]!;
    if (ch === '"') {
      code += '""';
      for (i++; i < program.length && program[i] !== '"'; i++) if (program[i] === "\\") i++;
      continue;
    }
    code += ch;
  }
  if (/\bsystem\s*\(/.test(code)) return "system() runs a command";
  if (/\bgetline\b/.test(code)) return "getline can read from a command";
  if (/\|/.test(code.replace(/\|\|/g, ""))) return "a pipe runs a command";
  if (code.includes("@")) return "@ loads an extension or calls a function by name (@f() can be system)";
  // print and printf up to the end of their statement: a `>` there redirects (or compares: refused all the same).
  // A `/` starts what may be a regular expression, which can hold `;` or `}`: skipped to its closing `/`, so a
  // statement is only ever read as longer than it is.
  const flat = code.replace(/\\\r?\n/g, " ");
  for (const m of flat.matchAll(/\bprintf?\b/g)) {
    for (let i = m.index + m[0].length; i < flat.length; i++) {
      const ch = flat[i]!;
      if (ch === ";" || ch === "}" || ch === "\n") break;
      if (ch === ">") return "print > FILE writes a file";
      if (ch === "/") {
        for (i++; i < flat.length && flat[i] !== "/"; i++) if (flat[i] === "\\") i++;
      }
    }
  }
  return null;
}
