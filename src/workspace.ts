/**
 * The workspace guard: every path an agent sends is resolved here, with symlinks followed by the kernel
 * (`realpath`), and refused unless the result lies inside the workspace root.
 *
 * Rules (SPEC §2): a `..` segment anywhere, an absolute path outside the root, a symlink at any depth that points
 * out (also a dangling one, a chain, or the parent of a missing file), a prefix sibling (`/ws-evil` for `/ws`) and a
 * NUL byte all fail with {@linkcode PathOutsideWorkspaceError}. `~` is an ordinary name (no expansion). An absolute
 * path is accepted when it resolves inside the root.
 *
 * The guard checks a path at one moment; a concurrent process may swap a folder for a symlink right after. The
 * file tools in `tools/fs_ops.ts` close that gap with descriptor checks; see there for the residual risks.
 *
 * @module
 */

import { lstatSync, readlinkSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve as resolvePath, sep } from "node:path";
import { PathOutsideWorkspaceError, ToolError } from "./types.ts";

/** What a tool wants to do with a path; used for the wording of errors (and, for `delete`, the resolution). */
export type PathVerb = "read" | "list" | "write" | "append" | "copy" | "delete";

const VERB_WORDS: Record<PathVerb, string> = {
  read: "read",
  list: "list",
  write: "write",
  append: "append to",
  copy: "copy",
  delete: "delete",
};

/** The kernel's limit on symlinks in one resolution; the same bound for our own dangling-link walk. */
const MAX_LINKS = 40;

function errCode(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && "code" in e ? String((e as { code: unknown }).code) : undefined;
}

/** Quote a value for a message, escaping control characters (a NUL shows as `\u0000`). */
function quote(value: string): string {
  return JSON.stringify(value);
}

/**
 * A workspace folder, identified by its real path. Resolve agent paths with {@linkcode Workspace.resolve}.
 *
 * @example
 * ```ts
 * import { Workspace } from "./workspace.ts";
 * import { mkdtempSync, realpathSync } from "node:fs";
 * import { join, sep } from "node:path";
 * import { tmpdir } from "node:os";
 * const dir = mkdtempSync(join(tmpdir(), "ws-"));
 * const ws = Workspace.open(dir);
 * console.assert(ws.root === realpathSync(dir));
 * console.assert(ws.resolve("notes/a.txt", "write") === ws.root + sep + join("notes", "a.txt"));
 * try {
 *   ws.resolve("../x", "read");
 *   throw new Error("unreachable");
 * } catch (e) {
 *   console.assert((e as { code?: string }).code === "path_outside_workspace");
 * }
 * ```
 */
export class Workspace {
  /** The real (symlink-free, absolute) path of the workspace folder. */
  readonly root: string;
  readonly #rootSlash: string;

