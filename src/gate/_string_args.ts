/**
 * Private helper of the gate: arguments given as a JSON string, as OpenAI's function calling delivers them
 * (`"arguments": "{\"path\":\"a.txt\"}"`), are read as the object they hold. Every tool's arguments are an object
 * (an object schema), so a string that parses to a JSON object is taken as one; any other string is left as it
 * is, and the schema check then refuses it (`expected an object, got string`).
 *
 * @module
 */

/**
 * The arguments as an object when they are a JSON string holding one, else unchanged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { objectArgs } from "./_string_args.ts";
 * assert.deepEqual(objectArgs('{"path":"a.txt"}'), { path: "a.txt" });
 * assert.deepEqual(objectArgs(' { } '), {});
 * assert.equal(objectArgs("[1]"), "[1]");
 * assert.equal(objectArgs("not json"), "not json");
 * assert.deepEqual(objectArgs({ path: "a" }), { path: "a" });
 * ```
 */
export function objectArgs(args: unknown): unknown {
  if (typeof args !== "string") return args;
  const t = args.trimStart();
  if (!t.startsWith("{")) return args;
  try {
    const v: unknown = JSON.parse(t);
    return typeof v === "object" && v !== null && !Array.isArray(v) ? v : args;
  } catch {
    return args;
  }
}
