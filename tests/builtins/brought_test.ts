/**
 * Command tools (SPEC §2.1): the program runs in the process sandbox (bubblewrap when this machine has it) with the
 * call's arguments as JSON on stdin, cwd the workspace, and run_bash's timeout, caps and result record.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import { parseConfig } from "../../src/config/parse.ts";
import { probeBwrap } from "../../src/isolation/process/probe.ts";
import { currentRuntime } from "../../src/runtime/mod.ts";
import { tempDir } from "../_temp.ts";

const runtime = await currentRuntime();
const probe = probeBwrap();
if (!probe.available) console.error(`SKIPPING the bwrap half of the command tool tests: ${probe.reason}`);

function appWith(mode: "none" | "bwrap", tools: Record<string, unknown>) {
  const dir = tempDir("se-cmd-");
  const config = parseConfig(JSON.stringify({ sandbox: mode, tools }), {
    baseDir: dir,
    source: join(dir, "safe-exec.jsonc"),
  });
  return { dir, app: createApp(config, runtime), log: config.witness.path };
}

const SCHEMA = { type: "object", properties: { name: { type: "string" } }, required: ["name"] };
const TOOLS = {
  greet: {
    // Reads its arguments from stdin, answers JSON, and leaves a file in its cwd (the workspace).
    command: [
      "python3",
      "-c",
      "import json,sys; a=json.load(sys.stdin); open('seen.json','w').write(json.dumps(a)); print(json.dumps({'hello': a['name']}))",
    ],
    risk: "low",
    description: "Greet someone",
    inputSchema: SCHEMA,
  },
  fail: { command: ["sh", "-c", "echo oops >&2; exit 3"], risk: "low", inputSchema: { type: "object" } },
  slow: { command: ["sleep", "10"], risk: "low", timeoutMs: 300 },
  plain: { command: ["sh", "-c", "cat >/dev/null; echo not json"], risk: "low" },
  env: { command: ["sh", "-c", 'echo "$HOME|$SECRET_TOKEN"'], risk: "low" },
};

for (const mode of ["none", "bwrap"] as const) {
  Deno.test({
    name: `command tools (${mode}): JSON on stdin, JSON out, exit status, timeout, env allowlist`,
    ignore: mode === "bwrap" && !probe.available,
    fn: async () => {
      const { app, log } = appWith(mode, TOOLS);
      try {
        const ex = app.executor;
        const r = await ex.execute("greet", { name: "Ada" });
        assert.equal(r.ok, true, String(r.error));
        assert.deepEqual(r.output, { hello: "Ada" });
        assert.deepEqual(JSON.parse(readFileSync(join(ex.workspace.root, "seen.json"), "utf8")), { name: "Ada" });
        const bad = await ex.execute("greet", { name: 5 });
        assert.equal(bad.errorCode, "invalid_args");
        assert.match(String(bad.error), /"name" must be a string/);
        const f = await ex.execute("fail", {});
        assert.equal(f.ok, false);
        assert.equal(f.errorCode, "exit_status");
        assert.equal((f.output as { exitCode: number }).exitCode, 3);
        assert.equal((f.output as { stderr: string }).stderr, "oops\n");
        const s = await ex.execute("slow", {});
        assert.equal(s.errorCode, "timeout");
        assert.equal((s.output as { timedOut: boolean }).timedOut, true);
        assert.equal((await ex.execute("plain", { a: 1 })).output, "not json\n");
        Deno.env.set("SECRET_TOKEN", "sk-do-not-leak");
        try {
          const e = await ex.execute("env", {});
          assert.ok(!String(e.output).includes("sk-do-not-leak"), "the host's environment never reaches a tool");
        } finally {
          Deno.env.delete("SECRET_TOKEN");
        }
        const lines = readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l));
        const gate = lines.find((l) => l.event === "gate" && l.tool === "greet");
        assert.deepEqual(gate.details.args, { name: "Ada" });
        const exec = lines.find((l) => l.event === "execute" && l.tool === "greet");
        assert.equal(exec.details.ok, true);
        assert.ok(exec.details.isolation.layers.includes(mode === "bwrap" ? "bwrap" : "process-group"));
      } finally {
        app.close();
      }
    },
  });
}

Deno.test({
  name: "command tools (bwrap): the program sees only the sandbox, not the host's files",
  ignore: !probe.available,
  fn: async () => {
    const reader = "import json,sys; print(open(json.load(sys.stdin)['path']).read())";
    const { dir, app } = appWith("bwrap", {
      peek: { command: ["python3", "-c", reader], risk: "low", inputSchema: { type: "object" } },
    });
    try {
      // A canary beside the config, outside the workspace: the same program reads it on the host, not in the sandbox.
      const canary = join(dir, "canary.txt");
      writeFileSync(canary, "host secret");
      assert.ok(existsSync(canary));
      const r = await app.executor.execute("peek", { path: canary });
      assert.equal(r.ok, false);
      assert.equal(r.errorCode, "exit_status");
      assert.ok(!JSON.stringify(r.output).includes("host secret"));
      assert.match((r.output as { stderr: string }).stderr, /No such file or directory/);
      writeFileSync(join(app.executor.workspace.root, "inside.txt"), "workspace text");
      const inside = await app.executor.execute("peek", { path: "inside.txt" });
      assert.equal(inside.output, "workspace text\n");
    } finally {
      app.close();
    }
  },
});
