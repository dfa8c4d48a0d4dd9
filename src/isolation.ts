/**
 * The isolation layers a server runs its tools under, chosen from the config and the runtime, and described
 * layer by layer for `info`, `doctor` and the witness log.
 *
 * - File tools: permission-restricted Deno workers (read/write on the workspace only), pooled and started lazily;
 *   on Bun (no permission system) in the host process. The realpath guard runs in front either way.
 * - Process tools: bubblewrap (`sandbox.mode` `auto` or `bwrap`; refused with `sandbox_unavailable` when bwrap
 *   cannot run), or unsandboxed with `sandbox.mode: "none"`. bwrap is probed lazily (first process call, `info`
 *   or `doctor`) and the result cached.
 *
 * @module
 */
import type { SafeExecConfig } from "./config.ts";
import type { Runtime } from "./runtime/types.ts";
import { createWorkerFileBackend, type FileBackend, hostFileBackendBecause } from "./tools/file_backend.ts";
import { createBwrapSandbox, noSandbox, type ProcessSandbox, type SandboxLimits } from "./tools/sandbox.ts";

/** One layer, active or not, and why. */
export interface LayerStatus {
  /** Its name. */
  layer:
    | "realpath guard"
    | "worker permissions"
    | "OS sandbox"
    | "network off"
    | "env scrubbed"
    | "resource limits"
    | ".git protected";
  /** Whether it protects calls now. */
  active: boolean;
  /** What it does or why it is off. */
  detail: string;
}

/** The chosen layers. */
export interface Isolation {
  /** Where file tools run. */
  files: FileBackend;
  /** How process tools are sandboxed. */
  sandbox: ProcessSandbox;
  /** Each layer, active or not and why (for `info` and `doctor`). */
  describe(): Record<string, unknown>;
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
 * import { createIsolation } from "./isolation.ts";
 * import { defaultConfig } from "./config.ts";
 * import { currentRuntime } from "./runtime/mod.ts";
 * const iso = createIsolation(defaultConfig("/tmp"), await currentRuntime());
 * const names = iso.layers().map((l) => l.layer);
 * console.assert(names.includes("realpath guard") && names.includes("OS sandbox"));
 * iso.close();
 * ```
 */
export function createIsolation(config: SafeExecConfig, runtime: Runtime, options: IsolationOptions = {}): Isolation {
  const worker = createWorkerFileBackend(runtime, {
    ...(options.workerTimeoutMs !== undefined ? { timeoutMs: options.workerTimeoutMs } : {}),
    ...(options.workers !== undefined ? { size: options.workers } : {}),
  });
  const files: FileBackend = worker ?? hostFileBackendBecause(runtime.workerIsolation.reason);
  const sandbox: ProcessSandbox = config.sandbox.mode === "none"
    ? noSandbox
    : createBwrapSandbox({ network: config.sandbox.network, ...(options.limits ? { limits: options.limits } : {}) });
  const layers = (): LayerStatus[] => layerList(config, runtime, files.describe(), sandbox.describe());
  return {
    files,
    sandbox,
    layers,
    describe: () => {
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

function layerList(
  config: SafeExecConfig,
  runtime: Runtime,
  f: Record<string, unknown>,
  p: Record<string, unknown>,
): LayerStatus[] {
  const bwrap = p.sandbox === "bwrap";
  const none = p.sandbox === "none";
  const limits = p.limits as Record<string, unknown> | null | undefined;
  const out: LayerStatus[] = [
    {
      layer: "realpath guard",
      active: true,
      detail: "every path is resolved with realpath and refused unless inside the workspace",
    },
    {
      layer: "worker permissions",
      active: f.worker === true,
      detail: f.worker === true
        ? `file tools run in ${runtime.name} workers with read/write on the workspace only (no net, env, run, ffi, sys)`
        : String(f.reason ?? runtime.workerIsolation.reason),
    },
    {
      layer: "OS sandbox",
      active: bwrap,
      detail: bwrap
        ? `process tools run under bubblewrap: ${p.reason}; host file system read-only, secrets masked, ` +
          "workspace the only writable place, private /tmp, own PID/IPC/UTS namespaces, capabilities dropped"
        : none
        ? 'OFF: the config says sandbox: "none"; process tools run as the host user (own process group only)'
        : `OFF, process tools are refused: ${p.reason}`,
    },
    {
      layer: "network off",
      active: bwrap && config.sandbox.network === false,
      detail: bwrap
        ? String(p.network)
        : none
        ? "no: unsandboxed processes use the host network"
        : "process tools are refused",
    },
    {
      layer: "env scrubbed",
      active: bwrap || none,
      detail: bwrap
        ? "bwrap --clearenv; only PATH, HOME (the workspace), LANG and TERM are set; host /proc unreachable"
        : none
        ? "only PATH, HOME (the workspace), LANG and TERM are passed (the host's /proc/*/environ stays readable)"
        : "process tools are refused",
    },
    {
      layer: "resource limits",
      active: bwrap,
      detail: bwrap && limits
        ? `processes: ${limits.processes}; file size ${limits.fileSizeBytes} B, CPU ${limits.cpuSeconds} s, ` +
          `address space ${limits.addressSpaceBytes} B, ${limits.openFiles} open files, /tmp ${limits.tmpBytes} B; ` +
          "the whole tree is killed on timeout (PID namespace)"
        : none
        ? "no limits; a timeout kills the process group only"
        : "process tools are refused",
    },
    {
      layer: ".git protected",
      active: true,
      detail: bwrap
        ? "file tools refuse writes to .git, .git/hooks, .git/config; bwrap pins .git and binds hooks/config read-only"
        : "file tools refuse writes to .git, .git/hooks, .git/config; process tools are not restricted there",
    },
  ];
  if (config.sandbox.mode === "bwrap" && !bwrap) out[2]!.detail += ' (the config requires "bwrap")';
  return out;
}
