/**
 * A read through the gateway's upstream side against the same read with the official SDK client directly: both
 * talk to `@modelcontextprotocol/server-filesystem` (node, stdio, a process each) and read the same 1 KiB file
 * with `read_text_file`, sequentially, in alternating rounds (so both see the same load on a shared machine).
 *
 * Today the gateway side is the {@linkcode UpstreamManager} alone; the integrator adds the gate and the witness log
 * in front of it, and the issue's targets are for that full path: p50 ≤ 1.3× and calls/s ≥ 0.75× the direct client.
 *
 * Run it alone for a table: `deno run --allow-read --allow-write --allow-run --allow-env tools/bench_gateway.ts`.
 *
 * @module
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import process from "node:process";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
// The SDK's "./*" export maps types to "*.d.ts", so "x.js" finds no types under deno check; point at them.
// @ts-types="@modelcontextprotocol/sdk/client"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/stdio"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { currentRuntime } from "../src/runtime/mod.ts";
import { type CallToolResult, parseServers, runtimeSpawner, UpstreamManager } from "../src/gateway/mod.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const FILESYSTEM = join(ROOT, "node_modules/@modelcontextprotocol/server-filesystem/dist/index.js");

/** One row of the result. */
export interface GatewayBenchRow {
  /** What was measured. */
  name: string;
  /** The measurement. */
  value: number;
  /** Its unit ("ms", "calls/s"). */
  unit: string;
  /** What it is compared against (the anchor's name, value and the ratio), or null for an anchor itself. */
  anchor: string | null;
  /** The target, relative to the anchor, or null. */
  target: string | null;
}

/** Options of {@linkcode benchGateway}. */
export interface BenchGatewayOptions {
  /** Timed calls per side (default 2000). */
  calls?: number;
  /** Untimed calls per side first (default 300). */
  warmup?: number;
  /** Alternating rounds the timed calls are split into (default 10). */
  rounds?: number;
}

function pct(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * Measure both sides; resolves to the rows (anchors first).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { benchGateway } from "./bench_gateway.ts";
 * const rows = await benchGateway({ calls: 40, warmup: 10, rounds: 2 });
 * assert.equal(rows.length, 5);
 * assert.ok(rows.every((r) => Number.isFinite(r.value) && r.value > 0));
 * ```
 */
export async function benchGateway(options: BenchGatewayOptions = {}): Promise<GatewayBenchRow[]> {
  const calls = options.calls ?? 2000;
  const warmup = options.warmup ?? 300;
  const rounds = Math.max(1, options.rounds ?? 10);
  const dir = mkdtempSync(join(tmpdir(), "bench-gateway-"));
  const file = join(dir, "notes.txt");
  const content = "x".repeat(1023) + "\n";
  writeFileSync(file, content);
  const direct = new Client({ name: "bench-direct", version: "1" });
  const manager = new UpstreamManager(
    parseServers({ fs: { command: ["node", FILESYSTEM, dir] } }, { baseDir: dir }),
    runtimeSpawner(await currentRuntime()),
  );
  try {
    await direct.connect(new StdioClientTransport({ command: "node", args: [FILESYSTEM, dir], stderr: "pipe" }));
    await direct.listTools();
    const args = { path: file };
    const check = (r: { content?: unknown[] | undefined; isError?: boolean | undefined } | null, side: string) => {
      const text = (r?.content?.[0] as { text?: string } | undefined)?.text;
      if (r === null || r.isError || text !== content) {
        throw new Error(`${side}: read_text_file did not return the file: ${JSON.stringify(r).slice(0, 300)}`);
      }
    };
    const sides = {
      direct: async () =>
        check((await direct.callTool({ name: "read_text_file", arguments: args })) as CallToolResult, "direct"),
      manager: async () => {
        const r = await manager.call("fs__read_text_file", args);
        if (!r.ok) throw new Error(`manager: ${r.error}`);
        check(r.result, "manager");
      },
    };
    for (let i = 0; i < warmup; i++) {
      await sides.direct();
      await sides.manager();
    }
    const times: Record<keyof typeof sides, number[]> = { direct: [], manager: [] };
    const wall: Record<keyof typeof sides, number> = { direct: 0, manager: 0 };
    const cpu: Record<keyof typeof sides, number> = { direct: 0, manager: 0 }; // µs of this process's CPU
    const perRound = Math.ceil(calls / rounds);
    for (let r = 0; r < rounds; r++) {
      const order: (keyof typeof sides)[] = r % 2 === 0 ? ["direct", "manager"] : ["manager", "direct"];
      for (const side of order) {
        const once = sides[side];
        const cpu0 = process.cpuUsage();
        const start = performance.now();
        for (let i = 0; i < perRound; i++) {
          const t0 = performance.now();
          await once();
          times[side].push(performance.now() - t0);
        }
        wall[side] += performance.now() - start;
        const used = process.cpuUsage(cpu0);
        cpu[side] += used.user + used.system;
      }
    }
    const p50 = (side: keyof typeof sides) => pct([...times[side]].sort((a, b) => a - b), 0.5);
    const rate = (side: keyof typeof sides) => times[side].length / (wall[side] / 1000);
    const dP50 = p50("direct");
    const mP50 = p50("manager");
    const dRate = rate("direct");
    const mRate = rate("manager");
    const cpuPerCall = (side: keyof typeof sides) => cpu[side] / times[side].length;
    const dCpu = cpuPerCall("direct");
    const mCpu = cpuPerCall("manager");
    return [
      {
        name: "upstream read p50, SDK client directly",
        value: round(dP50, 3),
        unit: "ms",
        anchor: null,
        target: null,
      },
      {
        name: "upstream reads/s, SDK client directly",
        value: Math.round(dRate),
        unit: "calls/s",
        anchor: null,
        target: null,
      },
      {
        name: "upstream read p50, through the upstream manager",
        value: round(mP50, 3),
        unit: "ms",
        anchor: `SDK client directly: ${dP50.toFixed(3)} ms (${(mP50 / dP50).toFixed(2)}×)`,
        target: "≤ 1.3× the anchor (full gateway: gate and witness on)",
      },
      {
        name: "upstream reads/s, through the upstream manager",
        value: Math.round(mRate),
        unit: "calls/s",
        anchor: `SDK client directly: ${Math.round(dRate)} calls/s (${(mRate / dRate).toFixed(2)}×)`,
        target: "≥ 0.75× the anchor (full gateway: gate and witness on)",
      },
      {
        // The client side's own cost (this process's CPU while one side runs), which load on the machine moves
        // much less than latency.
        name: "client-side CPU per read, through the upstream manager",
        value: Math.round(mCpu),
        unit: "µs",
        anchor: `SDK client directly: ${Math.round(dCpu)} µs (${(mCpu / dCpu).toFixed(2)}×)`,
        target: null,
      },
    ];
  } finally {
    await direct.close().catch(() => {});
    await manager.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const rows = await benchGateway();
  const w = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows) {
    const value = `${r.value} ${r.unit}`.padStart(16);
    console.log(`${r.name.padEnd(w)}  ${value}${r.anchor ? `  vs ${r.anchor}; target ${r.target}` : ""}`);
  }
}
