/**
 * Private helper of the rule engine's `path` floors (red team 6, F6): what a git command reads, read through git's
 * pathspec rules, and whether it prints file contents from history that no pathspec limits.
 *
 * Pathspec magic is interpreted as git does (gitglossary "pathspec"), or makes the floor "may apply":
 * - `:(top)x`, `:/x` name `x` from the top of the repository, which is the workspace (the sandbox shows no parent
 *   repository and run_bash starts in the workspace); `:(literal)x` names `x`; `::x` (empty magic) and `:x`
 *   name `x`; a pattern left empty (`:(top)`, `:/`, `''`) is the whole tree;
 * - `:!x`, `:^x`, `:(exclude)x` select everything the other pathspecs select except `x`: they name nothing, and
 *   when only excludes are given the whole tree is selected (as git does);
 * - `:(icase)x` names `x` and may match other names; `:(attr:…)`, `:(glob)` with a wildcard, `:(prefix:…)`, unknown magic, an unterminated `:(`, and a
 *   plain pathspec with a wildcard (`*`, `?`, `[`, `\`) match paths they do not name: "may apply";
 * - `--literal-pathspecs` / `--noglob-pathspecs` make every pathspec a name, `--glob-pathspecs` and
 *   `--icase-pathspecs` make them globs.
 *
 * Commands that print (or check out) file contents from the repository: `show`, `diff` (and `diff-tree`,
 * `diff-index`, `diff-files`, `range-diff`), `log`/`whatchanged`/`reflog` with a patch option (`-p`, `-U3`,
 * `--word-diff`, `-S`, `-G`, `-L`, …), `grep`, `archive`, `format-patch`, `stash show`, `cat-file`, `fast-export`,
 * `bundle`, `unpack-file`, `worktree`, `clone`, `checkout-index`, `read-tree`. Without an include pathspec (after
 * `--`, or a word naming an existing path before it) they may show any path of the history, so a path floor "may
 * apply" where there is a repository. `git show` of an object that may be a blob (an id, a tag) and `git cat-file`
 * of one that is not `REV:path` may apply whatever the pathspecs; `--full-diff` undoes a pathspec's limit.
 *
 * Pure.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyzeScript } from "./shell.ts";
 * import { gitReads } from "./_git_pathspec.ts";
 * const reads = (s: string) => gitReads(analyzeScript(s).commands[0]!, () => false, true);
 * assert.deepEqual(reads("git log -p -- ':!README'").paths, ["."]);
 * assert.deepEqual(reads("git log -- ':(top)src'").paths, ["src"]);
 * assert.match(reads("git show HEAD")!.unknown!, /history/);
 * assert.equal(reads("git show HEAD -- src").unknown, null);
 * ```
 *
 * @module
 */
import type { SimpleCommand } from "./shell_types.ts";

/** What a git command reads for the path floors. */
export interface GitReads {
  /** Paths its pathspecs select (workspace-relative, as written; `.` for the whole tree). */
  readonly paths: readonly string[];
  /** Why it may read paths it does not name, or null. */
  readonly unknown: string | null;
  /** Whether include pathspecs limit what it prints (`git status -v -- src`; not with `--full-diff`). */
  readonly limited: boolean;
}

/** One pathspec as git reads it. */
interface Pathspec {
  readonly exclude: boolean;
  /** The path it names (`.` for the whole tree), or null when it matches by magic or glob. */
  readonly path: string | null;
  readonly why: string | null;
}

