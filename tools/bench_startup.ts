/**
 * Cold start to first response, and idle resident memory, for every way of starting safe-exec here — side by side
 * with `@modelcontextprotocol/server-filesystem` started the same way.
 *
 * "Cold start" is process start → the first answer on stdout: `{"id":1,"type":"info"}` for safe-exec, an MCP
 * `initialize` for server-filesystem. The request is written right after the spawn, as an agent would. Idle RSS is
 * VmRSS from `/proc/<pid>/status` read right after that first answer (null where there is no /proc).
 *
 * Run it alone for a table: `deno run --allow-read --allow-write --allow-run --allow-env tools/bench_startup.ts`.
 *
 * @module
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { binaryName, hostTarget } from "../build.ts";
import { DENO_PERMISSION_FLAGS } from "../build.ts";

/** The repository root. */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** One line of the start-up table. */
export interface StartupRow {
  /** What was started, e.g. "deno run src/main.ts", "binary safe-exec-bun-linux-x64", "server-filesystem (node)". */
  name: string;
  /** How many timed runs (after one untimed warm-up run). */
  runs: number;
  /** Median milliseconds from spawn to the first answer. */
  p50Ms: number;
  /** 95th percentile (nearest rank) of the same. */
  p95Ms: number;
  /** VmRSS after the first answer, MiB (median over runs), or null without /proc. */
  rssMiB: number | null;
}

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

/** Options for {@linkcode benchStartup}. */
export interface BenchStartupOptions {
  /** Timed runs per candidate (default 15). */
  runs?: number;
  /** What to start (default {@linkcode defaultCandidates}). */
  candidates?: StartupCandidate[];
  /** Give up on one run after this many milliseconds (default 20000). */
  timeoutMs?: number;
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

function which(program: string): string | null {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (dir && existsSync(join(dir, program))) return join(dir, program);
  }
  return null;
}

/**
 * What this machine can start: `deno run src/main.ts`, `bun src/main.ts`, the binaries in dist/ built for this
 * host (and those in SAFE_EXEC_BIN, colon-separated), and server-filesystem under node.
 *
 * @example
 * ```ts
 * import { defaultCandidates } from "./bench_startup.ts";
 * const names = defaultCandidates().map((c) => c.name);
 * console.assert(names.includes("deno run src/main.ts"));
 * ```
 */
export function defaultCandidates(): StartupCandidate[] {
  const serve = ["serve", "--workspace", "{dir}/workspace", "--witness", "{dir}/witness.log"];
  const main = join(ROOT, "src/main.ts");
  const list: StartupCandidate[] = [
    {
      name: "deno run src/main.ts",
      argv: [Deno.execPath(), "run", ...DENO_PERMISSION_FLAGS, main, ...serve],
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

/**
 * VmRSS of a live process in MiB, or null. Deno refuses to read `/proc/<pid>/` without --allow-all, so when the
 * direct read is refused the file is read through `cat` (needs only --allow-run).
 */
async function rssMiB(pid: number): Promise<number | null> {
  const path = `/proc/${pid}/status`;
  let status: string;
  try {
    status = readFileSync(path, "utf8");
  } catch {
    try {
      const out = await new Deno.Command("cat", { args: [path], stdout: "piped", stderr: "null" }).output();
      if (!out.success) return null;
      status = new TextDecoder().decode(out.stdout);
    } catch {
      return null;
    }
  }
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) / 1024 : null;
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

/**
 * The `q` quantile of `values` (nearest rank).
 *
 * @example
 * ```ts
 * import { quantile } from "./bench_startup.ts";
 * console.assert(quantile([3, 1, 2], 0.5) === 2);
 * console.assert(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95) === 10);
 * ```
 */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] as number;
}

/**
 * Time each candidate from spawn to first answer (`runs` timed runs after one warm-up) and read its idle RSS.
 *
 * @example
 * ```ts ignore
 * import { benchStartup } from "./bench_startup.ts";
 * for (const r of await benchStartup()) console.log(r.name, r.p50Ms, r.rssMiB);
 * ```
 */
export async function benchStartup(options: BenchStartupOptions = {}): Promise<StartupRow[]> {
  const runs = options.runs ?? 15;
  const timeoutMs = options.timeoutMs ?? 20_000;
  const rows: StartupRow[] = [];
  for (const c of options.candidates ?? defaultCandidates()) {
    await once(c, timeoutMs); // warm-up: page cache, Deno's transpile cache
    const times: number[] = [];
    const rss: number[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await once(c, timeoutMs);
      times.push(r.ms);
      if (r.rss !== null) rss.push(r.rss);
    }
    rows.push({
      name: c.name,
      runs,
      p50Ms: round(quantile(times, 0.5)),
      p95Ms: round(quantile(times, 0.95)),
      rssMiB: rss.length > 0 ? round(quantile(rss, 0.5)) : null,
    });
  }
  return rows;
}

const round = (n: number) => Math.round(n * 10) / 10;

/**
 * The rows as a fixed-width text table.
 *
 * @example
 * ```ts
 * import { formatStartupTable } from "./bench_startup.ts";
 * const t = formatStartupTable([{ name: "x", runs: 3, p50Ms: 12.5, p95Ms: 20, rssMiB: null }]);
 * console.assert(t.includes("12.5") && t.includes("-"));
 * ```
 */
export function formatStartupTable(rows: StartupRow[]): string {
  const width = Math.max(4, ...rows.map((r) => r.name.length));
  const head = `${"name".padEnd(width)}  runs  p50 ms  p95 ms  RSS MiB`;
  const lines = rows.map((r) =>
    `${r.name.padEnd(width)}  ${String(r.runs).padStart(4)}  ${r.p50Ms.toFixed(1).padStart(6)}  ${
      r.p95Ms.toFixed(1).padStart(6)
    }  ${(r.rssMiB === null ? "-" : r.rssMiB.toFixed(1)).padStart(7)}`
  );
  return [head, ...lines].join("\n");
}

if (import.meta.main) {
  const runs = Number(Deno.args[0] ?? 15);
  console.log(formatStartupTable(await benchStartup({ runs })));
}
