/**
 * How safe-exec's tools look over MCP: `tools/list` entries (schemas and annotations) and `tools/call` results.
 *
 * Annotations describe what a tool does, by its name for the nine built-in tools (see docs/mcp.md):
 *
 * | tool        | readOnly | destructive | idempotent | openWorld          |
 * |-------------|----------|-------------|------------|--------------------|
 * | read_file   | true     | false       | –          | false              |
 * | list_dir    | true     | false       | –          | false              |
 * | write_file  | false    | true        | true       | false              |
 * | append_file | false    | false       | false      | false              |
 * | copy_file   | false    | true        | true       | false              |
 * | delete_file | false    | true        | true       | false              |
 * | delete_dir  | false    | true        | true       | false              |
 * | run_bash    | false    | true        | false      | the sandbox's net  |
 * | run_python  | false    | true        | false      | the sandbox's net  |
 *
 * `write_file` and `copy_file` replace an existing file, which is not an additive update, so they are destructive.
 *
 * @module
 */
import { BUILTIN_DEFINITIONS } from "../../builtins/definitions.ts";
import type { ExecResult, JsonSchema, Risk } from "../../types.ts";

/** MCP tool annotations (hints for the client; never trusted for security). */
export interface ToolAnnotations {
  /** A human title. */
  title?: string;
  /** The tool does not change its environment. */
  readOnlyHint?: boolean;
  /** The tool may perform destructive (not only additive) updates. */
  destructiveHint?: boolean;
  /** Repeating a call with the same arguments has no further effect. */
  idempotentHint?: boolean;
  /** The tool may interact with an open world of external entities (the network). */
  openWorldHint?: boolean;
}

/** One entry of an MCP `tools/list` result. */
export interface McpTool {
  /** The tool name. */
  name: string;
  /** A human title. */
  title?: string;
  /** What it does, for the model. */
  description: string;
  /** JSON Schema of the arguments (`type: "object"`). */
  inputSchema: Record<string, unknown>;
  /** JSON Schema of `structuredContent` (`type: "object"`), when the output is structured. */
  outputSchema?: Record<string, unknown>;
  /** Behaviour hints. */
  annotations: ToolAnnotations;
}

/** What {@linkcode mcpTool} needs to know about a tool (a `RegisteredTool` or a built-in definition fits). */
export interface ToolLike {
  /** Name. */
  name: string;
  /** Human title. */
  title?: string | undefined;
  /** Description. */
  description?: string | undefined;
  /** Risk. */
  risk: Risk;
  /** Argument schema. */
  inputSchema?: JsonSchema | undefined;
  /** Structured output schema. */
  outputSchema?: JsonSchema | undefined;
}

/** One MCP text content block. */
export interface TextContent {
  /** Always "text". */
  type: "text";
  /** The text. */
  text: string;
}

/** An MCP `tools/call` result. */
export interface CallToolResult {
  /** What the model reads. */
  content: TextContent[];
  /** The structured output, for tools with an output schema. */
  structuredContent?: Record<string, unknown>;
  /** The call did not succeed (denied, not approved, or the tool failed). */
  isError?: boolean;
  /** The gate's view of the call, for clients that show it. */
  _meta?: Record<string, unknown>;
}

/**
 * The MCP `tools/list` entry of a tool. `processNetwork` says whether process tools can reach the network (their
 * `openWorldHint`); file tools never can.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mcpTool } from "./tools.ts";
 * import { BUILTIN_DEFINITIONS } from "../../builtins/definitions.ts";
 * const bash = mcpTool(BUILTIN_DEFINITIONS.find((d) => d.name === "run_bash")!, { processNetwork: false });
 * assert.ok(bash.annotations.destructiveHint === true && bash.annotations.openWorldHint === false);
 * assert.equal(bash.inputSchema.type, "object");
 * ```
 */
