/**
 * Private helper of the JSON-lines server: the fields each request type takes (SPEC §3), and the refusal of any
 * other, naming the field and the one it probably meant (`context_tokens` → `contextTokens`).
 *
 * A type that is not in {@linkcode REQUEST_FIELDS} is not checked here (it is refused as an unknown type, or a
 * request added elsewhere checks its own fields).
 *
 * @module
 */
import { suggestKey } from "../../rules/suggest_key.ts";

/** The fields every request may carry. */
const COMMON = ["id", "type"] as const;

/**
 * The fields each request type takes besides `id` and `type`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { REQUEST_FIELDS } from "./_request_fields.ts";
 * assert.deepEqual(REQUEST_FIELDS.cancel, ["target"]);
 * ```
 */
export const REQUEST_FIELDS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  execute: ["tool", "args"],
  gate: ["tool", "args"],
  check: ["tool", "args"],
  confirm: ["approve", "reason", "remember"],
  metrics: ["contextTokens", "contextText", "messages", "errorOccurred"],
  reset: [],
  tools: [],
  stats: [],
  info: [],
  cancel: ["target"],
});

/**
 * Why a request of `type` has a field it does not take, or null when every field is known. The message names the
 * field, the one it probably meant, and the fields the type takes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unknownFieldProblem } from "./_request_fields.ts";
 * assert.equal(unknownFieldProblem("metrics", { type: "metrics", contextTokens: 1 }), null);
 * assert.equal(
 *   unknownFieldProblem("metrics", { type: "metrics", context_tokens: 5000 }),
 *   'Unknown field "context_tokens" in a "metrics" request (did you mean "contextTokens"?); ' +
 *     "its fields are id, type, contextTokens, contextText, messages, errorOccurred",
 * );
 * assert.equal(unknownFieldProblem("outcome", { type: "outcome", anything: 1 }), null); // checked by its own reader
 * ```
 */
export function unknownFieldProblem(type: string, message: Record<string, unknown>): string | null {
  const own = Object.hasOwn(REQUEST_FIELDS, type) ? REQUEST_FIELDS[type] : undefined; // "constructor" is no type
  if (own === undefined) return null;
  const allowed = [...COMMON, ...own];
  for (const key of Object.keys(message)) {
    if (allowed.includes(key)) continue;
    const alias = Object.hasOwn(ALIASES, key) ? ALIASES[key] : undefined;
    const near = alias !== undefined && allowed.includes(alias) ? alias : suggestKey(key, allowed);
    const hint = near !== null ? JSON.stringify(near) : _otherType(key, type);
    return `Unknown field ${JSON.stringify(key)} in a ${JSON.stringify(type)} request${
      hint ? ` (did you mean ${hint}?)` : ""
    }; its fields are ${allowed.join(", ")}`;
  }
  return null;
}

/** Names other APIs use for a field (OpenAI's `arguments`, MCP's `name`). */
const ALIASES: Readonly<Record<string, string>> = Object.freeze({
  arguments: "args",
  input: "args",
  parameters: "args",
  params: "args",
  name: "tool",
  approved: "approve",
});

/** A field of another request type that `key` is (`approve` in an execute: a confirm's field). */
function _otherType(key: string, type: string): string | null {
  for (const [other, fields] of Object.entries(REQUEST_FIELDS)) {
    if (other === type) continue;
    const hit = suggestKey(key, fields);
    if (hit !== null) return `"${hit}" of a "${other}" request`;
  }
  return null;
}
