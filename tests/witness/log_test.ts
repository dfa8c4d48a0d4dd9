import assert from "node:assert/strict";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  GENESIS_PREV,
  statsOfFile,
  tailLog,
  verifyLog,
  type WitnessEntry,
  WitnessLog,
  WitnessUnavailableError,
} from "../../src/witness/mod.ts";
import { redactArgs } from "../../src/gate/redact.ts";
import { tempDir as makeTemp } from "../_temp.ts";

function tempDir(): string {
  return makeTemp("witness-test-");
}

function sha(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function lines(path: string): string[] {
  const text = readFileSync(path, "utf8");
  assert.ok(text.endsWith("\n"), "the file ends with a newline");
  return text.slice(0, -1).split("\n");
}

const gate = (i = 0): WitnessEntry => ({
  event: "gate",
  tool: "run_bash",
  decision: "ask",
  details: { rationale: "risk=high fatigue=0.41", risk: "high", fatigue: 0.41, args: { cmd: `echo ${i}` } },
});

function writeLog(n: number): string {
  const path = join(tempDir(), "witness.log");
  const log = new WitnessLog(path);
  for (let i = 0; i < n; i++) log.append(gate(i));
  log.close();
  return path;
}

function assertUnavailable(fn: () => unknown, osCode?: string): WitnessUnavailableError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof WitnessUnavailableError, `expected WitnessUnavailableError, got ${caught}`);
  assert.equal(caught.code, "witness_unavailable");
  assert.match(caught.message, /^Cannot write the witness log ".*": .+\. The call is denied: no unlogged execution\.$/);
  if (osCode !== undefined) {
    assert.equal(caught.osCode, osCode);
    assert.ok(caught.message.includes(`: ${osCode}: `), caught.message);
  }
  return caught;
}

Deno.test("witness: the chain starts at seq 1 with 64 zeros and links every line", () => {
  const path = join(tempDir(), "witness.log");
  const fixed = new Date("2026-04-21T10:23:01.120Z");
  const log = new WitnessLog(path, { now: () => fixed });
  const first = log.append({ event: "session", tool: null, decision: null, details: { action: "start" } });
  const second = log.append(gate());
  log.close();
  assert.equal(first.seq, 1);
  assert.equal(first.prev, GENESIS_PREV);
  assert.equal(second.seq, 2);
  const [l1, l2] = lines(path) as [string, string];
  assert.equal(
    l1,
    `{"seq":1,"ts":"2026-04-21T10:23:01.120Z","event":"session","tool":null,"decision":null,` +
      `"details":{"action":"start"},"prev":"${"0".repeat(64)}"}`,
  );
  assert.equal(second.prev, sha(l1));
  assert.deepEqual(Object.keys(JSON.parse(l2)), ["seq", "ts", "event", "tool", "decision", "details", "prev"]);
  assert.deepEqual(JSON.parse(l2), { ...second });
});

Deno.test("witness: the file is opened lazily", () => {
  const path = join(tempDir(), "witness.log");
  const log = new WitnessLog(path);
  assert.throws(() => statSync(path), /ENOENT|no such file/i);
  log.append(gate());
  assert.ok(statSync(path).isFile());
  log.close();
});

Deno.test("witness: a second WitnessLog continues the chain of an existing file", () => {
  const path = writeLog(3);
  const log = new WitnessLog(path);
  const line = log.append(gate(3));
  log.append(gate(4));
  log.close();
  assert.equal(line.seq, 4);
  const all = lines(path);
  assert.equal(all.length, 5);
  assert.equal(line.prev, sha(all[2] as string));
  const report = verifyLog(path);
  assert.equal(report.ok, true);
  assert.equal(report.lines, 5);
  assert.equal(report.head, sha(all[4] as string));
});

Deno.test("witness: continuing reads only the end of a file with lines longer than the read chunk", () => {
  const path = join(tempDir(), "witness.log");
  const log = new WitnessLog(path);
  for (let i = 0; i < 5; i++) {
    log.append({ event: "metrics", tool: null, decision: null, details: { pad: "x".repeat(20_000 + i) } });
  }
  log.close();
  const again = new WitnessLog(path);
  assert.equal(again.append(gate()).seq, 6);
  again.close();
  assert.equal(verifyLog(path).ok, true);
});

