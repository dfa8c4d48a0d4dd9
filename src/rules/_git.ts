/**
 * Private helper of the read-only check: git only reads with the global flags that change nothing but output, a
 * read-only subcommand (`status`, `diff`, `log`, `show`, `ls-files`, `rev-parse`, `blame`), and none of the long
 * options that write a file or run a program (abbreviations included). Whether git's configuration can be trusted
 * is the rule engine's question (`trustGitConfig`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyzeScript } from "./shell.ts";
 * import { gitProblem } from "./_git.ts";
 * const args = (s: string) => analyzeScript(s).commands[0]!.argv.slice(1);
 * assert.equal(gitProblem(args("git --no-pager log -5")), null);
 * assert.equal(gitProblem(args("git push")), "git push is not a read-only git command");
 * assert.equal(gitProblem(args("git diff --ext")), "git diff --ext-diff runs the external diff program named in git's config");
 * ```
 *
 * @module
 */
import type { ShellWord } from "./shell_types.ts";

const GIT_READ_SUBCOMMANDS = new Set(["status", "diff", "log", "show", "ls-files", "rev-parse", "blame"]);
/** Git global options that change nothing but output. */
const GIT_GLOBAL_FLAGS = new Set([
  "--no-pager",
  "-P",
  "--no-optional-locks",
  "--literal-pathspecs",
  "--no-replace-objects",
]);
const GIT_BAD_LONG: Record<string, string> = {
  "--output": "writes a file",
  "--ext-diff": "runs the external diff program named in git's config",
  "--textconv": "runs the text-conversion programs named in git's config",
  "--open-files-in-pager": "runs a pager",
  "--exec": "runs a program",
  "--upload-pack": "runs a program",
  "--receiver-pack": "runs a program",
};

/** Why git with these arguments is not read-only, or null. */
export function gitProblem(args: readonly ShellWord[]): string | null {
  let i = 0;
  for (; i < args.length; i++) {
    const v = args[i]!.value;
    if (v === null) return "git with an argument only known at run time is not judged read-only";
    if (!v.startsWith("-")) break;
    if (!GIT_GLOBAL_FLAGS.has(v)) {
      if (v === "-c" || v.startsWith("--config-env")) return `git ${v} sets configuration, which can run programs`;
      if (v === "-C" || v.startsWith("--git-dir") || v.startsWith("--work-tree")) {
        return `git ${v} uses another repository, whose configuration can run programs`;
      }
      return `git ${v} is not judged read-only`;
    }
  }
  const sub = args[i]?.value;
  if (sub === undefined || sub === null) return "git without a subcommand is not judged read-only";
  if (!GIT_READ_SUBCOMMANDS.has(sub)) return `git ${sub} is not a read-only git command`;
  for (const w of args.slice(i + 1)) {
    const v = w.value!;
    if (v === "--") break;
    if (!v.startsWith("--")) continue;
    const opt = v.includes("=") ? v.slice(0, v.indexOf("=")) : v;
    for (const [bad, why] of Object.entries(GIT_BAD_LONG)) {
      // git accepts unambiguous abbreviations of long options
      if (opt.length > 2 && bad.startsWith(opt)) return `git ${sub} ${bad} ${why}`;
    }
  }
  return null;
}
