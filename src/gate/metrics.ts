/**
 * Session fatigue: three observable signals (context size, session duration, recent errors) folded into one
 * number in [0, 1], exactly as SPEC §1.
 *
 * @module
 */
import { describeValue } from "../_util/describe.ts";

/** The fatigue model of SPEC §1. */
export interface MetricsOptions {
  /** Context tokens at which the context term saturates (> 0). */
  maxContext: number;
  /** Session seconds at which the duration term saturates (> 0). */
  maxDuration: number;
  /** Errors at which the error term saturates (a positive integer). */
  maxErrors: number;
  /** Weight of the context term, in [0, 1]. */
  weightContext: number;
  /** Weight of the duration term, in [0, 1]. */
  weightDuration: number;
  /** Weight of the error term, in [0, 1]. The three weights sum to at most 1. */
  weightErrors: number;
  /** Failed tool calls count as errors. */
  countToolErrors: boolean;
  /** With a value > 0, only errors within this many seconds count; 0 counts all since start or reset. */
  errorWindowSeconds: number;
}

/**
 * The defaults of SPEC §1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_METRICS } from "./metrics.ts";
 * assert.ok(DEFAULT_METRICS.maxContext === 4000 && DEFAULT_METRICS.weightContext === 0.4);
 * ```
 */
export const DEFAULT_METRICS: MetricsOptions = Object.freeze({
  maxContext: 4000,
  maxDuration: 1800,
  maxErrors: 5,
  weightContext: 0.4,
  weightDuration: 0.3,
  weightErrors: 0.3,
  countToolErrors: true,
  errorWindowSeconds: 0,
});

/** A point-in-time view of the session's signals and their scores. */
export interface MetricsSnapshot {
  /** Latest context size reported, in tokens. */
  contextTokens: number;
  /** Seconds since start or the last reset. */
  sessionSeconds: number;
  /** Errors counted (inside the window when one is set). */
  errorCount: number;
  /** `min(contextTokens / maxContext, 1)`. */
  contextScore: number;
  /** `min(sessionSeconds / maxDuration, 1)`. */
  durationScore: number;
  /** `min(errorCount / maxErrors, 1)`. */
  errorScore: number;
  /** The weighted sum, rounded to 1e-9 so that a value meant to equal a threshold does. */
  fatigue: number;
}

/** What {@linkcode SessionMetrics.update} takes, like the Python `update_metrics`. */
export interface MetricsUpdate {
  /** Sets (does not add) the context size. */
  contextTokens?: number;
  /** Counts one error. */
  errorOccurred?: boolean;
}

/**
 * Read a metrics update from a client's message (`{contextTokens?, errorOccurred?}`, other keys ignored): the
 * update, or what is wrong with it, naming the field, the value and what was expected.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readMetricsUpdate } from "./metrics.ts";
 * assert.deepEqual(readMetricsUpdate({ contextTokens: 1800, type: "metrics" }), { update: { contextTokens: 1800 } });
 * assert.deepEqual(readMetricsUpdate({ contextTokens: -1 }), {
 *   problem: '"contextTokens" must be a number >= 0, got number -1',
 * });
 * assert.deepEqual(readMetricsUpdate({ errorOccurred: "yes" }), {
 *   problem: '"errorOccurred" must be true or false, got the string "yes"',
 * });
 * ```
 */
export function readMetricsUpdate(m: Record<string, unknown>): { update: MetricsUpdate } | { problem: string } {
  const update: MetricsUpdate = {};
  const t = m.contextTokens;
  if (t !== undefined) {
    if (typeof t !== "number" || !Number.isFinite(t) || t < 0) {
      return { problem: `"contextTokens" must be a number >= 0, got ${describeValue(t)}` };
    }
    update.contextTokens = t;
  }
  const e = m.errorOccurred;
  if (e !== undefined) {
    if (typeof e !== "boolean") return { problem: `"errorOccurred" must be true or false, got ${describeValue(e)}` };
    update.errorOccurred = e;
  }
  return { update };
}

