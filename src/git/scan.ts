/**
 * Every repository inside a folder the agent can write, at any depth: each `.git` entry (a folder, a `gitdir:`
 * file or a symlink, as git's discovery finds them) and each folder shaped like a bare repository (`HEAD` with
 * `objects/` and `refs/`, or with `commondir`). The host's git run in any subfolder discovers them, so the sandbox
 * protects the ones that exist before a call and disables the ones a call made (`_gitview.ts`).
 *
 * The walk never follows a symlink and does not enter `.git` folders. It is cached: a folder whose identity and
 * times are unchanged since the last walk is not read again (one lstat each), and a folder changed within the last
 * moment of the file system's clock is read again next time (git's "racy" rule), so a change is never missed.
 *
 * Runtime-free but for `../runtime/dir_stat.ts` (the fastest lstat of the runtime).
 *
 * @module
 */
import { type Dirent, readdirSync } from "node:fs";
import { join } from "node:path";
import { type DirStat, dirStat } from "../runtime/dir_stat.ts";

/** What one walk found. */
export interface RepoScan {
  /** The `.git` entries below the root (the root's own `<root>/.git` is not listed), sorted. */
  entries: string[];
  /** The folders shaped like a bare repository (the root included), sorted. */
  bare: string[];
  /** Folders looked at. */
  dirs: number;
  /** The walk stopped at `maxDirs`: what lies beyond was not looked at. */
  truncated: boolean;
}

interface Cached {
  dev: number;
  ino: number;
  mtimeMs: number;
  ctimeMs: number;
  racy: boolean;
  subdirs: string[];
  gitEntry: boolean;
  bare: boolean;
}

/** Changes younger than this (ms) may share a timestamp with a later change: such a folder is read again. */
const RACY_MS = 2000;

function bareShape(names: ReadonlySet<string>, dirents: Map<string, Dirent>): boolean {
  if (!names.has("HEAD")) return false;
  if (names.has("commondir")) return true;
  const isDir = (n: string) => dirents.get(n)?.isDirectory() || dirents.get(n)?.isSymbolicLink();
  return isDir("objects") === true && isDir("refs") === true;
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

  /** Walk `root` (a real path). Folders that vanish or cannot be read are skipped. */
  scan(root: string): RepoScan {
    const out: RepoScan = { entries: [], bare: [], dirs: 0, truncated: false };
    const cache = this.#caches.get(root);
    const next = new Map<string, Cached>();
    const stack = [root];
    const now = Date.now();
    while (stack.length > 0) {
      const d = stack.pop() as string;
      if (out.dirs >= this.#maxDirs) {
        out.truncated = true;
        break;
      }
      const st: DirStat | null = dirStat(d);
      if (st === null || !st.dir) continue;
      out.dirs++;
      let c = cache?.get(d);
      if (
        !c || c.racy || c.dev !== st.dev || c.ino !== st.ino || c.mtimeMs !== st.mtimeMs || c.ctimeMs !== st.ctimeMs
      ) {
        let dirents: Dirent[];
        try {
          dirents = readdirSync(d, { withFileTypes: true });
        } catch {
          continue;
        }
        const byName = new Map(dirents.map((e) => [e.name, e]));
        const names = new Set(byName.keys());
        c = {
          dev: st.dev,
          ino: st.ino,
          mtimeMs: st.mtimeMs,
          ctimeMs: st.ctimeMs,
          racy: now - Math.max(st.mtimeMs, st.ctimeMs) < RACY_MS,
          subdirs: dirents.filter((e) => e.isDirectory() && e.name !== ".git").map((e) => e.name),
          gitEntry: names.has(".git"),
          bare: bareShape(names, byName),
        };
      }
      next.set(d, c);
      if (c.gitEntry && d !== root) out.entries.push(join(d, ".git"));
      if (c.bare) out.bare.push(d);
      for (const s of c.subdirs) stack.push(join(d, s));
    }
    this.#caches.set(root, next);
    out.entries.sort();
    out.bare.sort();
    return out;
  }
}
