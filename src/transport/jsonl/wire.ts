/**
 * The JSON-lines protocol's messages as they go on the wire (SPEC §3): its version, ids, and the shapes of the
 * answers the server writes (`result`, `error`, `confirm_request`).
 *
 * @module
 */
import { confirmPayload } from "../../gate/confirm.ts";
import type { ConfirmRequest, ExecResult } from "../../types.ts";

/** Protocol version. */
export const PROTOCOL_VERSION = 1;

/** A request id as the client sent it. */
export type RequestId = string | number | null;

/** One message the server writes. */
export type Response = Record<string, unknown> & { id: RequestId; type: string };

/**
 * An `error` answer: a request that could not be taken (not a tool call's failure, which is a `result`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errorResponse } from "./wire.ts";
 * assert.deepEqual(errorResponse(7, "bad_request", "no tool"), {
 *   id: 7,
 *   type: "error",
 *   error: { code: "bad_request", message: "no tool" },
 * });
 * ```
 */
export function errorResponse(id: RequestId, code: string, message: string): Response {
  return { id, type: "error", error: { code, message } };
}

/**
 * The wire form of an execute result (SPEC §3).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resultResponse } from "./wire.ts";
 * const r = resultResponse(1, {
 *   tool: "read_file", ok: true, skipped: false, decision: "allow", risk: "low", output: "hi",
 *   error: null, errorCode: null, fatigue: 0, durationMs: 0.5,
 * });
 * assert.equal(r.type, "result");
 * assert.deepEqual(Object.keys(r).slice(0, 3), ["id", "type", "ok"]);
 * ```
 */
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
    rules: r.rules ?? [],
  };
}

/**
 * The `confirm_request` a call that the gate asks about sends to the client (the same object an `exec:` program
 * reads on its stdin, with the call's id).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { confirmRequest } from "./wire.ts";
 * const m = confirmRequest({ tool: "run_bash", args: { cmd: "ls" }, risk: "high", fatigue: 0.1, rationale: "r" }, 3);
 * assert.equal(m.type, "confirm_request");
 * assert.equal(m.id, 3);
 * ```
 */
export function confirmRequest(req: Omit<ConfirmRequest, "signal">, id: RequestId): Response {
  return confirmPayload(req, id) as Response;
}
