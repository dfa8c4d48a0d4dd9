/**
 * Private helper of the rule engine's `path` floors (red team 14): whether a git command may print or copy file
 * contents its words do not name, judged against what is known to print none. Red teams kept finding one more option
 * or subcommand that prints a diff (`status -v`, `log --check`, `add -p`, `difftool`, `merge-tree`, `pack-objects`),
 * so the list is inverted: a command is clear of a path floor only when
 *
 * - its subcommand is one the table below knows, and every option it is given is one the table lists for it as
 *   printing names, ids, counts or messages only (`--oneline`, `-s`, `--porcelain`, `-m`); an abbreviated long
 *   option is not read as the option it abbreviates. Any other option (or an unknown subcommand, such as an alias
 *   defined in the repository's config) may print contents, unless the subcommand takes pathspecs and the words name
 *   paths (`git status -v -- src`: the floor then judges those paths);
 * - it does not move the work tree or the git folder (`--work-tree`, `--git-dir`, `GIT_WORK_TREE=…`, `-c
 *   core.worktree=…`, any `GIT_*` variable but the author's and committer's names): a checkout into another folder
 *   writes every tracked file there, under names no floor names;
 * - its `-c` settings, and the keys of the repository's own config, are known to change nothing git prints or writes
 *   ({@linkcode quietGitKey}: `user.*`, `color.*`, `remote.*.url`, …): `alias.*`, `core.worktree`, `core.pager`,
 *   `commit.verbose`, `include.path` and any key not listed may;
 * - no format names a raw object (`--format=%(raw)`, `%(contents)`), and `git config` sets no key that is not quiet.
 *
 * What prints contents by design (`show`, `diff`, `log -p`, `grep`, `archive`, …) is judged by _git_pathspec.ts; this
 * helper only says which forms are known to print none.
 *
 * Pure.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyzeScript } from "./shell.ts";
 * import { gitOutputUnknown } from "./_git_output.ts";
 * const why = (s: string, limited = false) => gitOutputUnknown(analyzeScript(s).commands[0]!, limited, []);
 * assert.equal(why("git status -sb"), null);
 * assert.match(why("git status -v")!, /-v/);
 * assert.equal(why("git status -v -- src", true), null);
 * assert.match(why("git --work-tree=out checkout main")!, /work tree/);
 * assert.match(why("git merge-tree a b c", true)!, /merge-tree/);
 * ```
 *
 * @module
 */
import type { ShellAnalysis, SimpleCommand } from "./shell_types.ts";

/** One subcommand: its short options known to print no contents, those of them taking a value, its long ones. */
interface Known {
  /** Short option letters that print no file contents (in a cluster: `-sb`). */
  readonly short: string;
  /** Of those, the letters whose value may follow in the same word (`-n3`, `-uno`, `-mfix`). */
  readonly valued: string;
  /** Long options (without `--`, without `=value`) that print no file contents. */
  readonly long: ReadonlySet<string>;
  /** Whether pathspecs limit what it prints (`git status -v -- src` shows only src's diff). */
  readonly pathspecs: boolean;
  /** Whether `-<number>` is a count (`git log -5`). */
  readonly count?: boolean;
  /** Every option is accepted: a printer of contents that _git_pathspec.ts judges with its pathspecs. */
  readonly any?: boolean;
}

function _k(short: string, valued: string, long: string, pathspecs: boolean, count = false): Known {
  return { short, valued, long: new Set(long.split(/\s+/).filter((x) => x !== "")), pathspecs, count };
}

/** The options of the log family that print names, ids, counts or messages only. */
const LOG_LONG = `oneline graph all branches tags remotes decorate decorate-refs decorate-refs-exclude
  clear-decorations abbrev-commit abbrev format pretty date relative-date since until after before since-as-filter
  author committer grep invert-grep all-match max-count skip reverse merges min-parents max-parents first-parent
  topo-order date-order author-date-order stat numstat shortstat name-only name-status summary dirstat
  compact-summary raw follow left-right left-only right-only cherry-pick cherry-mark cherry boundary ancestry-path
  simplify-by-decoration simplify-merges full-history dense sparse do-walk color source mailmap use-mailmap parents
  children count quiet regexp-ignore-case basic-regexp extended-regexp fixed-strings perl-regexp encoding expand-tabs
  show-pulls exclude glob not objects objects-edge timestamp header relative find-renames find-copies
  exclude-first-parent-only stat-width stat-name-width stat-graph-width stat-count in-commit-order no-patch patience
  histogram minimal`;
