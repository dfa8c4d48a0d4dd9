/**
 * Private helper of the read-only check: find only reads without the actions that run a command, delete files or
 * write a file (`-exec`, `-execdir`, `-ok`, `-okdir`, `-delete`, `-fprint`, `-fprint0`, `-fprintf`, `-fls`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyzeScript } from "./shell.ts";
 * import { findProblem } from "./_find.ts";
 * const args = (s: string) => analyzeScript(s).commands[0]!.argv.slice(1);
 * assert.equal(findProblem(args("find . -name '*.ts' -print")), null);
 * assert.equal(findProblem(args("find . -fls out")), "find -fls writes a file");
 * ```
 *
 * @module
 */
import type { ShellWord } from "./shell_types.ts";

const FIND_BAD: Record<string, string> = {
  "-exec": "runs a command",
  "-execdir": "runs a command",
  "-ok": "runs a command",
  "-okdir": "runs a command",
  "-delete": "deletes files",
  "-fprint": "writes a file",
  "-fprint0": "writes a file",
  "-fprintf": "writes a file",
  "-fls": "writes a file",
};

/** Why find with these arguments is not read-only, or null. */
export function findProblem(args: readonly ShellWord[]): string | null {
  for (const w of args) {
    const v = w.value;
    if (v === null) continue; // a non-literal word that could be an option was refused before
    if (Object.hasOwn(FIND_BAD, v)) return `find ${v} ${FIND_BAD[v]}`;
  }
  return null;
}
