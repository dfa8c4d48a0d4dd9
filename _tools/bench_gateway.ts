/**
 * A read through the gateway's upstream side against the same read with the official SDK client directly: both
 * talk to `@modelcontextprotocol/server-filesystem` (node, stdio, a process each) and read the same 1 KiB file
 * with `read_text_file`, sequentially, in alternating rounds (so both see the same load on a shared machine).
 *
 * Today the gateway side is the {@linkcode UpstreamManager} alone; the integrator adds the gate and the witness log
 * in front of it, and the targets are for that full path: p50 ≤ 1.3× and calls/s ≥ 0.75× the direct client.
 *
 * Alone: `deno task bench --only gateway [--quick]`.
 *
 * @module
 */
import { writeFileSync } from "node:fs";
import process from "node:process";
import { join } from "node:path";
// The SDK's "./*" export maps types to "*.d.ts", so "x.js" finds no types under deno check; point at them.
// @ts-types="@modelcontextprotocol/sdk/client"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/stdio"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { currentRuntime } from "../src/runtime/mod.ts";
import { type CallToolResult, parseServers, runtimeSpawner, UpstreamManager } from "../src/gateway/mod.ts";
import { type BenchModule, latencyRow, percentile, ROOT, type Row, tempDir } from "./_bench.ts";

const FILESYSTEM = join(ROOT, "node_modules/@modelcontextprotocol/server-filesystem/dist/index.js");

type Side = "direct" | "manager";

/** Per-call times (ms), wall time (ms) and this process's CPU (µs) of each side. */
interface Measured {
  times: Record<Side, number[]>;
  wall: Record<Side, number>;
  cpu: Record<Side, number>;
}

async function _measure(calls: number, warmup: number, rounds: number): Promise<Measured> {
  const { dir, remove } = tempDir("gateway");
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
    const sides: Record<Side, () => Promise<void>> = {
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
    const m: Measured = {
      times: { direct: [], manager: [] },
      wall: { direct: 0, manager: 0 },
      cpu: { direct: 0, manager: 0 },
    };
    const perRound = Math.ceil(calls / rounds);
    for (let r = 0; r < rounds; r++) {
      const order: Side[] = r % 2 === 0 ? ["direct", "manager"] : ["manager", "direct"];
      for (const side of order) {
        const once = sides[side];
        const cpu0 = process.cpuUsage();
        const start = performance.now();
        for (let i = 0; i < perRound; i++) {
          const t0 = performance.now();
          await once();
          m.times[side].push(performance.now() - t0);
        }
        m.wall[side] += performance.now() - start;
        const used = process.cpuUsage(cpu0);
        m.cpu[side] += used.user + used.system;
      }
    }
    return m;
  } finally {
    await direct.close().catch(() => {});
    await manager.close();
    remove();
  }
}

/** The module. */
export const gateway: BenchModule = {
  id: "gateway",
  title: "MCP gateway: a read through the upstream manager against the upstream called directly",
  about: "Both sides read the same 1 KiB file with `read_text_file` from `@modelcontextprotocol/server-filesystem` " +
    "(node, stdio, one server process each): the anchor with the official SDK client directly, the other through " +
    "the gateway's `UpstreamManager` (which uses the same SDK client). Sequential calls in alternating rounds, so " +
    "both sides see the same load on a shared machine. µs/op is this (client) process's CPU time per read: the " +
    "client side's own cost, which load on the machine moves much less than latency.",
  async run(ctx) {
    const calls = ctx.quick ? 400 : 2000;
    const warmup = ctx.quick ? 100 : 300;
    const rounds = ctx.quick ? 4 : 10;
    const m = await _measure(calls, warmup, rounds);
    const anchorName = "read_text_file, SDK client directly";
    const name = "read_text_file, through the UpstreamManager";
    const cpuUs = (side: Side) => Math.round(m.cpu[side] / m.times[side].length);
    const rows: Row[] = [
      latencyRow(name, m.times.manager, m.wall.manager, { anchor: anchorName, us: cpuUs("manager") }),
      latencyRow(anchorName, m.times.direct, m.wall.direct, { isAnchor: true, us: cpuUs("direct") }),
    ];
    const p50 = (side: Side) => percentile(m.times[side], 0.5);
    const rate = (side: Side) => m.times[side].length / (m.wall[side] / 1000);
    ctx.log(`gateway: p50 ${p50("manager").toFixed(3)} ms vs ${p50("direct").toFixed(3)} ms directly`);
    const from = "UpstreamManager alone (gate and witness not yet in front of it)";
    return {
      rows,
      ratios: ["p50Ms", "callsPerSec", "us"],
      verdicts: [
        { target: "gatewayLatency", from, value: p50("manager") / p50("direct") },
        { target: "gatewayThroughput", from, value: rate("manager") / rate("direct") },
      ],
      notes: [
        `${m.times.manager.length} timed calls per side in ${rounds} alternating rounds, after ${warmup} untimed ` +
        "calls per side.",
        "**Not yet the full gateway path**: the gate and the witness log are not yet in front of the " +
        "`UpstreamManager` (the integrator adds them). Issue 12's targets are for a read with gate and witness on, " +
        "so the verdicts above are for the manager alone and will move when those are added.",
      ],
    };
  },
};
