/**
 * Private helper of connection.ts: the integrator's callbacks are run so that a failing one never breaks a
 * connection or fails a call.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { progressTo, quietly } from "./_callbacks.ts";
 * quietly(() => {
 *   throw new Error("a broken hook");
 * });
 * const seen: unknown[] = [];
 * progressTo((p) => seen.push(p))({ progress: 1, total: undefined, message: "half" });
 * assert.deepEqual(seen, [{ progress: 1, message: "half" }]);
 * ```
 *
 * @module
 */
import type { UpstreamProgress } from "./types.ts";

/** Run an integrator's callback; what it throws is dropped. */
export function quietly(callback: () => void): void {
  try {
    callback();
  } catch {
    // a failing callback must not break the connection
  }
}

/** The SDK's progress callback for a call: passes the update on (without undefined fields), never throws. */
export function progressTo(
  onProgress: (progress: UpstreamProgress) => void,
): (p: { progress: number; total?: number | undefined; message?: string | undefined }) => void {
  return (p) =>
    quietly(() =>
      onProgress({
        progress: p.progress,
        ...(p.total !== undefined ? { total: p.total } : {}),
        ...(p.message !== undefined ? { message: p.message } : {}),
      })
    );
}
