/**
 * Cursor's hook dialect (`.cursor/hooks.json`, `{"version":1,"hooks":{…}}`), from its documented shapes (the
 * Cursor agent is not on npm, so this dialect is tested with fixtures, not a live run).
 *
 * - Permission events: `preToolUse`, `beforeShellExecution` (tool `Shell`, input `{command, cwd}`),
 *   `beforeMCPExecution` (tool `MCP:<tool_name>`), `beforeReadFile` (tool `Read`, input `{file_path}`). ALLOW prints
 *   nothing (an explicit `allow` would approve what Cursor would have asked about); ASK is Cursor's own prompt,
 *   `{"permission":"ask"}` (except `beforeReadFile`, whose documented answers are allow and deny: there ASK is a
 *   denial telling the model to ask the user); DENY is `{"permission":"deny"}` with the rationale as
 *   `agent_message` (what the model reads) and `user_message`.
 * - Failing closed is the same `deny` JSON, with exit code 2 (Cursor's block code) on a permission event or an
 *   unreadable one; exit 1 on other events.
 * - The session is `conversation_id`; the tool call's id is `tool_use_id` when sent, else `generation_id`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cursor } from "./cursor.ts";
 * const event = cursor.parseEvent({
 *   hook_event_name: "beforeShellExecution", conversation_id: "c1", generation_id: "g1",
 *   workspace_roots: ["/p"], command: "git push --force", cwd: "/p",
 * });
 * assert.equal(event.toolName, "Shell");
 * assert.deepEqual(JSON.parse(cursor.render({ decision: "ask", reason: "risk=high" }, event).stdout), {
 *   permission: "ask", user_message: "risk=high", agent_message: "risk=high",
 * });
 * ```
 *
 * @module
 */
import { askInstead, clipReason } from "./_answers.ts";
import { phaseOf } from "./_events.ts";
import { eventObject, optObject, optString, reqObject, reqString, showValue } from "./_fields.ts";
import type { HookAnswer, HookDialect, HookPhase, HookVerdict, NormalizedEvent } from "./types.ts";
import { HookInputError, NO_ANSWER } from "./types.ts";

const AGENT = "cursor";

/** Cursor's event names and their phases (anything else is `other`). */
export const CURSOR_PHASES: Readonly<Record<string, HookPhase>> = {
  preToolUse: "pre_tool",
  beforeShellExecution: "pre_tool",
  beforeMCPExecution: "pre_tool",
  beforeReadFile: "pre_tool",
  postToolUse: "post_tool",
  afterShellExecution: "post_tool",
  afterMCPExecution: "post_tool",
  afterFileEdit: "post_tool",
  postToolUseFailure: "post_tool_failure",
  sessionStart: "session_start",
  sessionEnd: "session_end",
  preCompact: "compact",
};

function _tool(o: Record<string, unknown>, eventName: string): { name: string; input: Record<string, unknown> } | null {
  switch (eventName) {
    case "beforeShellExecution":
    case "afterShellExecution": {
      const input: Record<string, unknown> = { command: reqString(o, "command", AGENT) };
      const cwd = optString(o, "cwd", AGENT);
      if (cwd !== null) input.cwd = cwd;
      return { name: "Shell", input };
    }
    case "beforeMCPExecution":
    case "afterMCPExecution":
      return {
        name: `MCP:${reqString(o, "tool_name", AGENT)}`,
        input: optObject(o, "tool_input", AGENT) ?? {},
      };
    case "beforeReadFile":
      return { name: "Read", input: { file_path: reqString(o, "file_path", AGENT) } };
    case "afterFileEdit":
      return { name: "Edit", input: { file_path: reqString(o, "file_path", AGENT) } };
    case "preToolUse":
    case "postToolUse":
    case "postToolUseFailure":
      return { name: reqString(o, "tool_name", AGENT), input: reqObject(o, "tool_input", AGENT) };
    default:
      return null;
  }
}

/** Read one Cursor hook event. */
export function parseCursorEvent(json: unknown): NormalizedEvent {
  const o = eventObject(json, AGENT);
  const eventName = reqString(o, "hook_event_name", AGENT);
  const phase = phaseOf(CURSOR_PHASES, eventName);
  const roots = o.workspace_roots;
  if (roots !== undefined && (!Array.isArray(roots) || roots.some((r) => typeof r !== "string"))) {
    throw new HookInputError(
      `Cannot read the cursor hook event: "workspace_roots" is ${showValue(roots)}, expected an array of strings`,
    );
  }
  const tool = _tool(o, eventName);
  const event: NormalizedEvent = {
    agent: AGENT,
    phase,
    eventName,
    sessionId: reqString(o, "conversation_id", AGENT),
    toolUseId: optString(o, "tool_use_id", AGENT) ?? optString(o, "generation_id", AGENT),
    toolName: tool?.name ?? null,
    toolInput: tool?.input ?? null,
    error: null,
    transcriptPath: optString(o, "transcript_path", AGENT),
    cwd: optString(o, "cwd", AGENT) ?? (Array.isArray(roots) ? (roots[0] as string | undefined) ?? null : null),
    model: optString(o, "model", AGENT),
    usage: null,
    detail: optString(o, phase === "session_end" ? "reason" : phase === "compact" ? "trigger" : "source", AGENT),
    raw: o,
  };
  if (phase === "post_tool" || phase === "post_tool_failure") {
    event.toolResponse = o.tool_output ?? o.output ?? o.result_json ?? o.edits;
  }
  if (phase === "post_tool_failure") event.error = optString(o, "error", AGENT) ?? "the tool failed";
  return event;
}

function _permission(permission: "ask" | "deny", reason: string): string {
  const r = clipReason(reason);
  return JSON.stringify({ permission, user_message: r, agent_message: r });
}

/** The answer to a Cursor event with the gate's verdict. */
export function renderCursor(verdict: HookVerdict, event: NormalizedEvent): HookAnswer {
  if (event.phase !== "pre_tool" || verdict.decision === "allow") return { ...NO_ANSWER };
  if (verdict.decision === "ask" && event.eventName !== "beforeReadFile") {
    return { stdout: _permission("ask", verdict.reason), stderr: "", exitCode: 0 };
  }
  const reason = verdict.decision === "ask" ? askInstead(verdict.reason) : verdict.reason;
  return { stdout: _permission("deny", reason), stderr: "", exitCode: 0 };
}

/** Cursor's blocking answer when safe-exec itself failed. */
export function failClosedCursor(reason: string, event: NormalizedEvent | null): HookAnswer {
  const message = `safe-exec: ${reason}`;
  if (event === null || event.phase === "pre_tool") {
    return { stdout: _permission("deny", message), stderr: clipReason(message), exitCode: 2 };
  }
  return { stdout: "", stderr: clipReason(message), exitCode: 1 };
}

/** The Cursor dialect. */
export const cursor: HookDialect = {
  agent: AGENT,
  parseEvent: parseCursorEvent,
  render: renderCursor,
  failClosed: failClosedCursor,
};
