/**
 * The isolation layers one by one, active or not and why, from the file and process descriptions (for `info`,
 * `doctor`).
 *
 * @module
 */
import type { Runtime } from "../runtime/types.ts";
import type { FileIsolation } from "./files/backend.ts";
import { fileServerCommand } from "./files/confined.ts";
import type { ProcessIsolation, SandboxOptions } from "./process/sandbox.ts";

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

/**
 * Each layer, active or not and why, from the two descriptions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layerList } from "./layers.ts";
 * import { hostFileBackend } from "./files/host.ts";
 * import { noSandbox } from "./process/sandbox.ts";
 * import { currentRuntime } from "../runtime/mod.ts";
 * const layers = layerList(
 *   { sandbox: { mode: "none", network: false } },
 *   await currentRuntime(),
 *   hostFileBackend.describe(),
 *   noSandbox.describe(),
 * );
 * assert.equal(layers.find((l) => l.layer === "OS sandbox")?.active, false);
 * assert.equal(layers.find((l) => l.layer === "realpath guard")?.active, true);
 * ```
 */
export function layerList(
  config: { sandbox: SandboxOptions },
  runtime: Runtime,
  f: FileIsolation,
  p: ProcessIsolation,
): LayerStatus[] {
  const bwrap = p.sandbox === "bwrap" ? p : null;
  const none = p.sandbox === "none";
  const limits = bwrap?.limits;
  const workers = f.worker === true ? f : null;
  const confined = f.confined === true ? f : null;
  const out: LayerStatus[] = [
    {
      layer: "realpath guard",
      active: true,
      detail: "every path is resolved with realpath and refused unless inside the workspace",
    },
    {
      layer: "worker permissions",
      active: workers !== null || confined?.permissions === true,
      detail: workers !== null
        ? `file tools run in ${runtime.name} workers with read/write on the workspace only (no net, env, run, ffi, sys)`
        : confined?.permissions === true
        ? "the confined file server runs with Deno permissions for the workspace only"
        : f.reason ?? runtime.workerIsolation.reason,
    },
    {
      layer: "file tools confined",
      active: confined !== null,
      detail: confined !== null
        ? confined.reason
        : fileServerCommand(runtime, "/") === null
        ? `${runtime.name} pins folders through /proc/self/fd instead (no confined file server)`
        : config.sandbox.mode === "none"
        ? 'OFF: the config says sandbox: "none"'
        : "OFF: bubblewrap cannot run here, so file tools use the worker layer (a process outside safe-exec " +
          "racing the workspace could redirect a write; see the README's threat model)",
    },
    {
      layer: "OS sandbox",
      active: bwrap !== null,
      detail: bwrap
        ? `process tools run under bubblewrap: ${bwrap.reason}; an allowlist of the host (system folders and part of ` +
          "/etc read-only, the workspace read-write, private /tmp and HOME, nothing else), own PID/IPC/UTS " +
          "namespaces, capabilities dropped"
        : none
        ? 'OFF: the config says sandbox: "none"; process tools run as the host user (own process group only)'
        : `OFF, process tools are refused: ${p.reason}`,
    },
    {
      layer: "seccomp filter",
      active: typeof bwrap?.seccomp === "string",
      detail: typeof bwrap?.seccomp === "string"
        ? bwrap.seccomp
        : none
        ? 'OFF: the config says sandbox: "none"'
        : "process tools are refused",
    },
    {
      layer: "network off",
      active: bwrap !== null && config.sandbox.network === false,
      detail: bwrap
        ? bwrap.network
        : none
        ? "no: unsandboxed processes use the host network"
        : "process tools are refused",
    },
    {
      layer: "env scrubbed",
      active: bwrap !== null || none,
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
      active: bwrap !== null,
      detail: limits
        ? `processes: ${limits.processes}; file size ${limits.fileSizeBytes} B, CPU ${limits.cpuSeconds} s, ` +
          `address space ${limits.addressSpaceBytes} B, ${limits.openFiles} open files, /tmp ${limits.tmpBytes} B; ` +
          `memory: ${limits.memory}; ` +
          "the whole tree is killed on timeout (PID namespace)"
        : none
        ? "no limits; a timeout kills the process group only"
        : "process tools are refused",
    },
    {
      layer: ".git protected",
      active: true,
      detail: bwrap
        ? "file tools never change git's files (any .git, the git dirs it leads to, hooksPath, includes, hook " +
          "managers' files, bare repositories) nor make a repository; process tools see every git dir (nested " +
          "ones too) through views whose config, hooks, info, modules and worktrees are read-only, with every " +
          "folder on the way pinned, and a repository a call makes outside .git is disabled after it"
        : "file tools never change git's files (any .git, the git dirs it leads to, hooksPath, includes); process " +
          "tools are not restricted there",
    },
  ];
  if (config.sandbox.mode === "bwrap" && bwrap === null) out[2]!.detail += ' (the config requires "bwrap")';
  return out;
}
