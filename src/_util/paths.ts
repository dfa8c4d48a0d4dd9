/**
 * Path helpers shared by the config, the git protection and the sandbox: whether a path lies within a folder, and
 * the real path of a path as far as it exists.
 *
 * Runtime-free (`node:fs`, `node:path`).
 *
 * @module
 */
import { lstatSync, readlinkSync, realpathSync, type Stats } from "node:fs";
import { basename, dirname, join, resolve, sep } from "node:path";

/**
 * `child` is `parent` or below it (both absolute and normalized; a prefix sibling such as `/ws-evil` of `/ws` is
 * not within).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isWithin } from "./paths.ts";
 * assert.equal(isWithin("/ws/a", "/ws"), true);
 * assert.equal(isWithin("/ws", "/ws"), true);
 * assert.equal(isWithin("/ws-evil/a", "/ws"), false);
 * assert.equal(isWithin("/etc", "/"), true);
 * ```
 */
export function isWithin(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep);
}

/**
 * The lstat of `p`, or null when it cannot be looked at.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lstatOrNull } from "./paths.ts";
 * assert.equal(lstatOrNull("/no/such/path"), null);
 * assert.equal(lstatOrNull("/")?.isDirectory(), true);
 * ```
 */
export function lstatOrNull(p: string): Stats | null {
  try {
    return lstatSync(p);
  } catch {
    return null;
  }
}

/**
 * The real path of `p` as far as it exists: the existing part is resolved with realpath, a dangling symlink is
 * followed to where it points (at most 40 of them), and the missing rest is appended.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, realpathSync, rmSync, symlinkSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { realPathLoose } from "./paths.ts";
 * const dir = realpathSync(mkdtempSync(join(tmpdir(), "paths-")));
 * symlinkSync(join(dir, "target"), join(dir, "dangling"));
 * assert.equal(realPathLoose(join(dir, "dangling", "a.log")), join(dir, "target", "a.log"));
 * rmSync(dir, { recursive: true });
 * ```
 */
export function realPathLoose(p: string, depth = 0): string {
  const abs = resolve(p);
  try {
    return realpathSync.native(abs);
  } catch {
    // fall through: resolve what exists
  }
  const parent = dirname(abs);
  if (parent === abs) return abs;
  const realParent = realPathLoose(parent, depth);
  const here = join(realParent, basename(abs));
  const stat = lstatOrNull(here);
  if (stat?.isSymbolicLink() && depth < 40) {
    try {
      return realPathLoose(resolve(realParent, readlinkSync(here)), depth + 1);
    } catch {
      return here;
    }
  }
  return here;
}
