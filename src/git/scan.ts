/**
 * Every repository inside a folder the agent can write, at any depth, as git's own discovery finds them
 * (`setup.c`: `is_git_directory()` and `read_gitfile_gently()`): each `.git` entry of any kind (a folder, a `gitdir:`
 * file, a symlink, even a FIFO), and each folder git would take for a bare repository (or a git dir a `.git` file
 * could name): a `HEAD` that is not a folder (a file or a symlink; git accepts `ref: refs/…`, a hash, or a symlink to
 * `refs/…`) with `commondir`, or with `objects` and `refs` that pass git's only test of them, `access(X_OK)`: a
 * folder, a symlink (to anything), a FIFO or any other entry, or a regular file with an execute bit (red team 6,
 * F0). The host's git run in any subfolder discovers them, so the sandbox protects the ones that exist before a call
 * and disables the ones a call made (`_gitview.ts`).
 *
 * Names are bytes (red team 6, F0b): a folder whose name is not valid UTF-8 is listed again as bytes and walked by
 * its bytes; what is found below it comes back in `unnamed` with the path's bytes (such a path cannot be handed to
 * bubblewrap as text, so the sandbox disables or refuses, never views it). Where the runtime only hands over names
 * decoded with U+FFFD (Deno), such a folder cannot be named at all: the walk says so in `cutShort`, as it does for a
 * folder it cannot list or look at (a permission, a path past `PATH_MAX` where `/proc/self/fd` is refused) and for
 * a walk stopped at `maxDirs`. A walk cut short is failed closed by its user: nothing below is taken as free of
 * repositories.
 *
 * Order and cost (red team 7, F6 and F7): the walk is breadth first over text paths, so a bound reached stops it at
 * the deepest folders, never before a shallow one; the folders it did not enter then get their own `.git` and `HEAD`
 * looked at (a few lstats each, up to four times the bound), so a repository at the edge of the walk is still found
 * and disabled, and `cutShort` names the folders the operator must not run git in. Folders deeper than a short path
 * (or named by bytes) are walked depth first from folder descriptors, `/proc/self/fd/N/rel` with `rel` at most 32
 * levels, so what one folder costs does not grow with its depth (an 8,000-level chain walks in about as long as
 * 8,000 folders side by side).
 *
 * The walk never follows a symlink and does not enter `.git` folders. It is cached: a folder whose identity and
 * times are unchanged since the last walk is not read again (one lstat each), and a folder changed within the last
 * moment of the file system's clock is read again next time (git's "racy" rule), so a change is never missed. The
 * cache holds 500,000 folders; deep folders and those past it are read again each walk.
 *
 * Runtime-free but for `../runtime/dir_stat.ts` (the fastest lstat of the runtime).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { closeSync, constants, type Dirent, lstatSync, openSync, readdirSync, type Stats } from "node:fs";
import { join } from "node:path";
import { type DirStat, dirStat } from "../runtime/dir_stat.ts";
import { escapeNameBytes, utf8Name } from "../_util/names.ts";

/** A repository found below a folder whose name is not valid UTF-8: its path as bytes. */
export interface UnnamedRepo {
  /** `entry`: a `.git` entry (the path is the entry's); `bare`: a folder shaped like a bare repository. */
  kind: "entry" | "bare";
  /** The path's bytes. */
  bytes: Buffer;
  /** The path for messages (bytes that are not UTF-8 as `\xHH`). */
  shown: string;
}

/** What one walk found. */
export interface RepoScan {
  /** The `.git` entries below the root (the root's own `<root>/.git` is not listed), sorted. */
  entries: string[];
  /** The folders shaped like a bare repository (the root included), sorted. */
  bare: string[];
  /** Repositories below a folder whose name is not valid UTF-8 (by bytes). */
  unnamed: UnnamedRepo[];
  /** Folders looked at. */
  dirs: number;
  /** The walk stopped at `maxDirs`: what lies beyond was not looked at. */
  truncated: boolean;
  /** Why parts of the tree were not looked at (a folder that could not be listed or named), or empty. */
  cutShort: string[];
}

