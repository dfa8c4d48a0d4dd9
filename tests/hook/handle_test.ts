/**
 * One hook event end to end, in process (`handleHookEvent`): the decision in each agent's dialect from the
 * session's real signals (a Claude Code transcript's usage, Gemini CLI's AfterModel usage, Codex's rollout exit
 * code, the tokenizer over a Cursor transcript), failures raising fatigue for the next call, idle resets, the
 * witness log holding every decision with the agent, session id and tool-use id, and every failure of safe-exec
 * itself failing closed in the agent's blocking form (never exit 1 on a pre-tool event).
 */
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { handleHookEvent, type HandleOptions } from "../../src/hook/handle.ts";
import type { HookAgent } from "../../src/hook/types.ts";
import { verifyLog } from "../../src/witness/verify.ts";
import { tempDir } from "../_temp.ts";

interface Env {
  dir: string;
  project: string;
  state: string;
  opts: HandleOptions;
  witness: string;
  lines(): Record<string, unknown>[];
  at(ms: number): void;
}

function env(config?: unknown): Env {
  const dir = tempDir("hook-handle-");
  const project = join(dir, "project");
  mkdirSync(project);
  const state = join(dir, "state");
  let now = 1_800_000_000_000;
  const opts: HandleOptions = { stateDir: state, cwd: project, env: { HOME: join(dir, "home") }, now: () => now };
  if (config !== undefined) {
    const file = join(dir, "safe-exec.jsonc");
    writeFileSync(file, typeof config === "string" ? config : JSON.stringify(config));
    opts.config = file;
  }
  const witness = join(state, "witness.log");
  return {
    dir,
    project,
    state,
    opts,
    witness,
    lines: () => readFileSync(witness, "utf8").trim().split("\n").map((l) => JSON.parse(l)),
    at: (ms) => (now += ms),
  };
}

const pre = (tool: string, input: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  session_id: "s1",
  hook_event_name: "PreToolUse",
  tool_name: tool,
  tool_input: input,
  tool_use_id: `toolu_${tool}_${Math.random().toString(36).slice(2, 8)}`,
  ...extra,
});

async function call(e: Env, agent: HookAgent, event: Record<string, unknown>) {
  return await handleHookEvent(agent, JSON.stringify({ cwd: e.project, ...event }), e.opts);
}

function decision(stdout: string): string {
  if (stdout === "") return "allow";
  const o = JSON.parse(stdout);
  return o.hookSpecificOutput?.permissionDecision ?? o.decision ?? o.permission;
}

Deno.test("claude-code: a low-fatigue session allows a write silently; a large transcript context asks, then denies", async () => {
  const e = env({ metrics: { maxContext: 100_000 } });
  const transcript = join(e.dir, "session.jsonl");
  const turn = (id: string, read: number) =>
    JSON.stringify({
      type: "assistant",
      isSidechain: false,
      message: { id, usage: { input_tokens: 5, cache_creation_input_tokens: 100, cache_read_input_tokens: read } },
    }) + "\n";
  writeFileSync(transcript, turn("m1", 2000));
  const write = pre("Write", { file_path: join(e.project, "a.txt"), content: "hi" }, { transcript_path: transcript });
  const low = await call(e, "claude-code", write);
  assert.deepEqual(low, { stdout: "", stderr: "", exitCode: 0 }, "ALLOW must print nothing");
  // The same call once the transcript shows 95k tokens of context (0.4 * 0.95 = 0.38: medium asks).
  writeFileSync(transcript, turn("m1", 2000) + turn("m2", 95_000) + turn("m2", 95_000));
  const asked = await call(e, "claude-code", write);
  assert.equal(decision(asked.stdout), "ask");
  assert.match(JSON.parse(asked.stdout).hookSpecificOutput.permissionDecisionReason, /risk=medium fatigue=0\.38/);
  // Errors and time push it over 0.70: denied, and the model reads why.
  for (let i = 0; i < 5; i++) {
    e.at(600_000); // ten minutes between events: the session gets old without going idle
    await call(e, "claude-code", {
      ...pre("Bash", { command: "cat missing" }),
      hook_event_name: "PostToolUseFailure",
      error: "Exit code 1",
    });
  }
  const denied = await call(e, "claude-code", write);
  assert.equal(decision(denied.stdout), "deny");
  assert.match(JSON.parse(denied.stdout).hookSpecificOutput.permissionDecisionReason, /^safe-exec denied this call: /);
  // Every decision is in the log with the agent, session and tool-use id, and the log verifies.
  const gates = e.lines().filter((l) => l.event === "gate");
  assert.deepEqual(gates.map((g) => g.decision), ["allow", "ask", "deny"]);
  const d = gates[0]!.details as Record<string, unknown>;
  assert.deepEqual([d.agent, d.sessionId, d.toolUseId], ["claude-code", "s1", write.tool_use_id]);
  assert.deepEqual((d.metrics as Record<string, unknown>).contextTokens, 2105);
  assert.deepEqual((d.args as { content: { length: number } }).content.length, 2);
  assert.equal(e.lines().filter((l) => l.event === "execute" && (l.details as { ok: boolean }).ok === false).length, 5);
  assert.equal(verifyLog(e.witness).ok, true);
});

