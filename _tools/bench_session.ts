/**
 * One long `safe-exec serve` session per runtime: the per-call cost (100 sequential read_file round trips ending at
 * the checkpoint) and the server's RSS at calls 100, 10,000 and 100,000. Between checkpoints the calls are sent in
 * pipelined bursts of 500, to get there quickly.
 *
 * @module
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type BenchModule, latencyRow, type Row, rssMiB, tempDir, type Verdict } from "./_bench.ts";
import { launches, startServe } from "./_bench_clients.ts";

const WINDOW = 100;
const BURST = 50;

/** The module. */
export const session: BenchModule = {
  id: "session",
  title: "A long session: per-call cost and RSS at calls 100, 10,000 and 100,000",
  about: "One `safe-exec serve` process per runtime answers 1 KiB `read_file` calls. At each checkpoint, the last " +
    `${WINDOW} calls are sequential round trips (their p50 and p99 are the per-call cost there) and the server's ` +
    `RSS is read; the calls in between go in pipelined bursts of ${BURST} (a client with ${BURST} calls ` +
    "outstanding). Each row is compared with call 10,000 of the same session: flat means 1.00×.",
  async run(ctx) {
    const checkpoints = ctx.quick ? [100, 10_000, 30_000] : [100, 10_000, 100_000];
    const last = checkpoints.at(-1)!;
    const rows: Row[] = [];
    const verdicts: Verdict[] = [];
    const { dir, remove } = tempDir("session");
    try {
      const ws = join(dir, "ws");
      mkdirSync(ws);
      writeFileSync(join(ws, "bench.txt"), "x".repeat(1024));
      const read = { tool: "read_file", args: { path: "bench.txt" } };
      for (const launch of launches()) {
        const log = join(dir, `${launch.label.replace(/\W/g, "-")}.log`);
        const s = startServe(launch, ["--workspace", ws, "--witness", log, "--confirm", "deny"], dir);
        const at = new Map<number, Row>();
        const name = (n: number) => `serve, ${launch.label}, read_file at call ${n.toLocaleString("en-US")}`;
        try {
          let done = 0;
          for (const c of checkpoints) {
            while (done < c - WINDOW) {
              const n = Math.min(BURST, c - WINDOW - done);
              await s.burst(n, () => read);
              done += n;
            }
            const times: number[] = [];
            const t0 = performance.now();
            while (done < c) {
              const t = performance.now();
              const r = await s.call(read);
              times.push(performance.now() - t);
              if (r.ok !== true) throw new Error(`read_file failed: ${JSON.stringify(r).slice(0, 300)}`);
              done++;
            }
            const row = latencyRow(name(c), times, performance.now() - t0);
            const rss = await rssMiB(s.pid);
            if (rss !== null) row.rssMiB = rss;
            at.set(c, row);
            ctx.log(`session: ${row.name}: p50 ${row.p50Ms} ms, RSS ${row.rssMiB ?? "?"} MiB`);
          }
        } finally {
          await s.stop();
        }
        for (const [c, row] of at) {
          if (c === 10_000) row.isAnchor = true;
          else row.anchor = name(10_000);
          rows.push(row);
        }
        const base = at.get(10_000)?.rssMiB;
        const end = at.get(100_000)?.rssMiB;
        verdicts.push({
          target: "rssFlat",
          from: `serve, ${launch.label}`,
          value: base && end ? end / base : null,
          ...(ctx.quick ? { missing: `--quick stops at call ${last.toLocaleString("en-US")}` } : {}),
        });
      }
      return {
        rows,
        ratios: ["p50Ms", "rssMiB"],
        verdicts,
        notes: [
          "The witness log grows by two lines a call (about 330 bytes each) over the whole session. Deno runs with " +
          "`--v8-flags=--max-semi-space-size=2` (build.ts `DENO_V8_FLAGS`): without it V8 grows its young " +
          "generation to 64 MiB over the first few hundred thousand calls.",
        ],
      };
    } finally {
      remove();
    }
  },
};
