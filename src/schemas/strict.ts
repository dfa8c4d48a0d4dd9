/**
 * OpenAI strict mode for tool parameters (Structured Outputs, "Supported schemas"): turn a tool's JSON Schema into
 * one the API accepts with `strict: true`, or say why that cannot be done faithfully.
 *
 * The rules, as OpenAI publishes them (and its SDKs apply them):
 * - the root is an object (not `anyOf`); every object lists all its properties in `required` and has
 *   `additionalProperties: false`; an optional property becomes required and nullable (`type: [T, "null"]`, or
 *   `anyOf: [T, {type: "null"}]` when it has no `type`);
 * - supported keywords: `type` (string, number, integer, boolean, object, array, null), `enum`, `const`,
 *   `properties`, `required`, `additionalProperties`, `items`, `anyOf`, `$ref`/`$defs` (also recursive),
 *   `description`; strings `pattern` and `format` (date-time, time, date, duration, email, hostname, ipv4, ipv6,
 *   uuid); numbers `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `multipleOf`; arrays `minItems`,
 *   `maxItems`;
 * - `allOf`, `not`, `if`/`then`/`else`, `dependentRequired`, `dependentSchemas` are not supported (nor `oneOf`,
 *   `patternProperties` and the other applicators outside that list), and neither are `default`, `minLength` and
 *   `maxLength` (the API refuses them: "'default' is not permitted");
 * - at most 5,000 properties, 10 levels of nested objects, 1,000 enum values, 120,000 characters of property
 *   names, definition names, enum and const values.
 *
 * The conversion keeps every constraint it can: `default`, `minLength`, `maxLength`, `uniqueItems`, an
 * unsupported `format` and the like move into the property's description (`(minLength 1)`), so the model still
 * reads them; `title`, `$schema`, `$id`, `$comment`, `examples` and unknown keywords are dropped. What changes
 * meaning (a free-form object, `oneOf`, `not`, a tuple, a non-object root, a limit exceeded) is refused with the
 * reason: such a tool is offered with `strict: false` and its schema unchanged. The gate still validates every call
 * against the original schema; `stripStrictNulls` (strip_nulls.ts) removes the nulls a strict model sends for the optional
 * arguments it leaves out.
 *
 * @module
 */

import { type Context, convert } from "./_convert.ts";
import { isObject, Refused } from "./_json_schema.ts";
import { STRICT_LIMITS } from "./strict_limits.ts";
import type { Schema, StrictResult } from "./types.ts";

/**
 * A strict-mode version of `schema` (a tool's `inputSchema`), or why there is none. The input is not changed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toStrictSchema } from "./strict.ts";
 * const r = toStrictSchema({
 *   type: "object",
 *   properties: {
 *     cmd: { type: "string", minLength: 1, description: "The command." },
 *     timeoutMs: { type: "integer", minimum: 1 },
 *   },
 *   required: ["cmd"],
 * });
 * assert.ok(r.ok);
 * assert.deepEqual(r.schema, {
 *   type: "object",
 *   properties: {
 *     cmd: { type: "string", description: "The command. (minLength 1)" },
 *     timeoutMs: { type: ["integer", "null"], minimum: 1 },
 *   },
 *   required: ["cmd", "timeoutMs"],
 *   additionalProperties: false,
 * });
 * const free = toStrictSchema({ type: "object", properties: { env: { type: "object", additionalProperties: { type: "string" } } } });
 * assert.ok(!free.ok);
 * assert.match(free.reason, /"env".*free-form object/);
 * ```
 */
export function toStrictSchema(schema: Schema): StrictResult {
  const ctx: Context = { root: schema, properties: 0, enumValues: 0, chars: 0 };
  try {
    if (!isObject(schema)) throw new Refused("the schema is not an object");
    if (schema.anyOf !== undefined) throw new Refused("the root is an anyOf (strict mode needs an object at the root)");
    const root = convert(schema, "", 0, ctx, true);
    if (root.type !== "object") throw new Refused(`the root is not an object (type ${JSON.stringify(root.type)})`);
    if (ctx.properties > STRICT_LIMITS.properties) {
      throw new Refused(`it has ${ctx.properties} properties (strict mode allows ${STRICT_LIMITS.properties})`);
    }
    if (ctx.enumValues > STRICT_LIMITS.enumValues) {
      throw new Refused(`it has ${ctx.enumValues} enum values (strict mode allows ${STRICT_LIMITS.enumValues})`);
    }
    if (ctx.chars > STRICT_LIMITS.chars) {
      throw new Refused(
        `its names and enum values have ${ctx.chars} characters (strict mode allows ${STRICT_LIMITS.chars})`,
      );
    }
    return { ok: true, schema: root };
  } catch (err) {
    if (err instanceof Refused) return { ok: false, reason: err.message };
    throw err;
  }
}
