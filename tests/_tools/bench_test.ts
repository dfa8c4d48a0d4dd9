/**
 * The benchmark harness (_tools/_bench.ts, _tools/bench.ts): one percentile formula, tables with ratios, verdicts that
 * never hide a miss, and a README whose headline block is the one BENCHMARKS.md holds.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  markdownTable,
  percentile,
  README_END,
  README_START,
  readmeBlock,
  replaceReadmeBlock,
  ROOT,
  TARGETS,
  targetsTable,
  verdictCells,
} from "../../_tools/_bench.ts";
import { MODULES, report } from "../../_tools/bench.ts";
import { gate } from "../../_tools/bench_gate.ts";

Deno.test("percentile: nearest rank, one formula for every benchmark", () => {
  assert.equal(percentile([1, 2, 3, 4], 0.5), 2, "the lower median of an even sample (nearest rank)");
  assert.equal(percentile([5, 1, 4, 2, 3], 0.5), 3);
  assert.equal(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 0.99), 99);
  assert.equal(percentile(Array.from({ length: 1000 }, (_, i) => i + 1), 0.99), 990);
  assert.equal(percentile([3, 1, 2], 0), 1);
  assert.equal(percentile([3, 1, 2], 1), 3);
  // No other percentile in _tools/: every module imports this one.
  for (const f of benchFiles()) {
    const text = readFileSync(join(ROOT, "_tools", f), "utf8");
    assert.doesNotMatch(text, /Math\.(ceil|floor)\(q \*/, `${f} computes its own percentile`);
    assert.doesNotMatch(text, /\[Math\.floor\([\w.]+ \/ 2\)\]/, `${f} computes its own median`);
    assert.doesNotMatch(text, /interface \w*Row\b/, `${f} defines its own row type`);
  }
});

/** _tools/bench*.ts: the harness and its modules. */
function benchFiles(): string[] {
  return readdirSync(join(ROOT, "_tools")).filter((f) => f.startsWith("bench") && f.endsWith(".ts"));
}

Deno.test("every _tools/bench_<id>.ts is a module of deno task bench, and every target is checked by one", async () => {
  const ids = MODULES.map((m) => m.id);
  assert.equal(new Set(ids).size, ids.length, `section ids are unique: ${ids.join(", ")}`);
  const files = benchFiles().filter((f) => f.startsWith("bench_"));
  for (const f of files) {
    const id = f.slice("bench_".length, -".ts".length);
    const exported = Object.values(await import(join(ROOT, "_tools", f)));
    const module = MODULES.find((m) => m.id === id);
    assert.ok(module, `_tools/${f} has a section "${id}" in MODULES (_tools/bench.ts)`);
    assert.ok(exported.includes(module), `_tools/${f} exports the module registered as "${id}"`);
  }
  assert.equal(files.length, MODULES.length, "every section comes from its own _tools/bench_<id>.ts");
  const sources = files.map((f) => readFileSync(join(ROOT, "_tools", f), "utf8")).join("\n");
  for (const name of Object.keys(TARGETS)) {
    assert.ok(sources.includes(`target: "${name}"`), `no section checks the target ${name}`);
  }
});

Deno.test("markdownTable: the columns rows have, a ratio per metric against the named anchor", () => {
  const t = markdownTable([
    { name: "theirs", isAnchor: true, calls: 10, p50Ms: 2, callsPerSec: 500 },
    { name: "ours", anchor: "theirs", calls: 10, p50Ms: 0.5, callsPerSec: 2000 },
  ], ["p50Ms", "callsPerSec"]);
  const lines = t.split("\n");
  assert.match(
    lines[0]!,
    /\| what +\| calls \| p50 ms \| calls\/s \| p50 ms vs anchor \| calls\/s vs anchor \| anchor +\|/,
  );
  assert.match(lines[2]!, /\| theirs .*\| +anchor \| +anchor \| +\|$/);
  assert.match(lines[3]!, /\| ours .*\| +0\.500 \| +2,000 \| +0\.25× \| +4\.00× \| theirs \|$/);
  assert.doesNotMatch(t, /RSS|lines\/s/, "no empty columns");
});

Deno.test("verdicts: met, MISSED and NOT MEASURED with its reason; nothing is dropped", () => {
  assert.deepEqual(verdictCells({ target: "rssFlat", from: "x", value: 1.02 }), ["1.02×", "met"]);
  assert.deepEqual(verdictCells({ target: "rssFlat", from: "x", value: 1.4 }), ["1.40×", "**MISSED**"]);
  assert.deepEqual(verdictCells({ target: "lockCost", from: "x", value: null, missing: "no lock" }), [
    "no lock",
    "NOT MEASURED",
  ]);
  const table = targetsTable([
    { target: "verifyLines", from: "Bun binary", value: 214_000 },
    { target: "mcpVsFilesystem", from: "mcp", value: 3.1 },
  ]);
  assert.match(table, /`log verify` ≥ 500,000 lines\/s with the Bun binary +\| 214,000 lines\/s \| \*\*MISSED\*\*/);
  assert.match(table, /≥ 2× server-filesystem's calls\/s +\| 3\.10× +\| met/);
  for (const t of Object.values(TARGETS)) assert.ok(t.text.length > 0);
});

Deno.test("report: header with command and machine, the targets first, a failed section says so", () => {
  const { markdown, headline } = report(
    { date: "2026-12-01", command: "deno task bench", quick: false, machine: [["machine", "test box"]], seconds: 3 },
    [
      {
        module: gate,
        result: {
          rows: [{ name: "a", isAnchor: true, us: 1 }],
          verdicts: [{ target: "lockCost", from: "l", value: 2 }],
          notes: ["n"],
        },
        seconds: 1,
      },
      { module: MODULES.find((m) => m.id === "verify")!, result: null, error: "boom", seconds: 0 },
    ],
  );
  assert.match(markdown, /^# Benchmarks\n\nWritten by `deno task bench` on 2026-12-01/);
  assert.match(markdown, /\| machine \| test box \|/);
  assert.ok(markdown.includes(headline), "the headline is the report's targets block");
  assert.ok(markdown.indexOf("## Targets") < markdown.indexOf("## Gate"));
  assert.match(markdown, /\*\*This section failed\*\*: boom/);
  assert.match(headline, /witness lock ≤ 5 µs .*\| 2\.0 µs +\| met/);
});

Deno.test("README's headline block is the one in BENCHMARKS.md, between the markers", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  assert.ok(readme.includes(README_START) && readme.includes(README_END), "README has the markers");
  assert.equal(readmeBlock(replaceReadmeBlock("a\n" + README_START + "\nold\n" + README_END + "\nb", "new")), "new");
  const block = readmeBlock(readme);
  assert.ok(block && block.length > 0, "the block is filled");
  const benchmarks = join(ROOT, "BENCHMARKS.md");
  assert.ok(existsSync(benchmarks), "BENCHMARKS.md exists (deno task bench writes it)");
  assert.ok(readFileSync(benchmarks, "utf8").includes(block!), "the README's numbers are BENCHMARKS.md's");
});

Deno.test("the gate module runs and anchors every row it measures", async () => {
  const r = await gate.run({ quick: true, log: () => {} });
  const names = new Set(r.rows.map((x) => x.name));
  for (const row of r.rows) {
    assert.ok(row.isAnchor || (row.anchor !== undefined && names.has(row.anchor)), `${row.name} has an anchor`);
    assert.ok((row.us ?? 0) > 0, `${row.name} measured`);
  }
  for (const v of r.verdicts) assert.notEqual(v.value, null, `${v.target}: no placeholder verdicts`);
});
