/**
 * The witness log under faults (SPEC §4.1): a log removed or replaced under a running writer, a disk that fills
 * in the middle of a line, and many writers (threads of one process, Deno and Bun processes) on one file.
 */
import assert from "node:assert/strict";
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SafeExecutor } from "../../src/gate/executor.ts";
import { verifyLog, type WitnessEntry, WitnessLog, WitnessUnavailableError } from "../../src/witness/mod.ts";
import { mountTmpfs } from "../../_tools/_tmpfs.ts";
import { tempDir as makeTemp } from "../_temp.ts";

function tempDir(): string {
  return makeTemp("witness-writers-");
}

function sha(bytes: string): string {
  return createHash("sha256").update(bytes, "utf8").digest("hex");
}

const entry = (i: number): WitnessEntry => ({
  event: "gate",
  tool: "write_file",
  decision: "allow",
  details: { risk: "medium", args: { path: `f${i}.txt`, pad: "p".repeat(200) } },
});

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

// ---- 1. a log removed or replaced under a running writer -------------------------------------------------

Deno.test("witness: a log file removed under a running writer refuses every later line, and says so", () => {
  const dir = tempDir();
  const path = join(dir, "witness.log");
  const log = new WitnessLog(path);
  log.append(entry(0));
  const keep = join(dir, "kept-inode");
  linkSync(path, keep); // a second name for the inode, to see what would have gone into the unlinked file
  rmSync(path);
  for (let i = 1; i <= 3; i++) {
    const err = thrown(() => log.append(entry(i)));
    assert.ok(err instanceof WitnessUnavailableError, `append ${i} after rm: expected a refusal, got ${err}`);
    assert.equal(err.code, "witness_unavailable");
    assert.match(err.message, /was removed after it was opened/);
  }
  assert.equal(readFileSync(keep, "utf8").split("\n").length, 2, "no line went into the unlinked file");
  assert.equal(existsSync(path), false, "the log is not silently created again");
  log.close();
});

Deno.test("witness: a log whose folder was removed or moved away refuses the next line", () => {
  const dir = tempDir();
  mkdirSync(join(dir, "logs"));
  const path = join(dir, "logs", "witness.log");
  const log = new WitnessLog(path);
  log.append(entry(0));
  renameSync(join(dir, "logs"), join(dir, "moved"));
  const err = thrown(() => log.append(entry(1)));
  assert.ok(err instanceof WitnessUnavailableError, `expected a refusal, got ${err}`);
  assert.match(err.message, /was removed after it was opened \(or its folder was\)/);
  assert.equal(readFileSync(join(dir, "moved", "witness.log"), "utf8").split("\n").length, 2);
  log.close();
  rmSync(join(dir, "moved"), { recursive: true });
  mkdirSync(join(dir, "logs"));
  const log2 = new WitnessLog(path);
  log2.append(entry(0));
  rmSync(join(dir, "logs"), { recursive: true });
  assert.match(String(thrown(() => log2.append(entry(1)))), /was removed after it was opened/);
  log2.close();
});

Deno.test("witness: a log replaced by another file under a running writer refuses the next line", () => {
  const dir = tempDir();
  const path = join(dir, "witness.log");
  const log = new WitnessLog(path);
  log.append(entry(0));
  const old = join(dir, "old.log");
  linkSync(path, old);
  writeFileSync(join(dir, "other"), "");
  renameSync(join(dir, "other"), path);
  const err = thrown(() => log.append(entry(1)));
  assert.ok(err instanceof WitnessUnavailableError, `expected a refusal, got ${err}`);
  assert.match(err.message, /was replaced by another file after it was opened/);
  assert.equal(readFileSync(path, "utf8"), "", "nothing written into the new file");
  assert.equal(readFileSync(old, "utf8").split("\n").length, 2, "nothing written into the old one");
  log.close();
});

Deno.test("executor: after the log is removed, calls are denied with witness_unavailable and do not run", async () => {
  const dir = tempDir();
  const path = join(dir, "witness.log");
  const ex = new SafeExecutor({ workspace: join(dir, "ws"), witness: path });
  let runs = 0;
  ex.register("touch", { risk: "low" }, (args) => {
    runs++;
    writeFileSync(join(dir, "ws", String(args.name)), "x");
    return "ok";
  });
  assert.equal((await ex.execute("touch", { name: "a" })).ok, true);
  rmSync(path);
  for (let i = 0; i < 5; i++) {
    const r = await ex.execute("touch", { name: `b${i}` });
    assert.equal(r.ok, false);
    assert.equal(r.skipped, true);
    assert.equal(r.errorCode, "witness_unavailable");
    assert.match(String(r.error), /was removed after it was opened/);
  }
  assert.equal(runs, 1);
  assert.equal(existsSync(join(dir, "ws", "b0")), false);
  ex.close();
});

