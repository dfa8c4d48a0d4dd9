/**
 * The isolation layers a server runs its tools under, chosen from the config and the runtime.
 *
 * @module
 */
import type { SafeExecConfig } from "./config.ts";
import type { Runtime } from "./runtime/types.ts";
import { type FileBackend, hostFileBackend } from "./tools/file_backend.ts";
import { noSandbox, type ProcessSandbox } from "./tools/sandbox.ts";

/** The chosen layers. */
export interface Isolation {
  /** Where file tools run. */
  files: FileBackend;
  /** How process tools are sandboxed. */
  sandbox: ProcessSandbox;
  /** Each layer, active or not and why (for `info` and `doctor`). */
  describe(): Record<string, unknown>;
  /** Stop workers. */
  close(): void;
}

/** Choose the layers for a config on a runtime. */
export function createIsolation(_config: SafeExecConfig, _runtime: Runtime): Isolation {
  const files = hostFileBackend;
  const sandbox = noSandbox;
  return {
    files,
    sandbox,
    describe: () => ({ files: files.describe(), processes: sandbox.describe() }),
    close: () => files.close(),
  };
}
