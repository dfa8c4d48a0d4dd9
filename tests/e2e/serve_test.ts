/**
 * `serve` under load and when it is told to stop, against every way of starting it (tests/_targets.ts): bounded
 * input queue (backpressure), a client that closes stdout, SIGINT/SIGTERM, and memory over a long session.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { targets } from "../_targets.ts";
import { killLeftovers, startLive } from "./_live.ts";

/** A folder with a config that makes run_bash a low-risk, unsandboxed tool: a slow call that needs no confirm. */
function fixture(): { cwd: string; args: string[]; done: () => void } {
  const cwd = mkdtempSync(join(tmpdir(), "se-serve-"));
  writeFileSync(
    join(cwd, "safe-exec.jsonc"),
    JSON.stringify({ tools: { run_bash: { risk: "low" } }, sandbox: { mode: "none" } }),
  );
  const done = () => {
    killLeftovers();
    rmSync(cwd, { recursive: true, force: true });
  };
  return { cwd, args: ["serve", "--confirm", "deny"], done };
}

/** Resolves once the witness log has a gate line for `tool` (the call started). */
async function gateLogged(cwd: string, tool: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const path = join(cwd, "witness.log");
    if (existsSync(path) && readFileSync(path, "utf8").includes(`"event":"gate","tool":"${tool}"`)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no gate line for ${tool} within ${timeoutMs} ms`);
}

function logLines(cwd: string): Array<Record<string, unknown>> {
  return readFileSync(join(cwd, "witness.log"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
}

const encoder = new TextEncoder();

for (const target of targets()) {
  Deno.test(`[${target.name}] backpressure: a burst behind a slow call is not read in whole; every call is answered`, async () => {
    const f = fixture();
    try {
      const live = startLive(target, f.args, { cwd: f.cwd });
      await live.send({ id: "slow", tool: "run_bash", args: { cmd: "sleep 2" } });
      await gateLogged(f.cwd, "run_bash");
      // 20,000 queued calls (1.3 MB), written in 16 KiB pieces; the server may take about 1,000 of them (plus a
      // read chunk and the pipe's buffer) while the slow call runs.
      const total = 20_000;
      const body = Array.from({ length: total }, (_, i) => `{"id":${i},"tool":"list_dir","args":{"path":"."}}\n`)
        .join("");
      const bytes = encoder.encode(body);
      let written = 0;
      const writing = (async () => {
        for (let at = 0; at < bytes.length; at += 16 * 1024) {
          const piece = bytes.subarray(at, Math.min(bytes.length, at + 16 * 1024));
          await live.write(piece);
          written += piece.length;
        }
      })();
      await new Promise((r) => setTimeout(r, 1000));
      const duringSlowCall = written;
      assert.equal(live.lines.length, 0, "the slow call is still running");
      assert.ok(
        duringSlowCall < 600 * 1024,
        `the server read ${duringSlowCall} of ${bytes.length} bytes while one call ran: its input queue is unbounded`,
      );
      await writing;
      await live.closeStdin();
      const s = await live.exited();
      assert.equal(s.code, 0, live.stderr());
      assert.equal(live.lines.length, total + 1, "every call answered once");
      assert.equal(live.lines[0]?.id, "slow");
      assert.equal(live.lines[0]?.ok, true);
      assert.equal(new Set(live.lines.map((l) => l.id)).size, total + 1);
      assert.ok(live.lines.slice(1).every((l) => l.ok === true), "the queued calls ran");
    } finally {
      f.done();
    }
  });

  Deno.test(`[${target.name}] a client that closes stdout stops the server like EOF: its queued calls do not run`, async () => {
    const f = fixture();
    try {
      const live = startLive(target, f.args, { cwd: f.cwd });
      await live.send({ id: "slow", tool: "run_bash", args: { cmd: "sleep 1" } });
      await gateLogged(f.cwd, "run_bash");
      const queued = Array.from({ length: 50 }, (_, i) => ({
        id: i,
        tool: "append_file",
        args: { path: "a.txt", content: "x" },
      }));
      await live.send(...queued);
      await live.closeStdout();
      // stdin stays open: only the failed write can tell the server that nobody reads its answers.
      const s = await live.exited(15_000);
      assert.equal(s.timedOut, false, `the server kept running after its stdout was closed: ${live.stderr()}`);
      assert.equal(s.code, 0, live.stderr());
      const appended = existsSync(join(f.cwd, "workspace/a.txt"))
        ? readFileSync(join(f.cwd, "workspace/a.txt"), "utf8").length
        : 0;
      assert.ok(appended <= 1, `${appended} of the 50 queued calls ran after the client closed stdout`);
      assert.match(live.stderr(), /stdout/);
      assert.deepEqual(logLines(f.cwd).at(-1)?.details, { action: "stop" });
    } finally {
      f.done();
    }
  });

  Deno.test(`[${target.name}] SIGTERM: the running call finishes, queued calls are cancelled, exit 0`, async () => {
    const f = fixture();
    try {
      const live = startLive(target, f.args, { cwd: f.cwd });
      await live.send({ id: "slow", tool: "run_bash", args: { cmd: "sleep 1; echo done" } });
      await gateLogged(f.cwd, "run_bash");
      await live.send(
        ...Array.from(
          { length: 20 },
          (_, i) => ({ id: i, tool: "append_file", args: { path: "a.txt", content: "x" } }),
        ),
        { id: "info", type: "info" }, // answered at once, once the lines before it are read: all 20 are queued
      );
      await live.waitFor((l) => l.id === "info");
      live.kill("SIGTERM");
      const s = await live.exited(20_000);
      assert.equal(s.code, 0, live.stderr());
      const slow = live.lines.find((l) => l.id === "slow");
      assert.equal(slow?.ok, true, "the running call finished");
      assert.equal(slow?.output && (slow.output as { stdout: string }).stdout, "done\n");
      const rest = live.lines.filter((l) => l.id !== "slow" && l.id !== "info");
      assert.equal(rest.length, 20, JSON.stringify(live.lines));
      for (const r of rest) {
        assert.equal(r.errorCode, "cancelled", JSON.stringify(r));
        assert.equal(r.skipped, true);
        assert.match(String(r.error), /SIGTERM/);
      }
      assert.equal(existsSync(join(f.cwd, "workspace/a.txt")), false, "no queued call ran");
      assert.deepEqual(logLines(f.cwd).at(-1)?.details, { action: "stop" });
    } finally {
      f.done();
    }
  });

  Deno.test(`[${target.name}] a second SIGINT exits at once (130) and the running call's process is stopped`, async () => {
    const f = fixture();
    try {
      const live = startLive(target, f.args, { cwd: f.cwd });
      await live.send({ id: "slow", tool: "run_bash", args: { cmd: "sleep 3; touch after.txt" } });
      await gateLogged(f.cwd, "run_bash");
      live.kill("SIGINT");
      await new Promise((r) => setTimeout(r, 300));
      const t0 = performance.now();
      live.kill("SIGINT");
      const s = await live.exited(10_000);
      assert.ok(performance.now() - t0 < 1500, `exit took ${performance.now() - t0} ms`);
      assert.equal(s.code, 130, live.stderr());
      await new Promise((r) => setTimeout(r, 3500));
      assert.equal(existsSync(join(f.cwd, "workspace/after.txt")), false, "the tool's process outlived the server");
    } finally {
      f.done();
    }
  });

  Deno.test(`[${target.name}] memory: the RSS floor by call 40,000 stays within 50 % of call 10,000's`, async () => {
    const cwd = mkdtempSync(join(tmpdir(), "se-serve-mem-"));
    try {
      const live = startLive(target, ["serve", "--confirm", "deny"], { cwd });
      await live.send({ id: 0, tool: "write_file", args: { path: "f.txt", content: "hello\n" } });
      await live.waitFor((l) => l.id === 0);
      // A client with 50 calls outstanding (a pipelining agent); bursts of hundreds hold more memory (every queued call
      // survives a scavenge), bounded by the input queue's limit.
      const batch = 50;
      const rss: Record<number, number> = {};
      for (let done = 0; done < 40_000; done += batch) {
        let text = "";
        for (let i = 1; i <= batch; i++) text += `{"id":${done + i},"tool":"read_file","args":{"path":"f.txt"}}\n`;
        await live.write(text);
        await live.waitFor(() => true, done + batch + 1, 60_000);
        // RSS is a sawtooth whose peaks follow the collector's timing (the Bun binary's peaks came 24 % above its
        // floor once in CI), so each mark is the lowest of the samples over the 2,000 calls before it: the floor
        // that would grow if memory leaked.
        const n = done + batch;
        for (const mark of [10_000, 40_000]) {
          if (n > mark - 2_000 && n <= mark) rss[mark] = Math.min(rss[mark] ?? Infinity, await live.rssMiB());
        }
      }
      await live.closeStdin();
      assert.equal((await live.exited()).code, 0, live.stderr());
      assert.ok(live.lines.every((l) => l.ok === true), "every read succeeded");
      const growth = rss[40_000]! / rss[10_000]!;
      console.log(
        `  RSS floor ${rss[10_000]!.toFixed(1)} MiB by call 10,000, ${rss[40_000]!.toFixed(1)} MiB by 40,000`,
      );
      assert.ok(
        // 1.5, not the bench's 15 %: between calls 10,000 and 40,000 the Bun binary's RSS floor has risen up to 1.27×
        // here (bun src up to 1.18×) and then levels off (1.09× from 10,000 to 100,000 in BENCHMARKS.md); why is open.
        // This guard catches a leak of 2 KiB a call (60 MiB over these calls); the bench measures flatness.
        growth <= 1.5,
        `RSS grew from ${rss[10_000]!.toFixed(1)} MiB at call 10,000 to ${rss[40_000]!.toFixed(1)} MiB at 40,000`,
      );
    } finally {
      killLeftovers();
      rmSync(cwd, { recursive: true, force: true });
    }
  });
}

