import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SafeExecutor, type SafeExecutorOptions } from "../../src/gate/executor.ts";
import { verifyLog } from "../../src/witness/mod.ts";
import { ToolError } from "../../src/types.ts";

function make(opts: SafeExecutorOptions = {}) {
  const dir = mkdtempSync(join(tmpdir(), "se-exec-"));
  const witness = join(dir, "witness.log");
  const ex = new SafeExecutor({ workspace: join(dir, "ws"), witness, ...opts });
  const log = () => readFileSync(witness, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  return { dir, ex, witness, log };
}

Deno.test("the workspace is created; a witness log inside it is refused", () => {
  const dir = mkdtempSync(join(tmpdir(), "se-exec-"));
  const ex = new SafeExecutor({ workspace: join(dir, "a/b/ws"), witness: join(dir, "w.log") });
  assert.ok(existsSync(join(dir, "a/b/ws")));
  ex.close();
  assert.throws(
    () => new SafeExecutor({ workspace: join(dir, "ws2"), witness: join(dir, "ws2/w.log") }),
    /Cannot use the witness log .* as it is inside the workspace/,
  );
});

Deno.test("register refuses bad names, duplicate names and bad risks", () => {
  const { ex } = make();
  ex.register("ok_name-1", { risk: "low" }, () => 1);
  assert.throws(() => ex.register("ok_name-1", { risk: "low" }, () => 1), /a tool of that name exists/);
  assert.throws(() => ex.register("bad name", { risk: "low" }, () => 1), /expected 1-64 of/);
  assert.throws(() => ex.register("", { risk: "low" }, () => 1), /expected 1-64 of/);
  // deno-lint-ignore no-explicit-any
  assert.throws(() => ex.register("x", { risk: "extreme" as any }, () => 1), /risk must be low, medium or high/);
  ex.close();
});

Deno.test("the gate line is on disk before the tool runs", async () => {
  const { ex, log } = make();
  let seenAtRun: string[] = [];
  ex.register("probe", { risk: "low" }, () => {
    seenAtRun = log().map((l) => `${l.event}:${l.tool ?? ""}`);
    return "done";
  });
  const r = await ex.execute("probe", {});
  assert.equal(r.ok, true);
  assert.deepEqual(seenAtRun, ["session:", "gate:probe"]);
  assert.deepEqual(log().map((l) => l.event), ["session", "gate", "execute"]);
  ex.close();
  assert.equal(log().at(-1).event, "session");
  assert.equal(log().at(-1).details.action, "stop");
});

Deno.test("custom policy replaces the table; a throwing or invalid policy denies", async () => {
  const calls: string[] = [];
  const { ex } = make({
    now: () => 0,
    policy: {
      name: "strict",
      decide(risk, m) {
        calls.push(`${risk}@${m.fatigue}`);
        if (risk === "high") return "deny";
        return m.fatigue > 0.2 ? "ask" : "allow";
      },
    },
  });
  ex.register("hi", { risk: "high" }, () => "ran");
  ex.register("lo", { risk: "low" }, () => "ran");
  assert.equal((await ex.execute("hi")).decision, "deny");
  assert.equal((await ex.execute("lo")).decision, "allow");
  ex.updateMetrics({ contextTokens: 4000 });
  const r = await ex.execute("lo");
  assert.equal(r.decision, "ask");
  assert.equal(r.errorCode, "not_approved");
  assert.deepEqual(calls, ["high@0", "low@0", "low@0.4"]);
  ex.close();

  const bad = make({
    policy: {
      decide() {
        throw new Error("policy bug");
      },
    },
  });
  bad.ex.register("t", { risk: "low" }, () => "ran");
  const b = await bad.ex.execute("t");
  assert.equal(b.errorCode, "denied");
  assert.match(String(b.error), /policy failed: policy bug/);
  bad.ex.close();

  // deno-lint-ignore no-explicit-any
  const weird = make({ policy: { decide: () => "maybe" as any } });
  weird.ex.register("t", { risk: "low" }, () => "ran");
  assert.equal((await weird.ex.execute("t")).errorCode, "denied");
  weird.ex.close();
});

Deno.test("async policy and async confirm handler get the request and can approve", async () => {
  const seen: unknown[] = [];
  const { ex, log } = make({
    policy: { decide: async () => await Promise.resolve("ask" as const) },
    confirm: async (req) => {
      seen.push({ tool: req.tool, args: req.args, risk: req.risk, fatigue: req.fatigue });
      await new Promise((r) => setTimeout(r, 5));
      return true;
    },
  });
  ex.register("t", { risk: "medium" }, (args) => `got ${args.x}`);
  const r = await ex.execute("t", { x: 1 });
  assert.equal(r.ok, true);
  assert.equal(r.decision, "ask");
  assert.equal(r.output, "got 1");
  assert.deepEqual(seen, [{ tool: "t", args: { x: 1 }, risk: "medium", fatigue: 0 }]);
  const confirm = log().find((l) => l.event === "confirm");
  assert.equal(confirm.details.approved, true);
  ex.close();
});

Deno.test("confirm: a truthy non-true answer, a throw and a timeout are all not approved", async () => {
  for (
    const [confirm, reason] of [
      // deno-lint-ignore no-explicit-any
      [() => "yes" as any, /declined/],
      [() => {
        throw new Error("slack is down");
      }, /confirm handler failed: slack is down/],
      [() => new Promise<boolean>(() => {}), /no answer within 30 ms/],
    ] as const
  ) {
    let ran = false;
    const { ex } = make({ confirm, confirmTimeoutMs: 30 });
    ex.register("t", { risk: "high" }, () => {
      ran = true;
    });
    const r = await ex.execute("t");
    assert.equal(r.errorCode, "not_approved");
    assert.match(String(r.error), reason);
    assert.equal(ran, false);
    ex.close();
  }
});

Deno.test("the confirm handler's signal aborts on timeout", async () => {
  let aborted = false;
  const { ex } = make({
    confirmTimeoutMs: 20,
    confirm: (req) =>
      new Promise<boolean>((resolve) => {
        req.signal.addEventListener("abort", () => {
          aborted = true;
          resolve(true); // too late: not approved
        });
      }),
  });
  ex.register("t", { risk: "high" }, () => "ran");
  const r = await ex.execute("t");
  assert.equal(r.errorCode, "not_approved");
  assert.equal(aborted, true);
  ex.close();
});

Deno.test("failed tool calls count as errors (countToolErrors), skipped calls do not", async () => {
  const { ex } = make({ confirm: () => false });
  ex.register("fail", { risk: "low" }, () => {
    throw new ToolError("not_found", "nope");
  });
  ex.register("gated", { risk: "high" }, () => "x");
  ex.register("typed", { risk: "low", inputSchema: { type: "object", required: ["n"] } }, () => "x");
  await ex.execute("fail");
  await ex.execute("fail");
  await ex.execute("gated"); // not approved: not an error
  await ex.execute("typed", {}); // invalid arguments: an error
  // An unknown tool is refused (and logged) but not counted: it is as often a tool the harness did not declare as
  // a model's mistake, and counting it locked harnesses with their own tools out (issue 12).
  assert.equal((await ex.execute("nonexistent")).errorCode, "unknown_tool");
  assert.equal(ex.metrics.snapshot().errorCount, 3);
  ex.close();

  const off = make({ metrics: { countToolErrors: false } });
  off.ex.register("fail", { risk: "low" }, () => {
    throw new Error("x");
  });
  await off.ex.execute("fail");
  assert.equal(off.ex.metrics.snapshot().errorCount, 0);
  off.ex.close();
});

Deno.test("concurrent execute calls keep the witness chain and the counts consistent", async () => {
  const { ex, witness } = make({ confirm: async () => await Promise.resolve(true) });
  ex.register("slow", { risk: "low" }, async (args) => {
    await new Promise((r) => setTimeout(r, Number(args.ms)));
    return args.ms;
  });
  ex.register("gated", { risk: "high" }, () => "x");
  const calls = [];
  for (let i = 0; i < 200; i++) {
    calls.push(i % 4 === 0 ? ex.execute("gated") : ex.execute("slow", { ms: i % 7 }));
  }
  const results = await Promise.all(calls);
  assert.equal(results.filter((r) => r.ok).length, 200);
  const stats = ex.logStats();
  assert.equal(stats.byEvent.gate, 200);
  assert.equal(stats.byEvent.execute, 200);
  assert.equal(stats.byEvent.confirm, 50);
  ex.close();
  const v = verifyLog(witness);
  assert.equal(v.ok, true, JSON.stringify(v));
  assert.equal(v.lines, 1 + 200 + 200 + 50 + 1);
});

Deno.test("arguments are validated against the tool's schema before the gate", async () => {
  let ran = 0;
  const { ex } = make();
  ex.register("typed", {
    risk: "low",
    inputSchema: {
      type: "object",
      properties: { n: { type: "integer", minimum: 1, maximum: 5 }, s: { type: "string", enum: ["a", "b"] } },
      required: ["n"],
      additionalProperties: false,
    },
  }, () => ++ran);
  const cases: Array<[unknown, RegExp]> = [
    [{}, /missing the required "n"/],
    [{ n: "1" }, /"n" must be an integer, got the string "1"/],
    [{ n: 1.5 }, /"n" must be an integer, got number 1.5/],
    [{ n: 0 }, /"n" must be >= 1, got 0/],
    [{ n: 9 }, /"n" must be <= 5, got 9/],
    [{ n: 1, s: "c" }, /"s" must be one of "a", "b", got the string "c"/],
    [{ n: 1, z: 1 }, /unknown argument "z"; expected "n", "s"/],
    [[1], /expected an object, got an array/],
    [null, /expected an object, got null/],
    ["str", /expected an object, got string/],
  ];
  for (const [args, msg] of cases) {
    const r = await ex.execute("typed", args);
    assert.equal(r.errorCode, "invalid_args", JSON.stringify(args));
    assert.match(String(r.error), msg);
    assert.equal(r.decision, "deny");
  }
  assert.equal(ran, 0);
  assert.equal((await ex.execute("typed", { n: 2, s: "a" })).ok, true);
  ex.close();
});

Deno.test("cancelling a call via its signal: a pending confirmation is not approved (errorCode cancelled)", async () => {
  const { ex } = make({ confirm: () => new Promise<boolean>(() => {}) });
  ex.register("t", { risk: "high" }, () => "ran");
  const ac = new AbortController();
  const p = ex.execute("t", {}, { signal: ac.signal });
  setTimeout(() => ac.abort(), 10);
  const r = await p;
  assert.equal(r.errorCode, "cancelled");
  assert.equal(r.skipped, true);
  assert.match(String(r.error), /^Cancelled while it waited for approval/);
  ex.close();
});

Deno.test("metrics and resets are logged; logStats counts by event, decision and tool", async () => {
  const { ex, log } = make();
  ex.register("a", { risk: "low" }, () => 1);
  ex.updateMetrics({ contextTokens: 100 });
  await ex.execute("a");
  ex.resetMetrics();
  const events = log().map((l) => `${l.event}${l.details.action ? ":" + l.details.action : ""}`);
  assert.deepEqual(events, ["session:start", "metrics:update", "gate", "execute", "metrics:reset"]);
  const s = ex.logStats();
  assert.equal(s.byTool.a, 1);
  assert.equal(s.byDecision.allow, 1);
  assert.equal(s.byEvent.metrics, 2);
  ex.close();
});

Deno.test("the execute line keeps a tool's isolation layers (not its whole description), or the description", async () => {
  const { ex, log } = make();
  ex.register("layered", {
    risk: "low",
    isolation: () => ({ layers: ["realpath-guard", "confined-process"], reason: "a long explanation", pid: 1 }),
  }, () => "a");
  ex.register("described", { risk: "low", isolation: () => ({ sandbox: "custom" }) }, () => "b");
  ex.register("plain", { risk: "low" }, () => "c");
  for (const t of ["layered", "described", "plain"]) assert.equal((await ex.execute(t, {})).ok, true);
  ex.close();
  const exec = log().filter((l) => l.event === "execute");
  assert.deepEqual(exec.map((l) => l.details.isolation), [
    { layers: ["realpath-guard", "confined-process"] },
    { sandbox: "custom" },
    { layers: ["none"] },
  ]);
});
