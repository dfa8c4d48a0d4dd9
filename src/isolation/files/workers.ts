/**
 * The worker file backend (Deno): the file operations in module workers whose permissions grant read and write on
 * the workspace only, so that a bug in the guard still cannot reach a file outside. One lazily started pool per
 * workspace root.
 *
 * @module
 */
import type { Runtime } from "../../runtime/types.ts";
import type { FileBackend, WorkerFileIsolation } from "./backend.ts";
import { poolLimits, type PoolWorker, WorkerPool } from "./pool.ts";

/** Options of {@linkcode createWorkerFileBackend}. */
export interface WorkerBackendOptions {
  /** Workers per workspace (default 2). */
  size?: number;
  /** Per-call timeout including a worker's start-up (default 10 000 ms). */
  timeoutMs?: number;
  /** The worker module (default `./worker_entry.ts` beside this file). */
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
 * import assert from "node:assert/strict";
 * import { createWorkerFileBackend } from "./workers.ts";
 * import { currentRuntime } from "../../runtime/mod.ts";
 * import { mkdtempSync, realpathSync, writeFileSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * const files = createWorkerFileBackend(await currentRuntime());
 * if (files) {
 *   const root = realpathSync(mkdtempSync(join(tmpdir(), "ws-")));
 *   writeFileSync(join(root, "a.txt"), "hi");
 *   assert.equal(files.workers, 0);
 *   assert.ok(await files.run("read_file", root, { path: "a.txt" }) === "hi");
 *   assert.equal(files.workers, 1);
 *   files.close();
 * }
 * ```
 */
export function createWorkerFileBackend(
  runtime: Runtime,
  options: WorkerBackendOptions = {},
): WorkerFileBackend | null {
  if (!runtime.workerIsolation.available) return null;
  const url = options.url ?? new URL("./worker_entry.ts", import.meta.url);
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
  const limits = poolLimits(options);
  return {
    run: (op, root, args) => pool(root).run(op, root, args),
    pool,
    get workers() {
      let n = 0;
      for (const p of pools.values()) n += p.size;
      return n;
    },
    describe: (): WorkerFileIsolation => ({
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
