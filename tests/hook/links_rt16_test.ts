/**
 * Red team 16, N2, in hook mode: the agent's own tools follow a link to /proc in their own process, not the hook's:
 * a path through one meets the floors (Read, Write, Bash), and ordinary links stay clear.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DefaultPolicy } from "../../src/gate/policy.ts";
import { SessionMetrics } from "../../src/gate/metrics.ts";
import { compileHookRules, judgeAgentCall } from "../../src/hook/judge.ts";

Deno.test("rt16 N2: hook mode judges a path through a link to /proc as the agent's tool reads it", async () => {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "se-hlinks-")));
  try {
    mkdirSync(join(root, "secrets"));
    mkdirSync(join(root, "src"));
    writeFileSync(join(root, "secrets", "k"), "TOPSECRET");
    writeFileSync(join(root, "src", "a.txt"), "hello");
    symlinkSync("/proc/self/cwd", join(root, "src", "z"));
    symlinkSync("/proc/1/cwd", join(root, "src", "y"));
    symlinkSync("a.txt", join(root, "src", "rel"));
    const setup = {
      rules: compileHookRules([{ tool: "*", path: ["secrets/**"], decision: "deny" }]),
      readOnlyCommands: true,
      tools: {},
      policy: new DefaultPolicy(),
    };
    const fresh = new SessionMetrics({}, () => 0).snapshot();
    const judge = (tool: string, input: Record<string, unknown>) =>
      judgeAgentCall("claude-code", tool, input, root, setup, fresh);
    for (
      const [tool, input] of [
        ["Read", { file_path: "src/z/secrets/k" }],
        ["Write", { file_path: "src/z/secrets/k", content: "x" }],
        ["Bash", { command: "cat src/z/secrets/k" }],
        ["Bash", { command: "echo x > src/z/secrets/k" }],
      ] as [string, Record<string, unknown>][]
    ) {
      const v = await judge(tool, input);
      assert.equal(v.decision, "deny", `${tool} ${JSON.stringify(input)}: ${v.rationale}`);
    }
    for (
      const [tool, input] of [
        ["Read", { file_path: "src/y/secrets/k" }],
        ["Bash", { command: "cat src/y/secrets/k" }],
      ] as [string, Record<string, unknown>][]
    ) {
      const v = await judge(tool, input);
      assert.notEqual(v.decision, "allow", `${tool} ${JSON.stringify(input)}: ${v.rationale}`);
    }
    for (const input of [{ file_path: "src/rel" }, { file_path: "src/a.txt" }]) {
      const v = await judge("Read", input);
      assert.notEqual(v.decision, "deny", `${JSON.stringify(input)}: ${v.rationale}`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
