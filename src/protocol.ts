/**
 * The JSON-lines protocol core (SPEC §3), runtime-free: `handleLine(line)` resolves to the responses for that
 * line. Tool calls run one at a time in arrival order; control messages are answered at once, also while a call
 * runs or waits for its confirmation.
 *
 * @module
 */
import type { SafeExecutor } from "./executor.ts";
import type { ConfirmHandler, ExecResult } from "./types.ts";
import { describeValue } from "./_describe.ts";
import { confirmPayload, OpenQuestions } from "./confirm.ts";
import { parseJsonLine } from "./lines.ts";
import { ID_RULE, idProblem } from "./_ids.ts";

/** Protocol version. */
export const PROTOCOL_VERSION = 1;

/** A request id as the client sent it. */
export type RequestId = string | number | null;

/** One message the server writes. */
export type Response = Record<string, unknown> & { id: RequestId; type: string };

/** Options of {@linkcode ProtocolServer}. */
export interface ProtocolOptions {
  /** The gate. */
  executor: SafeExecutor;
  /**
   * "client": ASK is sent to the client as a `confirm_request` and answered by a `confirm` message.
   * Otherwise the handler to use for ASK (deny, tty, exec:PROGRAM).
   */
  confirm: "client" | ConfirmHandler;
  /** Writes a message that is not the answer to the current line (`confirm_request`). */
  emit: (message: Response) => void;
  /** The `info` payload (version, workspace, isolation…). */
  info: () => Record<string, unknown>;
}

const CONTROL = new Set(["confirm", "metrics", "reset", "tools", "stats", "info"]);

function errorResponse(id: RequestId, code: string, message: string): Response {
  return { id, type: "error", error: { code, message } };
}

/**
 * One protocol session over one executor.
 *
 * @example
 * ```ts
 * import { ProtocolServer } from "./protocol.ts";
 * import { SafeExecutor } from "./executor.ts";
 * import { mkdtempSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * const dir = mkdtempSync(join(tmpdir(), "se-"));
 * const executor = new SafeExecutor({ workspace: join(dir, "ws"), witness: join(dir, "w.log") });
 * const server = new ProtocolServer({ executor, confirm: () => false, emit: () => {}, info: () => ({}) });
 * const [r] = await server.handleLine('{"id":1,"type":"metrics","contextTokens":1800}');
 * console.assert(r?.type === "metrics" && r.id === 1);
 * const [e] = await server.handleLine("not json");
 * console.assert(e?.type === "error" && e.id === null);
 * await server.close();
 * executor.close();
 * ```
 */
export class ProtocolServer {
  #o: ProtocolOptions;
  #queue: Promise<unknown> = Promise.resolve();
  #inFlight = new Set<string>();
  #pending = new Map<string, (approve: boolean) => void>();
  #questions = new OpenQuestions();
  #handler: ConfirmHandler | null = null;
  #closing = false;
  #stopReason: string | null = null;
  #running: AbortController | null = null;

  /** Make a session. */
  constructor(options: ProtocolOptions) {
    this.#o = options;
  }

  /** Calls queued or running. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Whether a call waits for the client's `confirm`. */
  get awaitingConfirm(): boolean {
    return this.#pending.size > 0;
  }

