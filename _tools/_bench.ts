/**
 * What every benchmark module shares: the row type, the one percentile formula, the targets (named once, here),
 * the machine description, and the Markdown that `deno task bench` writes to BENCHMARKS.md.
 *
 * A module is a {@linkcode BenchModule}: an id, a title, and `run(ctx)` resolving to rows and verdicts. To add a
 * benchmark (hooks, say), write `tools/bench_<id>.ts` exporting one and list it in `_tools/bench.ts`'s `MODULES`;
 * targets it checks go in {@linkcode TARGETS}.
 *
 * @module
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT: string = join(dirname(fileURLToPath(import.meta.url)), "..");

/** One measured thing. Which fields are set depends on the section; the table shows the columns that are. */
export interface Row {
  /** What was measured. */
  name: string;
  /** The `name` of the row it is compared with (in the same section); unset for an anchor or a row without one. */
  anchor?: string;
  /** Whether this row is an anchor (what safe-exec is measured against). */
  isAnchor?: boolean;
  /** Timed calls (or runs). */
  calls?: number;
  /** Median milliseconds per call. */
  p50Ms?: number;
  /** 99th percentile (nearest rank), milliseconds. */
  p99Ms?: number;
  /** Calls per second over the timed window. */
  callsPerSec?: number;
  /** Resident memory (VmRSS), MiB. */
  rssMiB?: number;
  /** Lines per second (log verify). */
  linesPerSec?: number;
  /** Megabytes (10^6 bytes) per second. */
  mbPerSec?: number;
  /** Microseconds per operation (in-process costs). */
  us?: number;
  /** Calls the gate asked about (ASK). */
  asks?: number;
  /** Calls the gate denied. */
  denies?: number;
}

/** A target a benchmark result is checked against. */
export interface Target {
  /** What must hold, in words. */
  text: string;
  /** Whether a measured value meets it. */
  met(value: number): boolean;
  /** How to show a value, e.g. `1.04×`. */
  show(value: number): string;
}

const times = (v: number) => `${v.toFixed(2)}×`;

/**
 * Every target, named once. The README and the issues refer to these names; BENCHMARKS.md lists each with the
 * value measured and whether it is met.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TARGETS } from "./_bench.ts";
 * assert.equal(TARGETS.rssFlat.met(1.1), true);
 * assert.equal(TARGETS.rssFlat.met(1.2), false);
 * ```
 */
