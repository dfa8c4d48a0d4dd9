/**
 * Tool schemas for model vendors: definitions in each vendor's function-calling shape (MCP, OpenAI Chat
 * Completions and Responses, Anthropic), and OpenAI strict mode for their parameters, with the way back for the
 * nulls a strict model sends. Self-contained: `safe-exec schema` and the MCP session wire it in.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stripStrictNulls, vendorTools } from "./mod.ts";
 * const tool = {
 *   name: "read_file",
 *   description: "Read a file.",
 *   inputSchema: { type: "object", properties: { path: { type: "string" }, limit: { type: "integer" } }, required: ["path"] },
 * };
 * const [openai] = vendorTools("openai", [tool], { strict: true }) as { function: { strict: boolean } }[];
 * assert.equal(openai!.function.strict, true);
 * assert.deepEqual(stripStrictNulls({ path: "a.txt", limit: null }, tool.inputSchema), { path: "a.txt" });
 * ```
 *
 * @module
 */
export { type ToolDefinition, VENDOR_FORMATS, type VendorFormat, type VendorOptions, vendorTools } from "./vendor.ts";
export { toStrictSchema } from "./strict.ts";
export { stripStrictNulls } from "./strip_nulls.ts";
export { STRICT_FORMATS, STRICT_LIMITS } from "./strict_limits.ts";
export type { Schema, StrictResult } from "./types.ts";
