/**
 * Hook mode's idle reset (`metrics.idleResetSeconds`) counts the time between calls, never a call's own run time
 * (red team 7, F5): through the real `safe-exec hook AGENT` entry (the built binary when there is one, else the
 * source), a tired session that runs one call longer than the limit, or waits on a subagent as long, is as tired at
 * its next call; a real break between calls still starts it afresh.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { tempDir } from "../_temp.ts";
import { run, targets } from "../_targets.ts";

const bin = targets().find((t) => t.name.startsWith("binary")) ?? targets()[0]!;

/** Longer than any gap between two hook processes here, shorter than the waits below. */
const IDLE_SECONDS = 4;
const WAIT_MS = (IDLE_SECONDS + 1.5) * 1000;

type Agent = "claude-code" | "codex" | "gemini" | "cursor";
type Step = "pre" | "post" | "fail" | "other";

/** One event of `agent` in its own spelling: a tool call's start, its end (ok or failed), or a non-tool event. */
function _event(agent: Agent, step: Step, session: string, cwd: string, tool: string, id: string): string {
  const input = tool === "Write" ? { file_path: join(cwd, "x"), content: "x" } : { command: tool };
  if (agent === "cursor") {
    const name = { pre: "preToolUse", post: "postToolUse", fail: "postToolUseFailure", other: "stop" }[step];
    const toolName = tool === "Write" ? "Write" : "Shell";
    return JSON.stringify({
      conversation_id: session,
      generation_id: id,
      tool_use_id: id,
      hook_event_name: name,
      tool_name: toolName,
      tool_input: input,
      workspace_roots: [cwd],
      ...(step === "fail" ? { error: "exit 1" } : {}),
    });
  }
  const base = { session_id: session, cwd, transcript_path: null, tool_use_id: id };
  if (agent === "gemini") {
    const toolName = tool === "Write" ? "write_file" : "run_shell_command";
    if (step === "other") return JSON.stringify({ ...base, hook_event_name: "AfterAgent" });
    const name = step === "pre" ? "BeforeTool" : "AfterTool";
    const response = step === "fail" ? { error: "exit 1" } : step === "post" ? { llmContent: "ok" } : undefined;
    return JSON.stringify({
      ...base,
      hook_event_name: name,
      tool_name: toolName,
      tool_input: input,
      tool_response: response,
    });
  }
  if (step === "other") return JSON.stringify({ ...base, hook_event_name: "SubagentStop" });
  const name = { pre: "PreToolUse", post: "PostToolUse", fail: "PostToolUseFailure" }[step];
  const toolName = tool === "Write" ? "Write" : "Bash";
  return JSON.stringify({
    ...base,
    hook_event_name: name,
    tool_name: toolName,
    tool_input: input,
    ...(step === "fail" ? { error: "Exit code 1" } : {}),
    ...(step === "post" ? { tool_response: { stdout: "", stderr: "", interrupted: false } } : {}),
  });
}

interface Seen {
  /** The errors the gate of each Write counted. */
  errors: number[];
  /** The idle resets, in order, as `before:<id>` of the call they came before. */
  resets: number;
}

async function _session(agent: Agent, dir: string): Promise<{ atNext: Seen; afterBreak: Seen }> {
  const cwd = join(dir, "project");
  Deno.mkdirSync(cwd, { recursive: true });
  const config = join(dir, "safe-exec.json");
  writeFileSync(config, JSON.stringify({ metrics: { idleResetSeconds: IDLE_SECONDS, maxErrors: 2 } }));
  const witness = join(dir, "witness.log");
  const env = { HOME: join(dir, "home"), XDG_STATE_HOME: join(dir, "state"), PATH: Deno.env.get("PATH") ?? "" };
  const session = `idle-${agent}`;
  const send = async (step: Step, tool: string, id: string) => {
    const r = await run(bin, ["hook", agent, "--config", config, "--witness", witness], {
      cwd,
      env,
      stdin: _event(agent, step, session, cwd, tool, id),
    });
    assert.ok(r.code === 0 || step !== "pre", `${agent} ${step} ${tool}: exit ${r.code}: ${r.stderr}`);
  };
  const seen = (): Seen => {
    const lines = readFileSync(witness, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    return {
      errors: lines.filter((l) => l.event === "gate" && l.tool !== null && /Write|write_file/.test(l.tool))
        .map((l) => l.details.metrics.errorCount),
      resets: lines.filter((l) => l.event === "metrics" && l.details.action === "reset").length,
    };
  };
  // a tired session: two failed calls (Codex reports no failure in its events: its session is only long)
  for (const id of ["e0", "e1"]) {
    await send("pre", "false", id);
    await send(agent === "codex" ? "post" : "fail", "false", id);
  }
  // one call that runs longer than the idle limit
  await send("pre", `sleep ${WAIT_MS / 1000}`, "long");
  await sleep(WAIT_MS);
  await send("post", `sleep ${WAIT_MS / 1000}`, "long");
  // another event (a subagent's end, the agent's turn end) after a long wait inside a call
  await send("pre", `sleep ${WAIT_MS / 1000}`, "long2");
  await sleep(WAIT_MS);
  await send("other", "", "other");
  await send("post", `sleep ${WAIT_MS / 1000}`, "long2");
  await send("pre", "Write", "w1");
  const atNext = seen();
  await send("post", "Write", "w1");
  // a real break between two calls (w1 has ended: a call still running is no break, RT8 G7): the session starts afresh
  await sleep(WAIT_MS);
  await send("pre", "Write", "w2");
  return { atNext, afterBreak: seen() };
}

Deno.test(`${bin.name}: hook mode: a call's own run time is not idleness, for every agent (RT7 F5)`, async () => {
  const agents: Agent[] = ["claude-code", "codex", "gemini", "cursor"];
  const got = await Promise.all(agents.map((a) => _session(a, tempDir(`hook-idle-${a}-`))));
  assert.deepEqual(
    agents.map((a, i) => `${a}: ${JSON.stringify(got[i])}`),
    agents.map((a) => {
      const errors = a === "codex" ? 0 : 2;
      return `${a}: ${
        JSON.stringify({ atNext: { errors: [errors], resets: 0 }, afterBreak: { errors: [errors, 0], resets: 1 } })
      }`;
    }),
  );
});