Deno.test("witness: a cut last line is terminated, chained to and reported by verify", () => {
  const path = writeLog(3);
  const text = readFileSync(path, "utf8");
  const cut = text.slice(0, -40); // a crash in the middle of line 3
  writeFileSync(path, cut);
  const cutLine = cut.slice(cut.lastIndexOf("\n") + 1);
  const log = new WitnessLog(path);
  const line = log.append(gate(9));
  log.close();
  assert.equal(line.seq, 4, "the cut line keeps its seq 3");
  assert.equal(line.prev, sha(cutLine));
  const all = lines(path);
  assert.equal(all.length, 4);
  assert.equal(all[2], cutLine);
  const result = verifyLog(path);
  assert.deepEqual(result.problems.map((p) => `${p.kind}@${p.line}`), ["cut@3"]);
  assert.match(result.problems[0]!.message, /not valid JSON/);
});

Deno.test("witness: verify passes on a good log and an empty one", () => {
  const path = writeLog(10);
  const result = verifyLog(path);
  assert.ok(result.ok);
  assert.equal(result.lines, 10);
  assert.equal(result.head, sha(lines(path)[9] as string));
  const empty = join(tempDir(), "empty.log");
  writeFileSync(empty, "");
  const e = verifyLog(empty);
  assert.equal(e.ok, true);
  assert.equal(e.lines, 0);
  assert.equal(e.head, GENESIS_PREV);
});

Deno.test("witness: verify reports lines with wrong fields", () => {
  const path = join(tempDir(), "witness.log");
  writeFileSync(path, '{"seq":1}\n');
  const result = verifyLog(path);
  assert.deepEqual(result.problems.map((p) => p.kind), ["edit"]);
  assert.match(
    result.problems[0]!.message,
    /has keys seq, expected seq,ts,event,tool,decision,details,prev in that order/,
  );
  writeFileSync(path, "[1,2]\n");
  const arr = verifyLog(path);
  assert.deepEqual(arr.problems.map((p) => p.kind), ["inserted"]);
  assert.match(arr.problems[0]!.message, /is not a JSON object/);
});

Deno.test("witness: /dev/full fails with WitnessUnavailableError and nothing else", () => {
  // Under the test's permissions Deno refuses devices (NotCapable); the ENOSPC case runs in a subprocess below.
  const log = new WitnessLog("/dev/full");
  const err = assertUnavailable(() => log.append(gate()));
  assert.ok(err.message.includes('"/dev/full"'));
  assertUnavailable(() => log.append(gate()));
  log.close();
});

Deno.test("witness: a path whose parent is a regular file fails with ENOTDIR", () => {
  const dir = tempDir();
  writeFileSync(join(dir, "file"), "x");
  const log = new WitnessLog(join(dir, "file", "witness.log"));
  assertUnavailable(() => log.append(gate()), "ENOTDIR");
});

Deno.test("witness: a missing parent folder is an error, not created", () => {
  const dir = tempDir();
  const log = new WitnessLog(join(dir, "missing", "witness.log"));
  assertUnavailable(() => log.append(gate()), "ENOENT");
  assert.throws(() => statSync(join(dir, "missing")));
});

Deno.test("witness: a path that is a directory fails with EISDIR", () => {
  const dir = tempDir();
  mkdirSync(join(dir, "sub"));
  const log = new WitnessLog(join(dir, "sub"));
  assertUnavailable(() => log.append(gate()), "EISDIR");
});

/** Whether this process can write a file with mode 0444 (root or CAP_DAC_OVERRIDE): probe it, no --allow-sys. */
function canWriteReadOnly(): boolean {
  const probe = join(tempDir(), "probe");
  writeFileSync(probe, "");
  chmodSync(probe, 0o444);
  try {
    Deno.openSync(probe, { append: true }).close();
    return true;
  } catch {
    return false;
  }
}
const privileged = canWriteReadOnly();
if (privileged) {
  console.log("witness_test: this process writes read-only files (root), so the chmod 0444 test is ignored");
}

