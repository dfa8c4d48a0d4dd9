/**
 * Private helper of the JSON-lines server: the `cancel` request (SPEC §3.1). It cancels a queued or running call by
 * its id: a queued call is not started, a pending ASK is not approved, a running process is killed; the call's own
 * result then comes back with errorCode `cancelled`.
 *
 * @module
 */
import { describeValue } from "../../_util/describe.ts";
import type { CallLane } from "../_call_lane.ts";
import { ID_RULE, idProblem } from "../_ids.ts";
import { errorResponse, type RequestId, type Response } from "./wire.ts";

/**
 * Answer `{"type":"cancel","target":ID}`: `cancelled` is true when a call with that id was queued or running (it is
 * cancelled), false with the reason when none was.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CallLane } from "../_call_lane.ts";
 * import { cancelCall } from "./_cancel.ts";
 * const lane = new CallLane<boolean>();
 * const call = lane.run(JSON.stringify(3), (_signal, turn) => Promise.resolve(turn.cancelled ? "cancelled" : "ran"));
 * assert.deepEqual(cancelCall(lane, 10, 3), { id: 10, type: "cancel", cancelled: true });
 * assert.equal(await call, "cancelled"); // cancelled while it was queued: it never ran
 * assert.equal(cancelCall(lane, 11, 3).cancelled, false);
 * assert.equal(cancelCall(lane, 12, undefined).type, "error");
 * ```
 */
export function cancelCall<A>(lane: CallLane<A>, id: RequestId, target: unknown): Response {
  if (target === undefined || target === null || idProblem(target) !== null) {
    return errorResponse(
      id,
      "bad_request",
      `"target" must be the id of the call to cancel (${ID_RULE}), got ${describeValue(target)}`,
    );
  }
  const key = JSON.stringify(target);
  if (!lane.has(key)) {
    return { id, type: "cancel", cancelled: false, reason: `No call with id ${key} is queued or running` };
  }
  lane.cancel(key, `cancelled by the client (request ${JSON.stringify(id)})`);
  return { id, type: "cancel", cancelled: true };
}