  /**
   * Handle one line (without its newline); resolves to the responses for it (usually one). With `admitCalls`
   * false (the stdio loop's input queue is full), an execute is answered at once with an `overloaded` error.
   */
  handleLine(line: string, options: { admitCalls?: boolean } = {}): Promise<Response[]> {
    const parsed = parseJsonLine(line);
    if (parsed.blank) return Promise.resolve([]);
    if ("error" in parsed) {
      return Promise.resolve([
        errorResponse(null, "bad_request", `C${parsed.error.slice(1)}; expected one JSON object per line`),
      ]);
    }
    const msg = parsed.value;
    if (typeof msg !== "object" || msg === null || Array.isArray(msg)) {
      return Promise.resolve([
        errorResponse(null, "bad_request", `Expected a JSON object per line, got ${describeValue(msg)}`),
      ]);
    }
    const m = msg as Record<string, unknown>;
    const rawId = m.id;
    const problem = idProblem(rawId, line);
    if (problem !== null) {
      // Never answered under another id (1e400 would come back as null, a big integer rounded): refused, id null.
      return Promise.resolve([
        errorResponse(null, "bad_request", `"id" must be ${ID_RULE}, or null; got ${problem}`),
      ]);
    }
    const id: RequestId = (rawId as string | number | undefined) ?? null;
    let type = m.type;
    if (type === undefined && m.tool !== undefined) type = "execute";
    if (type === undefined) {
      return Promise.resolve([
        errorResponse(
          id,
          "bad_request",
          `The request has no "type" and no "tool"; expected e.g. {"id":1,"tool":"read_file","args":{"path":"a.txt"}}`,
        ),
      ]);
    }
    if (typeof type !== "string") {
      return Promise.resolve([errorResponse(id, "bad_request", `"type" must be a string, got ${describeValue(type)}`)]);
    }
    if (type === "execute") return this.#execute(id, m, options.admitCalls ?? true);
    if (CONTROL.has(type)) return Promise.resolve(this.#control(id, type, m));
    return Promise.resolve([
      errorResponse(
        id,
        "unknown_type",
        `Unknown request type ${JSON.stringify(type)}; expected one of "execute", ${
          [...CONTROL].map((t) => `"${t}"`).join(", ")
        }`,
      ),
    ]);
  }

  #control(id: RequestId, type: string, m: Record<string, unknown>): Response[] {
    const ex = this.#o.executor;
    switch (type) {
      case "confirm": {
        if (id === null) {
          // A call without an id is never waiting for a confirmation: nothing can be approved without one.
          return [
            errorResponse(
              null,
              "bad_request",
              `A "confirm" needs the "id" of the call it answers, got ${m.id === null ? "null" : "none"}`,
            ),
          ];
        }
        if (typeof m.approve !== "boolean") {
          return [errorResponse(id, "bad_request", `"approve" must be true or false, got ${describeValue(m.approve)}`)];
        }
        const key = JSON.stringify(id);
        const resolve = this.#pending.get(key);
        if (!resolve) {
          return [errorResponse(id, "unknown_confirm", `No call with id ${key} is waiting for a confirmation`)];
        }
        this.#pending.delete(key);
        resolve(m.approve);
        return [];
      }
      case "metrics": {
        const update: { contextTokens?: number; errorOccurred?: boolean } = {};
        if (m.contextTokens !== undefined) {
          const t = m.contextTokens;
          if (typeof t !== "number" || !Number.isFinite(t) || t < 0) {
            return [errorResponse(id, "bad_request", `"contextTokens" must be a number >= 0, got ${describeValue(t)}`)];
          }
          update.contextTokens = t;
        }
        if (m.errorOccurred !== undefined) {
          if (typeof m.errorOccurred !== "boolean") {
            return [
              errorResponse(
                id,
                "bad_request",
                `"errorOccurred" must be true or false, got ${describeValue(m.errorOccurred)}`,
              ),
            ];
          }
          update.errorOccurred = m.errorOccurred;
        }
        const snap = ex.updateMetrics(update);
        return [{ id, type: "metrics", fatigue: Math.round(snap.fatigue * 1e4) / 1e4, metrics: snap }];
      }
      case "reset": {
        const snap = ex.resetMetrics();
        return [{ id, type: "metrics", fatigue: Math.round(snap.fatigue * 1e4) / 1e4, metrics: snap }];
      }
      case "tools":
        return [{
          id,
          type: "tools",
          tools: ex.tools().map((t) => ({
            name: t.name,
            description: t.description ?? "",
            risk: t.risk,
            inputSchema: t.inputSchema ?? { type: "object" },
          })),
        }];
      case "stats":
        return [{ id, type: "stats", stats: ex.logStats() }];
      default:
        return [{ id, type: "info", ...this.#o.info(), protocol: PROTOCOL_VERSION }];
    }
  }

  #execute(id: RequestId, m: Record<string, unknown>, admit: boolean): Promise<Response[]> {
    if (typeof m.tool !== "string") {
      return Promise.resolve([
        errorResponse(id, "bad_request", `"tool" must be a string, got ${describeValue(m.tool)}`),
      ]);
    }
    const key = JSON.stringify(id);
    if (id !== null && this.#inFlight.has(key)) {
      return Promise.resolve([
        errorResponse(
          id,
          "duplicate_id",
          `A call with id ${key} is still in flight; ids of calls in flight must differ`,
        ),
      ]);
    }
    if (this.#closing) {
      return Promise.resolve([errorResponse(id, "bad_request", "The server is shutting down")]);
    }
    if (!admit) {
      return Promise.resolve([
        errorResponse(
          id,
          "overloaded",
          `Too many requests are queued while a call waits for your confirm; this call was not queued: send it again once the queue is shorter`,
        ),
      ]);
    }
    const tool = m.tool;
    const args = m.args === undefined ? {} : m.args;
    if (id !== null) this.#inFlight.add(key);
    const run = this.#queue.then(async (): Promise<Response[]> => {
      const controller = new AbortController();
      // After stop(), a call that comes up in the lane is cancelled before it starts (the executor answers it).
      if (this.#stopReason !== null) controller.abort(new DOMException(this.#stopReason, "AbortError"));
      this.#running = controller;
      try {
        const r = await this.#o.executor.execute(tool, args, {
          confirm: this.#confirmFor(id),
          signal: controller.signal,
        });
        return [resultResponse(id, r)];
      } finally {
        this.#running = null;
        if (id !== null) this.#inFlight.delete(key);
      }
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  #confirmFor(id: RequestId): ConfirmHandler {
    const mode = this.#o.confirm;
    if (mode !== "client") {
      this.#handler ??= this.#questions.wrap(mode); // a question still open when the server stops is withdrawn
      return this.#handler;
    }
    return (req) => {
      if (id === null) return false; // nothing to match a confirm against
      if (this.#closing || req.signal.aborted) return false;
      const key = JSON.stringify(id);
      return new Promise<boolean>((resolve) => {
        const finish = (v: boolean) => {
          this.#pending.delete(key);
          resolve(v);
        };
        this.#pending.set(key, finish);
        req.signal.addEventListener("abort", () => finish(false), { once: true });
        this.#o.emit(confirmPayload(req, id) as Response);
      });
    };
  }

  /** EOF: pending confirmations are not approved; resolves when every queued call has finished. */
  async close(): Promise<void> {
    this.#closing = true;
    this.#questions.close();
    for (const resolve of [...this.#pending.values()]) resolve(false);
    this.#pending.clear();
    await this.#queue;
  }

  /**
   * Stop (a signal, or nobody reads stdout): queued calls are not started (each is answered with errorCode
   * `cancelled` and `reason`), pending confirmations are not approved, and the running call finishes; resolves when
   * it did.
   */
  stop(reason: string): Promise<void> {
    this.#stopReason ??= reason;
    return this.close();
  }

  /** Abort the running call as well (a running process is killed). */
  abortRunning(reason: string): void {
    this.#stopReason ??= reason;
    this.#running?.abort(new DOMException(reason, "AbortError"));
  }
}

/** The wire form of an execute result (SPEC §3). */
export function resultResponse(id: RequestId, r: ExecResult): Response {
  return {
    id,
    type: "result",
    ok: r.ok,
    skipped: r.skipped,
    decision: r.decision,
    risk: r.risk,
    output: r.output,
    error: r.error,
    errorCode: r.errorCode,
    fatigue: r.fatigue,
    durationMs: r.durationMs,
    tool: r.tool,
  };
}
