/**
 * The lab's hook that answers with safe-exec's own dialect adapters (src/hook), so the e2e tests check what each
 * real CLI does with those answers: it parses the event with the agent's `parseEvent` (a live check of the parser
 * too), reads the transcript's usage as the event finds it, and answers the n-th event of a name with the n-th
 * verdict of `<stateDir>/plan.json` (`allow`, `ask`, `deny`, or `fail` for the fail-closed form; the last one
 * repeats; events not in the plan get `allow`). Each invocation is logged to `<stateDir>/render.jsonl`.
 *
 *   deno run --no-config --allow-read --allow-write render_hook.ts claude-code|codex|gemini|cursor STATE_DIR
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { answerFor } from "./render_hook.ts";
 * const a = answerFor("codex", "deny", { session_id: "s", hook_event_name: "PreToolUse", tool_name: "Bash", tool_input: {} });
 * assert.match(a.answer.stdout, /"permissionDecision":"deny"/);
 * ```
 *
 * @module
 */
import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import {
  claudeTranscriptUsage,
  codexTranscriptUsage,
  dialectFor,
  geminiTranscriptUsage,
  type HookAnswer,
  type NormalizedEvent,
  type TranscriptUsage,
} from "../../../../src/hook/mod.ts";

/** What the render hook did with one event. */
export interface RenderRecord {
  eventName: string | null;
  verdict: string;
  event: Omit<NormalizedEvent, "raw"> | null;
  parseError: string | null;
  usage: TranscriptUsage | null;
  usageError: string | null;
  answer: HookAnswer;
}

function _usage(agent: string, path: string): TranscriptUsage | null {
  if (agent === "claude-code") return claudeTranscriptUsage(path);
  if (agent === "codex") return codexTranscriptUsage(path);
  if (agent === "gemini") return geminiTranscriptUsage(path);
  return null;
}

/** Parse an event with the agent's dialect and answer it with a planned verdict. */
export function answerFor(
  agent: string,
  verdict: string,
  json: unknown,
): RenderRecord {
  const dialect = dialectFor(agent);
  const record: RenderRecord = {
    eventName: null,
    verdict,
    event: null,
    parseError: null,
    usage: null,
    usageError: null,
    answer: { stdout: "", stderr: "", exitCode: 0 },
  };
  let event: NormalizedEvent;
  try {
    event = dialect.parseEvent(json);
  } catch (e) {
    record.parseError = e instanceof Error ? e.message : String(e);
    record.answer = dialect.failClosed(record.parseError, null);
    return record;
  }
  const { raw: _raw, ...rest } = event;
  record.event = rest;
  record.eventName = event.eventName;
  if (event.transcriptPath !== null) {
    try {
      record.usage = _usage(agent, event.transcriptPath);
    } catch (e) {
      record.usageError = e instanceof Error ? e.message : String(e);
    }
  }
  record.answer = verdict === "fail"
    ? dialect.failClosed(
      `lab: the planned fail-closed answer for ${event.eventName}`,
      event,
    )
    : dialect.render(
      {
        decision: verdict === "ask" || verdict === "deny" ? verdict : "allow",
        reason: `lab verdict: ${verdict} (${event.eventName} ${event.toolName ?? ""})`.trim(),
      },
      event,
    );
  return record;
}

if (import.meta.main) {
  const [agent = "", stateDir = "."] = process.argv.slice(2);
  const text = readFileSync(0, "utf8");
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  const name = typeof json === "object" && json !== null
    ? String((json as Record<string, unknown>).hook_event_name)
    : "?";
  let plan: Record<string, string[]> = {};
  try {
    plan = JSON.parse(readFileSync(join(stateDir, "plan.json"), "utf8"));
  } catch {
    // No plan: allow everything.
  }
  const countFile = join(
    stateDir,
    `render-count-${name.replace(/[^A-Za-z0-9_-]/g, "_")}`,
  );
  appendFileSync(countFile, "x");
  const n = readFileSync(countFile, "utf8").length;
  const verdicts = plan[name] ?? ["allow"];
  const record = answerFor(
    agent,
    verdicts[Math.min(n, verdicts.length) - 1] ?? "allow",
    json,
  );
  appendFileSync(join(stateDir, "render.jsonl"), JSON.stringify(record) + "\n");
  if (record.answer.stdout !== "") process.stdout.write(record.answer.stdout);
  if (record.answer.stderr !== "") process.stderr.write(record.answer.stderr);
  process.exitCode = record.answer.exitCode;
}
