/**
 * How process tools are isolated from the host.
 *
 * - {@linkcode createBwrapSandbox}: bubblewrap (Linux). The host file system read-only, secrets masked, the
 *   workspace the only writable place, a private size-capped /tmp, fresh /dev and /proc, new user (nested user
 *   namespaces blocked), PID, IPC, UTS, cgroup and network namespaces, `--die-with-parent`, `--new-session`, all
 *   capabilities dropped, the environment cleared (the process tools pass only the allowlisted `toolEnv`), `.git`
 *   pinned with `.git/hooks` and `.git/config` read-only, and resource limits: a pids cgroup (RLIMIT_NPROC does not
 *   bind root) and RLIMIT_FSIZE/CPU/AS/NOFILE set by a `/bin/sh` prelude before bwrap. The whole tree dies on
 *   timeout: killing bwrap's process group kills bwrap, its PID-namespace init dies with it (`--die-with-parent`)
 *   and the kernel kills everything else in the namespace.
 * - {@linkcode noSandbox}: no OS sandbox (own process group, scrubbed environment, cwd the workspace), used only when
 *   the config says `sandbox: "none"` explicitly.
 * - {@linkcode unavailableSandbox}: refuses every call with `sandbox_unavailable` and says how to install bubblewrap.
 * - {@linkcode macosSandboxProfile}: a `sandbox-exec` profile with the same intent, for macOS. Written, NOT tested
 *   here (no macOS machine); not wired into {@linkcode createIsolation} yet.
 *
 * Residual risks of the bwrap sandbox:
 * - The host file system is readable (read-only) except the masked folders and hidden files: project sources and
 *   other data outside the workspace can be read (not written). Masking is a deny list, not an allow list.
 * - Without a `.git` folder in the workspace nothing is pinned: a command may `git init` and write hooks that run
 *   when a person later runs git in the workspace on the host. Other "runs later" files (Makefile, .envrc,
 *   .vscode/) are not protected.
 * - RLIMIT_AS and RLIMIT_CPU are per process (256 processes × 4 GiB is still a lot); RLIMIT_FSIZE is per file, not
 *   a disk quota. Without a writable pids cgroup (non-root without delegation) a non-root user gets RLIMIT_NPROC,
 *   which counts all of that user's processes; root gets no process limit at all (doctor says so).
 * - The kernel is shared: a kernel exploit escapes any namespace sandbox.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import process from "node:process";
import { ToolError } from "../types.ts";
import { toolEnv } from "./process.ts";
import type { ChildProcess, Runtime } from "../runtime/types.ts";
import {
  bwrapArgs,
  DEFAULT_LIMITS,
  gitProtection,
  limitPrelude,
  type SandboxLimits,
  STANDBY_TRAMPOLINE,
  standbyPrelude,
} from "./_bwrap.ts";
import { type PidsCgroup, setupPidsCgroup } from "./_cgroup.ts";

export { DEFAULT_LIMITS, type SandboxLimits } from "./_bwrap.ts";

/** Context for wrapping one command. */
export interface WrapContext {
  /** The workspace root (a real path). */
  workspace: string;
  /** The environment inside the sandbox (default: {@linkcode toolEnv} of the workspace). */
  env?: Record<string, string>;
}

/** Turns a command into the command that runs it inside the sandbox. */
export interface ProcessSandbox {
  /** The argv that runs `argv` sandboxed; throws ToolError("sandbox_unavailable") when it cannot. */
  wrap(argv: string[], ctx: WrapContext): string[] | Promise<string[]>;
  /** The isolation layers a call runs under. */
  describe(): Record<string, unknown>;
  /** Release what the sandbox holds (its cgroup). */
  close?(): void;
  /** Wrapped commands take their whole tree down when they die (a PID namespace), so no process group is needed. */
  readonly killsOwnTree?: boolean;
  /**
   * Start `argv` sandboxed (faster than spawning `wrap(argv)`, e.g. from a prepared standby); its stdin is
   * /dev/null. Throws ToolError("sandbox_unavailable") when it cannot.
   */
  spawn?(runtime: Runtime, argv: string[], ctx: WrapContext): ChildProcess;
}

