/**
 * Private helper of the workspace guard: its refusals. A path that leads out names the symlink that takes it out
 * when there is one (found by a binary search over the path's prefixes), and a call on a workspace folder that was
 * removed or replaced says so, as `not_found`.
 *
 * @module
 */
import { lstatSync, readlinkSync, realpathSync } from "node:fs";
import { basename, dirname, join, resolve as resolvePath, sep } from "node:path";
import { PathOutsideWorkspaceError, ToolError } from "../types.ts";
import { MAX_LINKS, realpath } from "./_realpath.ts";

export { MAX_LINKS } from "./_realpath.ts";
import { errCode } from "../_util/errors.ts";

/** What these helpers need of the workspace. */
interface Guard {
  readonly root: string;
  contains(real: string): boolean;
  relative(real: string): string;
}

/** Where a symlink finally points (realpath, or for a dangling link the lexical target of its chain). */
export function linkTarget(link: string, depth: number): string {
  try {
    return realpathSync.native(link);
  } catch {
    if (depth > MAX_LINKS) return link;
    let raw: string;
    try {
      raw = readlinkSync(link);
    } catch {
      return link; // it stopped being a link while we looked (a race): the refusal stands, the detail is the path
    }
    const target = resolvePath(dirname(link), raw);
    try {
      if (lstatSync(target).isSymbolicLink()) return linkTarget(target, depth + 1);
    } catch { /* dangling: the lexical target is the answer */ }
    const parent = dirname(target);
    let realParent: string;
    try {
      realParent = realpathSync.native(parent);
    } catch {
      return target;
    }
    return join(realParent, basename(target));
  }
}

/** The workspace folder itself is gone (or replaced): say so, as `not_found` naming it. */
export function checkRoot(ws: Guard, word: string, path: string): void {
  let now: string | null = null;
  try {
    now = realpath(ws.root);
  } catch { /* gone */ }
  if (now !== ws.root) throw workspaceGone(ws.root, word, path, now);
}

/**
 * Build the refusal, naming a symlink that leads out when there is one: the component where the path's prefixes
 * stop resolving inside (a binary search over the prefixes, so a deep path costs a few realpaths, not one per
 * component).
 */
export function outsideError(
  ws: Guard,
  candidate: string,
  real: string,
  path: string,
  word: string,
): PathOutsideWorkspaceError {
  checkRoot(ws, word, path);
  let detail = `resolved to ${JSON.stringify(real)}`;
  const rootSlash = ws.root + sep;
  if (candidate.startsWith(rootSlash)) {
    const parts = candidate.slice(rootSlash.length).split("/").filter((p) => p !== "");
    const prefix = (k: number) => joinParts(ws.root, parts.slice(0, k));
    const inside = (k: number) => {
      try {
        return ws.contains(realpath(prefix(k)));
      } catch {
        return false;
      }
    };
    let lo = 0; // the root: inside
    let hi = parts.length;
    if (!inside(hi)) {
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (inside(mid)) lo = mid;
        else hi = mid;
      }
      const at = prefix(hi);
      let isLink = false;
      try {
        isLink = lstatSync(at).isSymbolicLink();
      } catch { /* missing: the plain detail */ }
      if (isLink) {
        const target = linkTarget(at, 0);
        if (!ws.contains(target)) {
          detail = `${JSON.stringify(ws.relative(at))} is a symlink to ${JSON.stringify(target)}`;
        }
      }
    }
  }
  return new PathOutsideWorkspaceError(
    `Cannot ${word} ${JSON.stringify(path)} as it is outside the workspace: ${detail}`,
  );
}

/**
 * The error for a call on a workspace folder that no longer exists (removed or renamed while the server runs), or
 * that resolves elsewhere now (`now`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { workspaceGone } from "./_outside.ts";
 * const e = workspaceGone("/srv/ws", "read", "a.txt");
 * assert.equal(e.code, "not_found");
 * assert.match(e.message, /^Cannot read "a.txt": the workspace "\/srv\/ws" does not exist/);
 * ```
 */
export function workspaceGone(root: string, word: string, path: string, now: string | null = null): ToolError {
  const what = now === null
    ? "does not exist"
    : `is no longer the folder safe-exec opened (it resolves to ${JSON.stringify(now)})`;
  return new ToolError(
    "not_found",
    `Cannot ${word} ${JSON.stringify(path)}: the workspace ${
      JSON.stringify(root)
    } ${what}; it was removed or renamed while ` +
      "safe-exec ran. Create it again to go on",
  );
}

/** `dir` (absolute) joined with plain names, as a string (no normalization needed: the names hold no "." or ".."). */
export function joinParts(dir: string, names: string[]): string {
  if (names.length === 0) return dir;
  return (dir === "/" ? "" : dir) + "/" + names.join("/");
}

/** Windows: the longest existing ancestor, by walking up (no symlink following by hand there). */
export function realOfMissingWin(ws: Guard, candidate: string, path: string, word: string): string {
  const rest: string[] = [];
  let dir = candidate;
  for (;;) {
    rest.unshift(basename(dir));
    const up = dirname(dir);
    if (up === dir) throw new ToolError("not_found", `Cannot ${word} ${JSON.stringify(path)}: no existing ancestor`);
    dir = up;
    try {
      const real = realpathSync.native(dir);
      const result = join(real, ...rest);
      if (!ws.contains(result)) throw outsideError(ws, candidate, result, path, word);
      return result;
    } catch (e) {
      if (e instanceof ToolError) throw e;
      const code = errCode(e);
      if (code !== "ENOENT" && code !== "ENOTDIR") throw e;
    }
  }
}
