/**
 * The witness log's own costs, each beside its anchor from the same run:
 *
 * - **append**, uncontended, per line, on Deno and on Bun (each in its own process): the whole append (lock,
 *   identity check, chain, write, unlock), the lock alone (flock LOCK_EX + LOCK_UN: what serializing many writers
 *   adds; target ≤ 5 µs), the identity check alone (stat of the path), beside a bare write(2) of the same line.
 * - **verify**: `safe-exec log verify` on a 1,000,000-line log, lines/s and MB/s, for the Bun binary (target ≥
 *   500,000 lines/s) and `deno run`, beside `sha256sum` of the same file (the floor: read it and hash it once).
 *   Wall time is what a user waits; CPU time (user + sys of the process) is reported too, as this machine is shared.
 *
 * `deno task bench` calls {@linkcode benchWitness}; alone: `deno run -A tools/bench_witness.ts [lines]`.
 *
 * @module
 */
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { binaryName, DENO_PERMISSION_FLAGS, hostTarget } from "../build.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** One measured figure, with its anchor and target where it has them. */
export interface WitnessBenchRow {
  /** What was measured, e.g. "append (bun): lock + unlock". */
  name: string;
  /** The figure. */
  value: number;
  /** Its unit: "µs/append", "lines/s", "MB/s", "s". */
  unit: string;
  /** The anchor measured in the same run, e.g. `{ name: "bare write(2) of the line", value: 1.4 }`, or null. */
  anchor: { name: string; value: number } | null;
  /** value / anchor.value, or null. */
  ratio: number | null;
  /** The target, in words (e.g. "≤ 5 µs"), or null. */
  target: string | null;
  /** Whether the target is met, or null without one. */
  meets: boolean | null;
  /** How it was measured (runtime, sizes), for the table's notes. */
  note: string;
}

/** Options of {@linkcode benchWitness}. */
export interface BenchWitnessOptions {
  /** Lines of the log that verify reads (default 1,000,000). */
  lines?: number;
  /** Appends timed per runtime (default 100,000). */
  appends?: number;
  /** The Bun binary (default dist/safe-exec-bun-<host>, built when missing is not done here: null skips it). */
  binary?: string | null;
}

const BUN = join(ROOT, "node_modules/bun/bin/bun.exe");

// ---- appends: a child process on each runtime ------------------------------------------------------------

/** What one child measures (µs per operation, medians of 5 rounds). */
interface AppendFigures {
  runtime: string;
  appendUs: number;
  lockUs: number;
  statUs: number;
  writeUs: number;
  locking: string;
}

