import assert from "node:assert/strict";
import { DefaultPolicy } from "../../src/gate/policy.ts";
import type { MetricsSnapshot } from "../../src/gate/metrics.ts";
import { SessionMetrics } from "../../src/gate/metrics.ts";
import type { Decision, Risk } from "../../src/types.ts";

const at = (fatigue: number): MetricsSnapshot => ({
  contextTokens: 0,
  sessionSeconds: 0,
  errorCount: 0,
  contextScore: 0,
  durationScore: 0,
  errorScore: 0,
  fatigue,
});

// SPEC §1 table, with points on both sides of each threshold (a value equal to a threshold is in the higher column).
const TABLE: Record<Risk, [Decision, Decision, Decision]> = {
  low: ["allow", "allow", "ask"],
  medium: ["allow", "ask", "deny"],
  high: ["ask", "ask", "deny"],
};
const POINTS: Array<[number, 0 | 1 | 2]> = [
  [0, 0],
  [0.2, 0],
  [0.349999, 0],
  [0.35, 1],
  [0.350001, 1],
  [0.5, 1],
  [0.699999, 1],
  [0.7, 2],
  [0.700001, 2],
  [1, 2],
];

for (const risk of ["low", "medium", "high"] as const) {
  for (const [f, col] of POINTS) {
    Deno.test(`default policy: ${risk} at fatigue ${f} -> ${TABLE[risk][col]}`, () => {
      assert.equal(new DefaultPolicy().decide(risk, at(f)), TABLE[risk][col]);
    });
  }
}

Deno.test("alwaysAskHigh off: high risk at low fatigue is allowed, the other columns unchanged", () => {
  const p = new DefaultPolicy({ alwaysAskHigh: false });
  assert.equal(p.decide("high", at(0.1)), "allow");
  assert.equal(p.decide("high", at(0.35)), "ask");
  assert.equal(p.decide("high", at(0.7)), "deny");
  assert.equal(p.decide("medium", at(0.1)), "allow");
});

Deno.test("thresholds reached exactly through the fatigue formula fall in the higher column", () => {
  // 0.4 * 3500/4000 = 0.35 and 0.4 * 1 + 0.3 * 1 = 0.7, up to float error that the scorer rounds away.
  const m = new SessionMetrics({}, () => 0);
  m.update({ contextTokens: 3500 });
  assert.equal(m.fatigue(), 0.35);
  assert.equal(new DefaultPolicy().decide("medium", m.snapshot()), "ask");
  let t = 0;
  const m2 = new SessionMetrics({}, () => t);
  m2.update({ contextTokens: 4000 });
  t = 1_800_000;
  assert.equal(m2.fatigue(), 0.7);
  assert.equal(new DefaultPolicy().decide("low", m2.snapshot()), "ask");
  assert.equal(new DefaultPolicy().decide("medium", m2.snapshot()), "deny");
});

Deno.test("custom thresholds", () => {
  const p = new DefaultPolicy({ thresholds: [0.1, 0.2] });
  assert.equal(p.decide("medium", at(0.05)), "allow");
  assert.equal(p.decide("medium", at(0.1)), "ask");
  assert.equal(p.decide("medium", at(0.2)), "deny");
});
