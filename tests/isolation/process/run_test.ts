import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { currentRuntime } from "../../../src/runtime/mod.ts";
import { runProcess, toolEnv } from "../../../src/isolation/process/run.ts";

const rt = await currentRuntime();
const ws = mkdtempSync(join(tmpdir(), "se-proc-"));
const bash = (cmd: string, extra: Record<string, unknown> = {}) =>
  runProcess(rt, { argv: ["bash", "-c", cmd], cwd: ws, env: toolEnv(ws), timeoutMs: 10_000, ...extra });

function alive(marker: string): boolean {
  const r = new Deno.Command("pgrep", { args: ["-f", marker] }).outputSync();
  return r.code === 0;
}

Deno.test("success: stdout, stderr, exit code 0, one record", async () => {
  const r = await bash("echo out; echo err >&2");
  assert.deepEqual({ ...r, durationMs: 0 }, {
    stdout: "out\n",
    stderr: "err\n",
    exitCode: 0,
    signal: null,
    timedOut: false,
    truncated: false,
    durationMs: 0,
  });
  assert.ok(r.durationMs > 0);
});

Deno.test("failure keeps the output and the exit code", async () => {
  const r = await bash("echo partial; exit 7");
  assert.equal(r.exitCode, 7);
  assert.equal(r.stdout, "partial\n");
});

Deno.test("cwd is the workspace and the environment is only the allowlist", async () => {
  Deno.env.set("SAFE_EXEC_PROCESS_TEST_SECRET", "hunter2");
  const r = await bash("pwd; env | sort");
  const [pwd, ...env] = r.stdout.trim().split("\n");
  assert.equal(pwd, ws);
  assert.deepEqual(env.map((l) => l.split("=")[0]).filter((k) => k !== "PWD" && k !== "SHLVL" && k !== "_"), [
    "GIT_CONFIG_COUNT",
    "GIT_CONFIG_GLOBAL",
    "GIT_CONFIG_KEY_0",
    "GIT_CONFIG_NOSYSTEM",
    "GIT_CONFIG_VALUE_0",
    "HOME",
    "LANG",
    "PATH",
    "PYTHONNOUSERSITE",
    "TERM",
  ]);
  assert.ok(!r.stdout.includes("hunter2"));
});

Deno.test("timeout: SIGTERM to the group, then SIGKILL for one that ignores it; children die too", async () => {
  const marker = `se-timeout-${crypto.randomUUID()}`;
  const started = performance.now();
  const r = await bash(`trap '' TERM; (exec -a ${marker} sleep 1000) & echo started; wait`, {
    timeoutMs: 200,
    killGraceMs: 200,
  });
  const took = performance.now() - started;
  assert.equal(r.timedOut, true);
  assert.equal(r.stdout, "started\n", "output before the kill is kept");
  assert.equal(r.signal, "SIGKILL");
  assert.equal(r.exitCode, null);
  assert.ok(took < 5000, `took ${took} ms`);
  assert.equal(alive(marker), false, "the background child is gone");
});

Deno.test("a background process left behind after a normal exit is killed", async () => {
  const marker = `se-bg-${crypto.randomUUID()}`;
  const r = await bash(`(exec -a ${marker} sleep 1000) >/dev/null 2>&1 & echo done`);
  assert.equal(r.exitCode, 0);
  assert.equal(r.stdout, "done\n");
  await new Promise((res) => setTimeout(res, 50));
  assert.equal(alive(marker), false);
});

Deno.test("a background process holding stdout open does not hang the call", async () => {
  const r = await bash("sleep 1000 & echo quick", { timeoutMs: 5000 });
  assert.equal(r.timedOut, false);
  assert.equal(r.stdout, "quick\n");
});

Deno.test("output flood: capped, head kept, truncated set, the process runs to its end", async () => {
  const r = await bash("head -c 3000000 /dev/zero | tr '\\0' a; echo tail >&2", { maxOutputBytes: 1024 * 1024 });
  assert.equal(r.truncated, true);
  assert.equal(r.stdout.length, 1024 * 1024);
  assert.ok(/^a+$/.test(r.stdout));
  assert.equal(r.stderr, "tail\n");
  assert.equal(r.exitCode, 0);
});

Deno.test("stdin is fed and closed; no stdin means /dev/null", async () => {
  const r = await runProcess(rt, {
    argv: ["python3", "-"],
    cwd: ws,
    env: toolEnv(ws),
    timeoutMs: 10_000,
    stdin: new TextEncoder().encode("print(6*7)\n"),
  });
  assert.equal(r.stdout, "42\n");
  const n = await bash("cat; echo end");
  assert.equal(n.stdout, "end\n");
});

Deno.test("abort signal kills the group like a timeout", async () => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 100);
  const r = await bash("sleep 30", { signal: ac.signal });
  assert.equal(r.signal, "SIGTERM");
  assert.equal(r.timedOut, false);
});

Deno.test("toolEnv keeps a sane LANG and refuses an odd one", () => {
  assert.equal(toolEnv("/w", "en_US.UTF-8").LANG, "en_US.UTF-8");
  assert.equal(toolEnv("/w", "x; rm -rf /").LANG, "C.UTF-8");
});
