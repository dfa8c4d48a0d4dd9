/**
 * The seven built-in file tools (SPEC §2), one file each, behind one table: {@linkcode FILE_OPS} says for each tool
 * its verb (the wording of its errors) and which arguments are paths and which of them it changes, and
 * {@linkcode runFileOp} runs one after the git protection (`git_protected.ts`). How a tool pins what it touches is
 * in `_pin.ts` and `_atomic.ts`; the threat model and what stays open are in the README.
 *
 * @module
 */
import { appendFile } from "./append_file.ts";
import { copyFile } from "./copy_file.ts";
import { deleteDir } from "./delete_dir.ts";
import { deleteFile } from "./delete_file.ts";
import { mapErr } from "./_errors.ts";
import { checkProtected } from "./git_protected.ts";
import { type DirEntry, listDir } from "./list_dir.ts";
import { type FileOpOptions, readFile } from "./read_file.ts";
import { writeFile } from "./write_file.ts";
import { resolveThroughCwd } from "./_realpath.ts";
import { verbWord } from "./_errors.ts";
import { FILE_OPS, type FsToolName } from "./_ops_table.ts";
import { openWorkspace } from "./_workspaces.ts";
import type { Workspace } from "./workspace.ts";

export type { FileOpOptions } from "./read_file.ts";
export { FILE_OPS, type FileOpInfo, type FsToolName } from "./_ops_table.ts";

/** Run a tool on the workspace at `root`, turning a leftover errno (a file vanishing meanwhile) into a ToolError. */
function mapped<T>(op: FsToolName, root: string, arg: unknown, fn: (ws: Workspace) => T): T {
  try {
    return fn(openWorkspace(root));
  } catch (e) {
    throw mapErr(e, verbWord(FILE_OPS[op].verb), String(arg));
  }
}

/**
 * The file tools. Each takes the workspace root (a real path, as {@linkcode Workspace.root}) and the validated
 * arguments, returns the SPEC §2 output, and throws a `ToolError` (`invalid_args`, `not_found`,
 * `path_outside_workspace`) on failure. They do not check git's files: {@linkcode runFileOp} does.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fsOps } from "./ops.ts";
 * import { mkdtempSync, realpathSync, rmSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * const root = realpathSync(mkdtempSync(join(tmpdir(), "ws-")));
 * assert.equal(fsOps.write_file(root, { path: "notes/a.txt", content: "hi" }), "Written 2 chars");
 * assert.equal(fsOps.append_file(root, { path: "notes/a.txt", content: "!" }), "Appended 1 chars");
 * assert.equal(fsOps.read_file(root, { path: "notes/a.txt" }), "hi!");
 * assert.equal(fsOps.copy_file(root, { src: "notes/a.txt", dst: "b.txt" }), "Copied notes/a.txt -> b.txt");
 * assert.deepEqual(fsOps.list_dir(root, {}).map((e) => e.name), ["b.txt", "notes"]);
 * assert.equal(fsOps.delete_file(root, { path: "b.txt" }), "Deleted b.txt");
 * assert.equal(fsOps.delete_dir(root, { path: "notes" }), "Deleted notes");
 * assert.throws(() => fsOps.read_file(root, { path: "../etc/passwd" }), { code: "path_outside_workspace" });
 * rmSync(root, { recursive: true });
 * ```
 */
export const fsOps: {
  read_file(root: string, args: { path: string }, options?: FileOpOptions): string;
  list_dir(root: string, args: { path?: string }): DirEntry[];
  write_file(root: string, args: { path: string; content: string }): string;
  append_file(root: string, args: { path: string; content: string }): string;
  copy_file(root: string, args: { src: string; dst: string }): string;
  delete_file(root: string, args: { path: string }): string;
  delete_dir(root: string, args: { path: string }): string;
} = {
  read_file: (root, args, options) => mapped("read_file", root, args.path, (ws) => readFile(ws, args, options)),
  list_dir: (root, args) => mapped("list_dir", root, args.path ?? ".", (ws) => listDir(ws, args)),
  write_file: (root, args) => mapped("write_file", root, args.path, (ws) => writeFile(ws, args)),
  append_file: (root, args) => mapped("append_file", root, args.path, (ws) => appendFile(ws, args)),
  copy_file: (root, args) => mapped("copy_file", root, args.src, (ws) => copyFile(ws, args)),
  delete_file: (root, args) => mapped("delete_file", root, args.path, (ws) => deleteFile(ws, args)),
  delete_dir: (root, args) => mapped("delete_dir", root, args.path, (ws) => deleteDir(ws, args)),
};

/**
 * Run one file tool as every backend does: refuse a change to git's files first, then the tool.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdirSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * import { runFileOp } from "./ops.ts";
 * const root = realpathSync(mkdtempSync(join(tmpdir(), "ws-")));
 * mkdirSync(join(root, ".git"));
 * assert.equal(runFileOp("write_file", root, { path: "a.txt", content: "" }), "Written 0 chars");
 * assert.throws(() => runFileOp("write_file", root, { path: ".git/config", content: "" }), /git reads it/);
 * rmSync(root, { recursive: true });
 * ```
 */
export function runFileOp(
  op: FsToolName,
  root: string,
  args: Record<string, unknown>,
  options: FileOpOptions = {},
): unknown {
  checkProtected(root, op, args);
  // deno-lint-ignore no-explicit-any
  return (fsOps[op] as (root: string, args: any, options?: FileOpOptions) => unknown)(root, args, options);
}

/**
 * Tell the file tools that this process owns its working directory (the confined file server: nothing else in it
 * uses the cwd), so paths are resolved through chdir/getcwd, at a cost linear in their depth, instead of Deno's
 * quadratic realpath(3) (see `_realpath.ts`). Called by the file server under Deno; never in the host or a worker.
 *
 * @example
 * ```ts ignore
 * import { ownWorkingDirectory } from "./ops.ts";
 * ownWorkingDirectory(); // only inside the confined file server
 * ```
 */
export function ownWorkingDirectory(): void {
  resolveThroughCwd();
}
