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
 * against the original schema; {@linkcode stripStrictNulls} removes the nulls a strict model sends for the optional
 * arguments it leaves out.
 *
 * @module
 */

/** A JSON Schema as plain JSON. */
export type Schema = Record<string, unknown>;

/** What {@linkcode toStrictSchema} made of a schema. */
export type StrictResult = { ok: true; schema: Schema } | { ok: false; reason: string };

/** The limits of OpenAI strict mode. */
export const STRICT_LIMITS = Object.freeze({
  properties: 5000,
  depth: 10,
  enumValues: 1000,
  chars: 120_000,
});

/** `format` values strict mode supports. */
export const STRICT_FORMATS: readonly string[] = [
  "date-time",
  "time",
  "date",
  "duration",
  "email",
  "hostname",
  "ipv4",
  "ipv6",
  "uuid",
];

const TYPES = new Set(["string", "number", "integer", "boolean", "object", "array", "null"]);
// Kept as they are.
const KEPT = new Set([
  "type",
  "description",
  "enum",
  "const",
  "pattern",
  "multipleOf",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "minItems",
  "maxItems",
]);
// Not supported, and dropping them would change what the schema accepts: the tool cannot be strict.
const REFUSED = new Set([
  "oneOf",
  "not",
  "if",
  "then",
  "else",
  "dependentRequired",
  "dependentSchemas",
  "dependencies",
  "patternProperties",
  "propertyNames",
  "unevaluatedProperties",
  "unevaluatedItems",
  "prefixItems",
  "additionalItems",
  "contains",
  "minContains",
  "maxContains",
  "$dynamicRef",
  "$recursiveRef",
]);
// Not supported; moved into the description so the model still reads them (the gate checks them anyway).
const NOTED = new Set([
  "default",
  "minLength",
  "maxLength",
  "uniqueItems",
  "minProperties",
  "maxProperties",
  "contentEncoding",
  "contentMediaType",
]);

class Refused extends Error {}

interface Context {
  root: Schema;
  properties: number;
  enumValues: number;
  chars: number;
}

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

/**
 * Undo strict mode's nulls: remove every property whose value is null where the original schema has it optional
 * and not nullable (a strict model must send all properties, so it sends null for the ones it means to leave out).
 * Returns a new value; other values are kept as they are, for the gate to validate against the original schema.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stripStrictNulls } from "./strict.ts";
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
  return strip(value, schema, schema, 0);
}

// ---------------------------------------------------------------------------------------------------------------

function convert(node: unknown, where: string, depth: number, ctx: Context, isRoot = false): Schema {
  if (node === true || (isObject(node) && Object.keys(node).length === 0)) {
    throw new Refused(`${at(where)} accepts any value (strict mode needs a type)`);
  }
  if (!isObject(node)) throw new Refused(`${at(where)} is not a schema object`);
  let schema: Schema = node;

  if (Array.isArray(schema.allOf)) {
    if (schema.allOf.length !== 1) throw new Refused(`${at(where)} uses allOf, which strict mode does not support`);
    const { allOf, ...rest } = schema;
    const only = (allOf as unknown[])[0];
    if (!isObject(only)) throw new Refused(`${at(where)} has an allOf entry that is not a schema object`);
    schema = { ...only, ...rest };
  }
  if (typeof schema.$ref === "string" && Object.keys(schema).length > 1) {
    // "$ref" with siblings is not allowed: inline the definition (the siblings win).
    const { $ref, ...rest } = schema;
    schema = { ...resolveRef(ctx.root, $ref as string, where), ...rest };
    return convert(schema, where, depth, ctx, isRoot);
  }

  const out: Schema = {};
  const notes: string[] = [];
  for (const [key, value] of Object.entries(schema)) {
    if (REFUSED.has(key)) throw new Refused(`${at(where)} uses ${key}, which strict mode does not support`);
    if (KEPT.has(key)) out[key] = value;
    else if (NOTED.has(key)) notes.push(`${key} ${JSON.stringify(value)}`);
  }
  if (typeof schema.$ref === "string") {
    resolveRef(ctx.root, schema.$ref, where); // must resolve
    out.$ref = schema.$ref;
  }
  if (schema.format !== undefined) {
    if (typeof schema.format === "string" && STRICT_FORMATS.includes(schema.format)) out.format = schema.format;
    else notes.push(`format ${JSON.stringify(schema.format)}`);
  }

  const types = out.type === undefined ? [] : Array.isArray(out.type) ? out.type : [out.type];
  for (const t of types) {
    if (typeof t !== "string" || !TYPES.has(t)) throw new Refused(`${at(where)} has the type ${JSON.stringify(t)}`);
  }
  if (Array.isArray(out.enum)) {
    ctx.enumValues += out.enum.length;
    for (const v of out.enum) if (typeof v === "string") ctx.chars += v.length;
  }
  if (typeof out.const === "string") ctx.chars += out.const.length;

  for (const defsKey of ["$defs", "definitions"] as const) {
    const defs = schema[defsKey];
    if (defs === undefined) continue;
    if (!isObject(defs)) throw new Refused(`${at(where)}.${defsKey} is not an object`);
    const converted: Schema = {};
    for (const [name, def] of Object.entries(defs)) {
      ctx.chars += name.length;
      converted[name] = convert(def, `${where}/${defsKey}/${name}`, 0, ctx);
    }
    out[defsKey] = converted;
  }

  const isObjectType = types.includes("object") || (types.length === 0 && schema.properties !== undefined);
  if (isObjectType) {
    if (depth >= STRICT_LIMITS.depth) {
      throw new Refused(`${at(where)} is nested deeper than ${STRICT_LIMITS.depth} objects`);
    }
    const props = schema.properties ?? {};
    if (!isObject(props)) throw new Refused(`${at(where)}.properties is not an object`);
    const extra = schema.additionalProperties;
    const names = Object.keys(props);
    if (extra !== undefined && extra !== false) {
      throw new Refused(`${at(where)} is a free-form object (additionalProperties), which strict mode cannot express`);
    }
    if (names.length === 0 && extra === undefined && !isRoot) {
      throw new Refused(`${at(where)} is a free-form object (no properties), which strict mode cannot express`);
    }
    const required = new Set(
      Array.isArray(schema.required) ? schema.required.filter((r) => typeof r === "string") : [],
    );
    const properties: Schema = {};
    for (const name of names) {
      ctx.properties++;
      ctx.chars += name.length;
      const child = convert(props[name], `${where}/${name}`, depth + 1, ctx);
      properties[name] = required.has(name) ? child : nullable(child);
    }
    if (types.length === 0) out.type = "object";
    out.properties = properties;
    out.required = names;
    out.additionalProperties = false;
  }
  if (types.includes("array") || (types.length === 0 && schema.items !== undefined)) {
    if (schema.items === undefined) throw new Refused(`${at(where)} is an array without items`);
    if (Array.isArray(schema.items)) throw new Refused(`${at(where)} is a tuple (items as a list)`);
    if (types.length === 0) out.type = "array";
    out.items = convert(schema.items, `${where}/items`, depth, ctx);
  }
  if (schema.anyOf !== undefined) {
    if (!Array.isArray(schema.anyOf) || schema.anyOf.length === 0) {
      throw new Refused(`${at(where)}.anyOf is not a non-empty list`);
    }
    out.anyOf = schema.anyOf.map((v, i) => convert(v, `${where}/anyOf/${i}`, depth, ctx));
  }
  if (
    out.type === undefined && out.anyOf === undefined && out.$ref === undefined && out.enum === undefined &&
    out.const === undefined
  ) {
    throw new Refused(`${at(where)} has no type (strict mode needs one)`);
  }
  if (notes.length > 0) {
    const text = `(${notes.join(", ")})`;
    out.description = typeof out.description === "string" && out.description !== ""
      ? `${out.description} ${text}`
      : text;
  }
  return out;
}

/** The schema, also accepting null. */
function nullable(schema: Schema): Schema {
  if (acceptsNull(schema)) return schema;
  if (typeof schema.type === "string" && schema.anyOf === undefined && schema.$ref === undefined) {
    const out: Schema = { ...schema, type: [schema.type, "null"] };
    if (Array.isArray(schema.enum)) out.enum = [...schema.enum, null];
    return out;
  }
  if (Array.isArray(schema.type) && schema.anyOf === undefined && schema.$ref === undefined) {
    const out: Schema = { ...schema, type: [...schema.type, "null"] };
    if (Array.isArray(schema.enum)) out.enum = [...schema.enum, null];
    return out;
  }
  if (Array.isArray(schema.anyOf) && schema.$ref === undefined) {
    return { ...schema, anyOf: [...schema.anyOf, { type: "null" }] };
  }
  const { description, ...rest } = schema;
  return {
    ...(description !== undefined ? { description } : {}),
    anyOf: [rest, { type: "null" }],
  };
}