async function childMeasure(appends: number): Promise<AppendFigures> {
  const { WitnessLog, redactArgs, fileLocking } = await import("../src/witness.ts");
  const { openAppendFile, statPath } = await import("../src/runtime/log_file.ts");
  const dir = mkdtempSync(join(tmpdir(), "se-bench-witness-"));
  try {
    const path = join(dir, "witness.log");
    const log = new WitnessLog(path);
    const entry = {
      event: "gate" as const,
      tool: "read_file",
      decision: "allow" as const,
      details: { rationale: "risk=low fatigue=0.12 policy=default -> allow", args: redactArgs({ path: "f.txt" }) },
    };
    const round = (n: number, fn: () => void): number => {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) fn();
      return ((performance.now() - t0) * 1000) / n;
    };
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    const per = Math.max(1000, Math.floor(appends / 5));
    round(2000, () => log.append(entry)); // warm-up
    const appendUs = median([0, 1, 2, 3, 4].map(() => round(per, () => log.append(entry))));
    log.close();
    const file = openAppendFile(join(dir, "raw.log"));
    const line = new TextEncoder().encode(
      `{"seq":1,"ts":"2026-01-01T00:00:00.000Z","event":"gate","tool":"read_file","decision":"allow","details":${
        JSON.stringify(entry.details)
      },"prev":"${"0".repeat(64)}"}\n`,
    );
    round(2000, () => file.write(line));
    const writeUs = median([0, 1, 2, 3, 4].map(() => round(per, () => file.write(line))));
    const lockUs = median([0, 1, 2, 3, 4].map(() =>
      round(per, () => {
        file.lock();
        file.unlock();
      })
    ));
    const statUs = median([0, 1, 2, 3, 4].map(() => round(per, () => statPath(join(dir, "raw.log")))));
    file.close();
    // deno-lint-ignore no-explicit-any
    const runtime = "Bun" in globalThis ? `bun ${(globalThis as any).Bun.version}` : `deno ${Deno.version.deno}`;
    return { runtime, appendUs, lockUs, statUs, writeUs, locking: fileLocking.primitive };
  } finally {
    rmSync(dir, { recursive: true, force: true });
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

function appendRows(f: AppendFigures, appends: number): WitnessBenchRow[] {
  const note =
    `${f.runtime}, ${appends} uncontended appends of a ~330-byte gate line, median of 5 rounds; ${f.locking}`;
  const bare = { name: "bare write(2) of the same line", value: f.writeUs };
  const rt = f.runtime.split(" ")[0];
  return [
    {
      name: `append (${rt}): lock + identity check + chain + write + unlock`,
      value: f.appendUs,
      unit: "µs/append",
      anchor: bare,
      ratio: f.appendUs / f.writeUs,
      target: null,
      meets: null,
      note,
    },
    {
      name: `append (${rt}): the lock alone (flock LOCK_EX + LOCK_UN)`,
      value: f.lockUs,
      unit: "µs/append",
      anchor: bare,
      ratio: f.lockUs / f.writeUs,
      target: "≤ 5 µs",
      meets: f.lockUs <= 5,
      note,
    },
    {
      name: `append (${rt}): the identity check alone (stat of the path)`,
      value: f.statUs,
      unit: "µs/append",
      anchor: bare,
      ratio: f.statUs / f.writeUs,
      target: null,
      meets: null,
      note,
    },
  ];
}

// ---- verify: the real command on a big log ---------------------------------------------------------------

/** Write a valid log of `n` lines (sessions of gate/execute pairs) as the writer would, quickly. */
async function writeBigLog(path: string, n: number): Promise<void> {
  const { sha256Hex } = await import("../src/runtime/hash.ts");
  const { openSync, writeSync, closeSync } = await import("node:fs");
  const fd = openSync(path, "w");
  let prev = "0".repeat(64);
  let parts: string[] = [];
  let bytes = 0;
  const ts = "2026-12-01T10:00:00.000Z";
  for (let seq = 1; seq <= n; seq++) {
    let body: string;
    if (seq === 1 || seq % 10_000 === 1) {
      body = `"event":"session","tool":null,"decision":null,"details":{"action":"start","workspace":"/srv/ws"}`;
    } else if (seq === n || seq % 10_000 === 0) {
      body = `"event":"session","tool":null,"decision":null,"details":{"action":"stop"}`;
    } else if (seq % 2 === 0) {
      body = `"event":"gate","tool":"read_file","decision":"allow","details":{"rationale":"risk=low fatigue=0.12 ` +
        `(context 0.10, duration 0.02, errors 0.00) policy=default -> allow","risk":"low","fatigue":0.12,` +
        `"args":{"path":"notes/${seq}.txt"}}`;
    } else {
      body = `"event":"execute","tool":"read_file","decision":"allow","details":{"ok":true,"errorCode":null,` +
        `"durationMs":0.21,"outputBytes":1234,"outputSha256":"${prev}","isolation":{"layers":["realpath-guard"]}}`;
    }
    const line = `{"seq":${seq},"ts":"${ts}",${body},"prev":"${prev}"}`;
    prev = sha256Hex(line);
    parts.push(line, "\n");
    bytes += line.length + 1;
    if (bytes > 4 * 1024 * 1024) {
      writeSync(fd, parts.join(""));
      parts = [];
      bytes = 0;
    }
  }
  writeSync(fd, parts.join(""));
  closeSync(fd);
}

/** Run a command, returning wall seconds, CPU seconds (user + sys of the command) and its stdout. */
async function timed(argv: string[]): Promise<{ wall: number; cpu: number; stdout: string; code: number }> {
  // bash's `times` prints the children's user and sys time on its second line
  const script = `"$@" > "$SE_OUT"; code=$?; times; exit $code`;
  const outFile = join(tmpdir(), `se-bench-out-${crypto.randomUUID()}`);
  const t0 = performance.now();
  const out = await new Deno.Command("bash", {
    args: ["-c", script, "bench", ...argv],
    stdout: "piped",
    stderr: "piped",
    env: { SE_OUT: outFile, NO_COLOR: "1", PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
  }).output();
  const wall = (performance.now() - t0) / 1000;
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  const child = (lines.at(-1) ?? "").match(/(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/);
  const cpu = child ? Number(child[1]) * 60 + Number(child[2]) + Number(child[3]) * 60 + Number(child[4]) : NaN;
  let stdout = "";
  try {
    stdout = Deno.readTextFileSync(outFile);
    rmSync(outFile);
  } catch {
    // no output
  }
  return { wall, cpu, stdout, code: out.code };
}

/** "load average 1.2 on 2 cores" (through cat: Deno grants /proc only with --allow-all), or "". */
function machineLoad(): string {
  try {
    const out = new Deno.Command("cat", { args: ["/proc/loadavg"], stdout: "piped", stderr: "null" }).outputSync();
    const one = new TextDecoder().decode(out.stdout).split(" ")[0];
    return one ? `; load average ${one} on ${navigator.hardwareConcurrency} cores` : "";
  } catch {
    return "";
  }
}

async function verifyRows(lines: number, binary: string | null): Promise<WitnessBenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), "se-bench-verify-"));
  try {
    const path = join(dir, "witness.log");
    await writeBigLog(path, lines);
    const size = statSync(path).size;
    const mb = size / 1e6;
    await timed(["cat", path]); // into the page cache, as a log being checked usually is
    const floor = await timed(["sha256sum", path]);
    const anchor = { name: "sha256sum of the file (read + hash once)", value: lines / floor.wall };
    const candidates: Array<[string, string[]]> = [];
    if (binary !== null && existsSync(binary)) candidates.push([`binary ${binary.split("/").pop()}`, [binary]]);
    candidates.push(["deno run src/main.ts", [
      Deno.execPath(),
      "run",
      ...DENO_PERMISSION_FLAGS,
      join(ROOT, "src/main.ts"),
    ]]);
    const rows: WitnessBenchRow[] = [];
    for (const [name, argv] of candidates) {
      const runs = [];
      for (let i = 0; i < 3; i++) {
        const r = await timed([...argv, "log", "verify", path]);
        if (r.code !== 0 || !r.stdout.startsWith(`ok: ${lines} lines`)) {
          throw new Error(`${name} log verify did not say ok on a good log: ${r.stdout.slice(0, 300)}`);
        }
        runs.push(r);
      }
      runs.sort((a, b) => a.wall - b.wall);
      const best = runs[1] as { wall: number; cpu: number }; // the median of 3
      const isBinary = name.startsWith("binary");
      const note = `${lines} lines, ${mb.toFixed(0)} MB, page cache warm, median of 3 runs; wall ${
        best.wall.toFixed(2)
      } s, CPU ${best.cpu.toFixed(2)} s${machineLoad()}`;
      rows.push({
        name: `log verify (${name}): lines per second of wall time`,
        value: lines / best.wall,
        unit: "lines/s",
        anchor,
        ratio: (lines / best.wall) / anchor.value,
        target: isBinary ? "≥ 500,000 lines/s" : null,
        meets: isBinary ? lines / best.wall >= 500_000 : null,
        note,
      }, {
        name: `log verify (${name}): lines per second of CPU time`,
        value: lines / best.cpu,
        unit: "lines/s",
        anchor: { name: "sha256sum, CPU time", value: lines / floor.cpu },
        ratio: (lines / best.cpu) / (lines / floor.cpu),
        target: null,
        meets: null,
        note,
      }, {
        name: `log verify (${name}): MB per second of wall time`,
        value: mb / best.wall,
        unit: "MB/s",
        anchor: { name: "sha256sum", value: mb / floor.wall },
        ratio: floor.wall / best.wall,
        target: null,
        meets: null,
        note,
      });
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Measure the witness log: append costs on Deno and Bun, `log verify` throughput on a big log. Returns one row per
 * figure, each with its anchor (same run), the ratio and the target where there is one.
 *
 * @example
 * ```ts ignore
 * import { benchWitness } from "./bench_witness.ts";
 * for (const row of await benchWitness({ lines: 100_000, appends: 20_000 })) console.log(row.name, row.value);
 * ```
 */
export async function benchWitness(options: BenchWitnessOptions = {}): Promise<WitnessBenchRow[]> {
  const appends = options.appends ?? 100_000;
  const lines = options.lines ?? 1_000_000;
  const self = fileURLToPath(import.meta.url);
  const rows: WitnessBenchRow[] = [];
  rows.push(
    ...appendRows(
      await runChild([Deno.execPath(), "run", "-A", "--no-config", self, "--append-child", String(appends)]),
      appends,
    ),
  );
  if (existsSync(BUN)) {
    rows.push(...appendRows(await runChild([BUN, self, "--append-child", String(appends)]), appends));
  }
  const host = hostTarget();
  const binary = options.binary !== undefined
    ? options.binary
    : host === null
    ? null
    : join(ROOT, "dist", binaryName("bun", host));
  rows.push(...await verifyRows(lines, binary));
  return rows;
}

/** The rows as a plain-text table. */
export function formatWitnessTable(rows: WitnessBenchRow[]): string {
  const fmt = (v: number) => v >= 1000 ? Math.round(v).toLocaleString("en-US") : v.toFixed(2);
  return rows.map((r) =>
    `${r.name}: ${fmt(r.value)} ${r.unit}` +
    (r.anchor ? ` | ${r.anchor.name}: ${fmt(r.anchor.value)} (ratio ${(r.ratio ?? NaN).toFixed(2)}×)` : "") +
    (r.target ? ` | target ${r.target}: ${r.meets ? "met" : "MISSED"}` : "") +
    `\n    ${r.note}`
  ).join("\n");
}

if (import.meta.main) {
  // deno-lint-ignore no-explicit-any
  const args: string[] = "Bun" in globalThis ? (globalThis as any).process.argv.slice(2) : Deno.args;
  if (args[0] === "--append-child") {
    console.log(JSON.stringify(await childMeasure(Number(args[1] ?? 100_000))));
  } else {
    const rows = await benchWitness(args[0] ? { lines: Number(args[0]) } : {});
    console.log(formatWitnessTable(rows));
    writeFileSync(join(tmpdir(), "se-bench-witness.json"), JSON.stringify(rows, null, 2));
  }
}
