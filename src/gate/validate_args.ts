/**
 * Argument validation against the small JSON Schema subset that tool definitions use.
 *
 * @module
 */
import { type JsonSchema, type JsonType, ToolError } from "../types.ts";
import { describeValue } from "../_util/describe.ts";

function typeOk(type: JsonType, v: unknown): boolean {
  switch (type) {
    case "object":
      return typeof v === "object" && v !== null && !Array.isArray(v);
    case "array":
      return Array.isArray(v);
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "number":
      return typeof v === "number" && Number.isFinite(v);
    case "null":
      return v === null;
    case "string":
      return typeof v === "string";
    case "boolean":
      return typeof v === "boolean";
    default:
      return false;
  }
}

function check(schema: JsonSchema, value: unknown, where: string): string | null {
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => typeOk(t, value))) {
      const names = types.map((t) => `${/^[aeiou]/.test(t) ? "an" : "a"} ${t}`).join(" or ");
      return `${where} must be ${names}, got ${describeValue(value)}`;
    }
  }
  if (schema.enum && !schema.enum.some((e) => e === value)) {
    return `${where} must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}, got ${
      describeValue(value)
    }`;
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) {
      return `${where} must be >= ${schema.minimum}, got ${value}`;
    }
    if (schema.maximum !== undefined && value > schema.maximum) {
      return `${where} must be <= ${schema.maximum}, got ${value}`;
    }
  }
  if (typeof value === "string") {
    if (schema.minLength !== undefined && value.length < schema.minLength) {
      return `${where} must have at least ${schema.minLength} characters, got ${value.length}`;
    }
    if (schema.maxLength !== undefined && value.length > schema.maxLength) {
      return `${where} must have at most ${schema.maxLength} characters, got ${value.length}`;
    }
  }
  if (Array.isArray(value) && schema.items) {
    for (let i = 0; i < value.length; i++) {
      const err = check(schema.items, value[i], `${where}[${i}]`);
      if (err) return err;
    }
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const key of schema.required ?? []) {
      if (!Object.hasOwn(obj, key) || obj[key] === undefined) return `${where} is missing the required "${key}"`;
    }
    const props = schema.properties ?? {};
    for (const [key, v] of Object.entries(obj)) {
      const sub = Object.hasOwn(props, key) ? props[key] : undefined;
      if (sub) {
        const err = check(sub, v, where === "args" ? `"${key}"` : `${where}.${key}`);
        if (err) return err;
      } else if (schema.additionalProperties === false) {
        const allowed = Object.keys(props);
        return `${where} has the unknown argument "${key}"; expected ${
          allowed.length ? allowed.map((k) => `"${k}"`).join(", ") : "no arguments"
        }`;
      }
    }
  }
  return null;
}

/**
 * Check `args` against `schema`; throw `ToolError("invalid_args")` naming the argument, the value and what was
 * expected.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateArgs } from "./validate_args.ts";
 * const schema = { type: "object" as const, properties: { path: { type: "string" as const } }, required: ["path"] };
 * validateArgs(schema, { path: "a.txt" }, "read_file");
 * try {
 *   validateArgs(schema, { path: 5 }, "read_file");
 * } catch (e) {
 *   assert.ok((e as Error).message === 'Invalid arguments for read_file: "path" must be a string, got number 5');
 * }
 * ```
 */
export function validateArgs(schema: JsonSchema, args: unknown, tool: string): void {
  const err = check(schema, args, "args");
  if (err) throw new ToolError("invalid_args", `Invalid arguments for ${tool}: ${err}`);
}
