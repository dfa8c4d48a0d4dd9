/**
 * What the executor writes to the witness log (SPEC §4): what runs in full, other long strings and unknown tool
 * names cut, contents and outputs only as length + sha256; stats that never block calls; signed checkpoints.
 */
import assert from "node:assert/strict";
import { createHash, generateKeyPairSync } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SafeExecutor, type SafeExecutorOptions } from "../../src/gate/executor.ts";
import { currentRuntime } from "../../src/runtime/mod.ts";
import { registerDefaults } from "../../src/app.ts";
import { hostFileBackend } from "../../src/isolation/files/host.ts";
import { noSandbox } from "../../src/isolation/process/sandbox.ts";
import { verifyLog } from "../../src/witness/mod.ts";
import { tempDir as makeTemp } from "../_temp.ts";

function make(opts: SafeExecutorOptions = {}) {
  const dir = makeTemp("se-exec-witness-");
  const witness = join(dir, "witness.log");
  const ex = new SafeExecutor({ workspace: join(dir, "ws"), witness, ...opts });
  const log = () => readFileSync(witness, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  return { dir, ex, witness, log };
}

function sha(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

Deno.test("executor: an unknown tool's name is cut in the log line and in the answer", async () => {
  const { ex, witness } = make();
  const name = "n".repeat(4 * 1024 * 1024);
  const r = await ex.execute(name, {});
  assert.equal(r.errorCode, "unknown_tool");
  assert.ok(JSON.stringify(r).length < 4096, `the answer is ${JSON.stringify(r).length} bytes`);
  assert.match(String(r.error), /4194304 chars/);
  ex.close();
  const text = readFileSync(witness, "utf8");
  assert.ok(text.length < 4096, `the log is ${text.length} bytes`);
  const gate = text.trim().split("\n").map((l) => JSON.parse(l)).find((l) => l.event === "gate");
  assert.ok(gate.tool.length <= 100, gate.tool.slice(0, 100));
  assert.equal(gate.details.toolName.length, 4 * 1024 * 1024);
  assert.equal(gate.details.toolName.sha256, sha(name));
});

Deno.test("executor: run_bash cmd and run_python code are logged in full up to their 100 000-byte cap", async () => {
  const { ex, log } = make({ confirm: () => false });
  registerDefaults(ex, { runtime: await currentRuntime(), fileBackend: hostFileBackend, sandbox: noSandbox });
  const cmd = ": " + "a".repeat(99_990);
  const code = "# " + "b".repeat(99_990);
  await ex.execute("run_bash", { cmd });
  await ex.execute("run_python", { code });
  const over = ": " + "c".repeat(100_001);
  await ex.execute("run_bash", { cmd: over });
  ex.close();
  const gates = log().filter((l) => l.event === "gate");
  assert.equal(gates[0].details.args.cmd, cmd);
  assert.equal(gates[1].details.args.code, code);
  assert.deepEqual(gates[2].details.args.cmd, { cut: over.slice(0, 256), length: over.length, sha256: sha(over) });
});

Deno.test("executor: a tool registered with witness.maxString keeps every argument up to 64 KiB", async () => {
  const { ex, log } = make();
  ex.register("deploy", { risk: "low", witness: { maxString: 64 * 1024 } }, () => "ok");
  const within = "w".repeat(64 * 1024);
  const beyond = "x".repeat(64 * 1024 + 1);
  await ex.execute("deploy", { target: within, nested: { note: within }, extra: beyond, content: "secret" });
  ex.close();
  const args = log().find((l) => l.event === "gate").details.args;
  assert.equal(args.target, within);
  assert.equal(args.nested.note, within);
  assert.equal(args.extra.length, beyond.length);
  assert.equal(args.extra.sha256, sha(beyond));
  assert.deepEqual(args.content, { length: 6, sha256: sha("secret") });
});

Deno.test("executor: outputs are never logged, only their length and sha256", async () => {
  const { ex, log } = make();
  const secret = "OUTPUT-SECRET-" + "o".repeat(500);
  ex.register("leak", { risk: "low" }, () => secret);
  ex.register("obj", { risk: "low" }, () => ({ a: 1 }));
  await ex.execute("leak", {});
  await ex.execute("obj", {});
  ex.close();
  const text = JSON.stringify(log());
  assert.ok(!text.includes("OUTPUT-SECRET"));
  const [a, b] = log().filter((l) => l.event === "execute");
  assert.equal(a.details.outputBytes, secret.length);
  assert.equal(a.details.outputSha256, sha(secret));
  assert.equal(b.details.outputSha256, sha('{"a":1}'));
});

Deno.test("executor: the first stats on a big log answers at once and never blocks calls; the scan completes", async () => {
  const dir = makeTemp("se-exec-witness-");
  const witness = join(dir, "witness.log");
  // 200 000 lines of earlier sessions (their chain does not matter to stats)
  const line = JSON.stringify({
    seq: 1,
    ts: "2026-01-01T00:00:00.000Z",
    event: "gate",
    tool: "read_file",
    decision: "allow",
    details: { rationale: "r".repeat(200) },
    prev: "0".repeat(64),
  });
  writeFileSync(witness, (line + "\n").repeat(200_000));
  const ex = new SafeExecutor({ workspace: join(dir, "ws"), witness });
  ex.register("noop", { risk: "low" }, () => "ok");
  await ex.execute("noop", {});
  const first = ex.logStats();
  assert.equal(first.complete, false, "the first stats does not wait for the scan");
  assert.deepEqual(first.session.byEvent, { session: 1, gate: 1, execute: 1 });
  let scanned = false;
  const full = ex.witness.fullStats().then((s) => {
    scanned = true;
    return s;
  });
  const r = await ex.execute("noop", {});
  assert.equal(r.ok, true);
  assert.equal(scanned, false, "a call started after stats finished before the scan");
  const s = await full;
  assert.equal(s.complete, true);
  assert.equal(s.byTool.read_file, 200_000);
  assert.equal(s.byTool.noop, 2);
  assert.equal(s.total, 200_005);
  assert.equal(ex.logStats().total, 200_005, "later stats are complete and follow the appends");
  ex.close();
});

Deno.test("executor: with a signing key the session ends with a signed checkpoint", async () => {
  const dir = makeTemp("se-exec-witness-");
  const pair = generateKeyPairSync("ed25519");
  const key = join(dir, "witness.key");
  writeFileSync(key, pair.privateKey.export({ type: "pkcs8", format: "pem" }) as string, { mode: 0o600 });
  const { ex, witness, log } = make({ witnessSigningKey: key });
  ex.register("noop", { risk: "low" }, () => "ok");
  await ex.execute("noop", {});
  ex.close();
  const all = log();
  assert.deepEqual(all.map((l) => l.event), ["session", "gate", "execute", "session", "checkpoint"]);
  const pub = pair.publicKey.export({ type: "spki", format: "pem" }) as string;
  const r = verifyLog(witness, { publicKey: pub });
  assert.equal(r.ok, true, JSON.stringify(r.problems));
  assert.deepEqual(r.checkpoints, { total: 1, verified: 1, lastLine: 5 });
});

Deno.test("executor: contextAfter sets the context from the result and logs it right after the execute line", async () => {
  const { ex, log } = make({ metrics: { maxContext: 1000 } });
  ex.register("echo", { risk: "low" }, (args) => ({ content: [{ type: "text", text: String(args.s) }] }));
  const seen: unknown[] = [];
  const r = await ex.execute("echo", { s: "hello" }, {
    contextAfter: (result) => {
      seen.push(result.output);
      return 500;
    },
  });
  assert.equal(r.ok, true);
  assert.deepEqual(seen, [{ content: [{ type: "text", text: "hello" }] }]);
  assert.equal(ex.metrics.snapshot().contextTokens, 500, "in effect when execute returns");
  // Null leaves the metrics as they are, and writes no metrics line.
  await ex.execute("echo", { s: "again" }, { contextAfter: () => null });
  // Not called for a call that did not run.
  await ex.execute("nope", {}, { contextAfter: () => assert.fail("called for an unknown tool") });
  ex.close();
  const lines = log().filter((l) => l.event !== "session");
  assert.deepEqual(lines.map((l) => l.event), ["gate", "execute", "metrics", "gate", "execute", "gate"]);
  assert.deepEqual(lines[2].details, { action: "update", contextTokens: 500, fatigue: lines[2].details.fatigue });
  assert.ok(lines[2].details.fatigue > 0, "the fatigue after the update");
});

Deno.test("executor: onRan gets the result before the execute line is written; execute resolves after it", async () => {
  const { ex, log } = make();
  ex.register("echo", { risk: "low" }, (args) => ({ content: [{ type: "text", text: String(args.s) }] }));
  ex.register("boom", { risk: "low" }, () => {
    throw new Error("no");
  });
  const seen: { ok: boolean; lastEvent: string }[] = [];
  const onRan = (r: { ok: boolean }) => seen.push({ ok: r.ok, lastEvent: log().at(-1).event });
  const r = await ex.execute("echo", { s: "hi" }, { onRan });
  assert.equal(r.ok, true);
  assert.equal(log().at(-1).event, "execute", "the line is in the log when execute resolves");
  const failed = await ex.execute("boom", {}, { onRan });
  assert.equal(failed.ok, false);
  // A throwing callback loses nothing; a call that did not run gets no callback.
  await ex.execute("echo", { s: "x" }, {
    onRan: () => {
      throw new Error("the transport failed");
    },
  });
  await ex.execute("nope", {}, { onRan: () => assert.fail("called for an unknown tool") });
  ex.close();
  assert.deepEqual(seen, [{ ok: true, lastEvent: "gate" }, { ok: false, lastEvent: "gate" }]);
  const lines = log().filter((l) => l.event !== "session");
  assert.deepEqual(lines.map((l) => l.event), ["gate", "execute", "gate", "execute", "gate", "execute", "gate"]);
});
