/**
 * The built-in read-only set applied to a whole script (SPEC §1.1): low when every simple command only reads and
 * nothing is written, medium when it writes only into the workspace, else no verdict, with the reasons.
 *
 * @module
 */
import type { Risk } from "../types.ts";
import { checkReadOnly } from "./readonly.ts";
import type { ShellAnalysis } from "./shell_types.ts";
import { lexicalWorkspacePath } from "./workspace_path.ts";
import { judgeWrites } from "./_writes.ts";

/**
 * The built-in read-only set: the risk it gives (low, or medium for workspace writes), or why it does not apply.
 * git is lowered only with `trustGitConfig` (engine.ts `RuleOptions`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { builtinReadOnly } from "./builtin_readonly.ts";
 * import { analyzeScript } from "./shell.ts";
 * assert.equal(builtinReadOnly(analyzeScript("grep -rn TODO src | head")).risk, "low");
 * assert.equal(builtinReadOnly(analyzeScript("ls > listing.txt")).risk, "medium");
 * const rm = builtinReadOnly(analyzeScript("rm -rf build"));
 * assert.deepEqual([rm.risk, rm.notes], [null, ["rm is not a read-only command"]]);
 * const git = (s: string) => builtinReadOnly(analyzeScript(s), undefined, true).risk;
 * assert.equal(git("git status --short"), "low");
 * assert.equal(git("echo ../evil > .git/commondir"), null);
 * assert.equal(git("cat evil/cd > ptr; git status"), null);
 * ```
 */
export function builtinReadOnly(
  analysis: ShellAnalysis,
  resolve: (t: string) => string | null = (t) => lexicalWorkspacePath(t),
  trustGitConfig = false,
): { risk: Risk | null; notes: string[]; names: string[] } {
  const notes: string[] = [];
  if (!analysis.ok) return { risk: null, notes: [`the script cannot be parsed: ${analysis.errors[0]}`], names: [] };
  if (analysis.commands.length === 0) return { risk: null, notes: ["the script runs no command"], names: [] };
  for (const h of analysis.hazards) notes.push(h);
  const writes: Array<ReadonlyArray<string | null>> = [];
  const names: string[] = [];
  let trustedGit = false;
  for (const c of analysis.commands) {
    const v = checkReadOnly(c);
    writes.push(v.writes);
    if (!v.readOnly) notes.push(v.reason);
    else if (c.argv[0]?.value === "git" && !trustGitConfig) {
      notes.push("git runs programs named in its configuration, which is not known to be out of the agent's reach");
    } else if (c.argv[0]?.value === "git" && analysis.cwdChanged) {
      notes.push("git after a change of folder may read another repository's configuration, which can run programs");
    } else if (c.argv[0]?.value === "git") trustedGit = true;
    const n = c.argv[0]?.value;
    if (n && !names.includes(n)) names.push(n);
  }
  if (notes.length > 0) return { risk: null, notes, names };
  const w = judgeWrites(analysis.commands, writes, analysis.cwdChanged, resolve);
  if (w.blocked) return { risk: null, notes: [w.blocked], names };
  if (w.intoWorkspace && trustedGit) {
    // The sandbox makes git's own configuration read-only, not the files a git indirection can name (commondir,
    // gitdir, alternates): what this script writes may be what its git reads (red team 5, F1).
    return {
      risk: null,
      notes: [
        "git in a script that writes files may read a configuration the script just wrote, which can run programs",
      ],
      names,
    };
  }
  return { risk: w.intoWorkspace ? "medium" : "low", notes: [], names };
}
