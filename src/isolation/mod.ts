/**
 * The isolation layers a server runs its tools under, chosen from the config and the runtime, and described
 * layer by layer for `info`, `doctor` and the witness log.
 *
 * - File tools, Deno with bubblewrap: a confined child process whose mount namespace holds only the workspace
 *   (writable) and the runtime (read-only), with Deno permissions for the workspace only (`files/confined.ts`).
 *   Deno without bubblewrap (or `sandbox.mode: "none"`): permission-restricted Deno workers (read/write on the
 *   workspace only), pooled and started lazily. Bun (no permission system): the host process, which pins folders
 *   through /proc/self/fd. The realpath guard runs in front every time.
 * - Process tools: bubblewrap (`sandbox.mode` `auto` or `bwrap`; refused with `sandbox_unavailable` when bwrap
 *   cannot run), or unsandboxed with `sandbox.mode: "none"`. bwrap is probed lazily (first process call, `info`
 *   or `doctor`) and the result cached.
 *
 * @module
 */
import type { Runtime } from "../runtime/types.ts";
import type { FileBackend, FileIsolation } from "./files/backend.ts";
import { fileServerCommand } from "./files/confined.ts";
import { hostFileBackendBecause } from "./files/host.ts";
import { confinedWhenAvailable } from "./files/select.ts";
import { createWorkerFileBackend } from "./files/workers.ts";
import { layerList, type LayerStatus } from "./layers.ts";
import { createBwrapSandbox, type SandboxLimits } from "./process/bwrap.ts";
import { noSandbox, type ProcessIsolation, type ProcessSandbox, type SandboxOptions } from "./process/sandbox.ts";

export type { LayerStatus } from "./layers.ts";
export type { SandboxOptions } from "./process/sandbox.ts";

/** What `info` and `doctor` show of the isolation: the runtime, the sandbox mode, each layer and both descriptions. */
export interface IsolationReport {
  /** "deno" or "bun". */
  runtime: string;
  /** The config's `sandbox.mode`. */
  sandboxMode: SandboxOptions["mode"];
  /** Each layer, active or not and why. */
  layers: LayerStatus[];
  /** How file tools are isolated. */
  files: FileIsolation;
  /** How process tools are isolated. */
  processes: ProcessIsolation;
}

/** The chosen layers. */
export interface Isolation {
  /** Where file tools run. */
  files: FileBackend;
  /** How process tools are sandboxed. */
  sandbox: ProcessSandbox;
  /** Each layer, active or not and why, and both descriptions (for `info` and `doctor`). */
  describe(): IsolationReport;
  /** The layers as a list (probes the OS sandbox if that was not done yet). */
  layers(): LayerStatus[];
  /** Stop workers, remove the sandbox's cgroup. */
  close(): void;
}

/** Options of {@linkcode createIsolation} beyond the config. */
export interface IsolationOptions {
  /** Resource limits of the bwrap sandbox. */
  limits?: Partial<SandboxLimits>;
  /** Per-call timeout of a file worker (default 10 000 ms). */
  workerTimeoutMs?: number;
  /** Workers per workspace (default 2). */
  workers?: number;
}

/**
 * Choose the layers for a config on a runtime. Nothing is started here: workers start with the first file call,
 * bwrap is probed at the first process call (or `describe`).
 *
 * @example
 * ```ts
 * import { createIsolation } from "./mod.ts";
 * import assert from "node:assert/strict";
 * import { currentRuntime } from "../runtime/mod.ts";
 * const iso = createIsolation({ sandbox: { mode: "auto", network: false } }, await currentRuntime());
 * const names = iso.layers().map((l) => l.layer);
 * assert.ok(names.includes("realpath guard") && names.includes("OS sandbox"));
 * iso.close();
 * ```
 */
export function createIsolation(
  config: { sandbox: SandboxOptions },
  runtime: Runtime,
  options: IsolationOptions = {},
): Isolation {
  const worker = createWorkerFileBackend(runtime, {
    ...(options.workerTimeoutMs !== undefined ? { timeoutMs: options.workerTimeoutMs } : {}),
    ...(options.workers !== undefined ? { size: options.workers } : {}),
  });
  const plain: FileBackend = worker ?? hostFileBackendBecause(runtime.workerIsolation.reason);
  const files: FileBackend = config.sandbox.mode !== "none" && fileServerCommand(runtime, "/") !== null
    ? confinedWhenAvailable(runtime, plain, options.workerTimeoutMs)
    : plain;
  const sandbox: ProcessSandbox = config.sandbox.mode === "none" ? noSandbox : createBwrapSandbox({
    network: config.sandbox.network,
    readable: config.sandbox.readable ?? [],
    writable: config.sandbox.writable ?? [],
    unixSockets: config.sandbox.unixSockets === "workspace",
    ...(options.limits ? { limits: options.limits } : {}),
  });
  const layers = (): LayerStatus[] => layerList(config, runtime, files.describe(), sandbox.describe());
  return {
    files,
    sandbox,
    layers,
    describe: (): IsolationReport => {
      const f = files.describe();
      const p = sandbox.describe();
      return {
        runtime: runtime.name,
        sandboxMode: config.sandbox.mode,
        layers: layerList(config, runtime, f, p),
        files: f,
        processes: p,
      };
    },
    close() {
      files.close();
      sandbox.close?.();
    },
  };
}
