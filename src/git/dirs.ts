/**
 * Where git's configuration and code live for a folder the agent can write (the workspace, a `sandbox.writable`
 * folder, or a repository nested in one), wherever `.git` points. Shared by the file tools (`git_protected.ts`,
 * which refuses every change there) and the process sandbox (`_gitview.ts`, which shows git dirs through a view
 * whose configuration is read-only).
 *
 * Followed from `<root>/.git` (or from `root` itself when it is a bare repository): a `.git` folder; a `.git`
 * file's `gitdir:`; a `.git` symlink's target; each git dir's `commondir`; every symlink at a git dir's top (judged
 * by its target); `core.hooksPath`, `include.path` and `includeIf.*.path` of the git dirs' configs (and of the
 * files they include); what a `core.fsmonitor` command there may run (`_command.ts`: the folders its words name, a
 * word at the top with its `name.*` siblings; one that cannot be read sets `locked`); the files the hooks hand over to (husky, pre-commit, lefthook, node's package managers, and a python hook's top-level modules: `delegates.ts`; protected
 * where they lead, each link on the way watched); and the
 * `.git` entries of the submodules the index lists (`_submodules.ts`). Only what lands inside a writable root
 * matters: the agent cannot change anything else.
 *
 * Runtime-free: only `node:` APIs.
 *
 * @module
 */
import { readdirSync, readlinkSync } from "node:fs";
import { basename, dirname, join, resolve, sep } from "node:path";
import { isWithin, realPathLoose } from "../_util/paths.ts";
import { commandReach, isBooleanValue } from "./_command.ts";
import { gitPath, operatorConfigs, parseGitConfigPaths } from "./_config.ts";
import { type EntryKind, lkind, lstatOr, readText, realOr } from "./_fs.ts";
import { submodulePins } from "./_submodules.ts";
import { hookDelegates, pythonTargetAt, pythonTargets } from "./delegates.ts";

export { isWithin } from "../_util/paths.ts";
export { type GitConfigPaths, operatorBareRepository, parseGitConfigPaths } from "./_config.ts";
export { readText } from "./_fs.ts";
export { pythonInits, pythonTargets } from "./delegates.ts";
export { type EntryKind, noLinkBelow, readSmall } from "./_fs.ts";

/** Where a path leads: its real path as far as it exists, a dangling link followed (see `realPathLoose`). */
export const whereLeads: (p: string) => string = (p) => realPathLoose(p);

/** One path to keep read-only inside the sandbox by binding it onto itself. */
export interface GitPin {
  /** The real path (no symlink in it). */
  path: string;
  /** A folder or a file. */
  kind: "dir" | "file";
  /** Why, for messages and `doctor`. */
  why: string;
  /** Missing yet: make it (an empty folder) before binding it. */
  create?: boolean;
  /**
   * A watched stem (`path` at a worktree's top, a command's word): what a call makes named `path` or `path.*` is
   * taken away; these names existed before (and are pinned).
   */
  stem?: string[];
  /**
   * A worktree's top where a hook runs python with it first on `sys.path` (`delegates.ts`): what a call makes there
   * that python imports (a new `x.py`, `x.so`, a folder holding `__init__.*`, an `__init__.*` in a top-level folder)
   * is taken away; `names` were at the top before, `targets` were its import targets (and are pinned).
   */
  python?: { names: string[]; targets: string[] };
  /** A symlink on the way to a hook's delegate (its text as read): one that is no longer this link is taken away. */
  link?: string;
}