Deno.test("a failed call raises fatigue for the next one; a compact boundary resets the context", async () => {
  const e = env({ metrics: { maxErrors: 1, weightContext: 0.2, weightDuration: 0.1, weightErrors: 0.7 } });
  const ls = pre("Bash", { command: "ls" });
  assert.equal(decision((await call(e, "claude-code", ls)).stdout), "allow");
  await call(e, "claude-code", { ...ls, hook_event_name: "PostToolUseFailure", error: "Exit code 2" });
  const next = await call(e, "claude-code", pre("Bash", { command: "ls" }));
  assert.equal(decision(next.stdout), "ask", "low risk at fatigue 0.70 asks");
  const exec = e.lines().find((l) => l.event === "execute")!;
  assert.deepEqual([(exec.details as Record<string, unknown>).ok, (exec.details as Record<string, unknown>).gateSeq], [
    false,
    e.lines().find((l) => l.event === "gate")!.seq,
  ]);
  // Compaction: the transcript's boundary resets the context, and a metrics line says so.
  const e2 = env({ metrics: { maxContext: 10_000 } });
  const t = join(e2.dir, "t.jsonl");
  const big = { type: "assistant", message: { id: "m1", usage: { input_tokens: 9000 } } };
  writeFileSync(t, JSON.stringify(big) + "\n");
  assert.equal(
    decision((await call(e2, "claude-code", pre("Write", { file_path: "a" }, { transcript_path: t }))).stdout),
    "ask",
  );
  const boundary = {
    type: "system",
    subtype: "compact_boundary",
    compactMetadata: { trigger: "auto", postTokens: 800 },
  };
  writeFileSync(t, JSON.stringify(big) + "\n" + JSON.stringify(boundary) + "\n");
  await call(e2, "claude-code", {
    session_id: "s1",
    hook_event_name: "PostCompact",
    trigger: "auto",
    transcript_path: t,
  });
  assert.equal(
    decision((await call(e2, "claude-code", pre("Write", { file_path: "a" }, { transcript_path: t }))).stdout),
    "allow",
  );
  const m = e2.lines().find((l) => l.event === "metrics")!.details as Record<string, unknown>;
  assert.deepEqual([m.contextTokens, m.contextSource, m.compacted], [800, "compact", true]);
});

Deno.test("codex: ASK is a denial telling the model to ask; a failed command from the rollout counts as an error", async () => {
  const e = env({ metrics: { maxErrors: 1, weightErrors: 0.7, weightContext: 0.2, weightDuration: 0.1 } });
  const rm = await call(e, "codex", pre("Bash", { command: "rm -rf build" }));
  const out = JSON.parse(rm.stdout).hookSpecificOutput;
  assert.equal(out.permissionDecision, "deny");
  assert.match(out.permissionDecisionReason, /ask the user whether to run it/);
  const rollout = join(e.dir, "rollout.jsonl");
  const item = { id: "call_9", exit_code: 1, status: "failed" };
  writeFileSync(rollout, JSON.stringify({ type: "event_msg", payload: { type: "item_completed", item } }) + "\n");
  await call(e, "codex", {
    ...pre("Bash", { command: "false" }),
    hook_event_name: "PostToolUse",
    tool_use_id: "call_9",
    tool_response: "",
    transcript_path: rollout,
  });
  const exec = e.lines().find((l) => l.event === "execute")!.details as Record<string, unknown>;
  assert.deepEqual([exec.ok, exec.exitCode], [false, 1]);
  assert.equal(decision((await call(e, "codex", pre("Bash", { command: "ls" }))).stdout), "deny");
});

Deno.test("gemini: AfterModel usage is the context of the next BeforeTool; DENY is decision deny", async () => {
  const e = env({ metrics: { maxContext: 1000 } });
  const base = { session_id: "g1", timestamp: "2026-12-01T00:00:00Z" };
  const beforeTool = {
    ...base,
    hook_event_name: "BeforeTool",
    tool_name: "write_file",
    tool_input: { file_path: "x" },
  };
  assert.equal((await call(e, "gemini", beforeTool)).stdout, "");
  await call(e, "gemini", {
    ...base,
    hook_event_name: "AfterModel",
    llm_request: { model: "gemini-x" },
    llm_response: { usageMetadata: { promptTokenCount: 1000, candidatesTokenCount: 5, totalTokenCount: 1005 } },
  });
  const asked = JSON.parse((await call(e, "gemini", beforeTool)).stdout);
  assert.equal(asked.decision, "deny");
  assert.match(asked.reason, /ask the user/);
  const gate = e.lines().filter((l) => l.event === "gate")[1]!.details as { metrics: Record<string, unknown> };
  assert.deepEqual([gate.metrics.contextTokens, gate.metrics.contextSource], [1000, "event"]);
});

