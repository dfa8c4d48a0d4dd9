/**
 * How error messages show a value the caller sent: short, typed, and never the whole of a long string.
 *
 * @module
 */

/**
 * Describe a value for an error message, e.g. `the string "abc"`, `number 5`, `an array`, `nothing`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeValue } from "./describe.ts";
 * assert.equal(describeValue(5), "number 5");
 * assert.equal(describeValue("x"), 'the string "x"');
 * assert.equal(describeValue(undefined), "nothing");
 * ```
 */
export function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "nothing";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v)}`;
  return typeof v === "object" ? "an object" : `${typeof v} ${String(v)}`;
}

/**
 * A value as an error message quotes it: JSON (`nothing` for undefined, `Infinity`/`NaN` as such), cut to 80
 * characters.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { showValue } from "./describe.ts";
 * assert.equal(showValue("x"), '"x"');
 * assert.equal(showValue(undefined), "nothing");
 * assert.equal(showValue(Infinity), "Infinity");
 * assert.equal(showValue("y".repeat(100)).length, 80);
 * ```
 */
export function showValue(value: unknown): string {
  let s: string;
  try {
    s = value === undefined ? "nothing" : JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  if (typeof value === "number" && !Number.isFinite(value)) s = String(value);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
