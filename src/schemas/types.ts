/**
 * The vocabulary of the vendor schemas: a JSON Schema as plain JSON, and what the strict-mode conversion made of
 * one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toStrictSchema } from "./strict.ts";
 * import type { Schema, StrictResult } from "./types.ts";
 * const schema: Schema = { type: "object", properties: {} };
 * const r: StrictResult = toStrictSchema(schema);
 * assert.ok(r.ok);
 * ```
 *
 * @module
 */

/** A JSON Schema as plain JSON. */
export type Schema = Record<string, unknown>;

/** What {@linkcode toStrictSchema} made of a schema: the strict schema, or why there is none. */
export type StrictResult = { ok: true; schema: Schema } | { ok: false; reason: string };
