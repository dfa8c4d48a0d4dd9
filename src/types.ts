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
 * Machine-readable reason a call did not succeed (SPEC §3, plus `sandbox_unavailable`).
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
  /** Aborted when the confirmation timed out or the call was cancelled. */
  signal: AbortSignal;
}

/**
 * Decides an ASK. Return (or resolve to) `true` to approve; anything else, a throw or a timeout means not
 * approved.
 */
export type ConfirmHandler = (request: ConfirmRequest) => boolean | Promise<boolean>;

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