export const TARGETS = {
  /** Issue 10. */
  rssFlat: {
    text: "RSS at call 100,000 within ±15 % of call 10,000",
    met: (r: number) => r >= 0.85 && r <= 1.15,
    show: times,
  },
  /** Issue 10. */
  verifyLines: {
    text: "`log verify` ≥ 500,000 lines/s with the Bun binary",
    met: (v: number) => v >= 500_000,
    show: (v: number) => `${Math.round(v).toLocaleString("en-US")} lines/s`,
  },
  /** Issue 10: the witness log's lock, per uncontended append. */
  lockCost: {
    text: "witness lock ≤ 5 µs per uncontended append",
    met: (v: number) => v <= 5,
    show: (v: number) => `${v.toFixed(1)} µs`,
  },
  /** Issue 12: the MCP gateway's latency against the upstream server called directly. */
  gatewayLatency: {
    text: "a read through the gateway ≤ 1.3× the same upstream called directly (p50)",
    met: (r: number) => r <= 1.3,
    show: times,
  },
  /** Issue 12: the MCP gateway's throughput against the upstream server called directly. */
  gatewayThroughput: {
    text: "a read through the gateway ≥ 0.75× the same upstream called directly (calls/s)",
    met: (r: number) => r >= 0.75,
    show: times,
  },
  /** Issue 13: rule evaluation, shell parsing included. */
  rulesP50: {
    text: "rule evaluation with parsing ≤ 0.2 ms p50 for a 200-character script",
    met: (v: number) => v <= 0.2,
    show: (v: number) => `${v.toFixed(3)} ms`,
  },
  /** Issue 13: token counting, per tokenizer (the slowest of its cases). */
  tokenCount: {
    text: "token counting ≥ 10 MB/s (MB per CPU-second, slowest case of a tokenizer)",
    met: (v: number) => v >= 10,
    show: (v: number) => `${v.toFixed(v < 100 ? 2 : 0)} MB/s`, // 9.96 must not read as "10.0 … MISSED"
  },
  /** Issue 13: ASKs of a scripted coding session with the built-in sets, against without them. */
  askReduction: {
    text: "≥ 70 % fewer ASKs in a scripted 100-call coding session with the built-in sets (low fatigue)",
    met: (v: number) => v >= 0.7,
    show: (v: number) => `${(v * 100).toFixed(0)} % fewer`,
  },
  /** Earlier issues: the file layer. */
  readP50: {
    text: "read_file through `serve` (Deno, warm file layer): p50 < 0.5 ms",
    met: (v: number) => v < 0.5,
    show: (v: number) => `${v.toFixed(3)} ms`,
  },
  /** Earlier issues: the standby sandbox. */
  sandboxVsBwrap: {
    text: "sandboxed run_bash ≤ 1.5× a bare bwrap with the same mounts (p50)",
    met: (r: number) => r <= 1.5,
    show: times,
  },
  /** Earlier issues: MCP throughput. */
  mcpVsFilesystem: {
    text: "`safe-exec mcp` sequential read_file ≥ 2× server-filesystem's calls/s",
    met: (r: number) => r >= 2,
    show: times,
  },
  /** Earlier issues: the binary's start. */
  binaryStart: {
    text: "the Bun binary answers its first request < 100 ms after spawn",
    met: (v: number) => v < 100,
    show: (v: number) => `${v.toFixed(1)} ms`,
  },
  /** Earlier issues: the binary's memory. */
  binaryRss: {
    text: "the Bun binary's RSS after its first answer < 80 MiB",
    met: (v: number) => v < 80,
    show: (v: number) => `${v.toFixed(1)} MiB`,
  },
  /** Issue 14: hook mode. */
  hookP50: {
    text: "one hook event through the Bun binary (process start to answer): p50 ≤ 30 ms",
    met: (v: number) => v <= 30,
    show: (v: number) => `${v.toFixed(1)} ms`,
  },
  /** Issue 14: hook mode against a Node one-liner. */
  hookVsNode: {
    text: "one hook event through the Bun binary ≤ 2× a Node one-liner that reads the event (p50)",
    met: (r: number) => r <= 2,
    show: times,
  },
} satisfies Record<string, Target>;

/** The name of a target. */
export type TargetName = keyof typeof TARGETS;

/** A target checked in this run: the value, or why there is none. */
export interface Verdict {
  /** Which target. */
  target: TargetName;
  /** Which row(s) it was computed from, in words. */
  from: string;
  /** The measured value, or null when it could not be measured here (`missing` says why). */
  value: number | null;
  /** Why there is no value. */
  missing?: string;
}

/** A metric a ratio column can compare. */
export type RatioMetric = "p50Ms" | "callsPerSec" | "rssMiB" | "linesPerSec" | "mbPerSec" | "us" | "asks";

/** What a module returns. */
export interface SectionResult {
  /** Rows, anchors included. */
  rows: Row[];
  /** Which metrics get a "vs anchor" ratio column (default: calls/s). */
  ratios?: RatioMetric[];
  /** Targets checked. */
  verdicts: Verdict[];
  /** Sentences shown under the table (what was run, how, what explains a number). */
  notes: string[];
}

/** What a module gets. */
export interface BenchContext {
  /** `--quick`: fewer calls, smaller logs; a full run's numbers are the ones that count. */
  quick: boolean;
  /** Progress for the person waiting (stderr). */
  log(line: string): void;
}

/** One benchmark module. */
export interface BenchModule {
  /** Short id for `--only`. */
  id: string;
  /** Section title in BENCHMARKS.md. */
  title: string;
  /** What it measures and against what, one paragraph. */
  about: string;
  /** Run it. */
  run(ctx: BenchContext): Promise<SectionResult>;
}

/**
 * The `q` quantile of `values` by nearest rank: the smallest value with at least `q·n` values at or below it. The
 * only percentile formula of the benchmarks.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { percentile } from "./_bench.ts";
 * assert.equal(percentile([4, 1, 3, 2], 0.5), 2);
 * assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.99), 10);
 * assert.equal(percentile([7], 0.5), 7);
 * assert.ok(Number.isNaN(percentile([], 0.5)));
 * ```
 */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

/**
 * A latency row from per-call times (ms) and the window's wall time (ms).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { latencyRow } from "./_bench.ts";
 * const r = latencyRow("x", [1, 2, 3, 4], 10);
 * assert.deepEqual([r.calls, r.p50Ms, r.p99Ms, r.callsPerSec], [4, 2, 4, 400]);
 * ```
 */
