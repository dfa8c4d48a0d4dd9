/**
 * `safe-exec log verify` on a 1,000,000-line witness log (a real session's lines, written by `WitnessLog`), from
 * `deno run` and the Bun binary, against `sha256sum` of the same file (reading and hashing the bytes once: the
 * floor of any check that hashes every line). Wall time is what a user waits (the target's figure); CPU time (user
 * + sys of the process) is reported beside it, as the machine is shared.
 *
 * @module
 */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { WitnessLog } from "../src/witness/mod.ts";
import { type BenchModule, loadAverage, percentile, round, type Row, tempDir, type Verdict, which } from "./_bench.ts";
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

/**
 * Run a command to its exit with its stdout in `outFile`: wall ms (bash's start included, a few ms) and CPU ms of
 * the command (user + sys: bash's `times` prints its children's on its second line).
 */
async function timeRun(
  argv: string[],
  outFile: string,
): Promise<{ wallMs: number; cpuMs: number; out: string; code: number }> {
  const script = `"$@" > "$SE_OUT"; code=$?; times; exit $code`;
  const t0 = performance.now();
  const r = await new Deno.Command("bash", {
    args: ["-c", script, "bench", ...argv],
    stdout: "piped",
    stderr: "piped",
    env: { SE_OUT: outFile, NO_COLOR: "1", PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
  }).output();
  const wallMs = performance.now() - t0;
  const times = new TextDecoder().decode(r.stdout).trim().split("\n").at(-1) ?? "";
  const m = times.match(/(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/);
  const cpuMs = m ? (Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4])) * 1000 : NaN;
  let out = "";
  try {
    out = readFileSync(outFile, "utf8");
  } catch {
    // no output
  }
  return { wallMs, cpuMs, out: out + new TextDecoder().decode(r.stderr), code: r.code };
}

/** The module. */
export const verify: BenchModule = {
  id: "verify",
  title: "log verify throughput",
  about: "`safe-exec log verify FILE` as a user runs it (a new process, to its exit) on a log of a real session's " +
    "lines (gate and execute pairs, about 300 bytes each), against `sha256sum FILE`: one process reading and " +
    "hashing the same bytes once. The file is in the page cache (read once before), as a log being checked " +
    "usually is. Wall time is what a user waits and what the target is for; the CPU-time rows (user + sys of the " +
    "process) show the work itself, which load on a shared machine moves much less.",
  async run(ctx) {
    const lines = ctx.quick ? 200_000 : 1_000_000;
    const runs = ctx.quick ? 1 : 3;
    const { dir, remove } = tempDir("verify");
    const wallRows: Row[] = [];
    const cpuRows: Row[] = [];
    const verdicts: Verdict[] = [];
    try {
      const path = join(dir, "witness.log");
      const outFile = join(dir, "out.txt");
      const t = performance.now();
      writeLog(path, lines);
      const bytes = statSync(path).size;
      ctx.log(`verify: wrote ${lines} lines (${round(bytes / 1e6)} MB) in ${Math.round(performance.now() - t)} ms`);
      const loadBefore = await loadAverage();
      await timeRun(["cat", path], "/dev/null"); // into the page cache
      const measure = async (name: string, argv: string[], check: (out: string, code: number) => boolean) => {
        const wall: number[] = [];
        const cpu: number[] = [];
        for (let i = 0; i < runs; i++) {
          const r = await timeRun(argv, outFile);
          if (!check(r.out, r.code)) {
            throw new Error(`${name}: unexpected result (exit ${r.code}): ${r.out.slice(0, 300)}`);
          }
          wall.push(r.wallMs);
          cpu.push(r.cpuMs);
        }
        const row = (rowName: string, ms: number): Row => ({
          name: rowName,
          calls: runs,
          p50Ms: round(ms, 0),
          linesPerSec: Math.round(lines / (ms / 1000)),
          mbPerSec: round(bytes / 1e6 / (ms / 1000)),
        });
        const pair = { wall: row(name, percentile(wall, 0.5)), cpu: row(`${name}, CPU time`, percentile(cpu, 0.5)) };
        wallRows.push(pair.wall);
        cpuRows.push(pair.cpu);
        ctx.log(`verify: ${name}: ${pair.wall.linesPerSec} lines/s (${pair.cpu.linesPerSec} per CPU-second)`);
        return pair;
      };
      const sha = which("sha256sum");
      const anchorName = "sha256sum of the same file";
      for (const launch of launches()) {
        const r = await measure(
          `log verify, ${launch.label}`,
          [...launch.argv, "log", "verify", path],
          (out, code) => code === 0 && out.startsWith(`ok: ${lines} lines`),
        );
        if (sha) {
          r.wall.anchor = anchorName;
          r.cpu.anchor = `${anchorName}, CPU time`;
        }
      }
      if (sha) {
        const a = await measure(anchorName, [sha, path], (_, code) => code === 0);
        a.wall.isAnchor = true;
        a.cpu.isAnchor = true;
      }
      const bun = wallRows.find((r) => r.name === "log verify, Bun binary");
      verdicts.push({
        target: "verifyLines",
        from: "log verify, Bun binary",
        value: bun?.linesPerSec ?? null,
        ...(bun ? {} : { missing: "the Bun binary is not built" }),
      });
      return {
        rows: [...wallRows, ...cpuRows],
        ratios: ["linesPerSec"],
        verdicts,
        notes: [
          `${lines.toLocaleString("en-US")} lines, ${round(bytes / 1e6)} MB; the median of ${runs} run(s), each a ` +
          'new process (start-up included) started through bash (its `times` gives the CPU time). "p50 ms" is ' +
          "the whole run: wall time, or in the CPU-time rows the CPU time of the process. Load average before " +
          `and after: ${loadBefore}; ${await loadAverage()} (${navigator.hardwareConcurrency} cores).`,
        ],
      };
    } finally {
      remove();
    }
  },
};
