/**
 * Private helper of the config: the entries of `tools` that are not built-in tools, i.e. tools the agent brings
 * (SPEC §2.1, §6), and the names that would clash: a brought tool named like a built-in, or inside an upstream
 * server's namespace (`memory__x` beside `servers.memory`).
 *
 * @module
 */
import * as path from "node:path";
import type { BroughtToolConfig } from "../builtins/brought.ts";
import { BUILTIN_TOOL_NAMES, MAX_TIMEOUT_MS } from "../builtins/definitions.ts";
import { splitQualifiedName, TOOL_NAME_PATTERN } from "../gateway/names.ts";
import { type JsonSchema, RISKS } from "../types.ts";
import { checkKeys, type FieldContext, has, intIn, isPlainObject, object, oneOf, show } from "./_fields.ts";
import type { SafeExecConfig } from "./types.ts";

const BROUGHT_KEYS = ["risk", "description", "title", "inputSchema", "run", "command", "timeoutMs", "enabled"];
const JSON_TYPES = ["object", "string", "number", "integer", "boolean", "array", "null"];

/**
 * Read one brought tool `tools.<name>`; null when it is disabled (`"enabled": false`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readBroughtTool } from "./_brought.ts";
 * const fail = (m: string): never => {
 *   throw new Error(m);
 * };
 * const t = readBroughtTool("send_email", { risk: "high", run: "client" }, { baseDir: "/cfg", fail });
 * assert.deepEqual(t, { risk: "high", description: "", inputSchema: { type: "object" }, run: "client" });
 * assert.throws(() => readBroughtTool("x", { run: "client" }, { baseDir: "/", fail }), /"tools.x.risk" is required/);
 * const c = readBroughtTool("deploy", { risk: "high", command: ["./deploy.sh", "--prod"] }, { baseDir: "/cfg", fail });
 * assert.deepEqual(c?.command, ["/cfg/deploy.sh", "--prod"]);
 * ```
 */
export function readBroughtTool(name: string, value: unknown, ctx: FieldContext): BroughtToolConfig | null {
  const at = `tools.${name}`;
  const { fail } = ctx;
  if (!TOOL_NAME_PATTERN.test(name)) {
    fail(
      `"${at}": a tool name is 1 to 64 letters, digits, "_" and "-" (what every model vendor accepts), got ${
        show(name)
      }`,
    );
  }
  const raw = object(value, at, fail);
  checkKeys(raw, BROUGHT_KEYS, at, fail);
  if (has(raw, "enabled")) {
    if (typeof raw.enabled !== "boolean") fail(`"${at}.enabled" must be true or false, got ${show(raw.enabled)}`);
    if (raw.enabled === false) return null;
  }
  const hasRun = has(raw, "run");
  const hasCommand = has(raw, "command");
  if (hasRun === hasCommand) {
    fail(
      hasRun
        ? `"${at}" has both "run" and "command"; a tool is run by the agent ("run": "client") or by safe-exec ("command")`
        : `"${at}" is not a built-in tool (${BUILTIN_TOOL_NAMES.join(", ")}), so it needs "run": "client" (the ` +
          `agent runs it and asks the gate first) or "command": ["program", …] (safe-exec runs it in the sandbox)`,
    );
  }
  if (!has(raw, "risk")) fail(`"${at}.risk" is required for a tool you bring: "low", "medium" or "high"`);
  const risk = oneOf(RISKS)(raw.risk, `${at}.risk`, ctx);
  const tool: BroughtToolConfig = {
    risk,
    description: has(raw, "description") ? text(raw.description, `${at}.description`, ctx) : "",
    inputSchema: has(raw, "inputSchema") ? inputSchema(raw.inputSchema, `${at}.inputSchema`, ctx) : { type: "object" },
    run: "client",
  };
  if (has(raw, "title")) tool.title = text(raw.title, `${at}.title`, ctx);
  if (hasRun) {
    if (raw.run !== "client") fail(`"${at}.run" must be "client", got ${show(raw.run)}`);
    if (has(raw, "timeoutMs")) fail(`"${at}.timeoutMs" applies to a "command" tool; the agent times its own tools`);
    return tool;
  }
  tool.run = "command";
  tool.command = commandOf(raw.command, `${at}.command`, ctx);
  if (has(raw, "timeoutMs")) tool.timeoutMs = intIn(1, MAX_TIMEOUT_MS)(raw.timeoutMs, `${at}.timeoutMs`, ctx);
  return tool;
}

