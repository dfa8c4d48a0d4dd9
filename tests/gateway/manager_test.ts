/**
 * The upstream manager against real MCP servers from the npm registry (server-memory, server-filesystem,
 * server-everything, run by node from node_modules): listing, calls, risk from annotations and config, results
 * passed back unchanged, isError, elicitation, progress, logging, cancellation, timeouts, a crash and the restart.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
// The SDK's "./*" export maps types to "*.d.ts", so "x.js" finds no types under deno check; point at them.
// @ts-types="@modelcontextprotocol/sdk/client"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/stdio"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { UpstreamElicitation, UpstreamProgress } from "../../src/gateway/mod.ts";
import { parseServers, runtimeSpawner, UpstreamManager } from "../../src/gateway/mod.ts";
import { currentRuntime } from "../../src/runtime/mod.ts";
import { alive, evil, managerFor, SERVERS, tempDir, until } from "./_servers.ts";

Deno.test("server-memory: tools listed as memory__*, risk from annotations, calls answered", async () => {
  const tmp = tempDir("gw-memory-");
  const { manager, seen } = await managerFor({
    memory: { command: ["node", SERVERS.memory], env: { MEMORY_FILE_PATH: join(tmp.dir, "memory.jsonl") } },
  });
  try {
    assert.deepEqual(manager.status()[0]!.state, "idle"); // lazy: nothing started yet
    const { tools, errors } = await manager.listTools();
    assert.deepEqual(errors, []);
    const byName = new Map(tools.map((t) => [t.name, t]));
    assert.ok(byName.has("memory__create_entities") && byName.has("memory__read_graph"), [...byName.keys()].join());
    for (const t of tools) {
      assert.match(t.name, /^memory__[a-z_]+$/);
      assert.equal(t.server, "memory");
      assert.equal(t.riskSource, "annotations");
      assert.equal(t.inputSchema.type, "object");
    }
    assert.equal(byName.get("memory__read_graph")!.risk, "low"); // readOnlyHint: true
    assert.equal(byName.get("memory__create_entities")!.risk, "medium"); // destructiveHint: false
    assert.equal(byName.get("memory__delete_entities")!.risk, "high"); // destructiveHint: true

    const created = await manager.call("memory__create_entities", {
      entities: [{ name: "Ada", entityType: "person", observations: ["wrote the first program"] }],
    });
    assert.ok(created.ok, created.error ?? "");
    const graph = await manager.call("memory__read_graph", {});
    assert.ok(graph.ok, graph.error ?? "");
    const text = (graph.result!.content[0] as { text: string }).text;
    assert.match(text, /"name": ?"Ada"/);
    assert.equal(manager.status()[0]!.state, "ready");
    assert.equal(manager.status()[0]!.starts, 1);
    assert.deepEqual(seen.warnings, []);
  } finally {
    await manager.close();
    tmp.remove();
  }
});

Deno.test("a configured risk wins over annotations and is never lowered; disabled tools are gone", async () => {
  const tmp = tempDir("gw-memory-");
  const { manager, seen } = await managerFor({
    memory: {
      command: ["node", SERVERS.memory],
      env: { MEMORY_FILE_PATH: join(tmp.dir, "memory.jsonl") },
      risk: "medium",
      tools: {
        delete_entities: { risk: "high" },
        create_relations: { enabled: false },
        read_graph: { timeoutMs: 1234 },
        no_such_tool: { risk: "low" },
      },
    },
  });
  try {
    const read = await manager.resolve("memory__read_graph");
    assert.ok(read.ok);
    // readOnlyHint says low; the server's configured risk is medium and stays medium.
    assert.equal(read.tool.risk, "medium");
    assert.equal(read.tool.riskSource, "server-config");
    assert.equal(read.tool.timeoutMs, 1234);
    const del = await manager.resolve("memory__delete_entities");
    assert.ok(del.ok);
    assert.deepEqual([del.tool.risk, del.tool.riskSource], ["high", "tool-config"]);
    const gone = await manager.call("memory__create_relations", { relations: [] });
    assert.equal(gone.errorCode, "unknown_tool");
    assert.match(gone.error!, /server "memory" lists no tool "create_relations"/);
    assert.ok(
      seen.warnings.some((w) =>
        /"servers\.memory\.tools\.no_such_tool" is configured, but the server offers no/.test(w)
      ),
      seen.warnings.join("\n"),
    );
  } finally {
    await manager.close();
    tmp.remove();
  }
});

Deno.test("results come back exactly as the server sent them (same as a direct SDK client)", async () => {
  const tmp = tempDir("gw-fs-");
  writeFileSync(join(tmp.dir, "notes.txt"), "hello from the workspace\n");
  const { manager } = await managerFor({ fs: { command: ["node", SERVERS.filesystem, tmp.dir] } });
  const direct = new Client({ name: "direct", version: "1" });
  await direct.connect(
    new StdioClientTransport({ command: "node", args: [SERVERS.filesystem, tmp.dir], stderr: "pipe" }),
  );
  try {
    const args = { path: join(tmp.dir, "notes.txt") };
    const viaGateway = await manager.call("fs__read_text_file", args);
    const viaClient = await direct.callTool({ name: "read_text_file", arguments: args });
    assert.ok(viaGateway.ok);
    assert.deepEqual(viaGateway.result, viaClient);
    assert.ok("structuredContent" in viaGateway.result!, "server-filesystem sends structuredContent");
  } finally {
    await direct.close();
    await manager.close();
    tmp.remove();
  }
});

Deno.test("onResult: a plain result is handed over as it is read; other results, and a walked server's, wait", async () => {
  const plain = runtimeSpawner(await currentRuntime());
  const config = { everything: { command: ["node", SERVERS.everything, "stdio"] } };
  const bare = new UpstreamManager(parseServers(config, { baseDir: "/" }), plain);
  // The hooks a sandboxing spawner fills: its calls end with a repository walk, so nothing is answered before it.
  const walked = new UpstreamManager(
    parseServers(config, { baseDir: "/" }),
    async (request) => ({ ...(await plain(request)), afterCall: () => [], stopReason: () => null }),
  );
  try {
    for (const [manager, early] of [[bare, true], [walked, false]] as const) {
      const got: unknown[] = [];
      const echo = await manager.call("everything__echo", { message: "hi" }, { onResult: (r) => void got.push(r) });
      assert.ok(echo.ok, echo.error ?? "");
      assert.deepEqual(got, early ? [echo.result] : [], "the same result, once, only for the bare server");
      assert.equal(got[0] === undefined || got[0] === echo.result, true, "the very object the call returns");
      // An image block is not a plain result (the SDK's schema judges it): it waits for the call.
      const image = await manager.call("everything__get-tiny-image", {}, { onResult: (r) => void got.push(r) });
      assert.ok(image.ok, image.error ?? "");
      assert.ok(image.result!.content.some((c) => c.type === "image"));
      assert.equal(got.length, early ? 1 : 0);
    }
  } finally {
    await Promise.all([bare.close(), walked.close()]);
  }
});

Deno.test("server-filesystem: an isError result is passed back unchanged and flagged as an error", async () => {
  const tmp = tempDir("gw-fs-");
  const { manager } = await managerFor({ fs: { command: ["node", SERVERS.filesystem, tmp.dir] } });
  try {
    const { tools } = await manager.listTools();
    const risk = Object.fromEntries(tools.map((t) => [t.upstreamName, t.risk]));
    assert.equal(risk.read_text_file, "low");
    assert.equal(risk.create_directory, "medium");
    assert.equal(risk.write_file, "high");
    const r = await manager.call("fs__read_text_file", { path: "/etc/passwd" });
    assert.equal(r.ok, false);
    assert.equal(r.errorCode, "upstream_error");
    assert.equal(r.result!.isError, true);
    assert.match((r.result!.content[0] as { text: string }).text, /Access denied/);
    assert.match(r.error!, /^fs__read_text_file reported an error: .*Access denied/);
  } finally {
    await manager.close();
    tmp.remove();
  }
});

Deno.test("server-everything: an upstream elicitation reaches the hook and its answer goes back", async () => {
  const asked: UpstreamElicitation[] = [];
  const { manager } = await managerFor({ everything: { command: ["node", SERVERS.everything, "stdio"] } }, {
    hooks: {
      onElicit: (request) => {
        asked.push(request);
        return Promise.resolve({ action: "accept", content: { name: "Ada Lovelace", check: true } });
      },
    },
  });
  try {
    // The server offers this tool only to clients that declared elicitation (we did, because of onElicit).
    const r = await manager.call("everything__trigger-elicitation-request", {});
    assert.ok(r.ok, r.error ?? "");
    assert.equal(asked.length, 1);
    assert.equal(asked[0]!.server, "everything");
    assert.deepEqual(asked[0]!.calls, ["everything__trigger-elicitation-request"]);
    assert.match(String(asked[0]!.params.message), /Please provide inputs/);
    const texts = r.result!.content.map((c) => (c as { text: string }).text).join("\n");
    assert.match(texts, /- Name: Ada Lovelace/);
    assert.match(texts, /- Agreed to terms: true/);
  } finally {
    await manager.close();
  }
});

Deno.test("server-everything: a call's own onElicit answers; without any handler the capability is not declared", async () => {
  const { manager } = await managerFor({ everything: { command: ["node", SERVERS.everything, "stdio"] } }, {
    hooks: { onElicit: () => Promise.reject(new Error("the manager-level handler must not be asked")) },
  });
  const bare = await managerFor({ everything: { command: ["node", SERVERS.everything, "stdio"] } });
  try {
    const r = await manager.call("everything__trigger-elicitation-request", {}, {
      onElicit: () => Promise.resolve({ action: "decline" }),
    });
    assert.ok(r.ok, r.error ?? "");
    assert.match(r.result!.content.map((c) => (c as { text: string }).text).join("\n"), /declined/);

    const listed = await bare.manager.listTools();
    const names = listed.tools.map((t) => t.upstreamName);
    assert.ok(names.includes("echo"));
    assert.ok(!names.includes("trigger-elicitation-request"), names.join());
  } finally {
    await manager.close();
    await bare.manager.close();
  }
});

Deno.test("the time a person takes to answer an elicitation does not count against the call's timeout", async () => {
  const { manager } = await managerFor({ everything: { command: ["node", SERVERS.everything, "stdio"] } }, {
    hooks: {
      onElicit: async () => {
        await new Promise((r) => setTimeout(r, 800));
        return { action: "accept", content: { name: "Slow Typist" } };
      },
    },
  });
  try {
    const r = await manager.call("everything__trigger-elicitation-request", {}, { timeoutMs: 400 });
    assert.ok(r.ok, r.error ?? "");
    assert.match(r.result!.content.map((c) => (c as { text: string }).text).join("\n"), /- Name: Slow Typist/);
    // Without an elicitation the same timeout applies as usual.
    const slow = await manager.call("everything__trigger-long-running-operation", { duration: 2, steps: 2 }, {
      timeoutMs: 400,
    });
    assert.equal(slow.errorCode, "timeout");
  } finally {
    await manager.close();
  }
});

Deno.test("server-everything: progress is passed through; log messages reach onLog", async () => {
  const { manager, seen } = await managerFor({ everything: { command: ["node", SERVERS.everything, "stdio"] } });
  try {
    const progress: UpstreamProgress[] = [];
    const r = await manager.call("everything__trigger-long-running-operation", { duration: 0.3, steps: 3 }, {
      onProgress: (p) => progress.push(p),
    });
    assert.ok(r.ok, r.error ?? "");
    assert.deepEqual(progress, [{ progress: 1, total: 3 }, { progress: 2, total: 3 }, { progress: 3, total: 3 }]);

    await manager.setLoggingLevel("debug");
    const on = await manager.call("everything__toggle-simulated-logging", {});
    assert.ok(on.ok, on.error ?? "");
    await until(() => seen.logs.length > 0, 5000, "a log message");
    assert.equal(seen.logs[0]!.server, "everything");
    assert.match(String(seen.logs[0]!.data), /level.message/i); // e.g. "Info-level message", "Alert level-message"
    await manager.call("everything__toggle-simulated-logging", {});
  } finally {
    await manager.close();
  }
});

Deno.test("cancellation and timeouts reach the server, which stays up", async () => {
  const { manager } = await managerFor({ everything: { command: ["node", SERVERS.everything, "stdio"] } });
  try {
    const controller = new AbortController();
    const t0 = Date.now();
    setTimeout(() => controller.abort(), 300);
    const cancelled = await manager.call("everything__trigger-long-running-operation", { duration: 10, steps: 10 }, {
      signal: controller.signal,
    });
    assert.equal(cancelled.errorCode, "cancelled");
    assert.ok(Date.now() - t0 < 3000, `cancel took ${Date.now() - t0} ms`);
    const pid = manager.status()[0]!.pid;

    const timedOut = await manager.call("everything__trigger-long-running-operation", { duration: 10, steps: 10 }, {
      timeoutMs: 300,
    });
    assert.equal(timedOut.errorCode, "timeout");
    assert.match(timedOut.error!, /did not answer within 300 ms/);

    const pre = new AbortController();
    pre.abort();
    assert.equal(
      (await manager.call("everything__echo", { message: "x" }, { signal: pre.signal })).errorCode,
      "cancelled",
    );

    const after = await manager.call("everything__echo", { message: "still here" });
    assert.ok(after.ok);
    assert.equal(manager.status()[0]!.pid, pid);
    assert.equal(manager.status()[0]!.starts, 1);
  } finally {
    await manager.close();
  }
});

Deno.test("a server killed mid-call: the call fails upstream_unavailable, the next call restarts it", async () => {
  const { manager, seen } = await managerFor({ everything: { command: ["node", SERVERS.everything, "stdio"] } });
  try {
    assert.ok((await manager.call("everything__echo", { message: "warm" })).ok);
    const pid = manager.status()[0]!.pid!;
    const inFlight = manager.call("everything__trigger-long-running-operation", { duration: 10, steps: 10 });
    await new Promise((r) => setTimeout(r, 300));
    Deno.kill(pid, "SIGKILL");
    const r = await inFlight;
    assert.equal(r.errorCode, "upstream_unavailable");
    assert.match(
      r.error!,
      /^server "everything" was killed by SIGKILL \(stderr: .*\) during everything__trigger-long-running-operation$/,
    );
    assert.equal(manager.status()[0]!.state, "idle");
    assert.ok(seen.warnings.some((w) => /started again on the next call/.test(w)));

    const again = await manager.call("everything__echo", { message: "back" });
    assert.ok(again.ok, again.error ?? "");
    const status = manager.status()[0]!;
    assert.equal(status.starts, 2);
    assert.notEqual(status.pid, pid);
    assert.ok(!alive(pid));
  } finally {
    await manager.close();
  }
});

Deno.test("tools/list_changed is followed: the cache is refreshed and onToolsChanged fires", async () => {
  const { manager, seen } = await managerFor({ evil: { command: evil("normal") } });
  try {
    assert.equal((await manager.resolve("evil__added")).ok, false);
    assert.ok((await manager.call("evil__change", {})).ok);
    await until(() => seen.changed.length > 0, 5000, "onToolsChanged");
    assert.deepEqual(seen.changed, ["evil"]);
    const added = await manager.resolve("evil__added");
    assert.ok(added.ok);
    assert.ok((await manager.call("evil__added", {})).ok === false); // the evil server answers isError for it
  } finally {
    await manager.close();
  }
});

Deno.test("an upstream that cancels its elicitation: the handler's signal is aborted with the reason", async () => {
  let signal: AbortSignal | null = null;
  const { manager } = await managerFor({ evil: { command: evil("normal") } }, {
    hooks: {
      onElicit: (request) => {
        signal = request.signal;
        // A person who never answers: only the cancellation ends this.
        return new Promise((_resolve, reject) =>
          request.signal.addEventListener("abort", () => reject(request.signal.reason))
        );
      },
    },
  });
  try {
    const r = await manager.call("evil__elicit_cancel", {});
    assert.ok(r.ok, r.error ?? "");
    await until(() => signal?.aborted === true, 3000, "the elicitation's signal to abort");
    assert.equal(signal!.reason, "changed my mind");
  } finally {
    await manager.close();
  }
});

Deno.test("close() stops every server and leaves no process behind", async () => {
  const tmp = tempDir("gw-memory-");
  const { manager } = await managerFor({
    memory: { command: ["node", SERVERS.memory], env: { MEMORY_FILE_PATH: join(tmp.dir, "m.jsonl") } },
    everything: { command: ["node", SERVERS.everything, "stdio"] },
  });
  try {
    await manager.listTools();
    const pids = manager.status().map((s) => s.pid!);
    assert.equal(pids.length, 2);
    assert.ok(pids.every(alive));
    await manager.close();
    assert.ok(pids.every((p) => !alive(p)));
    const after = await manager.call("memory__read_graph", {});
    assert.equal(after.errorCode, "upstream_unavailable");
    assert.match(after.error!, /shut down/);
  } finally {
    await manager.close();
    tmp.remove();
  }
});

Deno.test("an upstream elicitation dressed as safe-exec's own form reaches the person labelled with its server", async () => {
  const asked: Array<{ server: string; params: Record<string, unknown> }> = [];
  const { manager } = await managerFor({ mimic: { command: evil("spoof") } }, {
    hooks: {
      onElicit: (request) => {
        asked.push({ server: request.server, params: request.params as Record<string, unknown> });
        return Promise.resolve({ action: "decline" });
      },
    },
  });
  try {
    const r = await manager.call("mimic__spoof", {});
    assert.ok(r.ok, r.error ?? "");
    assert.equal(asked.length, 1);
    const p = asked[0]!.params;
    assert.match(String(p.message), /^\[upstream "mimic"\] safe-exec asks before running run_bash/);
    // the server's own claim to be safe-exec is replaced by where it came from
    assert.deepEqual((p._meta as Record<string, unknown>)["safe-exec/origin"], { from: "upstream", server: "mimic" });
    assert.deepEqual(p.requestedSchema, {
      type: "object",
      properties: { confirm: { type: "boolean" } },
      required: ["confirm"],
    });
    // the answer went back to the server unchanged
    assert.match(JSON.stringify(r.result), /decline/);
  } finally {
    await manager.close();
  }
});

Deno.test("a server whose walk says it must stop: calls in flight are told why, listing and calls restart it (J5)", async () => {
  // server-everything behind a spawner that fills the hooks a sandboxing one does (its walks and their verdict)
  const plain = runtimeSpawner(await currentRuntime());
  let stop: string | null = null;
  const warnings: string[] = [];
  const manager = new UpstreamManager(
    parseServers({ everything: { command: ["node", SERVERS.everything, "stdio"] } }, { baseDir: "/" }),
    async (request) => ({ ...(await plain(request)), afterCall: () => [], stopReason: () => stop }),
    { hooks: { onWarning: (w) => void warnings.push(w.message) } },
  );
  try {
    const first = await manager.listTools();
    assert.deepEqual(first.errors, []);
    const pid = manager.status()[0]!.pid!;
    // a call in flight when a walk between calls says stop
    const long = manager.call("everything__trigger-long-running-operation", { duration: 10, steps: 10 });
    await new Promise((r) => setTimeout(r, 300));
    stop = "a git repository was made again at sub";
    const r = await long;
    stop = null;
    assert.equal(r.errorCode, "upstream_unavailable", JSON.stringify(r));
    assert.match(r.error!, /server "everything" was stopped by safe-exec: a git repository was made again at sub/);
    await until(() => !alive(pid), 5000, "the old server's exit");
    assert.match(warnings.join("\n"), /was stopped by safe-exec: .*; it is started again on the next call/);
    // a walk after a call says stop: the next listing and call, at once, wait for the close and start it again
    stop = "the repository walk of /ws looked at 9 folders, past the bound of 8 folders";
    const echo = await manager.call("everything__echo", { message: "one" });
    // The idle sweep walks every 500 ms from the server's start: on a loaded machine it may find the stop before the
    // call is answered (even before the handshake ends); the call is then told why, which is the same class.
    if (!echo.ok) {
      assert.equal(echo.errorCode, "upstream_unavailable", JSON.stringify(echo));
      assert.match(echo.error!, /was stopped by safe-exec: the repository walk of \/ws looked at 9 folders/);
    }
    stop = null;
    const [listing, again] = await Promise.all([
      manager.listTools(),
      manager.call("everything__echo", { message: "two" }),
    ]);
    assert.deepEqual(listing.errors, []);
    assert.ok(listing.tools.some((t) => t.name === "everything__echo"));
    assert.ok(again.ok, again.error ?? "");
    assert.equal(manager.status()[0]!.starts, 3, "started again after each stop, once");
  } finally {
    await manager.close();
  }
});
