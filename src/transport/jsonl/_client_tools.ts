/**
 * Private helper of the JSON-lines server: the `gate` and `outcome` requests of tools the agent runs itself
 * (SPEC §3.1). A gate is named by its request id; the server keeps which ids hold an approved gate that waits for its
 * outcome, and which were reported already, so that every mistake gets its own clear answer.
 *
 * @module
 */
import type { GateResult, OutcomeReport } from "../../gate/executor.ts";
import { describeValue } from "../../_util/describe.ts";
import { idProblem } from "../_ids.ts";
import type { RequestId, Response } from "./wire.ts";
import { errorResponse } from "./wire.ts";

/** The fields a `gate` request may have. */
export const GATE_FIELDS: readonly string[] = ["id", "type", "tool", "args"];
/** The fields an `outcome` request may have. */
export const OUTCOME_FIELDS: readonly string[] = ["id", "type", "gate", "ok", "error", "outputBytes", "durationMs"];

/**
 * The first field of `m` that its request type does not take, as an error answer; null when all are known.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GATE_FIELDS, unknownField } from "./_client_tools.ts";
 * assert.equal(unknownField(1, { id: 1, type: "gate", tool: "t" }, "gate", GATE_FIELDS), null);
 * const bad = unknownField(1, { id: 1, type: "gate", tool: "t", arguments: {} }, "gate", GATE_FIELDS);
 * assert.match(JSON.stringify(bad?.error), /no field \\"arguments\\"/);
 * ```
 */
export function unknownField(
  id: RequestId,
  m: Record<string, unknown>,
  type: string,
  allowed: readonly string[],
): Response | null {
  for (const key of Object.keys(m)) {
    if (!allowed.includes(key)) {
      return errorResponse(
        id,
        "bad_request",
        `A "${type}" request has no field ${JSON.stringify(key)}; expected ${allowed.map((k) => `"${k}"`).join(", ")}`,
      );
    }
  }
  return null;
}

/**
 * The wire form of a gate's answer (SPEC §3.1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gateResponse } from "./_client_tools.ts";
 * const r = gateResponse(7, {
 *   tool: "send_email", decision: "ask", approved: true, risk: "high", fatigue: 0.41, errorCode: null, error: null,
 *   rationale: "risk=high …", ticket: 1, durationMs: 2,
 * });
 * assert.deepEqual(Object.keys(r).slice(0, 5), ["id", "type", "decision", "approved", "risk"]);
 * ```
 */
export function gateResponse(id: RequestId, g: GateResult): Response {
  return {
    id,
    type: "gate",
    decision: g.decision,
    approved: g.approved,
    risk: g.risk,
    fatigue: g.fatigue,
    errorCode: g.errorCode,
    error: g.error,
    rationale: g.rationale,
    rules: [],
    tool: g.tool,
    durationMs: g.durationMs,
  };
}

/** What one gate id holds. */
type GateState = { ticket: number; reported: boolean } | { ticket: null; decision: string; errorCode: string | null };

/**
 * The gate ids of one session and their tickets.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GateIds } from "./_client_tools.ts";
 * const ids = new GateIds();
 * ids.record("7", { approved: true, ticket: 1, decision: "allow", errorCode: null });
 * assert.equal(ids.isOpen("7"), true);
 * const t = ids.ticketFor(7, { gate: 7, ok: true });
 * assert.ok(t.ok && t.ticket === 1);
 * const again = ids.ticketFor(8, { gate: 7, ok: true });
 * assert.ok(!again.ok && (again.error.error as { code: string }).code === "already_reported");
 * ```
 */
export class GateIds {
  #ids = new Map<string, GateState>();

  /** Whether the gate under this key is approved and waits for its outcome. */
  isOpen(key: string): boolean {
    const s = this.#ids.get(key);
    return s !== undefined && s.ticket !== null && !s.reported;
  }

  /** Keep what a gate answered under its key. */
  record(key: string, g: Pick<GateResult, "approved" | "ticket" | "decision" | "errorCode">): void {
    this.#ids.set(
      key,
      g.ticket !== null ? { ticket: g.ticket, reported: false } : {
        ticket: null,
        decision: g.decision,
        errorCode: g.errorCode,
      },
    );
  }

  /**
   * Read an outcome request: the ticket it reports and the report, or the error answer (a bad field, an unknown
   * gate, a gate that was not approved, one already reported).
   */
  ticketFor(
    id: RequestId,
    m: Record<string, unknown>,
  ): { ok: true; ticket: number; report: OutcomeReport } | { ok: false; error: Response } {
    const refuse = (code: string, message: string) => ({ ok: false as const, error: errorResponse(id, code, message) });
    const gate = m.gate;
    if (gate === undefined || gate === null || idProblem(gate) !== null) {
      return refuse(
        "bad_request",
        `An "outcome" needs "gate": the id of the gate request it reports, got ${describeValue(gate)}`,
      );
    }
    if (typeof m.ok !== "boolean") {
      return refuse(
        "bad_request",
        `"ok" must be true or false (the tool succeeded), got ${describeValue(m.ok)}`,
      );
    }
    if (m.error !== undefined && m.error !== null && typeof m.error !== "string") {
      return refuse("bad_request", `"error" must be a string or null, got ${describeValue(m.error)}`);
    }
    for (const k of ["outputBytes", "durationMs"] as const) {
      const v = m[k];
      if (v !== undefined && (typeof v !== "number" || !Number.isFinite(v) || v < 0)) {
        return refuse("bad_request", `"${k}" must be a number ≥ 0, got ${describeValue(v)}`);
      }
    }
    const key = JSON.stringify(gate);
    const s = this.#ids.get(key);
    if (s === undefined) {
      return refuse(
        "unknown_gate",
        `No gate request had the id ${key} in this session; send {"type":"gate",…} first and report its id`,
      );
    }
    if (s.ticket === null) {
      return refuse(
        "unknown_gate",
        `The gate ${key} was not approved (decision ${s.decision}, errorCode ${s.errorCode}): the tool must not run, ` +
          `so there is no outcome to report`,
      );
    }
    if (s.reported) {
      return refuse("already_reported", `The outcome of gate ${key} was already reported; report it once`);
    }
    s.reported = true;
    const report: OutcomeReport = { ok: m.ok as boolean };
    if (typeof m.error === "string") report.error = m.error;
    if (typeof m.outputBytes === "number") report.outputBytes = m.outputBytes;
    if (typeof m.durationMs === "number") report.durationMs = m.durationMs;
    return { ok: true, ticket: s.ticket, report };
  }
}
