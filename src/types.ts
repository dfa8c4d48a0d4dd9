/**
 * The shared vocabulary of safe-exec: risks, decisions, error codes and results.
 *
 * @module
 */

/** How much damage a tool can do. */
export type Risk = "low" | "medium" | "high";

/** The gate's verdict for one call. */
export type Decision = "allow" | "ask" | "deny";

/** All risks, lowest first. */
export const RISKS: readonly Risk[] = ["low", "medium", "high"];

/** All decisions. */
export const DECISIONS: readonly Decision[] = ["allow", "ask", "deny"];

/**
 * Machine-readable reason a call did not succeed (SPEC §3, plus `upstream_error`: an upstream MCP server's own
 * failure, an `isError` result or a JSON-RPC error answer).
 */
export type ErrorCode =
  | "denied"
  | "not_approved"
  | "unknown_tool"
  | "invalid_args"
  | "path_outside_workspace"
  | "not_found"
  | "timeout"
  | "exit_status"
  | "cancelled"
  | "witness_unavailable"
  | "sandbox_unavailable"
  | "upstream_unavailable"
  | "upstream_error"
  | "internal";

/** All error codes, for validation and docs. */
export const ERROR_CODES: readonly ErrorCode[] = [
  "denied",
  "not_approved",
  "unknown_tool",
  "invalid_args",
  "path_outside_workspace",
  "not_found",
  "timeout",
  "exit_status",
  "cancelled",
  "witness_unavailable",
  "sandbox_unavailable",
  "upstream_unavailable",
  "upstream_error",
  "internal",
];

/**
 * An error that carries an {@linkcode ErrorCode}. Tools throw it (or a subclass) to fail a call with a
 * specific code; any other thrown error becomes `internal`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ToolError } from "./types.ts";
 * const err = new ToolError("not_found", 'Cannot read "a.txt": no such file');
 * assert.equal(err.code, "not_found");
 * ```
 */
export class ToolError extends Error {
  /** The machine-readable code. */
  readonly code: ErrorCode;
  /** Output to return despite the failure (process tools keep their output). */
  readonly output: unknown;
  /** Make a tool error with a code, a message and optionally the output to keep. */
  constructor(code: ErrorCode, message: string, output?: unknown) {
    super(message);
    this.name = "ToolError";
    this.code = code;
    this.output = output;
  }
}

/**
 * A path argument that leaves the workspace.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PathOutsideWorkspaceError } from "./types.ts";
 * const err = new PathOutsideWorkspaceError('Cannot read "../x" as it is outside the workspace: resolved to "/x"');
 * assert.equal(err.code, "path_outside_workspace");
 * ```
 */
export class PathOutsideWorkspaceError extends ToolError {
  /** Make the error with its message. */
  constructor(message: string) {
    super("path_outside_workspace", message);
    this.name = "PathOutsideWorkspaceError";
  }
}

/** A rule of the config (or the built-in read-only commands) that took effect on a call (SPEC §1.1). */
export interface RuleHit {
  /** The rule's index in the config's `rules`, or `"builtin"` for the built-in read-only commands. */
  readonly rule: number | "builtin";
  /** What it did: `risk=low`, `decision=ask`, `decision=deny`. */
  readonly effect: string;
  /** The rule's tool and matchers (`run_bash git status|npm test`), or the commands the built-in set judged. */
  readonly summary: string;
}

/** The result of one {@linkcode SafeExecutor.execute} call: one record for success and failure. */
export interface ExecResult {
  /** The tool name as requested. */
  tool: string;
  /** The tool ran and succeeded. */
  ok: boolean;
  /** The gate did not let it run (decision is then "ask" or "deny"). */
  skipped: boolean;
  /** The gate's decision, also for an approved ASK that ran. */
  decision: Decision;
  /** The tool's risk, or null for an unknown tool. */
  risk: Risk | null;
  /** The tool's output (kept for failed process tools), or null. */
  output: unknown;
  /** A human-readable reason when not ok, else null. */
  error: string | null;
  /** A machine-readable reason when not ok, else null. */
  errorCode: ErrorCode | null;
  /** Session fatigue at decision time, rounded to 4 decimals. */
  fatigue: number;
  /** Wall time of the whole call (gate, confirmation, tool), in milliseconds. */
  durationMs: number;
  /** The rules that took effect (empty or absent: none). */
  rules?: readonly RuleHit[];
}

/** What a confirm handler is asked about an ASK decision. */
export interface ConfirmRequest {
  /** The tool to run. */
  tool: string;
  /** Its arguments (as the agent sent them). */
  args: Record<string, unknown>;
  /** The tool's risk. */
  risk: Risk;
  /** The session fatigue, rounded to 4 decimals. */
  fatigue: number;
  /** Why the gate asks, e.g. `risk=high fatigue=0.41 …`. */
  rationale: string;
  /** How long the answer may take, in milliseconds (the gate then takes it as not approved). */
  timeoutMs?: number;
  /** Aborted when the confirmation timed out or the call was cancelled. */
  signal: AbortSignal;
}

/**
 * An answer to an ASK with more than yes or no (SPEC §3): a reason shown to the model, and an approval remembered
 * for the rest of the session (until `reset`): every later ASK of the same tool with identical arguments
 * (`"call"`), or of the same tool (`"tool"`). A remembered approval never lifts a DENY.
 */
export interface ConfirmDecision {
  /** Only `true` approves. */
  approve: boolean;
  /** Why, for the model (e.g. "use list_dir instead"); at most 2000 characters are kept. */
  reason?: string;
  /** Approve the same call, or every call of the tool, for the rest of the session (only with `approve`). */
  remember?: "call" | "tool";
}

/**
 * Decides an ASK. Return (or resolve to) `true` or `{ approve: true }` to approve; anything else, a throw or a
 * timeout means not approved.
 */
export type ConfirmHandler = (
  request: ConfirmRequest,
) => boolean | ConfirmDecision | Promise<boolean | ConfirmDecision>;

/** A JSON Schema primitive type name. */
export type JsonType = "object" | "string" | "number" | "integer" | "boolean" | "array" | "null";

/** A JSON Schema (the subset safe-exec validates: type, properties, required, additionalProperties, enum,
 * minimum, maximum, minLength, maxLength, items, description, default, title). */
export interface JsonSchema {
  /** The type (or one of the types) the value has. */
  type?: JsonType | JsonType[];
  /** The schema of each named property of an object. */
  properties?: Record<string, JsonSchema>;
  /** The properties an object must have. */
  required?: string[];
  /** `false`: an object has no properties besides those named. */
  additionalProperties?: boolean;
  /** The only values allowed. */
  enum?: unknown[];
  /** The smallest number allowed. */
  minimum?: number;
  /** The largest number allowed. */
  maximum?: number;
  /** The fewest characters a string may have. */
  minLength?: number;
  /** The most characters a string may have. */
  maxLength?: number;
  /** The schema of each item of an array. */
  items?: JsonSchema;
  /** What the value means, for the model. */
  description?: string;
  /** The value used when it is left out. */
  default?: unknown;
  /** A short human title. */
  title?: string;
}
