/**
 * Private helper of the guard and the file tools: the real path of a path as the kernel resolves it, at a cost
 * linear in the path's depth.
 *
 * `realpathSync.native` is that under Bun and Node. Under Deno it is glibc's realpath(3), which looks every prefix
 * up again (measured at 2,000 components: 140 ms a call, against 0.3 ms under Bun; a write that created 800
 * folders took 13 s). A process that owns its working directory (the confined file server: one thread, nothing
 * else in it uses the cwd) can ask the kernel instead: chdir(2) walks the path once, following links as the kernel
 * does, and getcwd(2) names the folder it reached. A path that ends in a file takes its folder that way and looks
 * at the last component itself. Paths of up to 16 components still go to realpath(3), which is cheaper there.
 *
 * Runtime-free (`node:fs` and `node:process` only).
 *
 * @module
 */
import { lstatSync, readlinkSync, realpathSync } from "node:fs";
import process from "node:process";
import { errCode } from "../_util/errors.ts";

/** The kernel's limit on symlinks in one resolution. */
export const MAX_LINKS = 40;

let viaCwd = false;

/**
 * Resolve through chdir/getcwd from now on in this process (only for a process whose working directory nothing
 * else uses: the confined file server). The working directory is left wherever the last resolution went.
 *
 * @example
 * ```ts ignore
 * import { resolveThroughCwd } from "./_realpath.ts";
 * resolveThroughCwd(); // only in the confined file server
 * ```
 */
export function resolveThroughCwd(): void {
  viaCwd = true;
}

function sysError(code: string, what: string, path: string): Error {
  return Object.assign(new Error(`${code}: ${what}, realpath '${path}'`), { code });
}

/**
 * The real path of `path` (absolute), or a thrown system error with `code` (ENOENT, ENOTDIR, ELOOP, EACCES,
 * ENAMETOOLONG, …) as `realpathSync` throws it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, realpathSync, rmSync, symlinkSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * import { realpath } from "./_realpath.ts";
 * const dir = realpathSync(mkdtempSync(join(tmpdir(), "rp-")));
 * symlinkSync(dir, join(dir, "self"));
 * assert.equal(realpath(join(dir, "self", "self")), dir);
 * assert.throws(() => realpath(join(dir, "missing")), { code: "ENOENT" });
 * rmSync(dir, { recursive: true });
 * ```
 */
export function realpath(path: string): string {
  // A short path is cheaper through realpath(3) (one readlink a component, no thrown ENOTDIR for a file, which
  // costs ~90 µs under Deno's node:fs); from DEEP components on, chdir/getcwd wins and stays linear.
  if (!viaCwd || !isDeep(path)) return realpathSync.native(path);
  return viaChdir(path, 0);
}

/** Components from which a resolution goes through the working directory (when that is allowed). */
const DEEP = 16;

function isDeep(path: string): boolean {
  let n = 0;
  for (let i = path.indexOf("/"); i !== -1; i = path.indexOf("/", i + 1)) if (++n > DEEP) return true;
  return false;
}

function viaChdir(path: string, links: number): string {
  try {
    process.chdir(path);
  } catch (e) {
    if (errCode(e) !== "ENOTDIR") throw e;
    return lastComponent(path, links);
  }
  try {
    return process.cwd();
  } catch {
    // A permission system that will not name a folder outside what it grants: ask realpath(3) instead.
    return realpathSync.native(path);
  }
}

function lastComponent(path: string, links: number): string {
  // Not a folder (or a component of it is not one): resolve its folder, then look at the last component.
  const slash = path.lastIndexOf("/");
  const dir = slash <= 0 ? "/" : path.slice(0, slash);
  const name = path.slice(slash + 1);
  const realDir = viaChdir(dir, links);
  const full = realDir === "/" ? `/${name}` : `${realDir}/${name}`;
  const st = lstatSync(full); // ENOENT / ENOTDIR as realpath would say
  if (!st.isSymbolicLink()) {
    if (name === "" || name === "." || name === "..") return realpathSync.native(full);
    return full;
  }
  if (links >= MAX_LINKS) throw sysError("ELOOP", "too many symbolic links encountered", path);
  const target = readlinkSync(full);
  return viaChdir(target.startsWith("/") ? target : `${realDir === "/" ? "" : realDir}/${target}`, links + 1);
}
