/**
 * How process tools are isolated from the host: the one interface of the sandboxes ({@linkcode ProcessSandbox},
 * whose `spawn` is the only way a process tool's command starts), the typed description each gives of itself, and
 * {@linkcode noSandbox}, used only when the config says `sandbox: "none"` explicitly. The bubblewrap sandbox is in
 * `bwrap.ts`, its probe in `probe.ts`.
 *
 * @module
 */
import type { ChildProcess, Runtime } from "../../runtime/types.ts";
import { toolEnv } from "./run.ts";

/** Process isolation (SPEC §6, §7): the config's `sandbox` section. */
export interface SandboxOptions {
  /** `auto` uses bwrap when it works, `bwrap` requires it, `none` runs processes unisolated. */
  mode: "auto" | "bwrap" | "none";
  /** Give process tools network access. */
  network: boolean;
  /** More folders or files the sandbox may read (absolute paths; never the witness log, the config or their folders). */
  readable?: string[];
  /** More folders or files the sandbox may read and write (same rules). */
  writable?: string[];
  /** `"workspace"` allows named unix sockets (AF_UNIX); default `"none"`: only socketpair. */
  unixSockets?: "none" | "workspace";
}

/** Context for starting one command. */
export interface SpawnContext {
  /** The workspace root (a real path): the command's working directory. */
  workspace: string;
  /** The environment inside the sandbox (default: {@linkcode toolEnv}); the bwrap sandbox sets HOME itself. */
  env?: Record<string, string>;
  /** The working directory inside (default: the workspace); the bwrap sandbox must show it (`binds`). */
  chdir?: string;
  /**
   * More read-only binds from a real host path to a path inside (a sandboxed upstream server's program and packages,
   * planned by `_program.ts`; the bwrap sandbox's long-lived mode only).
   */
  binds?: readonly { src: string; dest: string }[];
}

/** Starts commands isolated from the host. */
export interface ProcessSandbox {
  /**
   * Start `argv` sandboxed, in the workspace; its stdin is /dev/null. Throws ToolError("sandbox_unavailable") when it
   * cannot.
   */
  spawn(runtime: Runtime, argv: string[], ctx: SpawnContext): ChildProcess;
  /** The isolation layers a call runs under. */
  describe(): ProcessIsolation;
  /** Release what the sandbox holds (its standby, its cgroup). */
  close?(): void;
  /** Its commands take their whole tree down when they die (a PID namespace), so no process group is needed. */
  readonly killsOwnTree?: boolean;
  /** Each call gets a private, empty HOME from the sandbox itself (else the caller makes one per call). */
  readonly privateHome?: boolean;
}

/** How process tools are isolated: not at all (by the config's choice), refused, or under bubblewrap. */
export type ProcessIsolation = NoSandboxIsolation | UnavailableIsolation | BwrapIsolation;

/** `sandbox: "none"`: processes run as the host user. */
export interface NoSandboxIsolation {
  /** `["process-group", "env-scrubbed"]`. */
  layers: string[];
  /** No OS sandbox. */
  sandbox: "none";
  /** Why (the config says so). */
  reason: string;
  /** They reach the host network. */
  network: true;
  /** Only the allowlisted environment. */
  envScrubbed: true;
  /** No resource limits. */
  limits: null;
  /** Git's files are not protected from processes. */
  gitProtected: false;
}

/** Every process call is refused with `sandbox_unavailable`. */
export interface UnavailableIsolation {
  /** None. */
  layers: string[];
  /** Refused. */
  sandbox: "unavailable";
  /** What is missing and how to fix it. */
  reason: string;
  /** Always. */
  refused: true;
}

/** The resource limits of the bwrap sandbox, in words and numbers. */
export interface BwrapLimits {
  /** How the number of processes is capped (a pids cgroup, RLIMIT_NPROC, or not at all). */
  processes: string;
  /** RLIMIT_FSIZE. */
  fileSizeBytes: number;
  /** RLIMIT_CPU. */
  cpuSeconds: number;
  /** RLIMIT_AS. */
  addressSpaceBytes: number;
  /** RLIMIT_NOFILE. */
  openFiles: number;
  /** The size of the private /tmp. */
  tmpBytes: number;
  /** How one call's memory is capped (a memory cgroup per call), or "NOT limited…" and why. */
  memory: string;
  /** The per-call memory limit in bytes, or null when there is none. */
  memoryBytes: number | null;
}

/** Processes under bubblewrap. */
export interface BwrapIsolation {
  /** `["bwrap", "fs-allowlist", …]`. */
  layers: string[];
  /** bubblewrap. */
  sandbox: "bwrap";
  /** The probe's result (bwrap's version). */
  reason: string;
  /** The network, in words. */
  network: string;
  /** Only the allowlisted environment. */
  envScrubbed: true;
  /** The seccomp filter, in words. */
  seccomp: string | null;
  /** The resource limits. */
  limits: BwrapLimits;
  /** How git's files are shown, in words. */
  gitProtected: string;
}

/**
 * No OS sandbox: the process runs as the host user, in its own process group, with the allowlisted environment.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { noSandbox } from "./sandbox.ts";
 * assert.equal(noSandbox.describe().sandbox, "none");
 * assert.equal(noSandbox.killsOwnTree, false);
 * ```
 */
export const noSandbox: ProcessSandbox = {
  spawn: (runtime, argv, ctx) => runtime.spawn({ argv, cwd: ctx.workspace, env: ctx.env ?? toolEnv("/") }),
  killsOwnTree: false,
  describe: (): NoSandboxIsolation => ({
    layers: ["process-group", "env-scrubbed"],
    sandbox: "none",
    reason: 'the config says sandbox: "none": process tools run unsandboxed as the host user',
    network: true,
    envScrubbed: true,
    limits: null,
    gitProtected: false,
  }),
};

/**
 * The message of `sandbox_unavailable`: what is missing and how to fix it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { installHint } from "./sandbox.ts";
 * assert.match(installHint("bwrap was not found in PATH"), /apt-get install bubblewrap/);
 * ```
 */
export function installHint(reason: string): string {
  return `No OS sandbox for process tools: ${reason}. Install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; ` +
    `Fedora: dnf install bubblewrap) or, to run process tools unsandboxed, set "sandbox": {"mode": "none"} in the config`;
}

/** The description of a sandbox that refuses every call, saying why. */
export function unavailableIsolation(reason: string): UnavailableIsolation {
  return { layers: [], sandbox: "unavailable", reason, refused: true };
}
