/**
 * Where the file tools run. The host backend calls the operations in this process, behind the realpath guard;
 * the worker backend (Deno) runs them in workers whose permissions grant read and write on the workspace only,
 * so that a bug in the guard still cannot reach a file outside. Both refuse writes to `.git`, `.git/hooks` and
 * `.git/config` (code there runs later on the host).
 *
 * @module
 */
import { fsOps, type FsToolName } from "./fs_ops.ts";
import { checkProtected } from "./_protected.ts";
import type { Runtime } from "../runtime/types.ts";
import { DEFAULT_POOL_SIZE, DEFAULT_WORKER_TIMEOUT_MS, type PoolWorker, WorkerPool } from "./worker_pool.ts";

/** Runs one file operation. */
export interface FileBackend {
  /** Run `op` on the workspace `root` with validated `args`. */
  run(op: FsToolName, root: string, args: Record<string, unknown>): Promise<unknown>;
  /** The isolation layers a call runs under (for `info`, `doctor` and the witness log). */
  describe(): Record<string, unknown>;
  /** Release resources (workers). */
  close(): void;
}

/**
 * File tools in the host process, behind the realpath guard only.
 *
 * @example
 * ```ts
 * import { hostFileBackend } from "./file_backend.ts";
 * console.assert(hostFileBackend.describe().worker === false);
 * ```
 */
export const hostFileBackend: FileBackend = {
  run(op, root, args) {
    try {
      checkProtected(root, op, args);
      // deno-lint-ignore no-explicit-any
      return Promise.resolve((fsOps[op] as (root: string, args: any) => unknown)(root, args));
    } catch (e) {
      return Promise.reject(e);
    }
  },
  describe: () => ({
    layers: ["realpath-guard", "git-protected"],
    guard: true,
    worker: false,
    reason: "file tools run in the host process behind the realpath guard",
  }),
  close() {},
};

/** The host backend with a reason why workers are not used (for `info` and `doctor`). */
export function hostFileBackendBecause(reason: string): FileBackend {
  return { ...hostFileBackend, describe: () => ({ ...hostFileBackend.describe(), reason }) };
}

/** Options of {@linkcode createWorkerFileBackend}. */
export interface WorkerBackendOptions {
  /** Workers per workspace (default 2). */
  size?: number;
  /** Per-call timeout including a worker's start-up (default 10 000 ms). */
  timeoutMs?: number;
  /** The worker module (default `./fs_worker.ts` beside this file). */
  url?: URL;
}

/** The worker backend, with its pools exposed for tests and benchmarks. */
export interface WorkerFileBackend extends FileBackend {
  /** The pool of a workspace root (made on first use). */
  pool(root: string): WorkerPool;
  /** Live workers over all pools. */
  readonly workers: number;
}

/**
 * File tools in permission-restricted workers (read and write on the workspace only; no net, env, run, ffi, sys),
 * one lazily started pool per workspace root, or null when the runtime cannot restrict workers (Bun).
 *
 * @example
 * ```ts
 * import { createWorkerFileBackend } from "./file_backend.ts";
 * import { currentRuntime } from "../runtime/mod.ts";
 * import { mkdtempSync, realpathSync, writeFileSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * const files = createWorkerFileBackend(await currentRuntime());
 * if (files) {
 *   const root = realpathSync(mkdtempSync(join(tmpdir(), "ws-")));
 *   writeFileSync(join(root, "a.txt"), "hi");
 *   console.assert(files.workers === 0);
 *   console.assert(await files.run("read_file", root, { path: "a.txt" }) === "hi");
 *   console.assert(files.workers === 1);
 *   files.close();
 * }
 * ```
 */
export function createWorkerFileBackend(
  runtime: Runtime,
  options: WorkerBackendOptions = {},
): WorkerFileBackend | null {
  if (!runtime.workerIsolation.available) return null;
  const url = options.url ?? new URL("./fs_worker.ts", import.meta.url);
  const pools = new Map<string, WorkerPool>();
  let closed = false;
  const pool = (root: string): WorkerPool => {
    let p = pools.get(root);
    if (!p) {
      p = new WorkerPool({
        create: () => {
          const w = runtime.createRestrictedWorker(url, { read: [root], write: [root] });
          if (!w) throw new Error(`${runtime.name} cannot start a restricted worker`);
          return w as unknown as PoolWorker;
        },
        ...(options.size !== undefined ? { size: options.size } : {}),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      });
      if (closed) p.close();
      pools.set(root, p);
    }
    return p;
  };
  const limits = {
    size: Math.max(1, options.size ?? DEFAULT_POOL_SIZE),
    timeoutMs: options.timeoutMs ?? DEFAULT_WORKER_TIMEOUT_MS,
  };
  return {
    run: (op, root, args) => pool(root).run(op, root, args),
    pool,
    get workers() {
      let n = 0;
      for (const p of pools.values()) n += p.size;
      return n;
    },
    describe: () => ({
      layers: ["realpath-guard", "worker-permissions", "git-protected"],
      guard: true,
      worker: true,
      permissions: {
        read: "workspace only",
        write: "workspace only",
        net: false,
        env: false,
        run: false,
        ffi: false,
        sys: false,
      },
      pool: { ...limits, started: [...pools.values()].reduce((n, p) => n + p.started, 0) },
      reason: runtime.workerIsolation.reason,
    }),
    close() {
      closed = true;
      for (const p of pools.values()) p.close();
    },
  };
}
