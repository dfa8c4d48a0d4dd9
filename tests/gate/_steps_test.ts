/**
 * The steps of one call (src/gate/_steps.ts), each tested alone: what `SafeExecutor.execute` relies on from each.
 */
import assert from "node:assert/strict";
import {
  cancelledBeforeStart,
  checkCall,
  decide,
  executeDetails,
  MAX_LOGGED_NAME,
  outputDigest,
  runTool,
  shownName,
  skippedResult,
} from "../../src/gate/_steps.ts";
import { DefaultPolicy } from "../../src/gate/policy.ts";
import { SessionMetrics } from "../../src/gate/metrics.ts";
import type { RegisteredTool } from "../../src/gate/tool.ts";
import type { Workspace } from "../../src/fileops/workspace.ts";
import { ToolError } from "../../src/types.ts";
import { sha256Hex } from "../../src/runtime/hash.ts";

const ws = { root: "/nowhere" } as unknown as Workspace;

function tool(over: Partial<RegisteredTool> = {}): RegisteredTool {
  return {
    name: "greet",
    risk: "low",
    fn: () => "hi",
    inputSchema: { type: "object", properties: { who: { type: "string" } }, required: ["who"] },
    ...over,
  } as RegisteredTool;
}

Deno.test("checkCall: a known tool with fitting arguments is not refused and keeps the arguments", () => {
  const t = tool();
  const r = checkCall(new Map([["greet", t]]), "greet", { who: "ada" });
  assert.equal(r.refused, null);
  assert.equal(r.tool, t);
  assert.deepEqual(r.args, { who: "ada" });
});

Deno.test("checkCall: an unknown tool is unknown_tool, lists the known ones, and logs {} for non-object args", () => {
  const r = checkCall(new Map([["greet", tool()], ["wave", tool({ name: "wave" })]]), "gret", "x");
  assert.equal(r.tool, null);
  assert.deepEqual(r.args, {});
  assert.equal(r.refused?.code, "unknown_tool");
  assert.equal(r.refused?.message, 'Unknown tool "gret"; expected one of "greet", "wave"');
});

Deno.test("checkCall: a huge unknown name is cut in the message", () => {
  const name = "n".repeat(1_000_000);
  const r = checkCall(new Map(), name, {});
  assert.ok(r.refused!.message.length < 200, `message is ${r.refused!.message.length} chars`);
  assert.match(r.refused!.message, /… \(1000000 chars\)/);
});

Deno.test("checkCall: non-object and schema-violating arguments are invalid_args naming what was wrong", () => {
  const tools = new Map([["greet", tool()]]);
  for (const [args, got] of [[null, "null"], [[1], "an array"], [7, "number"], ["s", "string"]] as const) {
    const r = checkCall(tools, "greet", args);
    assert.equal(r.refused?.code, "invalid_args");
    assert.equal(r.refused?.message, `Invalid arguments for greet: expected an object, got ${got}`);
  }
  const missing = checkCall(tools, "greet", {});
  assert.equal(missing.refused?.code, "invalid_args");
  assert.match(missing.refused!.message, /who/);
  const wrongType = checkCall(tools, "greet", { who: 5 });
  assert.equal(wrongType.refused?.code, "invalid_args");
  assert.match(wrongType.refused!.message, /who/);
});

Deno.test("checkCall: a tool without a schema takes any object", () => {
  const { inputSchema: _dropped, ...rest } = tool();
  const t = rest as RegisteredTool;
  assert.equal(checkCall(new Map([["greet", t]]), "greet", { anything: [1, 2] }).refused, null);
});

Deno.test("shownName: whole up to the limit, cut with the length beyond it", () => {
  const exact = "a".repeat(MAX_LOGGED_NAME);
  assert.equal(shownName(exact), exact);
  assert.equal(shownName(exact + "b"), `${exact}… (${MAX_LOGGED_NAME + 1} chars)`);
});

Deno.test("cancelledBeforeStart: null unless aborted; the reason's message when it is an Error", () => {
  assert.equal(cancelledBeforeStart(undefined), null);
  const c = new AbortController();
  assert.equal(cancelledBeforeStart(c.signal), null);
  c.abort("not an error");
  assert.equal(cancelledBeforeStart(c.signal), "Cancelled before it started: the call was cancelled");
  const d = new AbortController();
  d.abort(new Error("SIGINT"));
  assert.equal(cancelledBeforeStart(d.signal), "Cancelled before it started: SIGINT");
});

