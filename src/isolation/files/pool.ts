/**
 * A small pool of file-tool workers: started lazily (none at start-up; the first call starts one), reused for
 * every later call, one call per worker at a time. A worker that crashes, hangs past the timeout or is
 * terminated is dropped (terminated) and replaced on the next call; the call it was running fails with a clear
 * `internal` ToolError, and the pool goes on.
 *
 * Runtime-free: the workers come from a factory (in safe-exec: `runtime.createRestrictedWorker`).
 *
 * @module
 */
import { ERROR_CODES, type ErrorCode, ToolError } from "../../types.ts";
import type { FsRequest, FsResponse } from "./request.ts";
import type { FsToolName } from "../../fileops/ops.ts";

/** The part of a Worker the pool uses. */
export interface PoolWorker {
  /** Send a request. */
  postMessage(message: unknown): void;
  /** Stop it at once. */
  terminate(): void;
  /** Answers. */
  onmessage: ((e: MessageEvent) => void) | null;
  /** Uncaught errors (the worker is then considered dead). */
  onerror: ((e: ErrorEvent | Event) => void) | null;
  /** Answers that could not be deserialized. */
  onmessageerror?: ((e: MessageEvent) => void) | null;
}

/** Default number of workers per pool. */
export const DEFAULT_POOL_SIZE = 2;
/** Default per-call timeout (including a worker's start-up), in milliseconds. */
export const DEFAULT_WORKER_TIMEOUT_MS = 10_000;
/**
 * Default timeout of the calls whose work grows with the data, not with the path: listing a folder of any size,
 * deleting a tree, copying a file of any size (a list of 50 000 names takes seconds on a loaded machine).
 */
export const DEFAULT_SLOW_TIMEOUT_MS = 120_000;
const SLOW_OPS: ReadonlySet<string> = new Set(["list_dir", "delete_dir", "copy_file"]);

/**
 * The size and call timeout a pool with these options has (the defaults filled in), for the pool and for the
 * backends' descriptions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { poolLimits } from "./pool.ts";
 * assert.deepEqual(poolLimits({}), { size: 2, timeoutMs: 10_000 });
 * assert.deepEqual(poolLimits({ size: 0, timeoutMs: 500 }), { size: 1, timeoutMs: 500 });
 * ```
 */
export function poolLimits(options: { size?: number; timeoutMs?: number }): { size: number; timeoutMs: number } {
  return {
    size: Math.max(1, options.size ?? DEFAULT_POOL_SIZE),
    timeoutMs: options.timeoutMs ?? DEFAULT_WORKER_TIMEOUT_MS,
  };
}

/** Options of {@linkcode WorkerPool}. */
export interface WorkerPoolOptions {
  /** Make a new worker (already restricted). */
  create: () => PoolWorker;
  /** Most workers at once (default 2). */
  size?: number;
  /** A call that takes longer fails and its worker is replaced (default 10 000 ms; includes start-up). */
  timeoutMs?: number;
  /** The same for list_dir, delete_dir and copy_file, whose work grows with the data (default 120 000 ms). */
  slowTimeoutMs?: number;
}

interface Pending {
  id: number;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  timer: ReturnType<typeof setTimeout>;
  op: string;
}

interface Slot {
  worker: PoolWorker;
  busy: Pending | null;
  dead: boolean;
}

interface Queued {
  req: Omit<FsRequest, "id">;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/**
 * The pool.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WorkerPool } from "./pool.ts";
 * // A fake worker that answers every request with the op's name.
 * const pool = new WorkerPool({
 *   create: () => {
 *     const w = {
 *       onmessage: null as ((e: MessageEvent) => void) | null,
 *       onerror: null,
 *       postMessage(m: { id: number; op: string }) {
 *         queueMicrotask(() => w.onmessage?.({ data: { id: m.id, ok: true, value: m.op } } as MessageEvent));
 *       },
 *       terminate() {},
 *     };
 *     return w;
 *   },
 * });
 * assert.equal(pool.size, 0);
 * assert.ok(await pool.run("read_file", "/ws", { path: "a" }) === "read_file");
 * assert.equal(pool.size, 1);
 * assert.equal(pool.started, 1);
 * pool.close();
 * ```
 */
export class WorkerPool {
  readonly #create: () => PoolWorker;
  readonly #max: number;
  readonly #timeoutMs: number;
  readonly #slowTimeoutMs: number;
  #slots: Slot[] = [];
  #queue: Queued[] = [];
  #nextId = 1;
  #started = 0;
  #replaced = 0;
  #closed = false;

