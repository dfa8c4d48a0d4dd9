/**
 * The built-in read-only set applied to a whole script (SPEC §1.1): low when every simple command only reads and
 * nothing is written, medium when it writes only into the workspace, else no verdict, with the reasons. Where the
 * caller says run_bash runs in the bubblewrap sandbox without network (`projectChecks`), a simple command may also
 * be one of the built-in project checks (project_checks.ts: `npm test`, `npx tsc --noEmit`, …), and a script with
 * one is medium.
 *
 * @module
 */
import type { Risk } from "../types.ts";
import type { PathFacts } from "./path_facts.ts";
import { checkProjectCheck } from "./project_checks.ts";
import { checkReadOnly } from "./readonly.ts";
import type { ShellAnalysis } from "./shell_types.ts";
import { lexicalWorkspacePath } from "./workspace_path.ts";
import { uncontainedReads } from "./_reads.ts";
import { judgeWrites } from "./_writes.ts";

/** Options of {@linkcode builtinReadOnly}. */
export interface BuiltinOptions {
  /** Lower read-only git commands (engine.ts `RuleOptions.trustGitConfig`). Default false. */
  readonly trustGitConfig?: boolean;
  /** Take the built-in project checks as medium (engine.ts `RuleOptions.projectChecks`). Default false. */
  readonly projectChecks?: boolean;
  /**
   * The script runs in the bubblewrap sandbox (engine.ts `RuleOptions.contained`). Default false: then it is
   * lowered only when everything it may read is literal and inside the workspace (_reads.ts) and it writes no file
   * the host runs (host_config.ts).
   */
  readonly contained?: boolean;
  /**
   * What the file system says (path_facts.ts): where nothing contains the shell, a write to a regular file with
   * more than one hard link is not lowered (another name may be outside the workspace).
   */
  readonly facts?: PathFacts;
}

/** What the built-in sets make of a script. */
export interface BuiltinVerdict {
  /** low or medium, or null: not lowered (`notes` say why). */
  readonly risk: Risk | null;
  /** Why not, one reason per simple command that stops it. */
  readonly notes: string[];
  /** The read-only commands it judged, by name (`grep`, `sort`). */
  readonly names: string[];
  /** The project checks among its commands (`npm test`, `npx tsc`); the risk is medium when there is one. */
  readonly checks: string[];
}

/**
 * The built-in read-only set (and, with `projectChecks`, the project checks): the risk it gives (low, or medium
 * for workspace writes or a project check), or why it does not apply. git is lowered only with `trustGitConfig`.
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
 * const npm = (s: string) => builtinReadOnly(analyzeScript(s), undefined, { projectChecks: true });
 * assert.deepEqual([npm("npm test | tail").risk, npm("npm test | tail").checks], ["medium", ["npm test"]]);
 * assert.equal(npm("npm test; rm -rf src").risk, null);
 * assert.match(builtinReadOnly(analyzeScript("npm test")).notes[0]!, /bubblewrap sandbox/);
 * const git = (s: string) => builtinReadOnly(analyzeScript(s), undefined, { trustGitConfig: true }).risk;
 * assert.equal(git("git status --short"), "low");
 * assert.equal(git("echo ../evil > .git/commondir"), null);
 * assert.equal(git("cat evil/cd > ptr; git status"), null);
 * const host = (s: string) => builtinReadOnly(analyzeScript(s), undefined, { contained: false });
 * assert.equal(host("cat ../../other/file").risk, null);
 * assert.equal(builtinReadOnly(analyzeScript("cat ../x"), undefined, { contained: true }).risk, "low");
 * assert.equal(host("echo x > .claude/settings.json").risk, null);
 * ```
 */
export function builtinReadOnly(
  analysis: ShellAnalysis,
  resolve: (t: string) => string | null = (t) => lexicalWorkspacePath(t),
  options: BuiltinOptions = {},
): BuiltinVerdict {
  const notes: string[] = [];
  if (!analysis.ok) {
    return { risk: null, notes: [`the script cannot be parsed: ${analysis.errors[0]}`], names: [], checks: [] };
  }
  if (analysis.commands.length === 0) {
    return { risk: null, notes: ["the script runs no command"], names: [], checks: [] };
  }
  for (const h of analysis.hazards) notes.push(h);
  const writes: Array<ReadonlyArray<string | null>> = [];
  const names: string[] = [];
  const checks: string[] = [];
  let trustedGit = false;
  for (const c of analysis.commands) {
    const v = checkReadOnly(c);
    writes.push(v.writes);
    if (!v.readOnly) {
      const p = checkProjectCheck(c, resolve);
      if (p.check === null) notes.push(options.projectChecks && p.reason !== null ? p.reason : v.reason);
      else if (!options.projectChecks) {
        notes.push(
          `${p.check} is a project check: medium only where run_bash runs in the bubblewrap sandbox without network`,
        );
      } else if (analysis.cwdChanged) {
        notes.push(`${p.check} after a change of folder may run another project's code`);
      } else if (!checks.includes(p.check)) checks.push(p.check);
      continue;
    }
    if (c.argv[0]?.value === "git" && !options.trustGitConfig) {
      notes.push("git runs programs named in its configuration, which is not known to be out of the agent's reach");
    } else if (c.argv[0]?.value === "git" && analysis.cwdChanged) {
      notes.push("git after a change of folder may read another repository's configuration, which can run programs");
    } else if (c.argv[0]?.value === "git") trustedGit = true;
    const n = c.argv[0]?.value;
    if (n && !names.includes(n)) names.push(n);
  }
  if (notes.length > 0) return { risk: null, notes, names, checks };
  const contained = options.contained === true || options.projectChecks === true;
  if (!contained) {
    const outside = uncontainedReads(analysis, resolve);
    if (outside) return { risk: null, notes: [outside], names, checks };
  }
  const w = judgeWrites(analysis.commands, writes, analysis.cwdChanged, resolve, contained, options.facts);
  if (w.blocked) return { risk: null, notes: [w.blocked], names, checks };
  if (w.intoWorkspace && trustedGit) {
    // The sandbox makes git's own configuration read-only, not the files a git indirection can name (commondir,
    // gitdir, alternates): what this script writes may be what its git reads (red team 5, F1).
    return {
      risk: null,
      notes: [
        "git in a script that writes files may read a configuration the script just wrote, which can run programs",
      ],
      names,
      checks,
    };
  }
  return { risk: w.intoWorkspace || checks.length > 0 ? "medium" : "low", notes: [], names, checks };
}
