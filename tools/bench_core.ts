/**
 * Per-call cost of the gate as a session grows: the same in-process read_file call (gate, witness lines, realpath
 * guard, the file read) timed early in a session and again after tens of thousands of calls. Flat means the ratio
 * stays near 1.
 *
 * @module
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SafeExecutor } from "../src/executor.ts";
import { ProtocolServer } from "../src/protocol.ts";
import { currentRuntime } from "../src/runtime/mod.ts";
import { registerDefaults } from "../src/tools/builtin.ts";
import { hostFileBackend } from "../src/tools/file_backend.ts";
import { noSandbox } from "../src/tools/sandbox.ts";

/** One row: a window of calls and its latency. */
export interface CoreRow {
  /** What was timed. */
  name: string;
  /** Calls timed. */
  calls: number;
  /** Median ms per call. */
  p50Ms: number;
  /** 95th percentile ms per call. */
  p95Ms: number;
  /** Calls per second over the window. */
  callsPerSec: number;
}

function pct(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

/** Time windows of `window` calls at the start and after `grow` calls. */
export async function benchCore(window = 2000, grow = 40_000): Promise<CoreRow[]> {
  const dir = mkdtempSync(join(tmpdir(), "se-bench-core-"));
  const executor = new SafeExecutor({ workspace: join(dir, "ws"), witness: join(dir, "witness.log") });
  // The gate's own cost: file tools in-process (host backend), no sandbox needed for reads.
  registerDefaults(executor, { runtime: await currentRuntime(), fileBackend: hostFileBackend, sandbox: noSandbox });
  writeFileSync(join(executor.workspace.root, "f.txt"), "hello\n");
  const server = new ProtocolServer({ executor, confirm: () => false, emit: () => {}, info: () => ({}) });
  const line = '{"id":1,"tool":"read_file","args":{"path":"f.txt"}}';
  const timeWindow = async (name: string): Promise<CoreRow> => {
    const t: number[] = [];
    const start = performance.now();
    for (let i = 0; i < window; i++) {
      const s = performance.now();
      await server.handleLine(line);
      t.push(performance.now() - s);
    }
    const total = performance.now() - start;
    t.sort((a, b) => a - b);
    return { name, calls: window, p50Ms: pct(t, 0.5), p95Ms: pct(t, 0.95), callsPerSec: window / (total / 1000) };
  };
  for (let i = 0; i < 200; i++) await server.handleLine(line); // warm-up
  const early = await timeWindow("read_file in-process, calls 200..");
  for (let i = 0; i < grow; i++) await server.handleLine(line);
  const late = await timeWindow(`read_file in-process, after ${grow} calls (log ${2 * grow} lines)`);
  await server.close();
  executor.close();
  return [early, late];
}

if (import.meta.main) {
  for (const r of await benchCore()) {
    console.log(
      `${r.name.padEnd(60)} p50 ${r.p50Ms.toFixed(3)} ms  p95 ${r.p95Ms.toFixed(3)} ms  ${r.callsPerSec.toFixed(0)}/s`,
    );
  }
}
