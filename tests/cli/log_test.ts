import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { runLogCommand } from "../../src/cli/log.ts";
import { WitnessLog } from "../../src/witness/mod.ts";
import { tempDir as makeTemp } from "../_temp.ts";

async function run(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runLogCommand(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

function makeLog(n: number): string {
  const path = join(makeTemp("log-cmd-test-"), "witness.log");
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

Deno.test("log verify: ok prints the line count and head, exit 0", async () => {
  const path = makeLog(4);
  const last = readFileSync(path, "utf8").trimEnd().split("\n").at(-1) as string;
  const head = createHash("sha256").update(last).digest("hex");
  const r = await run(["verify", path]);
  assert.equal(r.code, 0);
  assert.deepEqual(r.err, []);
  assert.equal(r.out[0], `ok: 4 lines, head ${head}`);
  // these four lines have no session stop line at their end
  assert.match(r.out[1] as string, /^warning: the log ends without a session stop line/);
  assert.equal(r.out.length, 2);
});

Deno.test("log verify: a broken log prints the reason, exit 1", async () => {
  const path = makeLog(4);
  const text = readFileSync(path, "utf8");
  writeFileSync(path, text.replace('"i":1', '"i":7'));
  const r = await run(["verify", path]);
  assert.equal(r.code, 1);
  assert.deepEqual(r.out.slice(0, 1), ["broken: 1 problem in 4 lines (1 edit)"]);
  assert.match(r.out[1] as string, /^line 2: edit: line 2 was changed after line 3 was written/);
});

Deno.test("log verify/stats/tail: an unreadable file is exit 1 with the path on stderr", async () => {
  const missing = join(makeTemp("log-cmd-test-"), "nope.log");
  for (const sub of ["verify", "stats", "tail"]) {
    const r = await run([sub, missing]);
    assert.equal(r.code, 1, sub);
    assert.deepEqual(r.out, []);
    assert.equal(r.err.length, 1);
    assert.ok((r.err[0] as string).includes(JSON.stringify(missing)), r.err[0]);
    assert.ok((r.err[0] as string).includes("ENOENT"), r.err[0]);
  }
});

Deno.test("log stats: prints the counts as one line of JSON", async () => {
  const path = makeLog(5);
  const r = await run(["stats", path]);
  assert.equal(r.code, 0);
  assert.equal(r.out.length, 1);
  const stats = JSON.parse(r.out[0] as string);
  assert.equal(stats.total, 5);
  assert.deepEqual(stats.byTool, { read_file: 3, run_bash: 2 });
  assert.equal(stats.asked, 2);
  assert.equal(stats.allowed, 3);
});

Deno.test("log tail: default 20 lines and -n N", async () => {
  const path = makeLog(30);
  const all = readFileSync(path, "utf8").trimEnd().split("\n");
  assert.deepEqual(await run(["tail", path]), { code: 0, out: all.slice(-20), err: [] });
  assert.deepEqual((await run(["tail", path, "-n", "3"])).out, all.slice(-3));
  assert.deepEqual((await run(["tail", "-n", "2", path])).out, all.slice(-2));
  assert.deepEqual((await run(["tail", "-n=1", path])).out, all.slice(-1));
  assert.deepEqual(await run(["tail", path, "-n", "0"]), { code: 0, out: [], err: [] });
});

Deno.test("log: FILE defaults to ./witness.log", async () => {
  const dir = makeTemp("log-cmd-test-");
  const cwd = Deno.cwd();
  Deno.chdir(dir);
  try {
    const log = new WitnessLog("witness.log");
    log.append({ event: "session", tool: null, decision: null, details: {} });
    log.close();
    const r = await run(["verify"]);
    assert.equal(r.code, 0);
    assert.match(r.out[0] as string, /^ok: 1 lines, head [0-9a-f]{64}$/);
  } finally {
    Deno.chdir(cwd);
  }
});

Deno.test("log: usage errors are exit 2 with one line pointing to --help", async () => {
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
    const r = await run(args);
    assert.equal(r.code, 2, JSON.stringify(args));
    assert.deepEqual(r.out, []);
    assert.equal(r.err.length, 1, JSON.stringify(r.err));
    assert.match(r.err[0] as string, /^safe-exec log: .+ \(see safe-exec --help\)$/);
  }
});

Deno.test("log --help prints the usage, exit 0", async () => {
  const r = await run(["--help"]);
  assert.equal(r.code, 0);
  assert.match(r.out[0] as string, /^usage: safe-exec log stats\|verify\|tail/);
});

function sessionLog(n: number, signingKey?: string): string {
  const path = join(makeTemp("log-cmd-test-"), "witness.log");
  const log = new WitnessLog(path, signingKey ? { signingKey } : {});
  log.append({ event: "session", tool: null, decision: null, details: { action: "start" } });
  for (let i = 2; i < n; i++) log.append({ event: "gate", tool: "read_file", decision: "allow", details: { i } });
  log.append({ event: "session", tool: null, decision: null, details: { action: "stop" } });
  log.checkpoint();
  log.close();
  return path;
}

const shaOf = (line: string) => createHash("sha256").update(line).digest("hex");

Deno.test("log verify: every problem is printed, one line each, by line and kind", async () => {
  const path = sessionLog(30);
  const all = readFileSync(path, "utf8").trimEnd().split("\n");
  all[4] = (all[4] as string).replace('"i":5', '"i":6');
  all.splice(20, 1);
  writeFileSync(path, all.join("\n") + "\n");
  const r = await run(["verify", path]);
  assert.equal(r.code, 1);
  assert.equal(r.out[0], "broken: 2 problems in 29 lines (1 edit, 1 removal)");
  assert.match(r.out[1] as string, /^line 5: edit: /);
  assert.match(r.out[2] as string, /^line 21: removal: 1 line \(seq 21\) is missing before line 21/);
  assert.match(r.out.at(-1) as string, /^head [0-9a-f]{64}$/);
});

Deno.test("log verify --head: ok when the log holds the head, exit 1 when it was cut back", async () => {
  const path = sessionLog(30);
  const all = readFileSync(path, "utf8").trimEnd().split("\n");
  const last = shaOf(all.at(-1) as string);
  const r = await run(["verify", path, "--head", last]);
  assert.deepEqual(r, {
    code: 0,
    out: [`ok: 30 lines, head ${last}`, "the kept head is line 30, the last line"],
    err: [],
  });
  const mid = shaOf(all[9] as string);
  const r2 = await run(["verify", "--head=" + mid, path]);
  assert.equal(r2.code, 0);
  assert.equal(r2.out[1], "the kept head is line 10: 20 lines were appended after it");
  writeFileSync(path, all.slice(0, 5).join("\n") + "\n");
  const r3 = await run(["verify", path, "--head", mid]);
  assert.equal(r3.code, 1);
  assert.match(r3.out[1] as string, /^line 5: head: the head .* is not in the log/);
  const bad = await run(["verify", path, "--head", "xyz"]);
  assert.equal(bad.code, 2);
  assert.match(bad.err[0] as string, /--head is "xyz", expected 64 hex digits/);
});

Deno.test("log verify --json prints the whole report", async () => {
  const path = sessionLog(10);
  const r = await run(["verify", path, "--json"]);
  assert.equal(r.code, 0);
  const report = JSON.parse(r.out[0] as string);
  assert.equal(report.ok, true);
  assert.equal(report.lines, 10);
  assert.deepEqual(report.problems, []);
});

Deno.test("log keygen writes a private key (0600) and its public key; verify --key checks the checkpoints", async () => {
  const dir = makeTemp("log-cmd-test-");
  const key = join(dir, "witness.key");
  const r = await run(["keygen", key]);
  assert.equal(r.code, 0, r.err.join("\n"));
  assert.equal(statSync(key).mode & 0o777, 0o600);
  assert.match(readFileSync(key, "utf8"), /^-----BEGIN PRIVATE KEY-----/);
  assert.match(readFileSync(key + ".pub", "utf8"), /^-----BEGIN PUBLIC KEY-----/);
  assert.match(r.out.join("\n"), /witness\.key\.pub/);
  const again = await run(["keygen", key]);
  assert.equal(again.code, 1, "an existing key is never overwritten");
  assert.match(again.err[0] as string, /exists/);
  const path = sessionLog(10, key);
  const v = await run(["verify", path, "--key", key + ".pub"]);
  assert.equal(v.code, 0, v.out.join("\n"));
  assert.match(
    v.out[1] as string,
    /^1 checkpoint signed by key [0-9a-f]{16} verified; the last one covers lines 1-10$/,
  );
  const other = join(dir, "other.key");
  await run(["keygen", other]);
  const w = await run(["verify", path, "--key", other + ".pub"]);
  assert.equal(w.code, 1);
  const missing = await run(["verify", path, "--key", join(dir, "nope.pub")]);
  assert.equal(missing.code, 2);
  assert.match(missing.err[0] as string, /cannot read the public key/);
});

Deno.test("log tail -f prints the last lines, then every line appended, until stopped", async () => {
  const path = sessionLog(5);
  const out: string[] = [];
  const err: string[] = [];
  const controller = new AbortController();
  const done = runLogCommand(["tail", "-f", "-n", "2", path], { out: (l) => out.push(l), err: (l) => err.push(l) }, {
    signal: controller.signal,
    pollMs: 20,
  });
  const waitFor = async (n: number) => {
    for (let i = 0; i < 250 && out.length < n; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(out.length >= n, `expected ${n} lines, got ${out.length}: ${out.join("|")}`);
  };
  await waitFor(2);
  const log = new WitnessLog(path);
  log.append({ event: "gate", tool: "read_file", decision: "allow", details: { followed: 1 } });
  await waitFor(3);
  log.append({ event: "gate", tool: "read_file", decision: "allow", details: { followed: 2 } });
  log.append({ event: "gate", tool: "read_file", decision: "allow", details: { followed: 3 } });
  await waitFor(5);
  log.close();
  assert.deepEqual(out.slice(2).map((l) => JSON.parse(l).details.followed), [1, 2, 3]);
  // a log replaced under the follower: it says so and follows the new file
  writeFileSync(path + ".new", '{"x":1}\n');
  Deno.renameSync(path + ".new", path);
  await waitFor(6);
  assert.equal(out[5], '{"x":1}');
  assert.match(err.join("\n"), /was replaced/);
  controller.abort();
  assert.equal(await done, 0);
});

Deno.test("log head prints the last line's sha256, seq and time; verify --head checks it later", async () => {
  const path = sessionLog(12);
  const last = readFileSync(path, "utf8").trimEnd().split("\n").at(-1) as string;
  const r = await run(["head", path]);
  assert.equal(r.code, 0);
  const ts = JSON.parse(last).ts;
  assert.equal(r.out[0], `head ${shaOf(last)} seq 12 at ${ts} (${statSync(path).size} bytes)`);
  const j = JSON.parse((await run(["head", path, "--json"])).out[0] as string);
  assert.deepEqual(j, { file: path, head: shaOf(last), seq: 12, ts, bytes: statSync(path).size, cut: false });
  // the log goes on; the kept head still verifies; cut back before it, it does not
  const log = new WitnessLog(path);
  log.append({ event: "gate", tool: "read_file", decision: "allow", details: {} });
  log.close();
  assert.equal((await run(["verify", path, "--head", j.head])).code, 0);
  writeFileSync(path, readFileSync(path, "utf8").split("\n").slice(0, 6).join("\n") + "\n");
  assert.equal((await run(["verify", path, "--head", j.head])).code, 1);
});
