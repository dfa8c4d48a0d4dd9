/**
 * The nine built-in tools of SPEC §2, declared once: name, title, description, default risk, schemas, kind (a file
 * operation or a process), MCP hints and limits. The config's `tools` section, the MCP tool list, `safe-exec schema`
 * and the registration all read this list.
 *
 * @module
 */
import type { JsonSchema, Risk } from "../types.ts";

/** Longest `cmd` / `code` accepted, in characters and in UTF-8 bytes (each travels as one process argument). */
export const MAX_SCRIPT_CHARS = 100_000;
/** Longest timeout a call may ask for. */
export const MAX_TIMEOUT_MS = 3_600_000;

const path = (description: string): JsonSchema => ({ type: "string", minLength: 1, description });
const content: JsonSchema = { type: "string", description: "The text to write (UTF-8)." };
const timeoutMs: JsonSchema = {
  type: "integer",
  minimum: 1,
  maximum: MAX_TIMEOUT_MS,
  description: "Kill the process (and its children) after this many milliseconds. Default 30000.",
};

const processOutput: JsonSchema = {
  type: "object",
  properties: {
    stdout: { type: "string" },
    stderr: { type: "string" },
    exitCode: { type: ["integer", "null"] },
    signal: { type: ["string", "null"] },
    timedOut: { type: "boolean" },
    truncated: { type: "boolean" },
    durationMs: { type: "number" },
  },
  required: ["stdout", "stderr", "exitCode", "signal", "timedOut", "truncated", "durationMs"],
};

/** A built-in tool's definition, without its implementation. */
export interface BuiltinDefinition {
  /** Tool name (SPEC §2). */
  name: string;
  /** Short human title. */
  title: string;
  /** What it does, for the model. */
  description: string;
  /** Default risk. */
  risk: Risk;
  /** Argument schema. */
  inputSchema: JsonSchema;
  /** Structured output schema, when the output is structured. */
  outputSchema?: JsonSchema;
  /** Whether it runs a process (shell tools) rather than a file operation. */
  kind: "file" | "process";
  /** What it does to its world, for MCP's annotations (hints for the client; never trusted for security). */
  hints: BuiltinHints;
}

/** MCP behaviour hints of a built-in tool (`openWorldHint` follows from the kind and the sandbox's network). */
export interface BuiltinHints {
  /** It does not change its environment. */
  readOnlyHint: boolean;
  /** It may perform destructive (not only additive) updates. */
  destructiveHint: boolean;
  /** Repeating a call with the same arguments has no further effect (absent for read-only tools). */
  idempotentHint?: boolean;
}

const obj = (properties: Record<string, JsonSchema>, required: string[]): JsonSchema => ({
  type: "object",
  properties,
  required,
  additionalProperties: false,
});

/** The nine built-in tools, in SPEC order. */
export const BUILTIN_DEFINITIONS: readonly BuiltinDefinition[] = [
  {
    name: "read_file",
    title: "Read file",
    description: "Read a UTF-8 text file inside the workspace and return its text (at most 10 MiB).",
    hints: { readOnlyHint: true, destructiveHint: false },
    risk: "low",
    kind: "file",
    inputSchema: obj({ path: path("File path, relative to the workspace.") }, ["path"]),
  },
  {
    name: "list_dir",
    title: "List folder",
    description: "List a folder inside the workspace: name, type (file, dir, symlink, other) and size of each entry. " +
      'A name that is not valid UTF-8 comes with "escaped": true and shows its odd bytes as \\xHH.',
    hints: { readOnlyHint: true, destructiveHint: false },
    risk: "low",
    kind: "file",
    inputSchema: obj(
      { path: { type: "string", description: 'Folder path, relative to the workspace. Default ".".' } },
      [],
    ),
    outputSchema: {
      type: "object",
      properties: {
        entries: {
          type: "array",
          items: obj({
            name: { type: "string" },
            type: { type: "string", enum: ["file", "dir", "symlink", "other"] },
            size: { type: ["integer", "null"] },
            escaped: { type: "boolean" },
          }, ["name", "type", "size"]),
        },
      },
      required: ["entries"],
    },
  },
  {
    name: "write_file",
    title: "Write file",
    description: "Create or replace a text file inside the workspace (missing parent folders are created).",
    hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
    risk: "medium",
    kind: "file",
    inputSchema: obj({ path: path("File path, relative to the workspace."), content }, ["path", "content"]),
  },
  {
    name: "append_file",
    title: "Append to file",
    description: "Append text to a file inside the workspace (created if missing).",
    hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
    risk: "medium",
    kind: "file",
    inputSchema: obj({ path: path("File path, relative to the workspace."), content }, ["path", "content"]),
  },
  {
    name: "copy_file",
    title: "Copy file",
    description: "Copy a file to another place inside the workspace (into it, when dst is a folder).",
    hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
    risk: "medium",
    kind: "file",
    inputSchema: obj({ src: path("Source file, relative to the workspace."), dst: path("Destination path.") }, [
      "src",
      "dst",
    ]),
  },
  {
    name: "delete_file",
    title: "Delete file",
    description: "Delete one file inside the workspace.",
    hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
    risk: "high",
    kind: "file",
    inputSchema: obj({ path: path("File path, relative to the workspace.") }, ["path"]),
  },
  {
    name: "delete_dir",
    title: "Delete folder",
    description: "Delete a folder and everything in it, inside the workspace (never the workspace itself).",
    hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
    risk: "high",
    kind: "file",
    inputSchema: obj({ path: path("Folder path, relative to the workspace.") }, ["path"]),
  },
  {
    name: "run_bash",
    title: "Run bash",
    description:
      "Run a bash command in the workspace, sandboxed (no network, no host secrets). Returns stdout, stderr, exitCode, signal, timedOut, truncated, durationMs; succeeds only with exit code 0.",
    hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
    risk: "high",
    kind: "process",
    inputSchema: obj({
      cmd: { type: "string", minLength: 1, maxLength: MAX_SCRIPT_CHARS, description: "The bash command line." },
      timeoutMs,
    }, ["cmd"]),
    outputSchema: processOutput,
  },
  {
    name: "run_python",
    title: "Run Python",
    description:
      "Run Python 3 code in the workspace, sandboxed (no network, no host secrets). Same output as run_bash; succeeds only with exit code 0.",
    hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
    risk: "high",
    kind: "process",
    inputSchema: obj({
      code: { type: "string", minLength: 1, maxLength: MAX_SCRIPT_CHARS, description: "The Python source." },
      timeoutMs,
    }, ["code"]),
    outputSchema: processOutput,
  },
];

/**
 * The nine built-in tool names, in SPEC order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BUILTIN_TOOL_NAMES } from "./definitions.ts";
 * assert.equal(BUILTIN_TOOL_NAMES.length, 9);
 * assert.equal(BUILTIN_TOOL_NAMES[0], "read_file");
 * ```
 */
export const BUILTIN_TOOL_NAMES: readonly string[] = Object.freeze(BUILTIN_DEFINITIONS.map((d) => d.name));

/** Per-tool overrides from the config (SPEC §6 `tools`); absent keys keep the tool's defaults. */
export interface ToolOptions {
  /** Replaces the default risk. */
  risk?: Risk;
  /** Default timeout of a process tool, in milliseconds (1 to {@linkcode MAX_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** `false` removes the tool from the session. */
  enabled?: boolean;
}

/** Default timeout of run_bash / run_python. */
export const DEFAULT_PROCESS_TIMEOUT_MS = 30_000;
