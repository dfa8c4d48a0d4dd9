/**
 * Tools the agent brings over `serve` (SPEC §2.1, §3.1): `gate` and `outcome` of `"run": "client"` tools, from a real
 * config file's text through the app the binary builds, with the witness log read back.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createApp } from "../../../src/app.ts";
import { parseConfig } from "../../../src/config/parse.ts";
import { currentRuntime } from "../../../src/runtime/mod.ts";
import { ProtocolServer, type Response } from "../../../src/transport/jsonl/server.ts";
import { tempDir } from "../../_temp.ts";

const runtime = await currentRuntime();

const CONFIG = {
  sandbox: "none",
  tools: {
    send_email: {
      run: "client",
      risk: "high",
      description: "Send an email.",
      inputSchema: {
        type: "object",
        properties: { to: { type: "string" }, body: { type: "string" } },
        required: ["to", "body"],
        additionalProperties: false,
      },
    },
    web_search: {
      run: "client",
      risk: "low",
      description: "Search the web.",
      inputSchema: { type: "object", properties: { q: { type: "string" } }, required: ["q"] },
    },
  },
};

function setup(approve: boolean | null = true) {
  const dir = tempDir("se-client-tools-");
  const config = parseConfig(JSON.stringify(CONFIG), { baseDir: dir, source: join(dir, "safe-exec.jsonc") });
  const app = createApp(config, runtime);
  const emitted: Response[] = [];
  const box: { server?: ProtocolServer } = {};
  const emit = (m: Response) => {
    emitted.push(m);
    // The client answers every confirm_request (or leaves it open when approve is null).
    if (m.type === "confirm_request" && approve !== null) {
      queueMicrotask(() => void box.server!.handleLine(JSON.stringify({ type: "confirm", id: m.id, approve })));
    }
  };
  const server = new ProtocolServer({ executor: app.executor, confirm: "client", emit, info: app.info });
  box.server = server;
  const one = async (msg: unknown) => {
    const rs = await server.handleLine(JSON.stringify(msg));
    assert.equal(rs.length, 1, `one answer to ${JSON.stringify(msg)}, got ${JSON.stringify(rs)}`);
    return rs[0]!;
  };
  const log = () =>
    readFileSync(config.witness.path, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  const done = async () => {
    await server.close();
    app.close();
  };
  return { app, server, emitted, one, log, done };
}

Deno.test("gate: a low-risk client tool is allowed; its outcome is logged and a failure counts as an error", async () => {
  const t = setup();
  try {
    const g = await t.one({ id: 7, type: "gate", tool: "web_search", args: { q: "deno" } });
    assert.equal(g.type, "gate");
    assert.equal(g.decision, "allow");
    assert.equal(g.approved, true);
    assert.equal(g.risk, "low");
    assert.equal(g.errorCode, null);
    assert.match(String(g.rationale), /^risk=low fatigue=0\.00 .*-> allow$/);
    const before = t.app.executor.metrics.snapshot().errorCount;
    const o = await t.one({ id: 8, type: "outcome", gate: 7, ok: false, error: "HTTP 503", outputBytes: 0 });
    assert.deepEqual(o, { id: 8, type: "outcome", recorded: true, fatigue: o.fatigue });
    assert.equal(t.app.executor.metrics.snapshot().errorCount, before + 1);
    assert.ok((o.fatigue as number) > 0, "the failed outcome raised fatigue");
    const lines = t.log();
    const gate = lines.find((l) => l.event === "gate" && l.tool === "web_search")!;
    assert.equal((gate.details as Record<string, unknown>).run, "client");
    assert.deepEqual((gate.details as Record<string, unknown>).args, { q: "deno" });
    const exec = lines.find((l) => l.event === "execute" && l.tool === "web_search")!;
    const d = exec.details as Record<string, unknown>;
    assert.equal(d.ok, false);
    assert.equal(d.error, "HTTP 503");
    assert.equal(d.errorCode, "client_error");
    assert.equal(d.gateSeq, gate.seq);
    assert.equal(d.reportedBy, "client");
  } finally {
    await t.done();
  }
});

Deno.test("gate: a high-risk client tool takes the ASK round trip; not approved means it must not run", async () => {
  const yes = setup(true);
  try {
    const g = await yes.one({ id: "a", type: "gate", tool: "send_email", args: { to: "x@y.z", body: "hi" } });
    assert.equal(g.decision, "ask");
    assert.equal(g.approved, true);
    const asked = yes.emitted.find((m) => m.type === "confirm_request")!;
    assert.equal(asked.id, "a");
    assert.equal(asked.tool, "send_email");
    assert.deepEqual((await yes.one({ id: "b", type: "outcome", gate: "a", ok: true, outputBytes: 2 })).recorded, true);
    const confirm = yes.log().find((l) => l.event === "confirm")!;
    assert.equal((confirm.details as Record<string, unknown>).approved, true);
  } finally {
    await yes.done();
  }
  const no = setup(false);
  try {
    const g = await no.one({ id: 1, type: "gate", tool: "send_email", args: { to: "x@y.z", body: "hi" } });
    assert.equal(g.decision, "ask");
    assert.equal(g.approved, false);
    assert.equal(g.errorCode, "not_approved");
    const o = await no.one({ id: 2, type: "outcome", gate: 1, ok: true });
    assert.equal((o.error as { code: string }).code, "unknown_gate");
    assert.match((o.error as { message: string }).message, /was not approved .*no outcome to report/);
  } finally {
    await no.done();
  }
});

Deno.test("gate: arguments are checked against the declared schema before the gate (invalid_args names the field)", async () => {
  const t = setup();
  try {
    const g = await t.one({ id: 1, type: "gate", tool: "send_email", args: { to: 5, body: "x" } });
    assert.equal(g.approved, false);
    assert.equal(g.decision, "deny");
    assert.equal(g.errorCode, "invalid_args");
    assert.match(String(g.error), /"to" must be a string, got number 5/);
    const extra = await t.one({ id: 2, type: "gate", tool: "send_email", args: { to: "a", body: "b", cc: "c" } });
    assert.match(String(extra.error), /unknown argument "cc"/);
    assert.equal(t.emitted.length, 0, "nothing was asked");
    assert.equal(t.app.executor.metrics.snapshot().errorCount, 2, "bad arguments are the agent's errors");
  } finally {
    await t.done();
  }
});

Deno.test("an invented tool is unknown_tool and does not count as an error; a built-in cannot be gated", async () => {
  const t = setup();
  try {
    const g = await t.one({ id: 1, type: "gate", tool: "order_pizza", args: {} });
    assert.equal(g.errorCode, "unknown_tool");
    assert.equal(g.approved, false);
    const e = await t.one({ id: 2, tool: "order_pizza", args: {} });
    assert.equal(e.errorCode, "unknown_tool");
    assert.equal(t.app.executor.metrics.snapshot().errorCount, 0);
    const b = await t.one({ id: 3, type: "gate", tool: "read_file", args: { path: "a" } });
    assert.equal((b.error as { code: string }).code, "bad_request");
    assert.match((b.error as { message: string }).message, /"read_file" is not a client tool .* send it as an execute/);
  } finally {
    await t.done();
  }
});

Deno.test("outcome errors: unknown gate, reported twice, bad fields; an execute of a client tool is denied", async () => {
  const t = setup();
  try {
    const code = (r: Response) => (r.error as { code: string }).code;
    assert.equal(code(await t.one({ id: 1, type: "outcome", gate: 99, ok: true })), "unknown_gate");
    await t.one({ id: 5, type: "gate", tool: "web_search", args: { q: "x" } });
    const again = await t.one({ id: 6, type: "gate", tool: "web_search", args: { q: "y" } });
    assert.equal(again.approved, true);
    const dup = await t.one({ id: 5, type: "gate", tool: "web_search", args: { q: "x" } });
    assert.equal(code(dup), "duplicate_id");
    assert.equal(code(await t.one({ id: 2, type: "outcome", gate: 5, ok: "yes" })), "bad_request");
    assert.match(
      ((await t.one({ id: 2, type: "outcome", gate: 5, ok: true, bytes: 3 })).error as { message: string }).message,
      /no field "bytes"/,
    );
    assert.equal((await t.one({ id: 3, type: "outcome", gate: 5, ok: true })).recorded, true);
    assert.equal(code(await t.one({ id: 4, type: "outcome", gate: 5, ok: true })), "already_reported");
    const nid = await t.one({ type: "gate", tool: "web_search", args: { q: "x" } });
    assert.equal(code(nid), "bad_request");
    const ex = await t.one({ id: 9, tool: "web_search", args: { q: "x" } });
    assert.equal(ex.ok, false);
    assert.equal(ex.errorCode, "denied");
    assert.match(String(ex.error), /client tool .* the agent runs it itself/);
  } finally {
    await t.done();
  }
});

Deno.test("tools lists the client tools; a gate left without an outcome is logged when the session ends", async () => {
  const t = setup();
  const tools = (await t.one({ id: 1, type: "tools" })).tools as Record<string, unknown>[];
  const email = tools.find((x) => x.name === "send_email")!;
  assert.equal(email.run, "client");
  assert.equal(email.risk, "high");
  assert.equal(email.description, "Send an email.");
  assert.equal(tools.length, 11);
  await t.one({ id: 2, type: "gate", tool: "web_search", args: { q: "never reported" } });
  assert.equal(t.app.executor.openGates().length, 1);
  await t.done();
  const lines = t.log();
  const open = lines.find((l) =>
    l.event === "execute" && (l.details as Record<string, unknown>).outcome === "unreported"
  );
  assert.ok(open, "the unreported gate has its line");
  assert.equal(open.tool, "web_search");
  const stop = lines.at(-1)!;
  assert.equal(stop.event, "session");
  assert.ok((open.seq as number) < (stop.seq as number));
});
