import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SafeExecutor } from "../../../src/gate/executor.ts";
import {
  LATEST_PROTOCOL_VERSION,
  McpSession,
  RPC_ERROR,
  type RpcMessage,
  SUPPORTED_PROTOCOL_VERSIONS,
} from "../../../src/transport/mcp/session.ts";
import type { CallToolResult, McpTool } from "../../../src/transport/mcp/tools.ts";
import { currentRuntime } from "../../../src/runtime/mod.ts";
import { registerDefaults } from "../../../src/app.ts";
import { noSandbox } from "../../../src/isolation/process/sandbox.ts";
import type { ConfirmHandler } from "../../../src/types.ts";
import { VERSION } from "../../../src/version.ts";

const runtime = await currentRuntime();

interface Setup {
  dir: string;
  executor: SafeExecutor;
  session: McpSession;
  sent: RpcMessage[];
  /** Send one request; resolves to its single response. */
  rpc(method: string, params?: unknown, id?: number | string): Promise<RpcMessage>;
  /** Send a line; resolves to all responses. */
  line(text: string): Promise<RpcMessage[]>;
  /** Send a notification. */
  notify(method: string, params?: unknown): Promise<void>;
  init(capabilities?: Record<string, unknown>): Promise<RpcMessage>;
  call(name: string, args?: unknown, id?: number | string): Promise<CallToolResult>;
  done(): Promise<void>;
}

let nextId = 100;

function setup(
  options: {
    confirm?: ConfirmHandler;
    processNetwork?: boolean;
    tools?: Record<string, { enabled?: boolean }>;
    confirmTimeoutMs?: number;
  } = {},
): Setup {
  const dir = mkdtempSync(join(tmpdir(), "mcp-session-test-"));
  const executor = new SafeExecutor({
    workspace: join(dir, "ws"),
    witness: join(dir, "witness.log"),
    metrics: { tokenizer: "chars" }, // the estimate's arithmetic below is 4 characters a token
    ...(options.confirmTimeoutMs ? { confirmTimeoutMs: options.confirmTimeoutMs } : {}),
  });
  // The MCP session is under test, not the OS sandbox (tests/attack/adversarial_test.ts): processes run unsandboxed so
  // that these tests mean the same on a machine without bubblewrap.
  registerDefaults(executor, { runtime, sandbox: noSandbox, ...(options.tools ? { tools: options.tools } : {}) });
  const sent: RpcMessage[] = [];
  const session = new McpSession({
    executor,
    confirm: options.confirm ?? (() => false),
    send: (m) => sent.push(m),
    ...(options.processNetwork !== undefined ? { processNetwork: options.processNetwork } : {}),
    log: () => {},
  });
  const s: Setup = {
    dir,
    executor,
    session,
    sent,
    async rpc(method, params, id = nextId++) {
      const msg: Record<string, unknown> = { jsonrpc: "2.0", id, method };
      if (params !== undefined) msg.params = params;
      const rs = await session.handleLine(JSON.stringify(msg));
      assert.equal(rs.length, 1, `one response to ${method}, got ${JSON.stringify(rs)}`);
      return rs[0] as RpcMessage;
    },
    line: (text) => session.handleLine(text),
    async notify(method, params) {
      const msg: Record<string, unknown> = { jsonrpc: "2.0", method };
      if (params !== undefined) msg.params = params;
      assert.deepEqual(await session.handleLine(JSON.stringify(msg)), []);
    },
    init(capabilities = {}) {
      return s.rpc("initialize", {
        protocolVersion: "2025-06-18",
        capabilities,
        clientInfo: { name: "test", version: "1" },
      });
    },
    async call(name, args, id) {
      const r = await s.rpc("tools/call", args === undefined ? { name } : { name, arguments: args }, id);
      assert.ok(r.result, `a result, got ${JSON.stringify(r)}`);
      return r.result as CallToolResult;
    },
    async done() {
      await session.close();
      executor.close();
    },
  };
  return s;
}

function errorOf(r: RpcMessage): { code: number; message: string } {
  assert.ok(r.error, `an error, got ${JSON.stringify(r)}`);
  return r.error as { code: number; message: string };
}

