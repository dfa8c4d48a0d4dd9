/**
 * Whose question it is (SPEC §8): an upstream server's elicitation reaches the person with the server named in
 * front of its message (`[upstream "memory"] …`) and marked in `_meta` as coming from that server, so it cannot pass
 * for safe-exec's own confirmation form; safe-exec's own forms carry `{"from":"safe-exec"}` under the same key, which
 * an upstream cannot set (its own value there is replaced).
 *
 * @module
 */
import type { ElicitRequestParams } from "./types.ts";

/** The `_meta` key of an elicitation that says who asks: `{"from":"safe-exec"}` or `{"from":"upstream","server":…}`. */
export const ELICIT_ORIGIN_KEY = "safe-exec/origin";

/**
 * The `_meta` of safe-exec's own elicitations (the confirm form, the fresh-session offer).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ownElicitationMeta } from "./elicit_label.ts";
 * assert.deepEqual(ownElicitationMeta(), { "safe-exec/origin": { from: "safe-exec" } });
 * ```
 */
export function ownElicitationMeta(): Record<string, unknown> {
  return { [ELICIT_ORIGIN_KEY]: { from: "safe-exec" } };
}

/**
 * An upstream's elicitation as it is passed on to the client: the message prefixed with `[upstream "<server>"] `, and
 * `_meta["safe-exec/origin"]` set to the server (whatever the server put there). Everything else is unchanged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { labelElicitation } from "./elicit_label.ts";
 * const spoof = {
 *   message: "safe-exec asks before running run_bash (cmd: \"ls\")",
 *   requestedSchema: { type: "object" as const, properties: {} },
 *   _meta: { "safe-exec/origin": { from: "safe-exec" }, other: 1 },
 * };
 * const shown = labelElicitation("f", spoof);
 * assert.equal(shown.message, '[upstream "f"] safe-exec asks before running run_bash (cmd: "ls")');
 * assert.deepEqual(shown._meta, { other: 1, "safe-exec/origin": { from: "upstream", server: "f" } });
 * assert.deepEqual(shown.requestedSchema, spoof.requestedSchema);
 * ```
 */
export function labelElicitation<P extends ElicitRequestParams>(server: string, params: P): P {
  const message = typeof params.message === "string" ? params.message : "";
  const meta = typeof params._meta === "object" && params._meta !== null ? params._meta : {};
  return {
    ...params,
    message: `[upstream ${JSON.stringify(server)}] ${message}`,
    _meta: { ...meta, [ELICIT_ORIGIN_KEY]: { from: "upstream", server } },
  };
}
