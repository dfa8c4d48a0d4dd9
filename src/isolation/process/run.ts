/**
 * Running a child process as one record for success and failure, execa-style: own process group, a timeout
 * that sends SIGTERM to the whole group and SIGKILL after a grace period, capped output with the head kept,
 * and no process of the group left behind once the command is done.
 *
 * @module
 */
import type { ChildProcess, Runtime } from "../../runtime/types.ts";

/** The output record of run_bash and run_python (SPEC §2). */
export interface ProcessResult {
  /** Standard output (the head, when truncated), decoded as UTF-8. */
  stdout: string;
  /** Standard error (the head, when truncated), decoded as UTF-8. */
  stderr: string;
  /** Exit code, or null when a signal ended the process. */
  exitCode: number | null;
  /** The signal that ended the process, or null. */
  signal: string | null;
  /** The timeout fired and the process group was killed. */
  timedOut: boolean;
  /** stdout or stderr went past the cap; the rest was read and dropped. */
  truncated: boolean;
  /** Wall time from spawn to exit, in milliseconds. */
  durationMs: number;
}

/** How to run one process. */
export interface RunOptions {
  /** Program and arguments. */
  argv: string[];
  /** Working directory. */
  cwd: string;
  /** The complete environment (nothing is inherited). */
  env: Record<string, string>;
  /** Bytes to feed on stdin. */
  stdin?: Uint8Array;
  /** Kill the group after this many milliseconds. */
  timeoutMs: number;
  /** Keep at most this many bytes of stdout and of stderr each (default 1 MiB). */
  maxOutputBytes?: number;
  /** Time between SIGTERM and SIGKILL (default 1000 ms). */
  killGraceMs?: number;
  /** Aborting kills the group like a timeout. */
  signal?: AbortSignal;
  /**
   * The command kills its own tree when it dies (bubblewrap: its PID namespace goes with it). Then it is spawned
   * without a new session (cheaper) and signalled by pid; otherwise it leads its own process group, which is
   * signalled whole. Default false.
   */
  killsOwnTree?: boolean;
  /** Start the process this way instead of spawning `argv` (a sandbox's prepared standby). */
  start?: () => ChildProcess;
}

/** Default cap for stdout and stderr, each. */
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;

async function collect(stream: ReadableStream<Uint8Array>, cap: number): Promise<{ text: string; over: boolean }> {
  const parts: Uint8Array[] = [];
  let kept = 0;
  let over = false;
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (kept < cap) {
        const room = cap - kept;
        const piece = value.length > room ? value.subarray(0, room) : value;
        parts.push(piece);
        kept += piece.length;
        if (value.length > room) over = true;
      } else if (value.length > 0) {
        over = true;
      }
    }
  } catch {
    // the stream broke (process killed): keep what we have
  } finally {
    reader.releaseLock();
  }
  const all = new Uint8Array(kept);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return { text: new TextDecoder().decode(all), over };
}

/**
 * Run a process to completion and return one record, whatever happened.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runProcess } from "./run.ts";
 * import { currentRuntime } from "../../runtime/mod.ts";
 * const rt = await currentRuntime();
 * const r = await runProcess(rt, { argv: ["bash", "-c", "echo hi"], cwd: "/", env: { PATH: "/usr/bin:/bin" }, timeoutMs: 5000 });
 * assert.ok(r.stdout === "hi\n" && r.exitCode === 0 && !r.timedOut);
 * ```
 */
export async function runProcess(runtime: Runtime, options: RunOptions): Promise<ProcessResult> {
  const cap = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const grace = options.killGraceMs ?? 1000;
  const started = performance.now();
  const tree = options.killsOwnTree === true;
  const spawnOptions = { argv: options.argv, cwd: options.cwd, env: options.env, newSession: !tree };
  const child = options.start
    ? options.start()
    : runtime.spawn(options.stdin ? { ...spawnOptions, stdin: options.stdin } : spawnOptions);
  const signalAll = (sig: "SIGTERM" | "SIGKILL") =>
    tree ? runtime.kill(child.pid, sig) : runtime.killGroup(child.pid, sig);
  let timedOut = false;
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const stop = () => {
    if (killTimer !== undefined) return;
    signalAll("SIGTERM");
    killTimer = setTimeout(() => signalAll("SIGKILL"), grace);
  };
  const timer = setTimeout(() => {
    timedOut = true;
    stop();
  }, options.timeoutMs);
  const onAbort = () => stop();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) stop();

  const out = collect(child.stdout, cap);
  const err = collect(child.stderr, cap);
  const status = await child.exited;
  const durationMs = performance.now() - started;
  clearTimeout(timer);
  options.signal?.removeEventListener("abort", onAbort);
  // Nothing of the group outlives the command: background children are killed now, which also closes the pipes
  // they may hold open.
  // (A command that kills its own tree has nothing left, and its pid may already be reused: leave it be.)
  if (!tree) runtime.killGroup(child.pid, "SIGKILL");
  if (killTimer !== undefined) clearTimeout(killTimer);
  const [o, e] = await Promise.all([out, err]);
  return {
    stdout: o.text,
    stderr: e.text,
    exitCode: status.exitCode,
    signal: status.signal,
    timedOut,
    truncated: o.over || e.over,
    durationMs: Math.round(durationMs * 1000) / 1000,
  };
}

/**
 * The only environment a process tool sees (SPEC §2): PATH, LANG, TERM, and HOME set to `home` (a private, empty
 * folder that lives as long as the call); and what keeps files written earlier from acting as the call's hidden
 * configuration: `PYTHONNOUSERSITE=1` (no user site-packages, so no `.pth` file of theirs runs), and git's global
 * and system configuration pointed at nothing (`GIT_CONFIG_GLOBAL=/dev/null`, `GIT_CONFIG_NOSYSTEM=1`), and
 * `safe.bareRepository=explicit` (`GIT_CONFIG_COUNT`/`_KEY_0`/`_VALUE_0`), so git never takes a folder shaped like
 * a bare repository, planted earlier, for one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toolEnv } from "./run.ts";
 * const env = toolEnv("/tmp/home-1");
 * assert.equal(env.HOME, "/tmp/home-1");
 * assert.equal(env.GIT_CONFIG_GLOBAL, "/dev/null");
 * assert.deepEqual(Object.keys(env).sort(), [
 *   "GIT_CONFIG_COUNT", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_KEY_0", "GIT_CONFIG_NOSYSTEM", "GIT_CONFIG_VALUE_0", "HOME",
 *   "LANG", "PATH", "PYTHONNOUSERSITE", "TERM",
 * ]);
 * ```
 */
export function toolEnv(home: string, lang?: string): Record<string, string> {
  return {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    HOME: home,
    LANG: lang && /^[A-Za-z0-9_.@-]{1,64}$/.test(lang) ? lang : "C.UTF-8",
    TERM: "dumb",
    PYTHONNOUSERSITE: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: "safe.bareRepository",
    GIT_CONFIG_VALUE_0: "explicit",
  };
}
