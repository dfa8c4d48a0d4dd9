/**
 * Back from OpenAI strict mode: a strict model sends every property, null for the optional ones it leaves out;
 * this removes those nulls before the gate validates the call against the original schema.
 *
 * @module
 */
import { acceptsNull, isObject, resolveRef } from "./_json_schema.ts";
import type { Schema } from "./types.ts";

/**
 * Undo strict mode's nulls: remove every property whose value is null where the original schema has it optional
 * and not nullable (a strict model must send all properties, so it sends null for the ones it means to leave out).
 * Returns a new value; other values are kept as they are, for the gate to validate against the original schema.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stripStrictNulls } from "./strip_nulls.ts";
 * const schema = {
 *   type: "object",
 *   properties: { cmd: { type: "string" }, timeoutMs: { type: "integer" }, note: { type: ["string", "null"] } },
 *   required: ["cmd"],
 * };
 * assert.deepEqual(stripStrictNulls({ cmd: "ls", timeoutMs: null, note: null }, schema), { cmd: "ls", note: null });
 * // A required property sent as null stays, and fails validation as it should.
 * assert.deepEqual(stripStrictNulls({ cmd: null }, schema), { cmd: null });
 * ```
 */
export function stripStrictNulls(value: unknown, schema: Schema): unknown {
  return _strip(value, schema, schema, 0);
}

function _strip(value: unknown, schema: Schema, root: Schema, depth: number): unknown {
  if (depth > 64) return value;
  // Follow $ref and an allOf of one, in any order (toStrictSchema merges both), the node's own keys winning.
  let s: Schema = schema;
  for (let i = 0; i < 8; i++) {
    if (typeof s.$ref === "string") {
      try {
        s = { ...resolveRef(root, s.$ref, ""), ..._without(s, "$ref") };
      } catch {
        return value;
      }
    } else if (Array.isArray(s.allOf) && s.allOf.length === 1 && isObject(s.allOf[0])) {
      s = { ...s.allOf[0], ..._without(s, "allOf") };
    } else break;
  }
  if (Array.isArray(value)) {
    return isObject(s.items) ? value.map((v) => _strip(v, s.items as Schema, root, depth + 1)) : value;
  }
  if (!isObject(value) || !isObject(s.properties)) return value;
  const props = s.properties;
  const required = new Set(Array.isArray(s.required) ? s.required : []);
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const sub = Object.hasOwn(props, key) ? props[key] : undefined;
    if (!isObject(sub)) {
      out[key] = v;
      continue;
    }
    if (v === null && !required.has(key) && !acceptsNull(sub)) continue;
    out[key] = _strip(v, sub, root, depth + 1);
  }
  return out;
}

function _without(s: Schema, key: string): Schema {
  const { [key]: _, ...rest } = s;
  return rest;
}
