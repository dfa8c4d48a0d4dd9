/**
 * Private helper of the file backends: the paths in a workspace that make code run later on the host
 * (`.git`, `.git/hooks`, `.git/config`) are not writable by the file tools, matching the read-only binds of the
 * bwrap sandbox for the process tools.
 *
 * Runtime-free: only relative imports of runtime-free code.
 *
 * @module
 */
import { lstatSync } from "node:fs";
import { sep } from "node:path";
import { PathOutsideWorkspaceError } from "../types.ts";
import { type PathVerb, Workspace } from "../workspace.ts";

const MUTATING: Record<string, [string, PathVerb][]> = {
  write_file: [["path", "write"]],
  append_file: [["path", "append"]],
  copy_file: [["dst", "copy"]],
  delete_file: [["path", "delete"]],
  delete_dir: [["path", "delete"]],
};

const cache = new Map<string, Workspace>();

/**
 * Refuse (with `path_outside_workspace`) a mutating file call whose target is `.git` itself, `.git/config`, or
 * `.git/hooks` or anything in it, after the realpath guard resolved it. Paths the guard cannot resolve are left
 * to the tool, which reports them itself.
 *
 * @example
 * ```ts
 * import { checkProtected } from "./_protected.ts";
 * import { mkdtempSync, realpathSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * const root = realpathSync(mkdtempSync(join(tmpdir(), "ws-")));
 * checkProtected(root, "write_file", { path: "a.txt" });
 * try {
 *   checkProtected(root, "write_file", { path: ".git/hooks/pre-commit" });
 *   throw new Error("unreachable");
 * } catch (e) {
 *   console.assert((e as { code?: string }).code === "path_outside_workspace");
 * }
 * ```
 */
export function checkProtected(root: string, op: string, args: Record<string, unknown>): void {
  const targets = MUTATING[op];
  if (!targets) return;
  let ws = cache.get(root);
  if (!ws) {
    try {
      ws = Workspace.open(root);
    } catch {
      return;
    }
    if (cache.size > 64) cache.clear();
    cache.set(root, ws);
  }
  const git = ws.root + sep + ".git";
  const hooks = git + sep + "hooks";
  const config = git + sep + "config";
  for (const [key, verb] of targets) {
    const p = args[key];
    if (typeof p !== "string") continue;
    let real: string;
    try {
      real = ws.resolve(p, verb);
    } catch {
      continue;
    }
    // delete_file removes a symlink itself and never touches what it points to, so a link is never protected
    // (a dangling `.git` link must be removable). [file tools, issue 9 item 5]
    if (op === "delete_file" && isSymlink(real)) continue;
    const hit = real === git || real === config || real === hooks || real.startsWith(hooks + sep);
    if (hit) {
      throw new PathOutsideWorkspaceError(
        `Cannot ${verb} ${JSON.stringify(p)}: .git, .git/hooks and .git/config are read-only for tools ` +
          `(code there would run later on the host, outside the sandbox)`,
      );
    }
  }
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