// deno-lint-ignore no-explicit-any
function witness(dir: string): { event: string; tool: string | null; decision: string | null; details: any }[] {
  return readFileSync(join(dir, "witness.log"), "utf8").trimEnd().split("\n").map((l) => JSON.parse(l));
}

/** Wait until the session has sent n messages. */
async function sentCount(s: Setup, n: number): Promise<void> {
  for (let i = 0; i < 500 && s.sent.length < n; i++) await new Promise((r) => setTimeout(r, 2));
  assert.ok(s.sent.length >= n, `expected ${n} sent messages, got ${JSON.stringify(s.sent)}`);
}

// --- initialize and lifecycle ---------------------------------------------------------------------------------------

Deno.test("initialize: each supported version is echoed; an unknown one gets the latest", async () => {
  for (const v of [...SUPPORTED_PROTOCOL_VERSIONS, "2024-11-05", "1999-01-01"]) {
    const s = setup();
    const r = await s.rpc("initialize", {
      protocolVersion: v,
      capabilities: {},
      clientInfo: { name: "t", version: "1" },
    });
    // deno-lint-ignore no-explicit-any
    const result = r.result as Record<string, any>;
    assert.equal(result.protocolVersion, SUPPORTED_PROTOCOL_VERSIONS.includes(v) ? v : LATEST_PROTOCOL_VERSION);
    assert.deepEqual(result.capabilities, { tools: { listChanged: false } });
    assert.equal(result.serverInfo.name, "safe-exec");
    assert.equal(result.serverInfo.version, VERSION);
    assert.equal(typeof result.instructions, "string");
    assert.equal(r.jsonrpc, "2.0");
    await s.done();
  }
  assert.equal(LATEST_PROTOCOL_VERSION, "2025-11-25");
});

Deno.test("initialize: twice, without params, or with a bad protocolVersion/capabilities is an error", async () => {
  const s = setup();
  assert.equal(errorOf(await s.rpc("initialize")).code, RPC_ERROR.INVALID_PARAMS);
  assert.equal(errorOf(await s.rpc("initialize", { protocolVersion: 5, capabilities: {} })).code, -32602);
  assert.match(
    errorOf(await s.rpc("initialize", { protocolVersion: 5 })).message,
    /"protocolVersion" must be a string/,
  );
  assert.equal(errorOf(await s.rpc("initialize", { protocolVersion: "2025-06-18", capabilities: [] })).code, -32602);
  await s.init();
  assert.equal(s.session.protocolVersion, "2025-06-18");
  const again = errorOf(await s.init());
  assert.equal(again.code, RPC_ERROR.INVALID_REQUEST);
  assert.match(again.message, /already initialized/);
  await s.done();
});

Deno.test("before initialize: ping works, tools/* are refused, unknown methods are -32601", async () => {
  const s = setup();
  assert.deepEqual(await s.rpc("ping", undefined, 1), { jsonrpc: "2.0", id: 1, result: {} });
  const list = errorOf(await s.rpc("tools/list"));
  assert.equal(list.code, RPC_ERROR.INVALID_REQUEST);
  assert.match(list.message, /before initialize/);
  assert.equal(errorOf(await s.rpc("tools/call", { name: "read_file", arguments: { path: "a" } })).code, -32600);
  assert.equal(errorOf(await s.rpc("resources/list")).code, RPC_ERROR.METHOD_NOT_FOUND);
  await s.notify("notifications/initialized");
  await s.done();
});

Deno.test("ping after initialize answers {} with the request's id (string ids too)", async () => {
  const s = setup();
  await s.init();
  assert.deepEqual(await s.rpc("ping", {}, "p-1"), { jsonrpc: "2.0", id: "p-1", result: {} });
  await s.done();
});

// --- malformed JSON-RPC -----------------------------------------------------------------------------------------------

Deno.test("malformed: bad JSON is -32700 with id null", async () => {
  const s = setup();
  const [r, ...rest] = await s.line("{not json");
  assert.equal(rest.length, 0);
  assert.equal(r?.id, null);
  assert.equal(errorOf(r!).code, RPC_ERROR.PARSE_ERROR);
  assert.match(errorOf(r!).message, /^Parse error/);
  await s.done();
});