/** Short options of the log family: a count, no patch, regex flags, `-z`, raw's recursion and trees, renames. */
const LOG_SHORT = "nsiEFPqzrtMC";

/** A printer of file contents, judged by _git_pathspec.ts (which asks unless pathspecs or `REV:path` limit it). */
const PRINTER: Known = { ..._k("", "", "", true), any: true };

const TABLE: ReadonlyMap<string, Known> = new Map([
  ["grep", PRINTER],
  ["cat-file", PRINTER],
  ["archive", PRINTER],
  ["format-patch", PRINTER],
  ["fast-export", PRINTER],
  ["range-diff", PRINTER],
  ["checkout-index", PRINTER],
  ["read-tree", PRINTER],
  ["apply", _k("v", "", "stat numstat summary check verbose", false)],
  ["log", _k(LOG_SHORT, "nMC", LOG_LONG, true, true)],
  ["whatchanged", _k(LOG_SHORT, "nMC", LOG_LONG, true, true)],
  [
    "reflog",
    _k(LOG_SHORT, "nMC", LOG_LONG + " expire-unreachable stale-fix rewrite updateref verbose dry-run", true, true),
  ],
  ["shortlog", _k(LOG_SHORT + "ecw", "nw", LOG_LONG + " summary numbered email group", true, true)],
  [
    "rev-list",
    _k(LOG_SHORT, "nMC", LOG_LONG + " bisect bisect-all bisect-vars objects-edge-aggressive unpacked", true, true),
  ],
  ["show", _k(LOG_SHORT, "nMC", LOG_LONG, true, true)],
  [
    "show-branch",
    _k(
      "ar",
      "",
      "all remotes topo-order date-order current sparse more list independent merge-base sha1-name topics reflog color",
      false,
    ),
  ],
  ["cherry", _k("v", "", "abbrev", false)],
  [
    "diff",
    _k(
      "sqrtzMCR",
      "MC",
      "stat numstat shortstat name-only name-status summary dirstat compact-summary raw quiet exit-code cached staged merge-base relative color abbrev find-renames find-copies patience histogram minimal stat-width stat-name-width stat-graph-width stat-count no-patch",
      true,
    ),
  ],
  [
    "diff-tree",
    _k(
      "sqrtzMCR",
      "MC",
      "stat numstat shortstat name-only name-status summary dirstat compact-summary raw quiet exit-code root stdin relative abbrev find-renames find-copies no-commit-id no-patch",
      true,
    ),
  ],
  [
    "diff-index",
    _k(
      "sqrtzMCR",
      "MC",
      "stat numstat shortstat name-only name-status summary dirstat compact-summary raw quiet exit-code cached merge-base relative abbrev no-patch",
      true,
    ),
  ],
  [
    "diff-files",
    _k(
      "sqrtzMCR",
      "MC",
      "stat numstat shortstat name-only name-status summary dirstat compact-summary raw quiet exit-code relative abbrev no-patch",
      true,
    ),
  ],
  [
    "status",
    _k(
      "sbzu",
      "u",
      "short branch porcelain long show-stash ahead-behind ignored ignore-submodules untracked-files column renames find-renames null",
      true,
    ),
  ],
  [
    "branch",
    _k(
      "arlvdDmMcCftuqi",
      "u",
      "all remotes list verbose show-current contains merged sort format points-at column color abbrev delete move copy force track set-upstream-to unset-upstream quiet ignore-case create-reflog recurse-submodules",
      false,
    ),
  ],
  [
    "tag",
    _k(
      "ldasmfFn",
      "mFn",
      "list delete annotate message file force contains merged sort format points-at column color ignore-case create-reflog cleanup",
      false,
    ),
  ],
  [
    "add",
    _k(
      "AunvfN",
      "",
      "all update dry-run verbose force intent-to-add ignore-errors ignore-missing refresh chmod renormalize sparse ignore-removal pathspec-from-file pathspec-file-nul",
      true,
    ),
  ],
  [
    "commit",
    _k(
      "maqnsFCcuoiztS",
      "mFCcut",
      "message all quiet amend edit allow-empty allow-empty-message verify signoff author date file reuse-message reedit-message fixup squash reset-author only include untracked-files dry-run short branch porcelain long null cleanup trailer template status post-rewrite pathspec-from-file pathspec-file-nul",
      true,
    ),
  ],
  ["rm", _k("fnqr", "", "cached force dry-run quiet ignore-unmatch sparse pathspec-from-file pathspec-file-nul", true)],
  ["mv", _k("fnkv", "", "force dry-run verbose sparse", true)],
  [
    "checkout",
    _k(
      "bBqfmtl",
      "bB",
      "quiet force merge detach track orphan guess ignore-skip-worktree-bits ignore-other-worktrees overwrite-ignore recurse-submodules progress conflict overlay pathspec-from-file pathspec-file-nul ours theirs",
      true,
    ),
  ],
  [
    "switch",
    _k(
      "cCdfmtq",
      "cC",
      "create force-create detach guess discard-changes merge conflict quiet progress track orphan ignore-other-worktrees recurse-submodules",
      false,
    ),
  ],
  [
    "restore",
    _k(
      "sWSqm",
      "s",
      "source staged worktree quiet progress ours theirs merge conflict ignore-unmerged overlay ignore-skip-worktree-bits recurse-submodules pathspec-from-file pathspec-file-nul",
      true,
    ),
  ],
  [
    "reset",
    _k(
      "qN",
      "",
      "quiet soft mixed hard merge keep recurse-submodules intent-to-add pathspec-from-file pathspec-file-nul refresh",
      true,
    ),
  ],
  [
    "stash",
    _k(
      "uakqmS",
      "m",
      "include-untracked all keep-index quiet message staged index pathspec-from-file pathspec-file-nul oneline",
      true,
    ),
  ],
  ["clean", _k("fdxXnqe", "e", "force dry-run quiet exclude", true)],
  [
    "push",
    _k(
      "uvqfnd",
      "",
      "set-upstream verbose quiet force force-with-lease force-if-includes dry-run delete tags follow-tags all branches mirror prune atomic porcelain progress verify push-option recurse-submodules thin ipv4 ipv6",
      false,
    ),
  ],
  [
    "pull",
    _k(
      "qvr",
      "",
      "rebase ff ff-only autostash quiet verbose all prune tags depth unshallow squash commit edit progress stat log signoff recurse-submodules allow-unrelated-histories ipv4 ipv6",
      false,
    ),
  ],
  [
    "fetch",
    _k(
      "qvpPtaf",
      "",
      "all prune prune-tags tags depth deepen unshallow shallow-since shallow-exclude quiet verbose progress force dry-run multiple jobs recurse-submodules set-upstream atomic append refetch write-fetch-head update-shallow keep ipv4 ipv6 porcelain auto-maintenance auto-gc",
      false,
    ),
  ],
  ["remote", _k("v", "", "verbose tags mirror push add delete all", false)],
  [
    "merge",
    _k(
      "qvnsmX",
      "msX",
      "ff ff-only squash commit edit message abort continue quit quiet verbose stat summary log strategy strategy-option allow-unrelated-histories autostash signoff progress into-name verify rerere-autoupdate",
      false,
    ),
  ],
  [
    "rebase",
    _k(
      "iqvfmsXr",
      "sX",
      "interactive onto continue abort skip quit autosquash autostash keep-base root update-refs rebase-merges empty quiet verbose stat signoff committer-date-is-author-date reset-author-date ignore-date fork-point strategy strategy-option force-rebase merge apply keep-empty reapply-cherry-picks verify rerere-autoupdate edit-todo show-current-patch",
      false,
    ),
  ],
  [
    "cherry-pick",
    _k(
      "nxesmX",
      "mX",
      "continue abort skip quit edit signoff mainline ff allow-empty allow-empty-message keep-redundant-commits empty strategy strategy-option rerere-autoupdate",
      false,
    ),
  ],
  [
    "revert",
    _k(
      "nesmX",
      "mX",
      "continue abort skip quit edit signoff mainline strategy strategy-option rerere-autoupdate reference",
      false,
    ),
  ],
  [
    "rev-parse",
    _k(
      "q",
      "",
      "abbrev-ref show-toplevel git-dir git-common-dir is-inside-work-tree is-inside-git-dir is-bare-repository is-shallow-repository short verify quiet symbolic symbolic-full-name show-prefix show-cdup absolute-git-dir show-superproject-working-tree all branches tags remotes glob exclude since until after before default prefix sq local-env-vars path-format git-path show-object-format show-ref-format resolve-git-dir shared-index-path not flags revs-only",
      false,
    ),
  ],
  [
    "ls-files",
    _k(
      "cdmoiskuvtfzxX",
      "xX",
      "cached deleted modified others ignored stage unmerged killed directory eol exclude-standard exclude exclude-from exclude-per-directory error-unmatch full-name recurse-submodules abbrev debug deduplicate sparse format",
      true,
    ),
  ],
  ["ls-tree", _k("dlrtz", "", "name-only name-status long full-name full-tree abbrev object-only format", true)],
  [
    "describe",
    _k(
      "",
      "",
      "tags all long abbrev always dirty broken match exclude contains first-parent candidates exact-match debug",
      false,
    ),
  ],
  ["init", _k("qb", "b", "quiet bare initial-branch object-format ref-format shared", false)],
  [
    "config",
    _k(
      "lz",
      "",
      "get get-all get-regexp get-urlmatch list global system local worktree name-only show-origin show-scope type bool int bool-or-int path expiry-date null default fixed-value unset unset-all add replace-all",
      false,
    ),
  ],
  ["gc", _k("q", "", "aggressive auto quiet prune force keep-largest-pack cruft", false)],
  [
    "fsck",
    _k(
      "v",
      "",
      "full strict unreachable dangling root tags cache reflogs connectivity-only name-objects progress verbose",
      false,
    ),
  ],
  ["prune", _k("nv", "", "dry-run verbose progress expire", false)],
  ["count-objects", _k("vH", "", "verbose human-readable", false)],
  [
    "show-ref",
    _k("dsq", "", "head heads tags branches dereference hash verify quiet abbrev exists exclude-existing", false),
  ],
  [
    "for-each-ref",
    _k(
      "",
      "",
      "format sort count points-at merged contains ignore-case omit-empty shell perl python tcl exclude",
      false,
    ),
  ],
  ["ls-remote", _k("htq", "", "heads tags branches refs quiet exit-code get-url symref sort", false)],
  ["check-ignore", _k("qvnz", "", "quiet verbose non-matching no-index stdin", false)],
  ["check-attr", _k("az", "", "all cached stdin", false)],
  ["check-ref-format", _k("", "", "normalize allow-onelevel refspec-pattern branch", false)],
  [
    "submodule",
    _k("q", "", "quiet init recursive remote depth jobs merge rebase checkout force cached files summary-limit", false),
  ],
  ["maintenance", _k("q", "", "auto quiet task schedule", false)],
  [
    "blame",
    _k(
      "bLlstfnsewcpMC",
      "LMC",
      "root show-stats line-porcelain porcelain incremental encoding contents date score-debug show-name show-number show-email abbrev color-lines color-by-age ignore-rev ignore-revs-file reverse first-parent progress minimal",
      true,
    ),
  ],
  [
    "annotate",
    _k(
      "bLlstfnsewcpMC",
      "LMC",
      "root show-stats line-porcelain porcelain incremental encoding contents date score-debug show-name show-number show-email abbrev reverse first-parent progress minimal",
      true,
    ),
  ],
  ["help", _k("aigmw", "", "all guides config man web info verbose", false)],
  ["version", _k("", "", "build-options", false)],
  ["var", _k("l", "", "", false)],
  ["bisect", _k("", "", "term-old term-new term-good term-bad no-checkout first-parent", false)],
  ["hash-object", _k("tw", "t", "stdin path literally", true)],
  ["stripspace", _k("sc", "", "strip-comments comment-lines", false)],
  [
    "interpret-trailers",
    _k("", "", "in-place trim-empty where if-exists if-missing only-trailers only-input unfold parse trailer", false),
  ],
]);

