/**
 * A read through the gateway against the same read with the official SDK client directly: every side talks to
 * `@modelcontextprotocol/server-filesystem` (node, stdio, a process each) and reads the same 1 KiB file with
 * `read_text_file`, sequentially, in alternating rounds (so all see the same load on a shared machine). The full path
 * is the SDK client in front of `safe-exec mcp` (gate and witness on), the targets: p50 ≤ 1.3× and calls/s
 * ≥ 0.75× the direct client. Beside it: the same gate, witness log and gateway in this process (a `SafeExecutor`
 * from `createApp`, as a TypeScript agent uses it; no process hop), and the {@linkcode UpstreamManager} alone.
 *
 * Alone: `deno task bench --only gateway [--quick]`.
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import process from "node:process";
import { join } from "node:path";
// The SDK's "./*" export maps types to "*.d.ts", so "x.js" finds no types under deno check; point at them.
// @ts-types="@modelcontextprotocol/sdk/client"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/stdio"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { createApp } from "../src/app.ts";
import { parseConfig } from "../src/config/parse.ts";
import { currentRuntime } from "../src/runtime/mod.ts";
import { type CallToolResult, parseServers, runtimeSpawner, UpstreamManager } from "../src/gateway/mod.ts";
import { binaryName, DENO_RUN_FLAGS, hostTarget } from "../build.ts";
import { type BenchModule, latencyRow, percentile, ROOT, type Row, tempDir } from "./_bench.ts";

const FILESYSTEM = join(ROOT, "node_modules/@modelcontextprotocol/server-filesystem/dist/index.js");
/** A bare line proxy (no gate, no log): the floor of one more process hop. */
const LINE_PROXY = join(ROOT, "_tools/_line_proxy.mjs");
const HOST = hostTarget();
/** The Bun binary `_tools/build_for_tests.ts` builds, if it is there. */
const BUN_BINARY = HOST === null ? null : join(ROOT, "dist", binaryName("bun", HOST));

type Side = "direct" | "manager" | "library" | "gateway" | "gatewayBun" | "proxy" | "proxyBun";

/** Bun from node_modules, which runs the same bare proxy (the Bun binary's own runtime). */
const BUN = join(ROOT, "node_modules/bun/bin/bun.exe");

/** Per-call times (ms), wall time (ms), this process's CPU (µs) and every process's of the side (µs), by side. */
interface Measured {
  times: Record<Side, number[]>;
  wall: Record<Side, number>;
  cpu: Record<Side, number>;
  /** This process's CPU plus that of the side's own processes (its servers, `safe-exec mcp`), or null off Linux. */
  allCpu: Record<Side, number> | null;
  /** The middle process's CPU alone (safe-exec or the bare proxy; not its server), where /proc has it. */
  middleCpu: Partial<Record<Side, number>>;
}

/**
 * The user + system CPU time of processes in µs, from /proc (Linux), or null. Read by `cat`: Deno asks for
 * --allow-all to read /proc itself.
 */
function _procCpuUs(pids: readonly number[]): number | null {
  try {
    const text = execFileSync("cat", pids.map((pid) => `/proc/${pid}/stat`), { encoding: "utf8" });
    let sum = 0;
    for (const line of text.trim().split("\n")) {
      const fields = line.split(") ")[1]!.split(" ");
      // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 a second on Linux).
      sum += (Number(fields[11]) + Number(fields[12])) * 10_000;
    }
    return sum;
  } catch {
    return null;
  }
}

