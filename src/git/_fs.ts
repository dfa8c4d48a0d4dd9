/**
 * Private helper of the git protection: looking at paths without following a final symlink, and reading small
 * files, never throwing (what cannot be read is treated as absent).
 *
 * Runtime-free: only `node:` APIs.
 *
 * @module
 */
import { closeSync, lstatSync, openSync, readSync, realpathSync, type Stats } from "node:fs";
import { join, sep } from "node:path";
import { isWithin } from "../_util/paths.ts";

/** What a path is, without following a final symlink. */
export type EntryKind = "dir" | "file" | "symlink" | "other" | "missing";

/** The kind of an lstat result. */
export function lkind(st: Stats | undefined): EntryKind {
  if (!st) return "missing";
  if (st.isSymbolicLink()) return "symlink";
  if (st.isDirectory()) return "dir";
  if (st.isFile()) return "file";
  return "other";
}

/** lstat, or undefined. */
export function lstatOr(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

/** The real path, or null. */
export function realOr(p: string): string | null {
  try {
    return realpathSync.native(p);
  } catch {
    return null;
  }
}

/**
 * Read at most `max` bytes of a regular file (not following a final symlink), or null.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readSmall } from "./_fs.ts";
 * assert.equal(readSmall("/no/such/file"), null);
 * assert.equal(readSmall("/"), null);
 * ```
 */
export function readSmall(p: string, max = 256 * 1024): Uint8Array | null {
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

/** The text of a small regular file, or null. */
export function readText(p: string): string | null {
  const b = readSmall(p);
  return b === null ? null : new TextDecoder().decode(b);
}

/**
 * No component of `path` below `root` is a symlink (and each exists or the rest is missing).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { noLinkBelow } from "./_fs.ts";
 * assert.equal(noLinkBelow("/", "/no/such/path"), true);
 * assert.equal(noLinkBelow("/usr", "/etc"), false);
 * ```
 */
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
