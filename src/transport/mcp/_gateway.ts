/**
 * Private helper of the MCP session: what the gateway (SPEC §8) adds to it. Upstream tools are listed as their
 * servers describe them (under their gateway names) and their results go back unchanged; a denial for fatigue may
 * be lifted by the person, never the model, by starting a fresh session through an elicitation.
 *
 * @module
 */
import type { RegisteredTool } from "../../gate/tool.ts";
import { ownElicitationMeta } from "../../gateway/elicit_label.ts";
import type { ExecResult } from "../../types.ts";
import { isObject, type RpcMessage } from "./rpc.ts";
import type { McpTool } from "./tools.ts";

/**
 * The `tools/list` entry of an upstream tool: what its server gave (title, description, schemas, annotations),
 * under its gateway name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { upstreamEntry } from "./_gateway.ts";
 * const t = {
 *   name: "memory__read_graph", risk: "low" as const, description: "Read", inputSchema: { type: "object" as const },
 *   upstream: { server: "memory", annotations: { readOnlyHint: true } }, fn: () => null,
 * };
 * assert.deepEqual(upstreamEntry(t).annotations, { readOnlyHint: true });
 * ```
 */
export function upstreamEntry(t: RegisteredTool): McpTool {
  const entry: McpTool = {
    name: t.name,
    description: t.description ?? "",
    inputSchema: (t.inputSchema ?? { type: "object" }) as Record<string, unknown>,
    annotations: { ...t.upstream?.annotations },
  };
  if (t.title !== undefined) entry.title = t.title;
  if (t.outputSchema !== undefined) entry.outputSchema = t.outputSchema as Record<string, unknown>;
  return entry;
}

/**
 * The upstream server's own `tools/call` result in an executor result, to pass back unchanged: the output of a call
 * that ran (also one the server flagged `isError`), or null (the gate did not let it run, or there was no result).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { upstreamResult } from "./_gateway.ts";
 * const base = { tool: "m__t", skipped: false, decision: "allow" as const, risk: "low" as const, error: null,
 *   errorCode: null, fatigue: 0, durationMs: 1 };
 * const result = { content: [{ type: "text", text: "hi" }] };
 * assert.equal(upstreamResult({ ...base, ok: true, output: result }), result);
 * assert.equal(upstreamResult({ ...base, ok: false, skipped: true, output: null }), null);
 * ```
 */
export function upstreamResult(r: ExecResult): Record<string, unknown> | null {
  if (r.skipped) return null;
  const out = r.output;
  return isObject(out) && Array.isArray(out.content) ? out : null;
}

/** The texts of a result's text blocks (what the context estimate counts). */
export function textsOf(result: Record<string, unknown>): string[] {
  const content = Array.isArray(result.content) ? result.content : [];
  return content.flatMap((c) => isObject(c) && c.type === "text" && typeof c.text === "string" ? [c.text] : []);
}

const FRESH_SCHEMA = Object.freeze({
  type: "object",
  properties: {
    fresh: {
      type: "boolean",
      title: "Start a fresh session",
      description: "Check to reset the session's fatigue to zero (logged) and let safe-exec decide the call again.",
      default: false,
    },
  },
  required: ["fresh"],
});

/**
 * Whether a result is a denial for fatigue (the policy table's DENY), which the person may lift with a fresh
 * session; a rule's floor or anything else is not.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { deniedForFatigue } from "./_gateway.ts";
 * const r = { tool: "write_file", ok: false, skipped: true, decision: "deny" as const, risk: "medium" as const,
 *   output: null, error: "Denied: risk=medium fatigue=0.72 (context 1.00, duration 0.50, errors 0.40) policy=default -> deny",
 *   errorCode: "denied" as const, fatigue: 0.72, durationMs: 1 };
 * assert.equal(deniedForFatigue(r), true);
 * assert.equal(deniedForFatigue({ ...r, error: "Denied by rule 2" }), false);
 * ```
 */
export function deniedForFatigue(r: ExecResult): boolean {
  return r.errorCode === "denied" &&
    /^Denied: risk=\w+ fatigue=[\d.]+ \(context .*policy=default -> deny/.test(r.error ?? "");
}

/** The elicitation that offers the person a fresh session after a denial for fatigue. */
export function freshSessionRequest(id: string, r: ExecResult): RpcMessage {
  return {
    jsonrpc: "2.0",
    id,
    method: "elicitation/create",
    params: {
      message:
        `safe-exec denied ${r.tool} (risk ${r.risk}): the session is too tired (fatigue ${r.fatigue.toFixed(2)}: ${
          r.error?.replace(/^Denied: /, "")
        }). A fresh session resets its fatigue to zero; the reset is logged. ` +
        `Start a fresh session and decide the call again?`,
      requestedSchema: FRESH_SCHEMA,
      _meta: ownElicitationMeta(),
    },
  };
}

/** Whether the person accepted a fresh session. */
export function wantsFresh(answer: RpcMessage | null): boolean {
  const result = answer?.result;
  return isObject(result) && result.action === "accept" && isObject(result.content) && result.content.fresh === true;
}
