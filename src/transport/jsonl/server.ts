/**
 * The JSON-lines protocol core (SPEC §3), runtime-free: `handleLine(line)` resolves to the responses for that
 * line. Tool calls run one at a time in arrival order; control messages are answered at once, also while a call
 * runs or waits for its confirmation.
 *
 * @module
 */
import type { SafeExecutor } from "../../gate/executor.ts";
import { readMetricsUpdate, roundFatigue } from "../../gate/metrics.ts";
import type { ConfirmDecision, ConfirmHandler } from "../../types.ts";
import { answeredBy } from "../../gate/confirm.ts";
import { readConfirm } from "./_confirm.ts";
import { describeValue } from "../../_util/describe.ts";
import { parseJsonLine } from "../../_util/lines.ts";
import { CallLane } from "../_call_lane.ts";
import { cancelCall } from "./_cancel.ts";
import { checkResponse } from "./_check.ts";
import { countedMetricsResponse } from "./_metrics.ts";
import { unknownFieldProblem } from "./_request_fields.ts";
import { ID_RULE, idProblem } from "../_ids.ts";
import { stripStrictNulls } from "../../schemas/strip_nulls.ts";
import { GATE_FIELDS, GateIds, gateResponse, OUTCOME_FIELDS, unknownField } from "./_client_tools.ts";
import {
  confirmRequest,
  errorResponse,
  PROTOCOL_VERSION,
  type RequestId,
  type Response,
  resultResponse,
} from "./wire.ts";

export { PROTOCOL_VERSION, type RequestId, type Response, resultResponse } from "./wire.ts";

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
  info: () => object;
}

const CONTROL = new Set(["confirm", "metrics", "reset", "tools", "stats", "info", "cancel", "outcome"]);

/**
 * One protocol session over one executor.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProtocolServer } from "./server.ts";
 * import { SafeExecutor } from "../../gate/executor.ts";
 * import { mkdtempSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * const dir = mkdtempSync(join(tmpdir(), "se-"));
 * const executor = new SafeExecutor({ workspace: join(dir, "ws"), witness: join(dir, "w.log") });
 * const server = new ProtocolServer({ executor, confirm: () => false, emit: () => {}, info: () => ({}) });
 * const [r] = await server.handleLine('{"id":1,"type":"metrics","contextTokens":1800}');
 * assert.ok(r?.type === "metrics" && r.id === 1);
 * const [e] = await server.handleLine("not json");
 * assert.ok(e?.type === "error" && e.id === null);
 * await server.close();
 * executor.close();
 * ```
 */
export class ProtocolServer {
  #o: ProtocolOptions;
  #lane = new CallLane<ConfirmDecision>();
  #handler: ConfirmHandler | null = null;
  #gates = new GateIds();

  /** Make a session. */
  constructor(options: ProtocolOptions) {
    this.#o = options;
  }

  /** Calls queued or running. */
  get inFlight(): number {
    return this.#lane.size;
  }

  /** Whether a call waits for the client's `confirm`. */
  get awaitingConfirm(): boolean {
    return this.#lane.client.size > 0;
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
    // a bug met while reading the request is answered under its own id (no extra tick: answers keep their order)
    try {
      return this.#route(id, m, options);
    } catch (e) {
      return Promise.resolve([errorResponse(id, "internal", `Internal error: ${String(e)}`)]);
    }
  }

