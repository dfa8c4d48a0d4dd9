/**
 * The fault suite: what users buy ("no unlogged execution, ever") measured under faults, against the real Bun
 * binary (dist/) and `deno run src/main.ts`, each a real `safe-exec serve` process over pipes:
 *
 * - **fuzz**: generated hostile lines (_tools/fuzz.ts), then `info`: every line gets one answer, every parseable id
 *   exactly its own answers, and `info` is answered at the end.
 * - **kill -9**: rounds of a pipelined burst of write_file calls, the server killed mid-burst, restarted on the
 *   same log; then the audit: every file the tools wrote has its whole gate line, every answered write its file,
 *   and the log verifies as one chain across all restarts.
 * - **full disk**: the log on a tmpfs of 64 KiB of its own (mounted here; skipped with the reason where the
 *   machine cannot): calls denied once it is full, never run without their gate line, and after space is freed
 *   the log goes on, its cut line alone on its line and the chain continued past it.
 * - **log removed**: the log file, or its folder, removed or replaced under a running server: every later call
 *   denied with witness_unavailable and not run.
 * - **servers**: 2 and 8 servers (and Deno and Bun servers mixed) on one log at once: one valid chain after.
 * - **exec processes**: many short-lived `safe-exec exec` processes (as hooks will be), 8 at a time, on one log.
 * - **session**: one long session of read_file calls: latency and RSS at calls 100, 10,000 and 100,000.
 *
 * Each scenario prints what it tried and what was lost; the run ends with `N lost` (0 is the only good answer)
 * and exits 1 when anything was lost.
 *
 *   deno task faults [--long] [--only fuzz,kill,disk,removed,servers,exec,session] [--target binary|deno]
 *
 * `SAFE_EXEC_BIN=/path/to/binary` runs the binary half against another binary (one built from an older commit).
 *
 * The default run is bounded (a few minutes, it runs in CI through tests/_tools/faults_test.ts); `--long` runs the
 * sizes of the original measurements (100,000 fuzz lines, 20 kills, 100,000-call sessions).
 *
 * @module
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { binaryName, DENO_PERMISSION_FLAGS, hostTarget } from "../build.ts";
import { verifyLog } from "../src/witness/mod.ts";
import { fuzzLines } from "./fuzz.ts";
import { mountTmpfs } from "./_tmpfs.ts";
import { ServerProc } from "./_server_proc.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** One way to start safe-exec. */
export interface FaultTarget {
  /** Short label. */
  name: string;
  /** argv before the safe-exec arguments. */
  argv: string[];
}

/** What one scenario did on one target. */
export interface FaultResult {
  /** The scenario, e.g. "kill -9". */
  scenario: string;
  /** The target's name. */
  target: string;
  /** What was tried, in words. */
  tried: string;
  /** What was lost (a call that ran without its gate line, an answer that never came, a broken chain…). */
  lost: string[];
  /** Figures and observations that are not losses. */
  notes: string[];
  /** Why it did not run, when it did not. */
  skipped?: string;
  /** Milliseconds it took. */
  ms: number;
}

/** Options of {@linkcode runFaults}. */
export interface FaultOptions {
  /** The long run (the original measurements' sizes). Default false: a bounded run of a few minutes. */
  long?: boolean;
  /** Only these scenarios: fuzz, kill, disk, removed, servers, exec, session. */
  only?: string[];
  /** Only these targets: "binary", "deno". */
  targets?: string[];
  /** Where progress lines go (default console.log). */
  out?: (line: string) => void;
}

/** The targets available here, and why a missing one is missing. */
export function faultTargets(): { targets: FaultTarget[]; missing: string[] } {
  const targets: FaultTarget[] = [];
  const missing: string[] = [];
  const host = hostTarget();
  // SAFE_EXEC_BIN names another binary to test (e.g. one built from an older commit)
  const bin = Deno.env.get("SAFE_EXEC_BIN") || (host === null ? null : join(ROOT, "dist", binaryName("bun", host)));
  if (bin !== null && existsSync(bin)) targets.push({ name: `binary ${bin.split("/").pop()}`, argv: [bin] });
  else {
    missing.push(
      `the Bun binary ${bin ?? "(no target for this host)"} is missing: build it with ` +
        "`deno run -A _tools/build_for_tests.ts` (deno task ok does)",
    );
  }
  targets.push({
    name: "deno run",
    argv: [Deno.execPath(), "run", ...DENO_PERMISSION_FLAGS, join(ROOT, "src/main.ts")],
  });
  return { targets, missing };
}

