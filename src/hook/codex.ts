/**
 * Codex's hook dialect (`hooks.json` next to a config layer, trusted by hash; SPEC §9).
 *
 * - `PreToolUse` is the gate's event. ALLOW prints nothing: Codex treats a hook `allow` as unsupported (the hook run
 *   "fails" and the call proceeds under Codex's own approval policy), so silence is the honest form. Codex has no
 *   `ask` a hook can raise (the schema lists it, the CLI ignores it and runs the call: fail-open), so ASK is a
 *   denial whose reason tells the model to ask the user. DENY is `permissionDecision: "deny"` with a non-empty
 *   reason (an empty one is ignored), which the model reads as `Command blocked by PreToolUse hook: <reason>`.
 * - Failing closed is exit 2 with the reason on stderr (exit 2 without stderr counts as a failed hook) on a
 *   pre-tool event or an unreadable one; exit 1 on other events.
 * - `PostToolUse` carries the tool's output as `tool_response` (a string for shell calls) but no exit code, so a
 *   failed shell call looks like a success here; the rollout transcript has the exit code (see usage.ts).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { codex } from "./codex.ts";
 * const event = codex.parseEvent({
 *   session_id: "s1", turn_id: "t1", hook_event_name: "PreToolUse", model: "gpt-5.5", tool_name: "Bash",
 *   tool_input: { command: "ls" }, tool_use_id: "call_1", transcript_path: null, cwd: "/p",
 * });
 * const ask = JSON.parse(codex.render({ decision: "ask", reason: "risk=high" }, event).stdout);
 * assert.equal(ask.hookSpecificOutput.permissionDecision, "deny");
 * assert.match(ask.hookSpecificOutput.permissionDecisionReason, /ask the user/);
 * ```
 *
 * @module
 */
import { askInstead, failClosedByExit, permissionDecision } from "./_answers.ts";
import { type EventShape, readSharedEvent } from "./_events.ts";
import type { HookAnswer, HookDialect, HookPhase, HookVerdict, NormalizedEvent } from "./types.ts";
import { NO_ANSWER } from "./types.ts";

const AGENT = "codex";

/** Codex's event names and their phases (anything else is `other`). */
export const CODEX_PHASES: Readonly<Record<string, HookPhase>> = {
  PreToolUse: "pre_tool",
  PostToolUse: "post_tool",
  SessionStart: "session_start",
  SessionEnd: "session_end",
  PreCompact: "compact",
  PostCompact: "compact",
};

const SHAPE: EventShape = { agent: AGENT, phases: CODEX_PHASES, toolPhases: ["pre_tool", "post_tool"], ids: true };

/** Read one Codex hook event. */
export function parseCodexEvent(json: unknown): NormalizedEvent {
  const event = readSharedEvent(json, SHAPE);
  if (event.phase === "post_tool") event.toolResponse = event.raw.tool_response;
  return event;
}

/** The answer to a Codex event with the gate's verdict. */
export function renderCodex(verdict: HookVerdict, event: NormalizedEvent): HookAnswer {
  if (event.phase !== "pre_tool" || verdict.decision === "allow") return { ...NO_ANSWER };
  const reason = verdict.decision === "ask" ? askInstead(verdict.reason) : verdict.reason;
  return permissionDecision(event, "deny", reason);
}

/** Codex's blocking answer when safe-exec itself failed. */
export function failClosedCodex(reason: string, event: NormalizedEvent | null): HookAnswer {
  return failClosedByExit(reason, event);
}

/** The Codex dialect. */
export const codex: HookDialect = {
  agent: AGENT,
  parseEvent: parseCodexEvent,
  render: renderCodex,
  failClosed: failClosedCodex,
};
