/**
 * `verifyLog` walks the whole log and reports every problem by kind and line (SPEC §4.1): cut lines, edits,
 * removals, reorders, forks; a missing stop line, an empty log, a head kept elsewhere, signed checkpoints.
 */
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { createHash } from "node:crypto";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { verifyLog, type VerifyProblem, type WitnessEntry, WitnessLog } from "../../src/witness/mod.ts";
import { tempDir as makeTemp } from "../_temp.ts";

function tempDir(): string {
  return makeTemp("witness-verify-");
}

function sha(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

const gate = (i: number): WitnessEntry => ({
  event: "gate",
  tool: "run_bash",
  decision: "allow",
  details: { rationale: "risk=high", args: { cmd: `echo ${i}` } },
});
const start: WitnessEntry = { event: "session", tool: null, decision: null, details: { action: "start" } };
const stop: WitnessEntry = { event: "session", tool: null, decision: null, details: { action: "stop" } };

/** A log of a session: a start line, `n - 2` gate lines, a stop line. */
function sessionLog(n: number, options: { signingKey?: string } = {}): string {
  const path = join(tempDir(), "witness.log");
  const log = new WitnessLog(path, options);
  log.append(start);
  for (let i = 1; i < n - 1; i++) log.append(gate(i));
  log.append(stop);
  log.checkpoint();
  log.close();
  return path;
}

function lines(path: string): string[] {
  return readFileSync(path, "utf8").replace(/\n$/, "").split("\n");
}

function save(path: string, all: string[]): void {
  writeFileSync(path, all.join("\n") + "\n");
}

function kinds(problems: VerifyProblem[]): string[] {
  return problems.map((p) => `${p.kind}@${p.line}`);
}

Deno.test("verify: a whole session log is ok, no problems, no warnings, head = sha256 of the last line", () => {
  const path = sessionLog(20);
  const r = verifyLog(path);
  assert.equal(r.ok, true);
  assert.equal(r.lines, 20);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.warnings, []);
  assert.equal(r.head, sha(lines(path).at(-1) as string));
});

Deno.test("verify: an edited middle line is an edit at that line", () => {
  const path = sessionLog(20);
  const all = lines(path);
  all[7] = (all[7] as string).replace("echo 7", "echo 8");
  save(path, all);
  const r = verifyLog(path);
  assert.equal(r.ok, false);
  assert.deepEqual(kinds(r.problems), ["edit@8"]);
  assert.match(r.problems[0]!.message, /line 8 was changed/);
});

Deno.test("verify: a removed line, a removed first line and removed lines are removals", () => {
  const path = sessionLog(20);
  const all = lines(path);
  all.splice(9, 1);
  save(path, all);
  const r = verifyLog(path);
  assert.deepEqual(kinds(r.problems), ["removal@10"]);
  assert.match(r.problems[0]!.message, /1 line \(seq 10\) is missing before line 10/);

  const p2 = sessionLog(20);
  save(p2, lines(p2).slice(3));
  const r2 = verifyLog(p2);
  assert.deepEqual(kinds(r2.problems), ["removal@1"]);
  assert.match(r2.problems[0]!.message, /starts at seq 4: 3 lines \(seq 1-3\) are missing/);

  const p3 = sessionLog(20);
  const all3 = lines(p3);
  all3.splice(4, 5);
  save(p3, all3);
  assert.deepEqual(kinds(verifyLog(p3).problems), ["removal@5"]);
});

Deno.test("verify: swapped lines are one reorder, with or without renumbered seqs", () => {
  const path = sessionLog(20);
  const all = lines(path);
  [all[5], all[6]] = [all[6] as string, all[5] as string];
  save(path, all);
  const r = verifyLog(path);
  assert.deepEqual(r.problems.map((p) => p.kind), ["reorder"], JSON.stringify(r.problems));
  assert.equal(r.problems[0]!.line, 6);

  const p2 = sessionLog(20);
  const b = lines(p2);
  const x = (b[5] as string).replace('"seq":6,', '"seq":7,');
  const y = (b[6] as string).replace('"seq":7,', '"seq":6,');
  b[5] = y;
  b[6] = x;
  save(p2, b);
  const r2 = verifyLog(p2);
  assert.equal(r2.ok, false);
  for (const p of r2.problems) assert.ok(p.line >= 5 && p.line <= 8, JSON.stringify(p));
});