export function mcpTool(tool: ToolLike, options: { processNetwork: boolean }): McpTool {
  const builtin = BUILTIN_DEFINITIONS.find((d) => d.name === tool.name);
  const annotations: ToolAnnotations = {};
  if (tool.title !== undefined) annotations.title = tool.title;
  if (builtin) {
    Object.assign(annotations, builtin.hints, { openWorldHint: builtin.kind === "process" && options.processNetwork });
  } else if (tool.risk === "high") {
    annotations.destructiveHint = true;
  }
  const entry: McpTool = {
    name: tool.name,
    description: tool.description ?? "",
    inputSchema: objectSchema(tool.inputSchema),
    annotations,
  };
  if (tool.title !== undefined) entry.title = tool.title;
  if (tool.outputSchema !== undefined) {
    entry.outputSchema = objectSchema(tool.outputSchema);
  }
  return entry;
}

function objectSchema(schema: JsonSchema | undefined): Record<string, unknown> {
  if (schema === undefined) return { type: "object" };
  if (schema.type === "object") return schema as Record<string, unknown>;
  // MCP requires object schemas at the top; a non-object schema is wrapped like list_dir's entries.
  return { type: "object", properties: { value: schema }, required: ["value"] };
}

/**
 * The `structuredContent` of an output: objects as they are, anything else under `entries` (arrays) or `value`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { structuredOf } from "./tools.ts";
 * assert.equal(JSON.stringify(structuredOf([1])), '{"entries":[1]}');
 * assert.equal(structuredOf(null), undefined);
 * ```
 */
export function structuredOf(output: unknown): Record<string, unknown> | undefined {
  if (output === null || output === undefined) return undefined;
  if (Array.isArray(output)) return { entries: output };
  if (typeof output === "object") return output as Record<string, unknown>;
  return { value: output };
}

/**
 * The MCP `tools/call` result of an executor result. Success: the output as text (strings as they are, anything
 * else as JSON), plus `structuredContent` when the tool has an output schema. Anything else: `isError: true` and a
 * text naming the decision, the error code, the reason and the fatigue, so the model can adapt.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { callToolResult } from "./tools.ts";
 * const denied = callToolResult({
 *   tool: "run_bash", ok: false, skipped: true, decision: "deny", risk: "high", output: null,
 *   error: "Denied: risk=high fatigue=0.80 …", errorCode: "denied", fatigue: 0.8, durationMs: 0.1,
 * }, false);
 * assert.ok(denied.isError === true && denied.content[0]!.text.includes("fatigue 0.80"));
 * ```
 */
export function callToolResult(r: ExecResult, structured: boolean): CallToolResult {
  const meta = {
    "safe-exec/gate": {
      decision: r.decision,
      risk: r.risk,
      fatigue: r.fatigue,
      errorCode: r.errorCode,
      durationMs: r.durationMs,
    },
  };
  if (r.ok) {
    const text = typeof r.output === "string" ? r.output : JSON.stringify(r.output ?? null);
    const result: CallToolResult = { content: [{ type: "text", text }], _meta: meta };
    if (structured) {
      const s = structuredOf(r.output);
      if (s !== undefined) {
        result.structuredContent = s;
        // The spec asks for the serialized structured content as the text, for clients that ignore it.
        if (s !== r.output) result.content[0]!.text = JSON.stringify(s);
      }
    }
    return result;
  }
  const what = r.skipped
    ? (r.errorCode === "not_approved" ? "was not approved" : "was not run")
    : r.errorCode === "unknown_tool" || r.errorCode === "invalid_args"
    ? "was refused"
    : "failed";
  let text = `safe-exec: ${r.tool} ${what} (decision ${r.decision}, errorCode ${r.errorCode ?? "internal"}, risk ${
    r.risk ?? "unknown"
  }, fatigue ${r.fatigue.toFixed(2)}): ${r.error ?? "no reason given"}`;
  if (r.errorCode === "denied") {
    text += "\nThe session is too fatigued for this risk. Prefer lower-risk tools, or ask the user to continue.";
  } else if (r.errorCode === "not_approved") {
    text += "\nThe user (or the confirm policy) did not approve this call. Do not retry it unchanged.";
  }
  const result: CallToolResult = { content: [{ type: "text", text }], isError: true, _meta: meta };
  if (structured && r.output !== null && r.output !== undefined) {
    const s = structuredOf(r.output);
    if (s !== undefined) {
      result.structuredContent = s;
      result.content.push({ type: "text", text: JSON.stringify(s) });
    }
  }
  return result;
}
