/**
 * Tool definitions in each model vendor's function-calling shape, for every tool the gate guards (the nine
 * built-ins, tools the agent brings, upstream tools):
 *
 * - `mcp`: entries of an MCP `tools/list` result (`name`, `title`, `description`, `inputSchema`, `outputSchema`,
 *   `annotations`), as given.
 * - `openai`: Chat Completions tools, `{type: "function", function: {name, description, parameters}}`.
 * - `openai-responses`: Responses API tools, flat: `{type: "function", name, description, parameters, strict}`.
 *   `strict` is always written, because the Responses API treats a missing one as true.
 * - `anthropic`: Messages API tools, `{name, description, input_schema}`.
 *
 * With `strict`, the two OpenAI shapes carry `strict: true` and parameters converted for OpenAI strict mode
 * ({@linkcode toStrictSchema}); a tool whose schema cannot be converted faithfully keeps its schema with
 * `strict: false`, and `onWarning` says why. `strict` is refused for `mcp` and `anthropic`.
 *
 * Without `strict`, the shapes are those `safe-exec schema` printed before this module existed (the tests check
 * the nine built-ins byte for byte).
 *
 * @module
 */
import { toStrictSchema } from "./strict.ts";
import type { Schema } from "./types.ts";

/** The formats {@linkcode vendorTools} writes. */
export type VendorFormat = "mcp" | "openai" | "openai-responses" | "anthropic";

/** All formats, in the order `--help` lists them. */
export const VENDOR_FORMATS: readonly VendorFormat[] = ["mcp", "openai", "openai-responses", "anthropic"];

/** A tool to describe (an MCP `tools/list` entry fits, and so does a built-in definition). */
export interface ToolDefinition {
  /** Its name (`^[A-Za-z0-9_-]{1,64}$`). */
  name: string;
  /** A human title. */
  title?: string | undefined;
  /** What it does, for the model. */
  description?: string | undefined;
  /** JSON Schema of its arguments (`type: "object"`). */
  inputSchema: Schema | object;
  /** JSON Schema of its structured output (MCP only). */
  outputSchema?: Schema | object | undefined;
  /** MCP annotations (MCP only). */
  annotations?: object | undefined;
}

/** Options of {@linkcode vendorTools}. */
export interface VendorOptions {
  /** OpenAI strict mode (openai and openai-responses only). */
  strict?: boolean;
  /** Why a tool could not be made strict (it is then written with `strict: false`). */
  onWarning?: (tool: string, message: string) => void;
}

/**
 * The tools in one vendor's shape, as JSON-ready values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { vendorTools } from "./vendor.ts";
 * const tools = [{
 *   name: "memory__search_nodes",
 *   description: "Search the graph.",
 *   inputSchema: { type: "object", properties: { query: { type: "string" }, limit: { type: "integer" } }, required: ["query"] },
 * }];
 * assert.deepEqual(vendorTools("anthropic", tools), [
 *   { name: "memory__search_nodes", description: "Search the graph.", input_schema: tools[0]!.inputSchema },
 * ]);
 * const [responses] = vendorTools("openai-responses", tools, { strict: true }) as Record<string, unknown>[];
 * assert.equal(responses!.strict, true);
 * assert.deepEqual((responses!.parameters as { required: string[] }).required, ["query", "limit"]);
 * assert.throws(() => vendorTools("anthropic", tools, { strict: true }), /--strict applies to/);
 * ```
 */
export function vendorTools(
  format: VendorFormat,
  tools: readonly ToolDefinition[],
  options: VendorOptions = {},
): unknown[] {
  const strict = options.strict === true;
  if (strict && format !== "openai" && format !== "openai-responses") {
    throw new TypeError(
      `--strict applies to --format openai and openai-responses (OpenAI strict mode), not ${JSON.stringify(format)}`,
    );
  }
  const parameters = (t: ToolDefinition): { parameters: unknown; strict?: boolean } => {
    if (!strict) return { parameters: t.inputSchema };
    const r = toStrictSchema(t.inputSchema as Schema);
    if (r.ok) return { parameters: r.schema, strict: true };
    options.onWarning?.(t.name, `not strict: ${r.reason}; offered with "strict": false and its schema unchanged`);
    return { parameters: t.inputSchema, strict: false };
  };
  switch (format) {
    case "mcp":
      return tools.map(mcpEntry);
    case "openai":
      return tools.map((t) => {
        const p = parameters(t);
        return {
          type: "function",
          function: {
            name: t.name,
            ...(t.description !== undefined ? { description: t.description } : {}),
            parameters: p.parameters,
            ...(p.strict !== undefined ? { strict: p.strict } : {}),
          },
        };
      });
    case "openai-responses":
      return tools.map((t) => {
        const p = parameters(t);
        return {
          type: "function",
          name: t.name,
          ...(t.description !== undefined ? { description: t.description } : {}),
          parameters: p.parameters,
          strict: p.strict ?? false,
        };
      });
    case "anthropic":
      return tools.map((t) => ({
        name: t.name,
        ...(t.description !== undefined ? { description: t.description } : {}),
        input_schema: t.inputSchema,
      }));
    default:
      throw new TypeError(`unknown format ${JSON.stringify(format)}; expected ${VENDOR_FORMATS.join(", ")}`);
  }
}

const MCP_KEYS = ["name", "title", "description", "inputSchema", "outputSchema", "annotations"] as const;

/** An MCP `tools/list` entry: the MCP fields of the definition, in the definition's own key order. */
function mcpEntry(t: ToolDefinition): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(t)) {
    if ((MCP_KEYS as readonly string[]).includes(key)) {
      const v = (t as unknown as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = v;
    }
  }
  return out;
}
