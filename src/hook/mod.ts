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
// The vocabulary, and the dialects.
export * from "./types.ts";
export { dialectFor, DIALECTS } from "./dialects.ts";
export { claudeCode } from "./claude_code.ts";
export { codex } from "./codex.ts";
export { cursor } from "./cursor.ts";
export { gemini } from "./gemini.ts";
// Risk and argument names of the agents' own tools.
export * from "./risk.ts";
// What the transcripts say.
export * from "./usage.ts";
export * from "./codex_outcome.ts";
export type { TailOptions, TailStats } from "./tail_lines.ts";
// The vocabulary they use.
export type { Decision, Risk } from "../types.ts";
