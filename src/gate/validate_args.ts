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

/** Where a lone UTF-16 surrogate sits in `s` (no UTF-8 encodes one: a process or file would get U+FFFD), or -1. */
function loneSurrogate(s: string): number {
  if (s.isWellFormed()) return -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
      else return i;
    } else if (c >= 0xdc00 && c <= 0xdfff) return i;
  }
  return -1;
}

/** The first string (value or key) anywhere in `value` that holds a lone surrogate, as an error, or null. */
function illFormed(value: unknown, where: string, depth = 0): string | null {
  if (typeof value === "string") {
    const at = loneSurrogate(value);
    if (at < 0) return null;
    const unit = value.charCodeAt(at).toString(16).padStart(4, "0");
    return `${where} holds a lone surrogate (\\u${unit} at index ${at}), which no UTF-8 text can carry: what would run ` +
      `or be written would differ from what the witness log holds; send whole characters`;
  }
  if (typeof value !== "object" || value === null || depth > 64) return null;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  for (const [key, v] of entries) {
    // JSON.stringify escapes a lone surrogate, so the message itself stays well-formed
    const name = Array.isArray(value)
      ? `${where}[${key}]`
      : where === "args"
      ? JSON.stringify(key)
      : `${where}.${JSON.stringify(key).slice(1, -1)}`;
    if (!Array.isArray(value) && loneSurrogate(key) >= 0) return illFormed(key, `the argument name ${name}`);
    const err = illFormed(v, name, depth + 1);
    if (err) return err;
  }
  return null;
}

/**
 * Check `args` against `schema`; throw `ToolError("invalid_args")` naming the argument, the value and what was
 * expected. Any string in `args` (at any depth, keys too) that holds a lone surrogate is refused the same way: it
 * would be logged as one text and reach a process or a file name as another (U+FFFD).
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
  const err = illFormed(args, "args") ?? check(schema, args, "args");
  if (err) throw new ToolError("invalid_args", `Invalid arguments for ${tool}: ${err}`);
}
