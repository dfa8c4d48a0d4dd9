/**
 * End-to-end on raw stdio: malformed JSON-RPC gets the right error and the real server keeps serving; stdout
 * carries only protocol messages; EOF exits 0 after in-flight calls.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { place, RawServer } from "./_mcp.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

type Msg = Record<string, unknown>;
const err = (m: Msg) => m.error as { code: number; message: string };
const result = (m: Msg) => m.result as { content: { text: string }[]; isError?: boolean };

Deno.test("raw: malformed JSON-RPC gets the right error and the server keeps serving", opts, async () => {
  const s = new RawServer();
  try {
    const init = await s.init();
    assert.equal((init.result as { protocolVersion: string }).protocolVersion, "2025-11-25");
    writeFileSync(join(s.place.ws, "a.txt"), "hello");

    await s.write("{this is not json");
    let m = await s.next();
    assert.equal(m.id, null);
    assert.equal(err(m).code, -32700);

    await s.write('{"jsonrpc":"2.0","id":5,"params":{}}');
    m = await s.next();
    assert.equal(m.id, 5);
    assert.equal(err(m).code, -32600);
    assert.match(err(m).message, /no "method"/);

    await s.write('[{"jsonrpc":"2.0","id":6,"method":"ping"},{"jsonrpc":"2.0","id":7,"method":"ping"}]');
    m = await s.next();
    assert.equal(m.id, null);
    assert.equal(err(m).code, -32600);
    assert.match(err(m).message, /batches/);

    m = await s.request(8, "no/such/method");
    assert.equal(err(m).code, -32601);

    m = await s.request(9, "tools/call", { name: "read_file", arguments: "a.txt" });
    assert.equal(err(m).code, -32602);

    m = await s.request(10, "tools/call", { name: "no_such_tool", arguments: {} });
    assert.equal(result(m).isError, true);
    assert.match(result(m).content[0]!.text, /unknown_tool/);

    m = await s.request(11, "tools/call", { name: "read_file", arguments: { path: ["a.txt"] } });
    assert.equal(result(m).isError, true);
    assert.match(result(m).content[0]!.text, /invalid_args.*"path" must be a string, got an array/);

    // Invalid UTF-8.
    await s.write(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d, 0x0a]));
    m = await s.next();
    assert.equal(m.id, null);
    assert.equal(err(m).code, -32700);
    assert.match(err(m).message, /UTF-8/);

    // A 20 MiB line: dropped with an error, and the next line is served.
    const big = new Uint8Array(20 * 1024 * 1024 + 1).fill(0x61);
    big[0] = 0x22;
    big[big.length - 2] = 0x22;
    big[big.length - 1] = 0x0a;
    await s.write(big);
    m = await s.next();
    assert.equal(m.id, null);
    assert.equal(err(m).code, -32600);
    assert.match(err(m).message, /exceeds the limit/);

    m = await s.request(12, "tools/call", { name: "read_file", arguments: { path: "a.txt" } });
    assert.equal(result(m).content[0]!.text, "hello");
    m = await s.request(13, "ping");
    assert.deepEqual(m, { jsonrpc: "2.0", id: 13, result: {} });
  } finally {
    const { code, rest } = await s.end();
    assert.equal(code, 0);
    assert.deepEqual(rest, []);
  }
});

Deno.test("raw: requests before initialize are refused; ping is not", opts, async () => {
  const s = new RawServer();
  try {
    let m = await s.request(1, "tools/list");
    assert.equal(err(m).code, -32600);
    assert.match(err(m).message, /before initialize/);
    m = await s.request(2, "ping");
    assert.deepEqual(m.result, {});
    const init = await s.request(3, "initialize", {
      protocolVersion: "2030-01-01",
      capabilities: {},
      clientInfo: { name: "x", version: "0" },
    });
    assert.equal((init.result as { protocolVersion: string }).protocolVersion, "2025-11-25");
    m = await s.request(4, "tools/list");
    assert.equal((m.result as { tools: unknown[] }).tools.length, 9);
  } finally {
    assert.equal((await s.end()).code, 0);
  }
});

Deno.test("raw: EOF waits for in-flight calls, writes their answers, closes the log and exits 0", opts, async () => {
  const p = place({ policy: { alwaysAskHigh: false } });
  const s = new RawServer(p);
  await s.init();
  await s.send({
    jsonrpc: "2.0",
    id: "slow",
    method: "tools/call",
    params: { name: "run_bash", arguments: { cmd: "sleep 0.3; echo finished" } },
  });
  const { code, rest } = await s.end();
  assert.equal(code, 0);
  assert.equal(rest.length, 1);
  assert.equal(rest[0]!.id, "slow");
  const structured = (rest[0]!.result as { structuredContent: { stdout: string } }).structuredContent;
  assert.equal(structured.stdout, "finished\n");
  const lines = p.lines();
  assert.deepEqual(lines.slice(-3).map((l) => l.event), ["execute", "metrics", "session"]);
  assert.equal(lines.at(-1)!.details.action, "stop");
});

Deno.test("raw: ASK over elicitation: the server's request, the client's answer, then the result", opts, async () => {
  const s = new RawServer();
  try {
    await s.init({ elicitation: {} });
    await s.send({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "run_bash", arguments: { cmd: "touch asked; echo asked" } },
    });
    const ask = await s.next();
    assert.equal(ask.method, "elicitation/create");
    assert.equal(typeof ask.id, "string");
    // While the call waits, the server still answers.
    const ping = await s.request(2, "ping");
    assert.deepEqual(ping.result, {});
    await s.send({ jsonrpc: "2.0", id: ask.id, result: { action: "accept", content: { confirm: true } } });
    const r = await s.next();
    assert.equal(r.id, 1);
    assert.equal(result(r).content[0]!.text.includes("asked"), true);
  } finally {
    assert.equal((await s.end()).code, 0);
  }
});

Deno.test("raw: notifications/cancelled stops a running call and suppresses its answer", opts, async () => {
  const p = place({ policy: { alwaysAskHigh: false } });
  const s = new RawServer(p);
  try {
    await s.init();
    await s.send({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "run_bash", arguments: { cmd: "sleep 30" } },
    });
    // Cancel once the call runs (its gate line is written), not while it is queued.
    const started = () => {
      try {
        return p.lines().some((l) => l.event === "gate" && l.tool === "run_bash");
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 400 && !started(); i++) await new Promise((r) => setTimeout(r, 25));
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    await s.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1, reason: "stop" } });
    const m = await s.request(2, "ping"); // the next message is the ping's answer, not the call's
    assert.deepEqual(m.result, {});
    // The call ended well before its 30 s.
    await s.request(3, "tools/call", { name: "read_file", arguments: { path: "nope" } });
    assert.ok(Date.now() - t0 < 10_000);
  } finally {
    assert.equal((await s.end()).code, 0);
  }
  const exec = p.lines().find((l) => l.event === "execute" && l.tool === "run_bash");
  assert.equal(exec?.details.ok, false);
});
