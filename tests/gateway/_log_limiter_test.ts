import assert from "node:assert/strict";
import { LogLimiter } from "../../src/gateway/_log_limiter.ts";

Deno.test("LogLimiter: perSecond pass a second; the dropped ones are reported once, when the next second starts", () => {
  let now = 5_000;
  const dropped: number[] = [];
  const limiter = new LogLimiter(3, (n) => dropped.push(n), () => now);
  const passed = Array.from({ length: 10 }, () => limiter.allow()).filter(Boolean).length;
  assert.equal(passed, 3);
  assert.deepEqual(dropped, []);
  now += 999;
  assert.equal(limiter.allow(), false, "still the same window");
  now += 1;
  assert.equal(limiter.allow(), true);
  assert.deepEqual(dropped, [8]);
  now += 1000;
  limiter.allow();
  assert.deepEqual(dropped, [8], "nothing dropped in the last window: nothing reported");
});