  private constructor(root: string) {
    this.root = root;
    this.#rootSlash = root + sep;
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
   * import { Workspace } from "./workspace.ts";
   * try {
   *   Workspace.open("/");
   *   throw new Error("unreachable");
   * } catch (e) {
   *   console.assert(e instanceof RangeError);
   * }
   * ```
   */
  static open(dir: string): Workspace {
    if (typeof dir !== "string" || dir === "") throw new TypeError("Cannot open workspace: dir must be a string");
    if (dir.includes("\0")) throw new RangeError(`Cannot open workspace ${quote(dir)}: it contains a NUL byte`);
    let root: string;
    try {
      root = realpathSync.native(dir);
    } catch (e) {
      throw new RangeError(`Cannot open workspace ${quote(dir)}: ${errCode(e) === "ENOENT" ? "no such directory" : e}`);
    }
    if (!statSync(root).isDirectory()) {
      throw new RangeError(`Cannot open workspace ${quote(dir)}: not a directory`);
    }
    if (dirname(root) === root) {
      throw new RangeError(`Cannot open workspace ${quote(dir)}: the file-system root cannot be a workspace`);
    }
    return new Workspace(root);
  }

  /**
   * Whether a real absolute path is the root or below it (a pure string test; prefix siblings are outside).
   *
   * @example
   * ```ts
   * import { Workspace } from "./workspace.ts";
   * import { mkdtempSync } from "node:fs";
   * import { join } from "node:path";
   * import { tmpdir } from "node:os";
   * const ws = Workspace.open(mkdtempSync(join(tmpdir(), "ws-")));
   * console.assert(ws.contains(ws.root) && ws.contains(ws.root + "/a"));
   * console.assert(!ws.contains(ws.root + "-evil/a"));
   * ```
   */
  contains(real: string): boolean {
    return real === this.root || real.startsWith(this.#rootSlash);
  }

  /**
   * Resolve an agent path to a real absolute path inside the root.
   *
   * Relative paths are taken from the root; absolute ones are accepted only when they resolve inside. An existing
   * path is resolved whole with `realpath`; for a missing one the longest existing ancestor is resolved (and a
   * dangling symlink as its first missing part is followed by hand), so a missing file under a symlink out is
   * refused too. For `delete` the last component is not followed: the result is the real parent joined with the
   * name, so deleting an in-workspace symlink deletes the link (a link pointing out is still refused).
   *
   * @throws {ToolError} `invalid_args` for a non-string or empty path or a symlink loop.
   * @throws {PathOutsideWorkspaceError} for every escape (`..`, outside absolute path, symlink out, NUL byte).
   *
   * @example
   * ```ts
   * import { Workspace } from "./workspace.ts";
   * import { mkdtempSync, symlinkSync } from "node:fs";
   * import { join } from "node:path";
   * import { tmpdir } from "node:os";
   * const ws = Workspace.open(mkdtempSync(join(tmpdir(), "ws-")));
   * symlinkSync("/etc", join(ws.root, "link"));
   * try {
   *   ws.resolve("link/a.txt", "write");
   *   throw new Error("unreachable");
   * } catch (e) {
   *   console.assert((e as Error).message === 'Cannot write "link/a.txt" as it is outside the workspace: "link" is a symlink to "/etc"');
   * }
   * console.assert(ws.resolve(join(ws.root, "b.txt"), "read") === join(ws.root, "b.txt"));
   * ```
   */
  resolve(path: string, verb: PathVerb): string {
    const word = VERB_WORDS[verb] ?? String(verb);
    if (typeof path !== "string") {
      throw new ToolError("invalid_args", `Cannot ${word} ${String(path)}: the path must be a string`);
    }
    if (path === "") throw new ToolError("invalid_args", `Cannot ${word} "": the path must not be empty`);
    if (path.includes("\0")) {
      throw new PathOutsideWorkspaceError(
        `Cannot ${word} ${quote(path)} as it is outside the workspace: it contains a NUL byte`,
      );
    }
    const candidate = isAbsolute(path) ? resolvePath(path) : resolvePath(this.root, path);
    if (hasDotDot(path)) {
      const detail = this.contains(candidate)
        ? `".." is not allowed in a path (resolved to ${quote(candidate)})`
        : `resolved to ${quote(candidate)}`;
      throw new PathOutsideWorkspaceError(`Cannot ${word} ${quote(path)} as it is outside the workspace: ${detail}`);
    }
    if (verb === "delete" && candidate !== this.root) {
      const parent = this.#realOf(dirname(candidate), path, word, 0);
      const entry = join(parent, basename(candidate));
      this.#checkLink(entry, path, word);
      return entry;
    }
    return this.#realOf(candidate, path, word, 0);
  }

  /**
   * The agent-facing form of a real path inside the root: relative, `.` for the root itself; other paths are
   * returned unchanged.
   *
   * @example
   * ```ts
   * import { Workspace } from "./workspace.ts";
   * import { mkdtempSync } from "node:fs";
   * import { join } from "node:path";
   * import { tmpdir } from "node:os";
   * const ws = Workspace.open(mkdtempSync(join(tmpdir(), "ws-")));
   * console.assert(ws.relative(join(ws.root, "a", "b.txt")) === join("a", "b.txt"));
   * console.assert(ws.relative(ws.root) === ".");
   * ```
   */
  relative(real: string): string {
    if (real === this.root) return ".";
    return real.startsWith(this.#rootSlash) ? real.slice(this.#rootSlash.length) : real;
  }

  /** If `entry` (parent already real and inside) is a symlink, refuse it unless it ends inside. */
  #checkLink(entry: string, path: string, word: string): void {
    let st;
    try {
      st = lstatSync(entry);
    } catch {
      return; // missing or not reachable: the tool reports it
    }
    if (!st.isSymbolicLink()) return;
    const target = this.#linkTarget(entry, 0);
    if (!this.contains(target)) {
      throw new PathOutsideWorkspaceError(
        `Cannot ${word} ${quote(path)} as it is outside the workspace: ${quote(this.relative(entry))} is a symlink to ${
          quote(target)
        }`,
      );
    }
  }

  /** Where a symlink finally points (realpath, or for a dangling link the lexical target of its chain). */
  #linkTarget(link: string, depth: number): string {
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
        if (lstatSync(target).isSymbolicLink()) return this.#linkTarget(target, depth + 1);
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

  /** Real path of `candidate` (existing or not), checked to be inside. */
  #realOf(candidate: string, path: string, word: string, depth: number): string {
    let real: string;
    try {
      real = realpathSync.native(candidate);
    } catch (e) {
      const code = errCode(e);
      if (code === "ELOOP") {
        throw new ToolError("invalid_args", `Cannot ${word} ${quote(path)}: too many levels of symbolic links`);
      }
      if (code !== "ENOENT" && code !== "ENOTDIR") throw e;
      return this.#realOfMissing(candidate, path, word, depth);
    }
    if (!this.contains(real)) throw this.#outside(candidate, real, path, word);
    return real;
  }

  #realOfMissing(candidate: string, path: string, word: string, depth: number): string {
    const rest: string[] = [];
    let dir = candidate;
    let realDir: string;
    for (;;) {
      rest.unshift(basename(dir));
      const up = dirname(dir);
      if (up === dir) throw new ToolError("not_found", `Cannot ${word} ${quote(path)}: no existing ancestor`);
      dir = up;
      try {
        realDir = realpathSync.native(dir);
        break;
      } catch (e) {
        const code = errCode(e);
        if (code === "ELOOP") {
          throw new ToolError("invalid_args", `Cannot ${word} ${quote(path)}: too many levels of symbolic links`);
        }
        if (code !== "ENOENT" && code !== "ENOTDIR") throw e;
      }
    }
    if (!this.contains(realDir)) throw this.#outside(candidate, join(realDir, ...rest), path, word);
    const first = join(realDir, rest[0] as string);
    let st;
    try {
      st = lstatSync(first);
    } catch {
      return join(realDir, ...rest); // truly missing (or below a non-directory: the tool reports it)
    }
    if (st.isSymbolicLink()) {
      // A dangling symlink (realpath failed on it): follow it by hand, one link at a time.
      let raw: string;
      try {
        raw = readlinkSync(first);
      } catch {
        // It stopped being a link since lstat (a race): resolve the whole path again, a bounded number of times.
        if (depth >= MAX_LINKS) {
          throw new ToolError("invalid_args", `Cannot ${word} ${quote(path)}: it kept changing while it was checked`);
        }
        return this.#realOf(candidate, path, word, depth + 1);
      }
      const target = resolvePath(realDir, raw);
      const next = join(target, ...rest.slice(1));
      if (!this.contains(target)) {
        throw this.#outside(candidate, next, path, word);
      }
      if (depth >= MAX_LINKS) {
        throw new ToolError("invalid_args", `Cannot ${word} ${quote(path)}: too many levels of symbolic links`);
      }
      return this.#realOf(next, path, word, depth + 1);
    }
    if (depth >= MAX_LINKS) return join(realDir, ...rest);
    // It appeared since realpath failed (a race) or realDir is a file: resolve once more.
    return this.#realOf(candidate, path, word, depth + 1);
  }

  /** Build the refusal, naming the first symlink (from the root down) that leads out, if there is one. */
  #outside(candidate: string, real: string, path: string, word: string): PathOutsideWorkspaceError {
    let detail = `resolved to ${quote(real)}`;
    if (candidate.startsWith(this.#rootSlash)) {
      const parts = candidate.slice(this.#rootSlash.length).split(sep);
      let cur = this.root;
      for (const part of parts) {
        cur = join(cur, part);
        let isLink = false;
        try {
          isLink = lstatSync(cur).isSymbolicLink();
        } catch {
          break;
        }
        if (!isLink) continue;
        const target = this.#linkTarget(cur, 0);
        if (!this.contains(target)) {
          detail = `${quote(cur.slice(this.#rootSlash.length))} is a symlink to ${quote(target)}`;
          break;
        }
      }
    }
    return new PathOutsideWorkspaceError(`Cannot ${word} ${quote(path)} as it is outside the workspace: ${detail}`);
  }
}

function hasDotDot(path: string): boolean {
  if (!path.includes("..")) return false;
  const parts = sep === "\\" ? path.split(/[\\/]/) : path.split("/");
  return parts.includes("..");
}
