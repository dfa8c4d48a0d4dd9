/**
 * The gateway's connection made on first use (`_lazy_connection.ts`), through the manager against the real
 * server-everything: the status of a server never started, starting, ready and closed; a manager closed before any
 * call refuses calls as a started-then-closed connection does, and starts no server.
 */
import assert from "node:assert/strict";
import { parseServers } from "../../src/gateway/config.ts";
import { UpstreamConnection } from "../../src/gateway/connection.ts";
import { LazyConnection } from "../../src/gateway/_lazy_connection.ts";
import { DEFAULT_LIMITS } from "../../src/gateway/types.ts";
import { managerFor, SERVERS } from "./_servers.ts";

Deno.test("lazy connection: idle, starting, ready, closed, as the connection says once it exists", async () => {
  const { manager } = await managerFor({ everything: { command: ["node", SERVERS.everything, "stdio"] } });
  try {
    const [idle] = manager.status();
    assert.deepEqual(idle, {
      server: "everything",
      transport: "stdio",
      sandbox: false,
      state: "idle",
      pid: null,
      starts: 0,
      tools: null,
      lastError: null,
    });
    const listing = manager.listTools();
    assert.equal(manager.status()[0]!.state, "starting");
    const { tools, errors } = await listing;
    assert.deepEqual(errors, []);
    assert.ok(tools.some((t) => t.name === "everything__echo"));
    const [ready] = manager.status();
    assert.equal(ready!.state, "ready");
    assert.equal(ready!.starts, 1);
    assert.equal(typeof ready!.pid, "number");
    assert.equal(ready!.tools, tools.length);
    const r = await manager.call("everything__echo", { message: "hi" });
    assert.ok(r.ok, r.error ?? "");
  } finally {
    await manager.close();
  }
  assert.equal(manager.status()[0]!.state, "closed");
});

Deno.test("lazy connection: closed before its first call, it refuses as a closed connection and starts nothing", async () => {
  const [config] = Object.values(parseServers({ s: { command: ["/bin/false"] } }, { baseDir: "/" }));
  const context = {
    hooks: {},
    elicitation: () => [] as const,
    clientInfo: { name: "t", version: "0" },
    hostEnv: {},
    defaultCwd: "/",
    limits: DEFAULT_LIMITS,
    loggingLevel: () => undefined,
  };
  const lazy = new LazyConnection(config!, context);
  const real = new UpstreamConnection(config!, context);
  await lazy.close();
  await real.close();
  assert.deepEqual(lazy.status(), real.status());
  const [a, b] = [await lazy.call("t", {}), await real.call("t", {})];
  assert.equal(a.errorCode, "upstream_unavailable");
  assert.equal(a.error, b.error);
  assert.match(a.error ?? "", /shut down/);
  await assert.rejects(lazy.tools(), /shut down/);
  assert.equal(lazy.status().starts, 0, "nothing was started");
  assert.deepEqual(lazy.status(), real.status());
});
