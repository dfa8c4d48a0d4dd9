/**
 * Private helper of the git views: file operations that never follow a link the sandbox could have planted. A view
 * is the sandbox's to change, so its files are read with `O_NOFOLLOW` and trees are copied without entering
 * symlinks; a host git dir is written through {@linkcode HostDir}, a descriptor opened before the call, so a folder
 * on the way that was renamed or swapped for a symlink while the call ran is never written through.
 *
 * Runtime-free: only `node:` APIs.
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import {
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  renameSync,
  rmSync,
  type Stats,
  writeSync,
} from "node:fs";
import { join, sep } from "node:path";
import { isWithin } from "../../_util/paths.ts";

/** lstat, or undefined. */
export function lstatOr(p: string | Buffer): Stats | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

/** A regular file's identity, size and times; null for anything else. */
export function sig(st: Stats | undefined): string | null {
  return st?.isFile() ? `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}` : null;
}

/** {@linkcode sig} of a path. */
export function sigOf(p: string): string | null {
  return sig(lstatOr(p));
}

/** Read a regular file without following a final symlink, or null when it is not one or larger than `max`. */
export function readNoFollow(p: string, max: number): Uint8Array | null {
  let fd: number;
  try {
    fd = openSync(p, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > max) return null;
    const buf = new Uint8Array(st.size);
    let n = 0;
    while (n < buf.length) {
      const r = readSync(fd, buf, n, buf.length - n, n);
      if (r <= 0) break;
      n += r;
    }
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Write `data` to a new file (never through a symlink, never over an existing file). */
export function writeNew(p: string, data: Uint8Array, mode = 0o644): void {
  const fd = openSync(p, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  try {
    let at = 0;
    while (at < data.length) at += writeSync(fd, data, at, data.length - at);
  } finally {
    closeSync(fd);
  }
}

/** Copy a view's regular file to a new host file: never through a symlink, never over an existing file. */
export function copyNoFollow(src: string, dst: string): boolean {
  const data = readNoFollow(src, Number.MAX_SAFE_INTEGER);
  if (data === null) return false;
  writeNew(dst, data);
  return true;
}

/** Copy a regular file into place atomically (a temporary name beside it, then rename). */
export function copyInto(src: string, dst: string): void {
  const tmp = `${dst}.safe-exec-${crypto.randomUUID().slice(0, 8)}`;
  copyFileSync(src, tmp, constants.COPYFILE_EXCL);
  renameSync(tmp, dst);
}

/**
 * Take an entry out of the way without deleting through it: renamed into `trash` (rename never follows a
 * symlink), which is emptied later.
 */
export function quarantine(trash: string, p: string): void {
  try {
    renameSync(p, join(trash, crypto.randomUUID()));
  } catch {
    // gone already
  }
}

/**
 * Copy a view's tree of folders and regular files to `dst` (symlinks and other files are skipped; a folder that
 * stopped being the view's own is not entered); returns how many entries were skipped, or -1 over `budget`.
 */
export function copyTree(root: string, src: string, dst: string, budget: { entries: number }, depth = 0): number {
  let skipped = 0;
  let real: string;
  try {
    real = realpathSync(src);
  } catch {
    return 1;
  }
  if (!isWithin(real, root)) return 1;
  if (!lstatOr(dst)?.isDirectory()) mkdirSync(dst);
  for (const name of readdirSync(src)) {
    if (--budget.entries < 0) return -1;
    const s = join(src, name);
    const st = lstatOr(s);
    if (st?.isDirectory() && depth < 64) {
      const n = copyTree(root, s, join(dst, name), budget, depth + 1);
      if (n < 0) return -1;
      skipped += n;
    } else if (st?.isFile()) {
      if (!copyNoFollow(s, join(dst, name))) skipped++;
    } else skipped++;
  }
  return skipped;
}

/** `/proc/self/fd` can be used (Deno refuses it without --allow-all: then components are checked instead). */
const PROC_FD = (() => {
  try {
    return existsSync("/proc/self/fd");
  } catch {
    return false;
  }
})();

/**
 * A host folder pinned before a call: its entries are reached through the descriptor opened then
 * (`/proc/self/fd/N/name`), so whatever happened to the path on the way (a parent renamed, a component swapped for a
 * symlink) never redirects a write. Without `/proc`, every component's identity is checked again instead.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, symlinkSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { HostDir, writeNew } from "./_gitview_io.ts";
 * // The call swaps the git dir's parent for one whose "repo" is a symlink out: the write never follows it. With
 * // /proc/self/fd it lands in the real git dir, wherever it went; without, it is refused.
 * const base = realpathSync(mkdtempSync(join(tmpdir(), "hostdir-")));
 * mkdirSync(join(base, "meta", "repo"), { recursive: true });
 * mkdirSync(join(base, "elsewhere"));
 * const dir = HostDir.open(join(base, "meta", "repo"));
 * renameSync(join(base, "meta"), join(base, "meta.old"));
 * mkdirSync(join(base, "meta"));
 * symlinkSync(join(base, "elsewhere"), join(base, "meta", "repo"));
 * try {
 *   writeNew(dir.at("FETCH_HEAD"), new TextEncoder().encode("x"));
 *   assert.equal(readFileSync(join(base, "meta.old", "repo", "FETCH_HEAD"), "utf8"), "x");
 * } catch (e) {
 *   assert.match((e as Error).message, /was replaced during the call/);
 * }
 * assert.deepEqual(readdirSync(join(base, "elsewhere")), []);
 * dir.close();
 * rmSync(base, { recursive: true });
 * ```
 */
export class HostDir {
  #fd: number | null;
  readonly #chain: { path: string; dev: number; ino: number }[];

  private constructor(readonly path: string, fd: number | null, chain: { path: string; dev: number; ino: number }[]) {
    this.#fd = fd;
    this.#chain = chain;
  }

  /** Pin the folder `path` (a real path: no symlink on the way). Throws when it is not one. */
  static open(path: string): HostDir {
    if (realpathSync(path) !== path) throw new Error(`${path} is not a real path`);
    const chain: { path: string; dev: number; ino: number }[] = [];
    let cur = "";
    for (const part of path.split(sep)) {
      cur = cur === "" ? sep : join(cur, part);
      const st = lstatSync(cur);
      chain.push({ path: cur, dev: st.dev, ino: st.ino });
    }
    let fd: number | null = null;
    if (PROC_FD) {
      fd = openSync(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
      const st = fstatSync(fd);
      const last = chain[chain.length - 1]!;
      if (st.dev !== last.dev || st.ino !== last.ino) {
        closeSync(fd);
        throw new Error(`${path} changed while it was opened`);
      }
    }
    return new HostDir(path, fd, chain);
  }

  /** A path to the pinned folder itself. Throws when it cannot be reached as it was. */
  self(): string {
    if (this.#fd !== null) return `/proc/self/fd/${this.#fd}`;
    for (const c of this.#chain) {
      const st = lstatOr(c.path);
      if (!st || st.isSymbolicLink() || st.dev !== c.dev || st.ino !== c.ino) {
        throw new Error(`${c.path} was replaced during the call`);
      }
    }
    return this.path;
  }

  /** A path to the entry `name` of the pinned folder. Throws when the folder cannot be reached as it was. */
  at(name: string): string {
    if (name.includes("/") || name === "" || name === "." || name === "..") throw new Error(`bad name ${name}`);
    return `${this.self()}/${name}`;
  }

  /** Release the descriptor. */
  close(): void {
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }
}

/** Remove a tree of the view's trash (never through a link: `rm` does not follow them). */
export function emptyTrash(trash: string): void {
  try {
    for (const n of readdirSync(trash)) rmSync(join(trash, n), { recursive: true, force: true });
  } catch {
    // best effort: close() removes the rest
  }
}
