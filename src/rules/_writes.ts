/**
 * Private helper of the rule engine: where a script's outputs go (redirections, and files its commands write by
 * their arguments). One going outside the workspace, or to a place only known at run time, blocks lowering; one
 * into the workspace keeps the call at least medium (like write_file). One with a path component named `.git` (any
 * case, before or after `..` is resolved) blocks lowering too: it is not a plain workspace write but changes what
 * git reads or runs (`.git/commondir`, `.git/config.worktree`, `sub/.git`; red team 5, F1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyzeScript } from "./shell.ts";
 * import { judgeWrites } from "./_writes.ts";
 * import { lexicalWorkspacePath } from "./workspace_path.ts";
 * const judge = (s: string) => {
 *   const a = analyzeScript(s);
 *   return judgeWrites(a.commands, [], a.cwdChanged, (t) => lexicalWorkspacePath(t));
 * };
 * assert.deepEqual(judge("ls > out.txt"), { blocked: null, intoWorkspace: true });
 * assert.match(judge("ls > /etc/x").blocked!, /is outside the workspace/);
 * assert.match(judge("cd sub && ls > out").blocked!, /relative to a folder the script changes into/);
 * assert.match(judge("echo ../evil > .git/commondir").blocked!, /is in git's own files/);
 * const host = (s: string) => judgeWrites(analyzeScript(s).commands, [], false, (t) => lexicalWorkspacePath(t), false);
 * assert.match(host("echo x > .claude/settings.json").blocked!, /configures code the host runs/);
 * assert.deepEqual(host("echo x > notes.txt"), { blocked: null, intoWorkspace: true });
 * ```
 *
 * Where the script is not contained (`contained` false: hook mode, the agent's shell on the host), a write into a
 * file on the host-config list (host_config.ts: agent and IDE settings, `.envrc`, `.npmrc`, shell rc files, …)
 * blocks lowering as well: the host runs what it configures later, with no command naming it.
 *
 * @module
 */
import { hostRunsConfig } from "./host_config.ts";
import type { PathFacts } from "./path_facts.ts";
import type { SimpleCommand } from "./shell_types.ts";

/** Every output a script writes: redirections and files named by arguments (`tee FILE`). */
export interface WriteCheck {
  /** Some write goes outside the workspace or cannot be resolved: no lowering. */
  blocked: string | null;
  /** Some write goes into the workspace: at least medium. */
  intoWorkspace: boolean;
}

/** The first path component of `p` named `.git` (any case), or null. */
function gitComponent(p: string): string | null {
  return p.split("/").find((part) => part.toLowerCase() === ".git") ?? null;
}

/** Judge every write of `commands`; `extra[i]` are files command `i` writes by its arguments. */
export function judgeWrites(
  commands: readonly SimpleCommand[],
  extra: ReadonlyArray<ReadonlyArray<string | null>>,
  cwdChanged: boolean,
  resolve: (t: string) => string | null,
  contained = true,
  facts?: PathFacts,
): WriteCheck {
  const res: WriteCheck = { blocked: null, intoWorkspace: false };
  const judge = (target: string | null, what: string) => {
    if (res.blocked) return;
    if (target !== null) {
      const hit = gitComponent(target) ?? gitComponent(resolve(target) ?? "");
      if (hit) {
        res.blocked = `${what} ${JSON.stringify(target)} is in git's own files (${hit}): it changes what git ` +
          `reads as configuration or runs, not a plain workspace file`;
        return;
      }
    }
    if (target === null) {
      res.blocked = `${what} goes to a file only known at run time`;
      return;
    }
    if (cwdChanged && !target.startsWith("/")) {
      res.blocked = `${what} ${JSON.stringify(target)} is relative to a folder the script changes into`;
      return;
    }
    const r = resolve(target);
    if (r === null) res.blocked = `${what} ${JSON.stringify(target)} is outside the workspace`;
    else if (!contained && hostRunsConfig(r) !== null) {
      res.blocked = `${what} ${JSON.stringify(target)} configures code the host runs (${hostRunsConfig(r)}), ` +
        `and nothing contains this shell`;
    } else if (!contained && _linked(facts, r) !== null) {
      // the other names of a hard link may be outside (pnpm's store, a `cp -al` snapshot): red team 9, H14
      res.blocked = `${what} ${JSON.stringify(target)} is a hard link (${_linked(facts, r)} links): another name ` +
        `may be outside the workspace, and nothing contains this shell`;
    } else res.intoWorkspace = true;
  };
  commands.forEach((c, i) => {
    for (const r of c.redirects) if (r.kind === "write") judge(r.target, `the redirection ${r.op}`);
    for (const w of c.writes) judge(w, "a written file");
    for (const w of extra[i] ?? []) judge(w, `${c.argv[0]?.value ?? "the command"} writes a file that`);
  });
  return res;
}

/** The link count of `rel` when it is a regular file with more than one, else null. */
function _linked(facts: PathFacts | undefined, rel: string): number | null {
  const st = facts?.stat(rel) ?? null;
  return st !== null && st.kind === "file" && st.nlink > 1 ? st.nlink : null;
}