/** A sandbox whose `wrap` answers at once. */
export interface SyncSandbox extends ProcessSandbox {
  /** The argv that runs `argv` sandboxed; throws ToolError("sandbox_unavailable") when it cannot. */
  wrap(argv: string[], ctx: WrapContext): string[];
}

/**
 * No OS sandbox: the process runs as the host user, in its own process group, with the allowlisted environment.
 *
 * @example
 * ```ts
 * import { noSandbox } from "./sandbox.ts";
 * console.assert(noSandbox.wrap(["bash", "-c", "ls"], { workspace: "/ws" }).length === 3);
 * ```
 */
export const noSandbox: SyncSandbox = {
  wrap: (argv) => argv,
  describe: () => ({
    layers: ["process-group", "env-scrubbed"],
    sandbox: "none",
    reason: 'the config says sandbox: "none": process tools run unsandboxed as the host user',
    network: true,
    envScrubbed: true,
    limits: null,
    gitProtected: false,
  }),
};

/** The message of `sandbox_unavailable`: what is missing and how to fix it. */
export function installHint(reason: string): string {
  return `No OS sandbox for process tools: ${reason}. Install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; ` +
    `Fedora: dnf install bubblewrap) or, to run process tools unsandboxed, set "sandbox": {"mode": "none"} in the config`;
}

/**
 * A sandbox that refuses every call with `sandbox_unavailable`.
 *
 * @example
 * ```ts
 * import { unavailableSandbox } from "./sandbox.ts";
 * try {
 *   unavailableSandbox("not Linux").wrap(["true"], { workspace: "/ws" });
 *   throw new Error("unreachable");
 * } catch (e) {
 *   console.assert((e as { code?: string }).code === "sandbox_unavailable");
 * }
 * ```
 */
export function unavailableSandbox(reason: string): SyncSandbox {
  return {
    wrap(): never {
      throw new ToolError("sandbox_unavailable", installHint(reason));
    },
    describe: () => ({ layers: [], sandbox: "unavailable", reason: installHint(reason), refused: true }),
  };
}

/** What the bwrap probe found. */
export interface BwrapProbe {
  /** bwrap runs a command with the sandbox's namespaces here. */
  available: boolean;
  /** The bwrap binary, when found. */
  path: string | null;
  /** Its version line. */
  version: string | null;
  /** A user namespace works too (used to block nested user namespaces). */
  userns: boolean;
  /** Why (not). */
  reason: string;
}

let cachedProbe: BwrapProbe | undefined;

function findBwrap(): string | null {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/bin", "/usr/local/bin", "/bin"];
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, "bwrap");
    try {
      const st = statSync(p);
      if (st.isFile() && (st.mode & 0o111) !== 0) return p;
    } catch {
      // not here
    }
  }
  return null;
}

function tryRun(bwrap: string, args: string[]): { ok: boolean; detail: string } {
  const r = spawnSync(bwrap, args, { encoding: "utf8", timeout: 10_000, env: { PATH: "/usr/bin:/bin" } });
  if (r.error) return { ok: false, detail: r.error.message };
  return { ok: r.status === 0, detail: (r.stderr || r.stdout || `exit ${r.status}`).trim().split("\n")[0] ?? "" };
}

/**
 * Find bubblewrap and check that it can build the sandbox here (once per process; `fresh` probes again).
 *
 * @example
 * ```ts
 * import { probeBwrap } from "./sandbox.ts";
 * const p = probeBwrap();
 * console.assert(typeof p.available === "boolean" && p.reason.length > 0);
 * ```
 */
export function probeBwrap(options: { fresh?: boolean } = {}): BwrapProbe {
  if (cachedProbe && !options.fresh) return cachedProbe;
  cachedProbe = doProbe();
  return cachedProbe;
}

