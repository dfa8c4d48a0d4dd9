import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SafeExecutor, type SafeExecutorOptions } from "../../../src/gate/executor.ts";
import { ProtocolServer, type Response } from "../../../src/transport/jsonl/server.ts";
import { currentRuntime } from "../../../src/runtime/mod.ts";
import { registerDefaults } from "../../../src/app.ts";
import { noSandbox } from "../../../src/isolation/process/sandbox.ts";
import { ToolError } from "../../../src/types.ts";

const runtime = await currentRuntime();

function setup(opts: Omit<Partial<SafeExecutorOptions>, "confirm"> & { confirm?: "client" | (() => boolean) } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "se-proto-"));
  const { confirm, ...rest } = opts;
  const executor = new SafeExecutor({ workspace: join(dir, "ws"), witness: join(dir, "witness.log"), ...rest });
  // The protocol is under test here, not the OS sandbox (tests/attack/adversarial_test.ts): run processes unsandboxed so
  // that these tests mean the same on a machine without bubblewrap.
  registerDefaults(executor, { runtime, sandbox: noSandbox });
  const emitted: Response[] = [];
  const server = new ProtocolServer({
    executor,
    confirm: confirm ?? (() => false),
    emit: (m) => emitted.push(m),
    info: () => ({ version: "test", workspace: executor.workspace.root }),
  });
  const send = async (msg: unknown) => await server.handleLine(typeof msg === "string" ? msg : JSON.stringify(msg));
  const one = async (msg: unknown) => {
    const rs = await send(msg);
    assert.equal(rs.length, 1, `expected one response to ${JSON.stringify(msg)}, got ${JSON.stringify(rs)}`);
    return rs[0] as Response;
  };
  const done = async () => {
    await server.close();
    executor.close();
  };
  return { dir, executor, server, emitted, send, one, done, ws: executor.workspace.root };
}

Deno.test("execute: write then read in order, result shape as SPEC §3", async () => {
  const t = setup();
  const [w, r] = await Promise.all([
    t.one({ id: 1, tool: "write_file", args: { path: "a.txt", content: "hi" } }),
    t.one({ id: 2, tool: "read_file", args: { path: "a.txt" } }),
  ]);
  assert.deepEqual(Object.keys(w).slice(0, 11), [
    "id",
    "type",
    "ok",
    "skipped",
    "decision",
    "risk",
    "output",
    "error",
    "errorCode",
    "fatigue",
    "durationMs",
  ]);
  assert.equal(w.type, "result");
  assert.equal(w.ok, true);
  assert.equal(w.decision, "allow");
  assert.equal(w.risk, "medium");
  assert.equal(w.output, "Written 2 chars");
  assert.equal(r.id, 2);
  assert.equal(r.output, "hi");
  assert.equal(r.error, null);
  assert.equal(r.errorCode, null);
  assert.equal(typeof r.durationMs, "number");
  await t.done();
});

Deno.test("`type` defaults to execute when `tool` is present, and explicit execute works", async () => {
  const t = setup();
  const r = await t.one({ id: "x", type: "execute", tool: "list_dir" });
  assert.equal(r.type, "result");
  assert.deepEqual(r.output, []);
  assert.equal(r.id, "x");
  await t.done();
});

