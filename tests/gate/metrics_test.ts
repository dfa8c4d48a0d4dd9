import assert from "node:assert/strict";
import { SessionMetrics } from "../../src/gate/metrics.ts";

function clock() {
  const c = { t: 0, now: () => c.t };
  return c;
}

Deno.test("fatigue is 0 at start", () => {
  assert.equal(new SessionMetrics({}, () => 0).fatigue(), 0);
});

Deno.test("context signal: weight 0.4, set not added, clamped at maxContext", () => {
  const m = new SessionMetrics({}, () => 0);
  m.update({ contextTokens: 2000 });
  assert.equal(m.fatigue(), 0.2);
  m.update({ contextTokens: 1000 });
  assert.equal(m.fatigue(), 0.1, "contextTokens is set, not added");
  m.update({ contextTokens: 4000 });
  assert.equal(m.fatigue(), 0.4);
  m.update({ contextTokens: 1_000_000 });
  assert.equal(m.fatigue(), 0.4, "clamped at 1 * weight");
  assert.equal(m.snapshot().contextScore, 1);
});

Deno.test("duration signal: weight 0.3, clamped at maxDuration", () => {
  const c = clock();
  const m = new SessionMetrics({}, c.now);
  c.t = 900_000;
  assert.equal(m.fatigue(), 0.15);
  c.t = 1_800_000;
  assert.equal(m.fatigue(), 0.3);
  c.t = 10 * 3_600_000;
  assert.equal(m.fatigue(), 0.3, "clamped");
  assert.equal(m.snapshot().durationScore, 1);
});

Deno.test("error signal: weight 0.3, clamped at maxErrors", () => {
  const m = new SessionMetrics({}, () => 0);
  m.update({ errorOccurred: true });
  assert.equal(m.fatigue(), 0.06);
  for (let i = 0; i < 4; i++) m.recordError();
  assert.equal(m.fatigue(), 0.3);
  for (let i = 0; i < 10; i++) m.recordError();
  assert.equal(m.fatigue(), 0.3, "clamped");
  assert.equal(m.snapshot().errorCount, 15);
});

Deno.test("all three signals saturated give exactly 1", () => {
  const c = clock();
  const m = new SessionMetrics({}, c.now);
  m.update({ contextTokens: 99_999 });
  for (let i = 0; i < 9; i++) m.recordError();
  c.t = 99_999_999;
  assert.equal(m.fatigue(), 1);
});

Deno.test("SPEC example: 1800 tokens and one error give 0.24", () => {
  const m = new SessionMetrics({}, () => 0);
  m.update({ contextTokens: 1800, errorOccurred: true });
  assert.equal(m.fatigue(), 0.24);
});

Deno.test("reset zeroes context, duration and errors", () => {
  const c = clock();
  const m = new SessionMetrics({}, c.now);
  m.update({ contextTokens: 3000, errorOccurred: true });
  c.t = 600_000;
  assert.ok(m.fatigue() > 0.3);
  m.reset();
  assert.equal(m.fatigue(), 0);
  c.t = 600_000 + 180_000;
  assert.equal(m.fatigue(), 0.03, "duration restarts from the reset");
});

Deno.test("error window: only errors inside the window count", () => {
  const c = clock();
  const m = new SessionMetrics({ errorWindowSeconds: 60, maxDuration: 1e12 }, c.now);
  m.recordError();
  c.t = 30_000;
  m.recordError();
  assert.equal(m.snapshot().errorCount, 2);
  c.t = 60_001;
  assert.equal(m.snapshot().errorCount, 1, "the first error left the window");
  c.t = 90_001;
  assert.equal(m.snapshot().errorCount, 0);
  m.update({ errorOccurred: true });
  assert.equal(m.snapshot().errorCount, 1);
});

Deno.test("error window: cost stays flat over many errors (queue is pruned)", () => {
  const c = clock();
  const m = new SessionMetrics({ errorWindowSeconds: 1 }, c.now);
  for (let i = 0; i < 100_000; i++) {
    c.t = i * 10;
    m.recordError();
    if (i % 1000 === 0) m.snapshot();
  }
  assert.equal(m.snapshot().errorCount, 100, "1 s window at one error per 10 ms");
  assert.ok(m.heldErrorTimes < 3000, `the queue is pruned: ${m.heldErrorTimes} of 100000 error times still held`);
});

Deno.test("custom weights and limits", () => {
  const m = new SessionMetrics({ maxContext: 100, weightContext: 1, weightDuration: 0, weightErrors: 0 }, () => 0);
  m.update({ contextTokens: 35 });
  assert.equal(m.fatigue(), 0.35);
});

Deno.test("bad contextTokens is refused with the value in the message", () => {
  const m = new SessionMetrics({}, () => 0);
  // One validator for the library, the JSON-lines and the MCP transports (readMetricsUpdate).
  assert.throws(() => m.update({ contextTokens: -1 }), {
    name: "TypeError",
    message: '"contextTokens" must be a number >= 0, got number -1',
  });
  assert.throws(() => m.update({ contextTokens: NaN }), {
    message: '"contextTokens" must be a number >= 0, got number NaN',
  });
});
