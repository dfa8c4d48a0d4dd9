/**
 * Private helper of config.ts: the readers of one field of a `servers` entry. Each checks the value and throws a
 * {@linkcode GatewayConfigError} that names the key (`at`), the value and what was expected.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { command, headers } from "./_config_fields.ts";
 * assert.deepEqual(command("./bin/s", "servers.s.command", "/srv"), ["/srv/bin/s"]);
 * assert.throws(() => headers({ A: "x\ny" }, "servers.s.headers"), /must not contain a line break/);
 * ```
 *
 * @module
 */
import * as path from "node:path";
import { showValue as show } from "../_util/describe.ts";
import { type Risk, RISKS } from "../types.ts";
import { GatewayConfigError } from "./errors.ts";

export { show };

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// RFC 9110 token characters.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Refuse with a {@linkcode GatewayConfigError}. */
export function fail(message: string): never {
  throw new GatewayConfigError(message);
}

/** Whether `raw` has its own `key` with a value other than undefined. */
export function has(raw: Record<string, unknown>, key: string): boolean {
  return Object.hasOwn(raw, key) && raw[key] !== undefined;
}

/** Set an own property, also for names like "__proto__" (a plain assignment would set the prototype). */
export function put<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Refuse every key of `raw` that is not in `allowed`. */
export function onlyKeys(raw: Record<string, unknown>, allowed: readonly string[], at: string): void {
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) {
      fail(`unknown key ${JSON.stringify(`${at}.${key}`)}; allowed keys in "${at}": ${allowed.join(", ")}`);
    }
  }
}

/** A plain object. */
export function object(value: unknown, at: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail(`"${at}" must be an object, got ${show(value)}`);
  }
  return value as Record<string, unknown>;
}

/** true or false. */
export function bool(value: unknown, at: string): boolean {
  if (typeof value !== "boolean") fail(`"${at}" must be true or false, got ${show(value)}`);
  return value as boolean;
}

/** "low", "medium" or "high". */
export function risk(value: unknown, at: string): Risk {
  if (typeof value !== "string" || !(RISKS as readonly string[]).includes(value)) {
    fail(`"${at}" must be "low", "medium" or "high", got ${show(value)}`);
  }
  return value as Risk;
}

/** A timeout in milliseconds, from 1 to `max`. */
export function timeout(value: unknown, at: string, max: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1 || value > max) {
    fail(`"${at}" must be an integer from 1 to ${max} (milliseconds), got ${show(value)}`);
  }
  return value as number;
}

/** A list of strings without NUL bytes; with `nonEmpty`, at least one, the first not empty (a program). */
export function strings(value: unknown, at: string, nonEmpty: boolean): string[] {
  const what = `${nonEmpty ? "a non-empty" : "an"} array of strings`;
  if (!Array.isArray(value) || (nonEmpty && value.length === 0)) fail(`"${at}" must be ${what}, got ${show(value)}`);
  const list = value as unknown[];
  list.forEach((s, i) => {
    if (typeof s !== "string") fail(`"${at}[${i}]" must be a string, got ${show(s)}`);
    if (s.includes("\0")) fail(`"${at}[${i}]" must not contain a NUL byte, got ${show(s)}`);
  });
  if (nonEmpty && list[0] === "") fail(`"${at}[0]" must name a program, got an empty string`);
  return [...(list as string[])];
}

/**
 * `command`: an array (program and arguments) or a string (the program alone); a relative program path (one with a
 * `/`) resolves against `baseDir`, a bare name is looked up in PATH when the server starts.
 */
export function command(value: unknown, at: string, baseDir: string): string[] {
  let argv: string[];
  if (typeof value === "string") {
    if (value === "" || value.includes("\0")) fail(`"${at}" must be a program name or path, got ${show(value)}`);
    argv = [value];
  } else {
    argv = strings(value, at, true);
  }
  const program = argv[0]!;
  // A path relative to the config file, like every other path in it; a bare name is looked up in PATH.
  if (program.includes("/") && !path.isAbsolute(program)) argv[0] = path.resolve(baseDir, program);
  return argv;
}

/** `env`: variable names to string values. */
export function env(value: unknown, at: string): Record<string, string> {
  const raw = object(value, at);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!ENV_NAME.test(k)) fail(`"${at}" has the variable name ${show(k)}; expected letters, digits and "_"`);
    if (typeof v !== "string") fail(`"${at}.${k}" must be a string, got ${show(v)}`);
    if ((v as string).includes("\0")) fail(`"${at}.${k}" must not contain a NUL byte`);
    put(out, k, v as string);
  }
  return out;
}

/** `headers`: HTTP header names to values; a value is never shown in a message (headers carry credentials). */
export function headers(value: unknown, at: string): Record<string, string> {
  const raw = object(value, at);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!HEADER_NAME.test(k)) fail(`"${at}" has the header name ${show(k)}, which is not a valid HTTP header name`);
    if (typeof v !== "string") fail(`"${at}.${k}" must be a string, got ${typeof v}`);
    if (/[\r\n\0]/.test(v as string)) fail(`"${at}.${k}" must not contain a line break or a NUL byte`);
    put(out, k, v as string);
  }
  return out;
}

/** `url`: an http:// or https:// URL, normalized. */
export function url(value: unknown, at: string): string {
  if (typeof value !== "string") fail(`"${at}" must be an http:// or https:// URL, got ${show(value)}`);
  let u: URL;
  try {
    u = new URL(value as string);
  } catch {
    return fail(`"${at}" must be an http:// or https:// URL, got ${show(value)}`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    fail(`"${at}" must be an http:// or https:// URL, got the scheme ${show(u.protocol)}`);
  }
  return u.href;
}

/** `cwd`: a non-empty folder path. */
export function pathString(value: unknown, at: string): string {
  if (typeof value !== "string" || value === "" || value.includes("\0")) {
    fail(`"${at}" must be a folder path, got ${show(value)}`);
  }
  return value as string;
}
