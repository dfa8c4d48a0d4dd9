/**
 * The bubblewrap sandbox (Linux) of the process tools. What the sandbox sees is an allowlist computed from host
 * facts (`_plan.ts`): the system folders and the allowlisted parts of /etc read-only, the workspace read-write,
 * private /tmp, /dev/shm and HOME, fresh /dev and /proc, the configured `sandbox.readable`/`sandbox.writable`
 * folders, and nothing else of the host. Git's files are shown through views whose configuration and hooks are
 * read-only (`_gitview.ts`). A seccomp filter (`_seccomp.ts`) refuses other socket families, setuid/setgid bits,
 * new namespaces, keyrings, bpf, perf_event_open, userfaultfd and io_uring. New user (nested ones blocked), PID,
 * IPC, UTS, cgroup and network namespaces, `--die-with-parent`, `--new-session`, all capabilities dropped, the
 * environment cleared (only `toolEnv`), and resource limits: a pids cgroup (RLIMIT_NPROC does not bind root) and
 * RLIMIT_FSIZE/CPU/AS/NOFILE set by a `/bin/sh` prelude before bwrap. The whole tree dies on timeout: killing bwrap
 * kills its PID-namespace init (`--die-with-parent`) and the kernel kills everything else in the namespace.
 *
 * Every call starts from a standby (`_standby.ts`): a prepared shell that already joined the cgroup, set the
 * rlimits and opened the filter, and waits for the call's bwrap options.
 *
 * What stays open is listed in the README's threat model (the kernel is shared; a nested repository the agent
 * creates in a subfolder; what a sandbox.writable folder exposes; per-process rlimits).
 *
 * @module
 */
import { existsSync, writeFileSync } from "node:fs";
import { isWithin } from "../../_util/paths.ts";
import type { ChildProcess, Runtime } from "../../runtime/types.ts";
import { ToolError } from "../../types.ts";
import { waitCgroupEmpty } from "./_cgroup.ts";
import type { LiveWalkBounds } from "./_gitlive.ts";
import type { GitCall } from "./_gitview.ts";
import { type HostState, SandboxHost, type UsableHost } from "./_host.ts";
import { planSandbox, type SandboxPlan } from "./_plan.ts";
import type { SeccompFilter } from "./_seccomp.ts";
import {
  DEFAULT_LIMITS,
  limitPrelude,
  type SandboxLimits,
  SECCOMP_FD,
  STANDBY_TRAMPOLINE,
  standbyPrelude,
} from "./_standby.ts";
import type { BwrapProbe } from "./probe.ts";
import { toolEnv } from "./run.ts";
import {
  type BwrapIsolation,
  installHint,
  type ProcessIsolation,
  type ProcessSandbox,
  type SpawnContext,
  unavailableIsolation,
} from "./sandbox.ts";

export { DEFAULT_LIMITS, type SandboxLimits } from "./_standby.ts";

/** Options of {@linkcode createBwrapSandbox}. */
export interface BwrapSandboxOptions {
  /** Keep the host network (default false: a fresh network namespace with only loopback). */
  network?: boolean;
  /** Folders (or files) shown read-only besides the system ones (`sandbox.readable`). */
  readable?: readonly string[];
  /** Folders (or files) shown read-write besides the workspace (`sandbox.writable`). */
  writable?: readonly string[];
  /** Allow named unix sockets (`sandbox.unixSockets: "workspace"`); default false: AF_UNIX only via socketpair. */
  unixSockets?: boolean;
  /** Resource limits (defaults: {@linkcode DEFAULT_LIMITS}). */
  limits?: Partial<SandboxLimits>;
  /** Use this probe result instead of probing (tests). */
  probe?: BwrapProbe;
  /** The architecture as Node names it (tests; default: this process's). */
  arch?: string;
  /**
   * The bounds of a repository walk of a long-lived process's folders while it lives (default 100,000 folders or
   * 2 s a walk, `_gitlive.ts`); past one, its {@linkcode PipedChild.stopReason} says it must be stopped.
   */
  liveWalk?: LiveWalkBounds;
}

