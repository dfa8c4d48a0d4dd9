/**
 * Request-supplied names that are Object.prototype keys (red team F7): every lookup of a key from a request in a
 * table (request types, fields, tools, rules' tables, config names) must use own properties only, so that
 * `{"type":"__proto__"}` is an unknown type answered under its own id, never an internal TypeError.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registerDefaults } from "../../src/app.ts";
import { parseConfig } from "../../src/config/mod.ts";
import { SafeExecutor } from "../../src/gate/executor.ts";
import { noSandbox } from "../../src/isolation/process/sandbox.ts";
import { evaluateRules, validateRules } from "../../src/rules/mod.ts";
import { currentRuntime } from "../../src/runtime/mod.ts";
import { ProtocolServer, type Response } from "../../src/transport/jsonl/server.ts";
import { McpSession, type RpcMessage } from "../../src/transport/mcp/session.ts";

/** Names a plain object answers without owning them. */
const NAMES = [
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toLocaleString",
  "__defineGetter__",
  "__defineSetter__",
  "__lookupGetter__",
  "__lookupSetter__",
];
const TYPES = ["execute", "gate", "check", "confirm", "metrics", "reset", "tools", "stats", "info", "cancel"];

const runtime = await currentRuntime();

function executor() {
  const dir = mkdtempSync(join(tmpdir(), "se-proto-keys-"));
  const ex = new SafeExecutor({ workspace: join(dir, "ws"), witness: join(dir, "witness.log") });
  registerDefaults(ex, { runtime, sandbox: noSandbox });
  return { ex, dir };
}

Deno.test("serve: prototype names as type, field, tool, target and id are answered under the request's id", async () => {
  const { ex, dir } = executor();
  const server = new ProtocolServer({ executor: ex, confirm: () => false, emit: () => {}, info: () => ({}) });
  const one = async (msg: Record<string, unknown>): Promise<Response> => {
    const rs = await server.handleLine(JSON.stringify(msg));
    assert.equal(rs.length <= 1, true, JSON.stringify(rs));
    return rs[0] ?? ({ id: msg.id, type: "none" } as Response);
  };
  try {
    let id = 0;
    for (const name of NAMES) {
      const r = await one({ id: ++id, type: name });
      assert.deepEqual(
        [r.id, r.type, (r.error as { code?: string } | undefined)?.code],
        [id, "error", "unknown_type"],
        name,
      );
      for (const type of TYPES) {
        // the name as a field of every request type: an own "__proto__" key too (JSON.parse makes it own)
        const line = `{"id":${++id},"type":${JSON.stringify(type)},${JSON.stringify(name)}:1}`;
        const [f] = await server.handleLine(line);
        assert.equal(f?.id, id, `${type} with field ${name}: ${JSON.stringify(f)}`);
        assert.equal((f?.error as { code?: string } | undefined)?.code, "bad_request", `${type} ${name}`);
        assert.match(String((f?.error as { message?: string }).message), /Unknown field/, `${type} ${name}`);
      }
      const ex1 = await one({ id: ++id, tool: name, args: {} });
      assert.deepEqual([ex1.id, ex1.type, ex1.errorCode], [id, "result", "unknown_tool"], name);
      const chk = await one({ id: ++id, type: "check", tool: name });
      assert.deepEqual([chk.id, chk.type, chk.errorCode], [id, "check", "unknown_tool"], name);
      const gate = await one({ id: ++id, type: "gate", tool: name });
      assert.equal(gate.id, id, JSON.stringify(gate));
      assert.equal(gate.type === "error" || gate.type === "gate", true, JSON.stringify(gate));
      const cancel = await one({ id: ++id, type: "cancel", target: name });
      assert.equal(cancel.id, id, JSON.stringify(cancel));
      const confirm = await one({ id: name, type: "confirm", approve: true });
      assert.deepEqual([confirm.id, (confirm.error as { code?: string }).code], [name, "unknown_confirm"]);
      // an argument named like a prototype key is an unknown field of the tool's schema, not a crash
      const arg = await server.handleLine(
        `{"id":${++id},"tool":"read_file","args":{"path":"a",${JSON.stringify(name)}:1}}`,
      );
      assert.deepEqual([arg[0]?.id, arg[0]?.errorCode], [id, "invalid_args"], `${name}: ${JSON.stringify(arg)}`);
    }
  } finally {
    await server.close();
    ex.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test("MCP: prototype names as method, tool and check name get JSON-RPC answers, never internal errors", async () => {
  const { ex, dir } = executor();
  const session = new McpSession({ executor: ex, confirm: () => false, send: () => {}, log: () => {} });
  let id = 0;
  const rpc = async (method: string, params?: unknown): Promise<RpcMessage> => {
    const rs = await session.handleLine(JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }));
    assert.equal(rs.length, 1, JSON.stringify(rs));
    assert.equal(rs[0]!.id, id);
    return rs[0]!;
  };
  try {
    await rpc("initialize", {
      protocolVersion: "2025-06-18",
      capabilities: {},
      clientInfo: { name: "t", version: "1" },
    });
    for (const name of NAMES) {
      assert.equal(((await rpc(name)).error as { code?: number } | undefined)?.code, -32601, name);
      const call = await rpc("tools/call", { name, arguments: {} });
      assert.equal((call.result as { isError?: boolean }).isError, true, `${name}: ${JSON.stringify(call)}`);
      const chk = await rpc("safe-exec/check", { name });
      assert.equal((chk.result as { errorCode?: string }).errorCode, "unknown_tool", JSON.stringify(chk));
    }
  } finally {
    await session.close();
    ex.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test("rules and config: prototype names are not table entries", () => {
  const { rules } = validateRules([{ tool: "run_bash", command: ["rm"], decision: "deny" }]);
  for (const name of NAMES) {
    // a program named like a prototype key is not a wrapper to look through: judged like any unknown program
    const o = evaluateRules(rules, { tool: "run_bash", tableRisk: "high", args: { cmd: `${name} rm -rf /` } });
    const x = evaluateRules(rules, { tool: "run_bash", tableRisk: "high", args: { cmd: `some_program rm -rf /` } });
    assert.deepEqual([o.risk, o.floor], [x.risk, x.floor], name);
    const low = evaluateRules([], { tool: "run_bash", tableRisk: "high", args: { cmd: `${name} ls` } });
    assert.equal(low.risk, "high", `${name} ls is an unknown program, never lowered`);
  }
  const text = '{"tools": {"__proto__": {"run": "client", "risk": "low"}}}';
  assert.throws(
    () => parseConfig(text, { baseDir: "/", source: "/x.json" }),
    /unknown key "tools.__proto__"/,
  );
  for (const name of NAMES.filter((n) => n !== "__proto__")) {
    const c = parseConfig(`{"tools": {"${name}": {"run": "client", "risk": "low"}}}`, { baseDir: "/", source: "/x" });
    assert.ok(Object.hasOwn(c.brought, name), name); // an own entry like any other name
  }
});
