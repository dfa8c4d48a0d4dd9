/**
 * End-to-end over `safe-exec serve` (every target of tests/_targets.ts): the requests and answers of issue 13 —
 * unknown fields refused, `cancel`, rules in the config, `check`, token counting, and approvals with a reason or
 * remembered for the session.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { targets } from "../_targets.ts";
import { killLeftovers, type Live, startLive } from "./_live.ts";

type Msg = Record<string, unknown>;

/** A folder with a config (sandbox none unless given) and a live `serve`. */
function start(
  target: { argv: string[]; name: string },
  config: Record<string, unknown>,
  args: string[] = [],
): { live: Live; cwd: string; log: () => Msg[]; done: () => void } {
  const cwd = mkdtempSync(join(tmpdir(), "se-i13-"));
  writeFileSync(join(cwd, "safe-exec.jsonc"), JSON.stringify({ sandbox: { mode: "none" }, ...config }));
  const live = startLive(target, ["serve", ...args], { cwd });
  const log = () => {
    try {
      return readFileSync(join(cwd, "witness.log"), "utf8").trim().split("\n").filter(Boolean).map((l) =>
        JSON.parse(l)
      );
    } catch {
      return [];
    }
  };
  return {
    live,
    cwd,
    log,
    done: () => {
      killLeftovers();
      rmSync(cwd, { recursive: true, force: true });
    },
  };
}

/** The first line that matches, once it came. */
async function line(live: Live, pred: (l: Msg) => boolean, timeoutMs = 30_000): Promise<Msg> {
  await live.waitFor(pred, 1, timeoutMs);
  return live.lines.find(pred)!;
}

/** Poll until `cond` holds (20 s at most). */
async function until(cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 25));
  }
}

const answerTo = (id: unknown, type?: string) => (l: Msg) => l.id === id && (type === undefined || l.type === type);

for (const target of targets()) {
  Deno.test(`[${target.name}] unknown fields are refused with the field named and the likely one`, async () => {
    const s = start(target, {});
    try {
      await s.live.send(
        { id: 1, type: "metrics", context_tokens: 5000 },
        { id: 2, tool: "list_dir", arguments: { path: "." } },
        { id: 3, type: "metrics", contextTokens: 5 },
      );
      const m = await line(s.live, answerTo(1));
      assert.equal(m.type, "error");
      assert.deepEqual((m.error as Msg).code, "bad_request");
      assert.match((m.error as Msg).message as string, /Unknown field "context_tokens".*did you mean "contextTokens"/);
      const e = await line(s.live, answerTo(2));
      assert.match((e.error as Msg).message as string, /Unknown field "arguments".*did you mean "args"/);
      // nothing was run or changed: the metrics still say 0 until the good request
      assert.equal(((await line(s.live, answerTo(3))).metrics as Msg).contextTokens, 5);
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
      assert.deepEqual(await line(s.live, answerTo("c1")), { id: "c1", type: "cancel", cancelled: true });
      assert.deepEqual(await line(s.live, answerTo("c2")), { id: "c2", type: "cancel", cancelled: true });
      const slow = await line(s.live, answerTo("slow", "result"));
      assert.equal(slow.errorCode, "cancelled");
      assert.ok(Date.now() - t0 < 15_000, "the sleep was killed, not waited for");
      const queued = await line(s.live, answerTo("queued", "result"));
      assert.deepEqual([queued.errorCode, queued.skipped], ["cancelled", true]);
      // a pending ASK: the client cancels instead of answering
      await s.live.send({ id: "ask", tool: "delete_file", args: { path: "x.txt" } });
      await line(s.live, answerTo("ask", "confirm_request"));
      await s.live.send({ id: "c3", type: "cancel", target: "ask" });
      const ask = await line(s.live, answerTo("ask", "result"));
      assert.deepEqual([ask.errorCode, ask.skipped], ["cancelled", true]);
      await s.live.send({ id: "c4", type: "cancel", target: "ask" }, { id: "c5", type: "cancel" });
      assert.equal((await line(s.live, answerTo("c4"))).cancelled, false);
      assert.match(((await line(s.live, answerTo("c5"))).error as Msg).message as string, /"target" must be the id/);
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
}
