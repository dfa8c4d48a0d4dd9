/**
 * read_file and write_file of 1 KiB through `safe-exec serve` (JSON lines) and `safe-exec mcp` (the official SDK
 * client), from `deno run` and the Bun binary, against `@modelcontextprotocol/server-filesystem` (no gate, no log)
 * driven by the same SDK client: sequential, and with 8 calls in flight.
 *
 * @module
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type BenchModule, type Row, tempDir, type Verdict } from "./_bench.ts";
import { type Call, launches, serverFilesystem, startMcp, startServe, timeCalls } from "./_bench_clients.ts";

const TEXT = "safe-exec bench line\n".repeat(49).padEnd(1024, ".").slice(0, 1024); // 1 KiB

/** The module. */
export const serve: BenchModule = {
  id: "serve",
  title: "read_file and write_file through serve and mcp",
  about: "1 KiB reads and writes through `safe-exec serve` (JSON lines over pipes) and `safe-exec mcp` (the " +
    "official MCP SDK client over stdio), each from `deno run` and the Bun binary with the default isolation, " +
    "against `@modelcontextprotocol/server-filesystem` (`read_text_file`, `write_file`; no gate, no log) driven by " +
    "the same SDK client. Sequential (one call at a time) and 8 in flight (the client keeps 8 outstanding; " +
    "safe-exec still runs them one at a time, in order). p50/p99 are send-to-answer per call.",
  async run(ctx) {
    const calls = ctx.quick ? 300 : 2000;
    const warmup = ctx.quick ? 50 : 200;
    const { dir, remove } = tempDir("serve");
    const rows: Row[] = [];
    const verdicts: Verdict[] = [];
    try {
      const ws = join(dir, "ws");
      mkdirSync(ws);
      writeFileSync(join(ws, "bench.txt"), TEXT);
      // The MCP session estimates the context from what it returned: thousands of 1 KiB reads would tire the
      // session until writes are asked. The benchmark measures calls, not fatigue.
      const config = join(dir, "bench.jsonc");
      writeFileSync(config, JSON.stringify({ metrics: { maxContext: 1e12 } }));
      const fsName = (tool: string, mode: string) => `server-filesystem ${tool}, ${mode}`;
      const modes: Array<[string, number]> = [["sequential", 1], ["8 in flight", 8]];
      const measure = async (prefix: string, read: Call, write: Call, anchor: boolean) => {
        for (const [tool, call] of [["read_file", read], ["write_file", write]] as const) {
          for (const [mode, inFlight] of modes) {
            const name = anchor
              ? fsName(tool === "read_file" ? "read_text_file" : "write_file", mode)
              : `${prefix} ${tool}, ${mode}`;
            const row = await timeCalls(name, call, { calls, warmup, inFlight });
            if (anchor) row.isAnchor = true;
            else row.anchor = fsName(tool === "read_file" ? "read_text_file" : "write_file", mode);
            rows.push(row);
            ctx.log(`serve: ${name}: p50 ${row.p50Ms} ms, ${row.callsPerSec} calls/s`);
          }
        }
      };
      for (const launch of launches()) {
        const log = join(dir, `${launch.label.replace(/\W/g, "-")}.log`);
        const s = startServe(
          launch,
          ["--workspace", ws, "--witness", log, "--config", config, "--confirm", "deny"],
          dir,
        );
        try {
          const check = (what: string) => (r: Record<string, unknown>) => {
            if (r.ok !== true) throw new Error(`serve ${what} failed: ${JSON.stringify(r).slice(0, 300)}`);
          };
          await measure(
            `serve, ${launch.label},`,
            () => s.call({ tool: "read_file", args: { path: "bench.txt" } }).then(check("read_file")),
            () => s.call({ tool: "write_file", args: { path: "out.txt", content: TEXT } }).then(check("write_file")),
            false,
          );
        } finally {
          await s.stop();
        }
        const [cmd, ...args] = launch.argv;
        const m = await startMcp(cmd!, [
          ...args,
          "mcp",
          "--workspace",
          ws,
          "--witness",
          `${log}.mcp`,
          "--config",
          config,
        ], dir);
        try {
          await measure(
            `mcp, ${launch.label},`,
            () => m.call("read_file", { path: "bench.txt" }, (t) => t === TEXT),
            () => m.call("write_file", { path: "out.txt", content: TEXT }, (t) => t === "Written 1024 chars"),
            false,
          );
        } finally {
          await m.close();
        }
      }
      const fsServer = serverFilesystem();
      if (fsServer) {
        const f = await startMcp("node", [fsServer, ws], dir);
        try {
          await measure(
            "",
            () => f.call("read_text_file", { path: join(ws, "bench.txt") }, (t) => t === TEXT),
            () => f.call("write_file", { path: join(ws, "fs-out.txt"), content: TEXT }, (t) => /wrote/i.test(t ?? "")),
            true,
          );
        } finally {
          await f.close();
        }
      }
      const find = (name: string) => rows.find((r) => r.name === name);
      const denoRead = find("serve, deno run, read_file, sequential");
      verdicts.push({
        target: "readP50",
        from: "serve, deno run, read_file, sequential",
        value: denoRead?.p50Ms ?? null,
      });
      const fsRead = find(fsName("read_text_file", "sequential"));
      for (const label of ["Bun binary", "deno run"]) {
        const ours = find(`mcp, ${label}, read_file, sequential`);
        verdicts.push({
          target: "mcpVsFilesystem",
          from: `mcp, ${label}, read_file, sequential`,
          value: ours?.callsPerSec && fsRead?.callsPerSec ? ours.callsPerSec / fsRead.callsPerSec : null,
          ...(ours && fsRead ? {} : { missing: ours ? "server-filesystem is not installed" : `no ${label} here` }),
        });
      }
      return {
        rows,
        ratios: ["p50Ms", "callsPerSec"],
        verdicts,
        notes: [
          `${calls} timed calls per row after ${warmup} untimed ones; one server process per transport and runtime, ` +
          `reused across its rows, with \`metrics.maxContext\` raised so that the session's estimated context never ` +
          `makes the gate ask. \`deno run\` uses the confined file server where bubblewrap runs (README: why that ` +
          `costs a process hop per call).`,
        ],
      };
    } finally {
      remove();
    }
  },
};