/** The `git` global options that change nothing but output or pathspec reading; `-C`/`-c` take the next word. */
const GLOBAL = new Set([
  "--no-pager",
  "-P",
  "-p",
  "--paginate",
  "--no-optional-locks",
  "--literal-pathspecs",
  "--glob-pathspecs",
  "--noglob-pathspecs",
  "--icase-pathspecs",
  "--no-replace-objects",
  "--no-advice",
  "--version",
  "--help",
  "--exec-path",
  "--html-path",
  "--man-path",
  "--info-path",
]);

/** git settings known to change nothing git prints or where it writes (a `-c`, or a key of the repository's config). */
const QUIET_KEY = new RegExp(
  "^(" + [
    "(user|author|committer)\\.(name|email)",
    "color\\..+",
    "column\\..+",
    "i18n\\..+",
    "advice\\..+",
    "core\\.(repositoryformatversion|bare|logallrefupdates|filemode|ignorecase|precomposeunicode|symlinks|quotepath" +
    "|autocrlf|safecrlf|eol|abbrev|whitespace|commentchar|commentstring|sparsecheckout|sparsecheckoutcone" +
    "|untrackedcache|preloadindex|checkstat|trustctime|splitindex|multipackindex|commitgraph|compression" +
    "|looseCompression|packedgitlimit|packedgitwindowsize|bigfilethreshold|deltabasecachelimit)",
    "extensions\\.(objectformat|refstorage|worktreeconfig|preciousobjects|partialclone|noop)",
    "init\\.defaultbranch",
    "log\\.(date|decorate|abbrevcommit|showroot)",
    "merge\\.(conflictstyle|ff|renames|log|stat|renamelimit)",
    "pull\\.(rebase|ff)",
    "push\\.(default|autosetupremote|followtags)",
    "fetch\\.(prune|prunetags|parallel|writecommitgraph)",
    "remote\\.[^.]+(\\..+)?\\.(url|pushurl|fetch|push|tagopt|prune|prunetags|mirror|skipdefaultupdate|promisor" +
    "|partialclonefilter)",
    "branch\\.[^.]+(\\..+)?\\.(remote|pushremote|merge|rebase|description)",
    "submodule\\.[^.]+(\\..+)?\\.(url|path|active|branch|shallow)",
    "submodule\\.(active|recurse)",
    "status\\.(showuntrackedfiles|short|branch|relativepaths|renames|showstash|aheadbehind)",
    "rebase\\.(autostash|autosquash|stat|abbreviatecommands|missingcommitscheck|updaterefs)",
    "rerere\\.(enabled|autoupdate)",
    "gc\\.(auto|autodetach|autopacklimit|writecommitgraph)",
    "maintenance\\.(auto|strategy)",
    "protocol\\.version",
    "(tag|branch)\\.sort",
    "index\\.(version|threads|skiphash)",
    "pack\\.threads",
    "commit\\.(cleanup|status)",
  ].join("|") + ")$",
);