/** What git reads as configuration or runs as code for one writable root (or a repository nested in one). */
export interface GitRootInfo {
  /** The worktree (a real path). */
  root: string;
  /** `<root>/.git` as it is now (for a bare repository: `root` itself). */
  entry: { path: string; kind: EntryKind; link?: string };
  /** The real git dirs inside writable roots reached from `.git` (the root's own one first), in order. */
  gitDirs: string[];
  /** Existing paths outside those git dirs to keep read-only (the `.git` file, link targets, hooksPath, includes). */
  pins: GitPin[];
  /**
   * Missing paths git's hooks would read (a pre-commit or lefthook config): a process must not create them; and links
   * on the way to what they run (`link`: the link's text), which a process must not change.
   */
  watch: GitPin[];
  /** Paths (real, existing or not) whose subtree the file tools must not change. */
  trees: string[];
  /** Paths at a worktree's top whose `name.*` siblings the file tools must not change either (`_command.ts`). */
  stems: string[];
  /** Worktree tops whose top-level python import targets the file tools must not change or make (`delegates.ts`). */
  pyTops: string[];
  /** Why no change in the worktree is allowed (a host-run command whose words cannot be read), or null. */
  locked: string | null;
  /** Why process tools must be refused now (a `.git` symlink, a missing hooks folder the agent could create), or null. */
  refuse: string | null;
  /** The submodule paths (relative to root) that the root's index lists, when it could be read. */
  gitlinks: string[];
  /** The hash size of the root's git dir (20 for SHA-1, 32 for SHA-256). */
  hashBytes: number;
}

/** Names at the top of a git dir that git writes as data (synced back by the sandbox's view). */
export const GIT_DATA_FILES: ReadonlySet<string> = new Set([
  "index",
  "HEAD",
  "ORIG_HEAD",
  "FETCH_HEAD",
  "MERGE_HEAD",
  "MERGE_MSG",
  "MERGE_MODE",
  "MERGE_RR",
  "MERGE_AUTOSTASH",
  "AUTO_MERGE",
  "CHERRY_PICK_HEAD",
  "REVERT_HEAD",
  "REBASE_HEAD",
  "COMMIT_EDITMSG",
  "TAG_EDITMSG",
  "SQUASH_MSG",
  "packed-refs",
  "shallow",
  "description",
]);

/** Folders at the top of a git dir that hold data git writes (bound writable by the sandbox's view). */
export const GIT_DATA_DIRS: ReadonlySet<string> = new Set(["objects", "refs", "logs", "lfs", "rr-cache", "reftable"]);

const MAX_GIT_DIRS = 16;
const MAX_INCLUDE_DEPTH = 5;

/** The names beside `stem` (a path) that are `basename(stem)` or start with `basename(stem) + "."`. */
export function stemNames(stem: string): string[] {
  const b = basename(stem);
  let names: string[] = [];
  try {
    names = readdirSync(dirname(stem));
  } catch { /* unreadable or missing: nothing there yet */ }
  return names.filter((n) => n === b || n.startsWith(b + "."));
}

/**
 * The protected path `p` lies in for `info` (one of its trees, or a name its stems cover), or null.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { protectedBy } from "./dirs.ts";
 * const info = { trees: ["/ws/.git", "/ws/tools"], stems: ["/ws/fsmon"] };
 * assert.equal(protectedBy(info, "/ws/tools/a.js"), "/ws/tools");
 * assert.equal(protectedBy(info, "/ws/fsmon.js"), "/ws/fsmon.js");
 * assert.equal(protectedBy(info, "/ws/fsmonx.js"), null);
 * // a hook runs python with /ws first on sys.path: a new top-level module is protected too
 * assert.equal(protectedBy({ ...info, pyTops: ["/ws"] }, "/ws/yaml.py"), "/ws/yaml.py");
 * ```
 */
export function protectedBy(
  info: Pick<GitRootInfo, "trees" | "stems"> & { pyTops?: readonly string[] },
  p: string,
): string | null {
  const t = info.trees.find((t) => isWithin(p, t));
  if (t !== undefined) return t;
  for (const s of info.stems) {
    const d = dirname(s);
    if (p === d || !isWithin(p, d)) continue;
    const first = p.slice(d.length + (d.endsWith(sep) ? 0 : 1)).split(sep)[0] as string;
    const b = basename(s);
    if (first === b || first.startsWith(b + ".")) return join(d, first);
  }
  for (const t of info.pyTops ?? []) {
    const hit = pythonTargetAt(t, p);
    if (hit !== null) return hit;
  }
  return null;
}

