/**
 * Private helper of the rule engine's `path` matchers (_match.ts `scriptPaths`): the files that the program text of
 * sed and awk names (sed `w F`, `W F`, `r F`, `R F`, `s///w F`; awk `print > "F"`, `>> "F"`, `getline < "F"`), so a
 * `path` floor meets them as it meets a word, and why some cannot be known: a script or program read from a file
 * (`sed -f`, `--file=`, `-nf`; `awk -f`, gawk `-i`/`-E`, mawk `-W exec`), one only known at run time, one the
 * reader cannot follow, a redirection to a computed name. A `path` floor then "may apply" (at least ask).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyzeScript } from "./shell.ts";
 * import { programFiles } from "./_program_files.ts";
 * const of = (s: string) => programFiles(analyzeScript(s).commands[0]!);
 * assert.deepEqual(of("sed -n 'w secrets/k' a.txt"), { files: ["secrets/k"], unknown: null });
 * assert.deepEqual(of(`awk '{ print > "out" }' a.txt`), { files: ["out"], unknown: null });
 * assert.match(of("sed -nf prog.sed a.txt").unknown!, /script file/);
 * assert.deepEqual(of("sed s/a/b/ a.txt"), { files: [], unknown: null });
 * ```
 *
 * @module
 */
import { awkFiles, awkPrograms } from "./_awk.ts";
import { sedFiles, sedScripts } from "./_sed.ts";
import type { SimpleCommand } from "./shell_types.ts";

const SED = new Set(["sed", "gsed"]);
const AWK = new Set(["awk", "gawk", "mawk", "nawk"]);

/** The files named in a sed or awk program of `c`, and why some are not known (null when all are). */
export function programFiles(c: SimpleCommand): { files: string[]; unknown: string | null } {
  const head = c.argv[0]?.value;
  const name = head ? head.slice(head.lastIndexOf("/") + 1) : "";
  const args = c.argv.slice(1);
  const files: string[] = [];
  let unknown: string | null = null;
  if (SED.has(name)) {
    const { scripts, file } = sedScripts(args);
    unknown = file;
    for (const s of scripts) {
      if (s === null) {
        unknown ??= "sed's script is only known at run time and may write or read any file (w, r)";
        continue;
      }
      const r = sedFiles(s);
      files.push(...r.files);
      unknown ??= r.unknown;
    }
  } else if (AWK.has(name)) {
    const { programs, file } = awkPrograms(name, args);
    unknown = file;
    for (const p of programs) {
      if (p.value === null) {
        unknown ??= `${name}'s program ${p.text} is only known at run time and may write or read any file`;
        continue;
      }
      const r = awkFiles(p.value);
      files.push(...r.files);
      unknown ??= r.unknown;
    }
  }
  return { files, unknown };
}
