/**
 * ASK over MCP: the gate's question as an `elicitation/create` request (a form with one checkbox, every argument
 * shown escaped), and what answer approves it: `accept` with `confirm: true`, nothing else.
 *
 * @module
 */
import { showArgs } from "../../_util/display.ts";
import { ownElicitationMeta } from "../../gateway/elicit_label.ts";
import type { ConfirmDecision, ConfirmRequest } from "../../types.ts";
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
    remember: {
      type: "string",
      title: "Remember for this session",
      description:
        "With the box checked: ask again next time, or approve this exact call, or every call of this tool, " +
        "until the session is reset.",
      enum: ["ask", "call", "tool"],
      enumNames: ["Ask again next time", "Always this exact call", "Always this tool"],
      default: "ask",
    },
    reason: {
      type: "string",
      title: "Reason (optional)",
      description: 'Shown to the agent, e.g. "use list_dir instead".',
      maxLength: 2000,
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
 * assert.deepEqual((m.params as { _meta: unknown })._meta, { "safe-exec/origin": { from: "safe-exec" } });
 * ```
 */
export function elicitationRequest(id: RpcId, req: Omit<ConfirmRequest, "signal">): RpcMessage {
  const wait = req.timeoutMs !== undefined
    ? ` Without an answer within ${Math.round(req.timeoutMs / 1000)} s it is not run.`
    : "";
  return {
    jsonrpc: "2.0",
    id,
    method: "elicitation/create",
    params: {
      message: `safe-exec asks before running ${req.tool} (${
        shortArgs(req.args) || "no arguments"
      }): risk ${req.risk}, session fatigue ${req.fatigue.toFixed(2)} (${req.rationale}). Run it?${wait}`,
      requestedSchema: CONFIRM_SCHEMA,
      _meta: ownElicitationMeta(), // an upstream's elicitation says "[upstream …]" and its own origin instead
    },
  };
}

/**
 * The client's answer to an elicitation as the gate's answer (null: no answer): approved only by `accept` with
 * `confirm: true`; `remember` and `reason` as the form gave them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { approves } from "./elicit.ts";
 * assert.deepEqual(approves({ result: { action: "accept", content: { confirm: true } } }), { approve: true });
 * assert.deepEqual(approves({ result: { action: "accept", content: { confirm: true, remember: "tool" } } }), {
 *   approve: true,
 *   remember: "tool",
 * });
 * assert.deepEqual(approves({ result: { action: "accept", content: { confirm: false, reason: "not now" } } }), {
 *   approve: false,
 *   reason: "not now",
 * });
 * assert.deepEqual(approves({ result: { action: "decline" } }), { approve: false });
 * assert.deepEqual(approves(null), { approve: false });
 * ```
 */
export function approves(answer: RpcMessage | null): ConfirmDecision {
  const result = answer?.result;
  if (!isObject(result) || result.action !== "accept" || !isObject(result.content)) return { approve: false };
  const c = result.content;
  const d: ConfirmDecision = { approve: c.confirm === true };
  if (typeof c.reason === "string" && c.reason.trim() !== "") d.reason = c.reason;
  if (d.approve && (c.remember === "call" || c.remember === "tool")) d.remember = c.remember;
  return d;
}