Deno.test("cursor: the tokenizer counts the transcript incrementally; ask is Cursor's own", async () => {
  const e = env({ metrics: { maxContext: 100, tokenizer: "chars" } });
  const t = join(e.dir, "cursor.txt");
  writeFileSync(t, "x".repeat(40));
  const ev = {
    hook_event_name: "beforeShellExecution",
    conversation_id: "c1",
    generation_id: "g1",
    workspace_roots: [e.project],
    command: "rm -rf dist",
    cwd: e.project,
    transcript_path: t,
  };
  assert.deepEqual(JSON.parse((await call(e, "cursor", ev)).stdout).permission, "ask");
  writeFileSync(t, "x".repeat(400), { flag: "a" });
  const denied = JSON.parse((await call(e, "cursor", ev)).stdout);
  assert.equal(denied.permission, "ask"); // high risk asks up to 0.70
  const gates = e.lines().filter((l) => l.event === "gate").map((l) =>
    l.details as { metrics: Record<string, number> }
  );
  assert.deepEqual(gates.map((g) => g.metrics.contextTokens), [10, 110]);
  const state = JSON.parse(readFileSync(join(e.state, "hook-state.json"), "utf8"));
  assert.equal(state.sessions["cursor:c1"].counted.bytes, 440);
});

Deno.test("an idle session starts afresh; rules and tools of the config re-rate the agent's tools", async () => {
  const e = env({
    tools: { Bash: { run: "client", risk: "medium" } },
    rules: [
      { tool: "Bash", command: ["npm test"], risk: "low" },
      { tool: "Write", path: [".github/**"], decision: "deny" },
    ],
  });
  assert.equal(decision((await call(e, "claude-code", pre("Bash", { command: "make" }))).stdout), "allow");
  assert.equal(decision((await call(e, "claude-code", pre("Bash", { command: "npm test" }))).stdout), "allow");
  const ci = join(e.project, ".github", "ci.yml");
  const denied = await call(e, "claude-code", pre("Write", { file_path: ci, content: "x" }));
  assert.equal(decision(denied.stdout), "deny");
  assert.match(JSON.parse(denied.stdout).hookSpecificOutput.permissionDecisionReason, /deny by rules\[1\]/);
  // A path outside the agent's folder never matches a lowering rule, and is high: nothing contains the agent's tools.
  const e2 = env({ rules: [{ tool: "Write", path: ["**"], risk: "low" }] });
  await call(e2, "claude-code", pre("Write", { file_path: "/etc/passwd", content: "x" }));
  await call(e2, "claude-code", pre("Write", { file_path: join(e2.project, "ok.txt"), content: "x" }));
  const risks = e2.lines().filter((l) => l.event === "gate").map((l) => (l.details as { risk: string }).risk);
  assert.deepEqual(risks, ["high", "low"]);
  // Idle: 15 minutes without an event resets duration and errors.
  const e3 = env();
  await call(e3, "claude-code", {
    ...pre("Bash", { command: "x" }),
    hook_event_name: "PostToolUseFailure",
    error: "x",
  });
  e3.at(901_000);
  await call(e3, "claude-code", pre("Read", { file_path: "a" }));
  const reset = e3.lines().find((l) => l.event === "metrics")!.details as Record<string, unknown>;
  assert.deepEqual([reset.action, reset.reason, reset.idleSeconds], ["reset", "idle", 901]);
  const g = e3.lines().find((l) => l.event === "gate")!.details as { metrics: Record<string, number> };
  assert.equal(g.metrics.errorCount, 0);
});

