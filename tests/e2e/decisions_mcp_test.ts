/**
 * End-to-end over `safe-exec mcp` with the official MCP SDK client: the features of issue 13 — rules, the
 * `safe-exec/check` request, token counting (the context estimate and the metrics notification), approvals with a
 * reason or remembered for the session through the elicitation form, cancellation, and OpenAI-style string
 * arguments.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
// @ts-types="@modelcontextprotocol/sdk/types"
import { ResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { countMessages, loadTokenizer } from "../../src/tokens/mod.ts";
import { connect, place, RawServer, type WitnessLine } from "./_mcp.ts";
import { evil } from "../gateway/_servers.ts";

type Content = { type: string; text: string }[];
const opts = { sanitizeOps: false, sanitizeResources: false };
const text = (r: unknown) => (r as { content: Content }).content.map((c) => c.text).join("\n");
const gate = (r: unknown) => (r as { _meta: Record<string, Record<string, unknown>> })._meta["safe-exec/gate"]!;

const RULES = [
  { tool: "run_bash", command: ["rm"], decision: "deny" },
  { tool: "run_bash", command: ["sleep"], risk: "low" },
  { tool: "write_file", path: ["docs/**"], risk: "low" },
];

async function until(cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 25));
  }
}

Deno.test("MCP: rules re-rate and floor calls; safe-exec/check previews without logging", opts, async () => {
  const c = await connect({ config: { rules: RULES }, elicit: () => ({ action: "decline" }) });
  try {
    const ls = await c.client.callTool({ name: "run_bash", arguments: { cmd: "ls -a | wc -l" } });
    assert.equal(ls.isError, undefined, text(ls));
    assert.deepEqual([gate(ls).risk, (gate(ls).rules as { rule: unknown }[])[0]!.rule], ["low", "builtin"]);
    const rm = await c.client.callTool({ name: "run_bash", arguments: { cmd: "ls && rm -rf docs" } });
    assert.equal(rm.isError, true);
    assert.match(text(rm), /errorCode denied.*deny by rules\[0\] \(run_bash rm\)/s);
    const before = c.place.lines().length;
    const check = await c.client.request({
      method: "safe-exec/check",
      params: { name: "write_file", arguments: { path: "docs/a.md", content: "x" } },
    } as never, ResultSchema) as Record<string, unknown>;
    assert.deepEqual([check.decision, check.risk], ["allow", "low"]);
    assert.deepEqual(check.rules, [{ rule: 2, effect: "risk=low", summary: "write_file path docs/**" }]);
    const check2 = await c.client.request({
      method: "safe-exec/check",
      params: { name: "run_bash", arguments: { cmd: "rm -rf /" } },
    } as never, ResultSchema) as Record<string, unknown>;
    assert.deepEqual([check2.decision, check2.errorCode], ["deny", "denied"]);
    assert.equal(c.place.lines().length, before, "check writes nothing to the log");
    assert.equal(c.elicited.length, 0);
  } finally {
    await c.close();
  }
});

Deno.test("MCP: the context estimate and the metrics notification count with metrics.tokenizer", opts, async () => {
  const body = "Tokenizers split text into pieces; this sentence is one of many. ".repeat(30);
  const c = await connect({ config: { metrics: { tokenizer: "cl100k_base" } } });
  try {
    writeFileSync(join(c.place.ws, "a.txt"), body);
    const r = await c.client.callTool({ name: "read_file", arguments: { path: "a.txt" } });
    assert.equal(text(r), body);
    const cl100k = await loadTokenizer("cl100k_base");
    await until(() => c.place.lines().some((l) => l.event === "metrics"));
    const est = c.place.lines().find((l) => l.event === "metrics")!;
    assert.equal(est.details.contextTokens, cl100k.count(body));
    assert.notEqual(est.details.contextTokens, Math.ceil(body.length / 4));
    const messages = [{ role: "user", content: body }, { role: "assistant", content: [{ type: "text", text: "ok" }] }];
    await c.client.notification({ method: "notifications/safe-exec/metrics", params: { messages } } as never);
    await until(() => c.place.lines().filter((l) => l.event === "metrics").length >= 2);
    const m = c.place.lines().filter((l: WitnessLine) => l.event === "metrics")[1]!;
    assert.equal(m.details.contextTokens, countMessages(messages, cl100k));
    assert.deepEqual(m.details.counted, { from: "messages", tokenizer: "cl100k_base" });
  } finally {
    await c.close();
  }
});

Deno.test(
  "MCP: the elicitation form: reason to the model, remember the tool until reset, who answered",
  opts,
  async () => {
    let next: Record<string, string | boolean> = { confirm: false, reason: "use write_file instead" };
    const c = await connect({ elicit: () => ({ action: "accept", content: next }) });
    try {
      const no = await c.client.callTool({ name: "run_bash", arguments: { cmd: "touch a" } });
      assert.equal(no.isError, true);
      assert.match(text(no), /declined by the user: "use write_file instead"/);
      const schema = (c.elicited[0]!.params as { requestedSchema: { properties: Record<string, unknown> } })
        .requestedSchema;
      assert.deepEqual(Object.keys(schema.properties), ["confirm", "remember", "reason"]);
      assert.match(c.elicited[0]!.params.message, /Without an answer within 120 s it is not run/);
      next = { confirm: true, remember: "tool" };
      assert.equal((await c.client.callTool({ name: "run_bash", arguments: { cmd: "touch b" } })).isError, undefined);
      assert.equal((await c.client.callTool({ name: "run_bash", arguments: { cmd: "touch c" } })).isError, undefined);
      assert.equal(c.elicited.length, 2, "the third call was approved by the remembered answer");
      assert.ok(existsSync(join(c.place.ws, "c")));
    } finally {
      await c.close();
    }
    const confirms = c.place.lines().filter((l) => l.event === "confirm").map((l) => l.details);
    assert.deepEqual(confirms.map((d) => [d.by, d.approved, d.remember, d.message]), [
      ["elicitation", false, null, "use write_file instead"],
      ["elicitation", true, "tool", null],
      ["remembered", true, null, null],
    ]);
  },
);

Deno.test(
  "MCP: cancel (notifications/cancelled from an aborted callTool) kills a running call and a pending ASK",
  opts,
  async () => {
    const c = await connect({ config: { rules: RULES }, elicit: () => new Promise(() => {}) });
    try {
      const running = new AbortController();
      const t0 = Date.now();
      const p = c.client.callTool({ name: "run_bash", arguments: { cmd: "sleep 30" } }, undefined, {
        signal: running.signal,
      });
      await until(() => c.place.lines().some((l) => l.event === "gate" && l.tool === "run_bash"));
      running.abort("the user pressed stop");
      await assert.rejects(p);
      await until(() => c.place.lines().some((l) => l.event === "execute"));
      const ex = c.place.lines().find((l) => l.event === "execute")!;
      assert.equal(ex.details.errorCode, "cancelled");
      assert.ok(Date.now() - t0 < 15_000);
      const asking = new AbortController();
      const q = c.client.callTool({ name: "delete_file", arguments: { path: "x" } }, undefined, {
        signal: asking.signal,
      });
      await until(() => c.elicited.length === 1);
      asking.abort("changed my mind");
      await assert.rejects(q);
      await until(() => c.place.lines().some((l) => l.event === "confirm"));
      assert.equal(c.place.lines().find((l) => l.event === "confirm")!.details.reason, "cancelled");
    } finally {
      await c.close();
    }
    assert.equal(c.place.lines().filter((l) => l.event === "execute").length, 1, "the delete never ran");
  },
);

Deno.test("MCP raw: OpenAI-style arguments as a JSON string are read as the object", opts, async () => {
  const s = new RawServer(place());
  await s.init();
  writeFileSync(join(s.place.ws, "a.txt"), "hello");
  const r = await s.request(1, "tools/call", { name: "read_file", arguments: '{"path":"a.txt"}' });
  assert.equal((r.result as { content: Content }).content[0]!.text, "hello");
  const bad = await s.request(2, "tools/call", { name: "read_file", arguments: "a.txt" });
  assert.match((bad.error as { message: string }).message, /"arguments" must be an object, got the string "a.txt"/);
  const { code } = await s.end();
  assert.equal(code, 0);
});

Deno.test("MCP: path rules judge the copy's file and the deleted tree; check knows upstream tools", opts, async () => {
  const c = await connect({
    config: {
      rules: [
        { tool: "copy_file", path: [".github/workflows/**"], decision: "deny" },
        { tool: "delete_*", path: ["src/important/**"], decision: "deny" },
      ],
      servers: { f: { command: evil("rerate") } },
    },
    elicit: () => ({ action: "accept", content: { confirm: true } }),
  });
  try {
    mkdirSync(join(c.place.ws, ".github/workflows"), { recursive: true });
    mkdirSync(join(c.place.ws, "src/important"), { recursive: true });
    writeFileSync(join(c.place.ws, "ci.txt"), "CI");
    writeFileSync(join(c.place.ws, "src/important/db.txt"), "DB");
    const cp = await c.client.callTool({ name: "copy_file", arguments: { src: "ci.txt", dst: ".github/workflows" } });
    assert.equal(cp.isError, true, text(cp));
    assert.equal(existsSync(join(c.place.ws, ".github/workflows/ci.txt")), false);
    const del = await c.client.callTool({ name: "delete_dir", arguments: { path: "src" } });
    assert.equal(del.isError, true, text(del));
    assert.equal(existsSync(join(c.place.ws, "src/important/db.txt")), true);
    assert.equal(c.elicited.length, 0, "a deny floor is never asked");
    const check = await c.client.request({
      method: "safe-exec/check",
      params: { name: "f__wipe", arguments: {} },
    } as never, ResultSchema) as Record<string, unknown>;
    assert.deepEqual([check.decision, check.risk, check.errorCode], ["ask", "high", null], JSON.stringify(check));
    const gates = c.place.lines().filter((l) => l.event === "gate");
    assert.deepEqual(gates.map((g) => [g.tool, g.decision]), [["copy_file", "deny"], ["delete_dir", "deny"]]);
  } finally {
    await c.close();
  }
});