Deno.test("verify: a cut line the chain continues past is one cut, and the chain is followed beyond it", () => {
  const path = sessionLog(10);
  const all = lines(path);
  writeFileSync(path, all.slice(0, 4).join("\n") + "\n" + (all[4] as string).slice(0, 60));
  const log = new WitnessLog(path); // continues past the cut, as after a crash mid-write
  log.append(start);
  log.append(gate(99));
  log.append(stop);
  log.close();
  const r = verifyLog(path);
  assert.deepEqual(kinds(r.problems), ["cut@5"]);
  assert.equal(r.lines, 8);
  assert.deepEqual(r.warnings, []);
});

Deno.test("verify: every problem is reported, not only the first (cut, edit, removal, reorder in one log)", () => {
  const path = sessionLog(60);
  const all = lines(path);
  all[4] = (all[4] as string).slice(0, 70); // a line cut after the fact
  all[19] = (all[19] as string).replace("echo 19", "echo 91");
  [all[40], all[41]] = [all[41] as string, all[40] as string];
  all.splice(30, 1);
  save(path, all);
  const r = verifyLog(path);
  assert.equal(r.ok, false);
  const found: string[] = r.problems.map((p) => p.kind);
  for (const kind of ["cut", "edit", "removal", "reorder"]) assert.ok(found.includes(kind), `${kind}: ${found}`);
  assert.ok(r.problems.some((p) => p.kind === "cut" && p.line === 5));
  assert.ok(r.problems.some((p) => p.kind === "edit" && p.line === 20));
  assert.ok(r.problems.some((p) => p.kind === "removal" && p.line === 31));
  assert.ok(r.problems.some((p) => p.kind === "reorder" && p.line === 40));
  assert.ok(r.problems.every((p, i, ps) => i === 0 || ps[i - 1]!.line <= p.line), "in line order");
});

Deno.test("verify: two writers continuing the same line (no lock) are a fork", () => {
  const base = sessionLog(10);
  const a = join(tempDir(), "a.log");
  const b = join(tempDir(), "b.log");
  copyFileSync(base, a);
  copyFileSync(base, b);
  for (const [p, who] of [[a, "a"], [b, "b"]] as const) {
    const log = new WitnessLog(p);
    for (let i = 0; i < 3; i++) log.append({ ...gate(i), details: { who, i } });
    log.close();
  }
  const la = lines(a).slice(10);
  const lb = lines(b).slice(10);
  const mixed = lines(base);
  for (let i = 0; i < 3; i++) mixed.push(la[i] as string, lb[i] as string);
  save(base, mixed);
  const r = verifyLog(base);
  assert.deepEqual(r.problems.map((p) => p.kind), ["fork"], JSON.stringify(r.problems));
  assert.match(r.problems[0]!.message, /lines 11 and 12 both continue line 10/);
});

Deno.test("verify: two unlocked writers interleaving for long are one fork, not a flood of reorders", () => {
  const base = sessionLog(10);
  const copies = [join(tempDir(), "a.log"), join(tempDir(), "b.log")];
  for (const [w, p] of copies.entries()) {
    copyFileSync(base, p);
    const log = new WitnessLog(p);
    for (let i = 0; i < 60; i++) log.append({ ...gate(i), details: { w, i } });
    log.close();
  }
  const [a, b] = copies.map((p) => lines(p).slice(10)) as [string[], string[]];
  const mixed = lines(base);
  let x = 7;
  while (a.length || b.length) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const from = a.length && (!b.length || x % 3 !== 0) ? a : b;
    mixed.push(from.shift() as string);
  }
  save(base, mixed);
  const r = verifyLog(base);
  assert.deepEqual(r.problems.map((p) => p.kind), ["fork"], JSON.stringify(r.problems.slice(0, 3)));
  assert.ok(r.problems[0]!.endLine > 100 && r.problems[0]!.endLine <= 130, String(r.problems[0]!.endLine));
});

