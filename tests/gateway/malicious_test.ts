/**
 * A hostile upstream (tests/gateway/_evil_server.ts) never takes the gateway down: huge outputs, garbage and
 * invalid JSON-RPC on stdout, odd tool names, 10,000 tools, endless pagination, a server that hangs or crashes at
 * start or mid-call, one that leaves children behind, one that closes its stdout. Every case ends in a clear error
 * record (or a warning) and the next call works.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { alive, evil, managerFor, tempDir, until } from "./_servers.ts";

Deno.test("a message over the cap closes the connection with a clear error; the next call restarts the server", async () => {
  const { manager } = await managerFor({ evil: { command: evil("normal") } });
  try {
    const huge = await manager.call("evil__huge", {});
    assert.equal(huge.errorCode, "upstream_unavailable");
    assert.match(huge.error!, /sent a message longer than 16777216 bytes \(the cap of one upstream message\)/);
    const big = await manager.call("evil__big", {}); // 5 MiB: under the cap, passed on whole
    assert.ok(big.ok, big.error ?? "");
    assert.equal((big.result!.content[0] as { text: string }).text.length, 5 * 1024 * 1024);
    assert.equal(manager.status()[0]!.starts, 2);
  } finally {
    await manager.close();
  }
});

Deno.test("garbage, invalid UTF-8 and non-JSON-RPC lines on stdout are ignored with a few warnings", async () => {
  const { manager, seen } = await managerFor({ evil: { command: evil("garbage") } });
  try {
    for (let i = 0; i < 20; i++) {
      const r = await manager.call("evil__echo", { i });
      assert.ok(r.ok, r.error ?? "");
      assert.equal((r.result!.content[0] as { text: string }).text, JSON.stringify({ i }));
      // Unknown fields of the result are kept.
      assert.deepEqual((r.result as Record<string, unknown>).extra, { kept: true });
    }
    assert.ok(
      seen.warnings.some((w) => /wrote a line to stdout that is not JSON, ignored: "this is not json"/.test(w)),
    );
    assert.ok(seen.warnings.some((w) => /that is not UTF-8/.test(w)));
    assert.ok(seen.warnings.some((w) => /that is not a JSON-RPC message/.test(w)));
    // 66 bad lines so far: the first five are reported, not every one.
    assert.ok(seen.warnings.length <= 8, seen.warnings.join("\n"));
  } finally {
    await manager.close();
  }
});

Deno.test("a flood of garbage closes the connection after 1000 lines in a row", async () => {
  const { manager } = await managerFor({ evil: { command: evil("flood", "5000") } });
  try {
    const r = await manager.resolve("evil__ok");
    assert.ok(!r.ok);
    assert.equal(r.errorCode, "upstream_unavailable");
    assert.match(r.error, /wrote 1000 lines in a row to stdout that are not JSON-RPC messages/);
  } finally {
    await manager.close();
  }
});

Deno.test("invalid JSON-RPC answers: a stray id, a malformed result, error answers", async () => {
  const { manager, seen } = await managerFor({ evil: { command: evil("normal") } });
  try {
    const wrong = await manager.call("evil__wrong_id", {});
    assert.ok(wrong.ok);
    assert.equal((wrong.result!.content[0] as { text: string }).text, "right one");
    assert.ok(seen.warnings.some((w) => /unknown message ID/i.test(w)), seen.warnings.join("\n"));

    const malformed = await manager.call("evil__malformed", {});
    assert.equal(malformed.errorCode, "upstream_error");
    assert.match(malformed.error!, /evil__malformed returned a malformed result \(content: /);
    assert.equal(malformed.result, null);

    const rpc = await manager.call("evil__rpc_error", {});
    assert.equal(rpc.errorCode, "upstream_error");
    assert.match(rpc.error!, /evil__rpc_error failed: MCP error -32603: internal trouble/);

    const bad = await manager.call("evil__bad_args", {});
    assert.equal(bad.errorCode, "invalid_args");
    assert.match(bad.error!, /refused the arguments: MCP error -32602: argument x is missing/);

    const isError = await manager.call("evil__is_error", {});
    assert.equal(isError.errorCode, "upstream_error");
    assert.equal(isError.result!.isError, true);
    assert.equal(manager.status()[0]!.starts, 1); // none of this needed a restart
  } finally {
    await manager.close();
  }
});

Deno.test("odd tool names and invalid entries are left out with warnings; the valid ones stay", async () => {
  const { manager, seen } = await managerFor({ evil: { command: evil("odd") } });
  try {
    const { tools, errors } = await manager.listTools();
    assert.deepEqual(errors, []);
    assert.deepEqual(tools.map((t) => t.name), ["evil__fine_name", "evil__fine-too"]);
    const all = seen.warnings.join("\n");
    assert.match(all, /lists the tool "has space", but "evil__has space" is not a valid tool name/);
    assert.match(all, /lists the tool "dots\.in\.name"/);
    assert.match(all, /lists the tool "fine_name" twice; the first is kept/);
    assert.match(all, /"big_definition" with a definition of \d+ characters \(the cap is 65536\)/);
    assert.match(all, /which can only run as a task/);
    assert.match(all, /more tools were left out for the same kinds of reasons/);
    assert.ok(seen.warnings.length <= 12, all);
    for (const name of ["evil__has space", "evil__", "", "__", "x__", "evil__slash/name", "e".repeat(10_000)]) {
      const r = await manager.call(name, {});
      assert.equal(r.errorCode, "unknown_tool", name);
    }
  } finally {
    await manager.close();
  }
});

Deno.test("a server with 10,000 tools: the first 1,000 are offered, quickly, with a warning", async () => {
  const { manager, seen } = await managerFor({ evil: { command: evil("many", "10000") } });
  try {
    const t0 = performance.now();
    const { tools } = await manager.listTools();
    const ms = performance.now() - t0;
    assert.equal(tools.length, 1000);
    assert.equal(tools[999]!.name, "evil__t999");
    assert.ok(ms < 10_000, `listing took ${ms} ms`);
    assert.ok(seen.warnings.some((w) => /lists more than 1000 tools \(the cap per server\)/.test(w)));
    assert.equal((await manager.resolve("evil__t5000")).ok, false);
    assert.ok((await manager.resolve("evil__t5")).ok);
  } finally {
    await manager.close();
  }
});

Deno.test("endless pagination stops at the page cap; a repeated cursor stops at once", async () => {
  const paged = await managerFor({ evil: { command: evil("paged") } }, { options: { limits: { maxListPages: 20 } } });
  const looped = await managerFor({ evil: { command: evil("loop-cursor") } });
  try {
    const { tools } = await paged.manager.listTools();
    assert.equal(tools.length, 20);
    assert.ok(paged.seen.warnings.some((w) => /listed 20 pages of tools \(the cap\)/.test(w)));
    const loop = await looped.manager.listTools();
    assert.deepEqual(loop.tools.map((t) => t.name), ["evil__loop"]);
    assert.ok(looped.seen.warnings.some((w) => /sent the tools\/list cursor "again" twice/.test(w)));
  } finally {
    await paged.manager.close();
    await looped.manager.close();
  }
});

Deno.test("a server that hangs at start is killed after the startup timeout", async () => {
  const { manager } = await managerFor({ evil: { command: evil("init-hang") } }, {
    options: { limits: { startupTimeoutMs: 500 } },
  });
  try {
    const r = await manager.call("evil__ok", {});
    assert.equal(r.errorCode, "upstream_unavailable");
    assert.match(r.error!, /server "evil" did not answer initialize within 500 ms before it was ready/);
    assert.equal(manager.status()[0]!.pid, null);
  } finally {
    await manager.close();
  }
});

Deno.test("a server that crashes or answers nonsense at start: clear errors with its stderr", async () => {
  const crash = await managerFor({ evil: { command: evil("init-crash") } });
  const invalid = await managerFor({ evil: { command: evil("init-invalid") } });
  const missing = await managerFor({ evil: { command: ["/nonexistent/mcp-server"] } });
  try {
    const c = await crash.manager.resolve("evil__ok");
    assert.ok(!c.ok);
    assert.match(c.error, /server "evil" exited with code 5 \(stderr: init-crash: giving up\) before it was ready/);
    const i = await invalid.manager.resolve("evil__ok");
    assert.ok(!i.ok);
    assert.match(
      i.error,
      /server "evil" answered initialize with an invalid result \(protocolVersion: .*\) before it was ready/,
    );
    const m = await missing.manager.resolve("evil__ok");
    assert.ok(!m.ok);
    assert.match(m.error, /server "evil" could not be started: .*before it was ready/);
  } finally {
    await crash.manager.close();
    await invalid.manager.close();
    await missing.manager.close();
  }
});

Deno.test("a call that hangs times out, or is cancelled: the server is told, stays, and answers the next call", async () => {
  const { manager } = await managerFor({ evil: { command: evil("normal"), tools: { hang: { timeoutMs: 300 } } } });
  try {
    const r = await manager.call("evil__hang", {});
    assert.equal(r.errorCode, "timeout");
    assert.match(r.error!, /evil__hang did not answer within 300 ms \(cancelled upstream\)/);
    assert.ok((await manager.call("evil__ok", {})).ok);
    assert.equal(manager.status()[0]!.starts, 1);
    // A cancelled call: the server is told, with notifications/cancelled for that request.
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("the user pressed stop")), 100);
    const c = await manager.call("evil__hang", {}, { signal: controller.signal, timeoutMs: 10_000 });
    assert.equal(c.errorCode, "cancelled");
    const told = await manager.call("evil__cancellations", {});
    const seenUpstream = JSON.parse((told.result!.content[0] as { text: string }).text) as {
      tool: string;
      reason: string;
    }[];
    assert.equal(seenUpstream.length, 2);
    assert.ok(seenUpstream.every((x) => x.tool === "hang"));
    assert.match(seenUpstream[0]!.reason, /timed out after 300 ms/);
    assert.match(seenUpstream[1]!.reason, /the user pressed stop/);
  } finally {
    await manager.close();
  }
});

Deno.test("a crash mid-call fails the calls in flight, not the other servers; the next call restarts it", async () => {
  const { manager } = await managerFor({ evil: { command: evil("normal") }, other: { command: evil("normal") } });
  try {
    await manager.listTools();
    const hanging = manager.call("evil__hang", {});
    const crash = await manager.call("evil__crash", {});
    assert.equal(crash.errorCode, "upstream_unavailable");
    assert.match(crash.error!, /server "evil" exited with code 7 \(stderr: boom\) during evil__crash/);
    const h = await hanging;
    assert.equal(h.errorCode, "upstream_unavailable");
    assert.match(h.error!, /exited with code 7 .* during evil__hang/);
    assert.ok((await manager.call("other__ok", {})).ok);
    assert.equal(manager.status()[1]!.starts, 1);
    assert.ok((await manager.call("evil__ok", {})).ok);
    assert.equal(manager.status()[0]!.starts, 2);
  } finally {
    await manager.close();
  }
});

Deno.test("a crash fails every call in flight at once (six of them), each by its own name", async () => {
  const { manager } = await managerFor({ evil: { command: evil("normal") } });
  try {
    await manager.listTools();
    const progress: number[] = [];
    const controller = new AbortController();
    const inFlight = [
      ...Array.from({ length: 4 }, () => manager.call("evil__hang", {})),
      manager.call("evil__hang", {}, { onProgress: (p) => progress.push(p.progress) }),
      manager.call("evil__hang", {}, { signal: controller.signal, timeoutMs: 60_000 }),
    ];
    // Sent after the six on the same pipe, so the server has read them all when it crashes.
    const t0 = performance.now();
    const crash = await manager.call("evil__crash", {});
    assert.equal(crash.errorCode, "upstream_unavailable");
    const results = await Promise.all(inFlight);
    // They fail with the crash, not with their timeouts (the default is minutes; one has 60 s).
    assert.ok(performance.now() - t0 < 10_000, `took ${performance.now() - t0} ms`);
    for (const r of results) {
      assert.equal(r.ok, false);
      assert.equal(r.errorCode, "upstream_unavailable", JSON.stringify(r));
      assert.equal(r.upstreamName, "hang");
      assert.match(r.error!, /server "evil" exited with code 7 \(stderr: boom\) during evil__hang/);
    }
    assert.deepEqual(progress, []);
    // Aborting a call that already failed changes nothing and throws nothing.
    controller.abort();
    // One restart serves the next calls, several at once.
    const next = await Promise.all(Array.from({ length: 3 }, () => manager.call("evil__ok", {})));
    assert.ok(next.every((r) => r.ok), JSON.stringify(next));
    assert.equal(manager.status()[0]!.starts, 2);
  } finally {
    await manager.close();
  }
});

Deno.test("what a dead server started dies with it (its process group is killed)", async () => {
  const { manager, seen } = await managerFor({ evil: { command: evil("normal") } });
  try {
    const r = await manager.call("evil__orphan", {});
    assert.equal(r.errorCode, "upstream_unavailable");
    const line = seen.stderr.find((l) => /^orphan pid \d+$/.test(l));
    assert.ok(line, seen.stderr.join("\n"));
    const pid = Number(line.split(" ")[2]);
    await until(() => !alive(pid), 3000, `the orphan ${pid} to be killed`);
  } finally {
    await manager.close();
  }
});

Deno.test("a call right after the server exited on its own starts it again, not sent to the dead one", async () => {
  const { manager } = await managerFor({ evil: { command: evil("normal") } });
  try {
    const bye = await manager.call("evil__bye", {});
    assert.ok(bye.ok, bye.error ?? "");
    const pid = manager.status()[0]!.pid!;
    // the process is gone, its connection not closed yet (a child holds its stdout open for a while)
    const end = Date.now() + 3000;
    while (alive(pid) && Date.now() < end) await new Promise((r) => setTimeout(r, 1));
    assert.equal(alive(pid), false, "the server exited");
    const next = await manager.call("evil__ok", {});
    assert.ok(next.ok, `${next.errorCode}: ${next.error}`);
    assert.equal(manager.status()[0]!.starts, 2);
  } finally {
    await manager.close();
  }
});

Deno.test("a server that closes its stdout and lives on is given up at once, not waited for", async () => {
  const { manager } = await managerFor({ quiet: { command: ["sh", "-c", "exec 1>&-; exec sleep 30"] } });
  try {
    const t0 = performance.now();
    const r = await manager.resolve("quiet__x");
    assert.ok(!r.ok);
    assert.match(r.error, /server "quiet" closed its stdout before it was ready/);
    assert.ok(performance.now() - t0 < 5000, `took ${performance.now() - t0} ms`);
    assert.equal(manager.status()[0]!.pid, null);
  } finally {
    await manager.close();
  }
});

Deno.test("a flood of log messages is cut to 50 a second, and the drop is reported", async () => {
  const { manager, seen } = await managerFor({ evil: { command: evil("normal") } });
  try {
    assert.ok((await manager.call("evil__log_flood", {})).ok);
    await new Promise((r) => setTimeout(r, 50)); // notifications are handled in microtasks
    assert.equal(seen.logs.length, 50);
    await new Promise((r) => setTimeout(r, 1100));
    assert.ok((await manager.call("evil__log_one", {})).ok);
    await until(() => seen.logs.length === 51, 2000, "the next log message");
    assert.equal(seen.logs[50]!.data, "one");
    assert.ok(
      seen.warnings.some((w) => /sent too many log messages; 950 were dropped/.test(w)),
      seen.warnings.join("\n"),
    );
  } finally {
    await manager.close();
  }
});

Deno.test('"sandbox": true is never run unsandboxed by the plain spawner', async () => {
  const tmp = tempDir("gw-sandbox-");
  const canary = join(tmp.dir, "canary");
  const { manager } = await managerFor({ boxed: { command: ["sh", "-c", `touch ${canary}`], sandbox: true } });
  try {
    const r = await manager.call("boxed__x", {});
    assert.equal(r.errorCode, "upstream_unavailable");
    assert.match(r.error!, /configured with "sandbox": true, but no process sandbox was given/);
    assert.ok(!existsSync(canary), "the server ran");
  } finally {
    await manager.close();
    tmp.remove();
  }
});
