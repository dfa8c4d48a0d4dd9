/**
 * Where the file tools run. The host backend calls the operations in this process, behind the realpath guard;
 * the worker backend (Deno) runs them in permission-restricted workers.
 *
 * @module
 */
import { fsOps, type FsToolName } from "./fs_ops.ts";

/** Runs one file operation. */
export interface FileBackend {
  /** Run `op` on the workspace `root` with validated `args`. */
  run(op: FsToolName, root: string, args: Record<string, unknown>): Promise<unknown>;
  /** The isolation layers a call runs under (for `info`, `doctor` and the witness log). */
  describe(): Record<string, unknown>;
  /** Release resources (workers). */
  close(): void;
}

/**
 * File tools in the host process, behind the realpath guard only.
 *
 * @example
 * ```ts
 * import { hostFileBackend } from "./file_backend.ts";
 * console.assert(hostFileBackend.describe().worker === false);
 * ```
 */
export const hostFileBackend: FileBackend = {
  run(op, root, args) {
    try {
      // deno-lint-ignore no-explicit-any
      return Promise.resolve((fsOps[op] as (root: string, args: any) => unknown)(root, args));
    } catch (e) {
      return Promise.reject(e);
    }
  },
  describe: () => ({ layers: ["realpath-guard"], guard: true, worker: false }),
  close() {},
};
