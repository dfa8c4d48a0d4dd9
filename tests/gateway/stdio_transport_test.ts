/**
 * The stdio transport's framing and limits, on real processes (sh and printf): messages split across writes,
 * CRLF, a UTF-8 character split in two, blank lines, the per-message cap, stderr lines and tail, and what a
 * spawner must not do.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { currentRuntime } from "../../src/runtime/mod.ts";
import { runtimeSpawner } from "../../src/gateway/spawner.ts";
import { ProcessTransport } from "../../src/gateway/stdio_transport.ts";

const spawn = runtimeSpawner(await currentRuntime());

function transport(script: string, options: { maxMessageBytes?: number; maxInvalidLines?: number } = {}) {
  const warnings: string[] = [];
  const stderr: string[] = [];
  const messages: unknown[] = [];
  const t = new ProcessTransport(
    () =>
      spawn({
        server: "t",
        argv: ["sh", "-c", script],
        cwd: "/",
        env: { PATH: "/usr/bin:/bin" },
        sandbox: false,
        network: false,
      }),
    {
      server: "t",
      maxMessageBytes: options.maxMessageBytes ?? 1024 * 1024,
      maxInvalidLines: options.maxInvalidLines ?? 100,
      stderrTailBytes: 64,
      killGraceMs: 500,
      onWarning: (m) => warnings.push(m),
      onStderr: (l) => stderr.push(l),
    },
  );
  const closed = new Promise<void>((resolve) => (t.onclose = resolve));
  t.onmessage = (m) => messages.push(m);
  return { t, closed, warnings, stderr, messages };
}

Deno.test("messages split across writes, CRLF, a split UTF-8 character and blank lines are framed right", async () => {
  // "é" is \303\251: its two bytes arrive in different writes.
  const script = [
    `printf '{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"caf\\303'`,
    "sleep 0.05",
    `printf '\\251"}}\\r\\n\\n  \\r\\n{"jsonrpc":"2.0",'`,
    "sleep 0.05",
    `printf '"method":"notifications/message","params":{"level":"info","data":2}}\\n'`,
  ].join("; ");
  const { t, closed, warnings, messages } = transport(script);
  await t.start();
  await closed;
  assert.deepEqual(warnings, []);
  assert.deepEqual(messages.map((m) => (m as { params: { data: unknown } }).params.data), ["café", 2]);
  assert.match(t.closeReason!, /^exited with code 0$/);
});

Deno.test("a line over the cap closes the connection, naming the cap; nothing of it is delivered", async () => {
  const { t, closed, messages } = transport(
    `head -c 5000 /dev/zero | tr '\\0' x; printf '\\n'; sleep 5`,
    { maxMessageBytes: 1000 },
  );
  const t0 = performance.now();
  await t.start();
  await closed;
  assert.equal(messages.length, 0);
  assert.match(t.closeReason!, /^sent a message longer than 1000 bytes \(the cap of one upstream message\)/);
  assert.ok(performance.now() - t0 < 4000, "the process was killed, not waited for");
  assert.equal(t.pid, null);
});

Deno.test("stderr: lines go to onStderr, the tail is kept (bounded) for the exit reason", async () => {
  const { t, closed, stderr } = transport(
    `for i in 1 2 3 4 5 6 7 8 9 10; do echo "line $i of the story" >&2; done; exit 4`,
  );
  await t.start();
  await closed;
  assert.equal(stderr.length, 10);
  assert.equal(stderr[9], "line 10 of the story");
  assert.ok(t.stderrTail.length <= 64);
  assert.match(t.closeReason!, /^exited with code 4 \(stderr: .*line 10 of the story\)$/);
});

Deno.test("send after the server died fails with why; close() is idempotent", async () => {
  const { t, closed } = transport("exit 2");
  await t.start();
  await closed;
  await assert.rejects(
    t.send({ jsonrpc: "2.0", method: "ping", id: 1 }),
    /Not connected: server "t" exited with code 2/,
  );
  await t.close();
  await t.close();
});

Deno.test("a spawner that throws: start() rejects with the reason, nothing runs", async () => {
  const t = new ProcessTransport(() => {
    throw new Error("no sandbox here");
  }, { server: "t", maxMessageBytes: 10, maxInvalidLines: 1, stderrTailBytes: 10, killGraceMs: 10 });
  await assert.rejects(t.start(), /server "t" could not be started: no sandbox here/);
  assert.equal(t.closeReason, "could not be started: no sandbox here");
});

Deno.test("a process whose walk says it must stop is closed whole, by a call's walk or between calls (J5)", async () => {
  // a real process group (sh and a child of its own), with the hooks a sandboxing spawner fills
  const alive = (mark: string) =>
    spawnSync("ps", ["-eo", "args="], { encoding: "utf8" }).stdout.split("\n").some((l) => l.includes(mark));
  for (const when of ["call", "sweep"] as const) {
    const mark = String(600000 + Math.floor(Math.random() * 99999));
    let stop: string | null = null;
    let walks = 0;
    const warnings: string[] = [];
    const t = new ProcessTransport(async () => ({
      ...(await spawn({
        server: "t",
        argv: ["sh", "-c", `sleep ${mark} & wait`],
        cwd: "/",
        env: { PATH: "/usr/bin:/bin" },
        sandbox: false,
        network: false,
      })),
      afterCall: () => (walks++, ["a note of the walk"]),
      stopReason: () => stop,
    }), {
      server: "t",
      maxMessageBytes: 1024,
      maxInvalidLines: 10,
      stderrTailBytes: 64,
      killGraceMs: 500,
      onWarning: (m) => warnings.push(m),
    });
    const closed = new Promise<void>((resolve) => (t.onclose = resolve));
    await t.start();
    for (let i = 0; i < 40 && !alive(`sleep ${mark}`); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(alive(`sleep ${mark}`), "its child runs");
    assert.deepEqual(t.afterCall(Date.now()), ["a note of the walk"]);
    assert.equal(t.ending, false, "no stop reason: it lives on");
    stop = "a git repository was made again at sub";
    if (when === "call") assert.deepEqual(t.afterCall(Date.now()), ["a note of the walk"]);
    await closed; // "sweep": the walk between calls (every half second) finds it
    assert.equal(t.ending, true);
    assert.equal(t.closeReason, "was stopped by safe-exec: a git repository was made again at sub");
    assert.equal(t.failure, t.closeReason, "a failure of its own: calls in flight are told why");
    assert.equal(t.stoppedByWalk, true);
    assert.equal(alive(`sleep ${mark}`), false, "its whole group is gone");
    assert.deepEqual(t.afterCall(Date.now()), [], "no walk once closed");
    if (when === "sweep") assert.ok(walks >= 2 && warnings.includes("a note of the walk"), "the sweep's notes");
  }
});
