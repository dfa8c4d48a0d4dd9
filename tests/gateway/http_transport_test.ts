/**
 * Streamable HTTP upstreams: server-everything serving Streamable HTTP on 127.0.0.1 (its CLI takes only a PORT, so
 * a node preload binds it to loopback), driven through the gateway by tests/gateway/_http_driver.ts, which runs
 * with exactly `--allow-net=127.0.0.1` (the binary's permission set has no network, so this test process cannot
 * fetch; see the last test).
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { UpstreamCallResult, UpstreamElicitation, UpstreamListing } from "../../src/gateway/mod.ts";
import { everythingHttp, managerFor, ROOT, startNode } from "./_servers.ts";

const HOSTILE = fileURLToPath(new URL("./_http_hostile.mjs", import.meta.url));
const DRIVER = fileURLToPath(new URL("./_http_driver.ts", import.meta.url));

/** The driver: one request, one answer. */
function driver(servers: Record<string, unknown>, limits: Record<string, number> = {}) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--allow-read",
      "--allow-env",
      "--allow-net=127.0.0.1",
      DRIVER,
      JSON.stringify(servers),
      JSON.stringify(limits),
    ],
    cwd: ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const writer = child.stdin.getWriter();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  const encoder = new TextEncoder();
  return {
    async ask<T>(request: Record<string, unknown>): Promise<T> {
      await writer.write(encoder.encode(JSON.stringify(request) + "\n"));
      while (!buffer.includes("\n")) {
        const { done, value } = await reader.read();
        if (done) throw new Error(`the driver ended; it had written ${JSON.stringify(buffer)}`);
        buffer += value;
      }
      const nl = buffer.indexOf("\n");
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      return JSON.parse(line) as T;
    },
    async close(): Promise<void> {
      await this.ask({ op: "close" }).catch(() => {});
      await writer.close().catch(() => {});
      await reader.cancel().catch(() => {});
      await child.status;
    },
  };
}

type Called = UpstreamCallResult & { progress: unknown[]; elicitations: UpstreamElicitation[] };

Deno.test("Streamable HTTP upstream: list, call, progress and elicitation pass through; headers are sent", async () => {
  const server = await everythingHttp();
  const d = driver({
    remote: { url: `http://127.0.0.1:${server.port}/mcp`, headers: { Authorization: "Bearer test-token" } },
  });
  try {
    const listing = await d.ask<UpstreamListing>({ op: "list" });
    assert.deepEqual(listing.errors, []);
    const echo = listing.tools.find((t) => t.name === "remote__echo");
    assert.ok(echo, listing.tools.map((t) => t.name).join());
    assert.equal(echo.risk, "low");

    const r = await d.ask<Called>({ op: "call", name: "remote__echo", args: { message: "over http" } });
    assert.ok(r.ok, r.error ?? "");
    assert.deepEqual(r.result!.content, [{ type: "text", text: "Echo: over http" }]);

    const slow = await d.ask<Called>({
      op: "call",
      name: "remote__trigger-long-running-operation",
      args: { duration: 0.3, steps: 3 },
    });
    assert.ok(slow.ok, slow.error ?? "");
    assert.equal(slow.progress.length, 3);

    const asked = await d.ask<Called>({ op: "call", name: "remote__trigger-elicitation-request", args: {} });
    assert.ok(asked.ok, asked.error ?? "");
    assert.equal(asked.elicitations.length, 1);
    assert.equal(asked.elicitations[0]!.server, "remote");
    assert.match(asked.result!.content.map((c) => (c as { text: string }).text).join("\n"), /- Name: Ada/);

    const headers = await d.ask<Record<string, string>[]>({ op: "headers" });
    assert.ok(headers.length > 3);
    assert.ok(headers.every((h) => h.authorization === "Bearer test-token"), JSON.stringify(headers[0]));
  } finally {
    await d.close();
    await server.stop();
  }
});

Deno.test("an HTTP upstream that dies: upstream_unavailable; once it is back, the next call opens a new session", async () => {
  let server = await everythingHttp();
  const port = server.port;
  const d = driver({ remote: { url: `http://127.0.0.1:${port}/mcp` } });
  try {
    assert.ok((await d.ask<Called>({ op: "call", name: "remote__echo", args: { message: "1" } })).ok);
    await server.stop();
    const down = await d.ask<Called>({ op: "call", name: "remote__echo", args: { message: "2" } });
    assert.equal(down.errorCode, "upstream_unavailable");
    assert.match(down.error!, /server "remote" could not be reached \(.*\) during remote__echo/);
    server = await everythingHttp(port);
    const back = await d.ask<Called>({ op: "call", name: "remote__echo", args: { message: "3" } });
    assert.ok(back.ok, back.error ?? "");
    const { status } = await d.ask<{ status: { starts: number }[] }>({ op: "status" });
    assert.equal(status[0]!.starts, 2);
  } finally {
    await d.close();
    await server.stop();
  }
});

Deno.test("an HTTP upstream that answers more than the cap (a JSON body, one event) is cut off", async () => {
  for (const mode of ["json", "sse"]) {
    const server = await startNode([HOSTILE, mode]);
    const d = driver({ big: { url: `http://127.0.0.1:${server.port}/mcp` } }, { maxMessageBytes: 1024 * 1024 });
    try {
      const r = await d.ask<Called>({ op: "call", name: "big__x", args: {} });
      assert.equal(r.errorCode, "upstream_unavailable", mode);
      const what = mode === "json" ? "a response" : "a server-sent event";
      assert.match(r.error!, new RegExp(`sent ${what} larger than 1048576 bytes`), `${mode}: ${r.error}`);
    } finally {
      await d.close();
      await server.stop();
    }
  }
});

Deno.test("without the network permission, an HTTP upstream is a clear upstream_unavailable", async () => {
  // A port nobody listens on (and not one of fetch's blocked ports): the permission is checked first.
  const { manager } = await managerFor({ remote: { url: "http://127.0.0.1:65001/mcp" } });
  try {
    const r = await manager.call("remote__echo", {});
    assert.equal(r.errorCode, "upstream_unavailable");
    const granted = (await Deno.permissions.query({ name: "net", host: "127.0.0.1:65001" })).state === "granted";
    assert.match(
      r.error!,
      granted
        ? /^server "remote" failed to initialize \(.*(refused|fetch failed).*\) before it was ready$/i
        : /^server "remote" failed to initialize \(.*Requires net access to "127\.0\.0\.1:65001".*\) before it was ready$/,
    );
  } finally {
    await manager.close();
  }
});