/**
 * Refuse names that clash once every section is read: a brought tool inside a configured server's namespace
 * (`memory__x` while `servers.memory` exists: the gateway names that server's tools so).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkToolNames } from "./_brought.ts";
 * import { defaultConfig } from "./types.ts";
 * const config = defaultConfig("/x");
 * config.brought = { memory__x: { risk: "low", description: "", inputSchema: { type: "object" }, run: "client" } };
 * checkToolNames(config, (m) => { throw new Error(m); });
 * config.servers = { memory: { name: "memory" } as never };
 * assert.throws(() => checkToolNames(config, (m) => { throw new Error(m); }), /clashes with the server "memory"/);
 * ```
 */
export function checkToolNames(config: SafeExecConfig, fail: (message: string) => never): void {
  for (const name of Object.keys(config.brought)) {
    const split = splitQualifiedName(name);
    if (split !== null && Object.hasOwn(config.servers, split.server)) {
      fail(
        `"tools.${name}" clashes with the server "${split.server}" in "servers": names "${split.server}__…" are its ` +
          `tools (the gateway lists them so); give the tool another name`,
      );
    }
  }
}

function text(value: unknown, key: string, { fail }: FieldContext): string {
  if (typeof value !== "string") fail(`"${key}" must be a string, got ${show(value)}`);
  return value as string;
}

function commandOf(value: unknown, key: string, { baseDir, fail }: FieldContext): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    fail(`"${key}" must be a non-empty array of strings ["program", "arg", …], got ${show(value)}`);
  }
  const argv = (value as unknown[]).map((v, i) => {
    if (typeof v !== "string" || v.includes("\0")) fail(`"${key}[${i}]" must be a string without NUL, got ${show(v)}`);
    return v as string;
  });
  if (argv[0] === "") fail(`"${key}[0]" must name a program, got ""`);
  // A path relative to the config file, like every other path in it; a bare name is looked up in PATH.
  if (argv[0]!.includes("/") && !path.isAbsolute(argv[0]!)) argv[0] = path.resolve(baseDir, argv[0]!);
  return argv;
}

/** An input schema: an object schema whose `type`, `properties`, `required` and `items` the gate can read. */
function inputSchema(value: unknown, key: string, ctx: FieldContext): JsonSchema {
  const schema = object(value, key, ctx.fail);
  if (schema.type !== "object") {
    ctx.fail(`"${key}.type" must be "object" (a tool takes its arguments as one object), got ${show(schema.type)}`);
  }
  checkSchema(schema, key, ctx, 0);
  return schema as JsonSchema;
}

function checkSchema(s: Record<string, unknown>, key: string, ctx: FieldContext, depth: number): void {
  const { fail } = ctx;
  if (depth > 32) fail(`"${key}" nests deeper than 32 levels`);
  if (has(s, "type")) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    for (const t of types) {
      if (typeof t !== "string" || !JSON_TYPES.includes(t)) {
        fail(
          `"${key}.type" must be one of ${JSON_TYPES.map((x) => `"${x}"`).join(", ")} (or a list of them), got ${
            show(s.type)
          }`,
        );
      }
    }
  }
  if (has(s, "properties")) {
    const props = object(s.properties, `${key}.properties`, fail);
    for (const [p, sub] of Object.entries(props)) {
      checkSchema(object(sub, `${key}.properties.${p}`, fail), `${key}.properties.${p}`, ctx, depth + 1);
    }
  }
  if (has(s, "required")) {
    if (!Array.isArray(s.required) || s.required.some((r) => typeof r !== "string")) {
      fail(`"${key}.required" must be an array of property names, got ${show(s.required)}`);
    }
  }
  if (has(s, "items")) {
    if (!isPlainObject(s.items)) fail(`"${key}.items" must be a schema (an object), got ${show(s.items)}`);
    checkSchema(s.items as Record<string, unknown>, `${key}.items`, ctx, depth + 1);
  }
  if (
    has(s, "additionalProperties") && typeof s.additionalProperties !== "boolean" &&
    !isPlainObject(s.additionalProperties)
  ) {
    fail(`"${key}.additionalProperties" must be true, false or a schema, got ${show(s.additionalProperties)}`);
  }
}