Deno.test("verify: junk inserted between lines is reported; a duplicated line too", () => {
  const path = sessionLog(10);
  const all = lines(path);
  all.splice(5, 0, "hello, I am not a witness line");
  save(path, all);
  assert.deepEqual(kinds(verifyLog(path).problems), ["inserted@6"]);
  const p2 = sessionLog(10);
  const b = lines(p2);
  b.splice(5, 0, b[4] as string);
  save(p2, b);
  const r2 = verifyLog(p2);
  assert.equal(r2.ok, false);
  assert.ok(r2.problems.some((p) => p.line === 6), JSON.stringify(r2.problems));
});

Deno.test("verify: a log cut at its end (truncated) verifies but warns that it ends without a stop line", () => {
  const path = sessionLog(60);
  save(path, lines(path).slice(0, 40));
  const r = verifyLog(path);
  assert.equal(r.ok, true);
  assert.deepEqual(r.warnings.map((w) => w.kind), ["no-stop"]);
  assert.match(r.warnings[0]!.message, /ends without a session stop line/);

  const empty = join(tempDir(), "empty.log");
  writeFileSync(empty, "");
  const e = verifyLog(empty);
  assert.equal(e.ok, true);
  assert.deepEqual(e.warnings.map((w) => w.kind), ["empty"]);
});

Deno.test("verify: a cut last line is a cut", () => {
  const path = sessionLog(10);
  writeFileSync(path, readFileSync(path, "utf8").slice(0, -30));
  assert.deepEqual(kinds(verifyLog(path).problems), ["cut@10"]);
  const p2 = sessionLog(10);
  writeFileSync(p2, readFileSync(p2, "utf8").slice(0, -1)); // only its newline is missing
  assert.deepEqual(kinds(verifyLog(p2).problems), ["cut@10"]);
});

Deno.test("verify --head: the log must contain the head kept elsewhere", () => {
  const path = sessionLog(30);
  const all = lines(path);
  const head20 = sha(all[19] as string);
  const ok = verifyLog(path, { head: head20 });
  assert.equal(ok.ok, true);
  assert.equal(ok.headLine, 20);
  save(path, all.slice(0, 15));
  const cut = verifyLog(path, { head: head20 });
  assert.equal(cut.ok, false);
  assert.deepEqual(cut.problems.map((p) => p.kind), ["head"]);
  assert.match(cut.problems[0]!.message, /is not in the log/);
  writeFileSync(path, "");
  assert.equal(verifyLog(path, { head: head20 }).ok, false, "a log truncated to nothing fails against its head");
  assert.throws(() => verifyLog(path, { head: "abc" }), /expected 64 hex digits/);
});

function keyPair(): { privateKey: string; publicKey: string; dir: string } {
  const dir = tempDir();
  const pair = generateKeyPairSync("ed25519");
  const privateKey = join(dir, "witness.key");
  const publicKey = join(dir, "witness.pub");
  writeFileSync(privateKey, pair.privateKey.export({ type: "pkcs8", format: "pem" }) as string, { mode: 0o600 });
  writeFileSync(publicKey, pair.publicKey.export({ type: "spki", format: "pem" }) as string);
  return { privateKey, publicKey, dir };
}

