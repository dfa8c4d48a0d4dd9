/**
 * The spawner of a gateway that can sandbox its upstream servers (SPEC §7, §8): a server configured with
 * `"sandbox": true` runs under bubblewrap and the seccomp filter, with the guarantees of run_bash (the workspace
 * read-write as the server's view, the system folders and the config's `sandbox.readable`/`writable`; no host home,
 * no other host path; no network unless the server's `"network": true`; private `/tmp`, HOME and `/dev`; the pids
 * and memory cgroups; the whole tree ended with the sandbox), long-lived, with its stdin and stdout piped. What its
 * program needs to run (the program found in PATH, its `#!` interpreter, the packages of the scripts its arguments
 * name, its configured `cwd`) is shown read-only, as `_program.ts` plans it from host facts. Servers without
 * `sandbox` start as {@linkcode runtimeSpawner} starts them.
 *
 * It fails closed: when bubblewrap cannot run here, when `sandbox.mode` is `"none"`, or when the program cannot be
 * shown without showing what must stay hidden, the start throws, saying why, so the server's calls are
 * `upstream_unavailable` with that message; a sandboxed server is never started unsandboxed.
 *
 * The sandbox (its filter, its private folder with the /etc copy and device nodes, its pids cgroup) is set up at the
 * first sandboxed start and shared by the servers of this spawner (one for servers without network, one for those
 * with), each start getting its own bwrap with its own program binds and memory cgroup: a start then costs bwrap's
 * set-up, not the sandbox's (about a second here). {@linkcode SandboxSpawner.close} removes them.
 *
 * @module
 */
import { realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { isWithin, realPathLoose } from "../_util/paths.ts";
import { type BwrapSandbox, createBwrapSandbox, type SandboxLimits } from "../isolation/process/bwrap.ts";
import { gatherFacts } from "../isolation/process/_facts.ts";
import { gatherProgramFacts, planProgram, type ProgramContext } from "../isolation/process/_program.ts";
import type { BwrapProbe } from "../isolation/process/probe.ts";
import { probeBwrap } from "../isolation/process/probe.ts";
import type { SandboxOptions } from "../isolation/process/sandbox.ts";
import type { Runtime } from "../runtime/types.ts";
import { runtimeSpawner, type UpstreamProcess, type UpstreamSpawner, type UpstreamSpawnRequest } from "./spawner.ts";

/** How the sandboxing spawner is set up. */
export interface SandboxSpawnerOptions {
  /** The workspace (shown read-write; the working directory unless the server's config sets `cwd`). */
  workspace: string;
  /** The config's `sandbox` section (its `mode`, `readable`, `writable`, `unixSockets` apply to servers too). */
  sandbox: SandboxOptions;
  /** Files never shown to a server (the witness log, the config file, the signing key), with what they are. */
  guarded?: { what: string; path: string | null }[];
  /** Resource limits of the sandbox (its CPU-time limit does not apply: a server is long-lived). */
  limits?: Partial<SandboxLimits>;
  /** Use this probe result instead of probing (tests). */
  probe?: BwrapProbe;
  /**
   * The bounds of a repository walk of a sandboxed server's folders while it lives (default 100,000 folders or 2 s
   * a walk): past one, the server is stopped (red team 10, J5). Lowered by tests.
   */
  liveWalk?: { maxDirs?: number; maxMs?: number };
}

/** A spawner that owns sandboxes: close it once its servers are gone. */
export type SandboxSpawner = UpstreamSpawner & {
  /** Remove the sandboxes (their cgroups, killing what is left in them, and private folders). */
  close(): void;
};

const encoder = new TextEncoder();

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/**
 * A spawner that starts servers with `"sandbox": true` in the process sandbox and the others as
 * {@linkcode runtimeSpawner} does.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { currentRuntime } from "../runtime/mod.ts";
 * import { sandboxSpawner } from "./sandbox_spawner.ts";
 * const spawn = sandboxSpawner(await currentRuntime(), {
 *   workspace: "/",
 *   sandbox: { mode: "none", network: false },
 * });
 * assert.throws(
 *   () => spawn({ server: "fs", argv: ["true"], cwd: "/", env: {}, sandbox: true, network: false }),
 *   /"sandbox.mode" is "none"/,
 * );
 * spawn.close();
 * ```
 */
export function sandboxSpawner(runtime: Runtime, options: SandboxSpawnerOptions): SandboxSpawner {
  const plain = runtimeSpawner(runtime);
  const sandboxes = new Map<boolean, BwrapSandbox>();
  let closed = false;
  const sandboxFor = (network: boolean): BwrapSandbox => {
    let sb = sandboxes.get(network);
    if (sb === undefined) {
      sb = createBwrapSandbox({
        network,
        readable: options.sandbox.readable ?? [],
        writable: options.sandbox.writable ?? [],
        unixSockets: options.sandbox.unixSockets === "workspace" && !network,
        ...(options.probe ? { probe: options.probe } : {}),
        ...(options.limits ? { limits: options.limits } : {}),
        ...(options.liveWalk ? { liveWalk: options.liveWalk } : {}),
      });
      sandboxes.set(network, sb);
    }
    return sb;
  };
  const spawn = (request: UpstreamSpawnRequest) => {
    if (!request.sandbox) return plain(request);
    if (closed) refuse(request, "the gateway is closing");
    return startSandboxed(runtime, options, request, sandboxFor);
  };
  return Object.assign(spawn, {
    close() {
      closed = true;
      for (const sb of sandboxes.values()) sb.close();
      sandboxes.clear();
    },
  });
}

function refuse(request: UpstreamSpawnRequest, why: string): never {
  throw new Error(
    `server "${request.server}" is configured with "sandbox": true, but ${why}; it is not started unsandboxed`,
  );
}

function startSandboxed(
  runtime: Runtime,
  options: SandboxSpawnerOptions,
  request: UpstreamSpawnRequest,
  sandboxFor: (network: boolean) => BwrapSandbox,
): UpstreamProcess {
  if (options.sandbox.mode === "none") {
    refuse(request, `the config's "sandbox.mode" is "none" (no process sandbox on this server)`);
  }
  const probe = options.probe ?? probeBwrap();
  if (!probe.available) {
    refuse(
      request,
      `there is no process sandbox here: ${probe.reason} (install bubblewrap: apt-get install bubblewrap; ` +
        `it needs unprivileged user namespaces or root)`,
    );
  }
  const workspace = real(options.workspace);
  const readable = options.sandbox.readable ?? [];
  const writable = options.sandbox.writable ?? [];
  const host = gatherFacts(workspace, readable, writable);
  const reals = (fs: typeof host.readable) => fs.filter((f) => f.real !== null).map((f) => f.real as string);
  const writableReals = [workspace, ...reals(host.writable)];
  const ctx: ProgramContext = {
    workspace,
    shown: [
      ...host.system.filter((f) => f.kind === "dir" && f.real !== null).map((f) => f.real as string),
      ...reals(host.readable),
      ...writableReals,
    ],
    writable: writableReals,
    homes: [...new Set([request.env.HOME, "/root", "/home"].filter((h): h is string => !!h).map(realPathLoose))],
    temps: [...new Set([tmpdir(), "/tmp", "/var/tmp", "/dev/shm"].map(realPathLoose))],
    guarded: (options.guarded ?? []).filter((g): g is { what: string; path: string } => g.path !== null)
      .map((g) => ({ what: g.what, path: realPathLoose(g.path) })),
  };
  const pathVar = request.env.PATH ?? "/usr/local/bin:/usr/bin:/bin";
  const facts = gatherProgramFacts(request.argv, pathVar, request.cwdFromConfig ? request.cwd : null, workspace);
  const plan = planProgram(facts, ctx);
  if ("refused" in plan) refuse(request, `its program cannot run in the sandbox: ${plan.refused}`);

  // The server's environment, with what only makes sense outside: HOME is the sandbox's own (set by the plan), a
  // TMPDIR that is not shown inside becomes the private /tmp.
  const env = { ...request.env };
  delete env.HOME;
  if (env.TMPDIR !== undefined && !isWithin(realPathLoose(env.TMPDIR), workspace)) env.TMPDIR = "/tmp";

  let child;
  try {
    child = sandboxFor(request.network).spawnPiped(runtime, plan.argv, {
      workspace,
      env,
      chdir: plan.chdir,
      binds: plan.binds,
    });
  } catch (e) {
    refuse(request, `the sandbox could not start it: ${e instanceof Error ? e.message : String(e)}`);
  }
  const exited = child.exited;
  // What the plan left out goes first on its stderr (the operator reads it there).
  const notes = plan.notes.map((n) => `safe-exec: ${n}\n`).join("");
  const stderr = notes === "" ? child.stderr : prepend(encoder.encode(notes), child.stderr);
  const pid = child.pid;
  return {
    pid,
    stdin: child.stdin,
    ...(child.writeStdin ? { write: child.writeStdin } : {}),
    stdout: child.stdout,
    stderr,
    exited,
    kill: (signal) => runtime.killGroup(pid, signal),
    afterCall: (since) => child.checkpoint(since),
    stopReason: () => child.stopReason(),
  };
}

function prepend(first: Uint8Array, rest: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>({
    start(controller) {
      controller.enqueue(first);
    },
  });
  rest.pipeTo(writable).catch(() => {/* the reader cancelled */});
  return readable;
}
