/**
 * All benchmarks in one run, side by side with the anchors named in the issues, as ratios:
 *
 * - core: the gate's per-call cost early in a session and after 40 000 calls (flat = ratio near 1)
 * - isolation: read_file through the protocol (warm worker pool), sandboxed `run_bash echo hi`, beside a bare
 *   `bash -c` spawn and a bare `bwrap … bash -c` spawn
 * - mcp: sequential read calls through `safe-exec mcp` and `@modelcontextprotocol/server-filesystem`
 * - startup: process start → first answer, and idle RSS, for each way of starting safe-exec and server-filesystem
 *
 *   deno task bench [core,isolation,mcp,startup]
 *
 * @module
 */
import { benchCore } from "./bench_core.ts";
import { benchIsolation } from "./bench_isolation.ts";
import { benchMcp } from "./bench_mcp.ts";
import { benchStartup, formatStartupTable } from "./bench_startup.ts";

interface Row {
  name: string;
  calls: number;
  p50Ms: number;
  p95Ms: number;
  callsPerSec: number;
}

const wanted = new Set((Deno.args[0] ?? "core,isolation,mcp,startup").split(","));

function table(rows: Row[]): string {
  const w = Math.max(...rows.map((r) => r.name.length), 4);
  const head = `${"name".padEnd(w)}  calls   p50 ms   p95 ms   calls/s`;
  return [
    head,
    ...rows.map((r) =>
      `${r.name.padEnd(w)}  ${String(r.calls).padStart(5)}  ${r.p50Ms.toFixed(3).padStart(7)}  ${
        r.p95Ms.toFixed(3).padStart(7)
      }  ${r.callsPerSec.toFixed(0).padStart(8)}`
    ),
  ].join("\n");
}

function find(rows: Row[], re: RegExp): Row | undefined {
  return rows.find((r) => re.test(r.name));
}

function verdict(ok: boolean): string {
  return ok ? "meets the target" : "MISSES the target";
}

console.log(`safe-exec benchmarks — ${Deno.build.os}/${Deno.build.arch}, ${navigator.hardwareConcurrency} cores\n`);

if (wanted.has("core")) {
  console.log("## core: per-call cost as the session grows (in-process, host file backend)");
  const rows = await benchCore();
  console.log(table(rows));
  const [early, late] = rows as [Row, Row];
  console.log(`late / early p50: ${(late.p50Ms / early.p50Ms).toFixed(2)}× (flat is ~1×)\n`);
}

if (wanted.has("isolation")) {
  console.log("## isolation: round trips through `safe-exec serve` vs bare spawns");
  const rows = await benchIsolation();
  console.log(table(rows));
  const read = find(rows, /read_file/);
  const sandboxed = find(rows, /run_bash/);
  const bwrap = find(rows, /bare spawn bwrap/);
  const bash = find(rows, /bare spawn bash/);
  if (read) console.log(`read_file p50 ${read.p50Ms.toFixed(3)} ms (target < 0.5 ms): ${verdict(read.p50Ms < 0.5)}`);
  if (sandboxed && bwrap) {
    const ratio = sandboxed.p50Ms / bwrap.p50Ms;
    console.log(`sandboxed run_bash / bare bwrap p50: ${ratio.toFixed(2)}× (target ≤ 1.5×): ${verdict(ratio <= 1.5)}`);
  }
  if (sandboxed && bash) {
    console.log(`sandboxed run_bash / bare bash p50: ${(sandboxed.p50Ms / bash.p50Ms).toFixed(2)}×`);
  }
  console.log();
}

if (wanted.has("mcp")) {
  console.log("## mcp: sequential reads through the official SDK client");
  const rows = await benchMcp();
  console.log(table(rows));
  const theirs = find(rows, /server-filesystem/);
  for (const ours of rows.filter((r) => /^safe-exec mcp read_file/.test(r.name))) {
    if (!theirs) break;
    const ratio = ours.callsPerSec / theirs.callsPerSec;
    console.log(`${ours.name} / server-filesystem calls/s: ${ratio.toFixed(2)}× (target ≥ 2×): ${verdict(ratio >= 2)}`);
  }
  const ceiling = find(rows, /unknown tool/);
  if (ceiling && theirs) {
    console.log(
      `ceiling of the deno run path (a call refused at the gate, no tool): ${
        (ceiling.callsPerSec / theirs.callsPerSec).toFixed(2)
      }× server-filesystem`,
    );
  }
  console.log();
}

if (wanted.has("startup")) {
  console.log("## startup: process start → first answer, idle RSS");
  const rows = await benchStartup();
  console.log(formatStartupTable(rows));
  const anchor = rows.find((r) => /server-filesystem/.test(r.name));
  for (const r of rows) {
    if (r === anchor) continue;
    const vs = anchor ? `, ${(anchor.p50Ms / r.p50Ms).toFixed(1)}× faster than server-filesystem` : "";
    const binary = /binary/.test(r.name);
    const target = binary ? ` (targets < 100 ms, < 80 MiB): ${verdict(r.p50Ms < 100 && (r.rssMiB ?? 0) < 80)}` : "";
    console.log(`${r.name}: p50 ${r.p50Ms.toFixed(1)} ms, RSS ${r.rssMiB?.toFixed(1) ?? "?"} MiB${vs}${target}`);
  }
}