export function latencyRow(name: string, perCallMs: readonly number[], wallMs: number, extra: Partial<Row> = {}): Row {
  return {
    name,
    calls: perCallMs.length,
    p50Ms: round(percentile(perCallMs, 0.5), 3),
    p99Ms: round(percentile(perCallMs, 0.99), 3),
    callsPerSec: Math.round(perCallMs.length / (wallMs / 1000)),
    ...extra,
  };
}

/** Round to `digits` decimals. */
export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** A fresh temporary folder, and a function that removes it. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `se-bench-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * VmRSS of a live process in MiB, or null. Deno refuses `/proc/<pid>/` without --allow-all, so a refused read goes
 * through `cat` (needs only --allow-run).
 */
export async function rssMiB(pid: number): Promise<number | null> {
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
  return m ? round(Number(m[1]) / 1024) : null;
}

/** Find a program on PATH. */
export function which(program: string): string | null {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (dir && existsSync(join(dir, program))) return join(dir, program);
  }
  return null;
}

async function firstLine(argv: string[], whole = false): Promise<string> {
  try {
    const out = await new Deno.Command(argv[0]!, { args: argv.slice(1), stdout: "piped", stderr: "piped" }).output();
    const text = new TextDecoder().decode(out.stdout);
    if (whole) return text;
    return text.split("\n")[0]!.trim() || "?";
  } catch {
    return "not installed";
  }
}

// node:os's cpus(), loadavg() and totalmem() need Deno's sys permission, and /proc needs --allow-all: read it
// through cat.
const proc = async (p: string) => (await firstLine(["cat", p], true)).trim();

/** The load averages over 1, 5 and 15 minutes, e.g. `"2.90 3.02 4.33"` (the machine is shared: say how busy). */
export async function loadAverage(): Promise<string> {
  return (await proc("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
}

/** The machine and the versions of everything measured, for the report's header. */
export async function machine(): Promise<Array<[string, string]>> {
  const cpuinfo = await proc("/proc/cpuinfo");
  const cpu = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? "unknown CPU";
  const kb = Number(/^MemTotal:\s+(\d+) kB/m.exec(await proc("/proc/meminfo"))?.[1]);
  const memory = kb > 0 ? `${round(kb / 2 ** 20, 0)} GiB` : "? GiB";
  const kernel = `${await proc("/proc/sys/kernel/ostype")} ${await proc(
    "/proc/sys/kernel/osrelease",
  )} ${Deno.build.arch}`;
  const load = await loadAverage();
  const pkg = (name: string) => {
    try {
      return JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8")).version as string;
    } catch {
      return "not installed";
    }
  };
  const version = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8")).version as string;
  return [
    ["machine", `${cpu}, ${navigator.hardwareConcurrency} cores, ${memory}, ${kernel}`],
    ["load average at start", load],
    ["safe-exec", version],
    ["Deno", Deno.version.deno],
    ["Bun", await firstLine([join(ROOT, "node_modules/bun/bin/bun.exe"), "--version"])],
    ["Node (server-filesystem)", await firstLine(["node", "--version"])],
    ["@modelcontextprotocol/server-filesystem", pkg("@modelcontextprotocol/server-filesystem")],
    ["@modelcontextprotocol/sdk (client)", pkg("@modelcontextprotocol/sdk")],
    ["bubblewrap", await firstLine(["bwrap", "--version"])],
  ];
}

/** A number for a table cell; `digits` -1 means milliseconds: 3 significant decimals below 10, fewer above. */
function cell(v: number | undefined, digits: number): string {
  if (v === undefined) return "";
  if (!Number.isFinite(v)) return "–";
  if (digits === -1) return v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 3);
  return digits === 0 ? Math.round(v).toLocaleString("en-US") : v.toFixed(digits);
}

const COLUMNS: Array<{ key: keyof Row; head: string; digits: number; higherIsBetter: boolean }> = [
  { key: "calls", head: "calls", digits: 0, higherIsBetter: true },
  { key: "us", head: "µs/op", digits: 2, higherIsBetter: false },
  { key: "p50Ms", head: "p50 ms", digits: -1, higherIsBetter: false },
  { key: "p99Ms", head: "p99 ms", digits: -1, higherIsBetter: false },
  { key: "callsPerSec", head: "calls/s", digits: 0, higherIsBetter: true },
  { key: "rssMiB", head: "RSS MiB", digits: 1, higherIsBetter: false },
  { key: "linesPerSec", head: "lines/s", digits: 0, higherIsBetter: true },
  { key: "mbPerSec", head: "MB/s", digits: 1, higherIsBetter: true },
  { key: "asks", head: "ASKs", digits: 0, higherIsBetter: false },
  { key: "denies", head: "DENYs", digits: 0, higherIsBetter: false },
];

/** A row's ratio to its anchor in one metric, e.g. `2.50×`; empty where either lacks it. */
function ratioText(row: Row, anchor: Row | undefined, metric: RatioMetric): string {
  if (!anchor) return row.isAnchor ? "anchor" : "";
  const a = row[metric];
  const b = anchor[metric];
  if (a === undefined || b === undefined || b === 0 || !Number.isFinite(a) || !Number.isFinite(b)) return "";
  return `${(a / b).toFixed(2)}×`;
}

/**
 * A section's rows as a Markdown table: only the columns some row has, one "vs anchor" column per ratio metric
 * (each row's value divided by its anchor's), and the anchor's name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { markdownTable } from "./_bench.ts";
 * const t = markdownTable([
 *   { name: "theirs", isAnchor: true, callsPerSec: 1000 },
 *   { name: "ours", anchor: "theirs", callsPerSec: 2500 },
 * ], ["callsPerSec"]);
 * assert.match(t, /\| ours +\| +2,500 \| +2\.50× \| theirs +\|/);
 * ```
 */
