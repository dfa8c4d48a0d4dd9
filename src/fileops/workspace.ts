/**
 * The workspace guard: every path an agent sends is resolved here, with symlinks followed by the kernel
 * (`realpath`), and refused unless the result lies inside the workspace root.
 *
 * Rules (SPEC §2): a path is resolved as the kernel resolves it (symlinks followed, `..` taken from the real folder
 * reached so far); a `..` that steps out of the workspace, an absolute path outside the root, a symlink at any depth
 * that points out (also a dangling one, a chain, or the parent of a missing file), a prefix sibling (`/ws-evil` for
 * `/ws`) and a NUL byte all fail with {@linkcode PathOutsideWorkspaceError}; a `..` that stays inside is fine. `~` is
 * an ordinary name (no expansion). An absolute path is accepted when it resolves inside the root. A workspace folder
 * that was removed while the server runs gives `not_found` naming it (and works again once it is back).
 *
 * The guard checks a path at one moment; a concurrent process may swap a folder for a symlink right after. The
 * file tools in `tools/fs_ops.ts` close that gap with descriptor checks; see there for the residual risks.
 *
 * @module
 */

import { lstatSync, readlinkSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve as resolvePath, sep } from "node:path";
import { errCode } from "../_util/errors.ts";
import { PathOutsideWorkspaceError, ToolError } from "../types.ts";
import { type PathVerb, verbWord } from "./_errors.ts";
import { checkRoot, joinParts, MAX_LINKS, outsideError, realOfMissingWin } from "./_outside.ts";
import { realpath } from "./_realpath.ts";

export { type PathVerb, verbWord } from "./_errors.ts";
export { workspaceGone } from "./_outside.ts";

/**
 * The real path of `p`, or null when it does not resolve (missing, or a file where a folder should be). Too many
 * levels of symlinks is an `invalid_args` error naming the agent's `path`.
 */
function realOrNull(p: string, path: string, word: string): string | null {
  try {
    return realpath(p);
  } catch (e) {
    const code = errCode(e);
    if (code === "ELOOP") {
      throw new ToolError("invalid_args", `Cannot ${word} ${JSON.stringify(path)}: too many levels of symbolic links`);
    }
    if (code !== "ENOENT" && code !== "ENOTDIR") throw e;
    return null;
  }
}

/**
 * A workspace folder, identified by its real path. Resolve agent paths with {@linkcode Workspace.resolve}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Workspace } from "./workspace.ts";
 * import { mkdtempSync, realpathSync } from "node:fs";
 * import { join, sep } from "node:path";
 * import { tmpdir } from "node:os";
 * const dir = mkdtempSync(join(tmpdir(), "ws-"));
 * const ws = Workspace.open(dir);
 * assert.equal(ws.root, realpathSync(dir));
 * assert.ok(ws.resolve("notes/a.txt", "write") === ws.root + sep + join("notes", "a.txt"));
 * try {
 *   ws.resolve("../x", "read");
 *   throw new Error("unreachable");
 * } catch (e) {
 *   assert.ok((e as { code?: string }).code === "path_outside_workspace");
 * }
 * ```
 */
export class Workspace {
  /** The real (symlink-free, absolute) path of the workspace folder. */
  readonly root: string;
  readonly #rootSlash: string;
  readonly #rootDepth: number;

  private constructor(root: string) {
    this.root = root;
    this.#rootSlash = root + sep;
    this.#rootDepth = root.split("/").filter((p) => p !== "").length;
  }