Deno.test("decide: the table's decision with a rationale naming every score; a broken policy denies", async () => {
  let now = 0;
  const m = new SessionMetrics({}, () => now);
  const fresh = m.snapshot();
  assert.deepEqual(await decide(new DefaultPolicy(), "low", fresh), {
    decision: "allow",
    rationale: "risk=low fatigue=0.00 (context 0.00, duration 0.00, errors 0.00) policy=default -> allow",
  });
  assert.equal((await decide(new DefaultPolicy(), "medium", fresh)).decision, "allow");
  assert.equal((await decide(new DefaultPolicy(), "high", fresh)).decision, "ask");
  m.update({ contextTokens: 4000, errorOccurred: true });
  m.update({ errorOccurred: true });
  m.update({ errorOccurred: true });
  m.update({ errorOccurred: true });
  m.update({ errorOccurred: true });
  now = 1800_000;
  const tired = m.snapshot();
  const v = await decide(new DefaultPolicy(), "low", tired);
  assert.equal(v.decision, "ask");
  assert.equal(v.rationale, "risk=low fatigue=1.00 (context 1.00, duration 1.00, errors 1.00) policy=default -> ask");
  const throwing = await decide({ decide: () => Promise.reject(new Error("db down")) }, "low", fresh);
  assert.deepEqual(throwing, { decision: "deny", rationale: "policy failed: db down; denied" });
  const bogus = await decide({ name: "mine", decide: () => "yes" as never }, "low", fresh);
  assert.equal(bogus.decision, "deny");
  assert.match(bogus.rationale, /returned "yes", expected allow, ask or deny/);
});

Deno.test("runTool: success, ToolError and any other throw give one record; undefined output is null", async () => {
  const ok = await runTool(tool({ fn: () => undefined }), {}, ws);
  assert.deepEqual({ ...ok, runMs: 0 }, { ok: true, output: null, error: null, errorCode: null, runMs: 0 });
  assert.ok(ok.runMs >= 0);
  const te = await runTool(
    tool({ fn: () => Promise.reject(new ToolError("timeout", "too slow", { partial: 1 })) }),
    {},
    ws,
  );
  assert.deepEqual([te.ok, te.errorCode, te.error, te.output], [false, "timeout", "too slow", { partial: 1 }]);
  const other = await runTool(tool({ fn: () => Promise.reject("a string") }), {}, ws);
  assert.deepEqual([other.errorCode, other.error], ["internal", "greet failed: a string"]);
});

Deno.test("runTool: the tool sees the workspace and its timeout, and an abort of the call reaches its signal", async () => {
  const outer = new AbortController();
  let seen: { root: string; timeoutMs: unknown; aborted: boolean; reason: unknown } | null = null;
  const slow = tool({
    timeoutMs: 1234,
    fn: (_args, ctx) =>
      new Promise((resolve) => {
        ctx.signal!.addEventListener("abort", () => {
          seen = { root: ctx.workspace.root, timeoutMs: ctx.timeoutMs, aborted: true, reason: ctx.signal!.reason };
          resolve("stopped");
        });
        queueMicrotask(() => outer.abort("stop now"));
      }),
  } as Partial<RegisteredTool>);
  const r = await runTool(slow, {}, ws, outer.signal);
  assert.equal(r.output, "stopped");
  assert.deepEqual(seen, { root: "/nowhere", timeoutMs: 1234, aborted: true, reason: "stop now" });
});

Deno.test("outputDigest: bytes and sha256 of the UTF-8 text, JSON for objects, null for nothing", () => {
  assert.deepEqual(outputDigest(undefined), { outputBytes: 0, outputSha256: null });
  const enc = new TextEncoder();
  assert.deepEqual(outputDigest("é"), { outputBytes: 2, outputSha256: sha256Hex(enc.encode("é")) });
  assert.deepEqual(outputDigest([1, "a"]), { outputBytes: 7, outputSha256: sha256Hex(enc.encode('[1,"a"]')) });
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.equal(outputDigest(cyclic).outputBytes, "[object Object]".length);
});

Deno.test("executeDetails: never the output itself; layers default to none", () => {
  const secret = "the output must not be logged";
  const d = executeDetails(tool(), { ok: false, output: secret, error: "x", errorCode: "exit_status", runMs: 2.5 });
  assert.equal(JSON.stringify(d).includes(secret), false);
  assert.deepEqual(d, {
    ok: false,
    errorCode: "exit_status",
    durationMs: 2.5,
    outputBytes: secret.length,
    outputSha256: sha256Hex(new TextEncoder().encode(secret)),
    isolation: { layers: ["none"] },
  });
});

Deno.test("skippedResult: a call that did not run has no output and says why", () => {
  assert.deepEqual(skippedResult("ask", "high", 0.5, "not_approved", "Declined"), {
    ok: false,
    skipped: true,
    decision: "ask",
    risk: "high",
    output: null,
    error: "Declined",
    errorCode: "not_approved",
    fatigue: 0.5,
  });
});
