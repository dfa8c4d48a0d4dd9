/**
 * Private helper of the hook dialects: the answers they share. A reason is cut below Claude Code's cap and never
 * empty; an agent without an approval prompt gets a denial that tells the model to ask the user; the two
 * Claude-style agents answer with `permissionDecision`; failing closed by exit code blocks (exit 2) on a pre-tool
 * event or an unreadable one and only warns (exit 1) on the others.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clipReason, failClosedByExit } from "./_answers.ts";
 * assert.equal(clipReason("  "), "blocked by safe-exec");
 * assert.deepEqual(failClosedByExit("no config", null), { stdout: "", stderr: "safe-exec: no config", exitCode: 2 });
 * ```
 *
 * @module
 */
import type { HookAnswer, NormalizedEvent } from "./types.ts";

/** The longest reason the dialects pass on (Claude Code caps hook output strings at 10,000 characters). */
export const MAX_REASON = 9000;

/** A reason cut to {@linkcode MAX_REASON} characters, never empty (Codex ignores an empty deny reason). */
export function clipReason(reason: string): string {
  const r = reason.trim() === "" ? "blocked by safe-exec" : reason;
  return r.length > MAX_REASON ? `${r.slice(0, MAX_REASON - 3)}...` : r;
}

/**
 * The reason given to an agent that has no prompt a hook can raise, when the gate says ASK: the call is blocked
 * and the model is told to ask the user.
 */
export function askInstead(reason: string): string {
  return `safe-exec wants the user to approve this call first (${reason}). ` +
    "This agent has no approval prompt a hook can raise, so the call was blocked: ask the user whether to run it, " +
    "and retry only once they agree.";
}

/** A Claude-style `hookSpecificOutput` answer (Claude Code, Codex) with a permission decision and its reason. */
export function permissionDecision(event: NormalizedEvent, decision: "ask" | "deny", reason: string): HookAnswer {
  return {
    stdout: JSON.stringify({
      hookSpecificOutput: {
        hookEventName: event.eventName,
        permissionDecision: decision,
        permissionDecisionReason: clipReason(reason),
      },
    }),
    stderr: "",
    exitCode: 0,
  };
}

/**
 * The blocking answer by exit code when safe-exec itself failed: exit 2 with the reason on stderr on a pre-tool
 * event or an unreadable one (`event` null), exit 1 (a warning) on the others.
 */
export function failClosedByExit(reason: string, event: NormalizedEvent | null): HookAnswer {
  const message = clipReason(`safe-exec: ${reason}`);
  if (event === null || event.phase === "pre_tool") return { stdout: "", stderr: message, exitCode: 2 };
  return { stdout: "", stderr: message, exitCode: 1 };
}