Deno.test("fails closed: bad stdin, a broken config, an unwritable log, an unreadable state; never exit 1 before a tool", async () => {
  for (const agent of ["claude-code", "codex", "gemini"] as const) {
    const e = env("{ this is not json");
    const event = agent === "gemini"
      ? { session_id: "s", hook_event_name: "BeforeTool", tool_name: "read_file", tool_input: {} }
      : pre("Read", { file_path: "a" });
    const broken = await call(e, agent, event);
    assert.equal(broken.exitCode, 2, agent);
    assert.equal(broken.stdout, "");
    assert.match(broken.stderr, /^safe-exec: Invalid config .*syntax error/);
    const bad = await handleHookEvent(agent, "not json", e.opts);
    assert.equal(bad.exitCode, 2);
    assert.match(bad.stderr, /stdin is not JSON/);
    // A non-tool event with a broken config only warns (exit 2 would make Stop continue).
    const start = await call(e, agent, { session_id: "s", hook_event_name: "SessionStart", source: "startup" });
    assert.equal(start.exitCode, 1);
  }
  const c = env("{ nope");
  const cursorDeny = await call(c, "cursor", {
    hook_event_name: "beforeReadFile",
    conversation_id: "c",
    file_path: "a",
  });
  assert.equal(JSON.parse(cursorDeny.stdout).permission, "deny");
  assert.equal(cursorDeny.exitCode, 2);
  // The witness log cannot be written: the call is blocked and nothing is said to be allowed.
  const w = env({ witness: { path: "/proc/no-such-dir/witness.log" } });
  const blocked = await call(w, "claude-code", pre("Read", { file_path: "a" }));
  assert.equal(blocked.exitCode, 2);
  assert.match(blocked.stderr, /safe-exec: /);
  // A state file that is not ours: blocked, with how to fix it.
  const s = env();
  mkdirSync(s.state, { recursive: true });
  writeFileSync(join(s.state, "hook-state.json"), "garbage");
  const unreadable = await call(s, "claude-code", pre("Read", { file_path: "a" }));
  assert.equal(unreadable.exitCode, 2);
  assert.match(unreadable.stderr, /hook-state\.json.*not JSON.*remove it/);
  // A state folder that cannot be made.
  const r = env();
  writeFileSync(join(r.dir, "file"), "");
  const noState = await handleHookEvent(
    "claude-code",
    JSON.stringify({ cwd: r.project, ...pre("Read", { file_path: "a" }) }),
    { ...r.opts, stateDir: join(r.dir, "file", "state") },
  );
  assert.equal(noState.exitCode, 2);
  assert.match(noState.stderr, /Cannot make the hook's state folder/);
  // A config inside the agent's folder is refused (the agent could rewrite it).
  const inside = env();
  writeFileSync(join(inside.project, "safe-exec.jsonc"), "{}");
  const refused = await handleHookEvent(
    "claude-code",
    JSON.stringify({ cwd: inside.project, ...pre("Read", { file_path: "a" }) }),
    { ...inside.opts, config: join(inside.project, "safe-exec.jsonc") },
  );
  assert.equal(refused.exitCode, 2);
  assert.match(refused.stderr, /inside the agent's folder/);
  chmodSync(r.dir, 0o755);
});

Deno.test("cursor: every fixture of its documented shapes, end to end: Cursor's answers, the failure counted, one log", async () => {
  const e = env();
  const dir = new URL("./fixtures/cursor/", import.meta.url);
  const names = [...Deno.readDirSync(dir)].map((f) => f.name).filter((n) => n.endsWith(".json")).sort();
  let pre = 0;
  for (const name of names) {
    const text = readFileSync(new URL(name, dir), "utf8").replaceAll("/home/user/project", e.project);
    const event = JSON.parse(text) as Record<string, unknown>;
    const answer = await handleHookEvent("cursor", text, e.opts);
    assert.equal(answer.stderr, "", `${name}: ${answer.stderr}`);
    assert.equal(answer.exitCode, 0, name);
    const isPre = ["preToolUse", "beforeShellExecution", "beforeMCPExecution", "beforeReadFile"].includes(
      String(event.hook_event_name),
    );
    if (isPre) pre++;
    if (answer.stdout !== "") {
      assert.ok(isPre, `${name}: only a pre-tool event is answered`);
      const permission = JSON.parse(answer.stdout).permission;
      assert.ok(permission === "ask" || permission === "deny", `${name}: ${answer.stdout}`);
      if (event.hook_event_name === "beforeReadFile") assert.equal(permission, "deny", "beforeReadFile has no ask");
    }
  }
  const lines = e.lines();
  assert.equal(lines.filter((l) => l.event === "gate").length, pre);
  assert.equal(lines.filter((l) => l.event === "execute" && (l.details as { ok: boolean }).ok === false).length, 1);
  assert.equal(verifyLog(e.witness).ok, true);
});

Deno.test("hook mode: the built-in project checks stay high (the agent's shell is not in safe-exec's sandbox)", async () => {
  const e = env({ projectChecks: true });
  for (const command of ["npm test", "npx tsc --noEmit", "cargo test"]) {
    assert.equal(decision((await call(e, "claude-code", pre("Bash", { command }))).stdout), "ask", command);
  }
  assert.equal(decision((await call(e, "claude-code", pre("Bash", { command: "ls -la" }))).stdout), "allow");
  const risks = e.lines().filter((l) => l.event === "gate").map((l) => (l.details as { risk: string }).risk);
  assert.deepEqual(risks, ["high", "high", "high", "low"]);
});