function fresh(): string {
  return mkdtempSync(join(tmpdir(), "se-faults-"));
}

/** Every line of a log that parses, with its line number. */
function parsedLines(path: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    try {
      out.push(JSON.parse(line));
    } catch {
      // cut lines are counted by verify
    }
  }
  return out;
}

/** The paths of whole gate lines that let write_file run. */
function gatedWrites(log: string): Set<string> {
  const set = new Set<string>();
  for (const l of parsedLines(log)) {
    const d = l.details as { args?: { path?: unknown } } | undefined;
    if (l.event === "gate" && l.tool === "write_file" && l.decision === "allow" && typeof d?.args?.path === "string") {
      set.add(d.args.path);
    }
  }
  return set;
}

/** Files in the workspace (top level) ⇄ gate lines: every file has one, every ok answer has its file. */
function audit(ws: string, log: string, okPaths: Iterable<string>, lost: string[], setUp: string[] = []): number {
  const gated = gatedWrites(log);
  const files = existsSync(ws) ? readdirSync(ws).filter((f) => f.endsWith(".txt") && !setUp.includes(f)) : [];
  for (const f of files) if (!gated.has(f)) lost.push(`${f} was written without a whole gate line`);
  const present = new Set(files);
  for (const p of okPaths) {
    if (!present.has(p)) lost.push(`${p} was answered ok but is not in the workspace`);
  }
  return files.length;
}

/** Problems of `verify` other than cut lines are losses; cut lines are notes. */
function checkChain(log: string, lost: string[], notes: string[], allowCut: number): void {
  const report = verifyLog(log);
  const cuts = report.problems.filter((p) => p.kind === "cut");
  const other = report.problems.filter((p) => p.kind !== "cut");
  for (const p of other.slice(0, 5)) lost.push(`log verify: line ${p.line}: ${p.kind}: ${p.message}`);
  if (other.length > 5) lost.push(`log verify: ${other.length - 5} more problems`);
  if (cuts.length > allowCut) lost.push(`log verify: ${cuts.length} cut lines, expected at most ${allowCut}`);
  notes.push(
    `log verify: ${report.lines} lines, ${report.problemCount} problems${
      cuts.length
        ? ` (${cuts.length} cut line${cuts.length === 1 ? "" : "s"}: ${cuts.map((c) => c.line).join(", ")})`
        : ""
    }, ${report.warnings.length ? report.warnings.map((w) => w.kind).join(", ") : "no warnings"}`,
  );
}

/**
 * Pids of live processes whose command line mentions `needle` (zombies left out). Read through grep, since Deno
 * grants /proc only with --allow-all.
 */
function processesWith(needle: string): number[] {
  const out = new Deno.Command("bash", {
    args: [
      "-c",
      'for f in $(grep -l -a -F -- "$1" /proc/[0-9]*/cmdline 2>/dev/null); do d=${f%/cmdline}; ' +
      '[ "${d#/proc/}" = "$$" ] && continue; s=$(cat "$d/status" 2>/dev/null) || continue; ' +
      'case "$s" in *"State:"*Z*"("zombie")"*) ;; "") ;; *) echo "${d#/proc/}";; esac; done',
      "faults",
      needle,
    ],
    stdout: "piped",
    stderr: "null",
  }).outputSync();
  return new TextDecoder().decode(out.stdout).split("\n").filter((l) => /^\d+$/.test(l)).map(Number)
    .filter((pid) => pid !== Deno.pid);
}

/**
 * Processes of a killed server still alive 3 s after it died (its children die with it through bwrap's
 * --die-with-parent, which takes a moment): killed now, and counted.
 */
async function leftovers(needle: string): Promise<number> {
  const deadline = Date.now() + 3000;
  let pids = processesWith(needle);
  while (pids.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    pids = processesWith(needle);
  }
  for (const pid of pids) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  return pids.length;
}

