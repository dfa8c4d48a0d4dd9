/**
 * Isolation benchmark: per-call round trips through the JSON-lines protocol of a real `safe-exec serve` process
 * for `read_file` (warm worker pool) and `run_bash echo hi` (sandboxed), beside a bare `bash -c 'echo hi'` spawn
 * and a bare `bwrap … bash -c 'echo hi'` spawn with the same mounts (the allowlist plan, the git view) and the same
 * seccomp filter (read from its stdin: `--seccomp 0`), without the limits prelude, both through the same runtime
 * spawn the server uses.
 *
 * Run alone: `deno run --unstable-worker-options --allow-read --allow-write --allow-run --allow-env tools/bench_isolation.ts`
 *
 * @module
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { currentRuntime } from "../src/runtime/mod.ts";
import { DENO_PERMISSION_FLAGS } from "../build.ts";
import { forEachLine } from "../src/lines.ts";
import { createBwrapSandbox } from "../src/tools/sandbox.ts";
import { toolEnv } from "../src/tools/process.ts";
import type { Runtime } from "../src/runtime/types.ts";

/** One benchmark row. */
export interface BenchRow {
  /** What was measured. */
  name: string;
  /** Measured calls (after warm-up). */
  calls: number;
  /** Median per-call time, in milliseconds. */
  p50Ms: number;
  /** 95th percentile, in milliseconds. */
  p95Ms: number;
  /** Calls per second (sequential). */
  callsPerSec: number;
}

function row(name: string, times: number[], totalMs: number): BenchRow {
  const s = [...times].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  return {
    name,
    calls: s.length,
    p50Ms: r3(at(0.5)),
    p95Ms: r3(at(0.95)),
    callsPerSec: Math.round(s.length / (totalMs / 1000)),
  };
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * A `safe-exec serve` child with a request/response helper that answers confirm requests with approve. It talks
 * through the runtime seam's pipes (the same streams the server itself uses), not node:child_process, whose
 * emulation under Deno added milliseconds per round trip.
 */
async function startServer(dir: string) {
  const runtime = await currentRuntime();
  const isDeno = "Deno" in globalThis;
  const exe = process.execPath;
  const args = isDeno
    ? [
      "run",
      ...DENO_PERMISSION_FLAGS,
      join(ROOT, "src/main.ts"),
    ]
    : [join(ROOT, "src/main.ts")];
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (typeof v === "string") env[k] = v;
  const child = runtime.spawn({
    argv: [exe, ...args, "serve", "--workspace", join(dir, "ws"), "--witness", join(dir, "w.log")],
    cwd: dir,
    env,
    stdin: "pipe",
  });
  const writer = child.stdin!.getWriter();
  const enc = new TextEncoder();
  const send = (m: unknown) => writer.write(enc.encode(JSON.stringify(m) + "\n"));
  const waiting = new Map<unknown, (m: Record<string, unknown>) => void>();
  const reading = forEachLine(child.stdout, 64 * 1024 * 1024, {
    line(line) {
      const m = JSON.parse(line) as Record<string, unknown>;
      if (m.type === "confirm_request") {
        send({ type: "confirm", id: m.id, approve: true });
        return;
      }
      const w = waiting.get(m.id);
      if (w) {
        waiting.delete(m.id);
        w(m);
      }
    },
    tooLong() {},
    invalidUtf8() {},
  });
  (async () => {
    for await (const _ of child.stderr) { /* discard */ }
  })();
  let next = 1;
  return {
    call(msg: Record<string, unknown>): Promise<Record<string, unknown>> {
      const id = next++;
      return new Promise((resolve) => {
        waiting.set(id, resolve);
        send({ id, ...msg });
      });
    },
    async stop(): Promise<void> {
      await writer.close();
      await reading;
      await child.exited;
    },
  };
}

async function timeCalls(n: number, warm: number, f: () => Promise<void>): Promise<{ times: number[]; total: number }> {
  for (let i = 0; i < warm; i++) await f();
  const times: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await f();
    times.push(performance.now() - t);
  }
  return { times, total: performance.now() - t0 };
}