Deno.test({
  name: "witness: a read-only file fails with EACCES (ignored as root)",
  ignore: privileged,
  fn() {
    const path = writeLog(1);
    chmodSync(path, 0o444);
    const log = new WitnessLog(path);
    assertUnavailable(() => log.append(gate()), "EACCES");
  },
});

Deno.test("witness: entries that cannot be serialized fail with WitnessUnavailableError", () => {
  const path = join(tempDir(), "witness.log");
  const log = new WitnessLog(path);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assertUnavailable(() => log.append({ event: "gate", tool: "x", decision: "allow", details: cyclic }));
  assertUnavailable(() => log.append({ event: "gate", tool: "x", decision: "allow", details: { n: 1n } }));
  assertUnavailable(() => log.append({ event: "nope" as "gate", tool: null, decision: null, details: {} }));
  assertUnavailable(() => log.append(null as unknown as WitnessEntry));
  assert.equal(log.append(gate()).seq, 1, "failed appends did not advance seq");
  log.close();
  assert.equal(verifyLog(path).ok, true);
});

Deno.test("witness: seq and prev are not advanced after a failed write", () => {
  const dir = tempDir();
  const path = join(dir, "witness.log");
  const log = new WitnessLog(path);
  log.append(gate(1));
  log.append(gate(2));
  log.close();
  // Replace the file by a directory at the path: the lazy reopen fails, then it works again.
  const moved = join(dir, "moved.log");
  Deno.renameSync(path, moved);
  mkdirSync(path);
  assertUnavailable(() => log.append(gate(3)), "EISDIR");
  Deno.removeSync(path);
  Deno.renameSync(moved, path);
  assert.equal(log.append(gate(3)).seq, 3);
  log.close();
  assert.equal(verifyLog(path).ok, true);
});

Deno.test("witness: fsync mode writes and verifies", () => {
  const path = join(tempDir(), "witness.log");
  const log = new WitnessLog(path, { fsync: true });
  log.append(gate());
  log.append(gate());
  log.close();
  assert.deepEqual(verifyLog(path).ok, true);
});

Deno.test("witness: redactArgs never keeps content and cuts long strings", () => {
  const secret = "TOP-SECRET-" + "s".repeat(1000);
  const long = "L".repeat(300) + "é";
  const out = redactArgs({
    path: "a.txt",
    content: secret,
    cmd: long,
    n: 3,
    flag: true,
    none: null,
    nested: { files: [{ name: "b", content: "inner secret" }] },
  });
  const json = JSON.stringify(out);
  assert.ok(!json.includes("TOP-SECRET"));
  assert.ok(!json.includes("inner secret"));
  assert.deepEqual(out.content, { length: secret.length, sha256: sha(secret) });
  assert.deepEqual(out.cmd, { cut: long.slice(0, 256), length: 301, sha256: sha(long) });
  assert.equal(out.path, "a.txt");
  assert.equal(out.n, 3);
  assert.equal(out.flag, true);
  assert.equal(out.none, null);
  assert.deepEqual(out.nested, { files: [{ name: "b", content: { length: 12, sha256: sha("inner secret") } }] });
  // a short content is hidden too, and a non-string content is hashed as JSON
  assert.deepEqual(redactArgs({ content: "" }), { content: { length: 0, sha256: sha("") } });
  assert.deepEqual(redactArgs({ content: [1, 2] }), { content: { length: 5, sha256: sha("[1,2]") } });
});

Deno.test("witness: redactArgs does not split a surrogate pair", () => {
  const text = "a".repeat(255) + "😀" + "b".repeat(10);
  const out = redactArgs({ cmd: text }).cmd as { cut: string; length: number };
  assert.equal(out.cut, "a".repeat(255));
  assert.equal(out.length, text.length);
});