const SERVE = ["serve", "--confirm", "deny"];

function serve(t: FaultTarget, dir: string, ws: string, log: string, extra: string[] = []): ServerProc {
  return new ServerProc(t.argv, [...SERVE, "--workspace", ws, "--witness", log, ...extra], dir);
}

async function finish(p: ServerProc, lost: string[], what: string): Promise<void> {
  await p.end();
  const timer = setTimeout(() => p.kill(), 60_000);
  const status = await p.exited;
  clearTimeout(timer);
  if (status.code !== 0) {
    lost.push(`${what} exited with ${status.code}: ${p.stderr.trim().split("\n").slice(-3).join(" | ")}`);
  }
  if (p.garbage.length) lost.push(`${what} wrote ${p.garbage.length} stdout lines that are not JSON`);
}

// ---- the scenarios ------------------------------------------------------------------------------------------

function idKey(line: string): string | null {
  const text = line.endsWith("\r") ? line.slice(0, -1) : line;
  if (text.trim() === "") return null;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return "null";
  }
  if (typeof v !== "object" || v === null || Array.isArray(v) || !("id" in v)) return "null";
  const id = (v as { id: unknown }).id;
  if (typeof id === "string" && id.length <= 256) return JSON.stringify(id);
  if (typeof id === "number" && Number.isSafeInteger(id)) return JSON.stringify(id);
  return "null";
}

async function fuzzScenario(t: FaultTarget, n: number): Promise<FaultResult> {
  const started = performance.now();
  const seed = 20261201;
  const lost: string[] = [];
  const notes: string[] = [];
  const dir = fresh();
  const ws = join(dir, "ws");
  mkdirSync(ws);
  writeFileSync(join(ws, "a.txt"), "hello\n");
  // the lines as the server will split them (a mutation may have put a newline into one)
  const lines = fuzzLines(n, seed).join("\n").split("\n");
  lines.push('{"id":"fuzz-info","type":"info"}');
  const expected = new Map<string, number>();
  let nonBlank = 0;
  for (const line of lines) {
    const key = idKey(line);
    if (key === null) continue;
    nonBlank++;
    expected.set(key, (expected.get(key) ?? 0) + 1);
  }
  const p = serve(t, dir, ws, join(dir, "witness.log"));
  const text = lines.join("\n") + "\n";
  const chunk = 256 * 1024;
  for (let i = 0; i < text.length; i += chunk) await p.write(text.slice(i, i + chunk));
  await finish(p, lost, "the server");
  const got = new Map<string, number>();
  for (const a of p.answers) {
    if (a.type === "confirm_request") continue;
    // an id the protocol refuses (1e308, a 5000-char string) may come back as sent: it counts as null
    const valid = (typeof a.id === "string" && a.id.length <= 256) ||
      (typeof a.id === "number" && Number.isSafeInteger(a.id));
    const key = valid ? JSON.stringify(a.id) : "null";
    got.set(key, (got.get(key) ?? 0) + 1);
  }
  let diffs = 0;
  for (const key of new Set([...expected.keys(), ...got.keys()])) {
    const e = expected.get(key) ?? 0;
    const g = got.get(key) ?? 0;
    if (e !== g) {
      if (diffs++ < 5) lost.push(`id ${key.slice(0, 60)}: ${e} lines, ${g} answers`);
    }
  }
  if (diffs > 5) lost.push(`${diffs - 5} more ids with the wrong number of answers`);
  const info = p.answers.find((a) => a.id === "fuzz-info");
  if (info?.type !== "info") lost.push("`info` after the fuzz lines was not answered");
  notes.push(`${p.answers.length} answers to ${nonBlank} non-blank lines, ${got.size} distinct ids`);
  checkChain(join(dir, "witness.log"), lost, notes, 0);
  rmSync(dir, { recursive: true, force: true });
  return {
    scenario: "fuzz",
    target: t.name,
    tried: `${n} generated hostile lines (seed ${seed}), then info`,
    lost,
    notes,
    ms: performance.now() - started,
  };
}

