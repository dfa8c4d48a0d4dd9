import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SafeExecutor } from "../../src/gate/executor.ts";
import { ProtocolServer } from "../../src/transport/jsonl/server.ts";
import type { Runtime } from "../../src/runtime/types.ts";
import { InputBudget, LineWriter } from "../../src/transport/stdio.ts";

Deno.test("LineWriter: a failed write is reported once, later messages are dropped, nothing stays pending", async () => {
  const errors: string[] = [];
  let writes = 0;
  const runtime = {
    writeStdout: () => {
      writes++;
      return Promise.reject(new Error("EPIPE: broken pipe"));
    },
  } as unknown as Runtime;
  const out = new LineWriter(runtime, { onError: (e) => errors.push(e.message) });
  out.send({ id: 1 });
  out.send({ id: 2 });
  await out.drain();
  out.send({ id: 3 });
  await out.drain();
  assert.deepEqual(errors, ["EPIPE: broken pipe"]);
  assert.equal(writes, 1);
  assert.equal(out.pendingChars, 0);
  assert.equal(out.failed?.message, "EPIPE: broken pipe");
});

Deno.test("InputBudget: over by calls, by bytes or by unread output; a release below the limits wakes the reader", async () => {
  let output = 0;
  const budget = new InputBudget({ calls: 2, bytes: 100, output: 50 }, () => output);
  const a = budget.take(10);
  const b = budget.take(10);
  assert.equal(budget.over, false, "at the limit is not over it");
  const c = budget.take(10);
  assert.equal(budget.over, true);
  c();
  c(); // a second release counts once
  assert.equal(budget.queued, 2);
  assert.equal(budget.over, false);
  const big = budget.take(200);
  assert.equal(budget.over, true, "bytes");
  let woke = false;
  const waiting = budget.wait().then(() => woke = true);
  a();
  await Promise.resolve();
  assert.equal(woke, false, "still over the byte limit");
  big();
  await waiting;
  assert.equal(woke, true);
  output = 51;
  assert.equal(budget.over, true, "output");
  output = 0;
  b();
  assert.equal(budget.queued, 0);
});

Deno.test("ProtocolServer.stop: queued calls are cancelled and logged as such, the running call finishes", async () => {
  const dir = mkdtempSync(join(tmpdir(), "se-stdio-"));
  try {
    const executor = new SafeExecutor({ workspace: join(dir, "ws"), witness: join(dir, "w.log") });
    let release: () => void = () => {};
    const ran: string[] = [];
    executor.register("slow", { risk: "low" }, () => new Promise<string>((r) => release = () => r("slow done")));
    executor.register("mark", { risk: "low" }, (a) => void ran.push(String(a.n)));
    const server = new ProtocolServer({ executor, confirm: () => false, emit: () => {}, info: () => ({}) });
    const slow = server.handleLine('{"id":"s","tool":"slow"}');
    const queued = [1, 2, 3].map((n) => server.handleLine(`{"id":${n},"tool":"mark","args":{"n":${n}}}`));
    await new Promise((r) => setTimeout(r, 10));
    const stopped = server.stop("the server is stopping (SIGTERM)");
    release();
    await stopped;
    const [s] = await slow;
    assert.equal(s?.ok, true);
    assert.equal(s?.output, "slow done");
    for (const q of queued) {
      const [r] = await q;
      assert.equal(r?.errorCode, "cancelled");
      assert.equal(r?.skipped, true);
      assert.equal(r?.error, "Cancelled before it started: the server is stopping (SIGTERM)");
    }
    assert.deepEqual(ran, []);
    const [late] = await server.handleLine('{"id":9,"tool":"mark","args":{"n":9}}');
    assert.equal(late?.type, "error", "nothing is queued after the stop");
    executor.close();
    const gates = readFileSync(join(dir, "w.log"), "utf8").trim().split("\n").map((l) => JSON.parse(l))
      .filter((l) => l.event === "gate");
    assert.deepEqual(gates.map((g) => [g.tool, g.decision, g.details.errorCode ?? null]), [
      ["slow", "allow", null],
      ["mark", "deny", "cancelled"],
      ["mark", "deny", "cancelled"],
      ["mark", "deny", "cancelled"],
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test("ProtocolServer: with admitCalls false an execute is refused as overloaded; control messages are answered", async () => {
  const dir = mkdtempSync(join(tmpdir(), "se-stdio-"));
  try {
    const executor = new SafeExecutor({ workspace: join(dir, "ws"), witness: join(dir, "w.log") });
    executor.register("mark", { risk: "low" }, () => "ran");
    const server = new ProtocolServer({ executor, confirm: () => false, emit: () => {}, info: () => ({}) });
    const [r] = await server.handleLine('{"id":1,"tool":"mark"}', { admitCalls: false });
    assert.equal(r?.type, "error");
    assert.equal((r?.error as { code: string }).code, "overloaded");
    const [m] = await server.handleLine('{"id":2,"type":"metrics","contextTokens":10}', { admitCalls: false });
    assert.equal(m?.type, "metrics");
    const [ok] = await server.handleLine('{"id":3,"tool":"mark"}');
    assert.equal(ok?.output, "ran");
    await server.close();
    executor.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
