/**
 * Private helper of hook mode: the files an agent's shell command may write, as far as its words tell (red team 9,
 * H5), so that hook mode puts each through the protection check a file tool's write gets (judge.ts). Per simple
 * command: its output redirections (`>`, `>>`, `>|`, `&>`, `2>`, a heredoc's `cat > f`), the files it writes by
 * its arguments (`tee FILE`, `time -o FILE`); for a read-only command (readonly.ts) nothing else, as its other
 * words are read; for any other program (lowered only by a config rule: `cp`, `mv`, `install`, `ln`, `sed -i`,
 * `dd of=`, `./gen.sh --out=f`) every word after its name, also the part after `=` or `:` and a short option's
 * attached value, since which of them it writes is not known here. A word only known at run time is a write the gate cannot
 * name (`target` null).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyzeScript } from "../rules/mod.ts";
 * import { shellWrites } from "./_shell_writes.ts";
 * const targets = (s: string) => shellWrites(analyzeScript(s)).map((w) => w.target);
 * assert.deepEqual(targets("printf x > fsmon.sh; cat a | tee -a b.cfg"), ["fsmon.sh", "b.cfg"]);
 * assert.deepEqual(targets("cat fsmon.sh 2>/dev/null"), []);
 * assert.deepEqual(targets("dd if=a of=fsmon.sh"), ["if=a", "a", "of=fsmon.sh", "fsmon.sh"]);
 * assert.deepEqual(targets("cp a $d"), ["a", null]);
 * ```
 *
 * @module
 */
import { checkReadOnly, type ShellAnalysis } from "../rules/mod.ts";

/** One file a shell command may write. */
export interface ShellWrite {
  /** The word as the shell passes it (a path, or a candidate path of an unknown program), or null: not literal. */
  readonly target: string | null;
  /** How it is written, for the rationale: `the redirection >`, `tee`, `cp's operand`. */
  readonly what: string;
  /** The other words of the same command (the sources of `cp a b dir/`: a folder target gets their names). */
  readonly siblings: readonly string[];
}

/** The candidate paths one literal word of an unknown program may name: itself, after `=`, a short option's value. */
function _candidates(v: string): string[] {
  const out = [v];
  const eq = v.indexOf("=");
  if (eq !== -1 && eq < v.length - 1) out.push(v.slice(eq + 1));
  if (/^-[^-=]./.test(v)) out.push(v.slice(2));
  if (v.includes(":")) out.push(...v.split(":").slice(1).filter((p) => p !== ""));
  return [...new Set(out)];
}

/** Every file the script's simple commands may write, in order (see the module doc). */
export function shellWrites(a: ShellAnalysis): ShellWrite[] {
  const out: ShellWrite[] = [];
  for (const c of a.commands) {
    for (const r of c.redirects) {
      if (r.kind === "write") out.push({ target: r.target, what: `the redirection ${r.op}`, siblings: [] });
    }
    const name = c.argv[0]?.value ?? "the command";
    for (const w of c.writes) out.push({ target: w, what: name, siblings: [] });
    if (c.argv.length === 0 || c.lookedThrough) continue; // a bare redirection; `bash -c '…'`: its commands follow
    const v = checkReadOnly(c);
    if (v.readOnly) {
      for (const w of v.writes) out.push({ target: w, what: name, siblings: [] });
      continue;
    }
    const words = c.argv.slice(1);
    const literal = words.flatMap((w) => (w.value !== null ? [w.value] : []));
    for (const w of words) {
      if (w.value === null) {
        out.push({ target: null, what: `${name}'s operand ${w.text}`, siblings: [] });
        continue;
      }
      const others = literal.filter((x) => x !== w.value);
      for (const t of _candidates(w.value)) out.push({ target: t, what: `${name}'s operand`, siblings: others });
    }
  }
  return out;
}