  /**
   * Open a workspace: `dir` must exist and be a directory; the root becomes its real path. The file-system root
   * (`/`) is refused, since "inside the workspace" would then mean everywhere.
   *
   * @throws {TypeError} `dir` is not a non-empty string.
   * @throws {RangeError} `dir` is missing, not a directory, or the file-system root.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Workspace } from "./workspace.ts";
   * try {
   *   Workspace.open("/");
   *   throw new Error("unreachable");
   * } catch (e) {
   *   assert.ok(e instanceof RangeError);
   * }
   * ```
   */
  static open(dir: string): Workspace {
    if (typeof dir !== "string" || dir === "") throw new TypeError("Cannot open workspace: dir must be a string");
    if (dir.includes("\0")) {
      throw new RangeError(`Cannot open workspace ${JSON.stringify(dir)}: it contains a NUL byte`);
    }
    let root: string;
    try {
      root = realpathSync.native(dir);
    } catch (e) {
      throw new RangeError(
        `Cannot open workspace ${JSON.stringify(dir)}: ${errCode(e) === "ENOENT" ? "no such directory" : e}`,
      );
    }
    if (!statSync(root).isDirectory()) {
      throw new RangeError(`Cannot open workspace ${JSON.stringify(dir)}: not a directory`);
    }
    if (dirname(root) === root) {
      throw new RangeError(`Cannot open workspace ${JSON.stringify(dir)}: the file-system root cannot be a workspace`);
    }
    return new Workspace(root);
  }

  /**
   * Whether a real absolute path is the root or below it (a pure string test; prefix siblings are outside).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Workspace } from "./workspace.ts";
   * import { mkdtempSync } from "node:fs";
   * import { join } from "node:path";
   * import { tmpdir } from "node:os";
   * const ws = Workspace.open(mkdtempSync(join(tmpdir(), "ws-")));
   * assert.ok(ws.contains(ws.root) && ws.contains(ws.root + "/a"));
   * assert.ok(!ws.contains(ws.root + "-evil/a"));
   * ```
   */
  contains(real: string): boolean {
    return real === this.root || real.startsWith(this.#rootSlash);
  }

  /**
   * Resolve an agent path to a real absolute path inside the root.
   *
   * Relative paths are taken from the root; absolute ones are accepted only when they resolve inside. The path is
   * resolved as the kernel resolves it: component by component, symlinks followed, and a `..` taken from the real
   * folder reached so far (so `link/..` is the parent of the link's target, not the folder holding the link). A
   * `..` may not step out of the workspace, even when later components would come back. An existing path is
   * resolved with one `realpath`; for a missing one the longest existing prefix is found (a binary search, so the
   * cost stays linear in the depth) and resolved, and a dangling symlink there is followed by hand, so a missing
   * file under a symlink out is refused too. Missing folders count as plain folders (`new/../a` is `a`).
   * For `delete` the last component is not followed: the result is the real parent joined with the name, so
   * deleting a symlink deletes the link, wherever it points (the target is never touched).
   *
   * @throws {ToolError} `invalid_args` for a non-string or empty path, a symlink loop, or a file used as a folder;
   *   `not_found` when the workspace itself no longer exists.
   * @throws {PathOutsideWorkspaceError} for every escape (`..`, outside absolute path, symlink out, NUL byte).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Workspace } from "./workspace.ts";
   * import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
   * import { join } from "node:path";
   * import { tmpdir } from "node:os";
   * const ws = Workspace.open(mkdtempSync(join(tmpdir(), "ws-")));
   * symlinkSync("/etc", join(ws.root, "link"));
   * assert.throws(() => ws.resolve("link/a.txt", "write"), {
   *   message: 'Cannot write "link/a.txt" as it is outside the workspace: "link" is a symlink to "/etc"',
   * });
   * mkdirSync(join(ws.root, "sub"));
   * assert.equal(ws.resolve("sub/../b.txt", "read"), join(ws.root, "b.txt"));
   * assert.equal(ws.resolve("link", "delete"), join(ws.root, "link"));
   * rmSync(ws.root, { recursive: true });
   * ```
   */
  resolve(path: string, verb: PathVerb): string {
    const word = verbWord(verb);
    if (typeof path !== "string") {
      throw new ToolError("invalid_args", `Cannot ${word} ${String(path)}: the path must be a string`);
    }
    if (path === "") throw new ToolError("invalid_args", `Cannot ${word} "": the path must not be empty`);
    if (path.includes("\0")) {
      throw new PathOutsideWorkspaceError(
        `Cannot ${word} ${JSON.stringify(path)} as it is outside the workspace: it contains a NUL byte`,
      );
    }
    if (sep === "\\") {
      // Windows resolves ".." by the name, before any link (Win32 path rules): resolve it the same way.
      const candidate = isAbsolute(path) ? resolvePath(path) : resolvePath(this.root, path);
      if (verb === "delete" && candidate !== this.root) {
        return join(this.#realOf(dirname(candidate), path, word, 0), basename(candidate));
      }
      return this.#realOf(candidate, path, word, 0);
    }
    const abs = path.startsWith("/");
    // The common case: a plain relative path, no "." or ".." component, no doubled or trailing slash.
    if (
      !abs && !path.includes("..") && !path.includes("//") && !path.startsWith("./") && !path.includes("/./") &&
      !path.endsWith("/") && path !== "." && verb !== "delete"
    ) {
      return this.#realOf(this.#rootSlash + path, path, word, 0);
    }
    const parts = path.split("/").filter((p) => p !== "" && p !== ".");
    const start = abs ? "/" : this.root;
    if (verb === "delete") {
      if (joinParts(start, parts) === this.root) return this.root;
      const last = parts.at(-1);
      if (last === undefined || last === "..") return this.#walk(start, parts, path, word, 0);
      const parent = this.#walk(start, parts.slice(0, -1), path, word, 0);
      return parent === "/" ? `/${last}` : `${parent}/${last}`;
    }
    return this.#walk(start, parts, path, word, 0);
  }

  /**
   * Resolve `parts` from the real folder `start`: each `..` is taken from the real path reached so far, which must
   * be inside the workspace (and a `..` may not step out of it).
   */
  #walk(start: string, parts: string[], path: string, word: string, depth: number): string {
    let cur = start;
    let pending: string[] = [];
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as string;
      if (part !== "..") {
        pending.push(part);
        continue;
      }
      const real = pending.length === 0 ? cur : this.#realOf(joinParts(cur, pending), path, word, depth);
      if (pending.length > 0) this.#mustBeFolder(real, path, word);
      const up = dirname(real);
      if (!this.contains(up)) {
        const shown = resolvePath(up, ...parts.slice(i + 1));
        throw new PathOutsideWorkspaceError(
          `Cannot ${word} ${JSON.stringify(path)} as it is outside the workspace: resolved to ${JSON.stringify(shown)}`,
        );
      }
      cur = up;
      pending = [];
    }
    return this.#realOf(joinParts(cur, pending), path, word, depth);
  }

