/**
 * Private helper of the strict-mode conversion: reading a JSON Schema as plain JSON: objects, local `$ref`s,
 * whether a schema accepts null, how a place in it is named in a message, and the refusal the conversion throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { acceptsNull, placeOf, resolveRef } from "./_json_schema.ts";
 * const root = { $defs: { name: { type: ["string", "null"] } } };
 * assert.deepEqual(resolveRef(root, "#/$defs/name", ""), { type: ["string", "null"] });
 * assert.equal(acceptsNull({ anyOf: [{ type: "string" }, { type: "null" }] }), true);
 * assert.equal(placeOf("/user/name"), '"user.name"');
 * ```
 *
 * @module
 */
import type { Schema } from "./types.ts";

/** Why a schema cannot be made strict; the message is the reason. */
export class Refused extends Error {}

/** A plain object (not null, not an array). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The place `/a/b` in a schema as a message names it: `"a.b"`, or `the root`. */
export function placeOf(where: string): string {
  if (where === "") return "the root";
  const parts = where.split("/").filter((p) => p !== "");
  return `"${parts.join(".")}"`;
}

/** Whether a schema accepts null (its type, enum, const or one of its `anyOf`). */
export function acceptsNull(schema: Schema): boolean {
  const t = schema.type;
  if (t === "null" || (Array.isArray(t) && t.includes("null"))) {
    return !Array.isArray(schema.enum) || schema.enum.includes(null);
  }
  if (t === undefined && Array.isArray(schema.enum) && schema.enum.includes(null)) return true;
  if (t === undefined && schema.const === null) return true;
  return Array.isArray(schema.anyOf) && schema.anyOf.some((s) => isObject(s) && acceptsNull(s));
}

/** The schema a local `$ref` (`#`, `#/$defs/x`) points to; throws {@linkcode Refused} when it does not resolve. */
export function resolveRef(root: Schema, ref: string, where: string): Schema {
  if (ref === "#") return root;
  if (!ref.startsWith("#/")) {
    throw new Refused(`${placeOf(where)} has the $ref ${JSON.stringify(ref)} (only local refs)`);
  }
  let node: unknown = root;
  for (const raw of ref.slice(2).split("/")) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (!isObject(node) || !Object.hasOwn(node, key)) {
      throw new Refused(`${placeOf(where)} has the $ref ${JSON.stringify(ref)}, which does not resolve`);
    }
    node = node[key];
  }
  if (!isObject(node)) throw new Refused(`${placeOf(where)} has the $ref ${JSON.stringify(ref)} to a non-schema`);
  return node;
}
