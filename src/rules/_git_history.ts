/**
 * Private helper of the rule engine's `path` floors (red team 9, H15): git commands that may make the contents of
 * a committed file show up where the words do not name it. A path floor protects working-tree paths, but git's
 * object database holds every committed version of them, reachable by object ids and by refs that redirect what
 * git prints:
 * - notes (`refs/notes/*`) are printed by plain `git log` and `git show`: `git notes add -C <blob>` makes any blob
 *   a note; replace refs (`refs/replace/*`) make git print one object in place of another everywhere
 *   (`git replace <blob of a> <blob of secrets/k>`, then `git show HEAD:a`). When the repository holds either
 *   (a path fact read from disk: `PathFacts.gitHistoryRefs`), every git command may apply.
 * - commands that make objects or refs, or move an object's content into the index, the working tree, a note or a
 *   tag (`notes`, `replace`, `update-ref`, `symbolic-ref`, `commit-tree`, `mktree`, `mktag`, `update-index`,
 *   `fast-import`, `filter-branch`, `filter-repo`) may apply whatever their words;
 * - a word naming an object by its id (hex, 4 to 64 digits), a tree or blob by `REV:path` that is handed to a
 *   command other than the ones that only take commits, or a ref under `refs/notes/` or `refs/replace/` (a
 *   refspec of `fetch`/`push`, `--notes=<ref>`, `core.notesRef`) may apply.
 *
 * What stays: `status`, `diff` of the working tree, `log --oneline`, `log <commit-id>`, `branch`, `add`, `commit`,
 * `rev-parse` (they print names, ids, or the working tree, which the floors already judge). The printers of history
 * contents themselves (`show`, `log -p`, `cat-file`, `archive`, …) are judged by _git_pathspec.ts.
 *
 * Pure.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyzeScript } from "./shell.ts";
 * import { gitHistoryUnknown } from "./_git_history.ts";
 * const why = (s: string, refs: string | null = null) => gitHistoryUnknown(analyzeScript(s).commands[0]!, refs);
 * assert.match(why("git notes add -C e021b4d2")!, /notes/);
 * assert.match(why("git replace 1234abcd 5678ef90")!, /replace/);
 * assert.equal(why("git log --oneline"), null);
 * assert.match(why("git log -1", "the repository has refs/notes/commits")!, /refs\/notes/);
 * ```
 *
 * @module
 */
import type { SimpleCommand } from "./shell_types.ts";

/** Subcommands that make objects or refs, or copy an object's content somewhere git or the agent reads it. */
const MAKERS = new Set([
  "notes",
  "replace",
  "update-ref",
  "symbolic-ref",
  "commit-tree",
  "mktree",
  "mktag",
  "update-index",
  "fast-import",
  "filter-branch",
  "filter-repo",
  "unpack-objects",
  "index-pack",
]);

/** Subcommands that only take commits (a blob or tree id fails) and print no object contents, or are judged elsewhere. */
const COMMITS_ONLY = new Set([
  "log",
  "shortlog",
  "rev-list",
  "rev-parse",
  "branch",
  "merge-base",
  "cherry-pick",
  "revert",
  "rebase",
  "describe",
  "switch",
  "merge",
  "status",
  "name-rev",
  "show-branch",
  "cherry",
  "bisect",
  "ls-tree",
  "blame",
  "whatchanged",
  "reflog",
  // print the objects they are given: judged by _git_pathspec.ts (`git show <blob>` may apply, `cat-file -t` not)
  "show",
  "cat-file",
]);

/** Subcommands whose words are messages, names, remotes or refspecs, never objects copied into the tree. */
export const NO_OBJECTS: ReadonlySet<string> = new Set([
  "add",
  "rm",
  "mv",
  "commit",
  "init",
  "clean",
  "help",
  "version",
  "gc",
  "fsck",
  "remote",
  "config",
  "ls-remote",
  "clone",
  "submodule",
]);

/** Subcommands whose words are remotes and refspecs (`src:dst`): a source given by id may be any object. */
const REFSPECS = new Set(["fetch", "push", "pull"]);

/** An object id (abbreviated or full), maybe with a suffix (`<id>^{tree}`, `<id>:path`). */
const OBJECT_ID = /^[0-9a-fA-F]{4,64}([~^@:].*)?$/;
/** A ref that redirects what git prints (notes, replace refs), or a setting that names one. */
const HISTORY_REF = /refs\/(notes|replace)\b|notesref|displayref|notes\.rewrite|replace-ref-base/i;

/**
 * Why the git command `c` may print, or move somewhere printable, contents of a committed file its words do not
 * name, or null. `historyRefs` is why the repository redirects what git prints (it holds notes or replace refs), or
 * null when it holds none.
 */
export function gitHistoryUnknown(c: SimpleCommand, historyRefs: string | null): string | null {
  if (historyRefs !== null) {
    return `${historyRefs}, through which any git command may print committed contents of paths the rule names`;
  }
  const args = c.argv.slice(1);
  let i = 0;
  for (; i < args.length; i++) {
    const v = args[i]!.value;
    if (v === null || !v.startsWith("-")) break;
    if (HISTORY_REF.test(v)) return `git ${v} names a ref that redirects what git prints`;
    if (v === "-C" || v === "-c" || v === "--git-dir" || v === "--work-tree" || v === "--namespace") {
      const next = args[i + 1]?.value;
      if (v === "-c" && next && HISTORY_REF.test(next)) {
        return `git -c ${next} names a ref that redirects what git prints`;
      }
      i++;
    }
  }
  const sub = args[i]?.value ?? null;
  if (sub === null) return null;
  if (MAKERS.has(sub)) {
    return `git ${sub} makes objects or refs, which may make a committed file the rule names show up elsewhere ` +
      "(a note, a replace ref, the index)";
  }
  for (let j = i + 1; j < args.length; j++) {
    const v = args[j]!.value;
    if (v === null) continue;
    if (HISTORY_REF.test(v)) return `git ${sub} ${v} names a ref that redirects what git prints (notes, replace refs)`;
    if (/^--(show-)?notes=/.test(v)) return `git ${sub} ${v} prints notes from a ref of the agent's choosing`;
    if (REFSPECS.has(sub) && !v.startsWith("-")) {
      // `git push . <tree-id>:refs/tags/t`: a ref to any object, which `git checkout t -- .` then writes out
      const src = v.replace(/^\+/, "").split(":")[0]!;
      if (OBJECT_ID.test(src)) {
        return `git ${sub} is given ${v}, which may be the id of a committed file the rule names`;
      }
      continue;
    }
    if (COMMITS_ONLY.has(sub) || NO_OBJECTS.has(sub) || (v.startsWith("-") && !v.includes("="))) continue;
    const value = v.startsWith("-") ? v.slice(v.indexOf("=") + 1) : v;
    if (value.split(/[,\s]/).some((p) => OBJECT_ID.test(p))) {
      // alone or in a list (`--cacheinfo 100644,<id>,a`)
      return `git ${sub} is given ${v}, which may be the id of a committed file the rule names`;
    }
    if (/^[^:]*[^:\s]:[^:]*$/.test(value)) {
      // `git checkout HEAD:secrets -- .`, `git restore --source=HEAD:secrets k`: a tree of the floor's folder
      return `git ${sub} is given ${v}, a tree or file from history that may hold paths the rule names`;
    }
  }
  return null;
}
