/**
 * Hook mode's idle reset while calls overlap (red team 8, G7): a call that has started (its pre-tool event came) and
 * not ended (no outcome yet) keeps the session busy, so a call that starts beside it is never "after a break"; a call
 * whose outcome never comes (interrupted, refused at the agent's prompt) keeps it busy for at most the documented
 * bound (10 minutes); calls one after the other with a real break between them still start the session afresh.
 * In process (`handleHookEvent`) on a test clock, for every agent in its own event shape: Claude Code and Codex pair
 * a call's events by `tool_use_id`; Gemini CLI sends no id (paired by tool name and input); Cursor's `generation_id`
 * is one model turn's, shared by its parallel calls (paired by it with the tool name and input).
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { handleHookEvent, type HandleOptions } from "../../src/hook/handle.ts";
import type { HookAgent } from "../../src/hook/types.ts";
import { tempDir } from "../_temp.ts";

const IDLE_SECONDS = 3;
/** The bound docs/hooks.md states for a call whose outcome never comes. */
const OPEN_BOUND_MS = 10 * 60 * 1000;
const AGENTS: readonly HookAgent[] = ["claude-code", "codex", "gemini", "cursor"];

type Step = "pre" | "post" | "fail";

interface Session {
  /** Send one event of call `id` (a shell call running `command`, or a Write when `command` is "Write"). */
  send(step: Step, command: string, id: string): Promise<string>;
  /** Send another event of the session (Claude Code's shape). */
  raw(event: Record<string, unknown>): Promise<string>;
  /** Move the test clock on. */
  at(ms: number): void;
  /** The idle reset lines so far. */
  resets(): Record<string, unknown>[];
  /** The error count each gate line saw, in order. */
  errorCounts(): number[];
}

function _event(agent: HookAgent, step: Step, session: string, cwd: string, command: string, id: string) {
  const input = command === "Write" ? { file_path: join(cwd, "x.txt"), content: "x" } : { command };
  if (agent === "cursor") {
    // no tool_use_id: a generation's parallel calls share its generation_id
    return {
      conversation_id: session,
      generation_id: "gen-1",
      hook_event_name: { pre: "preToolUse", post: "postToolUse", fail: "postToolUseFailure" }[step],
      tool_name: command === "Write" ? "Write" : "Shell",
      tool_input: input,
      workspace_roots: [cwd],
      ...(step === "fail" ? { error: "exit 1" } : {}),
    };
  }
  if (agent === "gemini") {
    // no id at all
    return {
      session_id: session,
      cwd,
      hook_event_name: step === "pre" ? "BeforeTool" : "AfterTool",
      tool_name: command === "Write" ? "write_file" : "run_shell_command",
      tool_input: command === "Write" ? { file_path: input.file_path, content: "x" } : input,
      ...(step === "pre" ? {} : { tool_response: step === "fail" ? { error: "exit 1" } : { llmContent: "ok" } }),
    };
  }
  return {
    session_id: session,
    cwd,
    transcript_path: null,
    tool_use_id: id,
    // Codex has no failure event: its failures come from the rollout
    hook_event_name:
      { pre: "PreToolUse", post: "PostToolUse", fail: agent === "codex" ? "PostToolUse" : "PostToolUseFailure" }[
        step
      ],
    tool_name: command === "Write" ? "Write" : "Bash",
    tool_input: input,
    ...(step === "fail" ? { error: "Exit code 1" } : {}),
    ...(step === "post" ? { tool_response: { stdout: "", stderr: "", interrupted: false } } : {}),
  };
}

