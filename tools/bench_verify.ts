/**
 * `safe-exec log verify` on a 1,000,000-line witness log (a real session's lines, written by `WitnessLog`), from
 * `deno run` and the Bun binary, against `sha256sum` of the same file (reading and hashing the bytes once: the
 * floor of any check that hashes every line).
 *
 * @module
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import { WitnessLog } from "../src/witness.ts";
import { type BenchModule, percentile, round, type Row, tempDir, type Verdict, which } from "./_bench.ts";
import { launches } from "./_bench_clients.ts";

/** Write a log of `lines` lines: a session start, gate/execute pairs, a stop. */
function writeLog(path: string, lines: number): void {
  const log = new WitnessLog(path);
  log.append({ event: "session", tool: null, decision: null, details: { action: "start", workspace: "/srv/ws" } });
  for (let i = 0; i < (lines - 2) / 2; i++) {
    log.append({
      event: "gate",
      tool: "read_file",
      decision: "allow",
      details: {
        rationale: "risk=low fatigue=0.12 (context 0.10, duration 0.02, errors 0.00) policy=default -> allow",
        risk: "low",
        fatigue: 0.12,
        args: { path: `src/file-${i % 1000}.ts` },
      },
    });
    log.append({
      event: "execute",
      tool: "read_file",
      decision: "allow",
      details: {
        ok: true,
        errorCode: null,
        durationMs: 0.21,
        outputBytes: 1024,
        isolation: { layers: ["realpath-guard"] },
      },
    });
  }
  log.append({ event: "session", tool: null, decision: null, details: { action: "stop" } });
  log.close();
}

async function timeRun(argv: string[], cwd: string): Promise<{ ms: number; out: string; code: number }> {
  const t0 = performance.now();
  const out = await new Deno.Command(argv[0]!, { args: argv.slice(1), cwd, stdout: "piped", stderr: "piped" }).output();
  return {
    ms: performance.now() - t0,
    out: new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr),
    code: out.code,
  };
}

/** The module. */
export const verify: BenchModule = {
  id: "verify",
  title: "log verify throughput",
  about: "`safe-exec log verify FILE` as a user runs it (a new process, to its exit) on a log of a real session's " +
    "lines (gate and execute pairs, about 300 bytes each), against `sha256sum FILE`: one process reading and " +
    "hashing the same bytes once.",
  async run(ctx) {
    const lines = ctx.quick ? 200_000 : 1_000_000;
    const runs = ctx.quick ? 1 : 3;
    const { dir, remove } = tempDir("verify");
    const rows: Row[] = [];
    const verdicts: Verdict[] = [];
    try {
      const path = join(dir, "witness.log");
      const t = performance.now();
      writeLog(path, lines);
      const bytes = statSync(path).size;
      ctx.log(`verify: wrote ${lines} lines (${round(bytes / 1e6)} MB) in ${Math.round(performance.now() - t)} ms`);
      const measure = async (name: string, argv: string[], check: (out: string, code: number) => boolean) => {
        const ms: number[] = [];
        for (let i = 0; i < runs; i++) {
          const r = await timeRun(argv, dir);
          if (!check(r.out, r.code)) {
            throw new Error(`${name}: unexpected result (exit ${r.code}): ${r.out.slice(0, 300)}`);
          }
          ms.push(r.ms);
        }
        const p50 = percentile(ms, 0.5);
        const row: Row = {
          name,
          calls: runs,
          p50Ms: round(p50, 0),
          linesPerSec: Math.round(lines / (p50 / 1000)),
          mbPerSec: round(bytes / 1e6 / (p50 / 1000)),
        };
        rows.push(row);
        ctx.log(`verify: ${name}: ${row.linesPerSec} lines/s`);
        return row;
      };
      const sha = which("sha256sum");
      const anchorName = "sha256sum of the same file";
      for (const launch of launches()) {
        const row = await measure(
          `log verify, ${launch.label}`,
          [...launch.argv, "log", "verify", path],
          (out, code) => code === 0 && /^ok/m.test(out),
        );
        if (sha) row.anchor = anchorName;
      }
      if (sha) {
        const a = await measure(anchorName, [sha, path], (_, code) => code === 0);
        a.isAnchor = true;
      }
      const bun = rows.find((r) => r.name === "log verify, Bun binary");
      verdicts.push({
        target: "verifyLines",
        from: "log verify, Bun binary",
        value: bun?.linesPerSec ?? null,
        ...(bun ? {} : { missing: "the Bun binary is not built" }),
      });
      return {
        rows,
        ratios: ["linesPerSec"],
        verdicts,
        notes: [
          `${lines.toLocaleString("en-US")} lines, ${round(bytes / 1e6)} MB; the median of ${runs} run(s), each a ` +
          'new process (start-up included). "p50 ms" is the whole run.',
        ],
      };
    } finally {
      remove();
    }
  },
};
