/**
 * Private helper of the JSON-lines server: a `metrics` request whose context is text (`contextText`) or the chat
 * history (`messages`), counted with the configured tokenizer before the update (answered at once, never behind
 * the call lane).
 *
 * @module
 */
import type { SafeExecutor } from "../../gate/executor.ts";
import { readAnyMetricsUpdate } from "../../gate/_context_update.ts";
import { roundFatigue } from "../../gate/metrics.ts";
import { errorResponse, type RequestId, type Response } from "./wire.ts";

/**
 * Answer a metrics request with `contextText` or `messages`: the metrics, with `counted` saying how many tokens by
 * which tokenizer; a `bad_request` naming the field (or the message's place) when it is not one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * import { SafeExecutor } from "../../gate/executor.ts";
 * import { countedMetricsResponse } from "./_metrics.ts";
 * const dir = mkdtempSync(join(tmpdir(), "se-"));
 * const ex = new SafeExecutor({ workspace: join(dir, "ws"), witness: join(dir, "w.log"), metrics: { tokenizer: "chars" } });
 * const [r] = await countedMetricsResponse(ex, 1, { contextText: "12345678" });
 * assert.deepEqual(r!.counted, { tokens: 2, tokenizer: "chars", from: "contextText" });
 * const [e] = await countedMetricsResponse(ex, 2, { messages: [{ role: 7 }] });
 * assert.equal(e!.type, "error");
 * ex.close();
 * ```
 */
export async function countedMetricsResponse(
  executor: SafeExecutor,
  id: RequestId,
  m: Record<string, unknown>,
): Promise<Response[]> {
  const read = readAnyMetricsUpdate(m);
  if ("problem" in read) return [errorResponse(id, "bad_request", read.problem)];
  const update = read.update;
  if (!("contextText" in update) && !("messages" in update)) {
    const snap = executor.updateMetrics(update);
    return [{ id, type: "metrics", fatigue: roundFatigue(snap.fatigue), metrics: snap }];
  }
  try {
    const snap = await executor.updateMetrics(update);
    const counted = {
      tokens: snap.contextTokens,
      tokenizer: executor.metrics.options.tokenizer,
      from: "messages" in update ? "messages" : "contextText",
    };
    return [{ id, type: "metrics", fatigue: roundFatigue(snap.fatigue), metrics: snap, counted }];
  } catch (e) {
    return [errorResponse(id, "bad_request", (e as Error).message)];
  }
}
