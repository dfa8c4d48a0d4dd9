/**
 * How process tools are isolated from the host.
 *
 * - {@linkcode createBwrapSandbox}: bubblewrap (Linux). What the sandbox sees is an allowlist computed from host
 *   facts (`_plan.ts`): the system folders and the allowlisted parts of /etc read-only, the workspace read-write,
 *   private /tmp, /dev/shm and HOME, fresh /dev and /proc, the configured `sandbox.readable`/`sandbox.writable`
 *   folders, and nothing else of the host. Git's files are shown through views whose configuration and hooks are
 *   read-only (`_gitview.ts`). A seccomp filter (`_seccomp.ts`) refuses other socket families, setuid/setgid bits,
 *   new namespaces, keyrings, bpf, perf_event_open, userfaultfd and io_uring. New user (nested ones blocked), PID,
 *   IPC, UTS, cgroup and network namespaces, `--die-with-parent`, `--new-session`, all capabilities dropped, the
 *   environment cleared (only `toolEnv`), and resource limits: a pids cgroup (RLIMIT_NPROC does not bind root) and
 *   RLIMIT_FSIZE/CPU/AS/NOFILE set by a `/bin/sh` prelude before bwrap. The whole tree dies on timeout: killing bwrap
 *   kills its PID-namespace init (`--die-with-parent`) and the kernel kills everything else in the namespace.
 * - {@linkcode noSandbox}: no OS sandbox (own process group, scrubbed environment, a private HOME, cwd the
 *   workspace), used only when the config says `sandbox: "none"` explicitly.
 * - {@linkcode unavailableSandbox}: refuses every call with `sandbox_unavailable` and says how to install bubblewrap.
 * - {@linkcode macosSandboxProfile}: a `sandbox-exec` profile with the same intent, for macOS. Written, NOT tested
 *   here (no macOS machine); not wired into {@linkcode createIsolation} yet.
 *
 * What stays open is listed in the README's threat model (the kernel is shared; a nested repository the agent
 * creates in a subfolder; what a sandbox.writable folder exposes; per-process rlimits).
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import process from "node:process";
import { ToolError } from "../types.ts";
import { toolEnv } from "./process.ts";
import type { ChildProcess, Runtime } from "../runtime/types.ts";
import {
  DEFAULT_LIMITS,
  limitPrelude,
  privateDir,
  type SandboxLimits,
  SECCOMP_FD,
  STANDBY_TRAMPOLINE,
  standbyPrelude,
} from "./_bwrap.ts";
import { type PidsCgroup, setupPidsCgroup, waitCgroupEmpty } from "./_cgroup.ts";
import { buildSeccompFilter, seccompArch, type SeccompFilter } from "./_seccomp.ts";
import {
  buildEtc,
  etcStamp,
  gatherFacts,
  HOME_CANDIDATES,
  type HostFacts,
  planEtc,
  planSandbox,
  type SandboxPlan,
} from "./_plan.ts";
import { type GitCall, GitViews } from "./_gitview.ts";
import { isWithin } from "./_gitdirs.ts";

export { DEFAULT_LIMITS, type SandboxLimits } from "./_bwrap.ts";

/** Context for wrapping one command. */
export interface WrapContext {
  /** The workspace root (a real path). */
  workspace: string;
  /** The environment inside the sandbox (default: {@linkcode toolEnv}); the bwrap sandbox sets HOME itself. */
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
  /** Each call gets a private, empty HOME from the sandbox itself (else the caller makes one per call). */
  readonly privateHome?: boolean;
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
  /** The bash that runs the preludes (it can close any inherited descriptor), when found. */
  bash?: string | null;
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
  const bash = ["/bin/bash", "/usr/bin/bash"].find((b) => {
    try {
      return statSync(b).isFile();
    } catch {
      return false;
    }
  }) ?? null;
  if (!bash) {
    return {
      available: false,
      path,
      version: null,
      userns: false,
      bash: null,
      reason: "no /bin/bash: the sandbox needs it to close inherited descriptors before bwrap",
    };
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
  if (withUser.ok) return { available: true, path, version, userns: true, bash, reason: `${version ?? "bwrap"} works` };
  const plain = tryRun(path, [...base, "--", "/bin/true"]);
  if (plain.ok) {
    return {
      available: true,
      path,
      version,
      userns: false,
      bash,
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
}

/** The bwrap sandbox, with its lazily probed state. */
export interface BwrapSandbox extends SyncSandbox {
  /** The argv that runs `argv` sandboxed (git's data is copied back at the next call, or at close). */
  wrap(argv: string[], ctx: WrapContext): string[];
  /** The probe result (probing now if not done yet). */
  probe(): BwrapProbe;
  /** Start `argv` sandboxed from the prepared standby (see {@linkcode ProcessSandbox.spawn}). */
  spawn(runtime: Runtime, argv: string[], ctx: WrapContext): ChildProcess;
  /** bwrap's options for one call with the filter on descriptor `fd` (benchmarks and tests); call `finish` after. */
  prepare(ctx: WrapContext, fd?: number): PreparedCall;
  /** The bwrap binary and the compiled filter (benchmarks: a bare bwrap with the same filter). */
  filter(): { bwrap: string; bytes: Uint8Array };
  /** What the sandbox shows for a workspace (probing now if not done yet). */
  view(workspace: string): SandboxView;
  /** Kill the standby, remove the pids cgroup and the private folder (views, filter). */
  close(): void;
}

interface Ready {
  probe: BwrapProbe;
  cgroup: PidsCgroup | null;
  cgroupError: string | null;
  isRoot: boolean;
  /** Why the sandbox refuses calls even though bwrap runs (no filter for this architecture), or null. */
  refused: string | null;
  filter: SeccompFilter | null;
  state: { dir: string; filter: string; uid: number; gid: number } | null;
  views: GitViews | null;
}

/** A private folder of this sandbox: the compiled filter, its copies of /etc, git's views. */
function makeState(filter: SeccompFilter, exclude: readonly string[]): NonNullable<Ready["state"]> {
  const dir = privateDir("safe-exec-sandbox-", exclude);
  if (dir === null) {
    throw new ToolError(
      "sandbox_unavailable",
      `No OS sandbox for process tools: the temp folder, /var/tmp and /dev/shm all lie inside the workspace or a ` +
        `sandbox.readable/.writable path (${exclude.join(", ")}), where a sandboxed process could reach safe-exec's ` +
        `own files; choose a dedicated workspace folder`,
    );
  }
  // Our own uid and gid, as the owner of the folder we just made (Deno asks for --allow-sys for process.getuid).
  const { uid, gid } = statSync(dir);
  const filterFile = join(dir, "seccomp.bpf");
  writeFileSync(filterFile, filter.bytes, { mode: 0o400 });
  return { dir, filter: filterFile, uid, gid };
}

/** System and /etc facts are looked at again after this long (they change when packages are installed). */
const SYSTEM_FACTS_TTL_MS = 2000;

/**
 * The bubblewrap sandbox. Nothing is probed until the first `wrap`, `spawn`, `describe` or `probe` call; the result
 * is cached. When bwrap is missing or cannot build the namespaces, or there is no seccomp filter for this
 * architecture, every call is refused with `sandbox_unavailable` and the reason.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createBwrapSandbox } from "./sandbox.ts";
 * const sb = createBwrapSandbox({ network: false });
 * if (sb.probe().available) {
 *   const argv = sb.wrap(["bash", "-c", "echo hi"], { workspace: "/tmp" });
 *   assert.ok(argv[0]?.endsWith("/bash"));
 *   assert.ok(argv.includes("--unshare-net") && argv.includes("--seccomp"));
 * }
 * sb.close();
 * ```
 */
export function createBwrapSandbox(options: BwrapSandboxOptions = {}): BwrapSandbox {
  const network = options.network ?? false;
  const limits: SandboxLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const readable = [...(options.readable ?? [])];
  const writable = [...(options.writable ?? [])];
  let ready: Ready | undefined;
  let closed = false;
  const ensure = (): Ready => {
    if (ready) return ready;
    const probe = options.probe ?? probeBwrap();
    let cgroup: PidsCgroup | null = null;
    let cgroupError: string | null = "not set up (no sandbox)";
    let uid = -1;
    let refused: string | null = null;
    let filter: SeccompFilter | null = null;
    const state: Ready["state"] = null;
    const views: GitViews | null = null;
    if (probe.available && !closed) {
      const arch = seccompArch(options.arch);
      if (arch.arch === null) refused = `${arch.reason}, so the sandbox would run without its seccomp filter`;
      else {
        filter = buildSeccompFilter(arch.arch, { unixSockets: options.unixSockets === true });
      }
      const setup = setupPidsCgroup(limits.pids);
      uid = setup.uid;
      if ("dir" in setup.cgroup) {
        cgroup = setup.cgroup;
        cgroupError = null;
      } else {
        cgroupError = setup.cgroup.error;
      }
    }
    ready = { probe, cgroup, cgroupError, isRoot: uid === 0, refused, filter, state, views };
    return ready;
  };
  const realOf = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return p;
    }
  };
  // The sandbox's private folder is made at the first call, outside its workspace and every configured path.
  const usable = (workspace?: string): Ready & { state: NonNullable<Ready["state"]>; views: GitViews } => {
    const r = ensure();
    if (!r.probe.available || !r.probe.path) throw new ToolError("sandbox_unavailable", installHint(r.probe.reason));
    if (r.refused || !r.filter || closed) {
      throw new ToolError("sandbox_unavailable", `No OS sandbox for process tools: ${r.refused ?? "closed"}`);
    }
    const exclude = [...readable, ...writable].map(realOf);
    if (workspace !== undefined) exclude.push(realOf(workspace));
    if (!r.state && workspace !== undefined) {
      r.state = makeState(r.filter, exclude);
      r.views = new GitViews(r.state.dir, limits.tmpBytes);
    } else if (workspace !== undefined && exclude.some((x) => isWithin(r.state!.dir, x))) {
      throw new ToolError(
        "sandbox_unavailable",
        `No OS sandbox for this workspace: ${workspace} holds safe-exec's own folder ${r.state!.dir}, which a ` +
          `sandboxed process could then change; choose a dedicated workspace folder`,
      );
    }
    return r as Ready & { state: NonNullable<Ready["state"]>; views: GitViews };
  };
  let systemFacts: { at: number; facts: HostFacts } | null = null;
  // The sandbox's /etc: a copy of the allowlist, made again when one of its entries changes. Old copies stay until
  // close (a running call may still show one).
  let etc: { stamp: string; dir: string; shown: string[]; leftOut: string[] } | null = null;
  let etcCount = 0;
  const factsFor = (workspace: string, state: NonNullable<Ready["state"]>): HostFacts => {
    const now = performance.now();
    if (!systemFacts || now - systemFacts.at > SYSTEM_FACTS_TTL_MS) {
      systemFacts = { at: now, facts: gatherFacts("/", [], []) };
      const stamp = etcStamp(systemFacts.facts.etc);
      if (!etc || etc.stamp !== stamp) {
        const systemDirs = systemFacts.facts.system.filter((f) => f.kind === "dir" && f.real !== null)
          .map((f) => f.real as string);
        const plan = planEtc(systemFacts.facts.etc, systemDirs, network, {
          uid: state.uid,
          gid: state.gid,
          home: HOME_CANDIDATES[0] as string,
        });
        const dir = join(state.dir, `etc-${etcCount++}`);
        mkdirSync(dir, { mode: 0o755 });
        const failed = buildEtc(dir, plan.steps);
        etc = { stamp, dir, shown: plan.shown, leftOut: [...plan.leftOut, ...failed] };
      }
    }
    const own = gatherFacts(workspace, readable, writable);
    return { ...own, system: systemFacts.facts.system, etc: systemFacts.facts.etc };
  };
  // Calls made through wrap() cannot tell when their process ends: their git data is copied back before the next
  // call is prepared, or at close.
  const pending: (() => string[])[] = [];
  const runPending = () => {
    while (pending.length > 0) pending.shift()!();
  };
  const prepare = (ctx: WrapContext, fd: number = SECCOMP_FD): PreparedCall => {
    const r = usable(ctx.workspace);
    runPending();
    const facts = factsFor(ctx.workspace, r.state);
    const roots = [facts.workspace];
    for (const w of facts.writable) {
      if (w.real !== null && w.realKind === "dir" && !roots.some((x) => isWithin(w.real as string, x))) {
        roots.push(w.real);
      }
    }
    const shownRo = facts.readable.filter((f) => f.real !== null).map((f) => f.real as string);
    const git: GitCall = r.views.prepare(roots, shownRo);
    let plan: SandboxPlan;
    try {
      plan = planSandbox(facts, {
        network,
        userns: r.probe.userns,
        tmpBytes: limits.tmpBytes,
        env: ctx.env ?? toolEnv("/"),
        seccompFd: fd,
        etc,
        git: git.mounts,
      });
    } catch (e) {
      git.finish();
      throw e;
    }
    return { args: plan.args, plan, finish: () => git.finish() };
  };
  // One standby at a time: a /bin/sh that already joined the cgroup, set the rlimits and opened the filter, waiting
  // on its stdin for a call's bwrap options. Used by the next call, then replaced once that call's process exited.
  let standby: { child: ChildProcess; runtime: Runtime; dead: boolean } | null = null;
  const startStandby = (runtime: Runtime, r: ReturnType<typeof usable>) => {
    if (!existsSync(r.state.filter)) writeFileSync(r.state.filter, (r.filter as SeccompFilter).bytes, { mode: 0o400 });
    const child = runtime.spawn({
      argv: [
        r.probe.bash ?? "/bin/bash",
        // --norc: with a socket as stdin (Bun's pipes) bash would take itself for rshd's child and read ~/.bashrc
        "--norc",
        "--noprofile",
        "-c",
        standbyPrelude(limits, !r.cgroup && !r.isRoot),
        "safe-exec-sandbox",
        r.cgroup?.procs ?? "-",
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
  const processLimit = (r: Ready): string => {
    if (r.cgroup) return `at most ${limits.pids} processes (pids cgroup ${r.cgroup.dir})`;
    if (!r.isRoot) return `at most ${limits.pids} processes of this user (RLIMIT_NPROC; ${r.cgroupError})`;
    return `NOT limited: ${r.cgroupError}, and RLIMIT_NPROC does not bind root`;
  };
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
    spawn(runtime: Runtime, argv: string[], ctx: WrapContext): ChildProcess {
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
      // Once every process of the call is gone, git's data is copied back; what went wrong is said on stderr. bwrap
      // exits after its PID namespace emptied, unless it was killed (a timeout, a cancel): then the kernel is still
      // killing the call's processes, so wait for the cgroup to empty first.
      let notes: string[] = [];
      const exited = s.child.exited.then((status) => {
        if (status.signal !== null && r.cgroup) waitCgroupEmpty(r.cgroup.procs, 2000);
        try {
          notes = prepared.finish();
        } catch (e) {
          notes = [`safe-exec: git data of this call not copied back: ${(e as Error).message}`];
        }
        return status;
      });
      const stderr = s.child.stderr.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          async flush(controller) {
            await exited;
            if (notes.length > 0) controller.enqueue(encoder.encode(notes.join("\n") + "\n"));
          },
        }),
      );
      exited.then(() => {
        if (closed || standby !== null) return;
        try {
          standby = startStandby(runtime, usable(ctx.workspace));
        } catch {
          // no standby now: the next call starts its own
        }
      });
      return { pid: s.child.pid, stdout: s.child.stdout, stderr, exited };
    },
    wrap(argv, ctx) {
      const prepared = prepare(ctx);
      const r = usable(ctx.workspace);
      pending.push(prepared.finish);
      const nproc = !r.cgroup && !r.isRoot;
      return [
        r.probe.bash ?? "/bin/bash",
        "--norc",
        "--noprofile",
        "-c",
        limitPrelude(limits, nproc),
        "safe-exec-sandbox",
        r.cgroup?.procs ?? "-",
        r.state.filter,
        r.probe.path as string,
        ...prepared.args,
        "--",
        ...argv,
      ];
    },
    describe() {
      const r = ensure();
      if (!r.probe.available) {
        return { layers: [], sandbox: "unavailable", reason: installHint(r.probe.reason), refused: true };
      }
      if (r.refused) {
        return {
          layers: [],
          sandbox: "unavailable",
          reason: `No OS sandbox for process tools: ${r.refused}`,
          refused: true,
        };
      }
      const layers = ["bwrap", "fs-allowlist", "private-tmp", "private-home", "pid-ns", "ipc-ns", "caps-dropped"];
      layers.push("seccomp", "env-scrubbed", "die-with-parent", "rlimits", "git-protected");
      if (!network) layers.push("network-off");
      if (r.cgroup || !r.isRoot) layers.push("pids-limit");
      if (r.probe.userns) layers.push("user-ns");
      return {
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
        },
        gitProtected: "git dirs shown through views: data writable, configuration, hooks, info, modules and " +
          "worktrees read-only; the sandbox's own additions never reach the host",
      };
    },
    close() {
      if (closed) return;
      closed = true;
      try {
        runPending();
      } catch { /* best effort */ }
      if (standby) standby.runtime.kill(standby.child.pid, "SIGKILL");
      standby = null;
      ready?.cgroup?.remove();
      ready?.views?.close();
      if (ready?.state) rmSync(ready.state.dir, { recursive: true, force: true });
    },
  };
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
