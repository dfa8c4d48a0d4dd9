/**
 * The lab's trivial hook (not safe-exec): answers each event from a plan, in the agent's dialect. The plan is
 * `<stateDir>/plan.json`, `{"<hook_event_name>": ["deny", "none", …]}`: the n-th event of that name gets the n-th
 * answer, the last one repeating; an event not in the plan gets `none`.
 *
 *   deno run --no-config --allow-read --allow-write hook_probe.ts claude-code|codex|gemini STATE_DIR
 *
 * Answers: `none` (no output, exit 0), `allow`, `deny`, `ask` (the dialect's decision JSON), `exit2` / `exit1`
 * (the reason on stderr), `context` (additional context), `block` (a post-tool block). Every reason names the
 * answer, its count, the event and the tool, e.g. `lab hook: deny #1 (PreToolUse Bash)`, so a test can find it
 * in the model's next request.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { probeAnswer } from "./hook_probe.ts";
 * const a = probeAnswer("gemini", "deny", { hook_event_name: "BeforeTool", tool_name: "run_shell_command" }, 1);
 * assert.deepEqual(JSON.parse(a.stdout), { decision: "deny", reason: "lab hook: deny #1 (BeforeTool run_shell_command)" });
 * ```
 *
 * @module
 */
import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";

/** The answer the probe gives. */
export interface ProbeAnswer {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** The probe's answer in a dialect for one event (`n` counts the events of that name, from 1). */
export function probeAnswer(
  agent: string,
  answer: string,
  event: Record<string, unknown>,
  n: number,
): ProbeAnswer {
  const name = String(event.hook_event_name ?? "?");
  const reason = `lab hook: ${answer} #${n} (${name}${event.tool_name !== undefined ? ` ${event.tool_name}` : ""})`;
  const out = (v: unknown): ProbeAnswer => ({
    stdout: JSON.stringify(v),
    stderr: "",
    exitCode: 0,
  });
  const gemini = agent === "gemini";
  switch (answer) {
    case "none":
      return { stdout: "", stderr: "", exitCode: 0 };
    case "allow":
    case "deny":
    case "ask":
      return gemini ? out({ decision: answer, reason }) : out({
        hookSpecificOutput: {
          hookEventName: name,
          permissionDecision: answer,
          permissionDecisionReason: reason,
        },
      });
    case "exit2":
      return { stdout: "", stderr: reason, exitCode: 2 };
    case "exit1":
      return { stdout: "", stderr: reason, exitCode: 1 };
    case "context":
      return out({
        hookSpecificOutput: { hookEventName: name, additionalContext: reason },
      });
    case "block":
      return out({ decision: gemini ? "deny" : "block", reason });
    default:
      return {
        stdout: "",
        stderr: `lab hook: unknown plan answer "${answer}"`,
        exitCode: 1,
      };
  }
}

if (import.meta.main) {
  const [agent = "", stateDir = "."] = process.argv.slice(2);
  const input = readFileSync(0, "utf8");
  let event: Record<string, unknown> = {};
  try {
    event = JSON.parse(input);
  } catch {
    // An unreadable event still gets an answer from the plan of "?".
  }
  const name = String(event.hook_event_name ?? "?");
  let plan: Record<string, string[]> = {};
  try {
    plan = JSON.parse(readFileSync(join(stateDir, "plan.json"), "utf8"));
  } catch {
    // No plan: every event gets "none".
  }
  const countFile = join(
    stateDir,
    `count-${name.replace(/[^A-Za-z0-9_-]/g, "_")}`,
  );
  appendFileSync(countFile, "x");
  const n = readFileSync(countFile, "utf8").length;
  const answers = plan[name] ?? ["none"];
  const a = probeAnswer(
    agent,
    answers[Math.min(n, answers.length) - 1] ?? "none",
    event,
    n,
  );
  if (a.stdout !== "") process.stdout.write(a.stdout);
  if (a.stderr !== "") process.stderr.write(a.stderr);
  process.exitCode = a.exitCode;
}
