/**
 * Private helper of strict.ts: convert one schema node for OpenAI strict mode, recursively. Supported keywords are
 * kept, unsupported ones that do not change what is accepted move into the description, and those that would
 * change it throw {@linkcode Refused} with the reason. The counts the limits need are added up in `ctx`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { convert, nullable } from "./_convert.ts";
 * const ctx = { root: {}, properties: 0, enumValues: 0, chars: 0 };
 * assert.deepEqual(convert({ type: "string", default: "x", title: "T" }, "/a", 0, ctx), {
 *   type: "string",
 *   description: '(default "x")',
 * });
 * assert.deepEqual(nullable({ type: "string", enum: ["a"] }), { type: ["string", "null"], enum: ["a", null] });
 * assert.throws(() => convert({ oneOf: [] }, "/a", 0, ctx), /"a" uses oneOf/);
 * ```
 *
 * @module
 */
import { acceptsNull, isObject, placeOf as at, Refused, resolveRef } from "./_json_schema.ts";
import { STRICT_FORMATS, STRICT_LIMITS } from "./strict_limits.ts";
import type { Schema } from "./types.ts";

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

/** What the conversion counts for the limits, and the root `$ref`s resolve against. */
export interface Context {
  /** The root schema. */
  root: Schema;
  /** Properties seen so far. */
  properties: number;
  /** Enum values seen so far. */
  enumValues: number;
  /** Characters of names and enum values seen so far. */
  chars: number;
}

/** Convert the node at `where` (`/a/b`), `depth` objects deep. */
export function convert(node: unknown, where: string, depth: number, ctx: Context, isRoot = false): Schema {
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
export function nullable(schema: Schema): Schema {
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
