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
 * folder it cannot list or look at (a path past `PATH_MAX`, a permission) and for a walk stopped at `maxDirs`. A walk
 * cut short is failed closed by its user: nothing below is taken as free of repositories.
 *
 * The walk never follows a symlink and does not enter `.git` folders. It is cached: a folder whose identity and
 * times are unchanged since the last walk is not read again (one lstat each), and a folder changed within the last
 * moment of the file system's clock is read again next time (git's "racy" rule), so a change is never missed.
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

  /** A walk looks at `maxDirs` folders at most (default 500,000). */
  constructor(maxDirs = 500_000) {
    this.#maxDirs = maxDirs;
  }

  /**
   * Walk `root` (a real path). Folders that vanish are skipped; one that cannot be listed or named is said in
   * `cutShort`.
   */
  scan(root: string): RepoScan {
    const out: RepoScan = { entries: [], bare: [], unnamed: [], dirs: 0, truncated: false, cutShort: [] };
    const cache = this.#caches.get(root);
    const next = new Map<string, Cached>();
    const stack = [root];
    const raw: { bytes: Buffer; shown: string }[] = [];
    const now = Date.now();
    const cut = (p: string, why: string) => {
      if (out.cutShort.length < 20) out.cutShort.push(`${p}: ${why}`);
    };
    while (stack.length > 0) {
      const d = stack.pop() as string;
      if (out.dirs >= this.#maxDirs) {
        out.truncated = true;
        cut(d, `the walk stopped at ${this.#maxDirs} folders`);
        break;
      }
      const st: DirStat | null = dirStat(d);
      if (st === null) {
        const why = gone(d);
        if (why === "ENAMETOOLONG") raw.push({ bytes: Buffer.from(d), shown: d }); // walked by descriptors
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
      next.set(d, c);
      if (c.gitEntry && d !== root) out.entries.push(join(d, ".git"));
      if (c.bare) out.bare.push(d);
      for (const s of c.subdirs) stack.push(join(d, s));
      for (const b of c.rawSubdirs) {
        raw.push({ bytes: Buffer.concat([Buffer.from(d + "/"), b]), shown: `${join(d, escapeNameBytes(b))}` });
      }
    }
    this.#caches.set(root, next);
    if (!out.truncated) this.#walkBytes(raw, out, cut);
    out.entries.sort();
    out.bare.sort();
    return out;
  }

  /** The walk below folders whose names are not UTF-8: by bytes, uncached (rare). */
  #walkBytes(stack: { bytes: Buffer; shown: string }[], out: RepoScan, cut: (p: string, why: string) => void): void {
    while (stack.length > 0) {
      const d = stack.pop() as { bytes: Buffer; shown: string };
      if (out.dirs >= this.#maxDirs) {
        out.truncated = true;
        cut(d.shown, `the walk stopped at ${this.#maxDirs} folders`);
        return;
      }
      if (d.bytes.length > MAX_PATH_BYTES) {
        cut(d.shown.slice(0, 200) + "…", `a path longer than ${MAX_PATH_BYTES} bytes is not walked`);
        continue;
      }
      let st: Stats;
      try {
        st = withShortPath(d.bytes, (q) => lstatSync(q));
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code !== "ENOENT") cut(d.shown, `cannot be looked at (${code ?? (e as Error).message})`);
        continue;
      }
      if (!st.isDirectory()) continue;
      out.dirs++;
      const names = listBytes(d.bytes, (why) => cut(d.shown, why));
      if (names === null) continue;
      const at = (b: Buffer) => Buffer.concat([d.bytes, Buffer.from("/"), b]);
      const types = new Map<string, Stats | undefined>();
      const text = new Set<string>();
      for (const b of names) {
        const key = b.toString("latin1");
        text.add(key);
        types.set(key, lstatMaybe(at(b)));
      }
      if (text.has(".git")) {
        out.unnamed.push({ kind: "entry", bytes: at(Buffer.from(".git")), shown: `${d.shown}/.git` });
      }
      if (bareShape(text, (n) => types.get(n), (n) => at(Buffer.from(n, "latin1")))) {
        out.unnamed.push({ kind: "bare", bytes: d.bytes, shown: d.shown });
      }
      for (const b of names) {
        const key = b.toString("latin1");
        if (key === ".git" || !types.get(key)?.isDirectory()) continue;
        const name = utf8Name(b);
        stack.push({ bytes: at(b), shown: `${d.shown}/${name ?? escapeNameBytes(b)}` });
      }
    }
  }
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