  /** Answer a request whose id is known. */
  #route(id: RequestId, m: Record<string, unknown>, options: { admitCalls?: boolean }): Promise<Response[]> {
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
    const unknown = unknownFieldProblem(type, m);
    if (unknown !== null) return Promise.resolve([errorResponse(id, "bad_request", unknown)]);
    if (type === "execute") return this.#execute(id, m, options.admitCalls ?? true);
    if (type === "check") return checkResponse(this.#o.executor, id, m);
    if (type === "metrics" && (m.contextText !== undefined || m.messages !== undefined)) {
      return countedMetricsResponse(this.#o.executor, id, m);
    }
    if (type === "gate") return this.#gate(id, m, options.admitCalls ?? true);
    if (type === "outcome") return Promise.resolve([this.#outcome(id, m)]);
    if (type === "tools") return this.#tools(id);
    if (CONTROL.has(type)) return Promise.resolve(this.#control(id, type, m));
    return Promise.resolve([
      errorResponse(
        id,
        "unknown_type",
        `Unknown request type ${JSON.stringify(type)}; expected one of "execute", "check", "gate", ${
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
        const answer = readConfirm(m);
        if (typeof answer === "string") return [errorResponse(id, "bad_request", answer)];
        const key = JSON.stringify(id);
        if (!this.#lane.client.answer(key, answer)) {
          return [errorResponse(id, "unknown_confirm", `No call with id ${key} is waiting for a confirmation`)];
        }
        return [];
      }
      case "metrics": {
        const read = readMetricsUpdate(m);
        if ("problem" in read) return [errorResponse(id, "bad_request", read.problem)];
        const snap = ex.updateMetrics(read.update);
        return [{ id, type: "metrics", fatigue: roundFatigue(snap.fatigue), metrics: snap }];
      }
      case "reset": {
        const snap = ex.resetMetrics();
        return [{ id, type: "metrics", fatigue: roundFatigue(snap.fatigue), metrics: snap }];
      }
      case "stats":
        return [{ id, type: "stats", stats: ex.logStats() }];
      case "cancel":
        return [cancelCall(this.#lane, id, m.target)];
      default:
        return [{ id, type: "info", ...this.#o.info(), protocol: PROTOCOL_VERSION }];
    }
  }

  /** `tools`: every tool, the gateway's upstream ones included (listing them may start their servers). */
  async #tools(id: RequestId): Promise<Response[]> {
    const tools = await this.#o.executor.listTools();
    return [{
      id,
      type: "tools",
      tools: tools.map((t) => ({
        name: t.name,
        description: t.description ?? "",
        risk: t.risk,
        inputSchema: t.inputSchema ?? { type: "object" },
        ...(t.run === "client" ? { run: "client" } : {}),
      })),
    }];
  }

  /** `gate` (SPEC §3.1): a client tool's turn in the lane, through the same gate and ASK as an execute. */
  #gate(id: RequestId, m: Record<string, unknown>, admit: boolean): Promise<Response[]> {
    const bad = unknownField(id, m, "gate", GATE_FIELDS);
    if (bad !== null) return Promise.resolve([bad]);
    if (id === null) {
      return Promise.resolve([
        errorResponse(null, "bad_request", `A "gate" needs an "id": its "outcome" names the gate by it`),
      ]);
    }
    const key = JSON.stringify(id);
    if (this.#gates.isOpen(key)) {
      return Promise.resolve([
        errorResponse(
          id,
          "duplicate_id",
          `The gate ${key} is approved and waits for its outcome; report it before reusing its id`,
        ),
      ]);
    }
    return this.#queued(id, m, admit, async (tool, args, signal) => {
      const g = await this.#o.executor.gate(tool, args, { confirm: this.#confirmFor(id), signal });
      if (g.misuse !== undefined) return [errorResponse(id, "bad_request", g.misuse)];
      this.#gates.record(key, g);
      return [gateResponse(id, g)];
    });
  }

  /** `outcome` (SPEC §3.1): what a client tool did after its approved gate; answered at once. */
  #outcome(id: RequestId, m: Record<string, unknown>): Response {
    const bad = unknownField(id, m, "outcome", OUTCOME_FIELDS);
    if (bad !== null) return bad;
    const found = this.#gates.ticketFor(id, m);
    if (!found.ok) return found.error;
    const r = this.#o.executor.outcome(found.ticket, found.report);
    if (!r.recorded) return errorResponse(id, r.code, r.message);
    return { id, type: "outcome", recorded: true, fatigue: r.fatigue };
  }

  #execute(id: RequestId, m: Record<string, unknown>, admit: boolean): Promise<Response[]> {
    return this.#queued(id, m, admit, async (tool, args, signal) => {
      const r = await this.#o.executor.execute(tool, args, { confirm: this.#confirmFor(id), signal });
      return [resultResponse(id, r)];
    });
  }

  /** A request that takes its turn in the call lane (an execute or a gate), after the checks they share. */
  #queued(
    id: RequestId,
    m: Record<string, unknown>,
    admit: boolean,
    run: (tool: string, args: unknown, signal: AbortSignal) => Promise<Response[]>,
  ): Promise<Response[]> {
    if (typeof m.tool !== "string") {
      return Promise.resolve([
        errorResponse(id, "bad_request", `"tool" must be a string, got ${describeValue(m.tool)}`),
      ]);
    }
    const key = JSON.stringify(id);
    if (id !== null && this.#lane.has(key)) {
      return Promise.resolve([
        errorResponse(
          id,
          "duplicate_id",
          `A call with id ${key} is still in flight; ids of calls in flight must differ`,
        ),
      ]);
    }
    if (this.#lane.closing) {
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
    // After stop(), a call that comes up in the lane is cancelled before it starts (the executor answers it).
    return this.#lane.run(
      id === null ? null : key,
      (signal) => run(tool, this.#withoutStrictNulls(tool, args), signal),
    );
  }

  /**
   * The arguments without the nulls an OpenAI strict-mode model sends for arguments it leaves out (`schema --strict`
   * makes optional ones nullable), where the tool's own schema does not take null (the built-in and brought tools).
   */
  #withoutStrictNulls(tool: string, args: unknown): unknown {
    const schema = this.#o.executor.tool(tool)?.inputSchema;
    return schema === undefined ? args : stripStrictNulls(args, schema as Record<string, unknown>);
  }

  #confirmFor(id: RequestId): ConfirmHandler {
    const mode = this.#o.confirm;
    if (mode !== "client") {
      this.#handler ??= this.#lane.track(mode); // a question still open when the server stops is withdrawn
      return this.#handler;
    }
    return answeredBy(async (req) => {
      if (id === null) return false; // nothing to match a confirm against
      if (this.#lane.closing || req.signal.aborted) return false;
      const send = () => this.#o.emit(confirmRequest(req, id));
      return await this.#lane.client.ask(JSON.stringify(id), req.signal, send) ?? false;
    }, "client");
  }

  /** EOF: pending confirmations are not approved; resolves when every queued call has finished. */
  close(): Promise<void> {
    return this.#lane.close();
  }

  /**
   * Stop (a signal, or nobody reads stdout): queued calls are not started (each is answered with errorCode
   * `cancelled` and `reason`), pending confirmations are not approved, and the running call finishes; resolves when
   * it did.
   */
  stop(reason: string): Promise<void> {
    return this.#lane.stop(reason);
  }

  /** Abort the running call as well (a running process is killed). */
  abortRunning(reason: string): void {
    this.#lane.abortRunning(reason);
  }
}
