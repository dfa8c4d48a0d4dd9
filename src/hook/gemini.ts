/**
 * Gemini CLI's hook dialect (`.gemini/settings.json` hooks; SPEC §9).
 *
 * - `BeforeTool` is the gate's event. ALLOW prints nothing (a hook `allow` grants nothing in Gemini CLI anyway:
 *   its policy engine decides). Gemini CLI has no `ask`: a hook `ask` in a headless run makes it wait for a
 *   confirmation no one can give, and the run ends silently with exit 0. So ASK is a denial whose reason tells
 *   the model to ask the user. DENY is `{"decision":"deny","reason":…}`; the model reads
 *   `Tool execution blocked: <reason>` and the turn goes on.
 * - Failing closed is exit 2 with the reason on stderr on a pre-tool event or an unreadable one; exit 1 (a
 *   warning) on other events, where exit 2 would hide a tool's result (`AfterTool`) or force a retry (`AfterAgent`).
 * - `AfterTool` is a failure when `tool_response.error` is set or a shell call reports a non-zero `Exit Code:`.
 * - `AfterModel` carries the model's usage (`llm_response.usageMetadata`); it is the only event with token counts.
 * - `PreCompress` fires each time Gemini CLI checks whether to compress, also when it then compresses nothing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gemini } from "./gemini.ts";
 * const after = gemini.parseEvent({
 *   session_id: "s1", hook_event_name: "AfterTool", tool_name: "run_shell_command", tool_input: { command: "false" },
 *   tool_response: { llmContent: "Output: (empty)\nExit Code: 1\n", returnDisplay: "" },
 * });
 * assert.equal(after.phase, "post_tool_failure");
 * assert.equal(after.error, "Exit Code: 1");
 * ```
 *
 * @module
 */
import { askInstead, clipReason, failClosedByExit } from "./_answers.ts";
import { type EventShape, readSharedEvent } from "./_events.ts";
import { optObject, showValue } from "./_fields.ts";
import type { HookAnswer, HookDialect, HookPhase, HookVerdict, ModelUsage, NormalizedEvent } from "./types.ts";
import { HookInputError, NO_ANSWER } from "./types.ts";

const AGENT = "gemini";

/** Gemini CLI's event names and their phases (AfterTool becomes a failure when its response says so). */
export const GEMINI_PHASES: Readonly<Record<string, HookPhase>> = {
  BeforeTool: "pre_tool",
  AfterTool: "post_tool",
  SessionStart: "session_start",
  SessionEnd: "session_end",
  PreCompress: "compact",
};

/** Why an AfterTool response is a failure, or null when it is not one. */
export function geminiToolFailure(response: unknown): string | null {
  if (typeof response !== "object" || response === null) return null;
  const r = response as Record<string, unknown>;
  if (r.error !== undefined && r.error !== null && r.error !== "") {
    if (typeof r.error === "string") return r.error;
    const message = (r.error as Record<string, unknown>).message;
    return typeof message === "string" ? message : showValue(r.error);
  }
  const content = typeof r.llmContent === "string" ? r.llmContent : "";
  const m = /^Exit Code: (-?\d+)\s*$/m.exec(content);
  if (m !== null && m[1] !== "0") return `Exit Code: ${m[1]}`;
  return null;
}

function _count(o: Record<string, unknown>, key: string): number | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
    throw new HookInputError(
      `Cannot read the gemini hook event: "llm_response.usageMetadata.${key}" is ${showValue(v)}, expected a count`,
    );
  }
  return v;
}

/** The usage an AfterModel event carries (`llm_response.usageMetadata`), or null. */
export function geminiUsage(o: Record<string, unknown>): ModelUsage | null {
  const response = optObject(o, "llm_response", AGENT);
  const meta = response?.usageMetadata;
  if (typeof meta !== "object" || meta === null || Array.isArray(meta)) return null;
  const m = meta as Record<string, unknown>;
  const prompt = _count(m, "promptTokenCount");
  const total = _count(m, "totalTokenCount");
  const output = _count(m, "candidatesTokenCount");
  const cached = _count(m, "cachedContentTokenCount");
  const context = prompt ?? (total !== null ? Math.max(0, total - (output ?? 0)) : null);
  if (context === null) return null;
  return {
    contextTokens: context,
    inputTokens: prompt !== null && cached !== null ? prompt - cached : prompt,
    cacheReadTokens: cached,
    cacheCreationTokens: null,
    outputTokens: output,
  };
}

const SHAPE: EventShape = {
  agent: AGENT,
  phases: GEMINI_PHASES,
  toolPhases: ["pre_tool", "post_tool"],
  ids: false,
  usage: (o, eventName) => (eventName === "AfterModel" ? geminiUsage(o) : null),
};

/** Read one Gemini CLI hook event. */
export function parseGeminiEvent(json: unknown): NormalizedEvent {
  const event = readSharedEvent(json, SHAPE);
  const o = event.raw;
  if (event.eventName === "AfterModel" || event.eventName === "BeforeModel") {
    const request = optObject(o, "llm_request", AGENT);
    if (typeof request?.model === "string") event.model = request.model;
  }
  if (event.phase === "post_tool") {
    event.toolResponse = o.tool_response;
    const failure = geminiToolFailure(o.tool_response);
    if (failure !== null) {
      event.phase = "post_tool_failure";
      event.error = failure;
    }
  }
  return event;
}

/** The answer to a Gemini CLI event with the gate's verdict. */
export function renderGemini(verdict: HookVerdict, event: NormalizedEvent): HookAnswer {
  if (event.phase !== "pre_tool" || verdict.decision === "allow") return { ...NO_ANSWER };
  const reason = verdict.decision === "ask" ? askInstead(verdict.reason) : verdict.reason;
  return { stdout: JSON.stringify({ decision: "deny", reason: clipReason(reason) }), stderr: "", exitCode: 0 };
}

/** Gemini CLI's blocking answer when safe-exec itself failed. */
export function failClosedGemini(reason: string, event: NormalizedEvent | null): HookAnswer {
  return failClosedByExit(reason, event);
}

/** The Gemini CLI dialect. */
export const gemini: HookDialect = {
  agent: AGENT,
  parseEvent: parseGeminiEvent,
  render: renderGemini,
  failClosed: failClosedGemini,
};