/** Whether the git setting `key` (any case) is known to change nothing git prints or where it writes. */
export function quietGitKey(key: string): boolean {
  return QUIET_KEY.test(key.toLowerCase());
}

/** Variables git reads that change nothing it prints or where it writes. */
const QUIET_GIT_VARIABLE = /^GIT_(AUTHOR|COMMITTER)_(NAME|EMAIL|DATE)$|^GIT_(TERMINAL_PROMPT|OPTIONAL_LOCKS|FLUSH)$/;

/** Why an assignment of a git variable (`GIT_WORK_TREE=…`) may move what git reads or writes, or null. */
function _gitVariable(text: string): string | null {
  const name = /^([A-Za-z_][A-Za-z0-9_]*)(\[[^\]]*\])?\+?=/.exec(text)?.[1] ?? null;
  if (name === null || !name.startsWith("GIT_") || QUIET_GIT_VARIABLE.test(name)) return null;
  return `${text.slice(0, 60)} may move git's work tree, git folder or index, so git may print or write files the ` +
    "rule names under other names";
}

/**
 * Why the script sets a git variable for the commands after it (`export GIT_WORK_TREE=out`, `declare -x`, a bare
 * assignment that `set -a` or an earlier export hands on), or null. Assignments in front of a command are judged
 * with that command ({@linkcode gitOutputUnknown}).
 */
