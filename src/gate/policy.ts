/**
 * The gate's policy: risk × fatigue → allow / ask / deny (SPEC §1).
 *
 * @module
 */
import type { MetricsSnapshot } from "./metrics.ts";
import type { Decision, Risk } from "../types.ts";

/**
 * A policy decides one call from the tool's risk and the session's metrics. A custom policy replaces the table.
 * A throw, or a value that is not a decision, denies the call.
 */
export interface GatePolicy {
  /** Decide one call. */
  decide(risk: Risk, metrics: MetricsSnapshot): Decision | Promise<Decision>;
  /** Optional name for rationales and `info`. */
  readonly name?: string;
}

/** The default policy's parameters (SPEC §1). */
export interface PolicyOptions {
  /** The two fatigue thresholds, 0 ≤ t0 ≤ t1 ≤ 1; a fatigue equal to a threshold falls in the higher column. */
  thresholds: [number, number];
  /** Ask (rather than allow) for high risk below the first threshold. */
  alwaysAskHigh: boolean;
}

/**
 * The defaults of SPEC §1: thresholds 0.35 and 0.70, `alwaysAskHigh` on.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_POLICY } from "./policy.ts";
 * assert.ok(DEFAULT_POLICY.thresholds[0] === 0.35 && DEFAULT_POLICY.alwaysAskHigh);
 * ```
 */
export const DEFAULT_POLICY: PolicyOptions = Object.freeze({
  thresholds: Object.freeze([0.35, 0.7]) as unknown as [number, number],
  alwaysAskHigh: true,
});

const TABLE: Record<Risk, [Decision, Decision, Decision]> = {
  low: ["allow", "allow", "ask"],
  medium: ["allow", "ask", "deny"],
  high: ["ask", "ask", "deny"],
};

/**
 * The default table. A fatigue equal to a threshold falls in the higher column.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DefaultPolicy } from "./policy.ts";
 * import { SessionMetrics } from "./metrics.ts";
 * const p = new DefaultPolicy();
 * const m = new SessionMetrics({}, () => 0).snapshot();
 * assert.ok(p.decide("medium", m) === "allow");
 * assert.ok(p.decide("high", m) === "ask");
 * assert.ok(new DefaultPolicy({ alwaysAskHigh: false }).decide("high", m) === "allow");
 * ```
 */
export class DefaultPolicy implements GatePolicy {
  /** The options in force. */
  readonly options: PolicyOptions;
  /** "default". */
  readonly name = "default";
  /** Make the default policy, optionally with other thresholds or `alwaysAskHigh` off. */
  constructor(options: Partial<PolicyOptions> = {}) {
    this.options = { ...DEFAULT_POLICY, ...options };
  }
  /** Decide from the table. */
  decide(risk: Risk, metrics: MetricsSnapshot): Decision {
    const [low, high] = this.options.thresholds;
    const f = metrics.fatigue;
    const column = f >= high ? 2 : f >= low ? 1 : 0;
    if (risk === "high" && column === 0 && !this.options.alwaysAskHigh) return "allow";
    return TABLE[risk][column];
  }
}
