/**
 * What OpenAI strict mode accepts, in numbers and `format` names (Structured Outputs, "Supported schemas").
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { STRICT_FORMATS, STRICT_LIMITS } from "./strict_limits.ts";
 * assert.equal(STRICT_LIMITS.depth, 10);
 * assert.ok(STRICT_FORMATS.includes("date-time"));
 * ```
 *
 * @module
 */

/** The limits of OpenAI strict mode. */
export const STRICT_LIMITS: Readonly<{
  /** Properties in all, over every object of the schema. */
  properties: number;
  /** Levels of nested objects. */
  depth: number;
  /** Enum values in all. */
  enumValues: number;
  /** Characters of property names, definition names, enum and const values. */
  chars: number;
}> = Object.freeze({
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