Deno.test("malformed: a batch, a non-object, a missing method, a bad jsonrpc or id is -32600", async () => {
  const s = setup();
  await s.init();
  const cases: [string, number | string | null, RegExp][] = [
    ['[{"jsonrpc":"2.0","id":1,"method":"ping"}]', null, /batches are not supported/],
    ["[]", null, /batches/],
    ["5", null, /expected a JSON-RPC object, got number 5/],
    ['"x"', null, /got the string "x"/],
    ["null", null, /got null/],
    ['{"jsonrpc":"2.0","id":7}', 7, /no "method"/],
    ['{"jsonrpc":"2.0","id":8,"method":42}', 8, /"method" must be a string/],
    ['{"id":9,"method":"ping"}', 9, /"jsonrpc" must be "2.0"/],
    ['{"jsonrpc":"1.0","id":10,"method":"ping"}', 10, /"jsonrpc" must be "2.0"/],
    ['{"jsonrpc":"2.0","id":null,"method":"ping"}', null, /"id" must be a string of at most 256 .*; got null$/],
    ['{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}', null, /"id" must be a string .*; got an object$/],
    ['{"jsonrpc":"2.0","id":1e400,"method":"ping"}', null, /integer within ±9007199254740991 .*; got 1e400$/],
    ['{"jsonrpc":"2.0","id":12345678901234567890,"method":"ping"}', null, /; got 12345678901234567890$/],
    ['{"jsonrpc":"2.0","id":1.5,"method":"ping"}', null, /; got 1\.5$/],
    ['{"jsonrpc":"2.0","id":9007199254740992,"method":"ping"}', null, /; got 9007199254740992$/],
    [`{"jsonrpc":"2.0","id":"${"x".repeat(257)}","method":"ping"}`, null, /; got a string of 257 characters$/],
  ];
  for (const [line, id, message] of cases) {
    const rs = await s.line(line);
    assert.equal(rs.length, 1, line);
    assert.equal(rs[0]?.id, id, line);
    assert.equal(errorOf(rs[0]!).code, RPC_ERROR.INVALID_REQUEST, line);
    assert.match(errorOf(rs[0]!).message, message, line);
  }
  // Still serving, and the edges of the range come back exactly.
  assert.deepEqual((await s.rpc("ping", undefined, 11)).result, {});
  for (const id of [9007199254740991, -9007199254740991, "x".repeat(256)]) {
    const [r] = await s.line(`{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"ping"}`);
    assert.equal(r?.id, id);
  }
  await s.done();
});

Deno.test("malformed: params that are not an object are -32602; blank lines and \\r are fine", async () => {
  const s = setup();
  await s.init();
  assert.equal(errorOf(await s.rpc("tools/list", [1, 2])).code, RPC_ERROR.INVALID_PARAMS);
  assert.deepEqual(await s.line(""), []);
  assert.deepEqual(await s.line("   "), []);
  const [r] = await s.line('{"jsonrpc":"2.0","id":3,"method":"ping"}\r');
  assert.deepEqual(r, { jsonrpc: "2.0", id: 3, result: {} });
  await s.done();
});

Deno.test("notifications get no response, also unknown ones and ones with bad params", async () => {
  const s = setup();
  await s.init();
  await s.notify("notifications/initialized");
  await s.notify("notifications/whatever", { a: 1 });
  assert.deepEqual(await s.line('{"jsonrpc":"2.0","method":"notifications/cancelled","params":[1]}'), []);
  await s.notify("notifications/cancelled", { requestId: 12345 });
  await s.notify("notifications/cancelled", {});
  assert.deepEqual(s.sent, []);
  await s.done();
});

Deno.test("a response nobody waits for is ignored", async () => {
  const s = setup();
  await s.init();
  assert.deepEqual(await s.line('{"jsonrpc":"2.0","id":"nobody","result":{}}'), []);
  assert.deepEqual(await s.line('{"jsonrpc":"2.0","id":3,"error":{"code":1,"message":"x"}}'), []);
  await s.done();
});

// --- tools/list ---------------------------------------------------------------------------------------------------------