Deno.test("signing: checkpoints at every stop and every 1000 lines verify with the public key", () => {
  const k = keyPair();
  const path = sessionLog(2500, { signingKey: k.privateKey });
  const all = lines(path).map((l) => JSON.parse(l));
  const cps = all.filter((l) => l.event === "checkpoint");
  assert.deepEqual(cps.map((l) => l.seq), [1000, 2000, 2503]);
  for (const cp of cps) {
    assert.equal(cp.details.lines, cp.seq - 1);
    assert.equal(cp.details.head, cp.prev);
    assert.match(cp.details.signature, /^[A-Za-z0-9+/]+=*$/);
  }
  const r = verifyLog(path, { publicKey: readFileSync(k.publicKey, "utf8") });
  assert.equal(r.ok, true, JSON.stringify(r.problems));
  assert.deepEqual(r.checkpoints, { total: 3, verified: 3, lastLine: 2503 });
  assert.deepEqual(r.warnings, []);
  // without the key the checkpoints are counted but not checked, and verify says so
  const plain = verifyLog(path);
  assert.equal(plain.ok, true);
  assert.deepEqual(plain.warnings.map((w) => w.kind), ["checkpoints-unchecked"]);
});

Deno.test("signing: an edit with the whole chain recomputed is caught by the checkpoints, not by the chain", () => {
  const k = keyPair();
  const path = sessionLog(1500, { signingKey: k.privateKey });
  const all = lines(path);
  // rewrite line 10 and recompute every prev after it: the chain alone cannot see it
  all[9] = (all[9] as string).replace("echo 9", "rm -rf");
  for (let i = 10; i < all.length; i++) {
    all[i] = (all[i] as string).replace(/"prev":"[0-9a-f]{64}"\}$/, `"prev":"${sha(all[i - 1] as string)}"}`);
  }
  save(path, all);
  assert.equal(verifyLog(path).ok, true, "the chain alone is fooled");
  const r = verifyLog(path, { publicKey: readFileSync(k.publicKey, "utf8") });
  assert.equal(r.ok, false);
  assert.deepEqual(r.problems.map((p) => p.kind), ["signature", "signature"]);
  assert.equal(r.problems[0]!.line, 1000);
});

Deno.test("signing: another key's checkpoints and a log without checkpoints fail --key", () => {
  const k = keyPair();
  const other = keyPair();
  const path = sessionLog(20, { signingKey: k.privateKey });
  const r = verifyLog(path, { publicKey: readFileSync(other.publicKey, "utf8") });
  assert.equal(r.ok, false);
  assert.match(r.problems[0]!.message, /signed by another key/);
  const unsigned = sessionLog(20);
  const u = verifyLog(unsigned, { publicKey: readFileSync(k.publicKey, "utf8") });
  assert.equal(u.ok, false);
  assert.match(u.problems[0]!.message, /no checkpoint/);
});

Deno.test("signing: lines after the last checkpoint are reported as not covered", () => {
  const k = keyPair();
  const path = sessionLog(20, { signingKey: k.privateKey });
  const log = new WitnessLog(path);
  log.append(gate(1));
  log.close();
  const r = verifyLog(path, { publicKey: readFileSync(k.publicKey, "utf8") });
  assert.equal(r.ok, true);
  assert.deepEqual(r.warnings.map((w) => w.kind).sort(), ["no-stop", "unsigned-tail"]);
});

Deno.test("verify: problems are capped at 1000 kept, and all of them are counted", () => {
  const path = sessionLog(6000);
  const all = lines(path);
  for (let i = 10; i < 5010; i += 4) all[i] = (all[i] as string).replace('"allow"', '"deny"');
  save(path, all);
  const r = verifyLog(path);
  assert.equal(r.ok, false);
  assert.equal(r.lines, 6000);
  assert.equal(r.problems.length, 1000);
  assert.equal(r.problemCount, 1250);
  assert.ok(r.problems.every((p) => p.kind === "edit"));
});

Deno.test("verify: a run of junk lines is one problem over a range of lines", () => {
  const path = sessionLog(10);
  const all = lines(path);
  all.splice(5, 0, ...Array(500).fill("junk"));
  save(path, all);
  const r = verifyLog(path);
  assert.deepEqual(r.problems.map((p) => [p.kind, p.line, p.endLine]), [["inserted", 6, 505]]);
});