function acceptsNull(schema: Schema): boolean {
  const t = schema.type;
  if (t === "null" || (Array.isArray(t) && t.includes("null"))) {
    return !Array.isArray(schema.enum) || schema.enum.includes(null);
  }
  if (t === undefined && Array.isArray(schema.enum) && schema.enum.includes(null)) return true;
  if (t === undefined && schema.const === null) return true;
  return Array.isArray(schema.anyOf) && schema.anyOf.some((s) => isObject(s) && acceptsNull(s));
}

function resolveRef(root: Schema, ref: string, where: string): Schema {
  if (ref === "#") return root;
  if (!ref.startsWith("#/")) throw new Refused(`${at(where)} has the $ref ${JSON.stringify(ref)} (only local refs)`);
  let node: unknown = root;
  for (const raw of ref.slice(2).split("/")) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (!isObject(node) || !Object.hasOwn(node, key)) {
      throw new Refused(`${at(where)} has the $ref ${JSON.stringify(ref)}, which does not resolve`);
    }
    node = node[key];
  }
  if (!isObject(node)) throw new Refused(`${at(where)} has the $ref ${JSON.stringify(ref)} to a non-schema`);
  return node;
}

function strip(value: unknown, schema: Schema, root: Schema, depth: number): unknown {
  if (depth > 64) return value;
  let s: Schema = schema;
  for (let i = 0; i < 8 && typeof s.$ref === "string"; i++) {
    try {
      s = { ...resolveRef(root, s.$ref as string, ""), ...without(s, "$ref") };
    } catch {
      return value;
    }
  }
  if (Array.isArray(s.allOf) && s.allOf.length === 1 && isObject(s.allOf[0])) s = { ...s.allOf[0], ...s };
  if (Array.isArray(value)) {
    return isObject(s.items) ? value.map((v) => strip(v, s.items as Schema, root, depth + 1)) : value;
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
    out[key] = strip(v, sub, root, depth + 1);
  }
  return out;
}

function without(s: Schema, key: string): Schema {
  const { [key]: _, ...rest } = s;
  return rest;
}

function at(where: string): string {
  if (where === "") return "the root";
  const parts = where.split("/").filter((p) => p !== "");
  return `"${parts.join(".")}"`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
