/**
 * The host file backend: the file operations in this process, behind the realpath guard (and, on Linux outside
 * Deno, folders pinned through /proc/self/fd; see `fileops/_pin.ts`).
 *
 * @module
 */
import { runFileOp } from "../../fileops/ops.ts";
import type { FileBackend, HostFileIsolation } from "./backend.ts";

/**
 * File tools in the host process, behind the realpath guard only.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hostFileBackend } from "./host.ts";
 * assert.equal(hostFileBackend.describe().worker, false);
 * ```
 */
export const hostFileBackend: FileBackend = {
  run(op, root, args) {
    try {
      return Promise.resolve(runFileOp(op, root, args));
    } catch (e) {
      return Promise.reject(e);
    }
  },
  describe: (): HostFileIsolation => ({
    layers: ["realpath-guard", "git-protected"],
    guard: true,
    worker: false,
    reason: "file tools run in the host process behind the realpath guard",
  }),
  close() {},
};

/** The host backend with a reason why workers are not used (for `info` and `doctor`). */
export function hostFileBackendBecause(reason: string): FileBackend {
  return { ...hostFileBackend, describe: () => ({ ...hostFileBackend.describe(), reason }) };
}