Deno.test("witness: redactArgs limits depth and the number of keys and items", () => {
  const deep = { a: { b: { c: { d: { e: 1 } } } } };
  // the arguments object is level 1, so a, b and c keep their objects and d's is replaced
  assert.deepEqual(redactArgs(deep), { a: { b: { c: { d: "[object of 1 keys, deeper than 4 levels]" } } } });
  const many: Record<string, number> = {};
  for (let i = 0; i < 60; i++) many[`k${i}`] = i;
  const out = redactArgs(many);
  assert.equal(Object.keys(out).length, 51);
  assert.equal(out["…"], "[10 more keys left out]");
  const list = redactArgs({ list: Array.from({ length: 70 }, (_, i) => i) }).list as unknown[];
  assert.equal(list.length, 51);
  assert.equal(list[50], "[20 more items left out]");
  const cyclic: Record<string, unknown> = { x: 1 };
  cyclic.self = cyclic;
  assert.doesNotThrow(() => JSON.stringify(redactArgs(cyclic)));
  const input = { cmd: "x".repeat(500) };
  redactArgs(input);
  assert.equal(input.cmd.length, 500, "the input is not changed");
});

Deno.test("witness: stats counts by event, decision and tool and follows appends", async () => {
  const path = join(tempDir(), "witness.log");
  const first = new WitnessLog(path);
  first.append({ event: "session", tool: null, decision: null, details: { action: "start" } });
  first.append({ event: "gate", tool: "read_file", decision: "allow", details: {} });
  first.append({ event: "execute", tool: "read_file", decision: "allow", details: { ok: true } });
  first.close();

  const log = new WitnessLog(path);
  const s1 = await log.fullStats();
  assert.equal(s1.complete, true);
  assert.equal(s1.total, 3);
  assert.deepEqual(s1.byEvent, { session: 1, gate: 1, execute: 1 });
  assert.equal(s1.allowed, 1);
  assert.equal(s1.session.total, 0, "this writer has not written yet");

  log.append({ event: "gate", tool: "run_bash", decision: "ask", details: {} });
  log.append({ event: "confirm", tool: "run_bash", decision: "ask", details: { approved: false } });
  log.append({ event: "gate", tool: "run_bash", decision: "ask", details: {} });
  log.append({ event: "confirm", tool: "run_bash", decision: "ask", details: { approved: true } });
  log.append({ event: "execute", tool: "run_bash", decision: "ask", details: { ok: false, errorCode: "exit_status" } });
  log.append({ event: "gate", tool: "delete_dir", decision: "deny", details: {} });
  log.append({ event: "metrics", tool: null, decision: null, details: { reset: true } });
  const s2 = log.stats(); // the writer's own appends keep the counts complete, without a scan
  log.close();
  const expected = {
    total: 10,
    byEvent: { session: 1, gate: 4, execute: 2, confirm: 2, metrics: 1 },
    byDecision: { allow: 1, ask: 2, deny: 1 },
    byTool: { read_file: 1, run_bash: 2, delete_dir: 1 },
    denied: 1,
    asked: 2,
    allowed: 1,
    approved: 1,
    notApproved: 1,
    failed: 1,
  };
  const { complete, session, ...counts } = s2;
  assert.equal(complete, true);
  assert.deepEqual(counts, expected);
  assert.equal(session.total, 7);
  assert.deepEqual(session.byTool, { run_bash: 2, delete_dir: 1 });
  assert.deepEqual(statsOfFile(path), expected);
  // a returned object is a copy
  s2.byTool.run_bash = 99;
  const again = new WitnessLog(path);
  assert.equal((await again.fullStats()).byTool.run_bash, 2);
  again.close();
});

Deno.test("witness: stats of a log not yet created is empty", () => {
  const log = new WitnessLog(join(tempDir(), "witness.log"));
  assert.equal(log.stats().total, 0);
  log.append(gate());
  assert.equal(log.stats().total, 1);
  assert.equal(log.stats().asked, 1);
  log.close();
});

Deno.test("witness: tailLog on a file bigger than its read chunk", () => {
  const path = join(tempDir(), "big.log");
  const all = Array.from({ length: 3000 }, (_, i) => `line ${i} ${"y".repeat(i % 97)}`);
  writeFileSync(path, all.join("\n") + "\n");
  assert.ok(statSync(path).size > 128 * 1024);
  assert.deepEqual(tailLog(path, 5), all.slice(-5));
  assert.deepEqual(tailLog(path, 2500), all.slice(-2500));
  assert.deepEqual(tailLog(path, 5000), all);
  assert.deepEqual(tailLog(path, 0), []);
  // a long single line spanning chunks, and a cut last line
  const path2 = join(tempDir(), "long.log");
  writeFileSync(path2, "first\n" + "z".repeat(100_000) + "\ncut");
  assert.deepEqual(tailLog(path2, 2), ["z".repeat(100_000), "cut"]);
  assert.deepEqual(tailLog(path2, 9), ["first", "z".repeat(100_000), "cut"]);
  assert.throws(() => tailLog(path, -1), RangeError);
  assert.throws(() => tailLog(path, 1.5), RangeError);
});

