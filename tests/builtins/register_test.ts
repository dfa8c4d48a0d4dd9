import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUILTIN_TOOL_NAMES } from "../../src/builtins/definitions.ts";
import { SafeExecutor } from "../../src/gate/executor.ts";
import { currentRuntime } from "../../src/runtime/mod.ts";
import { BUILTIN_DEFINITIONS } from "../../src/builtins/definitions.ts";
import { registerDefaults } from "../../src/app.ts";
import { noSandbox } from "../../src/isolation/process/sandbox.ts";

const runtime = await currentRuntime();
const make = () => {
  const dir = mkdtempSync(join(tmpdir(), "se-builtin-"));
  return new SafeExecutor({ workspace: join(dir, "ws"), witness: join(dir, "w.log"), confirm: () => true });
};

Deno.test("the nine built-ins: SPEC names, order and default risks; the config knows the same names", () => {
  assert.deepEqual(BUILTIN_DEFINITIONS.map((d) => [d.name, d.risk]), [
    ["read_file", "low"],
    ["list_dir", "low"],
    ["write_file", "medium"],
    ["append_file", "medium"],
    ["copy_file", "medium"],
    ["delete_file", "high"],
    ["delete_dir", "high"],
    ["run_bash", "high"],
    ["run_python", "high"],
  ]);
  assert.deepEqual([...BUILTIN_TOOL_NAMES], BUILTIN_DEFINITIONS.map((d) => d.name));
  for (const d of BUILTIN_DEFINITIONS) {
    assert.equal(d.inputSchema.type, "object");
    assert.equal(d.inputSchema.additionalProperties, false, d.name);
  }
});

Deno.test("config overrides: a tool disabled is not registered; risk and timeout overrides apply", async () => {
  const ex = make();
  registerDefaults(ex, {
    runtime,
    sandbox: noSandbox,
    tools: { delete_dir: { enabled: false }, read_file: { risk: "high" }, run_bash: { timeoutMs: 150 } },
  });
  assert.equal(ex.tool("delete_dir"), undefined);
  assert.equal(ex.tool("read_file")?.risk, "high");
  const r = await ex.execute("run_bash", { cmd: "sleep 5" });
  assert.equal(r.errorCode, "timeout");
  assert.match(String(r.error), /timed out after 150 ms/);
  const over = await ex.execute("run_bash", { cmd: "sleep 5", timeoutMs: 100 });
  assert.match(String(over.error), /timed out after 100 ms/, "the call's timeoutMs wins");
  ex.close();
});

Deno.test("run_python: code on stdin, exit status, output kept on failure", async () => {
  const ex = make();
  registerDefaults(ex, { runtime, sandbox: noSandbox });
  const ok = await ex.execute("run_python", { code: "import sys\nprint('py', sys.version_info[0])" });
  assert.equal(ok.ok, true);
  assert.equal((ok.output as { stdout: string }).stdout, "py 3\n");
  const bad = await ex.execute("run_python", { code: "print('before')\nraise SystemExit(4)" });
  assert.equal(bad.errorCode, "exit_status");
  assert.equal((bad.output as { exitCode: number }).exitCode, 4);
  assert.equal((bad.output as { stdout: string }).stdout, "before\n");
  const wide = await ex.execute("run_bash", { cmd: "echo " + "€".repeat(50_000) });
  assert.equal(wide.errorCode, "invalid_args", "150 000 bytes of UTF-8 would not fit bash -c's argument");
  assert.match(String(wide.error), /at most 100000 bytes of UTF-8, got 150005/);
  const big = await ex.execute("run_bash", { cmd: "x".repeat(100_001) });
  assert.equal(big.errorCode, "invalid_args");
  assert.match(String(big.error), /at most 100000 characters/);
  ex.close();
});

Deno.test("registerDefaults without a sandbox is not unsandboxed: bwrap, or sandbox_unavailable", async () => {
  const ex = make();
  registerDefaults(ex, { runtime });
  const r = await ex.execute("run_bash", { cmd: "cat /proc/1/cmdline | tr '\\0' ' '" });
  const layers = (ex.tool("run_bash")?.isolation?.() ?? {}) as { sandbox?: string };
  if (layers.sandbox === "bwrap") {
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.match(String((r.output as { stdout: string }).stdout), /^\S*bwrap /, "pid 1 is the sandbox's own init");
  } else {
    assert.equal(r.errorCode, "sandbox_unavailable");
    assert.match(String(r.error), /apt-get install bubblewrap/);
  }
  ex.close();
});

Deno.test("without an OS sandbox, HOME is a fresh empty folder per call, removed afterwards", async () => {
  const ex = make();
  registerDefaults(ex, { runtime, sandbox: noSandbox });
  const a = await ex.execute("run_bash", { cmd: 'echo "$HOME"; ls -A "$HOME" | wc -l; touch "$HOME/mark"' });
  const b = await ex.execute("run_bash", { cmd: 'echo "$HOME"; ls -A "$HOME" | wc -l' });
  const [homeA, countA] = String((a.output as { stdout: string }).stdout).trim().split("\n");
  const [homeB, countB] = String((b.output as { stdout: string }).stdout).trim().split("\n");
  assert.equal(countA, "0");
  assert.equal(countB, "0");
  assert.notEqual(homeA, homeB);
  assert.ok(!(await Deno.stat(homeA as string).then(() => true, () => false)), "the call's HOME is gone after it");
  ex.close();
});

Deno.test("a bwrap set-up failure is sandbox_unavailable, not the command's exit status", async () => {
  const ex = make();
  const fake = {
    killsOwnTree: true,
    privateHome: true,
    describe: () => ({ ...noSandbox.describe(), layers: ["bwrap"] }),
    spawn: (rt: typeof runtime) =>
      rt.spawn({
        argv: [
          "/bin/sh",
          "-c",
          "echo 'bwrap: Can'\\''t bind mount /oldroot/x on /newroot/x: No such file' >&2; exit 1",
        ],
        cwd: "/",
        env: {},
        newSession: false,
      }),
  };
  registerDefaults(ex, { runtime, sandbox: fake });
  const r = await ex.execute("run_bash", { cmd: "true" });
  assert.equal(r.errorCode, "sandbox_unavailable", JSON.stringify(r));
  assert.match(String(r.error), /could not be set up for run_bash: Can't bind mount/);
  ex.close();
});
