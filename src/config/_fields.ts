/**
 * Private helper of the config: the readers a field is declared with (a boolean, a number in a range, a path, one
 * of some values), {@linkcode readSection} for an object section declared as a table of them, and the wording of
 * every refusal (the key, the value as JSON cut to 80 characters, what was expected).
 *
 * @module
 */
import * as path from "node:path";
import { showValue as show } from "../_util/describe.ts";

export { show };

/** Throws the config's error with `message` (its source is added by the caller). */
export type Fail = (message: string) => never;

/** What a field's reader gets besides the value: the config file's folder (paths resolve there) and `fail`. */
export interface FieldContext {
  /** Relative paths resolve against this folder (absolute). */
  baseDir: string;
  /** Refuse the config. */
  fail: Fail;
}

/** Reads one field's value (at the dotted `key`, for messages), or fails. */
export type Read<T> = (value: unknown, key: string, ctx: FieldContext) => T;

/** A section declared as a table: a reader for each of its keys, in the order the messages list them. */
export type Fields<T> = { [K in keyof T]?: Read<T[K]> };

/** Whether `raw` has `key` as its own property. */
export function has(raw: Record<string, unknown>, key: string): boolean {
  return Object.hasOwn(raw, key);
}

/** A JSON object (not null, not an array). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `"${at}.${key}"`, or `key` at the top. */
export function joinKey(at: string, key: string): string {
  return at === "" ? key : `${at}.${key}`;
}

/** Refuse a key of `raw` that is not in `allowed`, naming the allowed ones. */
export function checkKeys(raw: Record<string, unknown>, allowed: readonly string[], at: string, fail: Fail): void {
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) {
      fail(
        `unknown key ${JSON.stringify(joinKey(at, key))}; allowed keys${at === "" ? "" : ` in "${at}"`}: ${
          allowed.join(", ")
        }`,
      );
    }
  }
}

/** An object section's value. */
export function object(value: unknown, key: string, fail: Fail): Record<string, unknown> {
  if (!isPlainObject(value)) fail(`"${key}" must be an object, got ${show(value)}`);
  return value as Record<string, unknown>;
}

/** `true` or `false`. */
export const bool: Read<boolean> = (value, key, { fail }) => {
  if (typeof value !== "boolean") fail(`"${key}" must be true or false, got ${show(value)}`);
  return value as boolean;
};

/** A finite number > 0. */
export const positive: Read<number> = (value, key, { fail }) => {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    fail(`"${key}" must be a number > 0, got ${show(value)}`);
  }
  return value as number;
};

/** A number in `[min, max]`. */
export function numberIn(min: number, max: number): Read<number> {
  return (value, key, { fail }) => {
    if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
      fail(`"${key}" must be a number in [${min}, ${max}], got ${show(value)}`);
    }
    return value as number;
  };
}

/** An integer in `[min, max]`. */
export function intIn(min: number, max: number): Read<number> {
  return (value, key, { fail }) => {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      fail(`"${key}" must be an integer in [${min}, ${max}], got ${show(value)}`);
    }
    return value as number;
  };
}

/** One of `values` (strings), e.g. a risk. */
export function oneOf<T extends string>(values: readonly T[]): Read<T> {
  return (value, key, { fail }) => {
    if (typeof value !== "string" || !(values as readonly string[]).includes(value)) {
      fail(`"${key}" must be one of ${values.map((v) => JSON.stringify(v)).join(", ")}, got ${show(value)}`);
    }
    return value as T;
  };
}

/** `fail` gets a message starting with "must be". */
export function checkPathString(value: unknown, what: string, fail: Fail): void {
  if (typeof value !== "string" || value === "" || value.includes("\0")) {
    fail(`must be ${what} (non-empty, no NUL), got ${show(value)}`);
  }
}

/** A path, resolved against the config file's folder. */
export const pathField: Read<string> = (value, key, { baseDir, fail }) => {
  checkPathString(value, "a non-empty path string", (msg) => fail(`"${key}" ${msg}`));
  return path.resolve(baseDir, value as string);
};

/**
 * Read the object section `at` into `target`: unknown keys are refused, and each key present is read by its field
 * (in the table's order).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bool, positive, readSection } from "./_fields.ts";
 * const fail = (m: string): never => {
 *   throw new Error(m);
 * };
 * const limits = readSection({ max: 3 }, "limits", { max: positive, strict: bool }, { max: 1, strict: false }, {
 *   baseDir: "/",
 *   fail,
 * });
 * assert.deepEqual(limits, { max: 3, strict: false });
 * assert.throws(() => readSection({ nax: 3 }, "limits", { max: positive }, { max: 1 }, { baseDir: "/", fail }), {
 *   message: 'unknown key "limits.nax"; allowed keys in "limits": max',
 * });
 * ```
 */
export function readSection<T extends object>(
  value: unknown,
  at: string,
  fields: Fields<T>,
  target: T,
  ctx: FieldContext,
): T {
  const raw = object(value, at, ctx.fail);
  checkKeys(raw, Object.keys(fields), at, ctx.fail);
  for (const [key, read] of Object.entries(fields) as [keyof T & string, Read<unknown>][]) {
    if (has(raw, key)) target[key] = read(raw[key], `${at}.${key}`, ctx) as T[keyof T & string];
  }
  return target;
}
