/**
 * The isolation layers a server runs its tools under, chosen from the config and the runtime, and described
 * layer by layer for `info`, `doctor` and the witness log.
 *
 * - File tools, Deno with bubblewrap: a confined child process whose mount namespace holds only the workspace
 *   (writable) and the runtime (read-only), with Deno permissions for the workspace only (`confined_backend.ts`).
 *   Deno without bubblewrap (or `sandbox.mode: "none"`): permission-restricted Deno workers (read/write on the
 *   workspace only), pooled and started lazily. Bun (no permission system): the host process, which pins folders
 *   through /proc/self/fd. The realpath guard runs in front every time.
 * - Process tools: bubblewrap (`sandbox.mode` `auto` or `bwrap`; refused with `sandbox_unavailable` when bwrap
 *   cannot run), or unsandboxed with `sandbox.mode: "none"`. bwrap is probed lazily (first process call, `info`
 *   or `doctor`) and the result cached.
 *
 * @module
 */
import type { SafeExecConfig } from "./config.ts";
import type { Runtime } from "./runtime/types.ts";
import { createConfinedFileBackend } from "./tools/confined_backend.ts";
import { createWorkerFileBackend, type FileBackend, hostFileBackendBecause } from "./tools/file_backend.ts";
import type { FsToolName } from "./tools/fs_ops.ts";
import { createBwrapSandbox, noSandbox, probeBwrap, type ProcessSandbox, type SandboxLimits } from "./tools/sandbox.ts";

/**
 * The confined backend when the runtime has one and bubblewrap runs here, else `fallback`; decided at the first
 * call (or `describe`), not at start-up.
 */
function preferConfined(runtime: Runtime, fallback: FileBackend, timeoutMs: number | undefined): FileBackend {
  let chosen: FileBackend | undefined;
  const choose = (): FileBackend => {
    if (chosen) return chosen;
    const probe = probeBwrap();
    const confined = probe.available && probe.path
      ? createConfinedFileBackend(runtime, {
        bwrap: probe.path,
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      })
      : null;
    chosen = confined ?? fallback;
    if (confined) fallback.close();
    return chosen;
  };
  return {
    run: (op: FsToolName, root: string, args: Record<string, unknown>) => choose().run(op, root, args),
    describe: () => choose().describe(),
    close: () => (chosen ?? fallback).close(),
  };
}

/** One layer, active or not, and why. */
export interface LayerStatus {
  /** Its name. */
  layer:
    | "realpath guard"
    | "worker permissions"
    | "file tools confined"
    | "OS sandbox"
    | "seccomp filter"
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
export function createIsolation(
  config: Pick<SafeExecConfig, "sandbox">,
  runtime: Runtime,
  options: IsolationOptions = {},
): Isolation {
  const worker = createWorkerFileBackend(runtime, {
    ...(options.workerTimeoutMs !== undefined ? { timeoutMs: options.workerTimeoutMs } : {}),
    ...(options.workers !== undefined ? { size: options.workers } : {}),
  });
  const plain: FileBackend = worker ?? hostFileBackendBecause(runtime.workerIsolation.reason);
  const files: FileBackend = config.sandbox.mode !== "none" && runtime.fileServerCommand("/") !== null
    ? preferConfined(runtime, plain, options.workerTimeoutMs)
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
  config: Pick<SafeExecConfig, "sandbox">,
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
      active: f.worker === true || f.permissions === true,
      detail: f.worker === true
        ? `file tools run in ${runtime.name} workers with read/write on the workspace only (no net, env, run, ffi, sys)`
        : f.permissions === true
        ? "the confined file server runs with Deno permissions for the workspace only"
        : String(f.reason ?? runtime.workerIsolation.reason),
    },
    {
      layer: "file tools confined",
      active: f.confined === true,
      detail: f.confined === true
        ? String(f.reason)
        : runtime.fileServerCommand("/") === null
        ? `${runtime.name} pins folders through /proc/self/fd instead (no confined file server)`
        : config.sandbox.mode === "none"
        ? 'OFF: the config says sandbox: "none"'
        : "OFF: bubblewrap cannot run here, so file tools use the worker layer (a process outside safe-exec " +
          "racing the workspace could redirect a write; see the README's threat model)",
    },
    {
      layer: "OS sandbox",
      active: bwrap,
      detail: bwrap
        ? `process tools run under bubblewrap: ${p.reason}; an allowlist of the host (system folders and part of ` +
          "/etc read-only, the workspace read-write, private /tmp and HOME, nothing else), own PID/IPC/UTS " +
          "namespaces, capabilities dropped"
        : none
        ? 'OFF: the config says sandbox: "none"; process tools run as the host user (own process group only)'
        : `OFF, process tools are refused: ${p.reason}`,
    },
    {
      layer: "seccomp filter",
      active: bwrap && typeof p.seccomp === "string",
      detail: bwrap && typeof p.seccomp === "string"
        ? String(p.seccomp)
        : none
        ? 'OFF: the config says sandbox: "none"'
        : "process tools are refused",
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
        ? "bwrap --clearenv; only PATH, LANG, TERM, a private empty HOME, PYTHONNOUSERSITE=1 and git's global and " +
          "system config pointed at nothing; host /proc unreachable"
        : none
        ? "only PATH, LANG, TERM, a private empty HOME, PYTHONNOUSERSITE=1 and GIT_CONFIG_GLOBAL=/dev/null are " +
          "passed (the host's /proc/*/environ stays readable)"
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
        ? "file tools never change git's files (any .git, the git dirs it leads to, hooksPath, includes); process " +
          "tools see git dirs through views whose config, hooks, info, modules and worktrees are read-only and " +
          "whose additions never reach the host"
        : "file tools never change git's files (any .git, the git dirs it leads to, hooksPath, includes); process " +
          "tools are not restricted there",
    },
  ];
  if (config.sandbox.mode === "bwrap" && !bwrap) out[2]!.detail += ' (the config requires "bwrap")';
  return out;
}
