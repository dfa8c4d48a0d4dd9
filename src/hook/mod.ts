/**
 * Hook mode's pure parts (SPEC §9): the four agents' dialects, their tool risk tables and the transcript usage
 * readers. No runtime specifics and nothing from the rest of safe-exec but its vocabulary.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dialectFor } from "./mod.ts";
 * const d = dialectFor("gemini");
 * const e = d.parseEvent({ session_id: "s", hook_event_name: "BeforeTool", tool_name: "read_file", tool_input: {} });
 * assert.equal(e.phase, "pre_tool");
 * assert.throws(() => dialectFor("vim" as never), /Unknown hook agent "vim": expected one of claude-code, codex, gemini, cursor/);
 * ```
 *
 * @module
 */
import { claudeCode } from "./claude_code.ts";
import { codex } from "./codex.ts";
import { cursor } from "./cursor.ts";
import { gemini } from "./gemini.ts";
import { HOOK_AGENTS, type HookAgent, type HookDialect } from "./types.ts";

export * from "./types.ts";
export { claudeCode } from "./claude_code.ts";
export { codex } from "./codex.ts";
export { cursor } from "./cursor.ts";
export { gemini } from "./gemini.ts";
export * from "./risk.ts";
export * from "./usage.ts";

/** The dialect of each agent. */
export const DIALECTS: Readonly<Record<HookAgent, HookDialect>> = {
  "claude-code": claudeCode,
  codex,
  gemini,
  cursor,
};

/** The dialect of an agent named on the command line. */
export function dialectFor(agent: string): HookDialect {
  const d = (DIALECTS as Record<string, HookDialect | undefined>)[agent];
  if (d === undefined) throw new Error(`Unknown hook agent "${agent}": expected one of ${HOOK_AGENTS.join(", ")}`);
  return d;
}
