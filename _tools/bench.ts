/**
 * `deno task bench`: every benchmark in one run, each figure beside its anchor, written to BENCHMARKS.md with the
 * machine, the versions and the command, and the targets' verdicts copied into the README's headline block.
 *
 *   deno task bench                 the full run (5 minutes or more on a 2-core machine): writes BENCHMARKS.md, README
 *   deno task bench --quick         fewer calls, smaller logs: prints the report, writes nothing
 *   deno task bench --only serve,verify [--quick] [--out FILE]
 *
 * Sections are modules (tools/bench_<id>.ts exporting a {@linkcode BenchModule}); add one to {@linkcode MODULES}.
 *
 * @module
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type BenchModule,
  machine,
  markdownTable,
  README_END,
  README_START,
  replaceReadmeBlock,
  ROOT,
  type SectionResult,
  targetsTable,
  type Verdict,
  verdictCells,
} from "./_bench.ts";
import { build, hostTarget } from "../build.ts";
import { asks } from "./bench_asks.ts";
import { gate } from "./bench_gate.ts";
import { gateway } from "./bench_gateway.ts";
import { gitView } from "./bench_git.ts";
import { hook } from "./bench_hook.ts";
import { paths } from "./bench_paths.ts";
import { rules } from "./bench_rules.ts";
import { sandbox } from "./bench_sandbox.ts";
import { serve } from "./bench_serve.ts";
import { session } from "./bench_session.ts";
import { startup } from "./bench_startup.ts";
import { verify } from "./bench_verify.ts";
import { witness } from "./bench_witness.ts";

/** The sections, in report order. */
export const MODULES: readonly BenchModule[] = [
  gate,
  witness,
  rules,
  asks,
  serve,
  gateway,
  sandbox,
  gitView,
  startup,
  session,
  verify,
  paths,
  hook,
];

interface Options {
  quick: boolean;
  only: Set<string> | null;
  out: string | null;
}

function parse(args: string[]): Options {
  const o: Options = { quick: false, only: null, out: null };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--quick") o.quick = true;
    else if (a === "--only") o.only = new Set((args[++i] ?? "").split(","));
    else if (a.startsWith("--only=")) o.only = new Set(a.slice(7).split(","));
    else if (a === "--out") o.out = args[++i] ?? null;
    else if (/^[a-z,]+$/.test(a)) o.only = new Set(a.split(",")); // the old form: deno task bench serve,verify
    else throw new Error(`unknown argument ${JSON.stringify(a)}; expected --quick, --only IDS, --out FILE`);
  }
  for (const id of o.only ?? []) {
    if (!MODULES.some((m) => m.id === id)) {
      throw new Error(`unknown section ${JSON.stringify(id)}; expected one of ${MODULES.map((m) => m.id).join(", ")}`);
    }
  }
  return o;
}

