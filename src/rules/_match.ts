/**
 * Private helper of the rule engine: whether one rule matches a call. A rule that lowers risk must match
 * everything (every path, every simple command, a clean parse, no hazards, writes that resolve); one that raises
 * risk or sets a decision matches when anything does, and errs towards matching.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateRules } from "./config.ts";
 * import { ruleMatches } from "./_match.ts";
 * import { lexicalWorkspacePath } from "./workspace_path.ts";
 * const [rule] = validateRules([{ tool: "run_bash", command: ["rm"], decision: "deny" }]).rules;
 * const ctx = (script: string) => ({
 *   tool: "run_bash", args: { cmd: script }, script, analysis: undefined, resolve: (t: string) => lexicalWorkspacePath(t),
 * });
 * assert.equal(ruleMatches(rule!, ctx("sudo -u x /bin/rm -rf /"), false).hit, true);
 * assert.equal(ruleMatches(rule!, ctx("ls"), false).hit, false);
 * ```
 *
 * @module
 */
import { posix } from "node:path";
import type { CompiledRule } from "./config.ts";
import { RUNNERS } from "./runners.ts";
import { analyzeScript } from "./shell.ts";
import type { ShellAnalysis, ShellWord, SimpleCommand } from "./shell_types.ts";
import { uncontainedReads } from "./_reads.ts";
import { opensUnnamedFiles } from "./_unnamed_files.ts";
import { programFiles } from "./_program_files.ts";
import { runsProjectCode } from "./project_checks.ts";
import { gitReads } from "./_git_pathspec.ts";
import { gitHistoryUnknown } from "./_git_history.ts";
import { gitTreeUnknown } from "./_git_tree.ts";
import { walksItsFolder } from "./_implicit_folder.ts";
import { gitRevTreeUnknown } from "./_git_revs.ts";
import { gitOutputUnknown, gitVariablesSet } from "./_git_output.ts";
import { linkedFiles, linkedReads } from "./_path_links.ts";
import type { PathFacts } from "./path_facts.ts";
import { judgeWrites } from "./_writes.ts";
import { environmentCode, linksMade, operandsRun, unseenCode } from "./_unseen.ts";
import { strayOption } from "./_options.ts";
import { gitConfigCode } from "./_git_config.ts";
import { objectStorePath } from "./object_store.ts";

/**
 * A path the call acts on, workspace-relative (null: outside the workspace or unresolvable). A plain string is that
 * path alone; `below` says the call also acts on the paths under it, that many names down (`Infinity`: the whole
 * tree, as delete_dir; 1: the folder's entries, as list_dir).
 */
export type RulePath =
  | string
  | null
  | {
    readonly path: string | null;
    readonly below: number;
    /**
     * The call reads only some of the tree, chosen at run time (a search tool: Grep over a folder): a floor that
     * may match below is "may apply" (at least ask), as for `grep -r x .` in run_bash.
     */
    readonly some?: boolean;
  };

/** The call as the matchers see it; the script's analysis is made on first use and kept. */
export interface MatchContext {
  /** The tool's name. */
  readonly tool: string;
  /** The call's arguments. */
  readonly args: Readonly<Record<string, unknown>>;
  /** The paths the call acts on (null: outside or unresolvable); absent: none. */
  readonly paths?: ReadonlyArray<RulePath> | undefined;
  /** The script, when the call has one. */
  readonly script: string | undefined;
  /** The script's analysis, once made. */
  analysis: ShellAnalysis | undefined;
  /** Resolves an output-redirection target to a workspace-relative path, or null. */
  readonly resolve: (t: string) => string | null;
  /** The literal paths the script names, once found (see {@linkcode scriptPaths}). */
  scriptPaths?: ScriptPaths | undefined;
  /** What the file system says of the script's paths (links, hard links, a repository); absent: not asked. */
  readonly facts?: PathFacts | undefined;
  /** Per-call memory of what the facts gave each rule. */
  factsCache?: Map<unknown, unknown> | undefined;
  /** The script runs contained (engine.ts `RuleOptions.contained`; absent: false). */
  readonly contained?: boolean;
  /** Other names of the tool for rules' `tool` globs (engine.ts `RuleCall.aliases`). */
  readonly aliases?: readonly string[];
}

