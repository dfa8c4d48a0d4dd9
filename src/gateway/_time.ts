/**
 * Timers that never outlive what they wait for (a dangling timer keeps a process alive and trips Deno's test
 * sanitizers).
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
