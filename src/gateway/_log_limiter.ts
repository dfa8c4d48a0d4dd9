/**
 * Private helper of connection.ts: at most `perSecond` log messages a second pass on; the rest are counted and
 * reported once, when the next second starts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LogLimiter } from "./_log_limiter.ts";
 * let now = 0;
 * const dropped: number[] = [];
 * const limiter = new LogLimiter(2, (n) => dropped.push(n), () => now);
 * assert.deepEqual([limiter.allow(), limiter.allow(), limiter.allow()], [true, true, false]);
 * now = 1000;
 * assert.equal(limiter.allow(), true);
 * assert.deepEqual(dropped, [1]);
 * ```
 *
 * @module
 */

/** A per-second cap on log messages. */
export class LogLimiter {
  readonly #perSecond: number;
  readonly #onDropped: (count: number) => void;
  readonly #now: () => number;
  #windowStart = -Infinity;
  #inWindow = 0;
  #dropped = 0;

  /** `onDropped` hears how many were dropped in the last window; `now` is the clock (default `performance.now`). */
  constructor(perSecond: number, onDropped: (count: number) => void, now: () => number = () => performance.now()) {
    this.#perSecond = perSecond;
    this.#onDropped = onDropped;
    this.#now = now;
  }

  /** Whether the next message may pass. */
  allow(): boolean {
    const now = this.#now();
    if (now - this.#windowStart >= 1000) {
      if (this.#dropped > 0) this.#onDropped(this.#dropped);
      this.#windowStart = now;
      this.#inWindow = 0;
      this.#dropped = 0;
    }
    if (this.#inWindow < this.#perSecond) {
      this.#inWindow++;
      return true;
    }
    this.#dropped++;
    return false;
  }
}