Deno.test("tools/list: nine tools with title, description, object schemas and annotations from their kind", async () => {
  const s = setup({ processNetwork: false });
  await s.init();
  const tools = ((await s.rpc("tools/list")).result as { tools: McpTool[] }).tools;
  assert.deepEqual(tools.map((t) => t.name), [
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
  for (const t of tools) {
    assert.equal(typeof t.title, "string", t.name);
    assert.ok(t.description.length > 10, t.name);
    assert.equal(t.inputSchema.type, "object", t.name);
    assert.equal(t.inputSchema.additionalProperties, false, t.name);
    assert.ok(Array.isArray(t.inputSchema.required), t.name);
    assert.equal(t.annotations.openWorldHint, false, t.name);
    assert.equal(t.annotations.title, t.title, t.name);
  }
  const by = Object.fromEntries(tools.map((t) => [t.name, t]));
  for (const n of ["read_file", "list_dir"]) {
    assert.equal(by[n]!.annotations.readOnlyHint, true);
    assert.equal(by[n]!.annotations.destructiveHint, false);
  }
  for (const n of ["write_file", "copy_file", "delete_file", "delete_dir", "run_bash", "run_python"]) {
    assert.equal(by[n]!.annotations.readOnlyHint, false, n);
    assert.equal(by[n]!.annotations.destructiveHint, true, n);
  }
  assert.equal(by.append_file!.annotations.destructiveHint, false);
  assert.equal(by.append_file!.annotations.idempotentHint, false);
  assert.equal(by.write_file!.annotations.idempotentHint, true);
  assert.equal(by.run_bash!.annotations.idempotentHint, false);
  assert.deepEqual(by.read_file!.inputSchema.required, ["path"]);
  assert.deepEqual(by.run_bash!.inputSchema.required, ["cmd"]);
  // Structured output: list_dir's entries and the process record (exitCode and signal may be null).
  assert.deepEqual(Object.keys(by.list_dir!.outputSchema!.properties as object), ["entries"]);
  const rec = by.run_bash!.outputSchema!.properties as Record<string, { type: unknown }>;
  assert.deepEqual(rec.signal!.type, ["string", "null"]);
  assert.deepEqual(rec.exitCode!.type, ["integer", "null"]);
  assert.equal(by.read_file!.outputSchema, undefined);
  await s.done();
});

Deno.test("tools/list: openWorldHint of the process tools follows the sandbox's network; disabled tools vanish", async () => {
  const s = setup({ processNetwork: true, tools: { run_python: { enabled: false }, delete_dir: { enabled: false } } });
  await s.init();
  const tools = ((await s.rpc("tools/list", {})).result as { tools: McpTool[] }).tools;
  assert.equal(tools.length, 7);
  assert.ok(!tools.some((t) => t.name === "run_python" || t.name === "delete_dir"));
  assert.equal(tools.find((t) => t.name === "run_bash")!.annotations.openWorldHint, true);
  assert.equal(tools.find((t) => t.name === "read_file")!.annotations.openWorldHint, false);
  await s.done();
});

// --- tools/call ---------------------------------------------------------------------------------------------------------

Deno.test("tools/call: a read returns text; list_dir returns structuredContent {entries}", async () => {
  const s = setup();
  await s.init();
  writeFileSync(join(s.dir, "ws", "a.txt"), "hello");
  const r = await s.call("read_file", { path: "a.txt" });
  assert.deepEqual(r.content, [{ type: "text", text: "hello" }]);
  assert.equal(r.isError, undefined);
  assert.equal(r.structuredContent, undefined);
  const l = await s.call("list_dir", {});
  assert.deepEqual(l.structuredContent, { entries: [{ name: "a.txt", type: "file", size: 5 }] });
  assert.deepEqual(JSON.parse(l.content[0]!.text), l.structuredContent);
  const l2 = await s.call("list_dir"); // arguments omitted
  assert.deepEqual(l2.structuredContent, l.structuredContent);
  assert.equal((r._meta?.["safe-exec/gate"] as { decision: string }).decision, "allow");
  await s.done();
});

Deno.test("tools/call: calls run in arrival order (a pipelined write then read sees the write)", async () => {
  const s = setup();
  await s.init();
  const w = s.call("write_file", { path: "x.txt", content: "one" });
  const r = s.call("read_file", { path: "x.txt" });
  // write_file is medium risk: allowed at low fatigue.
  assert.equal((await w).content[0]!.text, "Written 3 chars");
  assert.equal((await r).content[0]!.text, "one");
  await s.done();
});

Deno.test("tools/call: an unknown tool and wrong argument types are isError results, logged as denied", async () => {
  const s = setup();
  await s.init();
  const u = await s.call("no_such_tool", {});
  assert.equal(u.isError, true);
  assert.match(u.content[0]!.text, /errorCode unknown_tool/);
  assert.match(u.content[0]!.text, /expected one of "read_file"/);
  const bad = await s.call("read_file", { path: 5 });
  assert.equal(bad.isError, true);
  assert.match(bad.content[0]!.text, /errorCode invalid_args.*"path" must be a string, got number 5/);
  const extra = await s.call("read_file", { path: "a", nope: 1 });
  assert.equal(extra.isError, true);
  const gates = witness(s.dir).filter((l) => l.event === "gate");
  assert.deepEqual(gates.map((g) => [g.tool, g.decision, g.details.errorCode]), [
    ["no_such_tool", "deny", "unknown_tool"],
    ["read_file", "deny", "invalid_args"],
    ["read_file", "deny", "invalid_args"],
  ]);
  await s.done();
});

Deno.test("tools/call: a missing name or non-object arguments are -32602", async () => {
  const s = setup();
  await s.init();
  assert.match(errorOf(await s.rpc("tools/call", {})).message, /needs "name", a string; got nothing/);
  assert.equal(errorOf(await s.rpc("tools/call", { name: 5 })).code, RPC_ERROR.INVALID_PARAMS);
  assert.equal(errorOf(await s.rpc("tools/call", { name: "read_file", arguments: ["a"] })).code, -32602);
  assert.match(
    errorOf(await s.rpc("tools/call", { name: "read_file", arguments: "a.txt" })).message,
    /"arguments" must be an object, got the string "a.txt"/,
  );
  assert.equal(errorOf(await s.rpc("tools/call")).code, -32602);
  await s.done();
});

Deno.test("tools/call: a failed tool is isError naming the code; a failed process keeps its record", async () => {
  const s = setup({ confirm: () => true });
  await s.init();
  const r = await s.call("read_file", { path: "missing.txt" });
  assert.equal(r.isError, true);
  assert.match(r.content[0]!.text, /read_file failed \(decision allow, errorCode not_found/);
  const b = await s.call("run_bash", { cmd: "echo out; echo err >&2; exit 3" });
  assert.equal(b.isError, true);
  assert.match(b.content[0]!.text, /errorCode exit_status/);
  const rec = b.structuredContent as Record<string, unknown>;
  assert.equal(rec.exitCode, 3);
  assert.equal(rec.stdout, "out\n");
  assert.equal(rec.signal, null);
  const ok = await s.call("run_bash", { cmd: "echo hi" });
  assert.equal(ok.isError, undefined);
  assert.equal((ok.structuredContent as { stdout: string }).stdout, "hi\n");
  assert.equal(JSON.parse(ok.content[0]!.text).exitCode, 0);
  await s.done();
});

Deno.test("tools/call: a duplicate id in flight is -32600", async () => {
  let release!: () => void;
  const s = setup();
  s.executor.register("slow", { risk: "low" }, () => new Promise<string>((r) => release = () => r("done")));
  await s.init();
  const first = s.rpc("tools/call", { name: "slow", arguments: {} }, "dup");
  const second = await s.rpc("tools/call", { name: "slow", arguments: {} }, "dup");
  assert.match(errorOf(second).message, /"dup" is in flight/);
  await new Promise((r) => setTimeout(r, 5));
  release();
  assert.equal(((await first).result as CallToolResult).content[0]!.text, "done");
  await s.done();
});

// --- the gate: deny, ask ------------------------------------------------------------------------------------------------

Deno.test("a denied call is isError with the rationale and the fatigue; it did not run", async () => {
  const s = setup();
  await s.init();
  await s.notify("notifications/safe-exec/metrics", { contextTokens: 4000, errorOccurred: true });
  for (let i = 0; i < 4; i++) await s.notify("notifications/safe-exec/metrics", { errorOccurred: true });
  assert.ok(s.executor.metrics.snapshot().fatigue >= 0.7);
  const r = await s.call("delete_file", { path: "a.txt" });
  assert.equal(r.isError, true);
  assert.match(r.content[0]!.text, /was not run \(decision deny, errorCode denied, risk high, fatigue 0\.70\)/);
  assert.match(r.content[0]!.text, /risk=high fatigue=0\.70/);
  const gate = witness(s.dir).filter((l) => l.event === "gate").at(-1)!;
  assert.equal(gate.decision, "deny");
  assert.ok(!witness(s.dir).some((l) => l.event === "execute"));
  await s.done();
});

Deno.test("ASK without elicitation falls back to the confirm handler", async () => {
  const asked: string[] = [];
  const s = setup({ confirm: (req) => (asked.push(req.tool), true) });
  await s.init({}); // no elicitation
  assert.equal(s.session.elicitation, false);
  const r = await s.call("run_bash", { cmd: "touch yes" });
  assert.equal(r.isError, undefined);
  assert.deepEqual(asked, ["run_bash"]);
  assert.equal(s.sent.length, 0);
  const s2 = setup();
  await s2.init();
  const no = await s2.call("run_bash", { cmd: "touch yes" });
  assert.equal(no.isError, true);
  assert.match(no.content[0]!.text, /errorCode not_approved.*did not declare elicitation/s);
  await s.done();
  await s2.done();
});

Deno.test("ASK with elicitation: the form shows the whole call escaped; a long value by its start and end", async () => {
  const content = "start" + "\u202e".repeat(3) + " ".repeat(5000) +
    Array.from({ length: 3000 }, (_, i) => i % 10).join("") + "THE-END";
  let message = "";
  const { s, r } = await askWithHigh((req) => {
    message = (req.params as { message: string }).message;
    return { jsonrpc: "2.0", id: req.id, result: { action: "decline" } };
  }, { path: "f.txt", content });
  assert.equal(r.isError, true);
  assert.ok(message.includes(`content (${Array.from(content).length} characters): "start\\u{202e}`), message);
  assert.ok(message.includes("characters not shown]…"), message);
  assert.ok(message.includes('THE-END"'), "the end is shown");
  assert.ok(!message.includes("\u202e"), "no raw bidi control in the form");
  await s.done();
});

Deno.test("ASK with elicitation: accept with confirm true runs the call", async () => {
  const { s, r } = await askWithHigh((req) => ({
    jsonrpc: "2.0",
    id: req.id,
    result: { action: "accept", content: { confirm: true } },
  }));
  assert.equal(r.isError, undefined, JSON.stringify(r));
  assert.equal(r.content[0]!.text, "Written 1 chars");
  const req = s.sent[0]!;
  assert.equal(req.method, "elicitation/create");
  assert.equal(typeof req.id, "string");
  const params = req.params as {
    message: string;
    requestedSchema: { properties: { confirm: { type: string } }; required: string[] };
  };
  assert.equal(params.requestedSchema.properties.confirm.type, "boolean");
  assert.deepEqual(params.requestedSchema.required, ["confirm"]);
  assert.match(
    params.message,
    /write_file \(path \(9 characters\): "asked.txt"; content \(1 characters\): "x"\): risk high, session fatigue 0\.00/,
  );
  const events = witness(s.dir).filter((l) => l.tool === "write_file").map((l) => l.event);
  assert.deepEqual(events, ["gate", "confirm", "execute"]);
  assert.equal(witness(s.dir).find((l) => l.event === "confirm")!.details.approved, true);
  await s.done();
});

/** Like askWith, with write_file registered as high risk so the gate asks at zero fatigue. */
async function askWithHigh(
  answer: (request: RpcMessage) => RpcMessage,
  args: Record<string, unknown> = { path: "asked.txt", content: "x" },
): Promise<{ s: Setup; r: CallToolResult }> {
  const dir = mkdtempSync(join(tmpdir(), "mcp-session-test-"));
  const executor = new SafeExecutor({ workspace: join(dir, "ws"), witness: join(dir, "witness.log") });
  registerDefaults(executor, { runtime, sandbox: noSandbox, tools: { write_file: { risk: "high" } } });
  const sent: RpcMessage[] = [];
  const session = new McpSession({ executor, confirm: () => true, send: (m) => sent.push(m) });
  await session.handleLine(JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: {
      protocolVersion: "2025-11-25",
      capabilities: { elicitation: {} },
      clientInfo: { name: "t", version: "1" },
    },
  }));
  const s = { dir, executor, session, sent } as unknown as Setup;
  s.done = async () => {
    await session.close();
    executor.close();
  };
  const pending = session.handleLine(JSON.stringify({
    jsonrpc: "2.0",
    id: "call-1",
    method: "tools/call",
    params: { name: "write_file", arguments: args },
  }));
  await sentCount(s, 1);
  assert.deepEqual(await session.handleLine(JSON.stringify(answer(sent[0]!))), []);
  const [res] = await pending;
  return { s, r: res!.result as CallToolResult };
}

for (
  const [name, answer] of [
    ["decline", (id: unknown) => ({ jsonrpc: "2.0", id, result: { action: "decline" } })],
    ["cancel", (id: unknown) => ({ jsonrpc: "2.0", id, result: { action: "cancel" } })],
    [
      "accept with confirm false",
      (id: unknown) => ({ jsonrpc: "2.0", id, result: { action: "accept", content: { confirm: false } } }),
    ],
    ["accept without content", (id: unknown) => ({ jsonrpc: "2.0", id, result: { action: "accept" } })],
    [
      'accept with confirm "true"',
      (id: unknown) => ({ jsonrpc: "2.0", id, result: { action: "accept", content: { confirm: "true" } } }),
    ],
    ["an error", (id: unknown) => ({ jsonrpc: "2.0", id, error: { code: -32603, message: "no UI" } })],
  ] as const
) {
  Deno.test(`ASK with elicitation: ${name} does not run the call`, async () => {
    const { s, r } = await askWithHigh((req) => answer(req.id) as RpcMessage);
    assert.equal(r.isError, true);
    assert.match(r.content[0]!.text, /errorCode not_approved/);
    const events = witness(s.dir).filter((l) => l.tool === "write_file").map((l) => l.event);
    assert.deepEqual(events, ["gate", "confirm"]);
    assert.equal(witness(s.dir).find((l) => l.event === "confirm")!.details.approved, false);
    await s.done();
  });
}

Deno.test("ASK with elicitation: a client with only URL-mode elicitation uses the fallback", async () => {
  const s = setup({ confirm: () => true });
  await s.init({ elicitation: { url: {} } });
  assert.equal(s.session.elicitation, false);
  const s2 = setup();
  await s2.init({ elicitation: { form: {}, url: {} } });
  assert.equal(s2.session.elicitation, true);
  await s.done();
  await s2.done();
});

Deno.test("ASK with elicitation: the confirm timeout cancels the elicitation and does not run the call", async () => {
  const s = setup({ confirmTimeoutMs: 50 });
  await s.init({ elicitation: {} });
  const r = await s.call("run_bash", { cmd: "touch ran" });
  assert.equal(r.isError, true);
  assert.match(r.content[0]!.text, /not_approved/);
  assert.equal(s.sent[0]!.method, "elicitation/create");
  assert.equal(s.sent[1]!.method, "notifications/cancelled");
  assert.equal((s.sent[1]!.params as { requestId: unknown }).requestId, s.sent[0]!.id);
  // A late answer is ignored.
  assert.deepEqual(
    await s.line(
      JSON.stringify({ jsonrpc: "2.0", id: s.sent[0]!.id, result: { action: "accept", content: { confirm: true } } }),
    ),
    [],
  );
  assert.ok(!witness(s.dir).some((l) => l.event === "execute"));
  await s.done();
});

// --- cancellation -------------------------------------------------------------------------------------------------------

Deno.test("notifications/cancelled: a call waiting for elicitation is not run, gets no response, and the elicitation is cancelled", async () => {
  const s = setup();
  await s.init({ elicitation: {} });
  let answered = false;
  const pending = s.line(JSON.stringify({
    jsonrpc: "2.0",
    id: 77,
    method: "tools/call",
    params: { name: "run_bash", arguments: { cmd: "touch ran" } },
  })).then((rs) => (answered = true, rs));
  await sentCount(s, 1);
  await s.notify("notifications/cancelled", { requestId: 77, reason: "user pressed stop" });
  assert.deepEqual(await pending, []);
  assert.ok(answered);
  assert.equal(s.sent[1]!.method, "notifications/cancelled");
  assert.equal(witness(s.dir).find((l) => l.event === "confirm")!.details.reason, "cancelled");
  assert.equal(s.session.inFlight, 0);
  await s.done();
});

Deno.test("notifications/cancelled: a running call sees its signal aborted; a queued call never runs", async () => {
  const s = setup();
  let started = 0;
  let aborted = false;
  s.executor.register("wait", { risk: "low" }, (_a, ctx) =>
    new Promise((resolve) => {
      started++;
      ctx.signal.addEventListener("abort", () => (aborted = true, resolve("stopped")));
    }));
  await s.init();
  const first = s.line(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "wait" } }));
  const second = s.line(JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "wait" } }));
  await new Promise((r) => setTimeout(r, 10));
  await s.notify("notifications/cancelled", { requestId: 2 });
  await s.notify("notifications/cancelled", { requestId: 1 });
  assert.deepEqual(await first, []);
  assert.deepEqual(await second, []);
  assert.equal(started, 1);
  assert.ok(aborted);
  await s.done();
});

