/**
 * Cold start to first response, and idle resident memory, for every way of starting safe-exec here — side by side
 * with `@modelcontextprotocol/server-filesystem` started the same way.
 *
 * "Cold start" is process start → the first answer on stdout: `{"id":1,"type":"info"}` for safe-exec, an MCP
 * `initialize` for server-filesystem. The request is written right after the spawn, as an agent would. Idle RSS is
 * VmRSS from `/proc/<pid>/status` read right after that first answer (null where there is no /proc).
 *
 * `deno task bench` runs it as the "startup" section (_tools/bench.ts).
 *
 * @module
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { binaryName, DENO_RUN_FLAGS, hostTarget } from "../build.ts";
import { type BenchModule, percentile, ROOT, round, type Row, rssMiB, which } from "./_bench.ts";

/** One program to start. */
export interface StartupCandidate {
  /** Row name. */
  name: string;
  /** argv; `{dir}` in an element is replaced by a fresh temporary folder for each run. */
  argv: string[];
  /** The first request line (without the newline). */
  request: string;
  /** Whether a stdout line is the answer to `request`. */
  isAnswer(message: Record<string, unknown>): boolean;
}

const INFO = JSON.stringify({ id: 1, type: "info" });
const INITIALIZE = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench_startup", version: "0" } },
});
const isInfo = (m: Record<string, unknown>) => m.id === 1 && m.type === "info";
const isInitialized = (m: Record<string, unknown>) => m.id === 1 && typeof m.result === "object" && m.result !== null;

/**
 * What this machine can start: `deno run src/main.ts`, `bun src/main.ts`, the binaries in dist/ built for this
 * host (and those in SAFE_EXEC_BIN, colon-separated), and server-filesystem under node.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultCandidates } from "./bench_startup.ts";
 * const names = defaultCandidates().map((c) => c.name);
 * assert.ok(names.includes("deno run src/main.ts"));
 * ```
 */
export function defaultCandidates(): StartupCandidate[] {
  const serve = ["serve", "--workspace", "{dir}/workspace", "--witness", "{dir}/witness.log"];
  const main = join(ROOT, "src/main.ts");
  const list: StartupCandidate[] = [
    {
      name: "deno run src/main.ts",
      argv: [Deno.execPath(), "run", ...DENO_RUN_FLAGS, main, ...serve],
      request: INFO,
      isAnswer: isInfo,
    },
  ];
  const bun = join(ROOT, "node_modules/bun/bin/bun.exe");
  if (existsSync(bun)) {
    list.push({ name: "bun src/main.ts", argv: [bun, main, ...serve], request: INFO, isAnswer: isInfo });
  }
  const seen = new Set<string>();
  const binaries: string[] = [];
  for (const b of (Deno.env.get("SAFE_EXEC_BIN") ?? "").split(":")) if (b && existsSync(b)) binaries.push(b);
  const dist = join(ROOT, "dist");
  const host = hostTarget();
  if (existsSync(dist)) {
    for (const f of readdirSync(dist).sort()) {
      if (host !== null && (f === binaryName("deno", host) || f === binaryName("bun", host))) {
        binaries.push(join(dist, f));
      }
    }
  }
  for (const b of binaries) {
    if (seen.has(b)) continue;
    seen.add(b);
    list.push({ name: `binary ${b.split("/").pop()}`, argv: [b, ...serve], request: INFO, isAnswer: isInfo });
  }
  const fsServer = join(ROOT, "node_modules/@modelcontextprotocol/server-filesystem/dist/index.js");
  const node = which("node");
  if (node && existsSync(fsServer)) {
    list.push({
      name: "server-filesystem (node)",
      argv: [node, fsServer, "{dir}"],
      request: INITIALIZE,
      isAnswer: isInitialized,
    });
  }
  return list;
}

/** Start one candidate once; resolve to the time to its first answer and its RSS then. */
async function once(c: StartupCandidate, timeoutMs: number): Promise<{ ms: number; rss: number | null }> {
  const dir = mkdtempSync(join(tmpdir(), "se-bench-"));
  const [cmd, ...args] = c.argv.map((a) => a.replaceAll("{dir}", dir));
  const t0 = performance.now();
  const child = new Deno.Command(cmd as string, {
    args,
    cwd: dir,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const stdin = child.stdin.getWriter();
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.getReader();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  }, timeoutMs);
  try {
    await stdin.write(new TextEncoder().encode(c.request + "\n"));
    const decoder = new TextDecoder();
    let buffered = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`${c.name} closed stdout before answering: ${(await stderr).slice(0, 500)}`);
      buffered += decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = buffered.indexOf("\n")) !== -1) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        let message: unknown;
        try {
          message = JSON.parse(line);
        } catch {
          continue;
        }
        if (typeof message === "object" && message !== null && c.isAnswer(message as Record<string, unknown>)) {
          const ms = performance.now() - t0;
          return { ms, rss: await rssMiB(child.pid) };
        }
      }
    }
  } finally {
    clearTimeout(timer);
    await stdin.close().catch(() => {});
    reader.cancel().catch(() => {});
    const exited = await Promise.race([child.status, new Promise((r) => setTimeout(r, 2000, null))]);
    if (exited === null) {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
      await child.status;
    }
    await stderr.catch(() => "");
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The module. */
export const startup: BenchModule = {
  id: "startup",
  title: "Cold start and idle memory",
  about: 'Process start to the first answer on stdout (`{"type":"info"}` for safe-exec, an MCP `initialize` ' +
    "for server-filesystem), the request written right after the spawn as an agent would; RSS (VmRSS) read right " +
    "after that answer. Every way of starting safe-exec here, against server-filesystem started the same way.",
  async run(ctx) {
    const runs = ctx.quick ? 5 : 15;
    const rows: Row[] = [];
    const anchorName = "server-filesystem (node)";
    for (const c of defaultCandidates()) {
      await once(c, 20_000); // warm-up: page cache, Deno's transpile cache
      const times: number[] = [];
      const rss: number[] = [];
      for (let i = 0; i < runs; i++) {
        const r = await once(c, 20_000);
        times.push(r.ms);
        if (r.rss !== null) rss.push(r.rss);
      }
      const row: Row = {
        name: c.name,
        calls: runs,
        p50Ms: round(percentile(times, 0.5), 1),
        p99Ms: round(percentile(times, 0.99), 1),
        ...(rss.length > 0 ? { rssMiB: round(percentile(rss, 0.5), 1) } : {}),
      };
      if (c.name === anchorName) row.isAnchor = true;
      else row.anchor = anchorName;
      rows.push(row);
      ctx.log(`startup: ${c.name}: p50 ${row.p50Ms} ms, ${row.rssMiB ?? "?"} MiB`);
    }
    for (const r of rows) if (r.anchor && !rows.some((x) => x.name === r.anchor)) delete r.anchor;
    const bun = rows.find((r) => r.name.startsWith("binary safe-exec-bun"));
    const missing = bun ? {} : { missing: "the Bun binary is not built (deno task build)" };
    return {
      rows,
      ratios: ["p50Ms", "rssMiB"],
      verdicts: [
        { target: "binaryStart", from: bun?.name ?? "the Bun binary", value: bun?.p50Ms ?? null, ...missing },
        { target: "binaryRss", from: bun?.name ?? "the Bun binary", value: bun?.rssMiB ?? null, ...missing },
      ],
      notes: [
        `${runs} timed starts each after one untimed start; p50 and p99 over the starts, RSS their median. The ` +
        'column "calls" counts starts here.',
      ],
    };
  },
};