Deno.test("ASK round trip (client mode): approve runs the call", async () => {
  const t = setup({ confirm: "client" });
  const pending = t.one({ id: 7, tool: "delete_file", args: { path: "gone.txt" } });
  writeFileSync(join(t.ws, "gone.txt"), "x");
  // wait for the confirm_request
  for (let i = 0; i < 2000 && t.emitted.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
  const req = t.emitted[0] as Response;
  assert.equal(req.type, "confirm_request");
  assert.equal(req.id, 7);
  assert.equal(req.tool, "delete_file");
  assert.deepEqual(req.args, { path: "gone.txt" });
  assert.equal(req.risk, "high");
  assert.match(String(req.rationale), /^risk=high fatigue=0\.00 /);
  // control messages are answered while the call waits
  const info = await t.one({ id: 8, type: "info" });
  assert.equal(info.type, "info");
  assert.deepEqual(await t.send({ type: "confirm", id: 7, approve: true }), []);
  const r = await pending;
  assert.equal(r.ok, true);
  assert.equal(r.decision, "ask");
  assert.equal(r.skipped, false);
  assert.equal(r.output, "Deleted gone.txt");
  await t.done();
});

Deno.test("ASK round trip (client mode): approve false is not_approved and nothing runs", async () => {
  const t = setup({ confirm: "client" });
  writeFileSync(join(t.ws, "keep.txt"), "x");
  const pending = t.one({ id: 9, tool: "delete_file", args: { path: "keep.txt" } });
  for (let i = 0; i < 100 && t.emitted.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
  await t.send({ type: "confirm", id: 9, approve: false });
  const r = await pending;
  assert.equal(r.ok, false);
  assert.equal(r.skipped, true);
  assert.equal(r.decision, "ask");
  assert.equal(r.errorCode, "not_approved");
  assert.equal(readFileSync(join(t.ws, "keep.txt"), "utf8"), "x");
  await t.done();
});

Deno.test("ASK: no answer within confirmTimeoutMs is not approved", async () => {
  const t = setup({ confirm: "client", confirmTimeoutMs: 50 });
  const r = await t.one({ id: 1, tool: "run_bash", args: { cmd: "touch .ok" } });
  assert.equal(r.errorCode, "not_approved");
  assert.match(String(r.error), /no answer within 50 ms/);
  await t.done();
});

Deno.test("ASK: EOF (close) while waiting is not approved", async () => {
  const t = setup({ confirm: "client" });
  const pending = t.one({ id: 1, tool: "run_bash", args: { cmd: "touch .ok" } });
  for (let i = 0; i < 100 && t.emitted.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
  await t.server.close();
  const r = await pending;
  assert.equal(r.errorCode, "not_approved");
  t.executor.close();
});

Deno.test("confirm for an id that is not waiting -> unknown_confirm; bad approve -> bad_request", async () => {
  const t = setup({ confirm: "client" });
  const e = await t.one({ type: "confirm", id: 42, approve: true });
  assert.equal(e.type, "error");
  assert.deepEqual((e.error as { code: string }).code, "unknown_confirm");
  const b = await t.one({ type: "confirm", id: 42, approve: "yes" });
  assert.equal((b.error as { code: string }).code, "bad_request");
  assert.match((b.error as { message: string }).message, /"approve" must be true or false, got the string "yes"/);
  await t.done();
});

Deno.test("metrics: set context, report an error, reset", async () => {
  const t = setup();
  const m = await t.one({ id: 2, type: "metrics", contextTokens: 1800, errorOccurred: true });
  assert.equal(m.type, "metrics");
  assert.equal(m.fatigue, 0.24);
  const metrics = m.metrics as Record<string, number>;
  assert.equal(metrics.contextTokens, 1800);
  assert.equal(metrics.errorCount, 1);
  const r = await t.one({ id: 3, type: "reset" });
  assert.equal(r.type, "metrics");
  assert.equal(r.fatigue, 0);
  assert.equal(r.id, 3);
  for (
    const [bad, msg] of [
      [{ contextTokens: -5 }, /"contextTokens" must be a number >= 0, got number -5/],
      [{ contextTokens: "9" }, /got the string "9"/],
      [{ errorOccurred: 1 }, /"errorOccurred" must be true or false, got number 1/],
    ] as const
  ) {
    const e = await t.one({ id: 4, type: "metrics", ...bad });
    assert.equal((e.error as { code: string }).code, "bad_request");
    assert.match((e.error as { message: string }).message, msg);
  }
  await t.done();
});

Deno.test("tools: the nine built-ins with name, description, risk, inputSchema", async () => {
  const t = setup();
  const r = await t.one({ id: 4, type: "tools" });
  const tools = r.tools as Array<Record<string, unknown>>;
  assert.deepEqual(tools.map((x) => x.name), [
    "read_file",
    "list_dir",
    "write_file",
    "append_file",
    "copy_file",
    "delete_file",
    "delete_dir",
    "run_bash",
    "run_python",
  ]);
  assert.deepEqual(tools.map((x) => x.risk), [
    "low",
    "low",
    "medium",
    "medium",
    "medium",
    "high",
    "high",
    "high",
    "high",
  ]);
  for (const x of tools) {
    assert.equal(typeof x.description, "string");
    assert.equal((x.inputSchema as { type: string }).type, "object");
  }
  await t.done();
});

Deno.test("stats counts by event, decision and tool; info has protocol 1", async () => {
  const t = setup();
  await t.one({ id: 1, tool: "list_dir" });
  await t.one({ id: 2, tool: "run_bash", args: { cmd: "touch .ok" } });
  const s = await t.one({ id: 5, type: "stats" });
  const stats = s.stats as { byEvent: Record<string, number>; byDecision: Record<string, number> };
  assert.equal(stats.byEvent.gate, 2);
  assert.equal(stats.byDecision.allow, 1);
  assert.equal(stats.byDecision.ask, 1);
  const i = await t.one({ id: 6, type: "info" });
  assert.equal(i.protocol, 1);
  assert.equal(i.workspace, t.ws);
  await t.done();
});

Deno.test("bad input: every malformed line gets an error and the server keeps serving", async () => {
  const t = setup();
  const cases: Array<[string, string, RegExp]> = [
    ["not json", "bad_request", /Cannot parse the line as JSON/],
    ["[1,2]", "bad_request", /Expected a JSON object per line, got an array/],
    ["42", "bad_request", /got number 42/],
    ['"str"', "bad_request", /got the string "str"/],
    ["null", "bad_request", /got null/],
    ['{"id":{"a":1},"type":"info"}', "bad_request", /"id" must be a string of at most 256 .* got an object/],
    ['{"id":1}', "bad_request", /no "type" and no "tool"/],
    ['{"id":1,"type":5}', "bad_request", /"type" must be a string, got number 5/],
    ['{"id":1,"type":"launch"}', "unknown_type", /Unknown request type "launch"/],
    ['{"id":1,"tool":5}', "bad_request", /"tool" must be a string, got number 5/],
    ['{"id":1,"type":"execute"}', "bad_request", /"tool" must be a string, got nothing/],
  ];
  for (const [line, code, msg] of cases) {
    const r = await t.one(line);
    assert.equal(r.type, "error", line);
    const err = r.error as { code: string; message: string };
    assert.equal(err.code, code, line);
    assert.match(err.message, msg, line);
  }
  assert.deepEqual(await t.send(""), [], "blank lines are ignored");
  const ok = await t.one('{"id":99,"type":"info"}\r');
  assert.equal(ok.type, "info", "\\r\\n is accepted");
  assert.equal(ok.id, 99);
  await t.done();
});

Deno.test("ids (SPEC §3): a string of at most 256 characters or an integer within ±(2^53 − 1), else bad_request", async () => {
  const t = setup();
  const max = Number.MAX_SAFE_INTEGER;
  for (const id of ["", "x".repeat(256), 0, -1, max, -max, "1e400"]) {
    const r = await t.one(`{"id":${JSON.stringify(id)},"type":"info"}`);
    assert.equal(r.type, "info", String(id));
    assert.equal(r.id, id, "answered under the very id it came with");
  }
  const refused: Array<[string, RegExp]> = [
    ["1e400", /got 1e400$/],
    ["-1e400", /got -1e400$/],
    ["1.5", /got 1\.5$/],
    ["1.0", /got 1\.0$/],
    ["1e2", /got 1e2$/],
    ["12345678901234567890", /got 12345678901234567890$/],
    [String(max + 1), new RegExp(`got ${max + 1}$`)],
    ["-9007199254740992", /got -9007199254740992$/],
    ["1.0000000000000001", /got 1\.0000000000000001$/],
    ['{"a":1}', /got an object$/],
    ["[1]", /got an array$/],
    ["true", /got boolean true$/],
    [JSON.stringify("x".repeat(257)), /got a string of 257 characters$/],
  ];
  for (const [raw, message] of refused) {
    const r = await t.one(`{"id":${raw},"type":"info"}`);
    assert.equal(r.type, "error", raw);
    assert.equal(r.id, null, raw);
    const err = r.error as { code: string; message: string };
    assert.equal(err.code, "bad_request", raw);
    assert.match(
      err.message,
      /^"id" must be a string of at most 256 characters or an integer within ±9007199254740991/,
    );
    assert.match(err.message, message, raw);
  }
  // The text decides, also for an escaped key and a later duplicate (JSON.parse takes the last one).
  const dup = await t.one('{"id":1,"type":"info","\\u0069d":1e400}');
  assert.equal(dup.type, "error");
  const nested = await t.one('{"args":{"id":1.5},"id":3,"type":"info"}');
  assert.equal(nested.id, 3, "an id inside another member is not the request's");
  await t.done();
});

Deno.test("ids: a call whose id JSON cannot round-trip never runs, and a confirm with id null approves nothing", async () => {
  const t = setup({ confirm: "client" });
  writeFileSync(join(t.ws, "keep.txt"), "x");
  const r = await t.one('{"id":1e400,"tool":"delete_file","args":{"path":"keep.txt"}}');
  assert.equal(r.type, "error");
  assert.equal((r.error as { code: string }).code, "bad_request");
  const c = await t.one('{"type":"confirm","id":null,"approve":true}');
  assert.equal((c.error as { code: string; message: string }).code, "bad_request");
  assert.match((c.error as { message: string }).message, /needs the "id" of the call/);
  // a call without an id cannot be confirmed: not approved, nothing deleted
  const noId = await t.one({ tool: "delete_file", args: { path: "keep.txt" } });
  assert.equal(noId.errorCode, "not_approved");
  assert.equal(noId.id, null);
  assert.equal(t.emitted.length, 0, "no confirm_request for a call that cannot be answered");
  assert.equal(readFileSync(join(t.ws, "keep.txt"), "utf8"), "x");
  await t.done();
});

Deno.test("every result error code through the protocol", async () => {
  const t = setup({ confirm: () => true });
  t.executor.register("boom", { risk: "low" }, () => {
    throw new Error("kaboom");
  });
  t.executor.register("coded", { risk: "low" }, () => {
    throw new ToolError("not_found", "custom not found");
  });
  const code = async (msg: unknown) => (await t.one(msg)).errorCode;
  assert.equal(await code({ id: 1, tool: "nope" }), "unknown_tool");
  assert.equal(await code({ id: 2, tool: "read_file", args: { path: 5 } }), "invalid_args");
  assert.equal(await code({ id: 3, tool: "read_file", args: { path: "a", extra: 1 } }), "invalid_args");
  assert.equal(await code({ id: 4, tool: "read_file", args: [] }), "invalid_args");
  assert.equal(await code({ id: 5, tool: "read_file", args: { path: "../x" } }), "path_outside_workspace");
  assert.equal(await code({ id: 6, tool: "read_file", args: { path: "missing.txt" } }), "not_found");
  assert.equal(await code({ id: 7, tool: "run_bash", args: { cmd: "sleep 5", timeoutMs: 100 } }), "timeout");
  const exit = await t.one({ id: 8, tool: "run_bash", args: { cmd: "echo out; echo err >&2; exit 3" } });
  assert.equal(exit.errorCode, "exit_status");
  assert.equal(exit.ok, false);
  const out = exit.output as Record<string, unknown>;
  assert.equal(out.stdout, "out\n", "output is kept on failure");
  assert.equal(out.stderr, "err\n");
  assert.equal(out.exitCode, 3);
  assert.equal(await code({ id: 9, tool: "boom" }), "internal");
  assert.equal(await code({ id: 10, tool: "coded" }), "not_found");
  // 5 failures and more: fatigue from errors is now 0.3, medium is still allowed, then push context to deny
  await t.one({ id: 11, type: "metrics", contextTokens: 4000 });
  const denied = await t.one({ id: 12, tool: "write_file", args: { path: "a", content: "b" } });
  assert.equal(denied.errorCode, "denied");
  assert.equal(denied.skipped, true);
  assert.equal(denied.decision, "deny");
  await t.done();

  const n = setup({ confirm: () => false });
  assert.equal((await n.one({ id: 1, tool: "run_bash", args: { cmd: "touch .ok" } })).errorCode, "not_approved");
  await n.done();

  const w = setup({ witness: "/dev/full" });
  const r = await w.one({ id: 1, tool: "list_dir" });
  assert.equal(r.errorCode, "witness_unavailable");
  assert.equal(r.skipped, true);
  assert.equal(r.decision, "deny");
  assert.match(String(r.error), /\/dev\/full/);
  await w.done();
});

Deno.test("500 pipelined requests are answered with matching ids, tool calls in order", async () => {
  const t = setup();
  const lines: Promise<Response[]>[] = [];
  for (let i = 0; i < 500; i++) {
    const msg = i % 5 === 0
      ? { id: i, type: "metrics", contextTokens: 10 }
      : i % 5 === 1
      ? { id: i, tool: "append_file", args: { path: "log.txt", content: `${i},` } }
      : { id: `s${i}`, tool: "read_file", args: { path: "log.txt" } };
    lines.push(t.server.handleLine(JSON.stringify(msg)));
  }
  const all = (await Promise.all(lines)).map((rs) => {
    assert.equal(rs.length, 1);
    return rs[0] as Response;
  });
  for (let i = 0; i < 500; i++) {
    const want = i % 5 === 0 || i % 5 === 1 ? i : `s${i}`;
    assert.equal(all[i]?.id, want);
    if (i % 5 === 2) {
      // the read right after append i-1 sees every append up to it
      const text = String(all[i]?.output);
      assert.ok(text.endsWith(`${i - 1},`), `read ${i} sees the append before it: ${text.slice(-20)}`);
    }
  }
  await t.done();
});

Deno.test("duplicate id of a call in flight is refused; the first call still completes", async () => {
  const t = setup({ confirm: "client" });
  const first = t.one({ id: 1, tool: "run_bash", args: { cmd: "touch .ok" } });
  const dup = await t.one({ id: 1, tool: "list_dir" });
  assert.equal((dup.error as { code: string }).code, "duplicate_id");
  // answer only once the question is out (a confirm before it is refused, and the call would wait for its timeout)
  for (let i = 0; i < 2000 && t.emitted.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal((t.emitted[0] as Response).type, "confirm_request");
  await t.send({ type: "confirm", id: 1, approve: false });
  assert.equal((await first).errorCode, "not_approved");
  await t.done();
});

Deno.test("a call without id cannot be confirmed in client mode: not approved, id null", async () => {
  const t = setup({ confirm: "client" });
  const r = await t.one({ tool: "run_bash", args: { cmd: "touch .ok" } });
  assert.equal(r.id, null);
  assert.equal(r.errorCode, "not_approved");
  await t.done();
});
