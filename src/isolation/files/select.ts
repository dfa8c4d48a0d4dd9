/**
 * Which file backend runs the file tools: the confined file server when the runtime has one and bubblewrap runs
 * here, else the fallback (restricted workers, or the host). Decided at the first call (or `describe`), not at
 * start-up, so that a server that makes no file call never probes bubblewrap.
 *
 * @module
 */
import type { FsToolName } from "../../fileops/ops.ts";
import type { Runtime } from "../../runtime/types.ts";
import { probeBwrap } from "../process/probe.ts";
import type { FileBackend, FileIsolation } from "./backend.ts";
import { createConfinedFileBackend } from "./confined.ts";

/**
 * The confined backend when bubblewrap runs here, else `fallback` (closed when it is not used); chosen at the first
 * `run` or `describe`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { confinedWhenAvailable } from "./select.ts";
 * import { hostFileBackend } from "./host.ts";
 * import { currentRuntime } from "../../runtime/mod.ts";
 * const files = confinedWhenAvailable(await currentRuntime(), hostFileBackend, undefined);
 * assert.ok(files.describe().guard);
 * files.close();
 * ```
 */
export function confinedWhenAvailable(
  runtime: Runtime,
  fallback: FileBackend,
  timeoutMs: number | undefined,
): FileBackend {
  let chosen: FileBackend | undefined;
  const choose = (): FileBackend => {
    if (chosen) return chosen;
    const probe = probeBwrap();
    const confined = probe.available && probe.path
      ? createConfinedFileBackend(runtime, { bwrap: probe.path, ...(timeoutMs !== undefined ? { timeoutMs } : {}) })
      : null;
    chosen = confined ?? fallback;
    if (confined) fallback.close();
    return chosen;
  };
  return {
    run: (op: FsToolName, root: string, args: Record<string, unknown>) => choose().run(op, root, args),
    describe: (): FileIsolation => choose().describe(),
    close: () => (chosen ?? fallback).close(),
  };
}