function doProbe(): BwrapProbe {
  if (process.platform !== "linux") {
    return {
      available: false,
      path: null,
      version: null,
      userns: false,
      reason: `bubblewrap needs Linux, this is ${process.platform}`,
    };
  }
  const path = findBwrap();
  if (!path) {
    return { available: false, path: null, version: null, userns: false, reason: "bwrap was not found in PATH" };
  }
  const v = tryRun(path, ["--version"]);
  const version = v.ok ? v.detail : null;
  const base = [
    "--ro-bind",
    "/",
    "/",
    "--dev",
    "/dev",
    "--proc",
    "/proc",
    "--tmpfs",
    "/tmp",
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-net",
    "--unshare-uts",
    "--unshare-cgroup-try",
    "--die-with-parent",
    "--new-session",
    "--cap-drop",
    "ALL",
    "--clearenv",
  ];
  const withUser = tryRun(path, [...base, "--unshare-user", "--disable-userns", "--", "/bin/true"]);
  if (withUser.ok) return { available: true, path, version, userns: true, reason: `${version ?? "bwrap"} works` };
  const plain = tryRun(path, [...base, "--", "/bin/true"]);
  if (plain.ok) {
    return {
      available: true,
      path,
      version,
      userns: false,
      reason: `${version ?? "bwrap"} works (without a user namespace: ${withUser.detail})`,
    };
  }
  return {
    available: false,
    path,
    version,
    userns: false,
    reason: `bwrap at ${path} cannot create the sandbox's namespaces: ${plain.detail}`,
  };
}

/** Options of {@linkcode createBwrapSandbox}. */
export interface BwrapSandboxOptions {
  /** Keep the host network (default false: a fresh network namespace with only loopback). */
  network?: boolean;
  /** Resource limits (defaults: {@linkcode DEFAULT_LIMITS}). */
  limits?: Partial<SandboxLimits>;
  /** Use this probe result instead of probing (tests). */
  probe?: BwrapProbe;
}

/** The bwrap sandbox, with its lazily probed state. */
export interface BwrapSandbox extends SyncSandbox {
  /** The argv that runs `argv` sandboxed. */
  wrap(argv: string[], ctx: WrapContext): string[];
  /** The probe result (probing now if not done yet). */
  probe(): BwrapProbe;
  /** Start `argv` sandboxed from the prepared standby (see {@linkcode ProcessSandbox.spawn}). */
  spawn(runtime: Runtime, argv: string[], ctx: WrapContext): ChildProcess;
  /** The bwrap part alone (no limits prelude), for benchmarks and tests. */
  bwrapArgv(argv: string[], ctx: WrapContext): string[];
  /** Remove the pids cgroup. */
  close(): void;
}

interface Ready {
  probe: BwrapProbe;
  cgroup: PidsCgroup | null;
  cgroupError: string | null;
  isRoot: boolean;
}

/**
 * The bubblewrap sandbox. Nothing is probed until the first `wrap`, `describe` or `probe` call; the result is
 * cached. When bwrap is missing or cannot build the namespaces, `wrap` throws `sandbox_unavailable` with the
 * install hint.
 *
 * @example
 * ```ts
 * import { createBwrapSandbox } from "./sandbox.ts";
 * const sb = createBwrapSandbox({ network: false });
 * if (sb.probe().available) {
 *   const argv = sb.wrap(["bash", "-c", "echo hi"], { workspace: "/tmp" });
 *   console.assert(argv[0] === "/bin/sh" && argv.includes("--unshare-net"));
 * }
 * sb.close();
 * ```
 */
