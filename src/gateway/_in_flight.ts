/**
 * Private helper of connection.ts: one upstream call in flight. It owns the call's abort controller, its timeout
 * (which pauses while a person answers an elicitation) and the link to the caller's signal, and remembers why the
 * call was stopped: `timeout` or `cancelled`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { InFlightCall } from "./_in_flight.ts";
 * const call = new InFlightCall("fs__read", 20, {});
 * call.start();
 * call.pause(); // an elicitation: the clock stops
 * await new Promise((r) => setTimeout(r, 40));
 * assert.equal(call.why, null);
 * call.resume();
 * await new Promise((r) => call.signal.addEventListener("abort", r));
 * assert.equal(call.why, "timeout");
 * assert.equal(call.signal.aborted, true);
 * call.end();
 * ```
 *
 * @module
 */
import type { ElicitHandler, UpstreamCallOptions } from "./types.ts";

/** A call in flight on one connection. */
export class InFlightCall {
  /** The call's gateway name (`<server>__<tool>`). */
  readonly tool: string;
  /** The call's own elicitation handler, if any. */
  readonly onElicit: ElicitHandler | undefined;
  /** Why the call was stopped, once it was. */
  why: "timeout" | "cancelled" | null = null;
  readonly #controller = new AbortController();
  readonly #timeoutMs: number;
  readonly #signal: AbortSignal | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #deadline = 0;
  #remaining: number;

  /** A call of `tool` that times out after `timeoutMs` (not counting pauses) or when `options.signal` aborts. */
  constructor(tool: string, timeoutMs: number, options: Pick<UpstreamCallOptions, "signal" | "onElicit">) {
    this.tool = tool;
    this.onElicit = options.onElicit;
    this.#timeoutMs = timeoutMs;
    this.#remaining = timeoutMs;
    this.#signal = options.signal;
  }

  /** Aborted when the call times out or is cancelled. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Start the clock and follow the caller's signal. */
  start(): void {
    this.#signal?.addEventListener("abort", this.#onAbort, { once: true });
    this.#arm(this.#timeoutMs);
  }

  /** Stop the clock (a person is being asked). */
  pause(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#remaining = Math.max(0, this.#deadline - performance.now());
  }

  /** Start the clock again with the time that was left. */
  resume(): void {
    if (this.#timer === undefined && this.why === null) this.#arm(this.#remaining);
  }

  /** The call is over: no timer, no listener. */
  end(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#signal?.removeEventListener("abort", this.#onAbort);
  }

  #arm(ms: number): void {
    this.#deadline = performance.now() + ms;
    this.#timer = setTimeout(() => {
      this.why ??= "timeout";
      this.#controller.abort(new Error(`timed out after ${this.#timeoutMs} ms`));
    }, ms);
  }

  readonly #onAbort = (): void => {
    this.why ??= "cancelled";
    this.#controller.abort(this.#signal?.reason ?? new Error("cancelled"));
  };
}