/**
 * The fatigue scorer. Cost per call is flat: errors are a counter, or a queue pruned to the window.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SessionMetrics } from "./metrics.ts";
 * let now = 0;
 * const m = new SessionMetrics({}, () => now);
 * m.update({ contextTokens: 1800, errorOccurred: true });
 * assert.ok(m.fatigue() === 0.24); // 0.4 * 0.45 + 0.3 * 0.2
 * now = 900_000; // 15 minutes later
 * assert.equal(m.fatigue(), 0.39);
 * ```
 */
export class SessionMetrics {
  /** The options in force. */
  readonly options: MetricsOptions;
  #now: () => number;
  #startedAt: number;
  #contextTokens = 0;
  #errorCount = 0;
  #errorTimes: number[] = [];
  #errorHead = 0;

  /** Make a scorer; `now` returns milliseconds (default `performance.now`-like monotonic clock). */
  constructor(options: Partial<MetricsOptions> = {}, now: () => number = () => performance.now()) {
    this.options = { ...DEFAULT_METRICS, ...options };
    this.#now = now;
    this.#startedAt = now();
  }

  /** Apply an update from the agent. */
  update(update: MetricsUpdate): void {
    const read = readMetricsUpdate(update as Record<string, unknown>);
    if ("problem" in read) throw new TypeError(read.problem);
    if (read.update.contextTokens !== undefined) this.#contextTokens = read.update.contextTokens;
    if (read.update.errorOccurred === true) this.recordError();
  }

  /** Count one error now (a reported error, or a failed tool call). */
  recordError(): void {
    if (this.options.errorWindowSeconds > 0) this.#errorTimes.push(this.#now());
    else this.#errorCount++;
  }

  /**
   * How many error times are held in memory (with an error window): those in the window, plus at most about as many
   * older ones not yet pruned. Constant-size without a window (0).
   */
  get heldErrorTimes(): number {
    return this.#errorTimes.length;
  }

  /** Zero all three signals (context, duration, errors). */
  reset(): void {
    this.#startedAt = this.#now();
    this.#contextTokens = 0;
    this.#errorCount = 0;
    this.#errorTimes = [];
    this.#errorHead = 0;
  }

  #errors(now: number): number {
    if (this.options.errorWindowSeconds <= 0) return this.#errorCount;
    const oldest = now - this.options.errorWindowSeconds * 1000;
    const times = this.#errorTimes;
    while (this.#errorHead < times.length && (times[this.#errorHead] as number) <= oldest) this.#errorHead++;
    if (this.#errorHead > 1024 && this.#errorHead * 2 > times.length) {
      this.#errorTimes = times.slice(this.#errorHead);
      this.#errorHead = 0;
    }
    return this.#errorTimes.length - this.#errorHead;
  }

  /** The signals and scores now. */
  snapshot(): MetricsSnapshot {
    const o = this.options;
    const now = this.#now();
    const sessionSeconds = Math.max(0, (now - this.#startedAt) / 1000);
    const errorCount = this.#errors(now);
    const contextScore = Math.min(this.#contextTokens / o.maxContext, 1);
    const durationScore = Math.min(sessionSeconds / o.maxDuration, 1);
    const errorScore = Math.min(errorCount / o.maxErrors, 1);
    const raw = o.weightContext * contextScore + o.weightDuration * durationScore + o.weightErrors * errorScore;
    return {
      contextTokens: this.#contextTokens,
      sessionSeconds,
      errorCount,
      contextScore,
      durationScore,
      errorScore,
      fatigue: Math.min(1, Math.max(0, Math.round(raw * 1e9) / 1e9)),
    };
  }

  /** The fatigue score now. */
  fatigue(): number {
    return this.snapshot().fatigue;
  }
}

/** Round a fatigue for display and JSON (4 decimals). */
export function roundFatigue(f: number): number {
  return Math.round(f * 1e4) / 1e4;
}
