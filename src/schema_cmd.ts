/**
 * `safe-exec schema --format mcp|openai|anthropic`.
 *
 * @module
 */
import { BUILTIN_DEFINITIONS } from "./tools/builtin.ts";

/** Print the tool definitions in a vendor's shape. */
export function runSchema(format: string, io: { out: (l: string) => void; err: (l: string) => void }): number {
  if (format !== "mcp") {
    io.err(`safe-exec: --format must be mcp, openai or anthropic, got ${JSON.stringify(format)}`);
    return 2;
  }
  io.out(
    JSON.stringify(
      BUILTIN_DEFINITIONS.map((d) => ({ name: d.name, description: d.description, inputSchema: d.inputSchema })),
      null,
      2,
    ),
  );
  return 0;
}