/** What a sandbox shows for a workspace, for `doctor`. */
export interface SandboxView {
  /** Visible read-only. */
  readOnly: string[];
  /** Writable, and kept after the call. */
  readWrite: string[];
  /** Private to the call (gone with it). */
  private: string[];
  /** Left out, and why. */
  leftOut: string[];
  /** How git's files are shown. */
  git: string[];
  /** The seccomp filter, in words. */
  seccomp: string;
}

/** One call's bwrap options and what to do after it. */
export interface PreparedCall {
  /** bwrap's options (before `--`); the filter is expected on the descriptor chosen. */
  args: string[];
  /** The plan they came from. */
  plan: SandboxPlan;
  /** Copy git's data back once the call's processes are gone; notes for its stderr. */
  finish(): string[];
  /** While they run on: disable the repositories made since `since` (epoch ms); notes. */
  checkpoint(since: number): string[];
  /** While they run on: why they must be stopped now ({@linkcode GitCall.stopReason}), else null. */
  stopReason(): string | null;
}

/** A long-lived sandboxed process: a child with its stdin piped. */
export type PipedChild = ChildProcess & {
  readonly stdin: WritableStream<Uint8Array>;
  /**
   * After one of its calls, or between them: disable the repositories made since `since` (epoch ms) in what it is
   * shown; while it lives, any repository it was not shown through a view (`_gitlive.ts`); notes.
   */
  checkpoint(since: number): string[];
  /**
   * Why it must be stopped now, else null: a walk disabled a repository again where one was disabled during its
   * life (a loop that makes it again), or a walk of its folders went past the bounds (`liveWalk`). End it whole
   * (`killGroup(pid)`); its exit walk runs once its processes are gone.
   */
  stopReason(): string | null;
};

/** The bwrap sandbox, with its lazily probed state. */
export interface BwrapSandbox extends ProcessSandbox {
  /** The probe result (probing now if not done yet). */
  probe(): BwrapProbe;
  /** Start `argv` sandboxed from the prepared standby (see {@linkcode ProcessSandbox.spawn}). */
  spawn(runtime: Runtime, argv: string[], ctx: SpawnContext): ChildProcess;
  /**
   * Start `argv` sandboxed and long-lived, with stdin, stdout and stderr piped (an upstream MCP server, SPEC §8):
   * the same plan, filter, namespaces and limits as {@linkcode BwrapSandbox.spawn} but no CPU-time limit, and no
   * timeout or output cap (the caller reads it and ends it). Not from the standby (whose stdin carries the call's
   * options): its own prelude, in a new session. End it with `killGroup(pid)`: killing bwrap ends its PID namespace,
   * so every process inside goes with it.
   */
  spawnPiped(runtime: Runtime, argv: string[], ctx: SpawnContext): PipedChild;
  /** bwrap's options for one call with the filter on descriptor `fd` (benchmarks and tests); call `finish` after. */
  prepare(ctx: SpawnContext, fd?: number): PreparedCall;
  /** The bwrap binary and the compiled filter (benchmarks: a bare bwrap with the same filter). */
  filter(): { bwrap: string; bytes: Uint8Array };
  /** What the sandbox shows for a workspace (probing now if not done yet). */
  view(workspace: string): SandboxView;
  /** Kill the standby, remove the pids cgroup and the private folder (views, filter). */
  close(): void;
}

/**
 * The bubblewrap sandbox. Nothing is probed until the first `spawn`, `prepare`, `describe` or `probe` call; the result
 * is cached. When bwrap is missing or cannot build the namespaces, or there is no seccomp filter for this
 * architecture, every call is refused with `sandbox_unavailable` and the reason.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, realpathSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { createBwrapSandbox } from "./bwrap.ts";
 * const sb = createBwrapSandbox({ network: false });
 * if (sb.probe().available) {
 *   const ws = realpathSync(mkdtempSync(join(tmpdir(), "ws-")));
 *   const call = sb.prepare({ workspace: ws });
 *   assert.ok(call.args.includes("--unshare-net") && call.args.includes("--seccomp"));
 *   call.finish();
 *   rmSync(ws, { recursive: true });
 * }
 * sb.close();
 * ```
 */
