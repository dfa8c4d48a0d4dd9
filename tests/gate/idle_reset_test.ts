/** metrics.idleResetSeconds (issue 12): a session idle that long starts afresh before its next call, logged with why. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SafeExecutor } from "../../src/gate/executor.ts";
import { tempDir } from "../_temp.ts";

function make(idleResetSeconds?: number) {
  const dir = tempDir("se-idle-");
  const clock = { t: 0 };
  const ex = new SafeExecutor({
    workspace: join(dir, "ws"),
    witness: join(dir, "w.log"),
    now: () => clock.t,
    ...(idleResetSeconds !== undefined ? { metrics: { idleResetSeconds } } : {}),
  });
  ex.register("write", { risk: "medium" }, () => "ok");
  const lines = () => readFileSync(join(dir, "w.log"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
  return { ex, clock, lines };
}

Deno.test("a desktop session 30 minutes old with 16 KB returned no longer locks itself out after a break", async () => {
  const { ex, clock, lines } = make();
  ex.updateMetrics({ contextTokens: 4000 });
  for (let i = 0; i < 6; i++) {
    clock.t += 4 * 60_000; // a call every 4 minutes, for 24 minutes
    await ex.execute("write");
  }
  ex.updateMetrics({ contextTokens: 4000 }); // the client reports its context (never idle long enough to reset)
  clock.t = 30 * 60_000; // 30 minutes in: context 1.0 and duration 1.0 give 0.70
  const tiredCall = await ex.execute("write");
  assert.equal(tiredCall.decision, "deny");
  clock.t += 899_000; // 899 s without calls: not yet idle
  assert.equal((await ex.execute("write")).decision, "deny");
  clock.t += 900_000; // 900 s: the next call starts a fresh session
  const back = await ex.execute("write");
  assert.equal(back.decision, "allow");
  assert.equal(back.fatigue, 0);
  const reset = lines().find((l) => l.event === "metrics" && l.details.action === "reset")!;
  assert.equal(reset.details.reason, "idle");
  assert.equal(reset.details.idleSeconds, 900);
  assert.match(reset.details.message, /no call for 900 s \(metrics.idleResetSeconds 900\)/);
  ex.close();
});

Deno.test("idleResetSeconds 0 never resets", async () => {
  const { ex, clock, lines } = make(0);
  ex.updateMetrics({ contextTokens: 4000 });
  clock.t = 3 * 3600_000;
  assert.equal((await ex.execute("write")).decision, "deny");
  assert.ok(!lines().some((l) => l.event === "metrics" && l.details.action === "reset"));
  ex.close();
});

Deno.test("a call's own run time is not idleness: a long call does not reset a tired session (RT6 F7)", async () => {
  const dir = tempDir("se-idle-");
  const clock = { t: 0 };
  const ex = new SafeExecutor({ workspace: join(dir, "ws"), witness: join(dir, "w.log"), now: () => clock.t });
  ex.register("write", { risk: "medium" }, () => "ok");
  // a low tool that runs for 905 s of the session's clock (`sleep 905` with a long timeout)
  ex.register("slow", { risk: "low" }, () => {
    clock.t += 905_000;
    return "slept";
  });
  ex.register("fail", { risk: "low" }, () => {
    throw new Error("boom");
  });
  const lines = () => readFileSync(join(dir, "w.log"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
  for (let i = 0; i < 4; i++) await ex.execute("fail"); // errors make the session tired
  ex.updateMetrics({ contextTokens: 150_000 });
  const before = await ex.execute("write");
  assert.notEqual(before.decision, "allow", `the session should be tired first (fatigue ${before.fatigue})`);
  assert.equal((await ex.execute("slow")).ok, true);
  const after = await ex.execute("write"); // 905 s after the slow call *started*, 0 s after it ended
  assert.notEqual(after.decision, "allow", `fatigue ${before.fatigue} -> ${after.fatigue}`);
  assert.ok(after.fatigue >= before.fatigue - 0.01, `fatigue dropped from ${before.fatigue} to ${after.fatigue}`);
  assert.ok(!lines().some((l) => l.event === "metrics" && l.details.action === "reset"), "no idle reset");
  clock.t += 900_000; // a real break after the last call ended: that resets
  assert.equal((await ex.execute("write")).decision, "allow");
  ex.close();
});
