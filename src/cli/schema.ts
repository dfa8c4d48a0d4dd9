/**
 * `safe-exec schema --format mcp|openai|openai-responses|anthropic [--strict] [--config FILE]`: every tool the agent
 * can call through safe-exec in a vendor's function-calling shape, so an agent without MCP can offer exactly these
 * tools to its model (and send the calls to `safe-exec serve`): the built-in tools the config leaves enabled, the
 * tools it brings (`tools.<name>`), and the tools of its upstream servers (`<server>__<tool>`, listed by starting
 * the servers, which are stopped again).
 *
 * - `mcp`: the entries of an MCP `tools/list` result (name, title, description, inputSchema, outputSchema,
 *   annotations). Without a config there is no telling whether the sandbox has network, so the process tools say
 *   `openWorldHint: true` (the cautious answer); with one, the config's sandbox decides.
 * - `openai`: Chat Completions tools, `[{type: "function", function: {name, description, parameters}}]`.
 * - `openai-responses`: Responses API tools, flat `[{type: "function", name, description, parameters, strict}]`.
 * - `anthropic`: Messages API tools, `[{name, description, input_schema}]`.
 *
 * `--strict` (openai and openai-responses) writes schemas valid for OpenAI strict mode: every property required,
 * optional ones nullable, no unsupported keywords (`src/schemas/strict.ts`); the gate drops the nulls a strict model
 * sends for left-out arguments. A schema that cannot be made strict is written with `strict: false`, said on stderr.
 *
 * @module
 */
import { BUILTIN_DEFINITIONS, type BuiltinDefinition } from "../builtins/definitions.ts";
import { resolveConfig } from "../config/resolve.ts";
import type { SafeExecConfig } from "../config/types.ts";
import { GatewayTools } from "../gateway/gate_tools.ts";
import { upstreamSpawner } from "../app.ts";
import type { Runtime } from "../runtime/types.ts";
import { type ToolDefinition, VENDOR_FORMATS, type VendorFormat, vendorTools } from "../schemas/vendor.ts";
import { upstreamEntry } from "../transport/mcp/_gateway.ts";
import { mcpTool } from "../transport/mcp/tools.ts";
import process from "node:process";
import { overrides, UsageError } from "./args.ts";
import type { Command } from "./_context.ts";

/**
 * The formats `--format` accepts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SCHEMA_FORMATS } from "./schema.ts";
 * assert.ok(SCHEMA_FORMATS.includes("anthropic") && SCHEMA_FORMATS.includes("openai-responses"));
 * ```
 */
export const SCHEMA_FORMATS: readonly string[] = VENDOR_FORMATS;

/**
 * The built-in tool definitions in one vendor's shape, as a JSON-ready value.
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
  format: VendorFormat,
  definitions: readonly BuiltinDefinition[] = BUILTIN_DEFINITIONS,
  options: { strict?: boolean; onWarning?: (tool: string, message: string) => void } = {},
): unknown[] {
  return vendorTools(format, definitions.map((d) => mcpTool(d, { processNetwork: true })), options);
}

/**
 * Every tool a config offers, as MCP definitions: the enabled built-in tools (with the config's sandbox deciding
 * `openWorldHint`), the brought tools, and the upstream servers' tools (their servers started to list them and
 * stopped again). A server that cannot be listed is an error: the list would be incomplete.
 */
export async function configDefinitions(config: SafeExecConfig, runtime: Runtime): Promise<ToolDefinition[]> {
  const processNetwork = config.sandbox.mode === "none" || config.sandbox.network;
  const defs: ToolDefinition[] = BUILTIN_DEFINITIONS.filter((d) => config.tools[d.name]?.enabled !== false).map((d) =>
    mcpTool(d, { processNetwork })
  );
  for (const [name, t] of Object.entries(config.brought)) {
    defs.push(mcpTool({ name, ...t }, { processNetwork }));
  }
  if (Object.keys(config.servers).length === 0) return defs;
  // Sandboxed servers are listed from inside the sandbox, as they will run.
  const spawn = upstreamSpawner(config, runtime);
  const gateway = new GatewayTools(config.servers, { spawn });
  try {
    const listing = await gateway.manager.listTools();
    if (listing.errors.length > 0) {
      const why = listing.errors.map((e) => `"${e.server}": ${e.message}`).join("; ");
      throw new Error(`Cannot list the tools of every upstream server: ${why}`);
    }
    for (const t of await gateway.list()) defs.push(upstreamEntry(t));
  } finally {
    await gateway.close();
    spawn.close();
  }
  return defs;
}

/**
 * Print tool definitions in a vendor's shape as JSON; resolves to the exit code (2 for bad usage).
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
export function runSchema(
  format: string,
  io: { out: (l: string) => void; err: (l: string) => void },
  options: { strict?: boolean; definitions?: readonly ToolDefinition[] } = {},
): number {
  if (!SCHEMA_FORMATS.includes(format)) {
    io.err(
      `safe-exec: --format must be ${SCHEMA_FORMATS.join(", ")}, got ${JSON.stringify(format)}. See safe-exec --help`,
    );
    return 2;
  }
  const strict = options.strict === true;
  if (strict && format !== "openai" && format !== "openai-responses") {
    io.err(`safe-exec: --strict applies to --format openai and openai-responses, not ${format}. See safe-exec --help`);
    return 2;
  }
  const onWarning = (tool: string, message: string) => io.err(`safe-exec: ${tool}: ${message}`);
  const defs = options.definitions ?? BUILTIN_DEFINITIONS.map((d) => mcpTool(d, { processNetwork: true }));
  io.out(JSON.stringify(vendorTools(format as VendorFormat, defs, { strict, onWarning }), null, 2));
  return 0;
}

/** `safe-exec schema --format … [--strict] [--config FILE]`. */
export const schemaCommand: Command = async (args, { io, runtime }) => {
  if (args.positional.length > 0) {
    throw new UsageError(`schema takes no positional arguments, got ${JSON.stringify(args.positional[0])}`);
  }
  const format = args.options.format ?? "mcp";
  const strict = args.options.strict === "true";
  if (!SCHEMA_FORMATS.includes(format)) return runSchema(format, io, { strict });
  // The config (--config, or ./safe-exec.jsonc when present); nothing is created.
  const config = resolveConfig(overrides(args.options), process.cwd());
  let definitions: ToolDefinition[];
  try {
    definitions = await configDefinitions(config, runtime);
  } catch (e) {
    io.err(`safe-exec: ${(e as Error).message}`);
    return 1;
  }
  return runSchema(format, io, { strict, definitions });
};
