/**
 * The rule engine and the token counters (issue 13):
 *
 * - rule evaluation with parsing, p50 for a 200-character script (target ≤ 0.2 ms), with the built-in read-only
 *   set and a config of eight rules, beside parsing alone (the anchor: what evaluation adds to the parse);
 * - token counting in MB per CPU-second per tokenizer (target ≥ 10 MB/s) on realistic code and prose (this repository's
 *   sources, docs and the TypeScript declarations of `@types/node`): text seen for the first time (after a
 *   warm-up on other text), and a conversation re-sent with one more message each turn (the way `metrics`
 *   receives `messages`); the tokenizer library's own `encode` on the same text as the anchor.
 *
 * In `deno task bench` (`--only rules`); alone, on either runtime, it prints its table:
 *
 *   deno run --allow-read --allow-env _tools/bench_rules.ts
 *   ./node_modules/.bin/bun _tools/bench_rules.ts
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { analyzeScript } from "../src/rules/shell.ts";
import { validateRules } from "../src/rules/config.ts";
import { evaluateRules } from "../src/rules/engine.ts";
import { createCounter, type TokenizerName } from "../src/tokens/count.ts";
import { countMessages } from "../src/tokens/messages.ts";
import {
  type BenchModule,
  latencyRow,
  markdownTable,
  percentile,
  ROOT,
  round,
  type Row,
  type Verdict,
  verdictCells,
} from "./_bench.ts";
import { SCRIPT_200 } from "./parser_compare.ts";

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

/** Per-call times (ms) of `n` calls of `fn` after a warm-up, and the wall time of the timed calls. */
function timeCalls(fn: () => void, n: number): { times: number[]; wallMs: number } {
  for (let i = 0; i < Math.min(500, n); i++) fn();
  const times: number[] = new Array(n);
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    fn();
    times[i] = performance.now() - t;
  }
  return { times, wallMs: performance.now() - start };
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
function _texts(): { warm: string; measured: string } {
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

/** Token counting rows for one tokenizer (the library's own encode as the anchor of new text) and its verdict. */
async function tokenRows(
  name: TokenizerName,
  texts: { warm: string; measured: string },
  runtime: string,
): Promise<{ rows: Row[]; verdict: Verdict }> {
  const bytes = Buffer.byteLength(texts.measured);
  const chunks: string[] = [];
  for (let i = 0; i < texts.measured.length; i += 16_384) chunks.push(texts.measured.slice(i, i + 16_384));
  // first sight: 16 KB chunks (messages are of that size), each counted once, by a new counter each time (its caches
  // cold, after it saw other text: JIT and the pieces of this repository), in NEW_TEXT_RUNS runs: the median
  const runs: number[] = [];
  let counter = await createCounter(name);
  for (let r = 0; r < NEW_TEXT_RUNS; r++) {
    counter = await createCounter(name);
    await _clearLibraryCache(name);
    counter.count(texts.warm);
    // new string objects each run: none carries a hash V8 computed in an earlier run
    const fresh = chunks.map((c) => (" " + c).slice(1));
    runs.push(cpuMs(() => {
      for (const c of fresh) counter.count(c);
    }));
  }
  const firstMs = percentile(runs, 0.5);
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
  const library = await libraryMbps(name, texts.measured.slice(0, 400_000));
  const anchorName = `tokens ${name} (${runtime}): the library's own encode, new text`;
  const cases: Array<[string, number]> = [
    [`tokens ${name} (${runtime}): new text (16 KB chunks)`, mbps(bytes, firstMs)],
    [`tokens ${name} (${runtime}): text whose pieces were seen`, mbps(bytes, seenMs)],
    [`tokens ${name} (${runtime}): history re-sent each turn (${turns.length} turns)`, mbps(resentBytes, resentMs)],
  ];
  const rows: Row[] = cases.map(([rowName, v], i) => ({
    name: rowName,
    mbPerSec: round(v, 1),
    ...(i === 0 && library !== null ? { anchor: anchorName } : {}),
  }));
  if (library !== null) rows.push({ name: anchorName, isAnchor: true, mbPerSec: round(library, 1) });
  if (name !== "chars") {
    const long = await _longPieceMbps(name);
    rows.push({
      name: `tokens ${name} (${runtime}): 1 MB in one long piece, slowest of ${LONG_SHAPES.length} (${long.shape})`,
      mbPerSec: round(long.mbps, 1),
    });
  }
  const [slowest, value] = cases.reduce((a, b) => (b[1] < a[1] ? b : a));
  return { rows, verdict: { target: "tokenCount", from: `${slowest} (slowest of 3)`, value } };
}

/**
 * Texts of 1 MB that the pre-tokenizers do not cut (red team 9's H6: quadratic before, 45 s for 100 KB of `a`), each
 * made from a seeded generator.
 */
const LONG_SHAPES: Array<[string, (rnd: () => number) => string]> = [
  ["one letter", () => "a"],
  ["random lower case", (rnd) => String.fromCharCode(97 + Math.floor(rnd() * 26))],
  ["random digits", (rnd) => String.fromCharCode(48 + Math.floor(rnd() * 10))],
  ["spaces", () => " "],
  ["random Cyrillic", (rnd) => String.fromCharCode(0x430 + Math.floor(rnd() * 32))],
];

/** MB per CPU-second of the slowest of LONG_SHAPES, each counted once by a new counter. */
async function _longPieceMbps(name: TokenizerName): Promise<{ shape: string; mbps: number }> {
  let worst = { shape: "", mbps: Infinity };
  for (const [shape, char] of LONG_SHAPES) {
    let x = 1;
    const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const parts: string[] = [];
    for (let n = 0; n < 1_000_000; n++) parts.push(char(rnd));
    const text = parts.join("").slice(0, 1_000_000);
    const counter = await createCounter(name);
    counter.count("warm up: a word, 123 and ééé");
    const v = mbps(Buffer.byteLength(text), cpuMs(() => counter.count(text)));
    if (v < worst.mbps) worst = { shape, mbps: v };
  }
  return worst;
}

/** Runs of the first-sight measurement, each with a new counter; the median is reported. */
const NEW_TEXT_RUNS = 5;

/** Empty the library's own merge cache (its misses of non-ASCII and long pieces), so a new counter starts cold. */
async function _clearLibraryCache(name: TokenizerName): Promise<void> {
  if (name === "o200k_base") (await import("gpt-tokenizer/encoding/o200k_base")).clearMergeCache();
  else if (name === "cl100k_base") (await import("gpt-tokenizer/encoding/cl100k_base")).clearMergeCache();
}

/** The token rows and verdicts of every tokenizer in this runtime. */
async function _tokenTable(runtime: string): Promise<{ rows: Row[]; verdicts: Verdict[] }> {
  const texts = _texts();
  const rows: Row[] = [];
  const verdicts: Verdict[] = [];
  for (const name of ["o200k_base", "cl100k_base", "claude", "chars"] as const) {
    const t = await tokenRows(name, texts, runtime);
    rows.push(...t.rows);
    verdicts.push(t.verdict);
  }
  return { rows, verdicts };
}

/** MB/s (per CPU-second) of the tokenizer library's own encode, as the anchor; null for `chars` (no library). */
async function libraryMbps(name: TokenizerName, text: string): Promise<number | null> {
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
  } else return null;
  encode(text.slice(0, 50_000));
  return mbps(Buffer.byteLength(text), cpuMs(() => encode(text)));
}

