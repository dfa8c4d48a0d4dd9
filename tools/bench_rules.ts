/**
 * Benchmarks of the rule engine and the token counters (issue 13), as rows for the shared bench framework:
 *
 * - rule evaluation with parsing, p50 for a 200-character script (target ≤ 0.2 ms), with the built-in read-only
 *   set and a config of eight rules; parsing alone beside it;
 * - token counting in MB per CPU-second per tokenizer (target ≥ 10 MB/s) on realistic code and prose (this repository's
 *   sources, docs and the TypeScript declarations of `@types/node`): text seen for the first time (after a
 *   warm-up on other text), and a conversation re-sent with one more message each turn (the way `metrics`
 *   receives `messages`); the tokenizer library's own `encode` on the same text as the anchor.
 *
 *   deno run --allow-read --allow-env tools/bench_rules.ts
 *   ./node_modules/.bin/bun tools/bench_rules.ts
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { analyzeScript } from "../src/rules/shell.ts";
import { validateRules } from "../src/rules/config.ts";
import { evaluateRules } from "../src/rules/engine.ts";
import { createCounter, type TokenizerName } from "../src/tokens/count.ts";
import { countMessages } from "../src/tokens/messages.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** One measured number, beside the target it is judged against. */
export interface BenchRow {
  /** What was measured. */
  name: string;
  /** The measured value. */
  value: number;
  /** Its unit (`ms`, `MB/s`). */
  unit: string;
  /** What the value is compared with (the anchor's name and value), or null. */
  anchor: string | null;
  /** The target, e.g. `<= 0.2` or `>= 10`, or null for a row that is only context. */
  target: string | null;
  /** Whether the value meets the target; null for a context row. */
  meets: boolean | null;
}

/** A realistic 200-character agent script (the same as tools/parser_compare.ts). */
export const SCRIPT_200 =
  `cd src && grep -rn "TODO" --include='*.ts' . | head -9; git status --short && git diff --stat HEAD ` +
  `| tail -5; find . -name '*.test.ts' -newer package.json | wc -l; ls -la $(dirname "$PWD") 2>/dev/null`;

const RULES = [
  { tool: "run_bash", command: ["git push", "git reset --hard"], decision: "ask" },
  { tool: "run_bash", command: ["rm -rf", "sudo"], decision: "deny" },
  { tool: "run_bash", command: ["npm test", "npm run lint", "deno task ok"], risk: "medium" },
  { tool: "write_file", path: ["src/**", "tests/**"], risk: "low" },
  { tool: "delete_file", path: ["dist/**"], risk: "medium" },
  { tool: "github__*", risk: "high" },
  { tool: "read_file", path: [".env", "*.pem"], decision: "ask" },
  { tool: "run_bash", command: ["curl", "wget"], risk: "high" },
];

function p50(fn: () => void, n: number): number {
  for (let i = 0; i < Math.min(500, n); i++) fn();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(n / 2)]!;
}

function _files(dir: string, ext: RegExp, out: string[], limit: number): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (out.join("").length > limit) return;
    const p = join(dir, e.name);
    if (e.isDirectory()) _files(p, ext, out, limit);
    else if (ext.test(e.name) && statSync(p).size < 1_000_000) out.push(readFileSync(p, "utf8"));
  }
}

/** Realistic text: the repo's own code and docs (warm-up), and @types/node's declarations (measured). */
export function benchTexts(): { warm: string; measured: string } {
  const warm: string[] = [];
  _files(join(ROOT, "src"), /\.ts$/, warm, 2_000_000);
  _files(join(ROOT, "docs"), /\.md$/, warm, 2_000_000);
  const measured: string[] = [];
  _files(join(ROOT, "node_modules/@types/node"), /\.d\.ts$/, measured, 2_000_000);
  if (measured.length === 0) _files(join(ROOT, "tests"), /\.ts$/, measured, 2_000_000);
  return { warm: warm.join("\n"), measured: measured.join("\n") };
}

function mbps(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000);
}

/**
 * Milliseconds of CPU this process spent in `fn` (user + system). On a machine shared with other work, wall time
 * measures the queue for the CPU as much as the code; CPU time measures the code.
 */
function cpuMs(fn: () => void): number {
  const before = process.cpuUsage();
  fn();
  const d = process.cpuUsage(before);
  return (d.user + d.system) / 1000;
}

