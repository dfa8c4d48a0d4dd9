import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runLogCommand } from "../src/log_cmd.ts";
import { WitnessLog } from "../src/witness.ts";

function run(args: string[]): { code: number; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const code = runLogCommand(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

function makeLog(n: number): string {
  const path = join(mkdtempSync(join(tmpdir(), "log-cmd-test-")), "witness.log");
  const log = new WitnessLog(path);
  for (let i = 0; i < n; i++) {
    log.append({
      event: "gate",
      tool: i % 2 ? "run_bash" : "read_file",
      decision: i % 2 ? "ask" : "allow",
      details: { i },
    });
  }
  log.close();
  return path;
}

Deno.test("log verify: ok prints the line count and head, exit 0", () => {
  const path = makeLog(4);
  const last = readFileSync(path, "utf8").trimEnd().split("\n").at(-1) as string;
  const head = createHash("sha256").update(last).digest("hex");
  assert.deepEqual(run(["verify", path]), { code: 0, out: [`ok: 4 lines, head ${head}`], err: [] });
});

Deno.test("log verify: a broken log prints the reason, exit 1", () => {
  const path = makeLog(4);
  const text = readFileSync(path, "utf8");
  writeFileSync(path, text.replace('"i":1', '"i":7'));
  const r = run(["verify", path]);
  assert.equal(r.code, 1);
  assert.equal(r.out.length, 1);
  assert.match(r.out[0] as string, /^broken: line 3: prev does not match the sha256 of line 2 \(expected /);
});

Deno.test("log verify/stats/tail: an unreadable file is exit 1 with the path on stderr", () => {
  const missing = join(mkdtempSync(join(tmpdir(), "log-cmd-test-")), "nope.log");
  for (const sub of ["verify", "stats", "tail"]) {
    const r = run([sub, missing]);
    assert.equal(r.code, 1, sub);
    assert.deepEqual(r.out, []);
    assert.equal(r.err.length, 1);
    assert.ok((r.err[0] as string).includes(JSON.stringify(missing)), r.err[0]);
    assert.ok((r.err[0] as string).includes("ENOENT"), r.err[0]);
  }
});

Deno.test("log stats: prints the counts as one line of JSON", () => {
  const path = makeLog(5);
  const r = run(["stats", path]);
  assert.equal(r.code, 0);
  assert.equal(r.out.length, 1);
  const stats = JSON.parse(r.out[0] as string);
  assert.equal(stats.total, 5);
  assert.deepEqual(stats.byTool, { read_file: 3, run_bash: 2 });
  assert.equal(stats.asked, 2);
  assert.equal(stats.allowed, 3);
});

Deno.test("log tail: default 20 lines and -n N", () => {
  const path = makeLog(30);
  const all = readFileSync(path, "utf8").trimEnd().split("\n");
  assert.deepEqual(run(["tail", path]), { code: 0, out: all.slice(-20), err: [] });
  assert.deepEqual(run(["tail", path, "-n", "3"]).out, all.slice(-3));
  assert.deepEqual(run(["tail", "-n", "2", path]).out, all.slice(-2));
  assert.deepEqual(run(["tail", "-n=1", path]).out, all.slice(-1));
  assert.deepEqual(run(["tail", path, "-n", "0"]), { code: 0, out: [], err: [] });
});

Deno.test("log: FILE defaults to ./witness.log", () => {
  const dir = mkdtempSync(join(tmpdir(), "log-cmd-test-"));
  const cwd = Deno.cwd();
  Deno.chdir(dir);
  try {
    const log = new WitnessLog("witness.log");
    log.append({ event: "session", tool: null, decision: null, details: {} });
    log.close();
    const r = run(["verify"]);
    assert.equal(r.code, 0);
    assert.match(r.out[0] as string, /^ok: 1 lines, head [0-9a-f]{64}$/);
  } finally {
    Deno.chdir(cwd);
  }
});

Deno.test("log: usage errors are exit 2 with one line pointing to --help", () => {
  const path = makeLog(1);
  const cases: string[][] = [
    [],
    ["frobnicate"],
    ["verify", path, "other"],
    ["verify", "-n", "3", path],
    ["tail", path, "-n"],
    ["tail", path, "-n", "x"],
    ["tail", path, "-n", "-1"],
    ["stats", "--bogus"],
  ];
  for (const args of cases) {
    const r = run(args);
    assert.equal(r.code, 2, JSON.stringify(args));
    assert.deepEqual(r.out, []);
    assert.equal(r.err.length, 1, JSON.stringify(r.err));
    assert.match(r.err[0] as string, /^safe-exec log: .+ \(see safe-exec --help\)$/);
  }
});

Deno.test("log --help prints the usage, exit 0", () => {
  const r = run(["--help"]);
  assert.equal(r.code, 0);
  assert.match(r.out[0] as string, /^usage: safe-exec log stats\|verify\|tail/);
});