async function spawnToExit(
  runtime: Runtime,
  argv: string[],
  cwd: string,
  env: Record<string, string>,
  stdin?: Uint8Array,
): Promise<void> {
  // The cheapest spawn (no new session: posix_spawn), as safe-exec spawns bwrap, so the baseline is not inflated.
  const c = runtime.spawn({ argv, cwd, env, newSession: false, ...(stdin ? { stdin } : {}) });
  const drain = async (s: ReadableStream<Uint8Array>) => {
    for await (const _ of s) { /* discard */ }
  };
  await Promise.all([drain(c.stdout), drain(c.stderr), c.exited]);
}

/**
 * Run the isolation benchmark and return its rows (read_file through the protocol, sandboxed run_bash through the
 * protocol, bare bash spawn, bare bwrap spawn).
 *
 * @example
 * ```ts ignore
 * import { benchIsolation } from "./bench_isolation.ts";
 * console.table(await benchIsolation());
 * ```
 */
export async function benchIsolation(options: { readCalls?: number; spawnCalls?: number } = {}): Promise<BenchRow[]> {
  const readCalls = options.readCalls ?? 2000;
  const spawnCalls = options.spawnCalls ?? 100;
  const runtime = await currentRuntime();
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "se-bench-iso-")));
  const ws = join(dir, "ws");
  mkdirSync(ws);
  writeFileSync(join(ws, "notes.txt"), "hello\n".repeat(10));
  const rows: BenchRow[] = [];
  const server = await startServer(dir);
  const sandbox = createBwrapSandbox();
  try {
    const read = await timeCalls(readCalls, 200, async () => {
      const r = await server.call({ tool: "read_file", args: { path: "notes.txt" } });
      if (r.ok !== true) throw new Error(`read_file failed: ${JSON.stringify(r)}`);
    });
    rows.push(row("protocol read_file (warm file layer)", read.times, read.total));
    // The three spawn measurements are interleaved call by call, so that drift (CPU frequency, page cache, other
    // load) hits them alike.
    const env = toolEnv("/");
    // The bare bwrap gets its own workspace of the same shape, so the server's calls and it never share a mount point.
    const bareWs = join(dir, "ws-bare");
    mkdirSync(bareWs);
    writeFileSync(join(bareWs, "notes.txt"), "hello\n".repeat(10));
    const prepared = sandbox.probe().available ? sandbox.prepare({ workspace: bareWs, env }, 0) : null;
    const filter = prepared ? sandbox.filter() : null;
    const bwrapArgv = prepared && filter ? [filter.bwrap, ...prepared.args, "--", "bash", "-c", "echo hi"] : null;
    const runBash = async () => {
      const r = await server.call({ tool: "run_bash", args: { cmd: "echo hi" } });
      if (r.ok !== true) throw new Error(`run_bash failed: ${JSON.stringify(r).slice(0, 500)}`);
    };
    const bare = () => spawnToExit(runtime, ["bash", "-c", "echo hi"], ws, env);
    const bareBwrap = () =>
      bwrapArgv && filter ? spawnToExit(runtime, bwrapArgv, bareWs, env, filter.bytes) : Promise.resolve();
    const t: [number[], number[], number[]] = [[], [], []];
    const total = [0, 0, 0];
    const fns = [runBash, bare, bareBwrap];
    for (let i = 0; i < spawnCalls + 10; i++) {
      for (let k = 0; k < 3; k++) {
        const s = performance.now();
        await fns[k]!();
        const d = performance.now() - s;
        if (i >= 10) {
          t[k]!.push(d);
          total[k]! += d;
        }
      }
    }
    rows.push(row("protocol run_bash 'echo hi' (sandboxed)", t[0], total[0]!));
    rows.push(row("bare spawn bash -c 'echo hi'", t[1], total[1]!));
    if (bwrapArgv) rows.push(row("bare spawn bwrap … bash -c 'echo hi' (same mounts and filter)", t[2], total[2]!));
    prepared?.finish();
  } finally {
    await server.stop();
    sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (import.meta.main) {
  const rows = await benchIsolation();
  console.table(rows);
  const rb = rows.find((r) => r.name.startsWith("protocol run_bash"));
  const bw = rows.find((r) => r.name.startsWith("bare spawn bwrap"));
  if (rb && bw) console.log(`sandboxed run_bash p50 / bare bwrap p50 = ${(rb.p50Ms / bw.p50Ms).toFixed(2)}`);
}
