/**
 * Private helper of the rule engine's `path` floors (red team 10, J9 and J12): git commands that delete or overwrite
 * files across the whole working tree, or read files named on their input, where the words name no path the floor
 * could match:
 * - `git clean -f` (with or without `-x`/`-X`, which reach ignored files such as a gitignored `.env` or `secrets/`)
 *   without a pathspec deletes files anywhere in the tree; a dry run (`-n`) only prints names;
 * - `git stash` (`push`, `save`, `-u`, `-a`, `pop`, `apply`, `branch`) without a pathspec reverts, removes or
 *   writes back files anywhere in the tree;
 * - `git reset --hard`/`--merge`/`--keep`, `git checkout -f`/`--force`, `git switch -f`/`--discard-changes`
 *   overwrite every tracked file that differs;
 * - `git hash-object --stdin-paths` reads the files named on its input.
 *
 * With a pathspec, the engine judges the pathspec's words themselves (`git clean -fdx secrets` meets the floor,
 * `git clean -fdx build` does not). A plain `git checkout <branch>`, `git switch`, `git pull` keep local changes
 * and are not judged here (a documented gap: they still rewrite tracked files that differ between commits).
 *
 * Pure.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyzeScript } from "./shell.ts";
 * import { gitTreeUnknown } from "./_git_tree.ts";
 * const why = (s: string) => gitTreeUnknown(analyzeScript(s).commands[0]!);
 * assert.match(why("git clean -fdx")!, /ignored/);
 * assert.match(why("git reset --hard")!, /tracked file/);
 * assert.equal(why("git clean -fdx build"), null);
 * assert.equal(why("git checkout main"), null);
 * assert.equal(why("git clean -n"), null);
 * ```
 *
 * @module
 */
import type { SimpleCommand } from "./shell_types.ts";

const STASH_WRITES = new Set(["push", "save", "pop", "apply", "branch"]);
/** Options of clean and stash that take their value as the next word. */
const VALUE_NEXT = new Set(["-e", "--exclude", "-m", "--message", "--pathspec-from-file"]);

/** Whether a short-option cluster (`-fdx`) or a long option of `short`/`long` is among `opts`. */
function _has(opts: readonly string[], short: string, long: readonly string[]): boolean {
  return opts.some((o) => long.includes(o) || (/^-[A-Za-z]+$/.test(o) && o.includes(short)));
}

/**
 * Why the git command `c` may delete, overwrite or read files the rule names anywhere in the working tree, or
 * null.
 */
export function gitTreeUnknown(c: SimpleCommand): string | null {
  const args = c.argv.slice(1);
  let i = 0;
  for (; i < args.length; i++) {
    const v = args[i]!.value;
    if (v === null || !v.startsWith("-")) break;
    if (v === "-C" || v === "-c" || v === "--git-dir" || v === "--work-tree" || v === "--namespace") i++;
  }
  const sub = args[i]?.value ?? null;
  if (sub === null) return null;
  let rest = args.slice(i + 1).map((w) => w.value);
  let stashSub: string | null = null;
  if (sub === "stash") {
    const first = rest[0];
    if (first !== undefined && first !== null && !first.startsWith("-")) {
      stashSub = first;
      rest = rest.slice(1);
    }
    if (stashSub !== null && !STASH_WRITES.has(stashSub)) return null;
  }
  const opts: string[] = [];
  let words = 0;
  for (let j = 0; j < rest.length; j++) {
    const v = rest[j];
    if (v === null || v === undefined) {
      words++;
      continue;
    }
    if (v === "--") {
      words += rest.length - j - 1;
      break;
    }
    if (v.startsWith("-") && v.length > 1) {
      opts.push(v.includes("=") ? v.slice(0, v.indexOf("=")) : v);
      if (VALUE_NEXT.has(v)) j++;
      continue;
    }
    words++;
  }
  // a pathspec given from a file is judged elsewhere (the gate cannot read it)
  const pathspec = words > 0 || opts.includes("--pathspec-from-file");
  if (sub === "clean") {
    if (pathspec || _has(opts, "n", ["--dry-run"])) return null;
    const ignored = _has(opts, "x", []) || _has(opts, "X", []);
    return `git clean without a pathspec deletes ${ignored ? "ignored and " : ""}untracked files anywhere in ` +
      "the working tree, which may be paths the rule names";
  }
  if (sub === "stash") {
    // `stash pop|apply|branch` take a stash, not a pathspec: they write back whatever the stash holds
    if (pathspec && (stashSub === null || stashSub === "push" || stashSub === "save")) return null;
    return `git stash${stashSub ? ` ${stashSub}` : ""} reverts, removes or writes back files anywhere in the ` +
      "working tree, which may be paths the rule names";
  }
  if (sub === "reset" && _has(opts, "\0", ["--hard", "--merge", "--keep"])) {
    return "git reset --hard overwrites every tracked file that differs, which may be paths the rule names";
  }
  if ((sub === "checkout" || sub === "switch") && _has(opts, "f", ["--force", "--discard-changes"])) {
    return `git ${sub} --force overwrites every tracked file that differs, which may be paths the rule names`;
  }
  if (sub === "hash-object" && opts.includes("--stdin-paths")) {
    return "git hash-object --stdin-paths reads the files named on its input, which may be paths the rule names";
  }
  return null;
}
