/**
 * Private helper of the JSON-lines server: a client's `confirm` (SPEC §3): `approve`, and optionally `reason` (shown
 * to the model) and `remember` (`"call"` or `"tool"`, with an approval: for the rest of the session).
 *
 * @module
 */
import { describeValue } from "../../_util/describe.ts";
import { MAX_REASON_CHARS } from "../../gate/confirm.ts";
import type { ConfirmDecision } from "../../types.ts";

/**
 * The answer a `confirm` carries, or what is wrong with it (naming the field, the value and what was expected).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readConfirm } from "./_confirm.ts";
 * assert.deepEqual(readConfirm({ approve: false, reason: "use list_dir" }), { approve: false, reason: "use list_dir" });
 * assert.deepEqual(readConfirm({ approve: true, remember: "tool" }), { approve: true, remember: "tool" });
 * assert.match(readConfirm({ approve: "yes" }) as string, /"approve" must be true or false/);
 * assert.match(readConfirm({ approve: true, remember: "always" }) as string, /"remember" must be "call" or "tool"/);
 * assert.match(readConfirm({ approve: false, remember: "call" }) as string, /only with "approve": true/);
 * ```
 */
export function readConfirm(m: Record<string, unknown>): ConfirmDecision | string {
  if (typeof m.approve !== "boolean") return `"approve" must be true or false, got ${describeValue(m.approve)}`;
  const d: ConfirmDecision = { approve: m.approve };
  if (m.reason !== undefined) {
    if (typeof m.reason !== "string" || m.reason.length > MAX_REASON_CHARS) {
      return `"reason" must be a string of at most ${MAX_REASON_CHARS} characters (shown to the model), got ${
        describeValue(m.reason)
      }`;
    }
    d.reason = m.reason;
  }
  if (m.remember !== undefined) {
    if (m.remember !== "call" && m.remember !== "tool") {
      return `"remember" must be "call" (this tool with these arguments) or "tool" (every call of this tool), got ${
        describeValue(m.remember)
      }`;
    }
    if (!m.approve) return `"remember" goes only with "approve": true (a refusal is not remembered)`;
    d.remember = m.remember;
  }
  return d;
}
