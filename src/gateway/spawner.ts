/**
 * How the gateway starts a stdio upstream server: the request it makes, the process it gets back, and
 * {@linkcode runtimeSpawner}, the plain spawner on the runtime seam. The spawner is the seam where the process
 * sandbox (SPEC §7) wraps the program (`sandbox_spawner.ts`, which the app uses); the plain one refuses a server
 * configured with `"sandbox": true`, so that no such server ever runs outside the sandbox.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { currentRuntime } from "../runtime/mod.ts";
 * import { runtimeSpawner } from "./spawner.ts";
 * const spawn = runtimeSpawner(await currentRuntime());
 * const p = await spawn({ server: "t", argv: ["sh", "-c", "exit 4"], cwd: "/", env: {}, sandbox: false, network: false });
 * await p.stdin.close();
 * await Promise.all([p.stdout.cancel(), p.stderr.cancel()]);
 * assert.equal((await p.exited).exitCode, 4);
 * ```
 *
 * @module
 */
import type { ExitStatus, Runtime } from "../runtime/types.ts";

/** What the gateway asks a spawner to start. */
export interface UpstreamSpawnRequest {
  /** The server's name in the config. */
  server: string;
  /** Program and arguments. */
  argv: string[];
  /** Working directory (absolute). */
  cwd: string;
  /**
   * `cwd` is the server's configured `cwd` (false or absent: the gateway's default, which a sandboxing spawner
   * replaces with the workspace).
   */
  cwdFromConfig?: boolean;
  /** The complete environment of the server (nothing else is inherited). */
  env: Record<string, string>;
  /** The config asks for the process sandbox. A spawner that cannot give it must throw, never run it bare. */
  sandbox: boolean;
  /** With `sandbox`: the config gives the server the network. */
  network: boolean;
}

/** A started upstream server process. */
export interface UpstreamProcess {
  /** Its pid (for status and tests). */
  readonly pid: number;
  /** Its stdin. */
  readonly stdin: WritableStream<Uint8Array>;
  /** Where the runtime has one, a write to stdin without the stream (use it or `stdin`'s writer, never both). */
  readonly write?: (chunk: Uint8Array) => void | Promise<void>;
  /** Its stdout: JSON-RPC messages, one a line. */
  readonly stdout: ReadableStream<Uint8Array>;
  /** Its stderr: diagnostics. */
  readonly stderr: ReadableStream<Uint8Array>;
  /** Resolves when it exits. */
  readonly exited: Promise<ExitStatus>;
  /** Signal the process and everything it started (its process group, or the sandbox). */
  kill(signal: "SIGTERM" | "SIGKILL"): void;
  /**
   * A sandboxed server, after one of its calls: disable the git repositories made in what it is shown since `since`
   * (epoch ms, the call's start), as after a run_bash call; returns notes for the operator.
   */
  afterCall?(since: number): string[];
  /**
   * A sandboxed server: why it must be stopped now (a walk disabled a repository again where one was disabled during
   * its life, or a walk of its folders went past its bounds; red team 10, J5), else null. The transport then ends it.
   */
  stopReason?(): string | null;
}

/** Starts an upstream server. Throw (with a clear message) when it cannot be started as asked. */
export type UpstreamSpawner = (request: UpstreamSpawnRequest) => UpstreamProcess | Promise<UpstreamProcess>;

/**
 * A spawner on the runtime seam: the program in a new session and process group, killed as a group. It refuses
 * `sandbox: true` (the integrator passes a sandboxing spawner for those: `sandboxSpawner`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { currentRuntime } from "../runtime/mod.ts";
 * import { runtimeSpawner } from "./spawner.ts";
 * const spawn = runtimeSpawner(await currentRuntime());
 * const p = await spawn({ server: "t", argv: ["true"], cwd: "/", env: {}, sandbox: false, network: false });
 * await p.stdin.close();
 * await Promise.all([p.stdout.cancel(), p.stderr.cancel()]);
 * assert.equal((await p.exited).exitCode, 0);
 * assert.throws(() => spawn({ server: "t", argv: ["true"], cwd: "/", env: {}, sandbox: true, network: false }),
 *   /no process sandbox/);
 * ```
 */
export function runtimeSpawner(runtime: Pick<Runtime, "spawn" | "killGroup">): UpstreamSpawner {
  return (request) => {
    if (request.sandbox) {
      throw new Error(
        `server "${request.server}" is configured with "sandbox": true, but no process sandbox was given for ` +
          `upstream servers; refusing to start it unsandboxed`,
      );
    }
    const child = runtime.spawn({ argv: request.argv, cwd: request.cwd, env: request.env, stdin: "pipe" });
    const stdin = child.stdin;
    if (stdin === undefined) throw new Error(`the runtime gave server "${request.server}" no stdin pipe`);
    return {
      pid: child.pid,
      stdin,
      ...(child.writeStdin ? { write: child.writeStdin } : {}),
      stdout: child.stdout,
      stderr: child.stderr,
      exited: child.exited,
      kill: (signal) => runtime.killGroup(child.pid, signal),
    };
  };
}
