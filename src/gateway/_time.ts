/**
 * Time in the gateway: timers that never outlive what they wait for (a dangling timer keeps a process alive and
 * trips Deno's test sanitizers), and the duration of a call.
 *
 * @module
 */

/**
 * Wait for `promise`, at most `ms` milliseconds; resolves true when it settled (either way) in time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { within } from "./_time.ts";
 * assert.equal(await within(Promise.resolve(1), 1000), true);
 * assert.equal(await within(new Promise(() => {}), 10), false);
 * ```
 */
export async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Milliseconds since `t0` (a `performance.now()` reading), to the microsecond: a call record's `durationMs`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { elapsedMs } from "./_time.ts";
 * const ms = elapsedMs(performance.now() - 12.3456789);
 * assert.ok(ms >= 12.345 && Number.isInteger(ms * 1000));
 * ```
 */
export function elapsedMs(t0: number): number {
  return Math.round((performance.now() - t0) * 1000) / 1000;
}