// ---- 2. a disk that fills in the middle of a line ----------------------------------------------------------

/** Fill a small tmpfs, append until lines fail, free the space, append again; returns what happened. */
function fillScript(mount: string, runtimeLabel: string): string {
  const mod = fileURLToPath(new URL("../../src/witness/mod.ts", import.meta.url));
  const script = join(tempDir(), `fill-${runtimeLabel}.ts`);
  writeFileSync(
    script,
    `import { rmSync, writeFileSync } from "node:fs";
import { WitnessLog } from ${JSON.stringify(mod)};
const dir = ${JSON.stringify(mount)};
writeFileSync(dir + "/filler", "x".repeat(8192));
const log = new WitnessLog(dir + "/witness.log");
const results = [];
let failures = 0;
let afterFree = 0;
for (let i = 0; i < 60 && afterFree < 5; i++) {
  try {
    results.push("ok " + log.append({ event: "metrics", tool: null, decision: null, details: { pad: "p".repeat(290), i } }).seq);
    if (failures >= 2) afterFree++;
  } catch (err) {
    results.push(String(err.osCode));
    if (++failures === 2) rmSync(dir + "/filler");
  }
}
log.close();
console.log(JSON.stringify(results));
`,
  );
  return script;
}

function checkFilledLog(mount: string, results: string[]): void {
  const failed = results.filter((r) => !r.startsWith("ok"));
  assert.equal(failed.length, 2, `the disk filled once, two appends failed: ${results.join(", ")}`);
  assert.deepEqual(results.slice(-5), results.slice(-5).map((r) => r.startsWith("ok") ? r : "ok"), "then 5 went in");
  assert.ok(failed.every((r) => r === "ENOSPC"), results.join(", "));
  const text = readFileSync(join(mount, "witness.log"), "utf8");
  const lines = text.split("\n");
  const last = lines.pop();
  // after the space was freed the log goes on: every whole line is alone on its line, never glued to a cut one
  for (const [i, line] of lines.entries()) {
    const glued = line.indexOf('{"seq":', 1);
    assert.equal(glued, -1, `line ${i + 1} holds two lines glued together: ${line.slice(0, 80)}…`);
  }
  const report = verifyLog(join(mount, "witness.log"));
  const whole = results.filter((r) => r.startsWith("ok")).length;
  const cut = lines.length - whole;
  assert.ok(cut <= 1, `at most the one line that hit the full disk is cut, found ${cut}`);
  assert.deepEqual(report.problems.map((p) => p.kind), cut === 1 ? ["cut"] : [], JSON.stringify(report.problems));
  if (cut === 1) {
    const at = report.problems[0]!.line;
    assert.equal(
      JSON.parse(lines[at] as string).prev,
      sha(lines[at - 1] as string),
      "the chain continues past the cut",
    );
  }
  // the last line is the last whole append, and the chain ends there
  assert.ok(last === "" || last === undefined, "the file ends with a newline after the last whole line");
}

const tmpfsProbe = mountTmpfs(16 * 1024);
const tmpfsReason = "reason" in tmpfsProbe ? tmpfsProbe.reason : null;
if ("unmount" in tmpfsProbe) tmpfsProbe.unmount();
if (tmpfsReason) console.log(`witness_writers_test: SKIPPING the full-disk tests: ${tmpfsReason}`);

const bunPath = fileURLToPath(new URL("../../node_modules/.bin/bun", import.meta.url));
const haveBun = existsSync(bunPath);
if (!haveBun) console.log(`witness_writers_test: SKIPPING the Bun runs: ${bunPath} is missing`);

for (const runtime of ["deno", "bun"] as const) {
  Deno.test({
    name: `witness (${runtime}): a disk that fills mid-line leaves one cut line; the next line starts fresh`,
    ignore: tmpfsReason !== null || (runtime === "bun" && !haveBun),
    fn() {
      const fs = mountTmpfs(16 * 1024);
      if ("reason" in fs) throw new Error(fs.reason);
      try {
        const script = fillScript(fs.path, runtime);
        const argv = runtime === "deno" ? [Deno.execPath(), "run", "-A", "--no-config", script] : [bunPath, script];
        const out = new Deno.Command(argv[0] as string, { args: argv.slice(1), stdout: "piped", stderr: "piped" })
          .outputSync();
        assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
        checkFilledLog(fs.path, JSON.parse(new TextDecoder().decode(out.stdout)));
      } finally {
        fs.unmount();
      }
    },
  });
}