const KNOWN_MAGIC = new Set(["top", "literal", "glob", "icase", "attr", "exclude", "prefix"]);
const WILDCARD = /[*?[\\]/;

/** Read one pathspec word (git's parse_element_magic). */
function _pathspec(v: string, global: { literal: boolean; glob: boolean; icase: boolean }): Pathspec {
  let pattern = v;
  const magic = new Set<string>();
  if (!global.literal && v.startsWith(":")) {
    if (v.startsWith(":(")) {
      const close = v.indexOf(")");
      if (close === -1) return { exclude: false, path: null, why: `git pathspec ${v} has no closing ")"` };
      for (const k of v.slice(2, close).split(",")) {
        const word = k.trim().replace(/[:=].*$/, "");
        if (word === "") continue;
        if (!KNOWN_MAGIC.has(word)) return { exclude: false, path: null, why: `git pathspec ${v} has unknown magic` };
        magic.add(word);
      }
      pattern = v.slice(close + 1);
    } else {
      let i = 1;
      for (; i < v.length && v[i] !== ":"; i++) {
        const ch = v[i]!;
        if (ch === "/") magic.add("top");
        else if (ch === "!" || ch === "^") magic.add("exclude");
        else if (/[A-Za-z0-9*?[\\]/.test(ch) || ch.charCodeAt(0) >= 0x80) break;
        else return { exclude: false, path: null, why: `git pathspec ${v} has unknown magic ${ch}` };
      }
      if (v[i] === ":") i++;
      pattern = v.slice(i);
    }
  }
  const exclude = magic.has("exclude");
  const literal = global.literal || magic.has("literal");
  if (magic.has("icase") || (global.icase && !literal)) {
    // it selects the name as written too (`:(icase)secrets/k` is secrets/k, and SECRETS/k)
    const path = !literal && WILDCARD.test(pattern) ? null : pattern === "" ? "." : pattern;
    return { exclude, path, why: `git pathspec ${v} matches names in any case` };
  }
  if (magic.has("attr")) return { exclude, path: null, why: `git pathspec ${v} matches by attributes` };
  if (magic.has("prefix")) return { exclude, path: null, why: `git pathspec ${v} has a prefix magic` };
  if (!literal && WILDCARD.test(pattern)) {
    return { exclude, path: null, why: `git pathspec ${v} is a glob, which may match paths it does not name` };
  }
  return { exclude, path: pattern === "" ? "." : pattern, why: null };
}

const CONTENT_ALWAYS = new Set([
  "grep",
  "archive",
  "format-patch",
  "fast-export",
  "bundle",
  "unpack-file",
  "worktree",
  "clone",
  "checkout-index",
  "read-tree",
]);
const DIFFS = new Set(["show", "diff", "diff-tree", "diff-index", "diff-files", "range-diff"]);
const LOGS = new Set(["log", "whatchanged", "reflog"]);
/** Options that make log (or show, diff) print patches. */
const PATCH =
  /^(-p|-u|-W|-c|-m|--cc|--dd|-U\d*|--unified|--patch|--patch-with-raw|--patch-with-stat|--function-context|--word-diff|--word-diff-regex|--color-words|--diff-merges|--remerge-diff|--binary|-L.*|-G.*|-S.*|--pickaxe-.*|--find-object)(=.*)?$/;
/** Options that make show and diff print no patch (names, counts, nothing). */
const NO_PATCH =
  /^(-s|--no-patch|--stat.*|--numstat|--shortstat|--name-only|--name-status|--raw|--summary|--dirstat.*|--compact-summary|--quiet)$/;
/** Long options of the content commands that take their value as the next word. */
const VALUE_OPTIONS = new Set([
  "--output",
  "--output-directory",
  "--prefix",
  "--format",
  "--max-depth",
  "--threads",
  "--author",
  "--committer",
  "--grep",
  "--since",
  "--until",
  "--after",
  "--before",
  "--remote",
  "--max-count",
  "--skip",
  "--exclude",
  "--add-file",
  "--open-files-in-pager",
]);
/** A revision that names a commit for sure (navigation, a range, HEAD and the like): not a blob. */
const COMMITISH = /^(([A-Z_]*HEAD|@)([~^]\d*)*|[^:]*[~^]\d*|[^:]*\.\.\.?[^:]*|[^:]*\^\{commit\})$/;

/**
 * What the git command `c` reads: the paths its pathspecs select and why it may read more. `exists` says whether
 * a word names a path in the workspace (git reads such a word before `--` as a pathspec); `repository`, whether
 * git finds a repository there.
 */
export function gitReads(c: SimpleCommand, exists: (word: string) => boolean, repository: boolean): GitReads {
  const args = c.argv.slice(1);
  const global = { literal: false, glob: false, icase: false };
  let i = 0;
  for (; i < args.length; i++) {
    const v = args[i]!.value;
    if (v === null || !v.startsWith("-")) break;
    if (v === "--literal-pathspecs" || v === "--noglob-pathspecs") global.literal = true;
    else if (v === "--glob-pathspecs") global.glob = true;
    else if (v === "--icase-pathspecs") global.icase = true;
    else if (v === "-C" || v === "-c" || v === "--git-dir" || v === "--work-tree" || v === "--namespace") i++;
  }
  let sub = args[i]?.value ?? null;
  i++;
  if (sub === "stash" && args[i]?.value === "show") {
    sub = "stash show";
    i++;
  }
  const paths: string[] = [];
  let unknown: string | null = null;
  let includes = 0;
  let excludes = 0;
  let patch = false;
  let noPatch = false;
  let fullDiff = false;
  let blobs = false;
  let objects = 0;
  let pathObjects = 0;
  let catFile: string | null = null;
  let catFileContent = sub === "cat-file";
  let dashdash = false;
  const take = (v: string) => {
    const p = _pathspec(v, global);
    if (p.exclude) excludes++;
    else includes++;
    if (p.why !== null) unknown ??= p.why;
    if (p.path !== null && !p.exclude) paths.push(p.path);
  };
  let prev: string | null = null;
  for (; i < args.length; i++) {
    const w = args[i]!;
    const v = w.value;
    const before = prev;
    prev = v;
    if (v === null) continue;
    if (dashdash) {
      take(v);
      continue;
    }
    if (v === "--") {
      dashdash = true;
      continue;
    }
    if (v.startsWith("-") && v.length > 1) {
      if (PATCH.test(v)) patch = true;
      if (NO_PATCH.test(v)) noPatch = true;
      if (v === "--full-diff") fullDiff = true;
      if (sub === "cat-file" && /^(-t|-s|-e|--batch-check.*)$/.test(v)) catFileContent = false;
      if (sub === "cat-file" && /^--batch/.test(v) && !/^--batch-check/.test(v)) {
        catFile ??= `git cat-file ${v} prints the objects named on its input`;
      }
      continue;
    }
    // the value of an option (`-f pats`, `-o out`, `--author x`) is no pathspec, even when it names a file
    const value = before !== null && (/^-[A-Za-z]$/.test(before) || VALUE_OPTIONS.has(before));
    if (value) {
      // it may still be a revision or an object (`git show -s <blob>`)
    } else if (v.startsWith(":") && !global.literal) {
      if (/^:\d+:/.test(v) || /^:[^(/!^:]/.test(v)) continue; // `:0:path`, `:path`: an index lookup, named as a path
      if (/^:\/./.test(v)) {
        // `:/text` before `--`: the commit whose message matches (its whole patch), or the pathspec `text`
        paths.push(v.slice(2));
        continue;
      }
      take(v);
      continue;
    }
    if (!value && (v === "" || v === "." || exists(v))) {
      take(v); // a word that names a path (and is not a revision) is a pathspec; `''` and `.` are everything
      continue;
    }
    // a revision or an object; `REV:path` names its path (read by the caller)
    objects++;
    if (v.includes(":")) pathObjects++;
    else if (!COMMITISH.test(v)) blobs = true;
    if (!v.includes(":") && sub === "cat-file" && catFileContent && !/^(blob|tree|commit|tag)$/.test(v)) {
      catFile ??= `git cat-file prints the object ${v}, which may be a file the rule names`;
    }
  }
  if (includes === 0 && excludes > 0) paths.push("."); // only excludes: everything else
  const limited = includes > 0 && !fullDiff;
  if (sub === null || !repository) return { paths, unknown, limited };
  let content = false;
  if (CONTENT_ALWAYS.has(sub) || sub === "stash show") content = true;
  else if (LOGS.has(sub) || sub === "stash") content = patch;
  else if (DIFFS.has(sub)) content = patch || !noPatch;
  if (catFile !== null) unknown ??= catFile;
  // `git show HEAD:README` prints that one file
  const shown = limited || (sub === "show" && objects > 0 && objects === pathObjects && !fullDiff);
  if (content && !shown) {
    unknown ??= `git ${sub} prints file contents from the repository's history that no pathspec limits, ` +
      "which may be paths the rule names";
  }
  if (sub === "show" && blobs) {
    unknown ??= "git show prints an object that may be a file the rule names (a blob id or a tag)";
  }
  return { paths, unknown, limited };
}
