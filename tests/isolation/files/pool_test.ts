import assert from "node:assert/strict";
import { mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { currentRuntime } from "../../../src/runtime/mod.ts";
import { type PoolWorker, WorkerPool } from "../../../src/isolation/files/pool.ts";
import { ToolError } from "../../../src/types.ts";

const runtime = await currentRuntime();
const dir = realpathSync(mkdtempSync(join(tmpdir(), "se-pool-")));

function fixture(name: string, body: string): URL {
  const p = join(dir, name);
  writeFileSync(p, body);
  return new URL(`file://${p}`);
}

const echoUrl = fixture(
  "echo.js",
  `self.onmessage = (e) => {
  const { id, op, args } = e.data;
  if (op === "crash") throw new Error("boom");
  if (op === "hang") { for (;;) {} }
  if (op === "exit") { self.close(); return; }
  if (op === "hold") {
    const start = Date.now();
    setTimeout(() => self.postMessage({ id, ok: true, value: { start, end: Date.now() } }), 150);
    return;
  }
  self.postMessage({ id, ok: true, value: op + ":" + JSON.stringify(args) });
};`,
);

function pool(timeoutMs = 5000, size = 1): WorkerPool {
  return new WorkerPool({
    create: () => runtime.createRestrictedWorker(echoUrl, { read: [dir], write: [dir] }) as unknown as PoolWorker,
    size,
    timeoutMs,
  });
}

// deno-lint-ignore no-explicit-any
const run = (p: WorkerPool, op: string, args: Record<string, unknown> = {}) => p.run(op as any, dir, args);

Deno.test("pool starts no worker until the first call, then reuses it", async () => {
  const p = pool();
  assert.equal(p.size, 0);
  assert.equal(await run(p, "read_file", { path: "a" }), 'read_file:{"path":"a"}');
  for (let i = 0; i < 20; i++) await run(p, "list_dir");
  assert.equal(p.size, 1);
  assert.equal(p.started, 1);
  p.close();
});

Deno.test("pool: concurrent calls are queued up to the pool size", async () => {
  // Ten calls of 150 ms each on a pool of two: exactly two run at any moment (not one, not more), the rest wait.
  const p = pool(5000, 2);
  const spans = await Promise.all(Array.from({ length: 10 }, () => run(p, "hold"))) as { start: number; end: number }[];
  const runningAt = (t: number) => spans.filter((s) => s.start <= t && t < s.end).length;
  const most = Math.max(...spans.map((s) => runningAt(s.start)));
  assert.equal(most, 2, `calls running at once: ${JSON.stringify(spans)}`);
  assert.equal(p.started, 2, "two workers, reused");
  const last = Math.max(...spans.map((s) => s.end)) - Math.min(...spans.map((s) => s.start));
  assert.ok(last >= 5 * 150 - 5, `five rounds of two (${last} ms): the other calls waited`);
  p.close();
});

Deno.test("pool: a crashed worker fails its call with internal and is replaced", async () => {
  const p = pool();
  await assert.rejects(
    run(p, "crash"),
    (e: unknown) => e instanceof ToolError && e.code === "internal" && /crashed/.test(e.message),
  );
  assert.equal(await run(p, "after"), "after:{}");
  assert.equal(p.replaced, 1);
  assert.equal(p.started, 2);
  p.close();
});

Deno.test("pool: a hung worker times out, is terminated and replaced", async () => {
  const p = pool(1000);
  await run(p, "warm");
  const t = performance.now();
  await assert.rejects(
    run(p, "hang"),
    (e: unknown) => e instanceof ToolError && e.code === "internal" && /within 1000 ms/.test(e.message),
  );
  assert.ok(performance.now() - t < 3000);
  assert.equal(await run(p, "after"), "after:{}");
  p.close();
});

Deno.test("pool: a worker terminated mid-call fails that call and the next call works", async () => {
  const p = pool();
  await run(p, "warm");
  const hang = run(p, "hang");
  await new Promise((r) => setTimeout(r, 50));
  p.terminateAll();
  await assert.rejects(
    hang,
    (e: unknown) => e instanceof ToolError && e.code === "internal" && /terminated/.test(e.message),
  );
  assert.equal(await run(p, "after"), "after:{}");
  p.close();
});

Deno.test("pool: a worker that exits by itself times out and is replaced", async () => {
  const p = pool(1000);
  await run(p, "warm");
  await assert.rejects(run(p, "exit"), (e: unknown) => e instanceof ToolError && e.code === "internal");
  assert.equal(await run(p, "after"), "after:{}");
  p.close();
});

Deno.test("pool: closed pool refuses calls", async () => {
  const p = pool();
  p.close();
  await assert.rejects(run(p, "x"), (e: unknown) => e instanceof ToolError && e.code === "internal");
});

Deno.test("pool: a factory that throws fails the call with internal", async () => {
  const p = new WorkerPool({
    create: () => {
      throw new Error("no workers here");
    },
  });
  await assert.rejects(run(p, "x"), /no workers here/);
  p.close();
});

Deno.test("pool: calls whose work grows with the data (list_dir, delete_dir, copy_file) get the longer timeout", async () => {
  // A fake worker that answers after 150 ms: past the 50 ms timeout, within the 2 000 ms one of the slow calls.
  const late: PoolWorker = {
    onmessage: null,
    onerror: null,
    postMessage(m: unknown) {
      const { id, op } = m as { id: number; op: string };
      setTimeout(() => late.onmessage?.({ data: { id, ok: true, value: op } } as MessageEvent), 150);
    },
    terminate() {},
  };
  const p = new WorkerPool({ create: () => late, size: 1, timeoutMs: 50, slowTimeoutMs: 2000 });
  for (const op of ["list_dir", "delete_dir", "copy_file"]) assert.equal(await run(p, op), op);
  await assert.rejects(() => run(p, "read_file"), /did not answer read_file within 50 ms/);
  p.close();
});
