/**
 * Sequential MCP tool calls per second: `safe-exec mcp` (gate, witness log and isolation on) against
 * `@modelcontextprotocol/server-filesystem` (no gate, no log), in one run, both driven by the official SDK client
 * over stdio with the same workload: one warm-up batch, then `calls` sequential reads of the same 1 KiB file
 * (safe-exec's `read_file`, server-filesystem's `read_text_file`).
 *
 * Rows: `deno run` with the default isolation (the confined file server where bubblewrap runs), `deno run` with
 * restricted workers (`sandbox: "none"`), `deno run` answering an unknown tool (gate and witness log only: the most
 * the Deno path can do, whatever the isolation), the Bun binary when it was built, and server-filesystem.
 *
 * Run it alone for a table: `deno run --unstable-worker-options --allow-read --allow-write --allow-run --allow-env
 * tools/bench_mcp.ts`.
 *
 * @module
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
// The SDK's "./*" export maps types to "*.d.ts", so "x.js" finds no types under deno check; point at them.
// @ts-types="@modelcontextprotocol/sdk/client"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/stdio"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { DENO_PERMISSION_FLAGS } from "../build.ts";

/** The repository root. */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** One row of the table. */
export interface BenchRow {
  /** Which server and tool. */
  name: string;
  /** Timed calls. */
  calls: number;
  /** Median milliseconds per call (client send to client result). */
  p50Ms: number;
  /** 95th percentile (nearest rank). */
  p95Ms: number;
  /** Calls per second over the timed window. */
  callsPerSec: number;
}

/** Options of {@linkcode benchMcp}. */
export interface BenchMcpOptions {
  /** Timed calls per server (default 2000). */
  calls?: number;
  /** Untimed calls first (default 200). */
  warmup?: number;
}

function pct(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

async function timeServer(
  name: string,
  transport: StdioClientTransport,
  call: { name: string; arguments: Record<string, unknown> },
  expected: string | null,
  calls: number,
  warmup: number,
): Promise<BenchRow> {
  const client = new Client({ name: "safe-exec-bench", version: "1.0.0" });
  await client.connect(transport);
  try {
    await client.listTools();
    const once = async () => {
      const r = await client.callTool(call);
      const content = (r as { content?: { text?: string }[] }).content;
      const asExpected = expected === null ? r.isError === true : !r.isError && content?.[0]?.text === expected;
      if (!asExpected) {
        throw new Error(`${name}: ${call.name} did not return the file: ${JSON.stringify(r).slice(0, 300)}`);
      }
    };
    for (let i = 0; i < warmup; i++) await once();
    const times = new Array<number>(calls);
    const start = performance.now();
    for (let i = 0; i < calls; i++) {
      const t0 = performance.now();
      await once();
      times[i] = performance.now() - t0;
    }
    const total = performance.now() - start;
    times.sort((a, b) => a - b);
    return {
      name,
      calls,
      p50Ms: round(pct(times, 0.5), 3),
      p95Ms: round(pct(times, 0.95), 3),
      callsPerSec: Math.round(calls / (total / 1000)),
    };
  } finally {
    await client.close();
  }
}

/**
 * Run the same sequential read workload against `safe-exec mcp` and server-filesystem; returns one row each
 * (safe-exec first).
 *
 * @example
 * ```ts ignore
 * import { benchMcp } from "./bench_mcp.ts";
 * const [safeExec, filesystem] = await benchMcp({ calls: 500 });
 * console.log(safeExec!.callsPerSec / filesystem!.callsPerSec);
 * ```
 */
export async function benchMcp(options: BenchMcpOptions = {}): Promise<BenchRow[]> {
  const calls = options.calls ?? 2000;
  const warmup = options.warmup ?? 200;
  const dir = mkdtempSync(join(tmpdir(), "se-bench-mcp-"));
  try {
    const ws = join(dir, "ws");
    mkdirSync(ws);
    const text = "safe-exec bench line\n".repeat(49).padEnd(1024, "."); // 1 KiB
    writeFileSync(join(ws, "bench.txt"), text);
    const env = Object.fromEntries(
      Object.entries(process.env).filter((e): e is [string, string] => typeof e[1] === "string"),
    );
    writeFileSync(join(dir, "workers.jsonc"), '{ "sandbox": { "mode": "none" } }\n');
    const denoMcp = (log: string, extra: string[] = []) =>
      new StdioClientTransport({
        command: Deno.execPath(),
        args: [
          "run",
          "--config",
          join(ROOT, "deno.json"),
          ...DENO_PERMISSION_FLAGS,
          join(ROOT, "src/main.ts"),
          "mcp",
          "--workspace",
          ws,
          "--witness",
          join(dir, log),
          ...extra,
        ],
        cwd: dir, // no stray ./safe-exec.jsonc: the defaults
        env,
        stderr: "ignore",
      });
    const read = { name: "read_file", arguments: { path: "bench.txt" } };
    const rows = [
      await timeServer(
        "safe-exec mcp read_file, deno run (gate + witness log + default isolation)",
        denoMcp("witness.log"),
        read,
        text,
        calls,
        warmup,
      ),
      await timeServer(
        'safe-exec mcp read_file, deno run, restricted workers (sandbox: "none")',
        denoMcp("witness-workers.log", ["--config", join(dir, "workers.jsonc")]),
        read,
        text,
        calls,
        warmup,
      ),
      // The floor of the Deno path: a call that is refused at the gate (one witness line, no tool runs).
      await timeServer(
        "safe-exec mcp unknown tool, deno run (gate + witness log only: the ceiling)",
        denoMcp("witness-unknown.log"),
        { name: "no_such_tool", arguments: {} },
        null,
        calls,
        warmup,
      ),
    ];
    const binary = join(ROOT, "dist", "safe-exec-bun-linux-x64");
    if (Deno.build.os === "linux" && Deno.build.arch === "x86_64" && existsSync(binary)) {
      rows.push(
        await timeServer(
          "safe-exec mcp read_file, Bun binary (gate + witness log, folders pinned in-process)",
          new StdioClientTransport({
            command: binary,
            args: ["mcp", "--workspace", ws, "--witness", join(dir, "witness-bun.log")],
            cwd: dir,
            env,
            stderr: "ignore",
          }),
          read,
          text,
          calls,
          warmup,
        ),
      );
    }
    const filesystem = new StdioClientTransport({
      command: "node",
      args: [join(ROOT, "node_modules/@modelcontextprotocol/server-filesystem/dist/index.js"), ws],
      cwd: dir,
      env,
      stderr: "ignore",
    });
    const fsRow = await timeServer(
      "server-filesystem read_text_file (no gate, no log)",
      filesystem,
      { name: "read_text_file", arguments: { path: join(ws, "bench.txt") } },
      text,
      calls,
      warmup,
    );
    return [...rows, fsRow];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const rows = await benchMcp();
  console.table(rows);
  const fs = rows.find((r) => /server-filesystem/.test(r.name));
  for (const r of rows) {
    if (r !== fs && fs) {
      console.log(`${r.name} / server-filesystem calls/s: ${(r.callsPerSec / fs.callsPerSec).toFixed(2)}×`);
    }
  }
}