/** The module. */
export const rules: BenchModule = {
  id: "rules",
  title: "Rule evaluation with shell parsing, and token counting",
  about: "Rules: `evaluateRules` of `run_bash` with a realistic 200-character script (pipelines, lists, a command " +
    "substitution), parsed by unbash and judged on every simple command, with the built-in read-only set alone and " +
    "with a config of eight rules besides; the anchor is `analyzeScript` (the parse) alone, so the ratio is what " +
    "judging adds to parsing. Wall time per call. Tokens: each tokenizer's counter (`src/tokens/count.ts`) on text " +
    "it sees for the first time, on text whose pieces it has seen, and on a conversation re-sent with one more " +
    "message each turn (as `metrics` receives `messages`), against the tokenizer library's own `encode` on new text.",
  async run(ctx) {
    const n = ctx.quick ? 2000 : 5000;
    const rows: Row[] = [];
    const verdicts: Verdict[] = [];
    const { rules: config, errors } = validateRules(RULES);
    if (errors.length > 0) throw new Error(`bench rules are invalid: ${errors.join("; ")}`);
    // A new call object each time, as the gate builds one per call.
    const call = () => ({ tool: "run_bash", tableRisk: "high" as const, args: { cmd: SCRIPT_200 } });
    const parseName = "parse a 200-character script (analyzeScript)";
    const timed: Array<[string, () => void]> = [
      [parseName, () => analyzeScript(SCRIPT_200)],
      ["evaluate with parsing, built-in read-only set only", () => evaluateRules([], call())],
      [`evaluate with parsing, ${config.length} config rules + built-in set`, () => evaluateRules(config, call())],
    ];
    for (const [name, fn] of timed) {
      const { times, wallMs } = timeCalls(fn, n);
      const isParse = name === parseName;
      rows.push(latencyRow(name, times, wallMs, isParse ? { isAnchor: true } : { anchor: parseName }));
      if (!isParse) verdicts.push({ target: "rulesP50", from: name, value: percentile(times, 0.5) });
      ctx.log(`rules: ${name}: p50 ${percentile(times, 0.5).toFixed(4)} ms`);
    }
    const tokens = await _tokenTable("Deno");
    rows.push(...tokens.rows);
    verdicts.push(...tokens.verdicts);
    // the same counters under Bun (the runtime of the shipped binary), in a process of its own
    const bun = join(ROOT, "node_modules/.bin/bun");
    const underBun = JSON.parse(
      execFileSync(bun, [join(ROOT, "_tools/bench_rules.ts"), "--tokens-json"], {
        encoding: "utf8",
        maxBuffer: 16 * 1024 * 1024,
        stdio: ["ignore", "pipe", "inherit"],
      }),
    ) as { rows: Row[]; verdicts: Verdict[] };
    rows.push(...underBun.rows);
    verdicts.push(...underBun.verdicts);
    for (const v of verdicts.slice(-8)) ctx.log(`rules: ${v.from}: ${v.value?.toFixed(1)} MB/s`);
    const texts = _texts();
    const mb = (s: string) => round(Buffer.byteLength(s) / 1e6, 1);
    return {
      rows,
      ratios: ["p50Ms", "mbPerSec"],
      verdicts,
      notes: [
        `Rules: ${n} timed calls each after 500 untimed ones, in this process (${SCRIPT_200.length}-character ` +
        `script: \`${SCRIPT_200}\`).`,
        "Tokens, in this Deno process and in a Bun process of its own (the runtime of the shipped binary): MB " +
        "(10^6 bytes) per CPU-second of the process (user + system): on a machine shared with other " +
        "work, wall time measures the queue for the CPU as much as the code. Each counter first sees " +
        `${mb(texts.warm)} MB of this repository's sources and docs (JIT, piece cache), then counts ` +
        `${mb(texts.measured)} MB of \`@types/node\`'s declarations in 16 KB chunks (new text: the median of ` +
        `${NEW_TEXT_RUNS} runs, each by a new counter that saw only the other text); the library's own \`encode\` ` +
        "(gpt-tokenizer `countTokens` with its merge cache cleared; ai-tokenizer for `claude`) counts the first " +
        "400,000 characters of the same text after a warm-up on its first 50,000. `chars` is the cheap estimate " +
        "(no library). The token target is checked on each tokenizer's slowest case. Short ASCII pieces seen for " +
        "the first time are merged by `src/tokens/_merge.ts` (pairs of token ids remembered in a table of " +
        "integers; a pair not remembered is looked up by its range of the piece in `src/tokens/_ascii_ranks.ts`, " +
        "the encoding's ASCII tokens in typed arrays, built once per process like the library's own tables), the " +
        "rest by the library; a new counter starts with an empty piece cache (`src/tokens/_piece_cache.ts`) and " +
        'an empty pair memo. "1 MB in one long piece": one, random lower case, random digits, spaces, random ' +
        "Cyrillic, each 1 MB with no pre-tokenizer cut (red team 9's H6; see docs/tokens.md, long pieces), counted " +
        "once by a new counter; no target (the 10 MB/s one is for ordinary text).",
      ],
    };
  },
};

if (import.meta.main && process.argv.includes("--tokens-json")) {
  console.log(
    JSON.stringify(await _tokenTable(typeof (globalThis as { Bun?: unknown }).Bun !== "undefined" ? "Bun" : "Deno")),
  );
} else if (import.meta.main) {
  const runtime = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined" ? "bun" : "deno";
  let load: string;
  try {
    load = loadavg().map((x) => x.toFixed(2)).join(" ");
  } catch {
    load = "unknown (deno run without --allow-sys)";
  }
  const r = await rules.run({ quick: false, log: (line) => console.error(line) });
  console.log(`${rules.title} (${runtime}, load average ${load}, ${navigator.hardwareConcurrency} cores)\n`);
  console.log(markdownTable(r.rows, r.ratios));
  for (const v of r.verdicts) console.log(`- Target: ${v.from}: ${verdictCells(v).join(", ")}`);
  for (const note of r.notes) console.log(`\n${note}`);
}
