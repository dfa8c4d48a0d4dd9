/**
 * Private helper of the rule engine's `path` floors (red team 13, L3): git revisions that may name a tree other than
 * a commit's root tree. git reads `<rev>:<path>` as `path` inside the tree `rev` names: from the repository's root
 * when `rev` names a commit (`HEAD:secrets/k` is `secrets/k`, judged as written), but `<id-of-secrets/>:k` is
 * `secrets/k` too. The same holds for the tree a command reads paths from (`git checkout <rev> -- k`,
 * `git restore --source=<rev> k`, `git diff <rev> -- k`, `git reset <rev> -- k`, `git grep x <rev> -- k`,
 * `git archive <rev> k`, `git read-tree <rev>`).
 *
 * A revision is known to name a commit when its name is `HEAD`, `@` or a branch (the facts say git reads it as
 * `refs/heads/<name>`, which git points at commits only), followed by navigation (`~2`, `^`, `^{commit}`,
 * `^{tree}`, `^{}`, `^{/text}`) or a reflog entry (`@{1}`, `@{-1}`, `@{yesterday}`). Anything else may name any
 * tree: an object id (4 to 64 hex digits, whatever follows it), a tag (`git tag t <tree-id>` makes one), a
 * remote-tracking ref or `@{upstream}` (a fetch stores what the remote holds), `FETCH_HEAD` and other names. With
 * `-C`, `--git-dir`, `--work-tree` or `--namespace` no name is a branch the facts know, and `<rev>:./k` is relative
 * to that folder. Option values (`--grep 'fix: a'`) and grep's pattern are not revisions.
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
import { NO_OBJECTS } from "./_git_history.ts";
import type { SimpleCommand } from "./shell_types.ts";

/**
 * Subcommands whose words are messages, names, remotes, refspecs or settings, never `<rev>:<path>`: those that copy
 * no objects into the tree (_git_history.ts), and the ones that move objects between repositories or show status.
 */
const NOT_REVS: ReadonlySet<string> = new Set([...NO_OBJECTS, "fetch", "push", "pull", "status"]);

/**
 * Subcommands that read paths from the trees their plain revision words name, and how many leading plain words are
 * revisions: `checkout` and `reset` one, and only when paths follow it (alone it must be a commit to switch to or
 * reset to); `archive` and `diff-index` one; the others every word that names no path. `grep`'s first plain word is
 * its pattern unless `-e`/`-f` give it.
 */
const TREE_READERS: ReadonlyMap<string, number> = new Map([
  ["checkout", 1],
  ["reset", 1],
  ["archive", 1],
  ["diff-index", 1],
  ["diff", Infinity],
  ["diff-tree", Infinity],
  ["read-tree", Infinity],
  ["merge-tree", Infinity],
  ["grep", Infinity],
]);

/** Options of TREE_READERS whose value is the next word and no revision (`checkout -b new`, `grep -C 3`). */
const NAME_VALUE =
  /^-[bBUoeEfACm]$|^--(orphan|conflict|output|prefix|format|remote|exec|max-depth|threads|context|after-context|before-context|max-count|inter-hunk-context|src-prefix|dst-prefix|open-files-in-pager)$/;

/** Options of any subcommand whose value is the next word: a message, a format, a pattern, a line range. */
const VALUE =
  /^(-[mFLSGOnNx]|--(message|file|grep|author|committer|format|pretty|since|until|after|before|notes|template|trailer|exclude|glob))$/;

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
    else if (ch === ":" && depth === 0) {
      // no revision holds white space outside `{…}` (`fix: x`, `%h: %s` are text)
      const rev = v.slice(0, i);
      return i === 0 || /\s/.test(rev.replace(/\{[^}]*\}/g, "")) ? null : rev;
    }
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
  let moved: string | null = null;
  for (; i < args.length; i++) {
    const v = args[i]!.value;
    if (v === null || !v.startsWith("-")) break;
    // another folder, git folder or ref namespace: the workspace's branches are not the ones git reads, and
    // `HEAD:./k` is `k` in that folder
    if (/^(-C|--git-dir|--work-tree|--namespace)(=|$)/.test(v)) moved ??= v;
    if (v === "-C" || v === "-c" || v === "--git-dir" || v === "--work-tree" || v === "--namespace") i++;
  }
  const sub = args[i]?.value ?? null;
  if (sub === null || NOT_REVS.has(sub)) return null;
  if (moved !== null) isBranch = null;
  const why = (v: string, rev: string) =>
    `git ${sub} is given ${v}, whose revision ${rev} may name a tree other than a commit's root ` +
    "(an object id, a tag or a ref the agent may have pointed at any tree), so its paths may be paths the rule names";
  let prev: string | null = null;
  const plain: string[] = [];
  let dashdash = false;
  let pattern = false;
  for (let j = i + 1; j < args.length; j++) {
    const v = args[j]!.value;
    const before = prev;
    prev = v;
    if (v === null) continue;
    if (v === "--") {
      dashdash = true;
      break;
    }
    if (v.startsWith("-")) {
      // `--source=<rev>` (restore, checkout), `-s<rev>`
      const src = /^--source=(.+)$/.exec(v)?.[1] ?? (sub === "restore" && /^-s(.+)$/.exec(v)?.[1]) ?? null;
      if (src && !namesCommit(_revOfPath(src) ?? src, isBranch)) return why(v, _revOfPath(src) ?? src);
      continue;
    }
    if (sub === "restore" && (before === "-s" || before === "--source")) {
      if (!namesCommit(_revOfPath(v) ?? v, isBranch)) return why(`${before} ${v}`, _revOfPath(v) ?? v);
      continue;
    }
    // an option's value (`-m 'fix: x'`, `--format '%h:%s'`, `-L 1,5:f`), or grep's pattern (`git grep 'TODO:'`)
    if (before !== null && (NAME_VALUE.test(before) || VALUE.test(before))) continue;
    if (sub === "grep" && !pattern && !args.some((w) => /^(-e|-f|--patterns?)$/.test(w.value ?? ""))) {
      pattern = true;
      continue;
    }
    if (moved !== null && /^[^\s]*:\.\.?(\/|$)/.test(v)) {
      return `git ${moved} ${sub} is given ${v}, whose path is read from another folder than the workspace's, ` +
        "so it may be a path the rule names";
    }
    const rev = _revOfPath(v);
    if (rev !== null) {
      if (!namesCommit(rev, isBranch)) return why(v, rev);
      continue;
    }
    plain.push(v);
  }
  const most = TREE_READERS.get(sub);
  if (most === undefined) return null;
  // `git checkout <rev>` alone switches to a commit; with paths (or `-p`, which offers every path) it reads the tree
  const patch = args.some((w) => /^(-p|--patch)$/.test(w.value ?? ""));
  const revs = (sub === "checkout" || sub === "reset") && !dashdash && !patch && plain.length < 2 ? [] : plain;
  for (const v of revs.slice(0, most)) {
    // a plain word: a revision the command reads paths from, unless it names a path (a pathspec, judged by
    // _git_pathspec.ts as the path it is)
    if (v === "." || v === "" || exists(v)) continue;
    if (!namesCommit(v, isBranch)) return why(v, v);
  }
  return null;
}