interface Cached {
  dev: number;
  ino: number;
  mtimeMs: number;
  ctimeMs: number;
  racy: boolean;
  subdirs: string[];
  /** Subfolders whose names are not valid UTF-8 (walked by bytes each time). */
  rawSubdirs: Buffer[];
  gitEntry: boolean;
  bare: boolean;
}

/** Changes younger than this (ms) may share a timestamp with a later change: such a folder is read again. */
const RACY_MS = 2000;

const REPLACEMENT = "\uFFFD";

/** Paths at least this long are reached through descriptors (`/proc/self/fd/N/…`), as PATH_MAX (4096) is near. */
const SHORT = 3500;
/** Paths longer than this are not walked (said in `cutShort`): each look would open too many descriptors. */
const MAX_PATH_BYTES = 64 * 1024;

/**
 * Run `fn` with a path to `full` short enough for the kernel: a long one is reached through a chain of folder
 * descriptors (O_NOFOLLOW), `/proc/self/fd/N/rest`, closed after. Throws what opening the chain throws.
 */
export function withShortPath<T>(full: Buffer, fn: (p: Buffer) => T): T {
  if (full.length < SHORT) return fn(full);
  let fd: number | null = null;
  let rest = full;
  try {
    while (rest.length >= SHORT) {
      const cut = rest.lastIndexOf(0x2f, SHORT - 600);
      if (cut <= 0) throw Object.assign(new Error("a path component too long"), { code: "ENAMETOOLONG" });
      const head = rest.subarray(0, cut);
      const at: Buffer = fd === null ? head : Buffer.concat([Buffer.from(`/proc/self/fd/${fd}/`), head]);
      const next = openSync(at, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
      if (fd !== null) closeSync(fd);
      fd = next;
      rest = rest.subarray(cut + 1);
    }
    return fn(Buffer.concat([Buffer.from(`/proc/self/fd/${fd}/`), rest]));
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** What git's `access(path, X_OK)` may pass for `objects` or `refs`: all but a missing entry or a plain data file. */
function xOk(st: Stats | undefined): boolean {
  if (!st) return false;
  if (st.isFile()) return (st.mode & 0o111) !== 0;
  return true;
}

function lstatMaybe(p: string | Buffer): Stats | undefined {
  try {
    return typeof p === "string" ? lstatSync(p) : withShortPath(p, (q) => lstatSync(q));
  } catch {
    return undefined;
  }
}

/**
 * A folder git would take for a repository (`is_git_directory`), over-approximated where the answer depends on
 * contents or on who runs git: `HEAD` not a folder; `commondir`, or `objects` and `refs` passing `access(X_OK)`.
 */
function bareShape(
  names: ReadonlySet<string>,
  type: (n: string) => Stats | Dirent | undefined,
  at: (n: string) => string | Buffer,
): boolean {
  if (!names.has("HEAD")) return false;
  const head = type("HEAD");
  if (head?.isDirectory()) return false;
  if (names.has("commondir")) return true;
  const ok = (n: string) => {
    if (!names.has(n)) return false;
    const t = type(n);
    if (t && (t.isDirectory() || t.isSymbolicLink())) return true;
    return xOk(lstatMaybe(at(n)));
  };
  return ok("objects") && ok("refs");
}

/**
 * Finds the repositories in a tree, caching per folder across walks (one cache per root walked).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { RepoScanner } from "./scan.ts";
 * const ws = realpathSync(mkdtempSync(join(tmpdir(), "scan-")));
 * mkdirSync(join(ws, "a", "b", ".git"), { recursive: true });
 * mkdirSync(join(ws, "bare", "objects"), { recursive: true });
 * mkdirSync(join(ws, "bare", "refs"));
 * writeFileSync(join(ws, "bare", "HEAD"), "ref: refs/heads/main\n");
 * const scanner = new RepoScanner();
 * const found = scanner.scan(ws);
 * assert.deepEqual(found.entries, [join(ws, "a", "b", ".git")]);
 * assert.deepEqual(found.bare, [join(ws, "bare")]);
 * rmSync(ws, { recursive: true });
 * ```
 */
export class RepoScanner {
  readonly #caches = new Map<string, Map<string, Cached>>();
  readonly #maxDirs: number;
  /** Whether `/proc/self/fd/N/…` paths can be used here (not under Deno without `--allow-all`), once known. */
  #anchors: boolean | null = null;

  /**
   * A walk looks at `maxDirs` folders at most (default 500,000); past it, at the folders it did not enter, up to
   * four times as many more, only their own `.git` and `HEAD` (a few lstats each).
   */
  constructor(maxDirs = 500_000) {
    this.#maxDirs = maxDirs;
  }

  /**
   * Walk `root` (a real path). Folders that vanish are skipped; one that cannot be listed or named is said in
   * `cutShort`, and so is a walk stopped at its bound (with the folders it did not enter).
   */
  scan(root: string): RepoScan {
    const out: RepoScan = { entries: [], bare: [], unnamed: [], dirs: 0, truncated: false, cutShort: [] };
    const cache = this.#caches.get(root);
    const next = new Map<string, Cached>();
    let queue = [root];
    let qi = 0;
    const raw: Deep[] = [];
    const now = Date.now();
    const cut = (p: string, why: string) => {
      if (out.cutShort.length < 20) out.cutShort.push(`${p}: ${why}`);
    };
    const edge: Edge = { budget: EDGE_FACTOR * this.#maxDirs, seen: 0, unchecked: 0, shown: [] };
    const anchors = this.#anchorsWork(root);
    // Breadth first: a bound reached stops the walk at the deepest folders, never before a shallow one.
    while (qi < queue.length) {
      if (qi >= 65_536) {
        queue = queue.slice(qi);
        qi = 0;
      }
      const d = queue[qi++] as string;
      if (out.dirs >= this.#maxDirs) {
        out.truncated = true;
        edgeCheck(edge, out, d, (n) => join(d, n), null);
        continue;
      }
      const st: DirStat | null = dirStat(d);
      if (st === null) {
        const why = gone(d);
        if (why === "ENAMETOOLONG") raw.push(deepRoot(Buffer.from(d), d)); // walked by descriptors
        else if (why !== null) cut(d, why);
        continue;
      }
      if (!st.dir) continue;
      out.dirs++;
      let c = cache?.get(d);
      if (
        !c || c.racy || c.dev !== st.dev || c.ino !== st.ino || c.mtimeMs !== st.mtimeMs || c.ctimeMs !== st.ctimeMs
      ) {
        let dirents: Dirent[];
        try {
          dirents = readdirSync(d, { withFileTypes: true });
        } catch (e) {
          const code = (e as { code?: string }).code;
          if (code !== "ENOENT" && code !== "ENOTDIR") cut(d, `cannot be listed (${code ?? (e as Error).message})`);
          continue;
        }
        const byName = new Map(dirents.map((e) => [e.name, e]));
        const names = new Set(byName.keys());
        let rawSubdirs: Buffer[] = [];
        let lossy = new Set<string>();
        if (dirents.some((e) => e.name.includes(REPLACEMENT))) {
          // Some name may not be UTF-8: list again as bytes; those are walked by bytes, not by a lossy text.
          const bytes = listBytes(Buffer.from(d), (why) => cut(d, why));
          const rawNames = (bytes ?? []).filter((b) => utf8Name(b) === null);
          rawSubdirs = rawNames.filter((b) => lstatMaybe(Buffer.concat([Buffer.from(d + "/"), b]))?.isDirectory());
          lossy = new Set(rawNames.map((b) => b.toString("utf8")));
        }
        c = {
          dev: st.dev,
          ino: st.ino,
          mtimeMs: st.mtimeMs,
          ctimeMs: st.ctimeMs,
          racy: now - Math.max(st.mtimeMs, st.ctimeMs) < RACY_MS,
          subdirs: dirents.filter((e) => e.isDirectory() && e.name !== ".git" && !lossy.has(e.name)).map((e) => e.name),
          rawSubdirs,
          gitEntry: names.has(".git"),
          bare: bareShape(names, (n) => byName.get(n), (n) => join(d, n)),
        };
      }
      if (next.size < CACHED_DIRS) next.set(d, c);
      if (c.gitEntry && d !== root) out.entries.push(join(d, ".git"));
      if (c.bare) out.bare.push(d);
      for (const s of c.subdirs) {
        const p = join(d, s);
        // Deep folders are walked depth first from descriptors: a path's lookup costs the kernel one step a level.
        if (
          p.length >= (anchors ? DEEP_CHARS : SHORT_TEXT) && Buffer.byteLength(p) >= (anchors ? DEEP_CHARS : SHORT_TEXT)
        ) {
          raw.push(deepRoot(Buffer.from(p), p));
        } else queue.push(p);
      }
      for (const b of c.rawSubdirs) {
        raw.push(deepRoot(Buffer.concat([Buffer.from(d + "/"), b]), `${join(d, escapeNameBytes(b))}`));
      }
    }
    this.#caches.set(root, next);
    this.#walkBytes(raw, out, cut, edge, anchors);
    if (out.truncated) {
      const left = edge.unchecked > 0
        ? `; ${edge.unchecked} of them not even that (past a second bound of ${EDGE_FACTOR * this.#maxDirs})`
        : "";
      // First, so that it is said even when other folders filled the list.
      out.cutShort.unshift(
        `${root}: the walk stopped at ${this.#maxDirs} folders: ${edge.seen} folders below were not walked (their ` +
          `own .git and HEAD were looked at, not what is inside them${left}), e.g. ${edge.shown.join(", ")}: do ` +
          `not run the host's git inside them until a walk vouches again (remove folders the agent made there)`,
      );
      out.cutShort.length = Math.min(out.cutShort.length, 20);
    }
    out.entries.sort();
    out.bare.sort();
    return out;
  }

  /** Whether this runtime may open `/proc/self/fd/N/…` (Deno asks for `--allow-all`): probed once. */
  #anchorsWork(root: string): boolean {
    if (this.#anchors !== null) return this.#anchors;
    try {
      const fd = openSync(root, constants.O_RDONLY | constants.O_DIRECTORY);
      try {
        lstatSync(`/proc/self/fd/${fd}/.`);
        this.#anchors = true;
      } finally {
        closeSync(fd);
      }
    } catch {
      this.#anchors = false;
    }
    return this.#anchors;
  }

  /**
   * The walk below deep folders and folders whose names are not UTF-8: by bytes, uncached, depth first, each folder
   * reached from a descriptor of a folder at most {@linkcode HOPS} levels above it (`/proc/self/fd/N/rel`), so what
   * one entry costs does not grow with its depth.
   */
  #walkBytes(
    stack: Deep[],
    out: RepoScan,
    cut: (p: string, why: string) => void,
    edge: Edge,
    anchors: boolean,
  ): void {
    const open = new Set<Anchor>();
    const release = (a: Anchor | null) => {
      if (a !== null && --a.refs <= 0 && open.delete(a)) closeSync(a.fd);
    };
    try {
      while (stack.length > 0) {
        let d = stack.pop() as Deep;
        if (d.len > MAX_PATH_BYTES) {
          cut(d.shown.slice(0, 200) + "…", `a path longer than ${MAX_PATH_BYTES} bytes is not walked`);
          release(d.anchor);
          continue;
        }
        if (out.dirs >= this.#maxDirs) {
          out.truncated = true;
          edgeCheck(edge, out, d.shown, (n) => Buffer.concat([here(d), Buffer.from("/" + n)]), fullPath(d));
          release(d.anchor);
          continue;
        }
        if (anchors && (d.anchor === null || d.hops >= HOPS || d.rel.length >= REL_BYTES)) {
          // A new descriptor here (O_NOFOLLOW: a symlink is not walked), the one above released.
          let fd: number;
          try {
            const flags = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
            fd = d.anchor === null ? withShortPath(fullPath(d), (q) => openSync(q, flags)) : openSync(here(d), flags);
          } catch (e) {
            const code = (e as { code?: string }).code;
            if (code !== "ENOENT" && code !== "ENOTDIR" && code !== "ELOOP") {
              cut(d.shown, `cannot be looked at (${code ?? (e as Error).message})`);
            }
            release(d.anchor);
            continue;
          }
          const a: Anchor = { fd, refs: 1 };
          open.add(a);
          release(d.anchor);
          d = { ...d, anchor: a, rel: EMPTY, hops: 0 };
        } else {
          let st: Stats;
          try {
            st = d.anchor === null ? withShortPath(fullPath(d), (q) => lstatSync(q)) : lstatSync(here(d));
          } catch (e) {
            const code = (e as { code?: string }).code;
            if (code !== "ENOENT") cut(d.shown, `cannot be looked at (${code ?? (e as Error).message})`);
            release(d.anchor);
            continue;
          }
          if (!st.isDirectory()) {
            release(d.anchor);
            continue;
          }
        }
        out.dirs++;
        const base = here(d);
        const names = listBytes(base, (why) => cut(d.shown, why));
        if (names === null) {
          release(d.anchor);
          continue;
        }
        const at = (b: Buffer) => Buffer.concat([base, SLASH, b]);
        const types = new Map<string, Stats | undefined>();
        const text = new Set<string>();
        for (const b of names) {
          const key = b.toString("latin1");
          text.add(key);
          types.set(key, lstatMaybe(at(b)));
        }
        if (text.has(".git")) {
          found(out, "entry", Buffer.concat([fullPath(d), Buffer.from("/.git")]), `${d.shown}/.git`);
        }
        if (bareShape(text, (n) => types.get(n), (n) => at(Buffer.from(n, "latin1")))) {
          found(out, "bare", fullPath(d), d.shown);
        }
        for (const b of names) {
          const key = b.toString("latin1");
          if (key === ".git" || !types.get(key)?.isDirectory()) continue;
          const name = utf8Name(b);
          if (d.anchor !== null) d.anchor.refs++;
          stack.push({
            path: null,
            parent: d,
            name: b,
            len: d.len + 1 + b.length,
            shown: `${d.shown}/${name ?? escapeNameBytes(b)}`,
            anchor: d.anchor,
            rel: d.rel.length === 0 ? b : Buffer.concat([d.rel, SLASH, b]),
            hops: d.hops + 1,
          });
        }
        release(d.anchor);
      }
    } finally {
      for (const a of open) closeSync(a.fd);
    }
  }
}

/** A descriptor of a folder, shared by the entries below it that are reached from it. */
interface Anchor {
  fd: number;
  refs: number;
}

/**
 * A folder of the walk by bytes: its full path (kept as its parent and name, made only when needed: copying a deep
 * path for every entry would cost what its depth is), and how it is reached (from `anchor` by `rel`, or by path).
 */
interface Deep {
  /** The full path, once made (a root's from the start). */
  path: Buffer | null;
  parent: Deep | null;
  name: Buffer;
  /** The full path's length in bytes. */
  len: number;
  shown: string;
  anchor: Anchor | null;
  rel: Buffer;
  hops: number;
}

/** The folders a walk cut short did not enter: their own `.git` and `HEAD` are looked at, up to `budget` of them. */
interface Edge {
  budget: number;
  seen: number;
  unchecked: number;
  shown: string[];
}

/** The folders a walk cut short did not enter get their own `.git` and `HEAD` looked at, this many per bound. */
const EDGE_FACTOR = 4;
const EMPTY = Buffer.alloc(0);
const SLASH = Buffer.from("/");
/** A folder this many levels below its descriptor gets a descriptor of its own. */
const HOPS = 32;
/** … and so does one whose path from its descriptor is this long. */
const REL_BYTES = 1024;
/** Folders are cached (text paths, breadth first) up to this many; those past it are walked again each time. */
const CACHED_DIRS = 500_000;
/** Paths at least this long are walked by descriptors where `/proc/self/fd` works. */
const DEEP_CHARS = 1024;
/** … else as text up to this (a name of 255 bytes below still fits PATH_MAX), then by {@linkcode withShortPath}. */
const SHORT_TEXT = 3800;

/**
 * A repository found by the walk by bytes: by its text where it has one the sandbox can use (valid UTF-8, short
 * enough for a view's mount), so a deep one of the operator's is protected like any other; else in `unnamed`.
 */
function found(out: RepoScan, kind: "entry" | "bare", bytes: Buffer, shown: string): void {
  const text = bytes.length < SHORT_TEXT ? utf8Name(bytes) : null;
  if (text === null) out.unnamed.push({ kind, bytes, shown });
  else if (kind === "entry") out.entries.push(text);
  else out.bare.push(text);
}

function deepRoot(bytes: Buffer, shown: string): Deep {
  return { path: bytes, parent: null, name: EMPTY, len: bytes.length, shown, anchor: null, rel: EMPTY, hops: 0 };
}

/** The full path of a folder of the walk by bytes (made from its parents' once). */
function fullPath(d: Deep): Buffer {
  if (d.path !== null) return d.path;
  const parts: Buffer[] = [];
  let at: Deep = d;
  while (at.path === null && at.parent !== null) {
    parts.push(at.name, SLASH);
    at = at.parent;
  }
  parts.push(at.path ?? EMPTY);
  d.path = Buffer.concat(parts.reverse());
  return d.path;
}

/** The path of a folder of the walk by bytes, short: from its descriptor. */
function here(d: Deep): Buffer {
  if (d.anchor === null) return fullPath(d);
  const at = Buffer.from(`/proc/self/fd/${d.anchor.fd}`);
  return d.rel.length === 0 ? Buffer.concat([at, Buffer.from("/.")]) : Buffer.concat([at, SLASH, d.rel]);
}

/**
 * A folder the walk did not enter (past its bound): a `.git` entry or a bare repository's shape right there is still
 * found (its lstats only, no listing), so a bound leaves no repository at the edge of what was walked.
 */
function edgeCheck(
  edge: Edge,
  out: RepoScan,
  shown: string,
  at: (n: string) => string | Buffer,
  bytes: Buffer | null,
): void {
  edge.seen++;
  if (edge.shown.length < 5) edge.shown.push(shown);
  if (edge.budget-- <= 0) {
    edge.unchecked++;
    return;
  }
  const look = (n: string) => lstatMaybe(at(n));
  if (look(".git")) {
    if (bytes === null) out.entries.push(join(shown, ".git"));
    else found(out, "entry", Buffer.concat([bytes, Buffer.from("/.git")]), `${shown}/.git`);
  }
  const head = look("HEAD");
  if (!head) return;
  const types = new Map<string, Stats | undefined>([["HEAD", head]]);
  for (const n of ["commondir", "objects", "refs"]) types.set(n, look(n));
  const names = new Set([...types].filter(([, t]) => t !== undefined).map(([n]) => n));
  if (!bareShape(names, (n) => types.get(n), at)) return;
  if (bytes === null) out.bare.push(shown);
  else found(out, "bare", bytes, shown);
}

/** The names of a folder as bytes, or null (said through `cut`) when it cannot be listed or a name is lost. */
function listBytes(d: Buffer, cut: (why: string) => void): Buffer[] | null {
  let names: Buffer[];
  try {
    names = withShortPath(d, (q) => readdirSync(q, { encoding: "buffer" }) as unknown as Buffer[]);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code !== "ENOENT" && code !== "ENOTDIR") cut(`cannot be listed (${code ?? (e as Error).message})`);
    return null;
  }
  for (const b of names) {
    // The runtime decoded the name (U+FFFD in place of its bytes, Deno): the entry cannot be named.
    if (b.includes(Buffer.from(REPLACEMENT)) && lstatMaybe(Buffer.concat([d, Buffer.from("/"), b])) === undefined) {
      cut(`holds an entry whose name is not UTF-8 and which this runtime cannot name (${escapeNameBytes(b)})`);
    }
  }
  return names;
}

/** Why a path listed as a folder cannot be looked at, or null when it is simply gone. */
function gone(p: string): string | null {
  try {
    lstatSync(p);
    return null; // it is there again: the next walk sees it
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ENOENT" && !p.includes(REPLACEMENT)) return null;
    if (code === "ENOENT") return "its name is not UTF-8 and this runtime cannot name it";
    if (code === "ENAMETOOLONG") return code;
    return `cannot be looked at (${code ?? (e as Error).message})`;
  }
}
