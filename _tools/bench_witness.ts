/**
 * The witness log's own costs per uncontended append, on Deno and on Bun (each in its own process), each beside a
 * bare write(2) of the same line from the same run: the whole append (lock, identity check, chain, write, unlock),
 * the lock alone (flock LOCK_EX + LOCK_UN: what serializing many writers adds; target ≤ 5 µs) and the identity check
 * alone (stat of the path). `log verify` throughput is the verify section's (_tools/bench_verify.ts).
 *
 * In `deno task bench` (`--only witness`); the file is also the child each runtime runs:
 * `bun _tools/bench_witness.ts --append-child N` prints one JSON line of figures.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BenchModule, percentile, ROOT, round, type Row, tempDir, type Verdict } from "./_bench.ts";

const BUN = join(ROOT, "node_modules/bun/bin/bun.exe");

/** What one child measures (µs per operation, medians of 5 rounds of `ops / 5` operations each). */
interface AppendFigures {
  runtime: string;
  ops: number;
  appendUs: number;
  lockUs: number;
  statUs: number;
  writeUs: number;
  locking: string;
}

async function childMeasure(appends: number): Promise<AppendFigures> {
  const { WitnessLog, fileLocking } = await import("../src/witness/mod.ts");
  const { redactArgs } = await import("../src/gate/redact.ts");
  const { openAppendFile, statPath } = await import("../src/runtime/log_file.ts");
  const { dir, remove } = tempDir("witness");
  try {
    const path = join(dir, "witness.log");
    const log = new WitnessLog(path);
    const entry = {
      event: "gate" as const,
      tool: "read_file",
      decision: "allow" as const,
      details: { rationale: "risk=low fatigue=0.12 policy=default -> allow", args: redactArgs({ path: "f.txt" }) },
    };
    const meanUs = (n: number, fn: () => void): number => {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) fn();
      return ((performance.now() - t0) * 1000) / n;
    };
    const median = (xs: number[]) => percentile(xs, 0.5);
    const per = Math.max(1000, Math.floor(appends / 5));
    meanUs(2000, () => log.append(entry)); // warm-up
    const appendUs = median([0, 1, 2, 3, 4].map(() => meanUs(per, () => log.append(entry))));
    log.close();
    const file = openAppendFile(join(dir, "raw.log"));
    const line = new TextEncoder().encode(
      `{"seq":1,"ts":"2026-01-01T00:00:00.000Z","event":"gate","tool":"read_file","decision":"allow","details":${
        JSON.stringify(entry.details)
      },"prev":"${"0".repeat(64)}"}\n`,
    );
    meanUs(2000, () => file.write(line));
    const writeUs = median([0, 1, 2, 3, 4].map(() => meanUs(per, () => file.write(line))));
    const lockUs = median([0, 1, 2, 3, 4].map(() =>
      meanUs(per, () => {
        file.lock();
        file.unlock();
      })
    ));
    const statUs = median([0, 1, 2, 3, 4].map(() => meanUs(per, () => statPath(join(dir, "raw.log")))));
    file.close();
    // deno-lint-ignore no-explicit-any
    const runtime = "Bun" in globalThis ? `bun ${(globalThis as any).Bun.version}` : `deno ${Deno.version.deno}`;
    return { runtime, ops: 5 * per, appendUs, lockUs, statUs, writeUs, locking: fileLocking.primitive };
  } finally {
    remove();
  }
}

async function runChild(argv: string[]): Promise<AppendFigures> {
  const out = await new Deno.Command(argv[0] as string, {
    args: argv.slice(1),
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  if (out.code !== 0) throw new Error(`${argv.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  return JSON.parse(text.split("\n").at(-1) as string);
}

/** The module. */
export const witness: BenchModule = {
  id: "witness",
  title: "Witness log: append, lock and identity check per uncontended append (Deno and Bun)",
  about: "Each runtime in its own process appends a ~330-byte gate line to a fresh log with `WitnessLog.append` " +
    "(lock, identity check, chain hash, write, unlock), then times the parts on their own: the lock (flock " +
    "LOCK_EX + LOCK_UN, what serializing many writers costs) and the identity check (a stat of the path, compared " +
    "with the open descriptor before each gate line). The anchor is a bare write(2) of the same line through the " +
    "same file layer. µs per operation: the median of 5 rounds, each round's mean.",
  async run(ctx) {
    const appends = ctx.quick ? 20_000 : 100_000;
    const self = fileURLToPath(import.meta.url);
    const children: Array<[string, string[] | null]> = [
      ["deno", [Deno.execPath(), "run", "-A", "--no-config", self, "--append-child", String(appends)]],
      ["bun", existsSync(BUN) ? [BUN, self, "--append-child", String(appends)] : null],
    ];
    const rows: Row[] = [];
    const verdicts: Verdict[] = [];
    const notes: string[] = [];
    for (const [rt, argv] of children) {
      const lockName = `append (${rt}): the lock alone (flock LOCK_EX + LOCK_UN)`;
      if (argv === null) {
        verdicts.push({ target: "lockCost", from: lockName, value: null, missing: `${rt} is not installed (${BUN})` });
        continue;
      }
      const f = await runChild(argv);
      const bare = `bare write(2) of the same line (${rt})`;
      const row = (name: string, us: number): Row => ({ name, anchor: bare, calls: f.ops, us: round(us, 2) });
      rows.push(
        row(`append (${rt}): lock + identity check + chain + write + unlock`, f.appendUs),
        row(lockName, f.lockUs),
        row(`append (${rt}): the identity check alone (stat of the path)`, f.statUs),
        { name: bare, isAnchor: true, calls: f.ops, us: round(f.writeUs, 2) },
      );
      verdicts.push({ target: "lockCost", from: lockName, value: f.lockUs });
      notes.push(`${rt}: ${f.runtime}, locking by ${f.locking}.`);
      ctx.log(`witness: ${rt}: append ${f.appendUs.toFixed(2)} µs, lock ${f.lockUs.toFixed(2)} µs`);
    }
    notes.push(
      "Uncontended operations of each kind per runtime in 5 timed rounds after 2,000 untimed ones, fsync off " +
        "(the default). The gate section's `WitnessLog.append` row is the same append timed " +
        "one call at a time inside the bench process.",
    );
    return { rows, ratios: ["us"], verdicts, notes };
  },
};

if (import.meta.main) {
  // deno-lint-ignore no-explicit-any
  const args: string[] = "Bun" in globalThis ? (globalThis as any).process.argv.slice(2) : Deno.args;
  if (args[0] !== "--append-child") {
    throw new Error(`usage: bench_witness.ts --append-child N (the bench runs it: deno task bench --only witness)`);
  }
  console.log(JSON.stringify(await childMeasure(Number(args[1] ?? 100_000))));
}