export function createBwrapSandbox(options: BwrapSandboxOptions = {}): BwrapSandbox {
  const network = options.network ?? false;
  const limits: SandboxLimits = { ...DEFAULT_LIMITS, ...options.limits };
  let ready: Ready | undefined;
  let closed = false;
  const ensure = (): Ready => {
    if (ready) return ready;
    const probe = options.probe ?? probeBwrap();
    let cgroup: PidsCgroup | null = null;
    let cgroupError: string | null = "not set up (no sandbox)";
    let uid = -1;
    if (probe.available && !closed) {
      const setup = setupPidsCgroup(limits.pids);
      uid = setup.uid;
      if ("dir" in setup.cgroup) {
        cgroup = setup.cgroup;
        cgroupError = null;
      } else {
        cgroupError = setup.cgroup.error;
      }
    }
    ready = { probe, cgroup, cgroupError, isRoot: uid === 0 };
    return ready;
  };
  const bwrapArgv = (argv: string[], ctx: WrapContext): string[] => {
    const r = ensure();
    if (!r.probe.available || !r.probe.path) throw new ToolError("sandbox_unavailable", installHint(r.probe.reason));
    const args = bwrapArgs({
      workspace: ctx.workspace,
      network,
      userns: r.probe.userns,
      tmpBytes: limits.tmpBytes,
      env: ctx.env ?? toolEnv(ctx.workspace),
    });
    return [r.probe.path, ...args, "--", ...argv];
  };
  // One standby at a time: a /bin/sh that already joined the cgroup and set the rlimits, waiting on its stdin for
  // a call's bwrap options. Used by the next call, then replaced once that call's process has exited.
  let standby: { child: ChildProcess; runtime: Runtime; dead: boolean } | null = null;
  const startStandby = (runtime: Runtime, r: Ready) => {
    const child = runtime.spawn({
      argv: [
        "/bin/sh",
        "-c",
        standbyPrelude(limits, !r.cgroup && !r.isRoot),
        "safe-exec-sandbox",
        r.cgroup?.procs ?? "-",
        r.probe.path as string,
        STANDBY_TRAMPOLINE,
      ],
      cwd: "/",
      env: {},
      stdin: "pipe",
      newSession: false,
    });
    const s = { child, runtime, dead: false };
    child.exited.then(() => (s.dead = true));
    return s;
  };
  const encoder = new TextEncoder();
  const processLimit = (r: Ready): string => {
    if (r.cgroup) return `at most ${limits.pids} processes (pids cgroup ${r.cgroup.dir})`;
    if (!r.isRoot) return `at most ${limits.pids} processes of this user (RLIMIT_NPROC; ${r.cgroupError})`;
    return `NOT limited: ${r.cgroupError}, and RLIMIT_NPROC does not bind root`;
  };
  return {
    killsOwnTree: true,
    probe: () => ensure().probe,
    bwrapArgv,
    spawn(runtime: Runtime, argv: string[], ctx: WrapContext): ChildProcess {
      const r = ensure();
      if (!r.probe.available || !r.probe.path) throw new ToolError("sandbox_unavailable", installHint(r.probe.reason));
      const options = bwrapArgs({
        workspace: ctx.workspace,
        network,
        userns: r.probe.userns,
        tmpBytes: limits.tmpBytes,
        env: ctx.env ?? toolEnv(ctx.workspace),
      });
      const call = [...options, "--setenv", "SE_ARGC", String(argv.length)];
      argv.forEach((a, i) => call.push("--setenv", `SE_ARG${i}`, a));
      if (call.some((a) => a.includes("\0"))) {
        throw new ToolError("invalid_args", "A command argument contains a NUL byte, which no process can receive");
      }
      const s = standby && !standby.dead && standby.runtime === runtime ? standby : startStandby(runtime, r);
      standby = null;
      const writer = s.child.stdin!.getWriter();
      writer.write(encoder.encode(call.join("\0") + "\0")).then(() => writer.close()).catch(() => {
        // the standby died: its exit is the call's result
      });
      s.child.exited.then(() => {
        if (closed || standby !== null) return;
        try {
          standby = startStandby(runtime, ensure());
        } catch {
          // no standby now: the next call starts its own
        }
      });
      return s.child;
    },
    wrap(argv, ctx) {
      const inner = bwrapArgv(argv, ctx);
      const r = ensure();
      const nproc = !r.cgroup && !r.isRoot;
      return ["/bin/sh", "-c", limitPrelude(limits, nproc), "safe-exec-sandbox", r.cgroup?.procs ?? "-", ...inner];
    },
    describe() {
      const r = ensure();
      if (!r.probe.available) {
        return { layers: [], sandbox: "unavailable", reason: installHint(r.probe.reason), refused: true };
      }
      const layers = ["bwrap", "fs-read-only", "secrets-masked", "private-tmp", "pid-ns", "ipc-ns", "caps-dropped"];
      layers.push("env-scrubbed", "die-with-parent", "rlimits", "git-protected");
      if (!network) layers.push("network-off");
      if (r.cgroup || !r.isRoot) layers.push("pids-limit");
      if (r.probe.userns) layers.push("user-ns");
      return {
        layers,
        sandbox: "bwrap",
        reason: r.probe.reason,
        network: network ? "host network (sandbox.network: true)" : "off (own network namespace, loopback only)",
        envScrubbed: true,
        limits: {
          processes: processLimit(r),
          fileSizeBytes: limits.fileSizeBytes,
          cpuSeconds: limits.cpuSeconds,
          addressSpaceBytes: limits.addressSpaceBytes,
          openFiles: limits.openFiles,
          tmpBytes: limits.tmpBytes,
        },
        gitProtected: ".git pinned, .git/hooks and .git/config read-only (when .git exists)",
      };
    },
    close() {
      closed = true;
      if (standby) standby.runtime.kill(standby.child.pid, "SIGKILL");
      standby = null;
      ready?.cgroup?.remove();
    },
  };
}

