import assert from "node:assert/strict";
import { InFlightCall } from "../../src/gateway/_in_flight.ts";

const aborted = (signal: AbortSignal) => new Promise((resolve) => signal.addEventListener("abort", resolve));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("InFlightCall: the timeout aborts with its reason; end() clears the timer", async () => {
  const call = new InFlightCall("fs__read", 10, {});
  call.start();
  await aborted(call.signal);
  assert.equal(call.why, "timeout");
  assert.match(String(call.signal.reason), /timed out after 10 ms/);
  call.end();
  const quiet = new InFlightCall("fs__read", 5, {});
  quiet.start();
  quiet.end();
  await sleep(30);
  assert.equal(quiet.why, null, "no timer left after end()");
  assert.equal(quiet.signal.aborted, false);
});

Deno.test("InFlightCall: the caller's signal cancels with its reason; a cancelled call is not re-armed", async () => {
  const caller = new AbortController();
  const call = new InFlightCall("fs__read", 20, { signal: caller.signal });
  call.start();
  caller.abort(new Error("the user pressed stop"));
  assert.equal(call.why, "cancelled");
  assert.match(String(call.signal.reason), /the user pressed stop/);
  call.pause();
  call.resume();
  await sleep(50);
  assert.equal(call.why, "cancelled", "resume() after a cancel does not start a timeout");
  call.end();
});

Deno.test("InFlightCall: a pause keeps the time that was left; end() lets go of the caller's signal", async () => {
  const caller = new AbortController();
  const call = new InFlightCall("fs__read", 400, { signal: caller.signal });
  call.start();
  await sleep(300);
  call.pause();
  await sleep(500); // longer than the whole timeout
  assert.equal(call.why, null);
  const resumed = performance.now();
  call.resume();
  await aborted(call.signal);
  assert.equal(call.why, "timeout");
  // About 100 ms were left; a fresh timeout would take 400 (the margin is for a busy machine).
  assert.ok(performance.now() - resumed < 350, `${performance.now() - resumed} ms after resume`);
  call.end();
  const ended = new InFlightCall("fs__read", 400, { signal: caller.signal });
  ended.start();
  ended.end();
  caller.abort();
  assert.equal(ended.why, null, "the caller's abort after end() no longer reaches it");
  assert.equal(ended.signal.aborted, false);
});