/** The paths a script names, for `path` matchers of rules that raise risk or set a floor. */
export interface ScriptPaths {
  /** Every literal word and redirection target, resolved to a workspace-relative path (outside: left out). */
  readonly paths: readonly string[];
  /** Why some path is only known at run time (`$f`, a glob, xargs input, a change of folder), else null. */
  readonly unknown: string | null;
}

/**
 * The paths a script names: every literal word of every simple command (also the part after `=` or `:`, and a
 * short option's attached value: `--file=k`, `if=k`, `HEAD:k`, `-fk`) and every redirection target, resolved
 * like redirections (`resolve`). Which words a command reads as paths is not known generically, so every word is
 * tried. A word only known at run time, arguments xargs adds, a dynamic command, a change of folder, a command that
 * opens files its words do not name (_unnamed_files.ts: jq `import`, awk `ARGV`, `@file`, git pathspec globs and
 * magic) or a script that does not parse make the paths unknown: a `path` floor then "may apply" (at least ask).
 */
export function scriptPaths(ctx: MatchContext): ScriptPaths {
  if (ctx.scriptPaths) return ctx.scriptPaths;
  const a = analysisOf(ctx);
  const paths = new Set<string>();
  let unknown: string | null = null;
  const add = (v: string) => {
    const cands = [v];
    const eq = v.indexOf("=");
    if (eq !== -1) cands.push(v.slice(eq + 1));
    if (/^-[^-]./.test(v)) cands.push(v.slice(2));
    // a `file:` URL names its path, percent-encoded (`file:///ws/secr%65ts/k`, `file://localhost/…`: red team 9, H10)
    const url = FILE_URL.exec(eq !== -1 && !FILE_URL.test(v) ? v.slice(eq + 1) : v);
    if (url) cands.push(url[1]!);
    // `HEAD:k`, `:0:k`, `if=k`; git's pathspec magic (`:(top)k`, `:!k`) is read by _git_pathspec.ts
    else if (v.includes(":") && !/^:[(/!^:]/.test(v)) cands.push(...v.split(":").slice(1));
    // percent-escapes a program may decode (URLs): the decoded name too
    if (/%[0-9A-Fa-f]{2}/.test(v)) {
      for (const c of [...cands]) {
        const d = _percentDecoded(c);
        if (d === null) unknown ??= `${JSON.stringify(c)} holds percent-escapes that are not valid UTF-8`;
        else if (d !== c) cands.push(d);
      }
    }
    // the shell's own folders in /proc name the file itself (`/proc/self/cwd/secrets/k` is `secrets/k`): judged as
    // that too, so a deny floor denies; the word as written stays outside (a floor may apply) as before
    for (const c of [...cands]) {
      const own = _ownProcPath(c);
      if (own !== null) cands.push(own);
    }
    // a list of file names read from a file (`sort --files0-from=list`, `tar -T`): the names are not in the script
    if (/^--(files0-from|files-from)(=|$)/.test(v)) unknown ??= `${v} reads file names from a file`;
    for (const c of cands) {
      if (c === "") continue;
      const r = ctx.resolve(c);
      // a link the sandbox resolves otherwise than the host (`src/z -> /proc/self/cwd`: red team 16, N2): what the
      // sandbox reads it as, and the floors may apply as to a path the gate cannot resolve
      const other = ctx.facts?.linkedElsewhere?.(c) ?? null;
      if (other !== null) unknown ??= other.why;
      for (const p of [...(r !== null ? [r] : []), ...(other?.paths ?? [])]) {
        if (GIT_REFS.test(p)) {
          // a ref written by hand may point a branch or HEAD at any tree (`main:k` is then secrets/k: red team 13, L3)
          unknown ??= `${JSON.stringify(c)} names git's refs, which may point a branch or HEAD at any object`;
        }
        paths.add(p);
      }
      if (r === null && (/^(\/|~|\.\.?(\/|$))/.test(c) || c.includes("/../") || c.endsWith("/.."))) {
        // outside the workspace, or not resolved: `../ws/secrets/k`, `/proc/self/cwd/secrets/k` and a link can
        // lead back into it, so a floor that names workspace paths may apply
        unknown ??= `${JSON.stringify(c)} is a path outside the workspace, which may lead back into it`;
      }
    }
  };
  if (!a) unknown = "the call has no script";
  else if (!a.ok) unknown = "the script cannot be parsed";
  else {
    if (a.cwdChanged) unknown = "the script changes folder, so its relative paths are not known";
    const facts = ctx.facts;
    const exists = (word: string) => {
      const r = facts ? ctx.resolve(word) : null;
      return r !== null && facts!.stat(r) !== null;
    };
    for (const c of a.commands) {
      const head = c.argv[0]?.value;
      if (head && (head === "git" || head.endsWith("/git"))) {
        // git's pathspecs as git reads them, and contents printed from history that no pathspec limits
        const repository = facts ? facts.gitRepository() : true;
        const g = gitReads(c, exists, repository);
        for (const p of g.paths) add(p);
        if (g.unknown !== null) unknown ??= g.unknown;
        // objects named by id, notes and replace refs: committed contents the words do not name (red team 9, H15)
        if (repository) unknown ??= gitHistoryUnknown(c, facts?.gitHistoryRefs?.() ?? null);
        // the whole tree deleted or overwritten, or files named on stdin read (red team 10, J9 and J12)
        if (repository) unknown ??= gitTreeUnknown(c);
        // `<tree-id>:k`, `<tag>:k`, `git checkout <tag> -- k`: paths from a tree that may not be the root (L3)
        if (repository) {
          const branch = facts?.gitBranch ? (n: string) => facts.gitBranch!(n) : null;
          unknown ??= gitRevTreeUnknown(c, branch, exists);
          // options and subcommands not known to print no contents, a work tree moved elsewhere (red team 14)
          unknown ??= gitOutputUnknown(c, g.limited, facts?.gitConfigKeys?.() ?? []) ?? gitVariablesSet(a);
        }
      }
      if (c.dynamic) unknown ??= c.dynamic;
      if (c.extraArgs) unknown ??= `${c.argv[0]?.value ?? "a command"} is given arguments at run time`;
      // files named inside a program's text or read from data (jq import, awk ARGV, `@file`, git pathspec globs)
      const opens = opensUnnamedFiles(c);
      if (opens !== null) unknown ??= opens;
      // files a sed or awk program names in its text (`w secrets/k`, `print > "secrets/k"`), or a program file
      const program = programFiles(c);
      for (const f of program.files) add(f);
      if (program.unknown !== null) unknown ??= program.unknown;
      for (const w of c.raw) {
        if (w.value === null && w.lossy) {
          unknown ??= `the word ${w.text} names bytes that are not valid UTF-8, which the gate cannot look up`;
        } else if (w.value === null) unknown ??= `the word ${w.text} is only known at run time`;
        else add(w.value);
      }
      // a reader that walks its folder when it names no path (`grep -r x`, `find -name k`: red team 16, N3)
      if (walksItsFolder(c)) add(".");
      for (const r of c.redirects) {
        if (r.op.startsWith("<<") || r.kind === "dup" || r.kind === "null") continue;
        if (r.target === null) unknown ??= `the redirection ${r.op} goes to a file only known at run time`;
        else add(r.target);
      }
    }
  }
  ctx.scriptPaths = { paths: [...paths], unknown };
  return ctx.scriptPaths;
}

/** Why a path the script names is inside a git object store or a folder holding one (once per call), or null. */
function _scriptStore(ctx: MatchContext, sp: ScriptPaths): string | null {
  const known = _STORES.get(sp);
  if (known !== undefined) return known;
  let why: string | null = null;
  for (const p of sp.paths) if ((why = objectStorePath(p, ctx.facts)) !== null) break;
  _STORES.set(sp, why);
  return why;
}

/**
 * Why a path a file or upstream tool acts on is inside a git object store, or a tree it reads holds one (once per
 * call), or null. A listing (`below` 1, read whole) names the entries only: the store inside it counts, not the
 * folder above it.
 */
function _pathsStore(ctx: MatchContext, paths: ReadonlyArray<RulePath>): string | null {
  const known = _STORES.get(paths);
  if (known !== undefined) return known;
  let why: string | null = null;
  for (const p of paths) {
    if (p === null) continue;
    if (typeof p === "string") why = objectStorePath(p, ctx.facts, false);
    else if (p.path !== null) why = objectStorePath(p.path, ctx.facts, p.some === true || p.below > 1);
    if (why !== null) break;
  }
  _STORES.set(paths, why);
  return why;
}
const _STORES = new WeakMap<object, string | null>();

/** A git folder (the workspace's or a nested repository's), its refs, reflogs, `packed-refs` and `HEAD` files. */
const GIT_REFS = /(^|\/)\.git(\/?$|\/(refs|logs)(\/|$)|\/[A-Za-z_]*HEAD$|\/packed-refs$)/i;

/** A `file:` URL (`file:/p`, `file:///p`, `file://host/p`): its path. */
const FILE_URL = /^file:(?:\/\/[^/]*)?(\/.*)$/i;

/** `/proc/self/cwd/…` (also `thread-self`, `task/N`) and `/proc/self/root/…`, after lexical normalization. */
const _OWN_PROC = /^\/proc\/(?:self|thread-self)(?:\/task\/\d+)?\/(cwd|root)(\/.*)?$/;

/**
 * The path a word names through the shell's own /proc folders: `/proc/self/cwd/x` as `./x` (relative to the
 * command's folder), `/proc/self/root/x` as `/x`; null for any other word.
 */
function _ownProcPath(word: string): string | null {
  if (!/^\/+proc\//.test(word)) return null;
  const m = _OWN_PROC.exec(posix.normalize(word));
  if (m === null) return null;
  const rest = m[2] ?? "";
  return m[1] === "cwd" ? `.${rest}` : rest === "" ? "/" : rest;
}

/** `s` with its percent-escapes decoded as UTF-8 (`secr%65ts` is `secrets`), or null when they are not valid. */
function _percentDecoded(s: string): string | null {
  try {
    return decodeURIComponent(s.replace(/%(?![0-9A-Fa-f]{2})/g, "%25"));
  } catch {
    return null;
  }
}

/**
 * Why the script runs code the gate cannot inspect, which may meet any deny floor: the project's code (`npm test`),
 * a file or an unknown program (`./s.sh`, `node s.js`), an option of a known program that is not known inert
 * (_options.ts), code handed over in the environment, git configuration not known inert (_git_config.ts); or null.
 */
function _unseen(a: ShellAnalysis): string | null {
  const m = _scans(a);
  if (m.unseen === undefined) {
    m.unseen = null;
    for (const c of a.commands) {
      // a known program given an option not known inert (`split --filter`, `zip -TT`, `curl -K`: red team 9)
      m.unseen = runsProjectCode(c) ?? unseenCode(c) ?? strayOption(c);
      if (m.unseen !== null) break;
    }
    // code handed over in the environment, a git setting not known inert or a git config the call wrote (H7)
    m.unseen ??= _environment(a) ?? gitConfigCode(a);
  }
  return m.unseen;
}

/** What the "may apply" scans found in one analysis (each a pure function of it), made once for every rule. */
interface _Scans {
  unseen?: string | null;
  environment?: string | null;
  links?: string | null;
}
const _SCANS = new WeakMap<ShellAnalysis, _Scans>();

function _scans(a: ShellAnalysis): _Scans {
  let m = _SCANS.get(a);
  if (m === undefined) _SCANS.set(a, m = {});
  return m;
}

/** {@linkcode environmentCode}, once per analysis. */
function _environment(a: ShellAnalysis): string | null {
  const m = _scans(a);
  return m.environment === undefined ? (m.environment = environmentCode(a)) : m.environment;
}

/** {@linkcode linksMade}, once per analysis. */
function _links(a: ShellAnalysis): string | null {
  const m = _scans(a);
  return m.links === undefined ? (m.links = linksMade(a)) : m.links;
}

/** The analysis of the call's script (made once), or undefined when it has none. */
export function analysisOf(ctx: MatchContext): ShellAnalysis | undefined {
  if (ctx.analysis === undefined && ctx.script !== undefined) ctx.analysis = analyzeScript(ctx.script);
  return ctx.analysis;
}

/** A simple command matches a prefix for lowering: literal words, the exact name, nothing in front. */
function _lowerMatch(c: SimpleCommand, prefix: readonly string[]): boolean {
  if (c.dynamic || c.assignments.length > 0) return false;
  if (prefix.length > c.argv.length) return false;
  for (let i = 0; i < prefix.length; i++) if (c.argv[i]!.value !== prefix[i]) return false;
  return true;
}

function _basename(v: string): string {
  return v.slice(v.lastIndexOf("/") + 1);
}

/** Whether the word `v` is `name` or a path to it: `name`, or `_basename(v) === name`, without making the basename. */
function _isNamed(v: string, name: string): boolean {
  if (v === name) return true;
  const slash = v.length - name.length - 1;
  return slash >= 0 && v.charCodeAt(slash) === 47 && v.endsWith(name) && !name.includes("/");
}

/** A cluster of short options (`-rf`), not `--` or a number (`-5`): its letters. */
const SHORT_CLUSTER = /^-[A-Za-z][A-Za-z0-9]*$/;

/**
 * Option synonyms of the commands floors are usually written for, in one place: a long option (or any abbreviation
 * of it getopt_long would take) or a short letter that means the same as short letters. A floor's options and the
 * command's are both read through the table, so `rm -rf` matches `rm -R --force` and `git push --force` matches
 * `git push -f` and `--force-with-lease`. Keyed by the command, or by `git SUBCOMMAND`. `word` gives the letters
 * other words stand for (`git push origin +main` is a forced push, `:main` a deletion, `rm --interactive=never` is
 * `-f`); `implied` letters are given whatever the words say.
 */
const SYNONYMS: Record<
  string,
  {
    readonly short?: Readonly<Record<string, string>>;
    readonly long: Readonly<Record<string, string>>;
    readonly word?: (v: string) => string;
    readonly implied?: string;
  }
> = {
  rm: {
    short: { R: "r" },
    long: { "--recursive": "r", "--force": "f", "--dir": "d", "--interactive": "i", "--verbose": "v" },
    // `--interactive=never` (`no`, `none`, abbreviated too) never prompts: it is `-f` (red team 6, F3)
    word: (v) => (/^--in(t(e(r(a(c(t(i(ve?)?)?)?)?)?)?)?)?=(never|no|none)$/.test(v) ? "f" : ""),
  },
  cp: { short: { R: "r" }, long: { "--recursive": "r", "--force": "f" } },
  chmod: { long: { "--recursive": "R" } },
  chown: { long: { "--recursive": "R" } },
  chgrp: { long: { "--recursive": "R" } },
  "git push": {
    long: {
      "--force": "f",
      "--force-with-lease": "f",
      "--force-if-includes": "f",
      "--delete": "d",
      "--prune": "d",
      // every ref forced, and the remote's others deleted
      "--mirror": "fd",
    },
    // a refspec `+src:dst` forces that ref; `:dst` (no source) deletes it; `-c remote.X.mirror=true` is --mirror and
    // `-c remote.X.push=+…` a forced refspec (red team 7, F10)
    word: (v) =>
      v.startsWith("+")
        ? "f"
        : /^:[^:]/.test(v)
        ? "d"
        : /^(-c)?remote\..*\.mirror(=(true|yes|on|1))?$/i.test(v)
        ? "fd"
        : /^(-c)?remote\..*\.push=\+/i.test(v)
        ? "f"
        : "",
  },
  "git clean": { long: { "--force": "f" } },
  "git branch": { long: { "--force": "f" } },
  "git checkout": { long: { "--force": "f" } },
};

function _synonyms(prefix: readonly string[]) {
  const name = prefix[0] === undefined ? "" : _basename(prefix[0]);
  return SYNONYMS[`${name} ${prefix[1] ?? ""}`] ?? (Object.hasOwn(SYNONYMS, name) ? SYNONYMS[name] : undefined);
}

/** The short letters a long option stands for in `table` (the option or an abbreviation of it). */
function _longLetters(table: ReturnType<typeof _synonyms>, opt: string): string[] {
  if (!table?.long) return [];
  const out: string[] = [];
  for (const [long, letters] of Object.entries(table.long)) {
    if (long === opt || (opt.length >= 3 && long.startsWith(opt))) out.push(...letters);
  }
  return out;
}

/** A prefix read for {@linkcode _raiseMatchWords}: its synonym table, literal words, option letters and long options. */
interface _Wanted {
  readonly table: ReturnType<typeof _synonyms>;
  readonly short: (ch: string) => string;
  readonly words: readonly string[];
  readonly letters: ReadonlySet<string>;
  readonly longs: readonly string[];
}
/** Each rule's prefixes are read once (they are the compiled rules' own arrays), not once per command and call. */
const _WANTED = new WeakMap<readonly string[], _Wanted>();

function _wanted(prefix: readonly string[]): _Wanted {
  const known = _WANTED.get(prefix);
  if (known !== undefined) return known;
  const table = _synonyms(prefix);
  const short = (ch: string) => table?.short?.[ch] ?? ch;
  const words: string[] = [];
  const letters = new Set<string>();
  const longs: string[] = [];
  for (const p of prefix.slice(1)) {
    if (SHORT_CLUSTER.test(p)) { for (const ch of p.slice(1)) letters.add(short(ch)); }
    else if (p.startsWith("--") && p.length > 2 && !p.includes("=")) {
      const l = _longLetters(table, p);
      if (l.length > 0) { for (const ch of l) letters.add(ch); }
      else longs.push(p);
    } else words.push(p);
  }
  const w = { table, short, words, letters, longs };
  _WANTED.set(prefix, w);
  return w;
}

/**
 * A simple command matches a prefix for raising: the name (or its basename), then the prefix's other words in
 * order, except its options, which match as a set wherever they are: every letter of a short-option word
 * (`-rf`) must be given in any cluster or order (`-fr`, `-r -f`, `-f x -r`), every long option (`--force`)
 * anywhere, also abbreviated (`--forc`), both read through {@linkcode SYNONYMS} (`-R`, `--recursive` for rm's `-r`).
 * A word only known at run time could be any of them, and so could the arguments xargs adds (`extra`): then the
 * prefix's remaining words may be supplied too.
 */
function _raiseMatchWords(argv: readonly ShellWord[], prefix: readonly string[], extra = false): boolean {
  const head = argv[0];
  if (!head || prefix.length === 0) return false;
  if (head.value !== null && !_isNamed(head.value, prefix[0]!)) return false;
  const { table, short, words, letters, longs } = _wanted(prefix);
  let k = 0;
  let unknown = extra;
  const given = new Set<string>(table?.implied ?? "");
  const givenLong: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const v = argv[i]!.value;
    if (v === null) unknown = true;
    else if (SHORT_CLUSTER.test(v)) { for (const ch of v.slice(1)) given.add(short(ch)); }
    else if (v.startsWith("--") && v.length > 2) {
      const opt = v.includes("=") ? v.slice(0, v.indexOf("=")) : v;
      givenLong.push(opt);
      for (const l of _longLetters(table, opt)) given.add(l);
    }
    if (v !== null && table?.word) { for (const ch of table.word(v)) given.add(ch); }
    if (k < words.length && (v === null || v === words[k])) k++;
  }
  if (extra) k = words.length; // xargs may add the rest
  if (k < words.length) return false;
  if (unknown) return true;
  for (const ch of letters) if (!given.has(ch)) return false;
  // getopt_long takes any unambiguous abbreviation (`--rec` for `--recursive`): err towards matching
  // (`--r` and `--f` too: one letter is unambiguous for many programs)
  return longs.every((l) => givenLong.some((g) => l === g || (g.length > 2 && l.startsWith(g))));
}

/** `git send-pack` pushes as `git push` does (`--force`, `+ref`, `--mirror`): the plumbing reads as its porcelain. */
function _porcelain(argv: readonly ShellWord[]): readonly ShellWord[] | null {
  const head = argv[0]?.value;
  if (head == null || !_isNamed(head, "git")) return null;
  const i = argv.findIndex((w) => w.value === "send-pack");
  if (i === -1) return null;
  const out = [...argv];
  out[i] = { ...argv[i]!, value: "push", text: "push" };
  return out;
}

function _raiseMatch(c: SimpleCommand, prefix: readonly string[]): boolean {
  if (c.dynamic) return true;
  if (_raiseMatchWords(c.argv, prefix, c.extraArgs) || _raiseMatchWords(c.raw, prefix)) return true;
  const head = c.argv[0]?.value;
  if (!head) return false;
  // git's plumbing read as its porcelain (`git send-pack` as `git push`)
  if (_isNamed(head, "git")) {
    const push = _porcelain(c.argv);
    if (push !== null && _raiseMatchWords(push, prefix, c.extraArgs)) return true;
  }
  if (RUNNERS.has(_basename(head))) {
    for (let k = 1; k < c.argv.length; k++) if (_raiseMatchWords(c.argv.slice(k), prefix, c.extraArgs)) return true;
  }
  return false;
}

/**
 * Whether `path` may be a folder holding a path some positive pattern matches: the workspace root always; else
 * a pattern anchored by a slash (`secrets/**`, `/a/b/*.yml`) whose literal folders start with `path`. A pattern
 * without a slash (`*.pem`) matches at any depth: only the root is known to hold it.
 */
function _mayHold(patterns: readonly string[], path: string): boolean {
  if (path === ".") return patterns.some((p) => !p.startsWith("!"));
  for (const p of patterns) {
    if (p.startsWith("!")) continue;
    const body = p.replace(/^\//, "").replace(/\/+$/, "");
    if (!body.includes("/") && !p.startsWith("/")) continue;
    const literal: string[] = [];
    for (const seg of body.split("/")) {
      if (/[*?[\\]/.test(seg)) break;
      literal.push(seg);
    }
    const prefix = literal.join("/");
    if (prefix === path || prefix.startsWith(path + "/")) return true;
    // the same names in Unicode NFC (red team 12, K2)
    if (/[\u0080-\uffff]/.test(prefix + path)) {
      const [a, b] = [prefix.normalize("NFC"), path.normalize("NFC")];
      if (a === b || a.startsWith(b + "/")) return true;
    }
  }
  return false;
}

function _argsMatch(rule: CompiledRule, args: Readonly<Record<string, unknown>>): boolean {
  const want = rule.spec.args;
  if (!want) return true;
  for (const [k, v] of Object.entries(want)) {
    if (!Object.hasOwn(args, k) || args[k] !== v) return false;
  }
  return true;
}

/** Whether a rule matches, and for a lowering rule whether a workspace write keeps the call at least medium. */
export function ruleMatches(
  rule: CompiledRule,
  ctx: MatchContext,
  lowering: boolean,
): { hit: boolean; atLeastMedium: boolean; maybe: string | null; because?: string } {
  const miss = { hit: false, atLeastMedium: false, maybe: null };
  if (!rule.matchTool(ctx.tool) && !(ctx.aliases ?? []).some((a) => rule.matchTool(a))) return miss;
  if (!_argsMatch(rule, ctx.args)) return miss;
  let maybe: string | null = null;
  const m = rule.matchPath;
  if (m) {
    if ((ctx.paths === undefined || ctx.paths.length === 0) && ctx.script !== undefined) {
      // a script (run_bash): never lowered by a path rule; raised or floored by the paths it names
      if (lowering) return miss;
      const sp = scriptPaths(ctx);
      if (!sp.paths.some((p) => m(p))) {
        // what links on disk lead to: a hard link to a protected file, a protected file a link-following reader
        // reaches (`grep -R x sub` with sub/up -> ../secrets)
        const a = analysisOf(ctx);
        const linked = ctx.facts && a?.ok && !a.cwdChanged
          ? linkedReads(
            rule.spec.path ?? [],
            m,
            a.commands,
            ctx.resolve,
            ctx.facts,
            ctx.factsCache ??= new Map(),
            rule,
          )
          : null;
        if (linked?.hit == null) {
          // a folder the script names may hold what the rule protects (`grep -r x secrets` for `secrets/**`)
          const folder = sp.paths.find((p) => _mayHold(rule.spec.path ?? [], p));
          const held = folder === undefined
            ? null
            : `${JSON.stringify(folder)} may be a folder holding paths the rule names`;
          // a project check runs code the gate cannot inspect, which may open any file: a deny floor may apply
          // (red team 6, F1)
          // so does a file the agent may have written, an unknown program, or code handed over in the environment
          // (red team 7, F8, F10)
          const project = rule.spec.decision === "deny" && a?.ok ? _unseen(a) : null;
          // a literal name read after a command that may have made links since the facts were read (red team 7, F3)
          const made = a?.ok ? _links(a) : null;
          // a git object store holds every committed file's content, a floored one too (red team 13, L5)
          maybe = sp.unknown ?? linked?.maybe ?? held ?? project ?? made ?? _scriptStore(ctx, sp);
          if (maybe === null) return miss;
        }
      }
    } else {
      const paths = ctx.paths ?? [];
      if (paths.length === 0) return miss;
      if (lowering) {
        // every path the call touches must match: for a tree, the folder and everything a negation could take out
        const all = (p: RulePath) =>
          p !== null && (typeof p === "string" ? m(p) : p.path !== null && m.matchesAllBelow(p.path, p.below));
        if (!paths.every(all)) return miss;
      } else {
        // one path the call touches is enough: for a tree, anything below the folder the patterns may match
        const any = (p: RulePath) =>
          p !== null &&
          (typeof p === "string" ? m(p) : p.path !== null && (p.some ? m(p.path) : m.mayMatchBelow(p.path, p.below)));
        if (!paths.some(any)) {
          // a file named under another name: a hard link to a file the rule names (the agent's own Read in hook mode)
          const files = paths.map((p) => (p === null || typeof p === "string" ? p : p.path))
            .filter((p): p is string => p !== null);
          const linked = ctx.facts && files.length > 0
            ? linkedFiles(rule.spec.path ?? [], m, files, ctx.facts, ctx.factsCache ??= new Map(), rule)
            : null;
          if (linked?.hit == null) {
            // a search over a folder that may hold what the rule names (Grep over the workspace): the rule may apply
            const some = paths.find((p) =>
              p !== null && typeof p !== "string" && p.some === true && p.path !== null &&
              m.mayMatchBelow(p.path, p.below)
            );
            if (some === undefined || some === null || typeof some === "string") {
              // a git object store holds every committed file's content, a floored one too (red team 13, L5)
              const store = linked?.maybe ?? _pathsStore(ctx, paths);
              if (store == null) return miss;
              maybe = store;
            } else {
              maybe = `${JSON.stringify(some.path)} may be a folder holding paths the rule names`;
            }
          }
        }
      }
    }
  }
  if (!rule.prefixes) return { hit: true, atLeastMedium: false, maybe };
  const a = analysisOf(ctx);
  if (!a) return miss;
  const prefixes = rule.prefixes;
  if (!lowering) {
    if (!a.ok) return { hit: true, atLeastMedium: false, maybe };
    if (a.commands.some((c) => prefixes.some((p) => _raiseMatch(c, p)))) {
      // code the gate cannot read meets the floor with its own decision (red team 5, F8): the summary says why
      const named = a.commands.some((c) => !c.dynamic && prefixes.some((p) => _raiseMatch(c, p)));
      const dynamic = named ? undefined : a.commands.find((c) => c.dynamic)?.dynamic;
      return { hit: true, atLeastMedium: false, maybe, ...(dynamic ? { because: dynamic } : {}) };
    }
    // a program that is no known wrapper may run the words after it (`valgrind rm -rf x`, red team 7, F2), and a
    // variable handed to programs may carry code or options (`GIT_CONFIG_PARAMETERS=… git q`, F10): may apply
    const heads = prefixes.map((p) => p[0]!);
    let operands: string | null = null;
    for (const c of a.commands) {
      operands ??= operandsRun(c, heads, (w) => prefixes.some((p) => _raiseMatchWords(w, p)));
    }
    const env = operands ?? _environment(a);
    if (env) return { hit: true, atLeastMedium: false, maybe: maybe ?? env };
    // the project's code (`npm test` runs package.json's script), a file the agent may have written (`./s.sh`,
    // `node s.js`) or an unknown program may run any command: a deny floor may apply, asked every time (red team 6,
    // F1; red team 7, F8); an ask floor is left to the command it names. Code in the script's own arguments that
    // cannot be extracted is dynamic above
    const project = rule.spec.decision === "deny" ? _unseen(a) : null;
    if (project) return { hit: true, atLeastMedium: false, maybe: maybe ?? project };
    return miss;
  }
  if (!a.ok || a.hazards.length > 0 || a.commands.length === 0) return miss;
  if (!ctx.contained && uncontainedReads(a, ctx.resolve) !== null) return miss;
  for (const c of a.commands) {
    if (c.assignments.length > 0) return miss; // `BASH_ENV=… bash -c`, `PATH=… npm test`
    if (c.lookedThrough) continue; // `bash -c '…'`: its own commands follow and are judged
    // options that run code or change what the program runs (`git -c alias.x=…`, `sed e`, awk `system`, tar
    // checkpoint actions, `find -exec`): a prefix rule for the program does not trust what it is told to run
    if (c.runsCode) return miss;
    if (c.argv.length === 0) {
      if (c.assignments.length > 0) return miss; // `PATH=… ` on its own line
      continue; // a bare redirection: judged as a write below
    }
    if (!prefixes.some((p) => _lowerMatch(c, p))) return miss;
  }
  const w = judgeWrites(a.commands, [], a.cwdChanged, ctx.resolve, ctx.contained === true);
  if (w.blocked) return miss;
  return { hit: true, atLeastMedium: w.intoWorkspace, maybe: null };
}
