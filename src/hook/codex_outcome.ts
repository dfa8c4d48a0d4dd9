/**
 * How a Codex tool call ended, from its rollout transcript: Codex's `PostToolUse` hook event carries the output
 * but no exit code, so a failed shell call looks like a success there; the rollout has the exit code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { codexToolOutcome } from "./codex_outcome.ts";
 * const dir = mkdtempSync(join(tmpdir(), "outcome-"));
 * const file = join(dir, "rollout.jsonl");
 * const output = { type: "function_call_output", call_id: "call_1", output: "Process exited with code 2\n" };
 * writeFileSync(file, JSON.stringify({ type: "response_item", payload: output }) + "\n");
 * assert.deepEqual(codexToolOutcome(file, "call_1"), { exitCode: 2, failed: true });
 * assert.equal(codexToolOutcome(file, "call_2"), null);
 * rmSync(dir, { recursive: true });
 * ```
 *
 * @module
 */
import { ascii, hasMarker, object, parseLine } from "./_transcript.ts";
import { readLinesFromEnd, type TailOptions } from "./tail_lines.ts";

/** How a Codex tool call ended, from its rollout. */
export interface CodexToolOutcome {
  /** The shell command's exit code, when it was a shell call. */
  exitCode: number | null;
  /** The call failed (non-zero exit, or Codex marked it failed). */
  failed: boolean;
}

const _PROCESS_EXITED = /Process exited with code (-?\d+)/;

/**
 * How the Codex tool call `callId` (the hook's `tool_use_id`) ended, from the rollout, or null when the rollout
 * does not show it (yet). Reads the `item_completed` event of a command (`exit_code`, `status`), else the call's
 * `function_call_output` text (`Process exited with code N`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { codexToolOutcome } from "./codex_outcome.ts";
 * const dir = mkdtempSync(join(tmpdir(), "outcome-"));
 * const file = join(dir, "rollout.jsonl");
 * const item = { id: "call_7", exit_code: 0, status: "completed" };
 * writeFileSync(file, JSON.stringify({ type: "event_msg", payload: { type: "item_completed", item } }) + "\n");
 * assert.deepEqual(codexToolOutcome(file, "call_7"), { exitCode: 0, failed: false });
 * rmSync(dir, { recursive: true });
 * ```
 */
export function codexToolOutcome(path: string, callId: string, options: TailOptions = {}): CodexToolOutcome | null {
  const id = ascii(JSON.stringify(callId));
  let found: CodexToolOutcome | null = null;
  readLinesFromEnd(path, (line) => {
    if (!hasMarker(line, id)) return false;
    const o = parseLine(line);
    const payload = object(o?.payload);
    if (payload === null) return false;
    if (o?.type === "event_msg" && payload.type === "item_completed") {
      const item = object(payload.item);
      if (item?.id !== callId) return false;
      const exit = typeof item.exit_code === "number" ? item.exit_code : null;
      found = { exitCode: exit, failed: item.status === "failed" || (exit !== null && exit !== 0) };
      return true;
    }
    if (o?.type === "response_item" && payload.call_id === callId && typeof payload.output === "string") {
      if (payload.type !== "function_call_output" && payload.type !== "custom_tool_call_output") return false;
      const m = _PROCESS_EXITED.exec(payload.output);
      const exit = m !== null ? Number(m[1]) : null;
      found = { exitCode: exit, failed: exit !== null && exit !== 0 };
      return true;
    }
    return false;
  }, options);
  return found;
}
