/**
 * Private helper of the hook dialects: the event shape Claude Code, Codex and Gemini CLI share (`session_id`,
 * `hook_event_name`, `tool_name`, `tool_input`, `transcript_path`, `cwd`, and the qualifier of session and
 * compaction events), read into the normalized event. Each dialect adds what is its own.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readSharedEvent } from "./_events.ts";
 * const shape = { agent: "codex" as const, phases: { PreToolUse: "pre_tool" as const }, toolPhases: ["pre_tool" as const], ids: true };
 * const e = readSharedEvent({ session_id: "s", hook_event_name: "PreToolUse", tool_name: "Bash", tool_input: {} }, shape);
 * assert.deepEqual([e.phase, e.toolName, e.toolUseId], ["pre_tool", "Bash", null]);
 * assert.equal(readSharedEvent({ session_id: "s", hook_event_name: "constructor" }, shape).phase, "other");
 * assert.throws(() => readSharedEvent({ session_id: "s", hook_event_name: "PreToolUse" }, shape), /"tool_name" is missing/);
 * ```
 *
 * @module
 */
import { eventObject, optObject, optString, reqObject, reqString } from "./_fields.ts";
import type { HookAgent, HookPhase, ModelUsage, NormalizedEvent } from "./types.ts";

/** How one agent's events are read. */
export interface EventShape {
  /** The agent. */
  agent: HookAgent;
  /** Its event names and their phases (anything else is `other`). */
  phases: Readonly<Record<string, HookPhase>>;
  /** The phases whose events must name a tool and its input. */
  toolPhases: readonly HookPhase[];
  /** The events carry `tool_use_id` and `model` (Gemini CLI's do not). */
  ids: boolean;
  /** The usage an event carries, if the agent sends one (Gemini CLI's AfterModel). */
  usage?: (o: Record<string, unknown>, eventName: string) => ModelUsage | null;
}

/** The phase of an event name (an own entry of `phases` only: `constructor` is `other`). */
export function phaseOf(phases: Readonly<Record<string, HookPhase>>, eventName: string): HookPhase {
  return Object.hasOwn(phases, eventName) ? phases[eventName]! : "other";
}

/** Read the shared fields of one event (the parsed stdin JSON); throws HookInputError on bad input. */
export function readSharedEvent(json: unknown, shape: EventShape): NormalizedEvent {
  const agent = shape.agent;
  const o = eventObject(json, agent);
  const eventName = reqString(o, "hook_event_name", agent);
  const phase = phaseOf(shape.phases, eventName);
  const tool = shape.toolPhases.includes(phase);
  return {
    agent,
    phase,
    eventName,
    sessionId: reqString(o, "session_id", agent),
    toolUseId: shape.ids ? optString(o, "tool_use_id", agent) : null,
    toolName: tool ? reqString(o, "tool_name", agent) : optString(o, "tool_name", agent),
    toolInput: tool ? reqObject(o, "tool_input", agent) : optObject(o, "tool_input", agent),
    error: null,
    transcriptPath: optString(o, "transcript_path", agent),
    cwd: optString(o, "cwd", agent),
    model: shape.ids ? optString(o, "model", agent) : null,
    usage: shape.usage?.(o, eventName) ?? null,
    detail: optString(o, phase === "session_start" ? "source" : phase === "session_end" ? "reason" : "trigger", agent),
    raw: o,
  };
}