async function killScenario(t: FaultTarget, rounds: number, burst: number): Promise<FaultResult> {
  const started = performance.now();
  const lost: string[] = [];
  const notes: string[] = [];
  const dir = fresh();
  const ws = join(dir, "ws");
  const log = join(dir, "witness.log");
  const okPaths: string[] = [];
  let killedAfter = 0;
  let left = 0;
  for (let r = 0; r < rounds; r++) {
    const p = serve(t, dir, ws, log);
    const body = Array.from({ length: burst }, (_, i) =>
      JSON.stringify({ id: `${r}-${i}`, tool: "write_file", args: { path: `k${r}-${i}.txt`, content: `${r}/${i}` } }))
      .join("\n") + "\n";
    void p.write(body);
    // kill it somewhere in the burst: after a random number of answers
    const after = 1 + ((r * 7919) % Math.max(1, Math.floor(burst * 0.8)));
    await p.answered(after, 30_000);
    p.kill("SIGKILL");
    await p.exited;
    killedAfter += p.answers.length;
    for (const a of p.answers) {
      if (a.type === "result" && a.ok === true) {
        okPaths.push(`k${String(a.id)}.txt`);
      }
    }
    left += await leftovers(ws);
  }
  // the restart on the same log: a clean session at the end
  const last = serve(t, dir, ws, log);
  const final = await last.request({ id: "final", tool: "write_file", args: { path: "final.txt", content: "end" } });
  if (final.ok !== true) lost.push(`the restarted server did not write: ${JSON.stringify(final).slice(0, 200)}`);
  else okPaths.push("final.txt");
  await finish(last, lost, "the restarted server");
  const files = audit(ws, log, okPaths, lost);
  checkChain(log, lost, notes, rounds);
  notes.push(
    `${rounds} kills after ${Math.round(killedAfter / rounds)} answers on average; ${files} files written, ` +
      `${okPaths.length} answered ok; every file has its gate line`,
  );
  if (left > 0) notes.push(`${left} processes of killed servers were still running (killed now)`);
  rmSync(dir, { recursive: true, force: true });
  return {
    scenario: "kill -9",
    target: t.name,
    tried:
      `${rounds} × (a burst of ${burst} pipelined write_file calls, kill -9 mid-burst), then a restart on the same log`,
    lost,
    notes,
    ms: performance.now() - started,
  };
}

