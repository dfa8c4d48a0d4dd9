/**
 * The tool calls of a hook session that have started and not ended (red team 8, G7): a call is open from its
 * pre-tool event (when the gate did not deny it) to its outcome (the post-tool or failure event). While any call is
 * open the session is busy, so a call that starts beside a long one is never "after a break"; a call whose outcome
 * never comes (the agent was interrupted, the person refused it at the agent's own prompt, the agent crashed) holds
 * the session for at most {@linkcode OPEN_CALL_MAX_MS} from its start, then counts as ended there.
 *
 * A call's two events are paired by the agent's id of the call where it sends one per call (Claude Code's and
 * Codex's `tool_use_id`, Cursor's `tool_use_id`); otherwise by the tool's name and its input (Gemini CLI sends no
 * id; Cursor's `generation_id` belongs to one model turn and is shared by that turn's parallel calls, so it is
 * paired together with the name and input). Two identical calls open at once are two entries; an outcome ends the
 * oldest. An outcome that matches no open call (its input changed on the way, a call begun before an upgrade) ends
 * nothing: that call is held until the bound.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { busyUntil, callKey, closeCall, OPEN_CALL_MAX_MS, openCall } from "./open_calls.ts";
 * const s = { lastSeen: 1000, running: [] };
 * const a = callKey({ agent: "gemini", toolUseId: null, toolName: "run_shell_command", toolInput: { command: "sleep 5" }, raw: {} });
 * openCall(s, a, 1000);
 * assert.equal(busyUntil(s, 5000), 5000); // a call still runs: busy now
 * assert.equal(busyUntil(s, 1000 + OPEN_CALL_MAX_MS + 9000), 1000 + OPEN_CALL_MAX_MS); // abandoned: up to the bound
 * assert.equal(closeCall(s, a), true);
 * assert.equal(busyUntil(s, 5000), 1000); // nothing runs: the last event
 * ```
 *
 * @module
 */
import { sha256Hex } from "../runtime/hash.ts";
import type { NormalizedEvent } from "./types.ts";

/**
 * How long an open call holds its session at most: 10 minutes, Claude Code's longest Bash timeout (its default is
 * 2 minutes; Codex's and Gemini CLI's shell calls time out sooner by default). A call still running after that (a
 * long MCP tool, a raised `BASH_MAX_TIMEOUT_MS`) is idle from then on unless another event comes.
 */
export const OPEN_CALL_MAX_MS = 10 * 60 * 1000;
/** At most this many open calls are kept per session (the newest). */
export const MAX_OPEN_CALLS = 64;

/** One open call. */
export interface OpenCall {
  /** Its pairing key ({@linkcode callKey}). */
  key: string;
  /** Wall-clock ms of its pre-tool event. */
  at: number;
}

/** What of a session these functions read and change. */
export interface OpenCallsOf {
  /** Wall-clock ms of the session's latest event. */
  lastSeen: number;
  /** Its open calls, oldest first. */
  running: OpenCall[];
}

/** JSON with every object's keys sorted, so that one input is one text whatever its key order. */
function _stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(_stable).join(",")}]`;
  if (typeof v === "object" && v !== null) {
    const o = v as Record<string, unknown>;
    return `{${
      Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${_stable(o[k])}`)
        .join(",")
    }}`;
  }
  return JSON.stringify(v) ?? "null";
}

/** The key that pairs a call's pre-tool event with its outcome (see the module's doc). */
export function callKey(
  event: Pick<NormalizedEvent, "agent" | "toolUseId" | "toolName" | "toolInput" | "raw">,
): string {
  const perCall = event.agent === "cursor"
    ? (typeof event.raw.tool_use_id === "string" && event.raw.tool_use_id !== "" ? event.raw.tool_use_id : null)
    : event.toolUseId;
  if (perCall !== null) return `id:${perCall}`;
  const turn = event.toolUseId ?? "";
  return `in:${sha256Hex(`${turn}\u0000${event.toolName ?? ""}\u0000${_stable(event.toolInput ?? {})}`)}`;
}

/**
 * Until when the session was last known busy, looking from `now`: its last event, or a call still open (up to
 * `now`, or to its bound when that has passed).
 */
export function busyUntil(s: OpenCallsOf, now: number): number {
  let busy = s.lastSeen;
  for (const c of s.running) busy = Math.max(busy, Math.min(now, c.at + OPEN_CALL_MAX_MS));
  return busy;
}

/** A call starts at `now`. */
export function openCall(s: OpenCallsOf, key: string, now: number): void {
  s.running.push({ key, at: now });
  if (s.running.length > MAX_OPEN_CALLS) s.running = s.running.slice(-MAX_OPEN_CALLS);
}

/** A call ended: the oldest open call with this key is dropped. Whether one was. */
export function closeCall(s: OpenCallsOf, key: string): boolean {
  const i = s.running.findIndex((c) => c.key === key);
  if (i < 0) return false;
  s.running.splice(i, 1);
  return true;
}

/** Drop the calls whose bound has passed at `now` (after `now`'s event has set the session's last event). */
export function dropExpired(s: OpenCallsOf, now: number): void {
  if (s.running.some((c) => c.at + OPEN_CALL_MAX_MS <= now)) {
    s.running = s.running.filter((c) => c.at + OPEN_CALL_MAX_MS > now);
  }
}