Deno.test("witness: a long log verifies and stats in chunks", () => {
  const path = join(tempDir(), "witness.log");
  const log = new WitnessLog(path);
  for (let i = 0; i < 5000; i++) log.append(gate(i));
  log.close();
  assert.ok(statSync(path).size > 64 * 1024 * 4);
  const result = verifyLog(path);
  assert.ok(result.ok && result.lines === 5000);
  assert.equal(statsOfFile(path).asked, 5000);
});

Deno.test("witness: append cost stays flat as the log grows", () => {
  const path = join(tempDir(), "witness.log");
  const log = new WitnessLog(path);
  const entry = { ...gate(), details: { ...gate().details, args: redactArgs({ cmd: "ls -la", timeoutMs: 1000 }) } };
  const time = (n: number) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) log.append(entry);
    return ((performance.now() - t0) * 1000) / n;
  };
  // the quickest of several short windows: a busy machine (other processes) slows some windows, never all
  const quickest = () => Math.min(...Array.from({ length: 8 }, () => time(250)));
  time(500); // warm up
  const early = quickest();
  for (let i = 0; i < 20_000; i++) log.append(entry);
  const late = quickest();
  log.close();
  console.log(`witness_test: append ${early.toFixed(1)} µs/line early, ${late.toFixed(1)} µs/line after 24k lines`);
  assert.ok(late < early * 3 + 20, `append got slower: ${early} -> ${late} µs`);
});

/** A script that exercises the module on any runtime and prints one JSON line of findings. */
function smokeScript(): string {
  const dir = tempDir();
  const script = join(dir, "smoke.ts");
  const mod = fileURLToPath(new URL("../../src/witness/mod.ts", import.meta.url));
  writeFileSync(
    script,
    `import { statsOfFile, tailLog, verifyLog, WitnessLog, WitnessUnavailableError } from ${JSON.stringify(mod)};
const entry = { event: "gate", tool: "run_bash", decision: "ask", details: { args: { cmd: "ls" } } } as const;
const full = new WitnessLog("/dev/full");
const devFull: string[] = [];
for (let i = 0; i < 3; i++) {
  try {
    full.append(entry);
    devFull.push("no error");
  } catch (err) {
    devFull.push(err instanceof WitnessUnavailableError ? String(err.osCode) + " " + err.message : "other " + err);
  }
}
full.close();
const path = ${JSON.stringify(join(dir, "witness.log"))};
const a = new WitnessLog(path);
for (let i = 0; i < 3; i++) a.append(entry);
a.close();
const b = new WitnessLog(path);
const line = b.append(entry);
const stats = await b.fullStats();
b.append({ event: "execute", tool: "run_bash", decision: "ask", details: { ok: false } });
const stats2 = b.stats();
b.close();
console.log(JSON.stringify({
  devFull, seq: line.seq, verify: verifyLog(path), tail: tailLog(path, 2).length,
  total: stats.total, failed: stats2.failed, fileTotal: statsOfFile(path).total,
}));
`,
  );
  return script;
}

function checkSmoke(stdout: string): void {
  const result = JSON.parse(stdout.trim());
  assert.equal(result.devFull.length, 3);
  for (const r of result.devFull) {
    assert.match(r, /^ENOSPC Cannot write the witness log "\/dev\/full": ENOSPC: no space left on device\. The call/);
  }
  assert.equal(result.seq, 4);
  assert.equal(result.verify.ok, true);
  assert.equal(result.verify.lines, 5);
  assert.equal(result.tail, 2);
  assert.equal(result.total, 4);
  assert.equal(result.failed, 1);
  assert.equal(result.fileTotal, 5);
}