function _session(agent: HookAgent, config: Record<string, unknown> = {}): Session {
  const dir = tempDir("hook-open-");
  const cwd = join(dir, "project");
  mkdirSync(cwd);
  const file = join(dir, "safe-exec.json");
  writeFileSync(file, JSON.stringify({ metrics: { idleResetSeconds: IDLE_SECONDS, maxErrors: 2 }, ...config }));
  const witness = join(dir, "witness.log");
  let now = 1_800_000_000_000;
  const opts: HandleOptions = {
    config: file,
    witness,
    stateDir: join(dir, "state"),
    cwd,
    env: { HOME: join(dir, "home") },
    now: () => now,
  };
  const lines = () => readFileSync(witness, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  return {
    async send(step, command, id) {
      const answer = await handleHookEvent(agent, JSON.stringify(_event(agent, step, "s1", cwd, command, id)), opts);
      assert.ok(answer.exitCode === 0, `${agent} ${step} ${command}: exit ${answer.exitCode}: ${answer.stderr}`);
      return answer.stdout;
    },
    async raw(event) {
      const answer = await handleHookEvent(agent, JSON.stringify({ session_id: "s1", cwd, ...event }), opts);
      return answer.stdout;
    },
    at: (ms) => void (now += ms),
    resets: () => lines().filter((l) => l.event === "metrics" && l.details.action === "reset").map((l) => l.details),
    errorCounts: () => lines().filter((l) => l.event === "gate").map((l) => l.details.metrics.errorCount),
  };
}

/** Two failed calls, one after the other (the session is tired: a reset would clear them). */
async function _tire(s: Session): Promise<void> {
  for (const id of ["e0", "e1"]) {
    await s.send("pre", `false ${id}`, id);
    s.at(100);
    await s.send("fail", `false ${id}`, id);
    s.at(100);
  }
}

for (const agent of AGENTS) {
  Deno.test(`${agent}: a call that starts while another runs is not after a break (RT8 G7)`, async () => {
    const s = _session(agent);
    await _tire(s);
    await s.send("pre", "sleep 5", "A");
    s.at(4000); // A still runs: no outcome yet
    await s.send("pre", "Write", "B");
    s.at(200);
    await s.send("post", "Write", "B");
    s.at(800);
    await s.send("post", "sleep 5", "A");
    s.at(500);
    await s.send("pre", "Write", "C");
    assert.deepEqual(s.resets(), [], "no idle reset while A ran");
    if (agent !== "codex") assert.deepEqual(s.errorCounts().slice(-2), [2, 2], "B and C see both failures");
  });

  Deno.test(`${agent}: parallel calls are told apart: the one still running keeps the session busy`, async () => {
    const s = _session(agent);
    await s.send("pre", "sleep 9", "A");
    await s.send("pre", "sleep 1", "B");
    s.at(1000);
    await s.send("post", "sleep 1", "B"); // B ends; A still runs
    s.at(4000);
    await s.send("pre", "Write", "C");
    assert.deepEqual(s.resets(), [], "A still ran when C started");
    s.at(4000);
    await s.send("post", "sleep 9", "A");
    await s.send("post", "Write", "C");
    s.at(4000); // nothing runs: a real break
    await s.send("pre", "Write", "D");
    assert.equal(s.resets().length, 1, "the break after A and C ended resets");
  });

  Deno.test(`${agent}: a call whose outcome never comes stops holding the session after the bound`, async () => {
    const held = _session(agent);
    await _tire(held);
    await held.send("pre", "sleep 10000", "C"); // interrupted: no outcome ever comes
    held.at(OPEN_BOUND_MS - 1000);
    await held.send("pre", "Write", "D");
    assert.deepEqual(held.resets(), [], "inside the bound the call may still run");

    const freed = _session(agent);
    await _tire(freed);
    await freed.send("pre", "sleep 10000", "C");
    freed.at(OPEN_BOUND_MS + 1000);
    await freed.send("pre", "Write", "D");
    assert.deepEqual(freed.resets(), [], "the idle gap counts from the bound's end: 1 s is no break");
    freed.at(200);
    await freed.send("post", "Write", "D");
    freed.at((IDLE_SECONDS + 1) * 1000);
    await freed.send("pre", "Write", "E");
    assert.equal(freed.resets().length, 1, "C no longer holds the session: the break resets");
    if (agent !== "codex") assert.equal(freed.errorCounts().at(-1), 0);

    const late = _session(agent);
    await _tire(late);
    await late.send("pre", "sleep 10000", "C");
    late.at(OPEN_BOUND_MS + (IDLE_SECONDS + 1) * 1000);
    await late.send("pre", "Write", "D");
    const resets = late.resets();
    assert.equal(resets.length, 1, "a break after the bound's end resets");
    assert.equal(resets[0]!.idleSeconds, IDLE_SECONDS + 1, "idle from the bound's end, not from C's start");
  });

  Deno.test(`${agent}: calls one after the other with a break between still reset`, async () => {
    const s = _session(agent);
    await _tire(s);
    await s.send("pre", "ls", "A");
    s.at(100);
    await s.send("post", "ls", "A");
    s.at((IDLE_SECONDS + 1) * 1000);
    await s.send("pre", "Write", "B");
    assert.equal(s.resets().length, 1);
    if (agent !== "codex") assert.equal(s.errorCounts().at(-1), 0);
  });
}

Deno.test("a denied call never runs: it does not hold the session", async () => {
  const s = _session("claude-code", { rules: [{ tool: "Bash", command: ["rm"], decision: "deny" }] });
  await _tire(s);
  const out = await s.send("pre", "rm -rf build", "A");
  assert.equal(JSON.parse(out).hookSpecificOutput.permissionDecision, "deny");
  s.at((IDLE_SECONDS + 1) * 1000);
  await s.send("pre", "Write", "B");
  assert.equal(s.resets().length, 1);
});

Deno.test("a session's end, or its start afresh, forgets the calls it had open", async () => {
  for (const [name, extra] of [["SessionEnd", { reason: "other" }], ["SessionStart", { source: "clear" }]] as const) {
    const s = _session("claude-code");
    await s.send("pre", "sleep 100", "A");
    s.at(100);
    await s.raw({ hook_event_name: name, ...extra });
    s.at((IDLE_SECONDS + 1) * 1000);
    await s.send("pre", "Write", "B");
    assert.equal(s.resets().filter((r) => r.reason === "idle").length, 1, `after ${name}, A holds nothing`);
  }
});

Deno.test("an ask the agent cannot ask is a refusal: the call does not hold the session; a real ask does", async () => {
  // Codex and Gemini CLI have no ask: their ASK is a denial telling the model to ask the user; Claude Code asks
  for (const [agent, held] of [["codex", false], ["gemini", false], ["claude-code", true], ["cursor", true]] as const) {
    const s = _session(agent);
    await s.send("pre", "rm -rf build", "A"); // high: asked
    s.at((IDLE_SECONDS + 1) * 1000);
    await s.send("pre", "Write", "B");
    assert.equal(s.resets().length, held ? 0 : 1, `${agent}: the asked call ${held ? "may run" : "never runs"}`);
  }
});