Deno.test({
  name:
    "executor: a call whose gate line hits a full disk is denied and does not run; every call that ran has its whole gate line",
  ignore: tmpfsReason !== null,
  async fn() {
    const fs = mountTmpfs(16 * 1024);
    if ("reason" in fs) throw new Error(fs.reason);
    const dir = tempDir();
    try {
      writeFileSync(join(fs.path, "filler"), "x".repeat(8192));
      const ex = new SafeExecutor({ workspace: join(dir, "ws"), witness: join(fs.path, "witness.log") });
      const ran: string[] = [];
      let ranAfterFull = 0;
      ex.register("touch", { risk: "low" }, (args) => {
        ran.push(String(args.name));
        if (denied.length > 0) ranAfterFull++;
        return "ok";
      });
      const denied: string[] = [];
      for (let i = 0; i < 80; i++) {
        const name = `file-${i}-${"n".repeat(150)}`;
        const r = await ex.execute("touch", { name });
        if (r.errorCode === "witness_unavailable") {
          denied.push(name);
          if (denied.length === 1) rmSync(join(fs.path, "filler")); // space again: the next lines fit
        } else assert.equal(r.ok, true, JSON.stringify(r));
      }
      ex.close();
      assert.ok(denied.length > 0, "the disk never filled");
      assert.ok(ranAfterFull >= 3, `calls ran again once there was space: ${ranAfterFull}`);
      const whole = readFileSync(join(fs.path, "witness.log"), "utf8").split("\n").flatMap((l) => {
        try {
          return [JSON.parse(l)];
        } catch {
          return [];
        }
      });
      const gated = new Set(whole.filter((l) => l.event === "gate").map((l) => l.details.args.name));
      for (const name of ran) assert.ok(gated.has(name), `${name.slice(0, 10)}… ran without a whole gate line`);
      for (const name of denied) assert.ok(!ran.includes(name), `${name.slice(0, 10)}… ran though it was denied`);
    } finally {
      fs.unmount();
    }
  },
});

// ---- 4. many writers on one log ---------------------------------------------------------------------------

Deno.test("witness: two writers of one process on one log keep one chain", () => {
  const path = join(tempDir(), "witness.log");
  const a = new WitnessLog(path);
  const b = new WitnessLog(path);
  for (let i = 0; i < 50; i++) {
    a.append(entry(i));
    b.append(entry(i));
    if (i % 7 === 0) b.append(entry(i));
  }
  a.close();
  b.close();
  const report = verifyLog(path);
  assert.deepEqual(report.problems, []);
  assert.equal(report.lines, 108);
});

/** A writer that appends from `start` (epoch ms) for `ms` ms and prints how many lines it wrote. */
function writerScript(path: string): string {
  const mod = fileURLToPath(new URL("../../src/witness/mod.ts", import.meta.url));
  const script = join(tempDir(), "writer.ts");
  writeFileSync(
    script,
    `import { WitnessLog } from ${JSON.stringify(mod)};
const [start, ms, who] = (globalThis.Deno ? Deno.args : process.argv.slice(2)).map((a, i) => i < 2 ? Number(a) : a);
const log = new WitnessLog(${JSON.stringify(path)});
while (Date.now() < start) {}
let n = 0;
while (Date.now() < start + ms) {
  log.append({ event: "gate", tool: "read_file", decision: "allow", details: { who, n } });
  n++;
}
log.close();
console.log(n);
`,
  );
  return script;
}

Deno.test("witness: Deno and Bun processes appending to one log at once keep one valid chain", async () => {
  const path = join(tempDir(), "witness.log");
  const script = writerScript(path);
  const start = Date.now() + 2500;
  const argvs: string[][] = [
    [Deno.execPath(), "run", "-A", "--no-config", script, String(start), "700", "deno-a"],
    [Deno.execPath(), "run", "-A", "--no-config", script, String(start), "700", "deno-b"],
  ];
  if (haveBun) {
    argvs.push([bunPath, script, String(start), "700", "bun-a"], [bunPath, script, String(start), "700", "bun-b"]);
  }
  const outs = await Promise.all(
    argvs.map((argv) =>
      new Deno.Command(argv[0] as string, { args: argv.slice(1), stdout: "piped", stderr: "piped" }).output()
    ),
  );
  let total = 0;
  for (const out of outs) {
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    total += Number(new TextDecoder().decode(out.stdout).trim());
  }
  const report = verifyLog(path);
  assert.deepEqual(report.problems.slice(0, 3), [], `${report.problems.length} problems`);
  assert.equal(report.lines, total);
  const who = new Set(readFileSync(path, "utf8").trim().split("\n").map((l) => JSON.parse(l).details.who));
  assert.equal(who.size, argvs.length, "every writer got lines in");
  assert.ok(statSync(path).size > 0);
});