  /**
   * The agent-facing form of a real path inside the root: relative, `.` for the root itself; other paths are
   * returned unchanged.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Workspace } from "./workspace.ts";
   * import { mkdtempSync } from "node:fs";
   * import { join } from "node:path";
   * import { tmpdir } from "node:os";
   * const ws = Workspace.open(mkdtempSync(join(tmpdir(), "ws-")));
   * assert.ok(ws.relative(join(ws.root, "a", "b.txt")) === join("a", "b.txt"));
   * assert.equal(ws.relative(ws.root), ".");
   * ```
   */
  relative(real: string): string {
    if (real === this.root) return ".";
    return real.startsWith(this.#rootSlash) ? real.slice(this.#rootSlash.length) : real;
  }

  /** A folder that a `..` steps out of must be one (a missing one counts as a plain folder). */
  #mustBeFolder(real: string, path: string, word: string): void {
    let st;
    try {
      st = statSync(real);
    } catch {
      return;
    }
    if (!st.isDirectory()) {
      throw new ToolError(
        "invalid_args",
        `Cannot ${word} ${JSON.stringify(path)}: ${
          JSON.stringify(this.relative(real))
        } is not a directory, so ".." cannot follow it`,
      );
    }
  }

  /** Real path of `candidate` (absolute, no "." or ".." components; existing or not), checked to be inside. */
  #realOf(candidate: string, path: string, word: string, depth: number): string {
    const real = realOrNull(candidate, path, word);
    if (real === null) return this.#realOfMissing(candidate, path, word, depth);
    if (!this.contains(real)) throw outsideError(this, candidate, real, path, word);
    return real;
  }

  /**
   * `candidate` does not resolve: find the longest prefix that exists (lstat; a binary search, since a prefix
   * exists whenever a longer one does), resolve it, and put the missing rest under it. A dangling symlink as that
   * prefix is followed by hand (its target resolved like a path of its own, a bounded number of times).
   */
  #realOfMissing(candidate: string, path: string, word: string, depth: number): string {
    if (sep === "\\") return realOfMissingWin(this, candidate, path, word);
    const parts = candidate.split("/").filter((p) => p !== "");
    const prefix = (k: number) => "/" + parts.slice(0, k).join("/");
    let lo = 0; // prefix(lo) exists ("/" always does)
    if (candidate.startsWith(this.#rootSlash)) {
      // Search below the root only (a permission system may not let us look above it): it must exist.
      checkRoot(this, word, path);
      lo = this.#rootDepth;
    }
    let hi = parts.length; // prefix(hi) may not
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      let exists = true;
      try {
        lstatSync(prefix(mid));
      } catch (e) {
        const code = errCode(e);
        if (code !== "ENOENT" && code !== "ENOTDIR") throw e;
        exists = false;
      }
      if (exists) lo = mid;
      else hi = mid - 1;
    }
    const rest = parts.slice(lo);
    const found = prefix(lo);
    const realDir = realOrNull(found, path, word);
    if (realDir === null) return this.#followDangling(found, rest, candidate, path, word, depth);
    if (!this.contains(realDir)) {
      throw outsideError(this, candidate, joinParts(realDir, rest), path, word);
    }
    if (rest.length === 0) {
      // It exists now (a race with the failed realpath): resolve once more, a bounded number of times.
      if (depth >= MAX_LINKS) return realDir;
      return this.#realOf(candidate, path, word, depth + 1);
    }
    let st;
    try {
      st = lstatSync(realDir);
    } catch {
      st = undefined;
    }
    if (st && !st.isDirectory()) {
      throw new ToolError(
        "invalid_args",
        `Cannot ${word} ${JSON.stringify(path)}: a parent of it is not a directory (${
          JSON.stringify(this.relative(realDir))
        })`,
      );
    }
    return joinParts(realDir, rest);
  }

  /** `found` exists (lstat) but does not resolve: a dangling symlink (or a chain of them). Follow it by hand. */
  #followDangling(
    found: string,
    rest: string[],
    candidate: string,
    path: string,
    word: string,
    depth: number,
  ): string {
    let raw: string;
    try {
      raw = readlinkSync(found);
    } catch {
      // It stopped being a link since lstat (a race): resolve the whole path again, a bounded number of times.
      if (depth >= MAX_LINKS) {
        throw new ToolError(
          "invalid_args",
          `Cannot ${word} ${JSON.stringify(path)}: it kept changing while it was checked`,
        );
      }
      return this.#realOf(candidate, path, word, depth + 1);
    }
    if (depth >= MAX_LINKS) {
      throw new ToolError("invalid_args", `Cannot ${word} ${JSON.stringify(path)}: too many levels of symbolic links`);
    }
    const realParent = realpath(dirname(found)); // it resolved in the search above
    const base = raw.startsWith("/") ? "/" : realParent;
    const targetParts = [...raw.split("/"), ...rest].filter((p) => p !== "" && p !== ".");
    try {
      return this.#walk(base, targetParts, path, word, depth + 1);
    } catch (e) {
      if (e instanceof PathOutsideWorkspaceError) {
        throw outsideError(this, candidate, joinParts(resolvePath(base, raw), rest), path, word);
      }
      throw e;
    }
  }
}
