/**
 * Private helper of the file backends: the file tools never create, change or delete anything git reads as
 * configuration or runs as code, wherever `.git` points (SPEC §7). Refused, with `path_outside_workspace`:
 * - any path with a `.git` component (any case): the workspace's `.git`, a nested repository's, a submodule's
 *   `.git` file — the file tools never write inside a git dir or make a new one (use git through run_bash);
 * - everything inside the git dirs `.git` leads to: a `.git` file's `gitdir:`, a `.git` symlink's target, each
 *   `commondir`, and the targets of the symlinks at a git dir's top (`.git/hooks -> ../myhooks` protects `myhooks`);
 * - `core.hooksPath` (husky's `.husky`), `include.path`/`includeIf.*.path` files and what a `core.fsmonitor` command
 *   named by those configs may run (the folders its words name, `git/_command.ts`), when inside the workspace; every
 *   change when such a command cannot be read as words;
 * - for delete_dir, a folder that holds any of these;
 * - for writes, a path inside a folder shaped like a bare repository (`HEAD` with `objects/` and `refs/`, or with
 *   `commondir`), or one that would complete that shape (the host's git run there would take the folder for a
 *   repository and run its `config`), and the protected paths of the nested repository the path lies in.
 * A path is judged after the realpath guard resolved it, so a symlink to any of these is judged by its target.
 * delete_file may always remove a symlink itself (never its target): that only takes an indirection away.
 *
 * Runtime-free: only relative imports of runtime-free code.
 *
 * @module
 */
import { lstatSync } from "node:fs";
import { basename, dirname, join, sep } from "node:path";
import { PathOutsideWorkspaceError } from "../types.ts";
import { isWithin } from "../_util/paths.ts";
import { type GitRootInfo, inspectGit, protectedBy } from "../git/dirs.ts";
import type { PathVerb } from "./_errors.ts";
import { FILE_OPS, type FsToolName } from "./_ops_table.ts";
import { openWorkspace } from "./_workspaces.ts";
import type { Workspace } from "./workspace.ts";

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

const SHAPE = new Set(["HEAD", "objects", "refs", "commondir"]);

/** Whether folder `a`, with `added` (a name at its top) created, is shaped like a bare repository. */
function bareShape(a: string, added: string | null): boolean {
  const has = (n: string) => n === added || exists(join(a, n));
  return has("HEAD") && (has("commondir") || (has("objects") && has("refs")));
}

/**
 * Why a write of `c` (a real path below `root`) would reach git's configuration through a repository git discovers
 * on the way up from it: a bare-shaped folder (existing, or completed by this write), or the protected paths of the
 * nearest nested repository; null when none.
 */
function discovered(root: string, c: string, rel: (p: string) => string): string | null {
  let nested: string | null = null;
  for (let a = dirname(c), child = c;; child = a, a = dirname(a)) {
    const top = basename(child);
    if (bareShape(a, SHAPE.has(top) ? top : null)) {
      return exists(join(a, "HEAD")) && bareShape(a, null)
        ? `inside ${JSON.stringify(rel(a))}, a bare git repository`
        : `it would make ${JSON.stringify(rel(a))} a git repository (HEAD, objects/, refs/)`;
    }
    if (nested === null && a !== root && exists(join(a, ".git"))) nested = a;
    if (a === root || dirname(a) === a) break;
  }
  if (nested !== null) {
    const info = inspectGit(nested, [root], { submodules: false });
    if (info.locked !== null) return info.locked;
    const hit = protectedBy(info, c);
    if (hit !== null) return `inside ${JSON.stringify(rel(hit))}, protected for the repository in ${rel(nested)}`;
  }
  return null;
}

function isDir(p: string): boolean {
  try {
    return lstatSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Refuse (with `path_outside_workspace`) a mutating file call that would touch git's configuration or code, after
 * the realpath guard resolved its path. Paths the guard cannot resolve are left to the tool, which reports them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkProtected } from "./git_protected.ts";
 * import { mkdirSync, mkdtempSync, realpathSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * const root = realpathSync(mkdtempSync(join(tmpdir(), "ws-")));
 * mkdirSync(join(root, ".git"));
 * checkProtected(root, "write_file", { path: "a.txt" });
 * assert.throws(() => checkProtected(root, "write_file", { path: ".git/commondir" }), /git reads it/);
 * assert.throws(() => checkProtected(root, "write_file", { path: "sub/.git" }), /git reads it/);
 * ```
 */
export function checkProtected(root: string, op: string, args: Record<string, unknown>): void {
  const info = Object.hasOwn(FILE_OPS, op) ? FILE_OPS[op as FsToolName] : undefined;
  if (!info || info.changes.length === 0) return;
  let ws: Workspace;
  try {
    ws = openWorkspace(root);
  } catch {
    return; // not a workspace: the tool itself refuses it
  }
  let git: GitRootInfo | undefined;
  const inspected = () => (git ??= inspectGit(ws.root, [ws.root], { submodules: false }));
  const protectedTrees = () => inspected().trees;
  const refuse = (p: string, verb: PathVerb, real: string, why: string): never => {
    throw new PathOutsideWorkspaceError(
      `Cannot ${verb} ${JSON.stringify(p)}: git reads it as configuration or runs it as code (${why}); the file ` +
        `tools never change git's files, so that nothing the agent writes runs later on the host (resolved to ` +
        `${JSON.stringify(real)}; use git through run_bash)`,
    );
  };
  const verb = info.verb;
  for (const key of info.changes) {
    const p = args[key];
    if (typeof p !== "string") continue;
    let real: string;
    try {
      real = ws.resolve(p, verb);
    } catch {
      continue;
    }
    if (op === "delete_file" && isLink(real)) continue; // removing a link never touches its target
    // The root itself: the tool refuses it ("the workspace root is never deleted"), whatever git holds there.
    if ((op === "delete_dir" || op === "delete_file") && real === ws.root) continue;
    const candidates = [real];
    if (op === "copy_file" && typeof args.src === "string" && isDir(real)) {
      candidates.push(real + sep + basename(args.src));
    }
    for (const c of candidates) {
      const rel = c === ws.root ? "" : c.slice(ws.root.length + 1);
      if (rel.split(sep).some((part) => part.toLowerCase() === ".git")) {
        refuse(p, verb, c, "a .git folder or file");
      }
      const locked = inspected().locked;
      if (locked !== null) refuse(p, verb, c, locked);
      const hit = protectedBy(inspected(), c);
      if (hit !== null) refuse(p, verb, c, `inside ${JSON.stringify(ws.relative(hit))}`);
      if (op !== "delete_dir" && op !== "delete_file" && c !== ws.root) {
        const why = discovered(ws.root, c, (p) => (p === ws.root ? "." : ws.relative(p)));
        if (why !== null) refuse(p, verb, c, why);
      }
      if (op === "delete_dir") {
        const inside = protectedTrees().find((t) => t !== c && isWithin(t, c));
        if (inside !== undefined) refuse(p, verb, c, `it holds ${JSON.stringify(ws.relative(inside))}`);
      }
    }
  }
}