/**
 * Which `.git` paths the bwrap sandbox protects in a workspace right now.
 *
 * @example
 * ```ts
 * import { gitProtectedPaths } from "./sandbox.ts";
 * console.assert(Array.isArray(gitProtectedPaths("/nonexistent")));
 * ```
 */
export function gitProtectedPaths(workspace: string): string[] {
  return gitProtection(workspace).protected;
}

/** Options of {@linkcode macosSandboxProfile}. */
export interface MacosProfileOptions {
  /** The workspace (a real path). */
  workspace: string;
  /** Allow network access. */
  network: boolean;
}

function sbString(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/**
 * A macOS `sandbox-exec` (Seatbelt) profile with the intent of the bwrap sandbox: read everything except the
 * user's secrets, write only the workspace (minus `.git/hooks` and `.git/config`) and the temp folders, no network
 * unless allowed. Run it as `sandbox-exec -p PROFILE bash -c CMD`.
 *
 * NOT TESTED: there is no macOS machine here; `sandbox-exec` is deprecated by Apple but still used by Codex and
 * Anthropic's sandbox-runtime. No resource limits (use `ulimit` in a prelude) and no PID namespace (the process
 * group kill is all there is).
 *
 * @example
 * ```ts
 * import { macosSandboxProfile } from "./sandbox.ts";
 * const p = macosSandboxProfile({ workspace: "/Users/me/ws", network: false });
 * console.assert(p.includes('(subpath "/Users/me/ws")') && !p.includes("(allow network"));
 * ```
 */
export function macosSandboxProfile(options: MacosProfileOptions): string {
  const ws = options.workspace;
  const lines = [
    "(version 1)",
    "(deny default)",
    "(allow process-exec)",
    "(allow process-fork)",
    "(allow signal (target same-sandbox))",
    "(allow sysctl-read)",
    "(allow mach-lookup)",
    "(allow ipc-posix-shm)",
    "(allow file-read*)",
    '(deny file-read* (subpath "/Users") (subpath "/private/var/root") (literal "/etc/master.passwd"))',
    `(allow file-read* (subpath ${sbString(ws)}))`,
    `(allow file-write* (subpath ${sbString(ws)}) (subpath "/private/tmp") (subpath "/private/var/folders")`,
    '  (literal "/dev/null") (literal "/dev/zero") (literal "/dev/tty"))',
    `(deny file-write* (subpath ${sbString(join(ws, ".git", "hooks"))}) (literal ${
      sbString(join(ws, ".git", "config"))
    }) (literal ${sbString(join(ws, ".git"))}))`,
  ];
  if (options.network) lines.push("(allow network*)");
  return lines.join("\n") + "\n";
}

/** Whether this machine looks like macOS with `sandbox-exec`. */
export function hasSandboxExec(): boolean {
  return process.platform === "darwin" && existsSync("/usr/bin/sandbox-exec");
}
