/**
 * End-to-end over `safe-exec serve` (every target of tests/_targets.ts): the requests and answers of issue 13 —
 * unknown fields refused, `cancel`, rules in the config, `check`, token counting, and approvals with a reason or
 * remembered for the session.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run, type Target, targets } from "../_targets.ts";
import { countMessages, loadTokenizer } from "../../src/tokens/mod.ts";
import { answerTo, firstLine, type LiveServe, type Msg, serveIn } from "./_live.ts";
import { evil } from "../gateway/_servers.ts";

/** A folder with a config (sandbox none unless given) and a live `serve`. */
function start(target: Target, config: Record<string, unknown>, args: string[] = []): LiveServe {
  return serveIn(target, { prefix: "se-i13-", config: { sandbox: { mode: "none" }, ...config }, args });
}

/** Poll until `cond` holds (20 s at most). */
async function until(cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 25));
  }
}

for (const target of targets()) {
  Deno.test(`[${target.name}] unknown fields are refused with the field named and the likely one`, async () => {
    const s = start(target, {});
    try {
      await s.live.send(
        { id: 1, type: "metrics", context_tokens: 5000 },
        { id: 2, tool: "list_dir", arguments: { path: "." } },
        { id: 3, type: "metrics", contextTokens: 5 },
      );
      const m = await firstLine(s.live, answerTo(1));
      assert.equal(m.type, "error");
      assert.deepEqual((m.error as Msg).code, "bad_request");
      assert.match((m.error as Msg).message as string, /Unknown field "context_tokens".*did you mean "contextTokens"/);
      const e = await firstLine(s.live, answerTo(2));
      assert.match((e.error as Msg).message as string, /Unknown field "arguments".*did you mean "args"/);
      // nothing was run or changed: the metrics still say 0 until the good request
      assert.equal(((await firstLine(s.live, answerTo(3))).metrics as Msg).contextTokens, 5);
      assert.equal(s.log().filter((l) => l.event === "gate").length, 0);
      await s.live.closeStdin();
      assert.equal((await s.live.exited()).code, 0);
    } finally {
      s.done();
    }
  });

  Deno.test(`[${target.name}] cancel: a running call is killed, a queued one and a pending ASK are not run`, async () => {
    const s = start(target, { tools: { run_bash: { risk: "low" } } });
    try {
      const t0 = Date.now();
      await s.live.send({ id: "slow", tool: "run_bash", args: { cmd: "sleep 30" } });
      await s.live.send({ id: "queued", tool: "write_file", args: { path: "never.txt", content: "x" } });
      await until(() => s.log().some((l) => l.event === "gate" && l.tool === "run_bash"));
      await s.live.send({ id: "c1", type: "cancel", target: "queued" }, { id: "c2", type: "cancel", target: "slow" });
      assert.deepEqual(await firstLine(s.live, answerTo("c1")), { id: "c1", type: "cancel", cancelled: true });
      assert.deepEqual(await firstLine(s.live, answerTo("c2")), { id: "c2", type: "cancel", cancelled: true });
      const slow = await firstLine(s.live, answerTo("slow", "result"));
      assert.equal(slow.errorCode, "cancelled");
      assert.ok(Date.now() - t0 < 15_000, "the sleep was killed, not waited for");
      const queued = await firstLine(s.live, answerTo("queued", "result"));
      assert.deepEqual([queued.errorCode, queued.skipped], ["cancelled", true]);
      // a pending ASK: the client cancels instead of answering
      await s.live.send({ id: "ask", tool: "delete_file", args: { path: "x.txt" } });
      await firstLine(s.live, answerTo("ask", "confirm_request"));
      await s.live.send({ id: "c3", type: "cancel", target: "ask" });
      const ask = await firstLine(s.live, answerTo("ask", "result"));
      assert.deepEqual([ask.errorCode, ask.skipped], ["cancelled", true]);
      await s.live.send({ id: "c4", type: "cancel", target: "ask" }, { id: "c5", type: "cancel" });
      assert.equal((await firstLine(s.live, answerTo("c4"))).cancelled, false);
      assert.match(
        ((await firstLine(s.live, answerTo("c5"))).error as Msg).message as string,
        /"target" must be the id/,
      );
      await s.live.closeStdin();
      assert.equal((await s.live.exited()).code, 0);
      let exists = true;
      try {
        readFileSync(join(s.cwd, "workspace", "never.txt"));
      } catch {
        exists = false;
      }
      assert.equal(exists, false, "the cancelled write never ran");
    } finally {
      s.done();
    }
  });

  Deno.test(`[${target.name}] rules: re-rating, floors and the built-in read-only set, in the result and the log`, async () => {
    const s = start(target, { rules: RULES });
    try {
      await s.live.send(
        { id: "ls", tool: "run_bash", args: { cmd: "ls -la | wc -l" } },
        { id: "redir", tool: "run_bash", args: { cmd: "echo hi > out.txt" } },
        { id: "rm", tool: "run_bash", args: { cmd: "ls; rm -rf docs" } },
        { id: "docs", tool: "write_file", args: { path: "docs/a.md", content: "x" } },
        { id: "ci", tool: "write_file", args: { path: ".github/ci.yml", content: "x" } },
        { id: "push", tool: "run_bash", args: { cmd: "timeout 5 git --no-pager push" } },
      );
      const ls = await firstLine(s.live, answerTo("ls", "result"));
      assert.deepEqual([ls.ok, ls.decision, ls.risk], [true, "allow", "low"]);
      assert.equal(((ls.output as Msg).stdout as string).trim().length > 0, true);
      assert.deepEqual((ls.rules as Msg[]).map((r) => r.rule), ["builtin"]);
      const redir = await firstLine(s.live, answerTo("redir", "result"));
      assert.deepEqual([redir.ok, redir.decision, redir.risk], [true, "allow", "medium"]);
      assert.equal(readFileSync(join(s.cwd, "workspace", "out.txt"), "utf8"), "hi\n");
      const rm = await firstLine(s.live, answerTo("rm", "result"));
      assert.deepEqual([rm.decision, rm.errorCode, rm.skipped], ["deny", "denied", true]);
      assert.match(rm.error as string, /deny by rules\[1\] \(run_bash rm\) -> deny/);
      const docs = await firstLine(s.live, answerTo("docs", "result"));
      assert.deepEqual([docs.ok, docs.risk, (docs.rules as Msg[])[0]!.rule], [true, "low", 2]);
      const ci = await firstLine(s.live, answerTo("ci", "result"));
      assert.deepEqual([ci.decision, ci.errorCode], ["deny", "denied"]);
      const ask = await firstLine(s.live, answerTo("push", "confirm_request"));
      assert.match(ask.rationale as string, /at least ask by rules\[0\] \(run_bash git push\)/);
      await s.live.send({ type: "confirm", id: "push", approve: false });
      assert.equal((await firstLine(s.live, answerTo("push", "result"))).errorCode, "not_approved");
      const gates = s.log().filter((l) => l.event === "gate");
      const lsGate = gates.find((l) => (l.details as Msg).risk === "low" && l.tool === "run_bash")!;
      assert.equal((lsGate.details as Msg).tableRisk, "high");
      assert.match(
        (lsGate.details as Msg).rationale as string,
        /^risk=low by built-in read-only commands \(ls, wc\); risk=low/,
      );
      await s.live.closeStdin();
      assert.equal((await s.live.exited()).code, 0);
    } finally {
      s.done();
    }
  });

  Deno.test(`[${target.name}] rules: "readOnlyCommands": false asks for ls; a bad rule stops the start naming it`, async () => {
    const s = start(target, { readOnlyCommands: false });
    try {
      await s.live.send({ id: 1, tool: "run_bash", args: { cmd: "ls" } });
      const ask = await firstLine(s.live, answerTo(1, "confirm_request"));
      assert.equal(ask.risk, "high");
      await s.live.closeStdin();
      await s.live.exited();
    } finally {
      s.done();
    }
    const bad = start(target, { rules: [{ tool: "run_bash", comand: ["ls"], risk: "low" }] });
    try {
      const status = await bad.live.exited();
      assert.equal(status.code, 2);
      assert.match(bad.live.stderr(), /unknown key "rules\[0\]\.comand" \(did you mean "command"\?\)/);
    } finally {
      bad.done();
    }
  });

  Deno.test(`[${target.name}] check: the decision and rules now, nothing asked, run or logged; also while a call waits`, async () => {
    const s = start(target, { rules: RULES });
    try {
      await s.live.send({ id: "wait", tool: "delete_file", args: { path: "keep.txt" } });
      await firstLine(s.live, answerTo("wait", "confirm_request"));
      await s.live.send(
        { id: 1, type: "check", tool: "run_bash", args: { cmd: "rm -rf build" } },
        { id: 2, type: "check", tool: "run_bash", args: { cmd: "git status && npm test" } },
        { id: 3, type: "check", tool: "write_file", args: { path: "docs/x.md", content: "" } },
        { id: 4, type: "check", tool: "nope" },
        { id: 5, type: "check", tool: "run_bash", args: { cmd: "ls" }, approve: true },
      );
      const rm = await firstLine(s.live, answerTo(1, "check"));
      assert.deepEqual([rm.decision, rm.risk, rm.errorCode], ["deny", "high", "denied"]);
      assert.deepEqual(rm.rules, [{ rule: 1, effect: "decision=deny", summary: "run_bash rm" }]);
      const npm = await firstLine(s.live, answerTo(2, "check"));
      // git is lowered only under the sandbox (sandbox "none" here), so the npm test rule does not cover git status
      assert.deepEqual([npm.decision, npm.risk], ["ask", "high"]);
      assert.ok((npm.notes as string[]).some((n) => /git/.test(n)), JSON.stringify(npm.notes));
      const docs = await firstLine(s.live, answerTo(3, "check"));
      assert.deepEqual([docs.decision, docs.risk, (docs.rules as Msg[])[0]!.rule], ["allow", "low", 2]);
      assert.equal((await firstLine(s.live, answerTo(4, "check"))).errorCode, "unknown_tool");
      assert.match(
        ((await firstLine(s.live, answerTo(5, "error"))).error as Msg).message as string,
        /Unknown field "approve"/,
      );
      await s.live.send({ type: "confirm", id: "wait", approve: false });
      await firstLine(s.live, answerTo("wait", "result"));
      await s.live.closeStdin();
      assert.equal((await s.live.exited()).code, 0);
      // only the delete_file call is in the log
      assert.deepEqual(s.log().filter((l) => l.event === "gate").map((l) => l.tool), ["delete_file"]);
    } finally {
      s.done();
    }
  });

  Deno.test(`[${target.name}] safe-exec check TOOL --args JSON prints the decision and writes no log`, async () => {
    const cwd = mkdtempSync(join(tmpdir(), "se-i13-"));
    try {
      writeFileSync(join(cwd, "safe-exec.jsonc"), JSON.stringify({ sandbox: "none", rules: RULES }));
      const r = await run(target, ["check", "run_bash", "--args", '{"cmd":"cat a | grep b; rm -rf /"}'], { cwd });
      assert.equal(r.code, 0, r.stderr);
      const c = r.lines[0]!;
      assert.deepEqual([c.type, c.decision, (c.rules as Msg[])[0]!.rule], ["check", "deny", 1]);
      const low = await run(target, ["check", "run_bash", "--args", '"{\\"cmd\\":\\"ls\\"}"'], { cwd });
      assert.equal(low.lines[0]!.decision, "allow", low.stdout + low.stderr); // OpenAI-style string arguments
      const bad = await run(target, ["check"], { cwd });
      assert.equal(bad.code, 2);
      assert.equal(existsSync(join(cwd, "witness.log")), false);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  Deno.test(`[${target.name}] approvals: reason to the model, remember call/tool until reset, who answered, timeout`, async () => {
    const s = start(target, { confirmTimeoutMs: 1500 });
    try {
      const ask = async (id: string, args: Msg, answer: Msg | null) => {
        await s.live.send({ id, tool: "run_bash", args });
        const q = await firstLine(s.live, answerTo(id, "confirm_request"));
        if (answer !== null) await s.live.send({ type: "confirm", id, ...answer });
        return { q, r: await firstLine(s.live, answerTo(id, "result")) };
      };
      const no = await ask("a", { cmd: "touch a" }, { approve: false, reason: "use write_file instead" });
      assert.equal(no.q.timeoutMs, 1500);
      assert.equal(no.r.errorCode, "not_approved");
      assert.match(no.r.error as string, /^Not approved: declined by the client: "use write_file instead"/);
      const call = await ask("b", { cmd: "touch b" }, { approve: true, remember: "call" });
      assert.equal(call.r.ok, true);
      // the same call again: approved without a question; another one is asked
      await s.live.send({ id: "b2", tool: "run_bash", args: { cmd: "touch b" } });
      assert.equal((await firstLine(s.live, answerTo("b2", "result"))).ok, true);
      assert.equal(s.live.lines.some((l) => l.id === "b2" && l.type === "confirm_request"), false);
      const tool = await ask("c", { cmd: "touch c" }, { approve: true, remember: "tool" });
      assert.equal(tool.r.ok, true);
      await s.live.send({ id: "d", tool: "run_bash", args: { cmd: "touch d" } });
      assert.equal((await firstLine(s.live, answerTo("d", "result"))).ok, true);
      // a remembered approval never lifts a DENY: at high fatigue run_bash is denied
      await s.live.send({ id: "m", type: "metrics", contextTokens: 4000, errorOccurred: true });
      await firstLine(s.live, answerTo("m"));
      for (let i = 0; i < 5; i++) await s.live.send({ id: `e${i}`, type: "metrics", errorOccurred: true });
      await firstLine(s.live, answerTo("e4"));
      await s.live.send({ id: "hi", tool: "run_bash", args: { cmd: "touch e" } });
      assert.equal((await firstLine(s.live, answerTo("hi", "result"))).errorCode, "denied");
      // reset forgets; then nobody answers: the timeout is announced in the request and the result
      await s.live.send({ id: "r", type: "reset" });
      await firstLine(s.live, answerTo("r"));
      const late = await ask("f", { cmd: "touch f" }, null);
      assert.match(
        late.r.error as string,
        /^Not approved: no answer within 1500 ms from the client \(the confirm timeout\)/,
      );
      await s.live.send({ id: "bad", type: "confirm", approve: false, remember: "tool" });
      assert.match(
        ((await firstLine(s.live, answerTo("bad"))).error as Msg).message as string,
        /only with "approve": true/,
      );
      await s.live.closeStdin();
      assert.equal((await s.live.exited()).code, 0);
      const confirms = s.log().filter((l) => l.event === "confirm").map((l) => l.details as Msg);
      assert.deepEqual(confirms.map((d) => [d.by, d.approved, d.remember, d.message]), [
        ["client", false, null, "use write_file instead"],
        ["client", true, "call", null],
        ["remembered", true, null, null],
        ["client", true, "tool", null],
        ["remembered", true, null, null],
        ["client", false, null, null],
      ]);
    } finally {
      s.done();
    }
  });

  Deno.test(`[${target.name}] approvals: --confirm deny says the policy declined, nobody was asked`, async () => {
    const s = start(target, {}, ["--confirm", "deny"]);
    try {
      await s.live.send({ id: 1, tool: "run_bash", args: { cmd: "touch x" } });
      const r = await firstLine(s.live, answerTo(1, "result"));
      assert.match(
        r.error as string,
        /^Not approved: the confirm policy approves no ASK \(--confirm deny\), nobody was asked/,
      );
      await s.live.closeStdin();
      await s.live.exited();
      assert.equal((s.log().find((l) => l.event === "confirm")!.details as Msg).by, "policy");
    } finally {
      s.done();
    }
  });

  Deno.test(`[${target.name}] metrics: contextText and messages counted by metrics.tokenizer`, async () => {
    const text = "The quick brown fox jumps over the lazy dog. ".repeat(40);
    const messages = [
      { role: "system", content: "You are terse." },
      { role: "user", content: [{ type: "text", text }] },
      { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "read_file", input: { path: "a.txt" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "hello" }] },
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "c", type: "function", function: { name: "ls", arguments: "{}" } }],
      },
    ];
    for (const tokenizer of ["o200k_base", "claude", "chars"] as const) {
      const s = start(target, { metrics: { tokenizer } });
      try {
        const counter = await loadTokenizer(tokenizer);
        await s.live.send(
          { id: 1, type: "metrics", contextText: text },
          { id: 2, type: "metrics", messages, errorOccurred: true },
          { id: 3, type: "metrics", messages: [{ role: 5 }] },
          { id: 4, type: "metrics", contextText: "x", contextTokens: 3 },
        );
        const one = await firstLine(s.live, answerTo(1));
        assert.equal((one.metrics as Msg).contextTokens, counter.count(text));
        assert.deepEqual(one.counted, { tokens: counter.count(text), tokenizer, from: "contextText" });
        const two = await firstLine(s.live, answerTo(2));
        assert.equal((two.metrics as Msg).contextTokens, countMessages(messages, counter));
        assert.equal((two.metrics as Msg).errorCount, 1);
        assert.match(((await firstLine(s.live, answerTo(3))).error as Msg).message as string, /messages\[0\]/);
        assert.match(((await firstLine(s.live, answerTo(4))).error as Msg).message as string, /only one of/);
        await s.live.closeStdin();
        await s.live.exited();
      } finally {
        s.done();
      }
    }
  });

  Deno.test(`[${target.name}] rules judge what a call acts on; check and the calls agree on upstream tools`, async () => {
    const s = start(target, {
      rules: [
        { tool: "copy_file", path: [".github/workflows/**"], decision: "deny" },
        { tool: "delete_*", path: ["src/important/**"], decision: "deny" },
      ],
      servers: { f: { command: evil("rerate") } },
    });
    try {
      const ws = join(s.cwd, "workspace");
      mkdirSync(join(ws, ".github/workflows"), { recursive: true });
      mkdirSync(join(ws, "src/important"), { recursive: true });
      writeFileSync(join(ws, "ci.txt"), "CI");
      writeFileSync(join(ws, "src/important/db.txt"), "DB");
      await s.live.send(
        { id: "cp", tool: "copy_file", args: { src: "ci.txt", dst: ".github/workflows" } },
        { id: "del", tool: "delete_dir", args: { path: "src" } },
        { id: "chk", type: "check", tool: "f__wipe", args: {} },
        { id: "w1", tool: "f__wipe", args: {} },
      );
      assert.deepEqual((await firstLine(s.live, answerTo("cp", "result"))).errorCode, "denied");
      assert.deepEqual((await firstLine(s.live, answerTo("del", "result"))).errorCode, "denied");
      assert.equal(existsSync(join(ws, ".github/workflows/ci.txt")), false);
      assert.equal(readFileSync(join(ws, "src/important/db.txt"), "utf8"), "DB");
      const chk = await firstLine(s.live, answerTo("chk", "check"));
      assert.deepEqual([chk.decision, chk.risk, chk.errorCode], ["ask", "high", null], JSON.stringify(chk));
      const ask = await firstLine(s.live, answerTo("w1", "confirm_request"));
      assert.equal(ask.risk, "high");
      await s.live.send({ type: "confirm", id: "w1", approve: true });
      assert.equal((await firstLine(s.live, answerTo("w1", "result"))).ok, true);
      // the server has re-listed wipe as read-only: it still asks, at high
      await until(() => /keeps risk high/.test(s.live.stderr()));
      await s.live.send({ id: "w2", tool: "f__wipe", args: {} });
      assert.equal((await firstLine(s.live, answerTo("w2", "confirm_request"))).risk, "high");
      await s.live.send({ type: "confirm", id: "w2", approve: false });
      await firstLine(s.live, answerTo("w2", "result"));
      await s.live.closeStdin();
      assert.equal((await s.live.exited()).code, 0);
    } finally {
      s.done();
    }
  });

  Deno.test(`[${target.name}] safe-exec check knows an upstream tool and writes no log`, async () => {
    const cwd = mkdtempSync(join(tmpdir(), "se-i13-"));
    try {
      writeFileSync(
        join(cwd, "safe-exec.jsonc"),
        JSON.stringify({ sandbox: "none", servers: { f: { command: evil("rerate") } } }),
      );
      const r = await run(target, ["check", "f__peek"], { cwd });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual([r.lines[0]!.decision, r.lines[0]!.risk], ["allow", "low"], r.stdout);
      const w = await run(target, ["check", "f__wipe"], { cwd });
      assert.deepEqual([w.lines[0]!.decision, w.lines[0]!.risk], ["ask", "high"], w.stdout);
      assert.equal(existsSync(join(cwd, "witness.log")), false);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
}

const RULES = [
  { tool: "run_bash", command: ["git push"], decision: "ask" },
  { tool: "run_bash", command: ["rm"], decision: "deny" },
  { tool: "write_file", path: ["docs/**"], risk: "low" },
  { tool: "write_file", path: [".github/**"], decision: "deny" },
  { tool: "run_bash", command: ["npm test"], risk: "low" },
];