/** Token counting rows for one tokenizer. */
async function tokenRows(name: TokenizerName, texts: { warm: string; measured: string }): Promise<BenchRow[]> {
  const counter = await createCounter(name);
  counter.count(texts.warm); // JIT and the piece cache see other text first
  const bytes = Buffer.byteLength(texts.measured);
  // first sight: 16 KB chunks (messages are of that size), each counted once
  const chunks: string[] = [];
  for (let i = 0; i < texts.measured.length; i += 16_384) chunks.push(texts.measured.slice(i, i + 16_384));
  const firstMs = cpuMs(() => {
    for (const c of chunks) counter.count(c);
  });
  // the same text once more, changed so that no whole text is cached: every piece has been seen (the hot path)
  const seenMs = cpuMs(() => {
    for (const c of chunks) counter.count(c + "\n");
  });
  // a conversation re-sent each turn with one more message (40 turns of the chunks above)
  const turns = chunks.slice(0, 40).map((c, i) => ({ role: i % 2 === 0 ? "user" : "assistant", content: c }));
  let resentBytes = 0;
  const resentMs = cpuMs(() => {
    for (let k = 1; k <= turns.length; k++) {
      const history = turns.slice(0, k);
      countMessages(history, counter);
      for (const m of history) resentBytes += Buffer.byteLength(m.content);
    }
  });
  const anchor = await libraryMbps(name, texts.measured.slice(0, 400_000));
  const rows: BenchRow[] = [
    {
      name: `tokens ${name}: new text (16 KB chunks)`,
      value: mbps(bytes, firstMs),
      unit: "MB/s",
      anchor: `the library's own encode: ${anchor.toFixed(1)} MB/s`,
      target: ">= 10",
      meets: mbps(bytes, firstMs) >= 10,
    },
    {
      name: `tokens ${name}: text whose pieces were seen`,
      value: mbps(bytes, seenMs),
      unit: "MB/s",
      anchor: null,
      target: ">= 10",
      meets: mbps(bytes, seenMs) >= 10,
    },
    {
      name: `tokens ${name}: history re-sent each turn (${turns.length} turns)`,
      value: mbps(resentBytes, resentMs),
      unit: "MB/s",
      anchor: null,
      target: ">= 10",
      meets: mbps(resentBytes, resentMs) >= 10,
    },
  ];
  return rows;
}

/** MB/s of the tokenizer library's own encode, as the anchor. */
async function libraryMbps(name: TokenizerName, text: string): Promise<number> {
  let encode: (s: string) => number;
  if (name === "claude") {
    const { Tokenizer } = await import("ai-tokenizer");
    const enc = await import("ai-tokenizer/encoding/claude");
    const tok = new Tokenizer(enc as ConstructorParameters<typeof Tokenizer>[0]);
    encode = (s) => tok.encode(s, "all").length;
  } else if (name === "o200k_base" || name === "cl100k_base") {
    const m = name === "o200k_base"
      ? await import("gpt-tokenizer/encoding/o200k_base")
      : await import("gpt-tokenizer/encoding/cl100k_base");
    m.clearMergeCache(); // the counters' misses went through this instance: start it as cold as the counter was
    encode = (s) => m.countTokens(s);
  } else return Infinity;
  encode(text.slice(0, 50_000));
  return mbps(Buffer.byteLength(text), cpuMs(() => encode(text)));
}

/** The load average, for the report (benchmarks on a shared machine). */
export function loadAverage(): string {
  try {
    return loadavg().map((x) => x.toFixed(2)).join(" ");
  } catch {
    return "unknown (deno run without --allow-sys)";
  }
}

/** Every row of this benchmark. */
export async function benchRules(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const { rules, errors } = validateRules(RULES);
  if (errors.length > 0) throw new Error(`bench rules are invalid: ${errors.join("; ")}`);
  const parse = p50(() => analyzeScript(SCRIPT_200), 5000);
  const builtin = p50(
    () => evaluateRules([], { tool: "run_bash", tableRisk: "high", args: { cmd: SCRIPT_200 } }),
    5000,
  );
  const withRules = p50(
    () => evaluateRules(rules, { tool: "run_bash", tableRisk: "high", args: { cmd: SCRIPT_200 } }),
    5000,
  );
  rows.push(
    { name: "rules: parse a 200-char script", value: parse, unit: "ms", anchor: null, target: null, meets: null },
    {
      name: "rules: evaluate with parsing, built-in set only (p50)",
      value: builtin,
      unit: "ms",
      anchor: null,
      target: "<= 0.2",
      meets: builtin <= 0.2,
    },
    {
      name: `rules: evaluate with parsing, ${rules.length} rules + built-in set (p50)`,
      value: withRules,
      unit: "ms",
      anchor: null,
      target: "<= 0.2",
      meets: withRules <= 0.2,
    },
  );
  const texts = benchTexts();
  for (const name of ["o200k_base", "cl100k_base", "claude", "chars"] as const) {
    rows.push(...await tokenRows(name, texts));
  }
  return rows;
}

/** The rows as a table. */
export function formatRows(rows: readonly BenchRow[]): string {
  const w = Math.max(...rows.map((r) => r.name.length));
  return rows.map((r) =>
    `${r.name.padEnd(w)}  ${(r.value >= 100 ? r.value.toFixed(0) : r.value.toFixed(4)).padStart(10)} ${
      r.unit.padEnd(5)
    }` +
    `  ${r.target ? `target ${r.target.padEnd(6)} ${r.meets ? "meets" : "MISSES"}` : ""}${
      r.anchor ? `  (${r.anchor})` : ""
    }`
  ).join("\n");
}

if (import.meta.main) {
  const runtime = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined" ? "bun" : "deno";
  console.log(`bench_rules (${runtime}, load average ${loadAverage()}, ${navigator.hardwareConcurrency} cores)`);
  console.log(formatRows(await benchRules()));
}