// --- fatigue without an agent that reports it ----------------------------------------------------------------------------

Deno.test("context is estimated from the characters returned (/4) until the client reports its own", async () => {
  const s = setup();
  await s.init();
  writeFileSync(join(s.dir, "ws", "big.txt"), "y".repeat(4000));
  await s.call("read_file", { path: "big.txt" });
  assert.equal(s.session.estimatedContextTokens, 1000);
  assert.equal(s.executor.metrics.snapshot().contextTokens, 1000);
  await s.call("read_file", { path: "big.txt" });
  assert.equal(s.executor.metrics.snapshot().contextTokens, 2000);
  const failed = await s.call("read_file", { path: "nope.txt" });
  const expected = Math.ceil((8000 + failed.content[0]!.text.length) / 4);
  assert.equal(s.executor.metrics.snapshot().contextTokens, expected);
  assert.equal(s.executor.metrics.snapshot().errorCount, 1); // failed calls count as errors
  // The client's value wins from then on.
  await s.notify("notifications/safe-exec/metrics", { contextTokens: 10 });
  await s.call("read_file", { path: "big.txt" });
  assert.equal(s.executor.metrics.snapshot().contextTokens, 10);
  // Bad metrics are ignored (and logged to stderr), not applied.
  await s.notify("notifications/safe-exec/metrics", { contextTokens: -1 });
  await s.notify("notifications/safe-exec/metrics", { errorOccurred: "yes" });
  assert.equal(s.executor.metrics.snapshot().contextTokens, 10);
  assert.equal(s.executor.metrics.snapshot().errorCount, 1);
  await s.notify("notifications/safe-exec/metrics", { errorOccurred: true });
  assert.equal(s.executor.metrics.snapshot().errorCount, 2);
  const upd = witness(s.dir).filter((l) => l.event === "metrics").map((l) => l.details.contextTokens);
  assert.deepEqual(upd.slice(0, 3), [1000, 2000, expected]);
  await s.done();
});

Deno.test("close: a pending elicitation is not approved and close waits for the call", async () => {
  const s = setup();
  await s.init({ elicitation: {} });
  const pending = s.call("run_bash", { cmd: "touch ran" });
  await sentCount(s, 1);
  await s.session.close();
  const r = await pending;
  assert.equal(r.isError, true);
  assert.match(r.content[0]!.text, /not_approved/);
  assert.equal(s.session.inFlight, 0);
  const late = errorOf(await s.rpc("tools/call", { name: "read_file", arguments: { path: "a" } }));
  assert.match(late.message, /shutting down/);
  s.executor.close();
});