export function gitVariablesSet(a: ShellAnalysis): string | null {
  for (const c of a.commands) {
    const head = c.argv[0]?.value;
    if (c.argv.length === 0) {
      for (const x of c.assignments) {
        const why = _gitVariable(x);
        if (why !== null) return why;
      }
    } else if (
      head === "export" || head === "declare" || head === "typeset" || head === "local" || head === "readonly"
    ) {
      for (const w of c.argv.slice(1)) {
        const why = _gitVariable(w.assignment ?? w.value ?? w.text);
        if (why !== null) return why;
      }
    }
  }
  return null;
}

/**
 * Why the git command `c` may print or copy file contents its words do not name (see the module), or null.
 * `limited`: its words name paths (pathspecs) that limit what it prints; `config`: the keys of the repository's
 * config, or why they cannot be read.
 */
export function gitOutputUnknown(
  c: SimpleCommand,
  limited: boolean,
  config: readonly string[] | string,
): string | null {
  for (const x of c.assignments) {
    const why = _gitVariable(x);
    if (why !== null) return why;
  }
  if (typeof config === "string") return config;
  const loud = config.find((k) => !quietGitKey(k));
  if (loud !== undefined) {
    return `the repository's config sets ${loud}, which may change what git prints or where it writes, so any ` +
      "git command may print files the rule names";
  }
  const args = c.argv.slice(1).map((w) => w.value);
  let i = 0;
  for (; i < args.length; i++) {
    const v = args[i];
    if (v === null || v === undefined || !v.startsWith("-")) break;
    if (v === "-C") {
      i++;
      continue;
    }
    if (v === "-c" || v.startsWith("--config-env")) {
      const kv = v === "-c" ? args[++i] : v.includes("=") ? v.slice(v.indexOf("=") + 1) : args[++i];
      const key = kv?.split("=")[0] ?? null;
      if (key === null || !quietGitKey(key)) {
        return `git ${v} ${kv ?? "?"} sets a key not known to leave what git prints unchanged`;
      }
      continue;
    }
    if (/^--(work-tree|git-dir)(=|$)/.test(v)) {
      return `git ${v} moves the work tree or the git folder: a checkout there writes every tracked file under ` +
        "names the rule does not name";
    }
    if (!GLOBAL.has(v)) return `git ${v} is not an option known to leave what git prints unchanged`;
  }
  const sub = args[i];
  if (sub === undefined) return null;
  if (sub === null) return "git's subcommand is only known at run time";
  const known = TABLE.get(sub);
  const open = (what: string) =>
    known?.pathspecs && limited ? null : `git ${what} may print or copy file contents the words do not name, ` +
      "which may be paths the rule names";
  if (known === undefined) return open(`${sub} (a subcommand not known to print no file contents)`);
  if (known.any) return null;
  const moved = _strategyMoves(sub, args.slice(i + 1));
  if (moved !== null) return moved;
  for (let j = i + 1; j < args.length; j++) {
    const v = args[j];
    if (v === null || v === undefined) continue;
    if (v === "--") break;
    if (/%\((raw|contents)/.test(v)) return `git ${sub} ${v} prints raw objects, which may be files the rule names`;
    if (!v.startsWith("-") || v === "-") continue;
    if (v.startsWith("--")) {
      const name = v.slice(2).split("=")[0]!;
      if (known.long.has(name) || (/^no-[a-z]/.test(name) && name !== "no-index")) continue;
      return open(`${sub} ${v}`);
    }
    if (known.count && /^-\d+$/.test(v)) continue;
    for (let k = 1; k < v.length; k++) {
      const ch = v[k]!;
      if (!known.short.includes(ch)) return open(`${sub} ${v}`);
      if (known.valued.includes(ch)) break;
    }
  }
  if (sub === "config") return _configWrite(args.slice(i + 1));
  return null;
}

/** Why `git config` (its words after the subcommand) sets a key not known quiet, or null. */
function _configWrite(words: ReadonlyArray<string | null>): string | null {
  const plain: string[] = [];
  let reads = false;
  for (const w of words) {
    if (w === null) return "git config is given a word only known at run time";
    if (w.startsWith("-")) {
      if (/^--(get|list|get-all|get-regexp|get-urlmatch|unset|unset-all|name-only|show-origin|show-scope)$/.test(w)) {
        reads = true;
      }
      if (w === "-l") reads = true;
      continue;
    }
    plain.push(w);
  }
  // `git config get k`, `git config list`: the subcommand forms of git 2.46
  if (/^(get|list|unset)$/.test(plain[0] ?? "")) return null;
  if (plain[0] === "set") plain.shift();
  if (reads || plain.length < 2) return null;
  const key = plain[0]!;
  return quietGitKey(key) ? null : `git config ${key} sets a key not known to leave what git prints unchanged`;
}

/** The subcommands that take a merge strategy. */
const STRATEGY_SUBS = new Set(["merge", "rebase", "cherry-pick", "revert", "pull"]);
/** The merge strategies that keep every path where it is (`subtree` moves them under a prefix). */
const STILL_STRATEGIES = new Set(["ort", "recursive", "resolve", "octopus", "ours"]);
/** Where `-s` is the strategy (in cherry-pick and revert it is --signoff); `-X` is its option everywhere. */
const STRATEGY_SHORTS = new Set(["merge", "rebase", "pull"]);

/**
 * Why a merge-family command's strategy may write committed contents under other names (red team 16, N1:
 * `git cherry-pick -n -Xsubtree=src/dup HEAD~1` copies `secrets/k` to `src/dup/secrets/k`), or null. Only the
 * strategies known to keep paths where they are, and strategy options other than `subtree`, stay clear.
 */
function _strategyMoves(sub: string, words: ReadonlyArray<string | null>): string | null {
  if (!STRATEGY_SUBS.has(sub)) return null;
  const shorts = STRATEGY_SHORTS.has(sub);
  const found: Array<["strategy" | "option", string | null]> = [];
  for (let j = 0; j < words.length; j++) {
    const w = words[j];
    if (w === null || w === undefined) continue;
    if (w === "--") break;
    const long = /^--(strategy|strategy-option)(=(.*))?$/.exec(w);
    if (long) {
      found.push([
        long[1] === "strategy" ? "strategy" : "option",
        long[2] !== undefined ? long[3]! : words[++j] ?? null,
      ]);
      continue;
    }
    if (!/^-[^-]/.test(w)) continue;
    for (let k = 1; k < w.length; k++) {
      const ch = w[k]!;
      if ((ch === "s" && shorts) || ch === "X") {
        found.push([ch === "s" ? "strategy" : "option", k + 1 < w.length ? w.slice(k + 1) : words[++j] ?? null]);
        break;
      }
      if (ch === "m" && sub !== "rebase") break; // -m takes the message (the mainline); rebase -m is --merge
    }
  }
  for (const [kind, value] of found) {
    if (value === null) return `git ${sub}'s merge strategy is only known at run time`;
    if (kind === "strategy" ? !STILL_STRATEGIES.has(value) : /^subtree(=|$)/.test(value)) {
      return `git ${sub} with the ${kind === "strategy" ? "strategy" : "strategy option"} ${value} may write ` +
        "committed files under other names, which may be paths the rule names";
    }
  }
  return null;
}
