/**
 * `safe-exec schema --format mcp|openai|anthropic`: the nine built-in tool definitions in each vendor's
 * function-calling shape, so an agent without MCP can offer exactly these tools to its model (and send the calls
 * to `safe-exec serve` or `safe-exec exec`).
 *
 * - `mcp`: the entries of an MCP `tools/list` result (name, title, description, inputSchema, outputSchema,
 *   annotations), as `safe-exec mcp` lists them. Without a config there is no telling whether the sandbox has
 *   network, so the process tools say `openWorldHint: true` (the spec's default, the cautious answer).
 * - `openai`: Chat Completions tools, `[{type: "function", function: {name, description, parameters}}]`.
 *   `strict` is not set: OpenAI's strict mode needs every property listed in `required` (optional ones typed as
 *   nullable) and rejects some keywords the schemas use (`minLength`, `maxLength`, `minimum`, `maximum`), so these
 *   schemas would be refused with `strict: true`. The gate validates every call's arguments anyway.
 * - `anthropic`: Messages API tools, `[{name, description, input_schema}]`.
 *
 * @module
 */
import { BUILTIN_DEFINITIONS, type BuiltinDefinition } from "../builtins/definitions.ts";
import { mcpTool } from "../transport/mcp/tools.ts";
import type { Command } from "./_context.ts";

/**
 * The formats `--format` accepts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SCHEMA_FORMATS } from "./schema.ts";
 * assert.ok(SCHEMA_FORMATS.includes("anthropic"));
 * ```
 */
export const SCHEMA_FORMATS: readonly string[] = ["mcp", "openai", "anthropic"];

/**
 * The tool definitions in one vendor's shape, as a JSON-ready value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toolSchemas } from "./schema.ts";
 * const openai = toolSchemas("openai") as { type: string; function: { name: string } }[];
 * assert.ok(openai.length === 9 && openai[0]!.type === "function" && openai[0]!.function.name === "read_file");
 * const anthropic = toolSchemas("anthropic") as { name: string; input_schema: { type: string } }[];
 * assert.ok(anthropic[7]!.name === "run_bash" && anthropic[7]!.input_schema.type === "object");
 * ```
 */
export function toolSchemas(
  format: "mcp" | "openai" | "anthropic",
  definitions: readonly BuiltinDefinition[] = BUILTIN_DEFINITIONS,
): unknown[] {
  switch (format) {
    case "mcp":
      return definitions.map((d) => mcpTool(d, { processNetwork: true }));
    case "openai":
      return definitions.map((d) => ({
        type: "function",
        function: { name: d.name, description: d.description, parameters: d.inputSchema },
      }));
    case "anthropic":
      return definitions.map((d) => ({ name: d.name, description: d.description, input_schema: d.inputSchema }));
  }
}

/**
 * Print the tool definitions in a vendor's shape as JSON; resolves to the exit code (2 for an unknown format).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runSchema } from "./schema.ts";
 * const out: string[] = [];
 * const code = runSchema("anthropic", { out: (l) => out.push(l), err: () => {} });
 * assert.ok(code === 0 && JSON.parse(out[0]!).length === 9);
 * assert.ok(runSchema("xml", { out: () => {}, err: () => {} }) === 2);
 * ```
 */
export function runSchema(format: string, io: { out: (l: string) => void; err: (l: string) => void }): number {
  if (!SCHEMA_FORMATS.includes(format)) {
    io.err(
      `safe-exec: --format must be mcp, openai or anthropic, got ${JSON.stringify(format)}. See safe-exec --help`,
    );
    return 2;
  }
  io.out(JSON.stringify(toolSchemas(format as "mcp" | "openai" | "anthropic"), null, 2));
  return 0;
}

/** `safe-exec schema --format mcp|openai|anthropic`. */
export const schemaCommand: Command = (args, { io }) => Promise.resolve(runSchema(args.options.format ?? "mcp", io));
