/** The gateway over JSON lines (SPEC §8): a non-MCP agent gets gated access to upstream MCP servers via `serve`. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createApp } from "../../../src/app.ts";
import { parseConfig } from "../../../src/config/parse.ts";
import { currentRuntime } from "../../../src/runtime/mod.ts";
import { ProtocolServer } from "../../../src/transport/jsonl/server.ts";
import { SERVERS } from "../../gateway/_servers.ts";
import { tempDir } from "../../_temp.ts";

Deno.test("serve: upstream tools in tools and info, called through the gate, results unchanged", async () => {
  const dir = tempDir("se-gw-serve-");
  const config = parseConfig(
    JSON.stringify({
      sandbox: "none",
      servers: {
        everything: { command: ["node", SERVERS.everything, "stdio"], tools: { "get-sum": { risk: "high" } } },
      },
    }),
    { baseDir: dir, source: join(dir, "safe-exec.jsonc") },
  );
  const app = createApp(config, await currentRuntime());
  const server = new ProtocolServer({ executor: app.executor, confirm: () => false, emit: () => {}, info: app.info });
  const one = async (m: unknown) => (await server.handleLine(JSON.stringify(m)))[0]!;
  try {
    const tools = (await one({ id: 1, type: "tools" })).tools as { name: string; risk: string }[];
    const echo = tools.find((t) => t.name === "everything__echo")!;
    assert.equal(echo.risk, "low"); // readOnlyHint
    assert.equal(tools.find((t) => t.name === "everything__get-sum")!.risk, "high"); // the config wins
    const r = await one({ id: 2, tool: "everything__echo", args: { message: "hi" } });
    assert.equal(r.ok, true);
    assert.deepEqual((r.output as { content: unknown }).content, [{ type: "text", text: "Echo: hi" }]);
    const sum = await one({ id: 3, tool: "everything__get-sum", args: { a: 1, b: 2 } });
    assert.equal(sum.decision, "ask");
    assert.equal(sum.errorCode, "not_approved");
    const nope = await one({ id: 4, tool: "everything__nope", args: {} });
    assert.equal(nope.errorCode, "unknown_tool");
    const info = await one({ id: 5, type: "info" });
    const status = (info.servers as { server: string; state: string }[])[0]!;
    assert.equal(status.server, "everything");
    assert.equal(status.state, "ready");
    const log = readFileSync(config.witness.path, "utf8");
    assert.match(log, /"event":"gate","tool":"everything__echo","decision":"allow"/);
  } finally {
    await server.close();
    await app.shutdown();
  }
});
