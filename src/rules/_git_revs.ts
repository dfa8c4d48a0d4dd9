/**
 * Private helper of the rule engine's `path` floors (red team 13, L3): git revisions that may name a tree other than
 * a commit's root tree. git reads `<rev>:<path>` as `path` inside the tree `rev` names: from the repository's root
 * when `rev` names a commit (`HEAD:secrets/k` is `secrets/k`, judged as written), but `<id-of-secrets/>:k` is
 * `secrets/k` too. The same holds for the tree a command reads paths from (`git checkout <rev> -- k`,
 * `git restore --source=<rev> k`, `git diff <rev> -- k`, `git reset <rev> -- k`, `git read-tree <rev>`).
 *
 * A revision is known to name a commit when its name is `HEAD`, `@` or a branch (the facts say git reads it as
 * `refs/heads/<name>`, which git points at commits only), followed by navigation (`~2`, `^`, `^{commit}`,
 * `^{tree}`, `^{}`, `^{/text}`) or a reflog entry (`@{1}`, `@{-1}`, `@{yesterday}`). Anything else may name any
 * tree: an object id (4 to 64 hex digits, whatever follows it), a tag (`git tag t <tree-id>` makes one), a
 * remote-tracking ref or `@{upstream}` (a fetch stores what the remote holds), `FETCH_HEAD` and other names.
 *
 * Pure.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyzeScript } from "./shell.ts";
 * import { gitRevTreeUnknown } from "./_git_revs.ts";
 * const why = (s: string) => gitRevTreeUnknown(analyzeScript(s).commands[0]!, (n) => n === "main");
 * assert.match(why("git show 1fb2be39:k")!, /may name a tree/);
 * assert.match(why("git checkout v1 -- k")!, /may name a tree/);
 * assert.equal(why("git show HEAD~1:src/a.ts"), null);
 * assert.equal(why("git show main:src/a.ts"), null);
 * ```
 *
 * @module
 */
import type { SimpleCommand } from "./shell_types.ts";

/** Subcommands whose words are messages, names, remotes, refspecs or settings, never `<rev>:<path>`. */
const NOT_REVS = new Set([
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
  "fetch",
  "push",
  "pull",
  "status",
]);

/** Subcommands that read paths from the tree a plain revision word names (`git checkout <rev> -- k`). */
const TREE_READERS = new Set(["checkout", "restore", "reset", "diff", "diff-index", "diff-tree", "read-tree"]);

/** Short options of TREE_READERS whose value is the next word and no revision (`checkout -b new`). */
const NAME_VALUE = /^-[bBU]$|^--(orphan|conflict|inter-hunk-context|output|src-prefix|dst-prefix|prefix)$/;

const OBJECT_ID = /^[0-9a-fA-F]{4,64}$/;

/**
 * The `<rev>` of a word `<rev>:<path>` (git's colon: the first outside `{…}`), or null when the word has none or an
 * empty one (`:k`, `:0:k` read the index).
 */
function _revOfPath(v: string): string | null {
  let depth = 0;
  for (let i = 0; i < v.length; i++) {
    const ch = v[i];
    if (ch === "{") depth++;
    else if (ch === "}" && depth > 0) depth--;
    else if (ch === ":" && depth === 0) return i === 0 ? null : v.slice(0, i);
  }
  return null;
}

/** Whether the revision `rev` names a commit for sure (see the module's doc), `isBranch` saying which names are. */
export function namesCommit(rev: string, isBranch: ((name: string) => boolean) | null): boolean {
  if (rev.includes("..")) {
    // a range (`a..b`, `a...b`): each end
    return rev.split(/\.\.\.?/).every((r) => r === "" || namesCommit(r, isBranch));
  }
  const m = /^(.*?)(?=[~^]|@\{|$)/.exec(rev)!;
  const base = m[1]!;
  const rest = rev.slice(base.length);
  // every suffix navigates commits, or is a reflog entry (`@{u}`, `@{push}` name another ref)
  for (const s of rest.matchAll(/@\{([^}]*)\}/g)) {
    if (/^(u|upstream|push)$/i.test(s[1]!)) return false;
  }
  if (!/^([~^]\d*|\^\{(commit|tree|)\}|\^\{\/[^}]*\}|@\{[^}]*\})*$/.test(rest)) return false;
  if (base === "" || base === "@" || base === "HEAD") return rest !== "" || base !== "";
  if (OBJECT_ID.test(base)) return false;
  return isBranch !== null && isBranch(base);
}

/**
 * Why a word of the git command `c` may read paths from a tree other than a commit's root tree (a path floor may
 * apply), or null. `isBranch` says whether git reads a name as a branch (`PathFacts.gitBranch`; null: no name is);
 * `exists`, whether a word names a path in the workspace (git reads it as a pathspec).
 */
export function gitRevTreeUnknown(
  c: SimpleCommand,
  isBranch: ((name: string) => boolean) | null,
  exists: (word: string) => boolean = () => false,
): string | null {
  const args = c.argv.slice(1);
  let i = 0;
  for (; i < args.length; i++) {
    const v = args[i]!.value;
    if (v === null || !v.startsWith("-")) break;
    if (v === "-C" || v === "-c" || v === "--git-dir" || v === "--work-tree" || v === "--namespace") i++;
  }
  const sub = args[i]?.value ?? null;
  if (sub === null || NOT_REVS.has(sub)) return null;
  const why = (v: string, rev: string) =>
    `git ${sub} is given ${v}, whose revision ${rev} may name a tree other than a commit's root ` +
    "(an object id, a tag or a ref the agent may have pointed at any tree), so its paths may be paths the rule names";
  let prev: string | null = null;
  for (let j = i + 1; j < args.length; j++) {
    const v = args[j]!.value;
    const before = prev;
    prev = v;
    if (v === null) continue;
    if (v === "--") break;
    if (v.startsWith("-")) {
      // `--source=<rev>` (restore, checkout), `-s<rev>`
      const src = /^--source=(.+)$/.exec(v)?.[1] ?? (sub === "restore" && /^-s(.+)$/.exec(v)?.[1]) ?? null;
      if (src && !namesCommit(_revOfPath(src) ?? src, isBranch)) return why(v, _revOfPath(src) ?? src);
      continue;
    }
    const rev = _revOfPath(v);
    if (rev !== null) {
      if (!namesCommit(rev, isBranch)) return why(v, rev);
      continue;
    }
    if (!TREE_READERS.has(sub)) continue;
    if (before !== null && NAME_VALUE.test(before)) continue;
    if (before === "-s" && sub !== "restore") continue;
    // a plain word: a revision the command reads paths from, unless it names a path (a pathspec, judged by
    // _git_pathspec.ts as the path it is)
    if (v === "." || v === "" || exists(v)) continue;
    if (!namesCommit(v, isBranch)) return why(v, v);
  }
  return null;
}
