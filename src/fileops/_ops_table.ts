/**
 * Private helper of the file tools: their names, and what each does with its path arguments (read by the tools'
 * wrapper, the git protection and the backends' messages).
 *
 * @module
 */
import type { PathVerb } from "./_errors.ts";

/**
 * The name of a file tool.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { FsToolName } from "./ops.ts";
 * const name: FsToolName = "read_file";
 * assert.equal(name, "read_file");
 * ```
 */
export type FsToolName =
  | "read_file"
  | "list_dir"
  | "write_file"
  | "append_file"
  | "copy_file"
  | "delete_file"
  | "delete_dir";

/** What a file tool does with its path arguments. */
export interface FileOpInfo {
  /** What it does, for the guard's resolution and the wording of errors. */
  verb: PathVerb;
  /** Its path arguments, in the order a refusal names them. */
  paths: readonly string[];
  /** The path arguments it creates, changes or deletes (the git protection judges these). */
  changes: readonly string[];
}

/**
 * The seven file tools and what they do with their paths.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FILE_OPS } from "./ops.ts";
 * assert.deepEqual(FILE_OPS.copy_file, { verb: "copy", paths: ["src", "dst"], changes: ["dst"] });
 * assert.deepEqual(FILE_OPS.read_file.changes, []);
 * ```
 */
export const FILE_OPS: Readonly<Record<FsToolName, FileOpInfo>> = Object.freeze({
  read_file: { verb: "read", paths: ["path"], changes: [] },
  list_dir: { verb: "list", paths: ["path"], changes: [] },
  write_file: { verb: "write", paths: ["path"], changes: ["path"] },
  append_file: { verb: "append", paths: ["path"], changes: ["path"] },
  copy_file: { verb: "copy", paths: ["src", "dst"], changes: ["dst"] },
  delete_file: { verb: "delete", paths: ["path"], changes: ["path"] },
  delete_dir: { verb: "delete", paths: ["path"], changes: ["path"] },
});