/** Options of {@linkcode inspectGit}. */
export interface InspectOptions {
  /** Also read the index for submodules (gitlinks) and pin their `.git` entries (default true). */
  submodules?: boolean;
  /** Keeps the last index scan per index file, keyed by its path, reused while its size and times are the same. */
  indexCache?: Map<string, { sig: string; gitlinks: string[] | null }>;
  /** `root` is itself a git dir (a bare repository), not a worktree with a `.git`. */
  bare?: boolean;
  /**
   * A `.git` file's git dir (and its commondir) outside the writable roots counts too (the workspace is a linked
   * worktree of a repository elsewhere: the sandbox shows that git dir through a view so git works there).
   */
  outsideGitDir?: boolean;
}

/**
 * Inspect what git reads for one writable root. Never throws: what cannot be read is treated as absent (and what
 * must be refused is said in `refuse`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { inspectGit } from "./dirs.ts";
 * import { mkdirSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * const ws = realpathSync(mkdtempSync(join(tmpdir(), "ws-")));
 * assert.deepEqual(inspectGit(ws, [ws]).gitDirs, []);
 * mkdirSync(join(ws, ".git"));
 * assert.deepEqual(inspectGit(ws, [ws]).gitDirs, [join(ws, ".git")]);
 * rmSync(ws, { recursive: true });
 * ```
 */
