/**
 * Private helper of the git protection: where git's configuration and code live for a folder the agent can write
 * (the workspace, or a `sandbox.writable` folder), wherever `.git` points. Shared by the file tools
 * (`_protected.ts`, which refuses every change there) and the process sandbox (`_gitview.ts`, which shows git dirs
 * through a view whose configuration is read-only).
 *
 * Followed from `<root>/.git`: a `.git` folder; a `.git` file's `gitdir:`; a `.git` symlink's target; each git
 * dir's `commondir`; every symlink at a git dir's top (judged by its target); `core.hooksPath`, `include.path` and
 * `includeIf.*.path` of the git dirs' configs (and of the files they include); and the `.git` entries of the
 * submodules the index lists (gitlinks). Only what lands inside a writable root matters: the agent cannot change
 * anything else.
 *
 * Runtime-free: only `node:` APIs.
 *
 * @module
 */
import { closeSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, realpathSync, type Stats } from "node:fs";
import { dirname, isAbsolute, join, resolve, sep } from "node:path";
import process from "node:process";
import { scanGitlinks } from "./gitlinks.ts";

/** What a path is, without following a final symlink. */
export type EntryKind = "dir" | "file" | "symlink" | "other" | "missing";

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
}

/** What git reads as configuration or runs as code for one writable root. */
export interface GitRootInfo {
  /** The writable root (a real path). */
  root: string;
  /** `<root>/.git` as it is now. */
  entry: { path: string; kind: EntryKind; link?: string };
  /** The real git dirs inside writable roots reached from `.git` (the root's own one first), in order. */
  gitDirs: string[];
  /** Existing paths outside those git dirs to keep read-only (the `.git` file, link targets, hooksPath, includes). */
  pins: GitPin[];
  /** Paths (real, existing or not) whose subtree the file tools must not change. */
  trees: string[];
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
const MAX_READ = 256 * 1024;

function lkind(st: Stats | undefined): EntryKind {
  if (!st) return "missing";
  if (st.isSymbolicLink()) return "symlink";
  if (st.isDirectory()) return "dir";
  if (st.isFile()) return "file";
  return "other";
}

function lstatOr(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

function realOr(p: string): string | null {
  try {
    return realpathSync.native(p);
  } catch {
    return null;
  }
}

/** Read at most `max` bytes of a regular file (not following a final symlink), or null. */
export function readSmall(p: string, max = MAX_READ): Uint8Array | null {
  const st = lstatOr(p);
  if (!st || !st.isFile()) return null;
  let fd: number;
  try {
    fd = openSync(p, "r");
  } catch {
    return null;
  }
  try {
    const buf = new Uint8Array(Math.min(max, st.size));
    let n = 0;
    while (n < buf.length) {
      const r = readSync(fd, buf, n, buf.length - n, n);
      if (r <= 0) break;
      n += r;
    }
    return buf.subarray(0, n);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

function readText(p: string): string | null {
  const b = readSmall(p);
  return b === null ? null : new TextDecoder().decode(b);
}

/** `child` is `parent` or below it (both absolute, normalized). */
export function isWithin(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep);
}

/**
 * Where a path leads: its real path when it exists, else the lexical target of its first dangling link (as the
 * kernel would follow it if the missing part were created), else the real parent joined with the rest.
 */
export function whereLeads(p: string, depth = 0): string {
  const real = realOr(p);
  if (real !== null) return real;
  const parent = dirname(p);
  if (parent === p) return p;
  const realParent = whereLeads(parent, depth);
  const here = join(realParent, p.slice(parent.length + (parent.endsWith(sep) ? 0 : 1)));
  const st = lstatOr(here);
  if (st?.isSymbolicLink() && depth < 40) {
    try {
      return whereLeads(resolve(realParent, readlinkSync(here)), depth + 1);
    } catch {
      return here;
    }
  }
  return here;
}

/** A value of a git config line: quotes removed, escapes applied, an inline comment dropped. */
function configValue(raw: string): string {
  let out = "";
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (c === '"') {
      quoted = !quoted;
      continue;
    }
    if (c === "\\" && i + 1 < raw.length) {
      const n = raw[++i] as string;
      out += n === "n" ? "\n" : n === "t" ? "\t" : n;
      continue;
    }
    if (!quoted && (c === "#" || c === ";")) break;
    out += c;
  }
  return out.trim();
}

/** The settings of a git config file that name hooks, included configs or a hook command. */
export interface GitConfigPaths {
  hooksPath: string[];
  includes: string[];
  fsmonitor: string[];
  objectFormat: string | null;
  worktreeConfig: boolean;
}

/**
 * Read `core.hooksPath`, `core.fsmonitor`, `include.path`, `includeIf.*.path`, `extensions.objectFormat` and
 * `extensions.worktreeConfig` from the text of a git config file (a small, forgiving parser: sections, quoted
 * values, comments, continuation lines).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseGitConfigPaths } from "./dirs.ts";
 * const c = parseGitConfigPaths('[core]\n\thooksPath = ".husky" # local\n[includeIf "gitdir:~/w/"]\n\tpath = a.cfg\n');
 * assert.deepEqual(c.hooksPath, [".husky"]);
 * assert.deepEqual(c.includes, ["a.cfg"]);
 * ```
 */
export function parseGitConfigPaths(text: string): GitConfigPaths {
  const out: GitConfigPaths = { hooksPath: [], includes: [], fsmonitor: [], objectFormat: null, worktreeConfig: false };
  let section = "";
  const lines = text.replace(/\\\r?\n/g, "").split(/\r?\n/);
  for (let line of lines) {
    line = line.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    if (line.startsWith("[")) {
      const end = line.indexOf("]");
      const head = line.slice(1, end < 0 ? undefined : end).trim();
      const sp = head.search(/\s/);
      const name = (sp < 0 ? head : head.slice(0, sp)).toLowerCase();
      const sub = sp < 0 ? "" : head.slice(sp).trim();
      // [core.x] style subsections are lowercased; "include" and "includeIf" are what matter here
      section = name.split(".")[0] + (sub ? " sub" : "");
      line = end < 0 ? "" : line.slice(end + 1).trim();
      if (line === "") continue;
    }
    const eq = line.indexOf("=");
    const key = (eq < 0 ? line : line.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? "true" : configValue(line.slice(eq + 1));
    if (section === "core" && key === "hookspath") out.hooksPath.push(value);
    else if (section === "core" && key === "fsmonitor") out.fsmonitor.push(value);
    else if ((section === "include" || section === "includeif sub") && key === "path") out.includes.push(value);
    else if (section === "extensions" && key === "objectformat") out.objectFormat = value.toLowerCase();
    else if (section === "extensions" && key === "worktreeconfig") {
      out.worktreeConfig = /^(true|yes|on|1)$/i.test(value);
    }
  }
  return out;
}

/** The operator's global and system git configs (what the host's git reads besides the repository's own). */
function operatorConfigs(): string[] {
  const out = ["/etc/gitconfig"];
  try {
    const home = process.env.HOME;
    const xdg = process.env.XDG_CONFIG_HOME;
    if (home) out.push(join(home, ".gitconfig"));
    out.push(join(xdg || (home ? join(home, ".config") : "/nonexistent"), "git", "config"));
  } catch {
    // no access to the environment (a restricted worker): the repository's configs only
  }
  return out;
}

/** Expand a git path value: `~/` is the operator's home; relative ones are taken from `base`. */
function gitPath(value: string, base: string): string | null {
  if (value === "" || value.includes("\0")) return null;
  if (value.startsWith("%(prefix)/")) return null;
  if (value === "~" || value.startsWith("~/")) {
    let home: string | undefined;
    try {
      home = process.env.HOME;
    } catch {
      return null;
    }
    if (!home) return null;
    return resolve(home, value.slice(2));
  }
  if (value.startsWith("~")) return null; // ~user: another user's home, not the agent's
  return isAbsolute(value) ? resolve(value) : resolve(base, value);
}

/** Options of {@linkcode inspectGit}. */
export interface InspectOptions {
  /** Also read the index for submodules (gitlinks) and pin their `.git` entries (default true). */
  submodules?: boolean;
  /** Keeps the last index scan per index file, keyed by its path, reused while its size and times are the same. */
  indexCache?: Map<string, { sig: string; gitlinks: string[] | null }>;
}

/**
 * Inspect what git reads for one writable root. Never throws: what cannot be read is treated as absent (and what
 * must be refused is said in `refuse`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { inspectGit } from "./dirs.ts";
 * import { mkdirSync, mkdtempSync, realpathSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * const ws = realpathSync(mkdtempSync(join(tmpdir(), "ws-")));
 * assert.deepEqual(inspectGit(ws, [ws]).gitDirs, []);
 * mkdirSync(join(ws, ".git"));
 * assert.deepEqual(inspectGit(ws, [ws]).gitDirs, [join(ws, ".git")]);
 * ```
 */
export function inspectGit(
  root: string,
  writableRoots: readonly string[],
  options: InspectOptions = {},
): GitRootInfo {
  const writable = (p: string) => writableRoots.some((w) => isWithin(p, w));
  const entryPath = join(root, ".git");
  const est = lstatOr(entryPath);
  const info: GitRootInfo = {
    root,
    entry: { path: entryPath, kind: lkind(est) },
    gitDirs: [],
    pins: [],
    trees: [entryPath],
    refuse: null,
    gitlinks: [],
    hashBytes: 20,
  };
  const refuse = (why: string) => (info.refuse ??= why);
  const rel = (p: string) => (isWithin(p, root) ? (p === root ? "." : p.slice(root.length + 1)) : p);
  const gitDirs: string[] = [];
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

  if (info.entry.kind === "symlink") {
    let link = "";
    try {
      link = readlinkSync(entryPath);
    } catch { /* raced away */ }
    info.entry.link = link;
    const target = whereLeads(entryPath);
    if (writable(target)) {
      tree(target);
      if (lstatOr(target)?.isDirectory()) addGitDir(target);
    }
    refuse(
      `${JSON.stringify(rel(entryPath))} is a symlink (to ${
        JSON.stringify(link)
      }): the sandbox cannot pin a link, so ` +
        `a process could swap it for a new repository whose configuration the host's git would run; process tools ` +
        `are refused until it is a folder or a "gitdir:" file (delete_file ".git" removes the link, never its target)`,
    );
  } else if (info.entry.kind === "file") {
    pin(entryPath, "the .git file");
    const text = readText(entryPath);
    const m = text === null ? null : /^gitdir:\s*(.+?)\s*$/m.exec(text);
    if (m) {
      const target = whereLeads(resolve(root, m[1] as string));
      if (writable(target)) {
        tree(target);
        if (lstatOr(target)?.isDirectory()) addGitDir(target);
      }
    }
  } else if (info.entry.kind === "dir") {
    addGitDir(entryPath);
  } else if (info.entry.kind === "other") {
    refuse(`${JSON.stringify(rel(entryPath))} is neither a folder, a file nor a symlink`);
  }

  // Each git dir: its commondir, the symlinks at its top, its config's hooks path and includes.
  const configs: { file: string; worktree: string }[] = [];
  for (let i = 0; i < gitDirs.length; i++) {
    const g = gitDirs[i] as string;
    tree(g);
    const common = readText(join(g, "commondir"));
    if (common !== null && common.trim() !== "") {
      const c = whereLeads(resolve(g, common.trim()));
      if (writable(c)) {
        tree(c);
        if (lstatOr(c)?.isDirectory()) addGitDir(c);
      }
    }
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
    configs.push({ file: join(g, "config"), worktree: root });
    configs.push({ file: join(g, "config.worktree"), worktree: root });
  }
  // The operator's global and system configs count too: a relative core.hooksPath there is taken from the worktree.
  if (gitDirs.length > 0) {
    for (const file of operatorConfigs()) configs.push({ file, worktree: root });
  }
  const seen = new Set<string>();
  const readConfig = (file: string, worktree: string, depth: number) => {
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
    for (const h of c.hooksPath) guard(h, worktree, `core.hooksPath in ${rel(real)}`, true);
    for (const f of c.fsmonitor) {
      if (/^(true|false|yes|no|on|off|0|1)$/i.test(f) || !f.includes("/")) continue;
      const p = gitPath(f.split(/\s+/)[0] as string, worktree);
      if (p !== null && lstatOr(p) !== undefined && writable(whereLeads(p))) {
        guard(f.split(/\s+/)[0] as string, worktree, `core.fsmonitor in ${rel(real)}`, false);
      }
    }
    for (const inc of c.includes) {
      const p = guard(inc, dirname(real), `an include in ${rel(real)}`, false);
      if (p !== null && depth < MAX_INCLUDE_DEPTH) readConfig(p, worktree, depth + 1);
    }
  };
  for (const { file, worktree } of configs) readConfig(file, worktree, 0);

  // Submodules: the root's index lists gitlinks; the host's git status runs inside each populated one.
  const first = gitDirs[0];
  if (first !== undefined && info.entry.kind !== "symlink" && options.submodules !== false) {
    const indexPath = join(first, "index");
    const ist = lstatOr(indexPath);
    const sig = ist?.isFile() ? `${ist.dev}:${ist.ino}:${ist.size}:${ist.mtimeMs}:${ist.ctimeMs}` : "";
    let gitlinks: string[] | null = null;
    const cached = options.indexCache?.get(indexPath);
    if (cached && cached.sig === sig && sig !== "") gitlinks = cached.gitlinks;
    else if (sig !== "") {
      const index = readSmall(indexPath, 256 * 1024 * 1024);
      const scan = index === null ? null : scanGitlinks(index, info.hashBytes);
      gitlinks = scan?.ok ? [...scan.gitlinks].sort() : null;
      options.indexCache?.set(indexPath, { sig, gitlinks });
    }
    if (gitlinks !== null) {
      {
        info.gitlinks = gitlinks;
        for (const sub of info.gitlinks) {
          const subGit = join(root, sub, ".git");
          if (!noLinkBelow(root, join(root, sub))) {
            refuse(
              `the submodule path ${JSON.stringify(sub)} passes through a symlink; the sandbox cannot pin its .git`,
            );
            continue;
          }
          const st = lstatOr(subGit);
          tree(subGit);
          if (st === undefined) {
            // Not checked out: a process could create <sub>/.git and the host's git status would run git there.
            // The (empty) submodule folder is kept read-only, made when missing, as git's own checkout makes it.
            const dir = join(root, sub);
            const dst = lstatOr(dir);
            if (dst === undefined) {
              info.pins.push({ path: dir, kind: "dir", why: `the submodule ${sub}`, create: true });
            } else if (dst.isDirectory() || dst.isFile()) pin(dir, `the submodule ${sub} (not checked out)`);
            continue;
          }
          if (st.isSymbolicLink()) {
            refuse(`the submodule's ${JSON.stringify(rel(subGit))} is a symlink; the sandbox cannot pin it`);
          } else if (st.isDirectory() || st.isFile()) {
            pin(subGit, `the .git of submodule ${sub}`);
            if (st.isFile()) {
              const m = /^gitdir:\s*(.+?)\s*$/m.exec(readText(subGit) ?? "");
              const g = m ? whereLeads(resolve(join(root, sub), m[1] as string)) : null;
              if (g !== null && writable(g)) {
                tree(g);
                if (!gitDirs.some((d) => isWithin(g, d))) pin(g, `the git dir of submodule ${sub}`);
              }
            }
          }
        }
      }
    }
  }
  info.gitDirs = gitDirs;
  return info;
}

/** No component of `path` below `root` is a symlink (and each exists or the rest is missing). */
export function noLinkBelow(root: string, path: string): boolean {
  if (!isWithin(path, root)) return false;
  let cur = root;
  for (const part of path.slice(root.length).split(sep).filter((x) => x !== "")) {
    cur = join(cur, part);
    const st = lstatOr(cur);
    if (st === undefined) return true;
    if (st.isSymbolicLink()) return false;
  }
  return true;
}