async function diskScenario(t: FaultTarget): Promise<FaultResult> {
  const started = performance.now();
  const lost: string[] = [];
  const notes: string[] = [];
  const tried = "the log alone on a 64 KiB tmpfs, 40 KiB taken by a filler: write_file calls until the disk is full, " +
    "the filler removed, then 10 more calls";
  const fs = mountTmpfs(64 * 1024);
  if ("reason" in fs) {
    return { scenario: "full disk", target: t.name, tried, lost, notes, skipped: fs.reason, ms: 0 };
  }
  const dir = fresh();
  try {
    const ws = join(dir, "ws");
    const log = join(fs.path, "witness.log");
    writeFileSync(join(fs.path, "filler"), "f".repeat(40 * 1024));
    const p = serve(t, dir, ws, log);
    const okPaths: string[] = [];
    const denied: string[] = [];
    let afterFree = 0;
    for (let i = 0; i < 1000 && afterFree < 10; i++) {
      const path = `d${i}-${"n".repeat(200)}.txt`;
      const a = await p.request({ id: i, tool: "write_file", args: { path, content: "x" } });
      if (a.ok === true) {
        okPaths.push(path);
        if (denied.length > 0) afterFree++;
      } else if (a.errorCode === "witness_unavailable") {
        denied.push(path);
        if (denied.length === 1) rmSync(join(fs.path, "filler"));
      } else {
        lost.push(`call ${i}: unexpected ${JSON.stringify(a).slice(0, 200)}`);
        break;
      }
    }
    await finish(p, lost, "the server");
    if (denied.length === 0) lost.push("the disk never filled: the scenario tested nothing");
    if (afterFree < 10) lost.push(`after space was freed only ${afterFree} calls went through`);
    for (const d of denied) if (existsSync(join(ws, d))) lost.push(`${d.slice(0, 12)}… was denied but written`);
    const files = audit(ws, log, okPaths, lost);
    checkChain(log, lost, notes, 1);
    notes.push(`${okPaths.length} calls ran (${files} files), ${denied.length} denied with witness_unavailable`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    fs.unmount();
  }
  return { scenario: "full disk", target: t.name, tried, lost, notes, ms: performance.now() - started };
}

async function removedScenario(t: FaultTarget): Promise<FaultResult> {
  const started = performance.now();
  const lost: string[] = [];
  const notes: string[] = [];
  const faults: Array<[string, (logDir: string, log: string) => void]> = [
    ["the log file removed", (_d, log) => rmSync(log)],
    ["its folder removed", (d) => rmSync(d, { recursive: true })],
    ["the log replaced by another file", (d, log) => {
      writeFileSync(join(d, "other"), "");
      renameSync(join(d, "other"), log);
    }],
  ];
  for (const [what, apply] of faults) {
    const dir = fresh();
    const ws = join(dir, "ws");
    const logDir = join(dir, "logs");
    mkdirSync(logDir);
    const log = join(logDir, "witness.log");
    const p = serve(t, dir, ws, log);
    const first = await p.request({ id: 0, tool: "write_file", args: { path: "before.txt", content: "x" } });
    if (first.ok !== true) lost.push(`${what}: the first call failed: ${JSON.stringify(first).slice(0, 200)}`);
    apply(logDir, log);
    const messages = new Set<string>();
    let denied = 0;
    for (let i = 1; i <= 10; i++) {
      const a = await p.request({ id: i, tool: "write_file", args: { path: `after${i}.txt`, content: "x" } });
      if (a.errorCode === "witness_unavailable") {
        denied++;
        messages.add(String(a.error).replace(/"[^"]*"/g, "…").slice(0, 90));
      } else lost.push(`${what}: call ${i} was not denied: ${a.errorCode}`);
      if (existsSync(join(ws, `after${i}.txt`))) lost.push(`${what}: after${i}.txt was written with no log`);
    }
    await p.end();
    await p.exited;
    notes.push(`${what}: ${denied} of 10 later calls denied${messages.size ? ` (${[...messages][0]}…)` : ""}`);
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    scenario: "log removed",
    target: t.name,
    tried: "a running server's log file removed, its folder removed, the file replaced; 10 calls after each",
    lost,
    notes,
    ms: performance.now() - started,
  };
}

async function serversScenario(ts: FaultTarget[], label: string, calls: number): Promise<FaultResult> {
  const started = performance.now();
  const lost: string[] = [];
  const notes: string[] = [];
  const dir = fresh();
  const ws = join(dir, "ws");
  mkdirSync(ws);
  writeFileSync(join(ws, "shared.txt"), "shared\n");
  const log = join(dir, "witness.log");
  const procs = ts.map((t) => serve(t, dir, ws, log));
  await Promise.all(procs.map(async (p, s) => {
    const body: string[] = [];
    for (let i = 0; i < calls; i++) {
      body.push(JSON.stringify(
        i % 2 === 0
          ? { id: i, tool: "write_file", args: { path: `s${s}-${i}.txt`, content: `${s}:${i}` } }
          : { id: i, tool: "read_file", args: { path: "shared.txt" } },
      ));
    }
    await p.write(body.join("\n") + "\n");
    await p.answered(calls, 120_000);
    await finish(p, lost, `server ${s}`);
    const ok = p.answers.filter((a) => a.type === "result" && a.ok === true).length;
    if (ok !== calls) lost.push(`server ${s}: ${ok} of ${calls} calls answered ok`);
  }));
  const report = verifyLog(log);
  const expectedLines = ts.length * (2 + 2 * calls);
  if (report.lines !== expectedLines) lost.push(`the log has ${report.lines} lines, expected ${expectedLines}`);
  for (const p of report.problems.slice(0, 5)) lost.push(`log verify: line ${p.line}: ${p.kind}: ${p.message}`);
  if (report.problemCount > 5) lost.push(`log verify: ${report.problemCount - 5} more problems`);
  notes.push(
    `${report.lines} lines from ${ts.length} servers, ${report.problemCount} problems${
      report.problemCount === 0 ? ": one chain" : ""
    }`,
  );
  const okPaths: string[] = [];
  for (let s = 0; s < ts.length; s++) for (let i = 0; i < calls; i += 2) okPaths.push(`s${s}-${i}.txt`);
  audit(ws, log, okPaths, lost, ["shared.txt"]);
  rmSync(dir, { recursive: true, force: true });
  return {
    scenario: `${ts.length} servers`,
    target: label,
    tried: `${ts.length} servers at once on one log and workspace, ${calls} pipelined calls each`,
    lost,
    notes,
    ms: performance.now() - started,
  };
}

async function execScenario(t: FaultTarget, processes: number, parallel: number): Promise<FaultResult> {
  const started = performance.now();
  const lost: string[] = [];
  const notes: string[] = [];
  const dir = fresh();
  const ws = join(dir, "ws");
  const log = join(dir, "witness.log");
  let next = 0;
  const okPaths: string[] = [];
  const worker = async () => {
    while (next < processes) {
      const i = next++;
      const out = await new Deno.Command(t.argv[0] as string, {
        args: [
          ...t.argv.slice(1),
          "exec",
          "write_file",
          "--args",
          JSON.stringify({ path: `e${i}.txt`, content: String(i) }),
          "--confirm",
          "deny",
          "--workspace",
          ws,
          "--witness",
          log,
        ],
        cwd: dir,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1" },
      }).output();
      const text = new TextDecoder().decode(out.stdout).trim();
      let r: Record<string, unknown> = {};
      try {
        r = JSON.parse(text);
      } catch {
        lost.push(
          `exec ${i}: no JSON result (exit ${out.code}): ${new TextDecoder().decode(out.stderr).slice(0, 200)}`,
        );
      }
      if (r.ok === true && out.code === 0) okPaths.push(`e${i}.txt`);
      else if (r.ok !== undefined) lost.push(`exec ${i}: ${JSON.stringify(r).slice(0, 200)}`);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  const report = verifyLog(log);
  if (report.lines !== processes * 4) lost.push(`the log has ${report.lines} lines, expected ${processes * 4}`);
  for (const p of report.problems.slice(0, 5)) lost.push(`log verify: line ${p.line}: ${p.kind}: ${p.message}`);
  audit(ws, log, okPaths, lost);
  notes.push(
    `${report.lines} lines from ${processes} processes, ${report.problemCount} problems${
      report.problemCount === 0 ? ": one chain" : ""
    }`,
  );
  rmSync(dir, { recursive: true, force: true });
  return {
    scenario: "exec processes",
    target: t.name,
    tried: `${processes} short-lived \`safe-exec exec write_file\` processes, ${parallel} at a time, on one log`,
    lost,
    notes,
    ms: performance.now() - started,
  };
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? NaN;
}

async function sessionScenario(t: FaultTarget, total: number): Promise<FaultResult> {
  const started = performance.now();
  const lost: string[] = [];
  const notes: string[] = [];
  const dir = fresh();
  const ws = join(dir, "ws");
  mkdirSync(ws);
  writeFileSync(join(ws, "f.txt"), "hello\n");
  const p = serve(t, dir, ws, join(dir, "witness.log"));
  const points = [100, 10_000, 100_000].filter((n) => n <= total);
  if (!points.includes(total)) points.push(total);
  const call = (id: number) => ({ id, tool: "read_file", args: { path: "f.txt" } });
  let done = 0;
  const sample = async (at: number) => {
    const times: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t0 = performance.now();
      const a = await p.request(call(done++));
      times.push(performance.now() - t0);
      if (a.ok !== true) lost.push(`call ${done - 1}: ${JSON.stringify(a).slice(0, 200)}`);
    }
    const rss = p.rssMiB();
    notes.push(
      `at call ${at}: p50 ${quantile(times, 0.5).toFixed(3)} ms, p99 ${quantile(times, 0.99).toFixed(3)} ms ` +
        `(100 sequential round trips), RSS ${rss === null ? "n/a" : rss.toFixed(1) + " MiB"}`,
    );
  };
  for (const at of points) {
    // pipelined batches up to 100 calls before the point, then 100 timed round trips
    while (done < at - 100) {
      const n = Math.min(1000, at - 100 - done);
      const from = p.answers.length;
      const body: string[] = [];
      for (let i = 0; i < n; i++) body.push(JSON.stringify(call(done++)));
      await p.write(body.join("\n") + "\n");
      if (!await p.answered(from + n, 120_000)) {
        lost.push(`no answers to a batch of ${n} calls before call ${done}`);
        break;
      }
    }
    await sample(at);
  }
  await finish(p, lost, "the server");
  const answered = p.answers.filter((a) => a.type === "result").length;
  if (answered !== done) lost.push(`${done} calls sent, ${answered} answered`);
  rmSync(dir, { recursive: true, force: true });
  return {
    scenario: "session",
    target: t.name,
    tried: `one session of ${total} read_file calls`,
    lost,
    notes,
    ms: performance.now() - started,
  };
}

// ---- the run ------------------------------------------------------------------------------------------------

/** Run the fault suite; resolves to every result and the number of losses. */
export async function runFaults(options: FaultOptions = {}): Promise<{ results: FaultResult[]; lost: number }> {
  const out = options.out ?? ((l: string) => console.log(l));
  const long = options.long ?? false;
  const want = (s: string) => !options.only || options.only.includes(s);
  const { targets: all, missing } = faultTargets();
  const targets = all.filter((t) =>
    !options.targets || options.targets.some((w) => t.name.startsWith(w === "deno" ? "deno" : w))
  );
  for (const m of missing) out(`faults: SKIPPING a target: ${m}`);
  out(`faults: ${long ? "long" : "bounded"} run on ${targets.map((t) => t.name).join(" and ")}`);
  const results: FaultResult[] = [];
  const report = (r: FaultResult) => {
    results.push(r);
    const head = `faults: [${r.target}] ${r.scenario}: ${r.tried}`;
    if (r.skipped) {
      out(`${head}: SKIPPED: ${r.skipped}`);
      return;
    }
    out(`${head}: ${r.lost.length} lost (${(r.ms / 1000).toFixed(1)} s)`);
    for (const n of r.notes) out(`    ${n}`);
    for (const l of r.lost) out(`    LOST: ${l}`);
  };
  const sizes = long
    ? { fuzz: 100_000, kills: 20, burst: 400, calls: 2000, execs: 200, session: 100_000 }
    : { fuzz: 20_000, kills: 20, burst: 200, calls: 200, execs: 24, session: 10_000 };
  for (const t of targets) {
    if (want("fuzz")) report(await fuzzScenario(t, sizes.fuzz));
    if (want("kill")) report(await killScenario(t, sizes.kills, sizes.burst));
    if (want("disk")) report(await diskScenario(t));
    if (want("removed")) report(await removedScenario(t));
    if (want("servers")) {
      report(await serversScenario([t, t], t.name, sizes.calls));
      report(await serversScenario(Array(8).fill(t), t.name, sizes.calls));
    }
    if (want("exec")) report(await execScenario(t, sizes.execs, 8));
    if (want("session")) report(await sessionScenario(t, sizes.session));
  }
  if (want("servers") && targets.length > 1) {
    const mixed = Array.from({ length: 8 }, (_, i) => targets[i % targets.length] as FaultTarget);
    report(await serversScenario(mixed, targets.map((t) => t.name).join(" + "), sizes.calls));
  }
  const lost = results.reduce((n, r) => n + r.lost.length, 0);
  const ran = results.filter((r) => !r.skipped).length;
  const skipped = results.filter((r) => r.skipped);
  out(
    `faults: ${ran} scenario runs on ${targets.length} targets${
      skipped.length ? `, ${skipped.length} skipped (${[...new Set(skipped.map((s) => s.skipped))].join("; ")})` : ""
    }: ${lost} lost`,
  );
  return { results, lost };
}

if (import.meta.main) {
  const args = [...Deno.args];
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i === -1 ? undefined : args[i + 1];
  };
  const only = flag("--only");
  const target = flag("--target");
  const { lost } = await runFaults({
    long: args.includes("--long"),
    ...(only ? { only: only.split(",") } : {}),
    ...(target ? { targets: target.split(",") } : {}),
  });
  Deno.exit(lost === 0 ? 0 : 1);
}