for (const target of targets()) {
  Deno.test(`[${target.name}] a client that pipelines past the limit while a call waits for its confirm is not deadlocked`, async () => {
    const cwd = mkdtempSync(join(tmpdir(), "se-serve-"));
    try {
      const live = startLive(target, ["serve", "--confirm", "client"], { cwd });
      await live.send({ id: "ask", tool: "delete_file", args: { path: "nothing.txt" } });
      await live.waitFor((l) => l.type === "confirm_request" && l.id === "ask");
      // 3,000 calls queued behind the ASK (over the 1,000 limit), then the answer to the ASK.
      let text = "";
      for (let i = 0; i < 3000; i++) text += `{"id":${i},"tool":"list_dir","args":{"path":"."}}\n`;
      text += JSON.stringify({ type: "confirm", id: "ask", approve: false }) + "\n";
      const writing = live.write(text); // blocks while the server does not read
      await live.waitFor((l) => l.id === "ask" && l.type === "result", 1, 15_000);
      await writing;
      await live.closeStdin();
      const s = await live.exited();
      assert.equal(s.code, 0, live.stderr());
      const answers = live.lines.filter((l) => typeof l.id === "number");
      assert.equal(answers.length, 3000, "every call got an answer");
      const refused = answers.filter((l) => (l.error as { code?: string } | undefined)?.code === "overloaded");
      const ran = answers.filter((l) => l.type === "result" && l.ok === true);
      assert.equal(refused.length + ran.length, 3000, JSON.stringify(answers.find((l) => !l.ok && !l.error)));
      assert.ok(ran.length >= 1000, `${ran.length} queued`);
      if (refused.length > 0) assert.match(String((refused[0]!.error as { message: string }).message), /queued/);
    } finally {
      killLeftovers();
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  const mcpInit = {
    jsonrpc: "2.0",
    id: "init",
    method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
  };
  const mcpCall = (id: unknown, name: string, args: unknown) => ({
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: { name, arguments: args },
  });

  Deno.test(`[${target.name}] mcp: backpressure behind a slow call, then every call is answered`, async () => {
    const f = fixture();
    try {
      const live = startLive(target, ["mcp"], { cwd: f.cwd });
      await live.send(mcpInit, { jsonrpc: "2.0", method: "notifications/initialized" });
      await live.waitFor((l) => l.id === "init");
      await live.send(mcpCall("slow", "run_bash", { cmd: "sleep 2" }));
      await gateLogged(f.cwd, "run_bash");
      const total = 10_000;
      let body = "";
      for (let i = 0; i < total; i++) body += JSON.stringify(mcpCall(i, "list_dir", { path: "." })) + "\n";
      const bytes = encoder.encode(body);
      let written = 0;
      const writing = (async () => {
        for (let at = 0; at < bytes.length; at += 16 * 1024) {
          const piece = bytes.subarray(at, Math.min(bytes.length, at + 16 * 1024));
          await live.write(piece);
          written += piece.length;
        }
      })();
      await new Promise((r) => setTimeout(r, 1000));
      assert.ok(written < bytes.length / 2, `the server read ${written} of ${bytes.length} bytes while one call ran`);
      await writing;
      await live.closeStdin();
      assert.equal((await live.exited()).code, 0, live.stderr());
      const answers = live.lines.filter((l) => l.id !== "init");
      assert.equal(answers.length, total + 1);
      assert.ok(answers.every((l) => (l.result as { isError?: boolean })?.isError !== true), "all ran");
    } finally {
      f.done();
    }
  });

  Deno.test(`[${target.name}] mcp: SIGTERM answers queued calls as cancelled; a closed stdout stops it`, async () => {
    const f = fixture();
    try {
      const live = startLive(target, ["mcp"], { cwd: f.cwd });
      await live.send(mcpInit, { jsonrpc: "2.0", method: "notifications/initialized" });
      await live.waitFor((l) => l.id === "init");
      // Long enough that the slow call is still running when SIGTERM lands on a loaded machine (with 1 s it once
      // ended first at load 14, and the queued calls ran).
      await live.send(mcpCall("slow", "run_bash", { cmd: "sleep 3" }));
      await gateLogged(f.cwd, "run_bash");
      // A ping after the five calls is answered at once, once the lines before it are read: then all five are
      // queued behind the slow call (a fixed wait was not enough on a loaded machine).
      await live.send(
        ...Array.from({ length: 5 }, (_, i) => mcpCall(i, "append_file", { path: "a.txt", content: "x" })),
        { jsonrpc: "2.0", id: "ping", method: "ping" },
      );
      await live.waitFor((l) => l.id === "ping");
      live.kill("SIGTERM");
      const s = await live.exited(20_000);
      assert.equal(s.code, 0, live.stderr());
      const queued = live.lines.filter((l) => typeof l.id === "number");
      assert.equal(queued.length, 5);
      for (const q of queued) {
        const r = q.result as { isError: boolean; content: { text: string }[] };
        assert.equal(r.isError, true);
        assert.match(r.content[0]!.text, /errorCode cancelled.*SIGTERM/);
      }
      assert.equal(existsSync(join(f.cwd, "workspace/a.txt")), false);

      const again = startLive(target, ["mcp"], { cwd: f.cwd });
      await again.send(mcpInit, { jsonrpc: "2.0", method: "notifications/initialized" });
      await again.waitFor((l) => l.id === "init");
      await again.send(mcpCall("slow", "run_bash", { cmd: "sleep 1" }));
      await gateLogged(f.cwd, "run_bash");
      await again.send(
        ...Array.from({ length: 5 }, (_, i) => mcpCall(i, "append_file", { path: "a.txt", content: "x" })),
      );
      await again.closeStdout();
      const s2 = await again.exited(15_000);
      assert.equal(s2.timedOut, false, again.stderr());
      assert.equal(s2.code, 0, again.stderr());
      const appended = existsSync(join(f.cwd, "workspace/a.txt"))
        ? readFileSync(join(f.cwd, "workspace/a.txt"), "utf8").length
        : 0;
      assert.ok(appended <= 1, `${appended} of the 5 queued calls ran after stdout was closed`);
    } finally {
      f.done();
    }
  });
}
