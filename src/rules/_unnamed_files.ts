/**
 * Private helper of the rule engine's `path` matchers (_match.ts `scriptPaths`): whether a simple command can open
 * files that its words do not name, so that a `path` floor "may apply" to it (at least ask, as for `cat $f`).
 *
 * - programs whose own text opens files: jq `import`/`include` (and `-f`/`--from-file`, `--run-tests`, `-L`,
 *   `--rawfile`, `--slurpfile`), awk assigning `ARGV`/`ARGC`, `getline`, `@include`, `-f`/`-i`/`-E` program files;
 * - response files: a word `@FILE` (binutils, compilers, curl `-d @FILE`) reads arguments or data from FILE;
 * (git pathspecs that are not literal names are read by _git_pathspec.ts.)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyzeScript } from "./shell.ts";
 * import { opensUnnamedFiles } from "./_unnamed_files.ts";
 * const why = (s: string) => opensUnnamedFiles(analyzeScript(s).commands[0]!);
 * assert.match(why(`jq -n 'import "x" as $c; $c'`)!, /import/);
 * assert.match(why("curl -d @secrets/k x")!, /secrets\/k/);
 * assert.equal(why("jq .a in.json"), null);
 * ```
 *
 * @module
 */
import type { SimpleCommand } from "./shell_types.ts";

function _basename(v: string): string {
  return v.slice(v.lastIndexOf("/") + 1);
}

const JQ = new Set(["jq", "gojq", "jaq"]);
const AWK = new Set(["awk", "gawk", "mawk", "nawk", "busybox"]);
const JQ_FILE_OPTIONS = /^(-f|--from-file|--run-tests|-L|--library-path|--rawfile|--slurpfile|--indent-file)/;

/** Why the command can open files its words do not name, or null. */
export function opensUnnamedFiles(c: SimpleCommand): string | null {
  const head = c.argv[0]?.value;
  if (!head) return null;
  const name = _basename(head);
  const args = c.argv.slice(1);
  for (const w of args) {
    const v = w.value;
    if (v === null) continue;
    const at = v.startsWith("@") ? v : v.includes("=@") ? v.slice(v.indexOf("=@") + 1) : null;
    if (at !== null && at.length > 1 && !at.startsWith("@{") && !at.startsWith("@@")) {
      return `${name} may read the file ${at.slice(1)} and the names or data in it (${at})`;
    }
  }
  if (JQ.has(name)) {
    let program: string | null | undefined;
    for (const w of args) {
      const v = w.value;
      if (v === null) {
        program ??= null;
        continue;
      }
      if (JQ_FILE_OPTIONS.test(v) || /^-[A-Za-z]*[fL]/.test(v) && !v.startsWith("--")) {
        return `${name} ${v} reads a program or data from a file, which may open other files`;
      }
      if (!v.startsWith("-") && program === undefined) program = v;
    }
    if (program === null) return `${name}'s program is only known at run time and may import files`;
    if (program !== undefined && /\b(import|include|modulemeta|get_search_list)\b/.test(program)) {
      return `${name}'s program may import or include files (import/include)`;
    }
    return null;
  }
  if (AWK.has(name)) {
    const words = name === "busybox" ? args.slice(1) : args;
    if (name === "busybox" && !/awk$/.test(args[0]?.value ?? "")) return null;
    for (const w of words) {
      const v = w.value;
      if (v === null) return `${name}'s argument ${w.text} is only known at run time and may open files`;
      if (/^-(f|i|E|l)/.test(v) || /^--(file|include|exec|load|source)/.test(v)) {
        return `${name} ${v} reads a program file, which may open other files`;
      }
      if (/\b(ARGV|ARGC|getline|FILENAME)\b/.test(v) || /@\s*include/.test(v)) {
        return `${name}'s program may open files it names itself (ARGV, getline, @include)`;
      }
    }
    return null;
  }
  return null;
}
