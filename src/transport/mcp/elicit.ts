/**
 * ASK over MCP: the gate's question as an `elicitation/create` request (a form with one checkbox, every argument
 * shown escaped), and what answer approves it: `accept` with `confirm: true`, nothing else.
 *
 * @module
 */
import { showArgs } from "../../_util/display.ts";
import type { ConfirmRequest } from "../../types.ts";
import { isObject, type RpcId, type RpcMessage } from "./rpc.ts";

/**
 * Arguments for the confirmation form (elicitation), which a client shows as one message: every argument with its
 * length, escaped (control and bidirectional characters, runs of padding counted; see `_display.ts`); a value
 * longer than 1 000 characters once escaped is shown by its start and end with the length left out between.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shortArgs } from "./elicit.ts";
 * assert.equal(shortArgs({ cmd: "ls" }), 'cmd (2 characters): "ls"');
 * const long = shortArgs({ content: "x".repeat(5000) + "end" });
 * assert.match(long, /^content \(5003 characters\): "⟪5000 × "x"⟫end"$/);
 * assert.match(shortArgs({ content: Array.from({ length: 3000 }, (_, i) => i % 10).join("") }), /characters not shown/);
 * ```
 */
export function shortArgs(args: Record<string, unknown>): string {
  return showArgs(args, FORM_VALUE_CHARS).join("; ");
}

/** The most characters of one argument the confirmation form shows before it shortens it to its start and end. */
const FORM_VALUE_CHARS = 1000;

const CONFIRM_SCHEMA = Object.freeze({
  type: "object",
  properties: {
    confirm: {
      type: "boolean",
      title: "Run this call",
      description: "Check to let safe-exec run the call; leave it unchecked to skip the call.",
      default: false,
    },
  },
  required: ["confirm"],
});

/** The prefix of the ids of the server's own requests (`safe-exec-elicit-1`, …). */
export const ELICIT_PREFIX = "safe-exec-elicit-";

/**
 * The `elicitation/create` request that asks the user about one call.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { elicitationRequest } from "./elicit.ts";
 * const m = elicitationRequest("safe-exec-elicit-1", { tool: "run_bash", args: { cmd: "ls" }, risk: "high", fatigue: 0.2, rationale: "r" });
 * assert.equal(m.method, "elicitation/create");
 * assert.match((m.params as { message: string }).message, /^safe-exec asks before running run_bash \(cmd/);
 * ```
 */
export function elicitationRequest(id: RpcId, req: Omit<ConfirmRequest, "signal">): RpcMessage {
  return {
    jsonrpc: "2.0",
    id,
    method: "elicitation/create",
    params: {
      message: `safe-exec asks before running ${req.tool} (${
        shortArgs(req.args) || "no arguments"
      }): risk ${req.risk}, session fatigue ${req.fatigue.toFixed(2)} (${req.rationale}). Run it?`,
      requestedSchema: CONFIRM_SCHEMA,
    },
  };
}

/**
 * Whether the client's answer to an elicitation approves the call (null: no answer).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { approves } from "./elicit.ts";
 * assert.equal(approves({ result: { action: "accept", content: { confirm: true } } }), true);
 * assert.equal(approves({ result: { action: "accept", content: { confirm: false } } }), false);
 * assert.equal(approves(null), false);
 * ```
 */
export function approves(answer: RpcMessage | null): boolean {
  const result = answer?.result;
  return isObject(result) && result.action === "accept" && isObject(result.content) && result.content.confirm === true;
}
