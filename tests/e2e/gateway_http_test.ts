/**
 * A Streamable HTTP upstream behind `safe-exec mcp` (SPEC §8), end to end: server-everything serving Streamable HTTP
 * on 127.0.0.1 (tests/gateway/_loopback.mjs binds it there), the official SDK client in front of each target of
 * tests/_targets.ts: the call goes through, gated and logged (Deno with the binary's permissions, build.ts, which
 * allow the network for this). Under `deno run` without `--allow-net` the call is a clear `upstream_unavailable`
 * naming the missing permission, and nothing reaches the server.
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { DENO_FLAGS, ROOT, targets } from "../_targets.ts";
import { join } from "node:path";
import { everythingHttp } from "../gateway/_servers.ts";
import { connect } from "./_mcp.ts";

type Result = { content: { type: string; text?: string }[]; isError?: boolean };
const text = (r: unknown) => (r as Result).content.map((c) => c.text ?? "").join("\n");

const withoutNet = {
  name: "deno run without --allow-net",
  argv: [Deno.execPath(), "run", ...DENO_FLAGS.filter((f) => f !== "--allow-net"), join(ROOT, "src/main.ts")],
};

for (const target of [...targets(), withoutNet]) {
  const deno = target === withoutNet;
  Deno.test(`gateway over Streamable HTTP (${target.name}): ${deno ? "no net permission, a clear error" : "list, call, logged"}`, async () => {
    const server = await everythingHttp();
    const url = `http://127.0.0.1:${server.port}/mcp`;
    const c = await connect({ config: { servers: { web: { url, risk: "low" } } }, argv: target.argv });
    try {
      const r = await c.client.callTool({ name: "web__echo", arguments: { message: "over http" } });
      await c.client.ping(); // answered after the call's execute line is written
      const lines = c.place.lines();
      const gate = lines.find((l) => l.event === "gate" && l.tool === "web__echo");
      const execute = lines.find((l) => l.event === "execute" && l.tool === "web__echo");
      if (deno) {
        // The server cannot be reached, so the tool has no risk to gate: refused, logged, and said plainly.
        assert.equal((r as Result).isError, true);
        assert.match(
          text(r),
          /errorCode upstream_unavailable.*server "web" failed to initialize \(Requires net access to "127\.0\.0\.1:\d+"/,
        );
        assert.equal(gate?.decision, "deny", JSON.stringify(lines));
        assert.equal(gate.details.errorCode, "upstream_unavailable");
        assert.equal(execute, undefined);
      } else {
        assert.equal(gate?.decision, "allow", JSON.stringify(lines));
        assert.ok(execute, JSON.stringify(lines));
        assert.equal((r as Result).isError, undefined, text(r));
        assert.equal(text(r), "Echo: over http");
        const { tools } = await c.client.listTools();
        assert.ok(tools.some((t) => t.name === "web__echo"), tools.map((t) => t.name).join(", "));
        assert.equal(execute.details.ok, true, JSON.stringify(execute));
      }
    } finally {
      await c.close();
      await server.stop();
      rmSync(c.place.dir, { recursive: true, force: true });
    }
  });
}
