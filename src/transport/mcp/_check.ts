/**
 * Private helper of the MCP session: `safe-exec/check` (SPEC §3.1 `check` over MCP), a request with the params of
 * `tools/call` (`{name, arguments}`) whose result is what the gate would decide now, with the rules that matched;
 * nothing is asked, run or logged.
 *
 * @module
 */
import type { SafeExecutor } from "../../gate/executor.ts";
import { objectArgs } from "../../gate/_string_args.ts";
import { describeValue } from "../../_util/describe.ts";
import { RPC_ERROR, rpcError, type RpcId, type RpcMessage, rpcResult } from "./rpc.ts";

/** The method's name. */
export const CHECK_METHOD = "safe-exec/check";

/**
 * Answer a `safe-exec/check` request.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * import { SafeExecutor } from "../../gate/executor.ts";
 * import { checkRequest } from "./_check.ts";
 * const dir = mkdtempSync(join(tmpdir(), "se-"));
 * const ex = new SafeExecutor({ workspace: join(dir, "ws"), witness: join(dir, "w.log") });
 * ex.register("run_bash", { risk: "high" }, () => "ran");
 * const [r] = await checkRequest(ex, 1, { name: "run_bash", arguments: { cmd: "cat a | wc -l" } });
 * assert.equal((r!.result as { decision: string }).decision, "allow");
 * const [e] = await checkRequest(ex, 2, {});
 * assert.equal((e!.error as { code: number }).code, -32602);
 * ex.close();
 * ```
 */
export async function checkRequest(
  executor: SafeExecutor,
  id: RpcId,
  params: Record<string, unknown> | undefined,
): Promise<RpcMessage[]> {
  const name = params?.name;
  if (typeof name !== "string") {
    return [
      rpcError(
        id,
        RPC_ERROR.INVALID_PARAMS,
        `Invalid params: ${CHECK_METHOD} needs "name", a string; got ${describeValue(name)}`,
      ),
    ];
  }
  const c = await executor.check(name, objectArgs(params?.arguments ?? {}));
  return [rpcResult(id, { ...c })];
}