export function inspectGit(
  root: string,
  writableRoots: readonly string[],
  options: InspectOptions = {},
): GitRootInfo {
  const writable = (p: string) => writableRoots.some((w) => isWithin(p, w));
  const entryPath = options.bare ? root : join(root, ".git");
  const info: GitRootInfo = {
    root,
    entry: { path: entryPath, kind: lkind(lstatOr(entryPath)) },
    gitDirs: [],
    pins: [],
    watch: [],
    trees: [entryPath],
    stems: [],
    pyTops: [],
    locked: null,
    refuse: null,
    gitlinks: [],
    hashBytes: 20,
  };
  const refuse = (why: string) => (info.refuse ??= why);
  const rel = (p: string) => (isWithin(p, root) ? (p === root ? "." : p.slice(root.length + 1)) : p);
  const gitDirs = info.gitDirs;
  const addGitDir = (g: string) => {
    if (!gitDirs.includes(g) && gitDirs.length < MAX_GIT_DIRS) gitDirs.push(g);
  };
  const pin = (path: string, why: string) => {
    const st = lstatOr(path);
    const kind = st?.isDirectory() ? "dir" : st?.isFile() ? "file" : null;
    if (kind && !info.pins.some((p) => p.path === path)) info.pins.push({ path, kind, why });
  };
  const tree = (p: string) => {
    if (!info.trees.includes(p)) info.trees.push(p);
  };
  /** A path a host-run command may run: protected whole; pinned when it exists, else watched. */
  const reached = (p0: string, what: string) => {
    const p = whereLeads(p0);
    if (!writable(p)) return;
    tree(p);
    if (lstatOr(p) !== undefined) pin(p, what);
    else if (!info.watch.some((w) => w.path === p)) info.watch.push({ path: p, kind: "file", why: what });
  };
  /** A command line the host runs in this worktree (`_command.ts`): what its words may name is protected. */
  const command = (value: string, what: string) => {
    const r = commandReach(value, root, writable);
    if (r.unreadable !== null) {
      const why = `${what} is ${JSON.stringify(value)}, whose words cannot be read: ${r.unreadable}, so what it runs ` +
        `is unknown; every change in ${JSON.stringify(root)} is refused until the setting names its files plainly`;
      info.locked ??= why;
      refuse(why);
    }
    for (const p of r.trees) reached(p, what);
    for (const s0 of r.stems) {
      const s = whereLeads(s0);
      if (!writable(s) || info.stems.includes(s)) continue;
      info.stems.push(s);
      const names = stemNames(s);
      for (const n of names) reached(join(dirname(s), n), what);
      info.watch.push({ path: s, kind: "file", why: what, stem: names });
    }
  };
  /** A worktree top where a hook runs python with it first on sys.path: its top-level import targets (K6). */
  const python = (top0: string, what: string) => {
    const top = whereLeads(top0);
    if (!writable(top) || info.pyTops.includes(top)) return;
    info.pyTops.push(top);
    const names = pythonTargets(top);
    for (const n of names) {
      const p = join(top, n);
      tree(p);
      pin(p, what);
      const real = whereLeads(p);
      if (real !== p && writable(real)) {
        tree(real);
        pin(real, what);
      }
    }
    const cache = join(top, "__pycache__");
    if (lstatOr(cache) === undefined) {
      // missing: made empty and kept read-only by the sandbox (python then writes no bytecode there)
      tree(cache);
      if (!info.pins.some((x) => x.path === cache)) {
        info.pins.push({ path: cache, kind: "dir", why: what, create: true });
      }
    }
    let all: string[] = [];
    try {
      all = readdirSync(top);
    } catch { /* unreadable: every target found after the call is new */ }
    // the __pycache__ the sandbox makes (above) is its, not the call's
    const targets = names.includes("__pycache__") ? names : [...names, "__pycache__"];
    info.watch.push({ path: top, kind: "dir", why: what, python: { names: [...all, "__pycache__"], targets } });
  };
  const outside = new Set<string>();
  const follow = (target: string, fromOutside = false) => {
    if (!writable(target)) {
      if (fromOutside && options.outsideGitDir && lstatOr(target)?.isDirectory()) {
        outside.add(target);
        addGitDir(target);
      }
      return;
    }
    tree(target);
    if (lstatOr(target)?.isDirectory()) addGitDir(target);
  };

  if (options.bare) {
    addGitDir(root);
  } else if (info.entry.kind === "symlink") {
    let link = "";
    try {
      link = readlinkSync(entryPath);
    } catch { /* raced away */ }
    info.entry.link = link;
    follow(whereLeads(entryPath));
    refuse(
      `${JSON.stringify(rel(entryPath))} is a symlink (to ${JSON.stringify(link)}): the sandbox cannot pin a link, ` +
        `so a process could swap it for a new repository whose configuration the host's git would run; process ` +
        `tools are refused until it is a folder or a "gitdir:" file (delete_file ".git" removes the link, never ` +
        `its target)`,
    );
  } else if (info.entry.kind === "file") {
    pin(entryPath, "the .git file");
    const m = /^gitdir:\s*(.+?)\s*$/m.exec(readText(entryPath) ?? "");
    if (m) follow(whereLeads(resolve(root, m[1] as string)), true);
  } else if (info.entry.kind === "dir") {
    addGitDir(entryPath);
  } else if (info.entry.kind === "other") {
    refuse(`${JSON.stringify(rel(entryPath))} is neither a folder, a file nor a symlink`);
  }

  // Each git dir: its commondir, the symlinks at its top, its config's hooks path and includes.
  const configs: string[] = [];
  const hookDirs: string[] = [];
  for (let i = 0; i < gitDirs.length; i++) {
    const g = gitDirs[i] as string;
    tree(g);
    const common = readText(join(g, "commondir"));
    if (common !== null && common.trim() !== "") follow(whereLeads(resolve(g, common.trim())), outside.has(g));
    let names: string[] = [];
    try {
      names = readdirSync(g);
    } catch { /* unreadable: nothing more to find */ }
    for (const name of names) {
      const p = join(g, name);
      if (!lstatOr(p)?.isSymbolicLink()) continue;
      const target = whereLeads(p);
      if (!writable(target)) continue;
      tree(target);
      if (lstatOr(target) === undefined) {
        refuse(
          `${JSON.stringify(rel(p))} is a symlink to ${JSON.stringify(rel(target))}, which does not exist: a process ` +
            `could create it and the host's git would read it; create it or remove the link`,
        );
      } else pin(target, `the target of ${rel(p)}`);
    }
    hookDirs.push(whereLeads(join(g, "hooks")));
    configs.push(join(g, "config"), join(g, "config.worktree"));
  }
  // The operator's global and system configs count too: a relative core.hooksPath there is taken from the worktree.
  if (gitDirs.length > 0) configs.push(...operatorConfigs());
  const seen = new Set<string>();
  const readConfig = (file: string, depth: number) => {
    const real = realOr(file);
    if (real === null || seen.has(real)) return;
    seen.add(real);
    const text = readText(real);
    if (text === null) return;
    const c = parseGitConfigPaths(text);
    if (c.objectFormat === "sha256" && depth === 0 && real === realOr(join(gitDirs[0] ?? "", "config"))) {
      info.hashBytes = 32;
    }
    const guard = (value: string, base: string, what: string, isDir: boolean) => {
      const p0 = gitPath(value, base);
      if (p0 === null) return null;
      const p = whereLeads(p0);
      if (!writable(p)) return p;
      tree(p);
      const st = lstatOr(p);
      if (st === undefined && isDir) {
        // A hooks folder that does not exist yet: made empty (git tracks no empty folder) and kept read-only.
        if (!info.pins.some((x) => x.path === p)) info.pins.push({ path: p, kind: "dir", why: what, create: true });
      } else if (st === undefined) {
        refuse(
          `${what} names ${JSON.stringify(rel(p))}, which does not exist: a process could create it and the host's ` +
            `git would read it as configuration; create it or change the setting`,
        );
      } else pin(p, what);
      return p;
    };
    for (const h of c.hooksPath) {
      const p = guard(h, root, `core.hooksPath in ${rel(real)}`, true);
      if (p !== null) hookDirs.push(p);
    }
    for (const f of c.fsmonitor) {
      // a command, not the built-in daemon: every word of it protects what it may name (red team 9, H3)
      if (!isBooleanValue(f)) command(f, `core.fsmonitor in ${rel(real)}`);
    }
    for (const inc of c.includes) {
      const p = guard(inc, dirname(real), `an include in ${rel(real)}`, false);
      if (p !== null && depth < MAX_INCLUDE_DEPTH) readConfig(p, depth + 1);
    }
  };
  for (const file of configs) readConfig(file, 0);

  /**
   * A file or folder a hook hands over to: protected as named and where it leads (pnpm links node_modules/<pkg>
   * into its store, node_modules itself may be a link). A link on the way cannot be pinned (a bind follows it), so
   * each one is watched: after a call, one that no longer leads where it did is renamed aside (red team 12, K4).
   */
  const delegate = (path: string, kind: "file" | "dir", why: string) => {
    const real = whereLeads(path);
    if (isWithin(path, root)) {
      for (let p = path; p !== root && isWithin(p, root); p = dirname(p)) {
        if (!lstatOr(p)?.isSymbolicLink() || !writable(p)) continue;
        let link = "";
        try {
          link = readlinkSync(p);
        } catch { /* raced away: watched as it is now */ }
        tree(p);
        if (!info.watch.some((w) => w.path === p)) info.watch.push({ path: p, kind: "file", why, link });
      }
    }
    for (const p of real === path ? [path] : [path, real]) {
      if (!writable(p)) continue;
      tree(p);
      const st = lstatOr(p);
      if (st === undefined) {
        if (!info.watch.some((w) => w.path === p)) info.watch.push({ path: p, kind, why });
      } else if (!st.isSymbolicLink() && p === real) pin(p, why);
    }
  };

  // The worktree files the hooks hand over to (husky's .husky/<hook>, .pre-commit-config.yaml, lefthook.yml).
  if (!options.bare) {
    for (const d of hookDelegates(root, hookDirs)) {
      if (d.pythonTop) {
        python(d.path, d.why);
        continue;
      }
      if (d.command !== undefined) {
        command(d.command, d.why);
        continue;
      }
      delegate(d.path, d.kind, d.why);
    }
  }

  // Submodules: the root's index lists gitlinks; the host's git status runs inside each populated one.
  const first = gitDirs[0];
  if (first !== undefined && !options.bare && info.entry.kind !== "symlink" && options.submodules !== false) {
    const subs = submodulePins(root, first, info.hashBytes, writable, options.indexCache);
    info.gitlinks = subs.gitlinks;
    for (const p of subs.pins) {
      tree(p.path);
      if (p.create) info.pins.push(p);
      else if (!gitDirs.some((d) => isWithin(p.path, d))) pin(p.path, p.why);
    }
    for (const t of subs.trees) tree(t);
    if (subs.refuse !== null) refuse(subs.refuse);
  }
  return info;
}