/** The report: header, targets, sections. */
export function report(
  meta: { date: string; command: string; quick: boolean; machine: Array<[string, string]>; seconds: number },
  sections: Array<{ module: BenchModule; result: SectionResult | null; error?: string; seconds: number }>,
): { markdown: string; headline: string } {
  const verdicts: Verdict[] = sections.flatMap((s) => s.result?.verdicts ?? []);
  const headline = [
    targetsTable(verdicts),
    "",
    `Measured by \`${meta.command}\` on ${meta.date} (${meta.machine[0]?.[1] ?? "?"}); every figure beside its ` +
    "anchor: [BENCHMARKS.md](BENCHMARKS.md).",
  ].join("\n");
  const out: string[] = [
    "# Benchmarks",
    "",
    `Written by \`${meta.command}\` on ${meta.date}${
      meta.quick
        ? " (**--quick**: fewer calls; not the numbers " +
          "of record)"
        : ""
    }, in ${Math.round(meta.seconds)} s. Every figure is measured in the same run as its anchor ` +
    "and shown as a ratio to it. Do not edit by hand: run `deno task bench` again.",
    "",
    "| | |",
    "| - | - |",
    ...meta.machine.map(([k, v]) => `| ${k} | ${v} |`),
    "",
    "## Targets",
    "",
    "An unmet target is listed as MISSED, one that could not be measured here as NOT MEASURED, with the reason.",
    "",
    headline,
    "",
  ];
  for (const s of sections) {
    out.push(`## ${s.module.title}`, "", s.module.about, "");
    if (!s.result) {
      out.push(`**This section failed**: ${s.error}`, "");
      continue;
    }
    if (s.result.rows.length > 0) out.push(markdownTable(s.result.rows, s.result.ratios), "");
    for (const v of s.result.verdicts) {
      const [value, status] = verdictCells(v);
      out.push(`- Target: ${v.from}: ${value}, ${status}.`);
    }
    if (s.result.verdicts.length > 0) out.push("");
    for (const n of s.result.notes) out.push(n, "");
    out.push(`(${Math.round(s.seconds)} s)`, "");
  }
  return { markdown: out.join("\n"), headline };
}

if (import.meta.main) {
  let options: Options;
  try {
    options = parse(Deno.args);
  } catch (e) {
    console.error(`bench: ${(e as Error).message}`);
    Deno.exit(2);
  }
  const started = performance.now();
  const log = (l: string) => console.error(l);
  // The sections that run the Bun binary measure this source, never an older build left in dist/.
  const host = hostTarget();
  if (host !== null) {
    for (const r of await build({ runtime: "bun", targets: [host], out: "dist", smoke: true })) {
      if (r instanceof Error) {
        console.error(`bench: cannot build the Bun binary: ${r.message}`);
        Deno.exit(1);
      }
      log(`bench: built ${r.path} from this source`);
    }
  }
  const info = await machine();
  const sections: Array<{ module: BenchModule; result: SectionResult | null; error?: string; seconds: number }> = [];
  for (const m of MODULES) {
    if (options.only && !options.only.has(m.id)) continue;
    log(`bench: ${m.id}: ${m.title}`);
    const t = performance.now();
    try {
      sections.push({
        module: m,
        result: await m.run({ quick: options.quick, log }),
        seconds: (performance.now() - t) / 1000,
      });
    } catch (e) {
      log(`bench: ${m.id} FAILED: ${(e as Error)?.stack ?? e}`);
      sections.push({
        module: m,
        result: null,
        error: (e as Error)?.message ?? String(e),
        seconds: (performance.now() - t) / 1000,
      });
    }
  }
  const command = ["deno task bench", ...Deno.args].join(" ");
  const { markdown, headline } = report({
    date: new Date().toISOString().slice(0, 10),
    command,
    quick: options.quick,
    machine: info,
    seconds: (performance.now() - started) / 1000,
  }, sections);
  const whole = !options.quick && options.only === null;
  const out = options.out ?? (whole ? join(ROOT, "BENCHMARKS.md") : null);
  if (out) {
    writeFileSync(out, markdown);
    log(`bench: wrote ${out}`);
  } else {
    console.log(markdown);
  }
  const written = out ? [out] : [];
  if (whole) {
    const readmePath = join(ROOT, "README.md");
    const readme = readFileSync(readmePath, "utf8");
    if (readme.includes(README_START) && readme.includes(README_END)) {
      writeFileSync(readmePath, replaceReadmeBlock(readme, headline));
      written.push(readmePath);
      log("bench: updated the README's headline block");
    }
  }
  // deno fmt shapes both files the same way (tables, 120 columns), so the README's block stays BENCHMARKS.md's.
  if (written.length > 0) {
    await new Deno.Command(Deno.execPath(), { args: ["fmt", "--quiet", ...written], cwd: ROOT }).output();
  }
  Deno.exit(sections.every((s) => s.result !== null) ? 0 : 1);
}