export function markdownTable(rows: readonly Row[], ratios: readonly RatioMetric[] = ["callsPerSec"]): string {
  const cols = COLUMNS.filter((c) => rows.some((r) => r[c.key] !== undefined));
  const byName = new Map(rows.map((r) => [r.name, r]));
  const body = rows.map((r) => [
    r.name,
    ...cols.map((c) => cell(r[c.key] as number | undefined, c.digits)),
    ...ratios.map((m) => ratioText(r, r.anchor ? byName.get(r.anchor) : undefined, m)),
    r.anchor ?? "",
  ]);
  const ratioHead = (m: RatioMetric) => `${COLUMNS.find((c) => c.key === m)!.head} vs anchor`;
  const head = ["what", ...cols.map((c) => c.head), ...ratios.map(ratioHead), "anchor"];
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const left = (i: number) => i === 0 || i === head.length - 1;
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (left(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ")} |`;
  const rule = `| ${widths.map((w, i) => (left(i) ? "-".repeat(w) : "-".repeat(w - 1) + ":")).join(" | ")} |`;
  return [line(head), rule, ...body.map(line)].join("\n");
}

/** A verdict's cells: the value shown and met / MISSED / not measured. */
export function verdictCells(v: Verdict): [string, string] {
  const t: Target = TARGETS[v.target];
  if (v.value === null || !Number.isFinite(v.value)) return [v.missing ?? "not measured", "NOT MEASURED"];
  return [t.show(v.value), t.met(v.value) ? "met" : "**MISSED**"];
}

/** The targets table (also the README's headline). */
export function targetsTable(verdicts: readonly Verdict[]): string {
  const rows = verdicts.map((v) => {
    const [value, status] = verdictCells(v);
    return [TARGETS[v.target].text, value, status, v.from];
  });
  const head = ["target", "measured", "", "from"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(head), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...rows.map(line)].join("\n");
}

/** Markers of the generated block in README.md. */
export const README_START = "<!-- bench:headline (written by deno task bench from BENCHMARKS.md; do not edit) -->";
/** End marker. */
export const README_END = "<!-- /bench:headline -->";

/** Replace the block between the markers of `readme` by `block` (the markers stay); throws without the markers. */
export function replaceReadmeBlock(readme: string, block: string): string {
  const a = readme.indexOf(README_START);
  const b = readme.indexOf(README_END);
  if (a === -1 || b === -1 || b < a) throw new Error(`README.md lacks the markers ${README_START} … ${README_END}`);
  return readme.slice(0, a + README_START.length) + "\n" + block + "\n" + readme.slice(b);
}

/** The block between the markers, or null. */
export function readmeBlock(readme: string): string | null {
  const a = readme.indexOf(README_START);
  const b = readme.indexOf(README_END);
  if (a === -1 || b === -1 || b < a) return null;
  return readme.slice(a + README_START.length, b).trim();
}
