/**
 * Claude Code's hook dialect (`.claude/settings.json` hooks, SPEC §9): events in, answers out.
 *
 * - `PreToolUse` is the gate's event. ALLOW prints nothing (Claude Code's own permission flow stays in charge: a
 *   hook `allow` would approve calls it would have asked about); ASK is Claude Code's own prompt
 *   (`permissionDecision: "ask"`; headless `claude -p` turns it into a denial whose reason the model reads); DENY
 *   is `permissionDecision: "deny"` with the rationale, which the model reads.
 * - Failing closed is exit 2 with the reason on stderr on a pre-tool event (or when the event could not be read):
 *   exit 1 or a timeout would be "no decision" and let the call through. On other events exit 1 (a warning the
 *   user sees): exit 2 there would mean "keep going" (`Stop`) or feed the model a stray error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { claudeCode } from "./claude_code.ts";
 * const event = claudeCode.parseEvent({
 *   session_id: "s1", hook_event_name: "PreToolUse", tool_name: "Bash",
 *   tool_input: { command: "rm -rf build" }, tool_use_id: "toolu_1", transcript_path: "/t.jsonl", cwd: "/p",
 * });
 * assert.equal(event.phase, "pre_tool");
 * assert.equal(claudeCode.render({ decision: "allow", reason: "ok" }, event).stdout, "");
 * const deny = JSON.parse(claudeCode.render({ decision: "deny", reason: "risk=high fatigue=0.9" }, event).stdout);
 * assert.equal(deny.hookSpecificOutput.permissionDecision, "deny");
 * assert.equal(claudeCode.failClosed("no config", event).exitCode, 2);
 * ```
 *
 * @module
 */
import { failClosedByExit, permissionDecision } from "./_answers.ts";
import { type EventShape, readSharedEvent } from "./_events.ts";
import { optString } from "./_fields.ts";
import type { HookAnswer, HookDialect, HookPhase, HookVerdict, NormalizedEvent } from "./types.ts";
import { NO_ANSWER } from "./types.ts";

const AGENT = "claude-code";

/** Claude Code's event names and their phases (anything else is `other`). */
export const CLAUDE_CODE_PHASES: Readonly<Record<string, HookPhase>> = {
  PreToolUse: "pre_tool",
  PostToolUse: "post_tool",
  PostToolUseFailure: "post_tool_failure",
  SessionStart: "session_start",
  SessionEnd: "session_end",
  PreCompact: "compact",
  PostCompact: "compact",
};

const SHAPE: EventShape = {
  agent: AGENT,
  phases: CLAUDE_CODE_PHASES,
  toolPhases: ["pre_tool", "post_tool", "post_tool_failure"],
  ids: true,
};

/** Read one Claude Code hook event. */
export function parseClaudeCodeEvent(json: unknown): NormalizedEvent {
  const event = readSharedEvent(json, SHAPE);
  const o = event.raw;
  if (event.phase === "post_tool" || event.phase === "post_tool_failure") event.toolResponse = o.tool_response;
  if (event.phase === "post_tool_failure") event.error = optString(o, "error", AGENT) ?? "the tool failed";
  return event;
}

/** The answer to a Claude Code event with the gate's verdict. */
export function renderClaudeCode(verdict: HookVerdict, event: NormalizedEvent): HookAnswer {
  if (event.phase !== "pre_tool" || verdict.decision === "allow") return { ...NO_ANSWER };
  return permissionDecision(event, verdict.decision, verdict.reason);
}

/** Claude Code's blocking answer when safe-exec itself failed. */
export function failClosedClaudeCode(reason: string, event: NormalizedEvent | null): HookAnswer {
  return failClosedByExit(reason, event);
}

/** The Claude Code dialect. */
export const claudeCode: HookDialect = {
  agent: AGENT,
  parseEvent: parseClaudeCodeEvent,
  render: renderClaudeCode,
  failClosed: failClosedClaudeCode,
};
