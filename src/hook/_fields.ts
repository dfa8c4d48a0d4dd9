/**
 * Field readers shared by the hook dialects: each names the agent, the field, the value it found and what was
 * expected when the input is wrong, so a bad event fails with a message a person can act on.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { eventObject, optString } from "./_fields.ts";
 * const o = eventObject({ tool_name: 7 }, "codex");
 * assert.throws(() => optString(o, "tool_name", "codex"), {
 *   message: 'Cannot read the codex hook event: "tool_name" is 7, expected a string',
 * });
 * ```
 *
 * @module
 */
import { showValue } from "../_util/describe.ts";
import { HookInputError } from "./types.ts";

export { showValue };

/** The event as an object, or a HookInputError naming what it was. */
export function eventObject(json: unknown, agent: string): Record<string, unknown> {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new HookInputError(`Cannot read the ${agent} hook event: it is ${showValue(json)}, expected a JSON object`);
  }
  return json as Record<string, unknown>;
}

function _bad(agent: string, key: string, value: unknown, expected: string): HookInputError {
  return new HookInputError(
    `Cannot read the ${agent} hook event: "${key}" is ${showValue(value)}, expected ${expected}`,
  );
}

/** A required non-empty string field. */
export function reqString(o: Record<string, unknown>, key: string, agent: string): string {
  const v = o[key];
  if (v === undefined) throw new HookInputError(`Cannot read the ${agent} hook event: "${key}" is missing`);
  if (typeof v !== "string" || v === "") throw _bad(agent, key, v, "a non-empty string");
  return v;
}

/** An optional string field (absent or null gives null). */
export function optString(o: Record<string, unknown>, key: string, agent: string): string | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== "string") throw _bad(agent, key, v, "a string");
  return v;
}

/** An optional object field (absent or null gives null). */
export function optObject(o: Record<string, unknown>, key: string, agent: string): Record<string, unknown> | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== "object" || Array.isArray(v)) throw _bad(agent, key, v, "an object");
  return v as Record<string, unknown>;
}

/** A required object field. */
export function reqObject(o: Record<string, unknown>, key: string, agent: string): Record<string, unknown> {
  const v = optObject(o, key, agent);
  if (v === null) throw new HookInputError(`Cannot read the ${agent} hook event: "${key}" is missing`);
  return v;
}
