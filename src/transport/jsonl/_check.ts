/**
 * Private helper of the JSON-lines server: the `check` request (SPEC §3.1), answered at once (never behind the call
 * lane): what the gate would decide for a call now, with the rules that matched; nothing asked, run or logged.
 *
 * @module
 */
import type { SafeExecutor } from "../../gate/executor.ts";
import { describeValue } from "../../_util/describe.ts";
import { errorResponse, type RequestId, type Response } from "./wire.ts";

/**
 * Answer `{"type":"check","tool":…,"args":…}`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * import { SafeExecutor } from "../../gate/executor.ts";
 * import { checkResponse } from "./_check.ts";
 * const dir = mkdtempSync(join(tmpdir(), "se-"));
 * const ex = new SafeExecutor({ workspace: join(dir, "ws"), witness: join(dir, "w.log") });
 * ex.register("run_bash", { risk: "high" }, () => "ran");
 * const r = await checkResponse(ex, 9, { tool: "run_bash", args: { cmd: "rm -rf build" } });
 * assert.deepEqual([r[0]!.type, r[0]!.decision, r[0]!.risk], ["check", "ask", "high"]);
 * ex.close();
 * ```
 */
export async function checkResponse(
  executor: SafeExecutor,
  id: RequestId,
  m: Record<string, unknown>,
): Promise<Response[]> {
  if (typeof m.tool !== "string") {
    return [errorResponse(id, "bad_request", `"tool" must be a string, got ${describeValue(m.tool)}`)];
  }
  const c = await executor.check(m.tool, m.args === undefined ? {} : m.args);
  return [{
    id,
    type: "check",
    decision: c.decision,
    risk: c.risk,
    fatigue: c.fatigue,
    rationale: c.rationale,
    rules: c.rules,
    errorCode: c.errorCode,
    notes: c.notes,
    tool: c.tool,
  }];
}