/** The children of a process (Linux): the server `safe-exec mcp` started. */
function _children(pid: number): number[] {
  try {
    return execFileSync("cat", [`/proc/${pid}/task/${pid}/children`], { encoding: "utf8" }).trim().split(" ")
      .filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function _measure(calls: number, warmup: number, rounds: number): Promise<Measured> {
  const { dir, remove } = tempDir("gateway");
  const file = join(dir, "notes.txt");
  const content = "x".repeat(1023) + "\n";
  writeFileSync(file, content);
  const direct = new Client({ name: "bench-direct", version: "1" });
  // The full path: the SDK client talks to `safe-exec mcp`, which gates the call, writes its witness lines and
  // forwards it to its own server-filesystem.
  const config = join(dir, "safe-exec.jsonc");
  writeFileSync(config, JSON.stringify({ servers: { fs: { command: ["node", FILESYSTEM, dir], risk: "low" } } }));
  const ws = join(dir, "ws");
  mkdirSync(ws);
  const witness = join(dir, "witness.log");
  const through = new Client({ name: "bench-gateway", version: "1" });
  const throughBun = new Client({ name: "bench-gateway-bun", version: "1" });
  const viaProxy = new Client({ name: "bench-proxy", version: "1" });
  const viaProxyBun = new Client({ name: "bench-proxy-bun", version: "1" });
  const manager = new UpstreamManager(
    parseServers({ fs: { command: ["node", FILESYSTEM, dir] } }, { baseDir: dir }),
    runtimeSpawner(await currentRuntime()),
  );
  // The library: the same gate, witness log and gateway as `safe-exec mcp`, in this process (no process hop).
  const libraryWs = join(dir, "lib-ws");
  mkdirSync(libraryWs);
  const library = createApp(
    parseConfig(
      JSON.stringify({
        workspace: libraryWs,
        witness: { path: join(dir, "witness-lib.log") },
        servers: { fs: { command: ["node", FILESYSTEM, dir], risk: "low" } },
      }),
      { baseDir: dir, source: "bench" },
    ),
    await currentRuntime(),
  );
  try {
    const directTransport = new StdioClientTransport({ command: "node", args: [FILESYSTEM, dir], stderr: "pipe" });
    await direct.connect(directTransport);
    await direct.listTools();
    const throughTransport = new StdioClientTransport({
      command: Deno.execPath(),
      args: [
        "run",
        "--config",
        join(ROOT, "deno.json"),
        ...DENO_RUN_FLAGS,
        join(ROOT, "src/main.ts"),
        "mcp",
        "--config",
        config,
        "--workspace",
        ws,
        "--witness",
        witness,
      ],
      cwd: dir,
      stderr: "pipe",
    });
    await through.connect(throughTransport);
    await through.listTools();
    const bunTransport = new StdioClientTransport({
      command: BUN_BINARY!,
      args: ["mcp", "--config", config, "--workspace", ws, "--witness", join(dir, "witness-bun.log")],
      cwd: dir,
      stderr: "pipe",
    });
    await throughBun.connect(bunTransport);
    await throughBun.listTools();
    const proxyTransport = new StdioClientTransport({
      command: "node",
      args: [LINE_PROXY, "fs__", "node", FILESYSTEM, dir],
      stderr: "pipe",
    });
    await viaProxy.connect(proxyTransport);
    await viaProxy.listTools();
    const proxyBunTransport = new StdioClientTransport({
      command: BUN,
      args: [LINE_PROXY, "fs__", "node", FILESYSTEM, dir],
      stderr: "pipe",
    });
    await viaProxyBun.connect(proxyBunTransport);
    await viaProxyBun.listTools();
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
      gateway: async () =>
        check((await through.callTool({ name: "fs__read_text_file", arguments: args })) as CallToolResult, "gateway"),
      gatewayBun: async () =>
        check(
          (await throughBun.callTool({ name: "fs__read_text_file", arguments: args })) as CallToolResult,
          "gatewayBun",
        ),
      proxy: async () =>
        check((await viaProxy.callTool({ name: "fs__read_text_file", arguments: args })) as CallToolResult, "proxy"),
      proxyBun: async () =>
        check(
          (await viaProxyBun.callTool({ name: "fs__read_text_file", arguments: args })) as CallToolResult,
          "proxyBun",
        ),
      library: async () => {
        const r = await library.executor.execute("fs__read_text_file", args);
        if (!r.ok) throw new Error(`library: ${r.error}`);
        check(r.output as CallToolResult, "library");
      },
      manager: async () => {
        const r = await manager.call("fs__read_text_file", args);
        if (!r.ok) throw new Error(`manager: ${r.error}`);
        check(r.result, "manager");
      },
    };
    // The processes each side keeps busy besides this one: its server, or safe-exec and the server it started.
    const gatewayPid = throughTransport.pid!;
    const bunPid = bunTransport.pid!;
    await manager.listTools();
    await library.gateway!.list();
    const pidsOf: Record<Side, number[]> = {
      direct: [directTransport.pid!],
      gateway: [gatewayPid, ..._children(gatewayPid)],
      gatewayBun: [bunPid, ..._children(bunPid)],
      manager: [manager.status()[0]!.pid!],
      library: [library.info().servers[0]!.pid!],
      proxy: [proxyTransport.pid!, ..._children(proxyTransport.pid!)],
      proxyBun: [proxyBunTransport.pid!, ..._children(proxyBunTransport.pid!)],
    };
    // The middle process alone (safe-exec, or the bare proxy), without its server.
    const middle: Partial<Record<Side, number>> = {
      gateway: gatewayPid,
      gatewayBun: bunPid,
      proxy: proxyTransport.pid!,
      proxyBun: proxyBunTransport.pid!,
    };
    const sideCpu = (side: Side): number | null => _procCpuUs(pidsOf[side]);
    for (let i = 0; i < warmup; i++) {
      await sides.direct();
      await sides.manager();
      await sides.library();
      await sides.gateway();
      await sides.gatewayBun();
      await sides.proxy();
      await sides.proxyBun();
    }
    const m: Measured = {
      times: { direct: [], manager: [], library: [], gateway: [], gatewayBun: [], proxy: [], proxyBun: [] },
      wall: { direct: 0, manager: 0, library: 0, gateway: 0, gatewayBun: 0, proxy: 0, proxyBun: 0 },
      cpu: { direct: 0, manager: 0, library: 0, gateway: 0, gatewayBun: 0, proxy: 0, proxyBun: 0 },
      allCpu: sideCpu("direct") === null
        ? null
        : { direct: 0, manager: 0, library: 0, gateway: 0, gatewayBun: 0, proxy: 0, proxyBun: 0 },
      middleCpu: {},
    };
    const perRound = Math.ceil(calls / rounds);
    for (let r = 0; r < rounds; r++) {
      const order: Side[] = r % 2 === 0
        ? ["direct", "gateway", "gatewayBun", "proxy", "proxyBun", "manager", "library"]
        : ["library", "manager", "proxyBun", "proxy", "gatewayBun", "gateway", "direct"];
      for (const side of order) {
        const once = sides[side];
        const cpu0 = process.cpuUsage();
        const others0 = sideCpu(side);
        const mid = middle[side];
        const middle0 = mid === undefined ? null : _procCpuUs([mid]);
        const start = performance.now();
        for (let i = 0; i < perRound; i++) {
          const t0 = performance.now();
          await once();
          m.times[side].push(performance.now() - t0);
        }
        m.wall[side] += performance.now() - start;
        const used = process.cpuUsage(cpu0);
        m.cpu[side] += used.user + used.system;
        const others1 = sideCpu(side);
        if (m.allCpu !== null && others0 !== null && others1 !== null) {
          m.allCpu[side] += used.user + used.system + others1 - others0;
        }
        const middle1 = mid === undefined ? null : _procCpuUs([mid]);
        if (middle0 !== null && middle1 !== null) m.middleCpu[side] = (m.middleCpu[side] ?? 0) + middle1 - middle0;
      }
    }
    return m;
  } finally {
    await direct.close().catch(() => {});
    await through.close().catch(() => {});
    await throughBun.close().catch(() => {});
    await viaProxy.close().catch(() => {});
    await viaProxyBun.close().catch(() => {});
    await manager.close();
    await library.shutdown();
    remove();
  }
}

/** The middle process's own CPU per call: what safe-exec costs against a hop that does nothing. */
function middleNote(m: Measured): string {
  const per = (side: Side) => {
    const v = m.middleCpu[side];
    return v === undefined ? null : Math.round(v / m.times[side].length);
  };
  const bin = per("gatewayBun"), deno = per("gateway"), node = per("proxy"), bun = per("proxyBun");
  if (bin === null || bun === null || deno === null || node === null) {
    return "CPU of the middle process alone: not measured (no /proc here).";
  }
  return `CPU of the middle process alone per call (/proc, 10 ms ticks): safe-exec mcp ${bin} µs (Bun binary) and ` +
    `${deno} µs (deno run); the bare proxy ${bun} µs (bun) and ${node} µs (node). On this 2-core machine every ` +
    "µs of it on the call's path adds to the latency: the gate before the call (checks, rules, policy, the gate " +
    "line) and the SDK client's request and answer handling; the outcome's digest and execute line follow the " +
    "answer, while the client reads it.";
}

/** The module. */
export const gateway: BenchModule = {
  id: "gateway",
  title: "MCP gateway: a read through safe-exec mcp (gate + witness) against the upstream called directly",
  about: "Every side reads the same 1 KiB file with `read_text_file` from `@modelcontextprotocol/server-filesystem` " +
    "(node, stdio, one server process each): the anchor with the official SDK client directly; the full gateway " +
    "path with the SDK client in front of a `safe-exec mcp` process that gates, logs and forwards the call as " +
    "`fs__read_text_file`; and the gateway's `UpstreamManager` alone, in this process. Sequential calls in " +
    "alternating rounds, so all sides see the same load on a shared machine. µs/op is this (client) process's CPU " +
    "time per read.",
  async run(ctx) {
    const calls = ctx.quick ? 400 : 2000;
    const warmup = ctx.quick ? 100 : 300;
    const rounds = ctx.quick ? 4 : 10;
    if (BUN_BINARY === null || !existsSync(BUN_BINARY)) {
      throw new Error(
        `the Bun binary ${BUN_BINARY} is not built: run ./node_modules/.bin/deno run -A _tools/build_for_tests.ts`,
      );
    }
    const m = await _measure(calls, warmup, rounds);
    const anchorName = "read_text_file, SDK client directly";
    const name = "read_text_file, through the UpstreamManager";
    const lib = "fs__read_text_file, through SafeExecutor (library: gate + witness + gateway, in process)";
    const full = "fs__read_text_file, through safe-exec mcp (gate + witness), deno run";
    const fullBun = "fs__read_text_file, through safe-exec mcp (gate + witness), Bun binary";
    const floor = "fs__read_text_file, through a bare line proxy (node; no gate, no log)";
    const floorBun = "fs__read_text_file, through the same bare line proxy run by bun";
    const cpuUs = (side: Side) => Math.round(m.cpu[side] / m.times[side].length);
    const rows: Row[] = [
      latencyRow(fullBun, m.times.gatewayBun, m.wall.gatewayBun, { anchor: anchorName, us: cpuUs("gatewayBun") }),
      latencyRow(full, m.times.gateway, m.wall.gateway, { anchor: anchorName, us: cpuUs("gateway") }),
      latencyRow(floorBun, m.times.proxyBun, m.wall.proxyBun, { anchor: anchorName, us: cpuUs("proxyBun") }),
      latencyRow(floor, m.times.proxy, m.wall.proxy, { anchor: anchorName, us: cpuUs("proxy") }),
      latencyRow(lib, m.times.library, m.wall.library, { anchor: anchorName, us: cpuUs("library") }),
      latencyRow(name, m.times.manager, m.wall.manager, { anchor: anchorName, us: cpuUs("manager") }),
      latencyRow(anchorName, m.times.direct, m.wall.direct, { isAnchor: true, us: cpuUs("direct") }),
    ];
    const p50 = (side: Side) => percentile(m.times[side], 0.5);
    const rate = (side: Side) => m.times[side].length / (m.wall[side] / 1000);
    const all = m.allCpu;
    const perCall = (side: Side) => Math.round(all![side] / m.times[side].length);
    ctx.log(
      `gateway: p50 ${p50("gatewayBun").toFixed(3)} ms through the Bun binary, ${p50("gateway").toFixed(3)} ms ` +
        `through deno run, ${p50("proxy").toFixed(3)} ms through a bare proxy, ${p50("manager").toFixed(3)} ms ` +
        `through the manager, ${p50("library").toFixed(3)} ms through the library, ${
          p50("direct").toFixed(3)
        } ms directly`,
    );
    const from = "SDK client -> safe-exec mcp (gate, witness log, forward) -> server-filesystem";
    const fromBun = `${from}, Bun binary`;
    const fromDeno = `${from}, deno run`;
    const fromLib = "SafeExecutor (gate, witness log, gateway) in the client's process -> server-filesystem";
    return {
      rows,
      ratios: ["p50Ms", "callsPerSec", "us"],
      verdicts: [
        { target: "gatewayLatency", from: fromBun, value: p50("gatewayBun") / p50("direct") },
        { target: "gatewayThroughput", from: fromBun, value: rate("gatewayBun") / rate("direct") },
        { target: "gatewayLatency", from: fromLib, value: p50("library") / p50("direct") },
        { target: "gatewayThroughput", from: fromLib, value: rate("library") / rate("direct") },
        { target: "gatewayLatency", from: fromDeno, value: p50("gateway") / p50("direct") },
        { target: "gatewayThroughput", from: fromDeno, value: rate("gateway") / rate("direct") },
      ],
      notes: [
        `${m.times.manager.length} timed calls per side in ${rounds} alternating rounds, after ${warmup} untimed ` +
        "calls per side.",
        "The first verdicts are for the full path: the SDK client talks to a `safe-exec mcp` process (the config's " +
        "`servers.fs`), which checks the call, writes its gate and execute lines to the witness log (fsync off, the " +
        "default) and forwards it over its own stdio connection: one process hop more than the anchor. The library " +
        "row is the same gate, witness log and gateway without that hop: a TypeScript agent's `SafeExecutor` " +
        "(`createApp` over the same config) in the bench process, calling `fs__read_text_file`; its execute line is " +
        "written before the result is returned, so it is on the timed path. The manager row is the upstream side " +
        "alone, in the bench process. µs/op is the bench (client) process's CPU only, so it does not show the " +
        "safe-exec process's own cost.",
        `The bare proxy rows are the floor of that extra hop: a process that parses each JSON-RPC line and writes ` +
        `it on (\`_tools/_line_proxy.mjs\`; no gate, no log, no checks), run by node ` +
        `(${(p50("proxy") / p50("direct")).toFixed(2)}× the direct p50, ` +
        `${(rate("proxy") / rate("direct")).toFixed(2)}× its calls/s) and by bun, the Bun binary's runtime ` +
        `(${(p50("proxyBun") / p50("direct")).toFixed(2)}×, ${(rate("proxyBun") / rate("direct")).toFixed(2)}×), ` +
        "in this run.",
        middleNote(m),
        all === null
          ? "CPU of all processes: not measured (no /proc here)."
          : `CPU of all processes per call (this one, safe-exec, the servers; /proc, 10 ms ticks): directly ` +
            `${perCall("direct")} µs, through the manager ${perCall("manager")} µs, through safe-exec mcp ` +
            `${perCall("gatewayBun")} µs (Bun binary) and ${
              perCall("gateway")
            } µs (deno run), through the bare proxy ` +
            `${perCall("proxy")} µs; calls per CPU-second ` +
            `through safe-exec mcp ${(perCall("direct") / perCall("gatewayBun")).toFixed(2)}× (Bun binary) and ` +
            `${
              (perCall("direct") / perCall("gateway")).toFixed(2)
            }× (deno run) the direct ones. On a loaded machine the ` +
            "latency ratios follow the extra process hop's wake-ups; this ratio follows the work.",
      ],
    };
  },
};