export function createBwrapSandbox(options: BwrapSandboxOptions = {}): BwrapSandbox {
  const network = options.network ?? false;
  const limits: SandboxLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const host = new SandboxHost({
    network,
    limits,
    readable: [...(options.readable ?? [])],
    writable: [...(options.writable ?? [])],
    unixSockets: options.unixSockets === true,
    ...(options.probe ? { probe: options.probe } : {}),
    ...(options.arch ? { arch: options.arch } : {}),
  });
  const ensure = () => host.ready();
  const usable = (workspace?: string) => host.usable(workspace);
  // `longLived`: a process that outlives its first call (spawnPiped): git's views count it as a live writer.
  const prepare = (ctx: SpawnContext, fd: number = SECCOMP_FD, longLived = false): PreparedCall => {
    const r = usable(ctx.workspace);
    const facts = host.facts(ctx.workspace, r.state);
    const roots = [facts.workspace];
    for (const w of facts.writable) {
      if (w.real !== null && w.realKind === "dir" && !roots.some((x) => isWithin(w.real as string, x))) {
        roots.push(w.real);
      }
    }
    const shownRo = facts.readable.filter((f) => f.real !== null).map((f) => f.real as string);
    const git: GitCall = r.views.prepare(roots, shownRo, {
      longLived,
      ...(options.liveWalk ? { liveWalk: options.liveWalk } : {}),
    });
    let plan: SandboxPlan;
    try {
      plan = planSandbox(facts, {
        network,
        userns: r.probe.userns,
        tmpBytes: limits.tmpBytes,
        env: ctx.env ?? toolEnv("/"),
        seccompFd: fd,
        etc: host.etc,
        git: git.mounts,
        devices: "dir" in r.devices ? r.devices.dir : null,
        ...(ctx.binds ? { binds: ctx.binds } : {}),
        ...(ctx.chdir ? { chdir: ctx.chdir } : {}),
      });
    } catch (e) {
      git.finish();
      throw e;
    }
    return {
      args: plan.args,
      plan,
      finish: () => git.finish(),
      checkpoint: (since) => git.checkpoint(since),
      stopReason: () => git.stopReason(),
    };
  };
  // One standby at a time: a /bin/sh that already joined the cgroup, set the rlimits and opened the filter, waiting
  // on its stdin for a call's bwrap options. Used by the next call, then replaced once that call's process exited.
  let standby: { child: ChildProcess; runtime: Runtime; dead: boolean } | null = null;
  const startStandby = (runtime: Runtime, r: UsableHost) => {
    if (!existsSync(r.state.filter)) writeFileSync(r.state.filter, (r.filter as SeccompFilter).bytes, { mode: 0o400 });
    const child = runtime.spawn({
      argv: [
        r.probe.bash ?? "/bin/bash",
        // --norc: with a socket as stdin (Bun's pipes) bash would take itself for rshd's child and read ~/.bashrc
        "--norc",
        "--noprofile",
        "-c",
        standbyPrelude(limits, !r.cgroup && !r.isRoot, r.memory),
        "safe-exec-sandbox",
        // cgroup v2: the call joins its memory cgroup inside the pids one (a process is in one cgroup only)
        r.memory?.version === 2 ? "-" : r.cgroup?.procs ?? "-",
        r.state.filter,
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
  // Once every process of the call is gone, git's data is copied back; what went wrong is said on stderr. bwrap
  // exits after its PID namespace emptied, unless it was killed (a timeout, a cancel): then the kernel is still
  // killing the call's processes, so wait for the cgroup to empty first.
  // `procs`: the cgroup that holds the call's processes only, or null for none.
  const afterExit = (child: ChildProcess, prepared: PreparedCall, procs: string | null) => {
    let notes: string[] = [];
    const exited = child.exited.then((status) => {
      if (status.signal !== null && procs !== null) waitCgroupEmpty(procs, 2000);
      try {
        notes = prepared.finish();
      } catch (e) {
        notes = [`safe-exec: git data of this call not copied back: ${(e as Error).message}`];
      }
      return status;
    });
    const stderr = child.stderr.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        async flush(controller) {
          await exited;
          if (notes.length > 0) controller.enqueue(encoder.encode(notes.join("\n") + "\n"));
        },
      }),
    );
    return { exited, stderr };
  };
  const processLimit = (r: HostState): string => {
    if (r.cgroup) return `at most ${limits.pids} processes (pids cgroup ${r.cgroup.dir})`;
    if (!r.isRoot) return `at most ${limits.pids} processes of this user (RLIMIT_NPROC; ${r.cgroupError})`;
    return `NOT limited: ${r.cgroupError}, and RLIMIT_NPROC does not bind root`;
  };
  const memoryBytes = limits.memoryBytes ?? (DEFAULT_LIMITS.memoryBytes as number);
  const memoryLimit = (r: HostState): string =>
    r.memory
      ? `at most ${memoryBytes} B per call, all its processes together (memory cgroup v${r.memory.version} ${r.memory.dir})`
      : `NOT limited per call: ${r.memoryError}; only the address space per process is`;
  return {
    killsOwnTree: true,
    privateHome: true,
    probe: () => ensure().probe,
    prepare,
    filter() {
      const r = usable();
      return { bwrap: r.probe.path as string, bytes: (r.filter as SeccompFilter).bytes };
    },
    view(workspace: string): SandboxView {
      const call = prepare({ workspace });
      const r = usable(workspace);
      call.finish();
      return {
        readOnly: call.plan.readOnly,
        readWrite: call.plan.readWrite,
        private: call.plan.private,
        leftOut: call.plan.leftOut,
        git: [],
        seccomp: (r.filter as SeccompFilter).summary,
      };
    },
    spawn(runtime: Runtime, argv: string[], ctx: SpawnContext): ChildProcess {
      const prepared = prepare(ctx);
      const r = usable(ctx.workspace);
      const call = [...prepared.args, "--setenv", "SE_ARGC", String(argv.length)];
      argv.forEach((a, i) => call.push("--setenv", `SE_ARG${i}`, a));
      if (call.some((a) => a.includes("\0"))) {
        prepared.finish();
        throw new ToolError("invalid_args", "A command argument contains a NUL byte, which no process can receive");
      }
      const s = standby && !standby.dead && standby.runtime === runtime ? standby : startStandby(runtime, r);
      standby = null;
      const writer = s.child.stdin!.getWriter();
      writer.write(encoder.encode(call.join("\0") + "\0")).then(() => writer.close()).catch(() => {
        // the standby died: its exit is the call's result
      });
      // The pids cgroup holds this call only (the standby that replaces it starts after it exited).
      const procs = r.memory?.version === 2 ? `${r.memory.dir}/c${s.child.pid}/cgroup.procs` : r.cgroup?.procs ?? null;
      const { exited, stderr } = afterExit(s.child, prepared, procs);
      exited.then(() => {
        if (host.closed || standby !== null) return;
        try {
          standby = startStandby(runtime, usable(ctx.workspace));
        } catch {
          // no standby now: the next call starts its own
        }
      });
      return { pid: s.child.pid, stdout: s.child.stdout, stderr, exited };
    },
    spawnPiped(runtime: Runtime, argv: string[], ctx: SpawnContext): PipedChild {
      const r = usable(ctx.workspace);
      const own = (ctx.binds ?? []).find((b) => isWithin(r.state.dir, b.src) || isWithin(b.src, r.state.dir));
      if (own !== undefined) {
        throw new ToolError(
          "sandbox_unavailable",
          `No OS sandbox for this program: it would be shown ${own.src}, which holds or is inside safe-exec's own ` +
            `folder ${r.state.dir}`,
        );
      }
      const prepared = prepare(ctx, SECCOMP_FD, true);
      const call = [...prepared.args, "--", ...argv];
      if (call.some((a) => a.includes("\0"))) {
        prepared.finish();
        throw new ToolError("invalid_args", "A command argument contains a NUL byte, which no process can receive");
      }
      if (!existsSync(r.state.filter)) writeFileSync(r.state.filter, r.filter.bytes, { mode: 0o400 });
      let child: ChildProcess;
      try {
        child = runtime.spawn({
          argv: [
            r.probe.bash ?? "/bin/bash",
            "--norc",
            "--noprofile",
            "-c",
            limitPrelude({ ...limits, cpuSeconds: Infinity }, !r.cgroup && !r.isRoot, r.memory),
            "safe-exec-sandbox",
            r.memory?.version === 2 ? "-" : r.cgroup?.procs ?? "-",
            r.state.filter,
            r.probe.path as string,
            ...call,
          ],
          cwd: "/",
          env: {},
          stdin: "pipe",
          newSession: true,
        });
      } catch (e) {
        prepared.finish();
        throw e;
      }
      const stdin = child.stdin;
      if (stdin === undefined) {
        runtime.killGroup(child.pid, "SIGKILL");
        throw new Error("the runtime gave the sandboxed process no stdin pipe");
      }
      // Long-lived processes share the pids cgroup: wait on the call's own memory cgroup (or not at all without one).
      const procs = r.memory ? `${r.memory.dir}/c${child.pid}/cgroup.procs` : null;
      const { exited, stderr } = afterExit(child, prepared, procs);
      const write = child.writeStdin;
      return {
        pid: child.pid,
        stdin,
        ...(write ? { writeStdin: write } : {}),
        stdout: child.stdout,
        stderr,
        exited,
        checkpoint: (since: number) => prepared.checkpoint(since),
        stopReason: () => prepared.stopReason(),
      };
    },
    describe(): ProcessIsolation {
      const r = ensure();
      if (!r.probe.available) return unavailableIsolation(installHint(r.probe.reason));
      if (r.refused) return unavailableIsolation(`No OS sandbox for process tools: ${r.refused}`);
      const layers = ["bwrap", "fs-allowlist", "private-tmp", "private-home", "pid-ns", "ipc-ns", "caps-dropped"];
      layers.push("seccomp", "env-scrubbed", "die-with-parent", "rlimits", "git-protected");
      if (!network) layers.push("network-off");
      if (r.cgroup || !r.isRoot) layers.push("pids-limit");
      if (r.memory) layers.push("memory-limit");
      if (r.probe.userns) layers.push("user-ns");
      const described: BwrapIsolation = {
        layers,
        sandbox: "bwrap",
        reason: r.probe.reason,
        network: network ? "host network (sandbox.network: true)" : "off (own network namespace, loopback only)",
        envScrubbed: true,
        seccomp: r.filter?.summary ?? null,
        limits: {
          processes: processLimit(r),
          fileSizeBytes: limits.fileSizeBytes,
          cpuSeconds: limits.cpuSeconds,
          addressSpaceBytes: limits.addressSpaceBytes,
          openFiles: limits.openFiles,
          tmpBytes: limits.tmpBytes,
          memory: memoryLimit(r),
          memoryBytes: r.memory ? memoryBytes : null,
        },
        gitProtected: "git dirs (nested ones too) shown through views: data writable, configuration, hooks, " +
          "info, modules and worktrees read-only, the folders on the way pinned; the sandbox's own additions never " +
          "reach the host; a repository a call makes outside .git is disabled after it",
      };
      return described;
    },
    close() {
      if (host.closed) return;
      if (standby) standby.runtime.kill(standby.child.pid, "SIGKILL");
      standby = null;
      host.close();
    },
  };
}