function runScript(program: string, args: string[]): string {
  const output = new Deno.Command(program, { args, stdout: "piped", stderr: "piped" }).outputSync();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, `${program} ${args.join(" ")} failed: ${stderr}`);
  return new TextDecoder().decode(output.stdout);
}

Deno.test("witness: /dev/full fails on write(2) with ENOSPC, every retry the same (deno -A subprocess)", () => {
  checkSmoke(runScript(Deno.execPath(), ["run", "-A", "--no-config", smokeScript()]));
});

const bunPath = fileURLToPath(new URL("../../node_modules/.bin/bun", import.meta.url));
const haveBun = (() => {
  try {
    return statSync(bunPath).isFile();
  } catch {
    return false;
  }
})();
if (!haveBun) console.log(`witness_test: ${bunPath} is missing, the Bun test is ignored`);

Deno.test({
  name: "witness: runs on Bun too (append, continue, verify, stats, tail, /dev/full)",
  ignore: !haveBun,
  fn() {
    checkSmoke(runScript(bunPath, [smokeScript()]));
  },
});

Deno.test("witness: a short write (file size limit) leaves a cut line that the chain continues past", () => {
  // RLIMIT_FSIZE with SIGXFSZ ignored: the write that crosses 1024 bytes is short, the next ones fail with EFBIG.
  const dir = tempDir();
  const path = join(dir, "witness.log");
  const script = join(dir, "limited.ts");
  const mod = fileURLToPath(new URL("../../src/witness/mod.ts", import.meta.url));
  writeFileSync(
    script,
    `import { WitnessLog } from ${JSON.stringify(mod)};
const log = new WitnessLog(${JSON.stringify(path)});
for (let i = 0; i < 6; i++) {
  try {
    console.log("ok " + log.append({ event: "metrics", tool: null, decision: null, details: { pad: "p".repeat(250) } }).seq);
  } catch (err) {
    console.log(err.constructor.name);
  }
}
`,
  );
  const out = runScript("bash", [
    "-c",
    `trap '' XFSZ; ulimit -f 1; exec "$0" run -A --no-config "$1"`,
    Deno.execPath(),
    script,
  ]);
  assert.deepEqual(out.trim().split("\n"), ["ok 1", "ok 2", ...Array(4).fill("WitnessUnavailableError")]);
  assert.equal(statSync(path).size, 1024, "failed retries wrote nothing");
  const cut = readFileSync(path, "utf8").split("\n")[2] as string;
  assert.ok(cut.startsWith('{"seq":3,'));
  const log = new WitnessLog(path);
  const line = log.append(gate());
  log.close();
  assert.equal(line.seq, 4);
  assert.equal(line.prev, sha(cut));
  const all = lines(path);
  assert.equal(all.length, 4);
  assert.equal(all[2], cut);
  const result = verifyLog(path);
  assert.equal(result.lines, 4);
  assert.deepEqual(result.problems.map((p) => `${p.kind}@${p.line}`), ["cut@3"], JSON.stringify(result.problems));
});

Deno.test("witness: appendAll writes its lines in order under one lock, chained; a bad entry writes none", () => {
  const dir = tempDir();
  const path = join(dir, "w.log");
  const log = new WitnessLog(path);
  log.append({ event: "gate", tool: "t", decision: "allow", details: {} });
  const lines = log.appendAll([
    { event: "execute", tool: "t", decision: "allow", details: { ok: true } },
    { event: "metrics", tool: null, decision: null, details: { action: "update", contextTokens: 3 } },
  ]);
  assert.deepEqual(lines.map((l) => [l.seq, l.event]), [[2, "execute"], [3, "metrics"]]);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.throws(
    () =>
      log.appendAll([
        { event: "execute", tool: "t", decision: "allow", details: {} },
        { event: "metrics", tool: null, decision: null, details: cyclic },
      ]),
    (e) => e instanceof WitnessUnavailableError && /cannot be written as JSON/.test(e.message),
  );
  log.close();
  const text = readFileSync(path, "utf8").trim().split("\n");
  assert.equal(text.length, 3, "the refused batch wrote nothing");
  assert.equal(JSON.parse(text[2]!).prev, sha(text[1]!));
  assert.equal(verifyLog(path).ok, true);
});
