/**
 * The vocabulary of hook mode (SPEC §9): one coding agent's hook event, normalized; the gate's verdict for it;
 * and the answer a hook process gives (stdout, stderr, exit code) in that agent's dialect.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HOOK_AGENTS, HookInputError } from "./types.ts";
 * assert.deepEqual(HOOK_AGENTS, ["claude-code", "codex", "gemini", "cursor"]);
 * const e = new HookInputError('Cannot read the hook event: "tool_name" is 7, expected a string');
 * assert.equal(e.name, "HookInputError");
 * ```
 *
 * @module
 */
import type { Decision } from "../types.ts";

/** The agents whose hook dialects safe-exec speaks. */
export type HookAgent = "claude-code" | "codex" | "gemini" | "cursor";

/** All of them, in `safe-exec hook AGENT` spelling. */
export const HOOK_AGENTS: readonly HookAgent[] = ["claude-code", "codex", "gemini", "cursor"];

/**
 * Where in the agent's loop an event sits:
 * - `pre_tool`: before a tool call (the gate decides);
 * - `post_tool` / `post_tool_failure`: after one (the outcome is recorded; a failure counts as an error);
 * - `session_start` / `session_end`: the session's life;
 * - `compact`: the agent compacts (or says it may compact) its context;
 * - `other`: anything else (prompts, stops, model calls): recorded, never gated.
 */
export type HookPhase =
  | "pre_tool"
  | "post_tool"
  | "post_tool_failure"
  | "session_start"
  | "session_end"
  | "compact"
  | "other";

/** Token usage of one model turn, as the agent reports it. */
export interface ModelUsage {
  /** Tokens the model read for that turn: everything in the context, cached or not. */
  contextTokens: number;
  /** Uncached input tokens, when the agent splits them out. */
  inputTokens: number | null;
  /** Tokens read from the prompt cache, when known. */
  cacheReadTokens: number | null;
  /** Tokens written to the prompt cache, when known. */
  cacheCreationTokens: number | null;
  /** Output tokens, when known. */
  outputTokens: number | null;
}

/** One hook event in the shared shape, whatever the agent. */
export interface NormalizedEvent {
  /** The agent that sent it. */
  agent: HookAgent;
  /** The event's place in the loop. */
  phase: HookPhase;
  /** The agent's own event name (`PreToolUse`, `BeforeTool`, `beforeShellExecution`, …). */
  eventName: string;
  /** The agent's session id (Cursor: `conversation_id`). */
  sessionId: string;
  /** The agent's id of this tool call, when it sends one (Claude Code and Codex `tool_use_id`). */
  toolUseId: string | null;
  /** The agent's tool name (Cursor's shell and file events get `Shell` and `Read`), or null for non-tool events. */
  toolName: string | null;
  /** The tool's input as the agent sent it, or null for non-tool events. */
  toolInput: Record<string, unknown> | null;
  /** The tool's result on post-tool events (the agent's own shape), else undefined. */
  toolResponse?: unknown;
  /** Why the tool failed, on `post_tool_failure`, else null. */
  error: string | null;
  /** The session transcript, when the agent names one. */
  transcriptPath: string | null;
  /** The agent's working directory (Cursor: its first workspace root). */
  cwd: string | null;
  /** The model, when the event names it. */
  model: string | null;
  /** Model usage the event itself carries (Gemini `AfterModel`), else null. */
  usage: ModelUsage | null;
  /**
   * The event's own qualifier, when it has one: the session start's `source` (`startup`, `resume`, `compact`, …),
   * the session end's `reason`, the compaction's `trigger` (`auto`, `manual`).
   */
  detail: string | null;
  /** The event as received. */
  raw: Record<string, unknown>;
}

/** The gate's verdict on a pre-tool event, to render in the agent's dialect. */
export interface HookVerdict {
  /** allow, ask or deny. */
  decision: Decision;
  /** Why: the rationale the model (or the user) reads. */
  reason: string;
}

/** What the hook process prints and exits with. */
export interface HookAnswer {
  /** What the hook prints on stdout (the agent's JSON answer, or nothing). */
  stdout: string;
  /** What the hook prints on stderr (a reason the agent shows or feeds the model). */
  stderr: string;
  /** The hook's exit code (0, or the agent's blocking or warning code). */
  exitCode: number;
}

/** One agent's dialect: read its events, answer them. */
export interface HookDialect {
  /** The agent. */
  agent: HookAgent;
  /** Read one event (the parsed stdin JSON). Throws {@linkcode HookInputError} on bad input. */
  parseEvent(json: unknown): NormalizedEvent;
  /** The answer to an event with a verdict (only pre-tool events are answered with a decision). */
  render(verdict: HookVerdict, event: NormalizedEvent): HookAnswer;
  /**
   * The blocking answer when safe-exec itself failed (bad input, unreadable config, unwritable log …).
   * `event` is the event when it could be read (null when the input itself was bad).
   */
  failClosed(reason: string, event: NormalizedEvent | null): HookAnswer;
}

/**
 * Bad hook input: the message names the field, the value and what was expected.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { claudeCode } from "./claude_code.ts";
 * import { HookInputError } from "./types.ts";
 * assert.throws(() => claudeCode.parseEvent({ session_id: "s", hook_event_name: 3 }), HookInputError);
 * ```
 */
export class HookInputError extends Error {
  /** Make the error with its message. */
  constructor(message: string) {
    super(message);
    this.name = "HookInputError";
  }
}

/** The answer that says nothing: exit 0, no output (the agent's own flow stays in charge). */
export const NO_ANSWER: Readonly<HookAnswer> = Object.freeze({ stdout: "", stderr: "", exitCode: 0 });
