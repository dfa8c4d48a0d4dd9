/**
 * The gate's own cost per decision, in-process: `SafeExecutor.execute` of a tool that does nothing (policy, gate
 * line, tool, execute line), of an unknown tool (one gate line), and one `WitnessLog.append`, each beside a bare
 * `writeSync` of the same bytes (the floor of a log line on disk).
 *
 * @module
 */
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import { SafeExecutor } from "../src/gate/executor.ts";
import { WitnessLog } from "../src/witness/mod.ts";
import { type BenchModule, percentile, round, type Row, tempDir } from "./_bench.ts";

async function perOp(n: number, op: () => unknown): Promise<{ us: number; p99: number }> {
  for (let i = 0; i < Math.min(1000, n / 5); i++) await op();
  const t: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await op();
    t[i] = performance.now() - s;
  }
  return { us: round(percentile(t, 0.5) * 1000, 2), p99: round(percentile(t, 0.99) * 1000, 2) };
}

/** The module. */
export const gate: BenchModule = {
  id: "gate",
  title: "Gate and witness log, per decision (in-process)",
  about: "What a decision costs before any tool work: `SafeExecutor.execute` of a no-op tool (policy, gate line, " +
    "tool, execute line) and of an unknown tool (one gate line), and one `WitnessLog.append`, each against bare " +
    "`writeSync` calls of the same bytes: the floor of writing the log line at all. Median µs per operation.",
  async run(ctx) {
    const n = ctx.quick ? 3000 : 20000;
    const { dir, remove } = tempDir("gate");
    try {
      const executor = new SafeExecutor({ workspace: join(dir, "ws"), witness: join(dir, "witness.log") });
      executor.register("noop", { risk: "low" }, () => null);
      const allowed = await perOp(n, () => executor.execute("noop", { path: "notes.txt" }));
      const refused = await perOp(n, () => executor.execute("no_such_tool", {}));
      executor.close();
      // The lines just written, as the bare write's payload.
      const lines = readFileSync(join(dir, "witness.log"), "utf8").split("\n");
      const gateLine = Buffer.from(lines.find((l) => l.includes('"event":"gate","tool":"noop"'))! + "\n");
      const execLine = Buffer.from(lines.find((l) => l.includes('"event":"execute"'))! + "\n");
      const fd = openSync(join(dir, "bare.log"), "a");
      const bareTwo = await perOp(n, () => {
        writeSync(fd, gateLine);
        writeSync(fd, execLine);
      });
      const bareOne = await perOp(n, () => writeSync(fd, gateLine));
      closeSync(fd);
      const log = new WitnessLog(join(dir, "append.log"));
      const entry = JSON.parse(gateLine.toString());
      const append = await perOp(
        n,
        () => log.append({ event: "gate", tool: entry.tool, decision: entry.decision, details: entry.details }),
      );
      log.close();
      ctx.log(`gate: allowed ${allowed.us} µs, refused ${refused.us} µs, append ${append.us} µs`);
      const two = "two bare writeSync of the same lines";
      const one = "one bare writeSync of the same gate line";
      const rows: Row[] = [
        { name: "execute a no-op tool: policy, gate line, execute line", anchor: two, calls: n, us: allowed.us },
        { name: "execute an unknown tool: refused, one gate line", anchor: one, calls: n, us: refused.us },
        { name: "WitnessLog.append of one gate line (JSON, chain hash, write)", anchor: one, calls: n, us: append.us },
        { name: two, isAnchor: true, calls: n, us: bareTwo.us },
        { name: one, isAnchor: true, calls: n, us: bareOne.us },
      ];
      return {
        rows,
        ratios: ["us"],
        verdicts: [],
        notes: [
          `${n} operations each after a warm-up, one process, fsync off (the default). p99: allowed ${allowed.p99} µs, ` +
          `refused ${refused.p99} µs, append ${append.p99} µs.`,
          "The witness section breaks the append down (lock, identity check) on Deno and Bun; the lock's target " +
          "is checked there.",
        ],
      };
    } finally {
      remove();
    }
  },
};
