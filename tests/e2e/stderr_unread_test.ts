/**
 * A client that never reads safe-exec's stderr must not stop it. An upstream MCP server that floods its own stderr
 * (8 MiB in 100-byte lines) has each line passed on to safe-exec's stderr; written synchronously, the first 64 KiB
 * filled the pipe and the whole server blocked: the call never answered (before the fix, on every target). Over
 * `mcp` and over `serve`, on every target, the call is answered, a second call too, and the server exits at EOF.
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { targets } from "../_targets.ts";
import { tempDir } from "../_temp.ts";

const EVIL = new URL("../gateway/_evil_server.ts", import.meta.url).pathname;

function world(): { config: string; ws: string; witness: string } {
  const dir = tempDir("stderr-unread-");
  const ws = join(dir, "ws");
  mkdirSync(ws);
  const config = join(dir, "safe-exec.json");
  writeFileSync(
    config,
    JSON.stringify({
      sandbox: "none",
      servers: {
        evil: { command: [Deno.execPath(), "run", "--no-config", "--allow-run", EVIL, "normal"], risk: "low" },
      },
    }),
  );
  return { config, ws, witness: join(dir, "witness.log") };
}

/** Read answers (JSON lines) from stdout; stderr stays unread for the whole run. */
function answers(child: Deno.ChildProcess): () => Promise<Record<string, unknown>> {
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  return async () => {
    while (!buf.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stdout ended before an answer; read so far: ${JSON.stringify(buf.slice(0, 200))}`);
      buf += value;
    }
    const i = buf.indexOf("\n");
    const line = buf.slice(0, i);
    buf = buf.slice(i + 1);
    return JSON.parse(line);
  };
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms))),
  ]);
}

for (const target of targets()) {
  for (const mode of ["mcp", "serve"] as const) {
    Deno.test(`${target.name} ${mode}: an upstream flooding stderr that nobody reads does not stop the server`, async () => {
      const w = world();
      const child = new Deno.Command(target.argv[0]!, {
        args: [...target.argv.slice(1), mode, "--config", w.config, "--workspace", w.ws, "--witness", w.witness],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped", // never read
      }).spawn();
      const writer = child.stdin.getWriter();
      const send = (m: unknown) => writer.write(new TextEncoder().encode(JSON.stringify(m) + "\n"));
      const next = answers(child);
      try {
        if (mode === "mcp") {
          await send({
            jsonrpc: "2.0",
            id: 0,
            method: "initialize",
            params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
          });
          await within(next(), 30_000, "initialize");
          await send({ jsonrpc: "2.0", method: "notifications/initialized" });
        }
        const call = (id: number, tool: string) =>
          mode === "mcp"
            ? send({ jsonrpc: "2.0", id, method: "tools/call", params: { name: tool, arguments: {} } })
            : send({ id, tool, args: {} });
        const text = (a: Record<string, unknown>): string => {
          const r = (mode === "mcp" ? a.result : a.output) as { content?: { text?: string }[] } | undefined;
          return r?.content?.[0]?.text ?? JSON.stringify(a).slice(0, 300);
        };
        await call(1, "evil__stderr_flood");
        assert.equal(text(await within(next(), 60_000, "evil__stderr_flood")), "flooded");
        await call(2, "evil__ok");
        assert.equal(text(await within(next(), 30_000, "evil__ok")), "fine");
        await writer.close();
        const status = await within(child.status, 20_000, "exit after EOF");
        assert.equal(status.code, 0);
      } finally {
        try {
          child.kill("SIGKILL");
        } catch {
          // already gone
        }
        await child.status;
        await child.stdout.cancel().catch(() => {});
        await child.stderr.cancel().catch(() => {});
      }
    });
  }
}