  /** Make an empty pool (no worker starts until the first call). */
  constructor(options: WorkerPoolOptions) {
    this.#create = options.create;
    const limits = poolLimits(options);
    this.#max = limits.size;
    this.#timeoutMs = limits.timeoutMs;
    this.#slowTimeoutMs = Math.max(this.#timeoutMs, options.slowTimeoutMs ?? DEFAULT_SLOW_TIMEOUT_MS);
  }

  /** Live workers now. */
  get size(): number {
    return this.#slots.length;
  }

  /** Workers started since the pool was made. */
  get started(): number {
    return this.#started;
  }

  /** Workers dropped after a crash, a hang or a termination. */
  get replaced(): number {
    return this.#replaced;
  }

  /** Run one file operation in a worker; resolves with its value or rejects with a ToolError. */
  run(op: FsToolName, root: string, args: Record<string, unknown>): Promise<unknown> {
    if (this.#closed) return Promise.reject(new ToolError("internal", "The file worker pool is closed"));
    return new Promise((resolve, reject) => {
      this.#queue.push({ req: { op, root, args }, resolve, reject });
      this.#pump();
    });
  }

  /** Terminate every worker (a test hook: the next call starts a fresh one). */
  terminateAll(reason = "terminated"): void {
    for (const s of [...this.#slots]) this.#kill(s, `the file worker was ${reason}`);
  }

  /** Stop all workers; pending and later calls fail. */
  close(): void {
    this.#closed = true;
    for (const q of this.#queue.splice(0)) q.reject(new ToolError("internal", "The file worker pool was closed"));
    for (const s of [...this.#slots]) this.#kill(s, "the file worker pool was closed", false);
  }

  #pump(): void {
    while (this.#queue.length > 0) {
      let slot = this.#slots.find((s) => !s.busy && !s.dead);
      if (!slot) {
        if (this.#slots.length >= this.#max) return;
        try {
          slot = this.#spawn();
        } catch (e) {
          const q = this.#queue.shift();
          q?.reject(new ToolError("internal", `Cannot start a file worker: ${(e as Error).message}`));
          continue;
        }
      }
      const q = this.#queue.shift() as Queued;
      const id = this.#nextId++;
      const limit = SLOW_OPS.has(q.req.op) ? this.#slowTimeoutMs : this.#timeoutMs;
      const timer = setTimeout(() => {
        this.#kill(slot, `the file worker did not answer ${q.req.op} within ${limit} ms; it was replaced`);
      }, limit);
      slot.busy = { id, resolve: q.resolve, reject: q.reject, timer, op: q.req.op };
      try {
        slot.worker.postMessage({ id, ...q.req });
      } catch (e) {
        this.#kill(slot, `cannot send the call to the file worker: ${(e as Error).message}`);
      }
    }
  }

  #spawn(): Slot {
    const worker = this.#create();
    this.#started++;
    const slot: Slot = { worker, busy: null, dead: false };
    worker.onmessage = (e: MessageEvent) => this.#answer(slot, e.data as FsResponse);
    worker.onerror = (e: ErrorEvent | Event) => {
      if (typeof (e as Event).preventDefault === "function") (e as Event).preventDefault();
      const msg = (e as ErrorEvent).message ?? "unknown error";
      this.#kill(slot, `the file worker crashed (${msg}); it was replaced`);
    };
    worker.onmessageerror = () => this.#kill(slot, "the file worker sent an unreadable answer; it was replaced");
    this.#slots.push(slot);
    return slot;
  }

  #answer(slot: Slot, res: FsResponse): void {
    const p = slot.busy;
    if (!p || !res || res.id !== p.id) return; // a late answer of a call that already failed
    clearTimeout(p.timer);
    slot.busy = null;
    if (res.ok) p.resolve(res.value);
    else p.reject(new ToolError(toCode(res.code), res.message, res.output));
    this.#pump();
  }

  #kill(slot: Slot, why: string, counts = true): void {
    if (slot.dead) return;
    slot.dead = true;
    if (counts) this.#replaced++;
    try {
      slot.worker.terminate();
    } catch {
      // already gone
    }
    this.#slots = this.#slots.filter((s) => s !== slot);
    const p = slot.busy;
    slot.busy = null;
    if (p) {
      clearTimeout(p.timer);
      p.reject(new ToolError("internal", `${p.op} failed: ${why}`));
    }
    if (!this.#closed) this.#pump();
  }
}

const CODES: ReadonlySet<string> = new Set(ERROR_CODES);

function toCode(code: string): ErrorCode {
  return (CODES.has(code) ? code : "internal") as ErrorCode;
}
