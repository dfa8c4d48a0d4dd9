/**
 * `safe-exec hook AGENT` as a process, on every way of starting safe-exec here (the source under Deno and Bun, the
 * Bun binary): the answer on stdout and the exit code the agent reads; bad usage blocks (exit 2, never 1); many hook
 * processes of one session at once keep one state (every failure counted) and one valid witness chain; and
 * `--install` / `--uninstall` print what they changed in the agent's settings file.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { verifyLog } from "../../src/witness/verify.ts";
import { tempDir } from "../_temp.ts";
import { run, targets } from "../_targets.ts";

for (const target of targets()) {
  Deno.test(`${target.name}: hook claude-code answers on stdout with the agent's exit codes`, async () => {
    const dir = tempDir("cli-hook-");
    const project = join(dir, "project");
    mkdirSync(project);
    const env = { HOME: join(dir, "home"), XDG_STATE_HOME: join(dir, "state"), PATH: Deno.env.get("PATH") ?? "" };
    const event = (command: string, id: string) =>
      JSON.stringify({
        session_id: "s1",
        hook_event_name: "PreToolUse",
        tool_name: "Bash",
        tool_input: { command },
        tool_use_id: id,
        cwd: project,
      });
    const ls = await run(target, ["hook", "claude-code"], { cwd: project, stdin: event("ls", "t1"), env });
    assert.deepEqual([ls.code, ls.stdout, ls.stderr], [0, "", ""]);
    const rm = await run(target, ["hook", "claude-code"], { cwd: project, stdin: event("rm -rf x", "t2"), env });
    assert.equal(rm.code, 0, rm.stderr);
    assert.equal((rm.lines[0]?.hookSpecificOutput as Record<string, unknown>)?.permissionDecision, "ask");
    const bad = await run(target, ["hook", "claude-code"], { cwd: project, stdin: "", env });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /stdin is not JSON/);
    const usage = await run(target, ["hook", "vim"], { cwd: project, stdin: "{}", env });
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /hook needs the agent, one of claude-code, codex, gemini, cursor, got "vim"/);
    const log = join(dir, "state", "safe-exec", "witness.log");
    assert.equal(verifyLog(log).ok, true);
  });
}

const bin = targets().find((t) => t.name.startsWith("binary")) ?? targets()[0]!;

Deno.test(`${bin.name}: 12 hook processes of one session at once: one state, every failure counted, one chain`, async () => {
  const dir = tempDir("cli-hook-many-");
  const project = join(dir, "project");
  mkdirSync(project);
  const env = { HOME: join(dir, "home"), XDG_STATE_HOME: join(dir, "state"), PATH: Deno.env.get("PATH") ?? "" };
  const runs = Array.from({ length: 12 }, (_, i) =>
    run(bin, ["hook", "claude-code"], {
      cwd: project,
      env,
      stdin: JSON.stringify({
        session_id: "s1",
        hook_event_name: i % 2 === 0 ? "PostToolUseFailure" : "PreToolUse",
        tool_name: "Read",
        tool_input: { file_path: "a" },
        tool_use_id: `t${i}`,
        error: "boom",
        cwd: project,
      }),
    }));
  const results = await Promise.all(runs);
  for (const r of results) assert.equal(r.code, 0, r.stderr);
  const state = JSON.parse(readFileSync(join(dir, "state", "safe-exec", "hook-state.json"), "utf8"));
  assert.equal(state.sessions["claude-code:s1"].errors.length, 6, "a failure was lost between processes");
  const log = join(dir, "state", "safe-exec", "witness.log");
  const report = verifyLog(log);
  assert.equal(report.ok, true, JSON.stringify(report.problems));
  const lines = readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(lines.filter((l) => l.event === "gate").length, 6);
  assert.equal(lines.filter((l) => l.event === "execute").length, 6);
});

Deno.test(`${bin.name}: --install and --uninstall print what they changed and keep the user's hooks`, async () => {
  const dir = tempDir("cli-hook-install-");
  const project = join(dir, "project");
  mkdirSync(join(project, ".claude"), { recursive: true });
  const file = join(project, ".claude", "settings.json");
  const theirs = { matcher: "Bash", hooks: [{ type: "command", command: "my-linter" }] };
  writeFileSync(file, JSON.stringify({ hooks: { PreToolUse: [theirs] }, model: "opus" }));
  const env = { HOME: join(dir, "home"), PATH: Deno.env.get("PATH") ?? "" };
  const config = join(dir, "safe-exec.jsonc");
  const ins = await run(bin, ["hook", "claude-code", "--install", "--project", project, "--config", config], {
    cwd: dir,
    env,
  });
  assert.equal(ins.code, 0, ins.stderr);
  assert.match(ins.stdout, new RegExp(`wrote ${file}:`));
  assert.match(ins.stdout, /added PreToolUse: .* hook claude-code --config /);
  assert.match(ins.stdout, /kept 1 other hook entry/);
  const written = JSON.parse(readFileSync(file, "utf8"));
  assert.equal(written.model, "opus");
  assert.deepEqual(written.hooks.PreToolUse[0], theirs);
  const codex = await run(bin, ["hook", "codex", "--install", "--project", project], { cwd: dir, env });
  assert.match(codex.stdout, /note: Codex runs a hook only once it is trusted by its hash/);
  const un = await run(bin, ["hook", "claude-code", "--uninstall", "--project", project], { cwd: dir, env });
  assert.equal(un.code, 0, un.stderr);
  assert.match(un.stdout, /removed PostCompact/);
  assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), { hooks: { PreToolUse: [theirs] }, model: "opus" });
});
