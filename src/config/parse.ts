/**
 * Parsing the config file's text: JSONC (comments, trailing commas), with duplicate and `__proto__` keys refused
 * and syntax errors placed at their line and column; every section is then read by `sections.ts`.
 *
 * @module
 */
import * as path from "node:path";
import { parse as parseJsonc, type ParseError, printParseErrorCode, visit } from "jsonc-parser";
import { checkKeys, type Fail, isPlainObject, joinKey, show } from "./_fields.ts";
import { readSections, SECTIONS } from "./sections.ts";
import { ConfigError, defaultConfig, type SafeExecConfig } from "./types.ts";

/**
 * Parse JSONC text (comments, trailing commas) into a full config, filling what the text leaves out with the
 * defaults. Relative `workspace` and `witness.path` resolve against `baseDir` (the config file's folder). `source`
 * names the text in error messages. The result's `configPath` is null; {@linkcode resolveConfig} sets it.
 *
 * Throws {@linkcode ConfigError} on syntax errors (with line:column), an empty file, duplicate keys, unknown keys,
 * wrong types and out-of-range numbers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseConfig } from "./parse.ts";
 * const config = parseConfig(
 *   `{
 *     // CI: nobody to ask
 *     "confirm": "deny",
 *     "tools": { "run_bash": { "timeoutMs": 5000 } },
 *     "witness": { "path": "logs/witness.log" },
 *   }`,
 *   { baseDir: "/srv/agent", source: "/srv/agent/safe-exec.jsonc" },
 * );
 * assert.equal(config.confirm, "deny");
 * assert.ok(config.tools.run_bash?.timeoutMs === 5000);
 * assert.equal(config.witness.path, "/srv/agent/logs/witness.log");
 * assert.equal(config.workspace, "/srv/agent/workspace");
 * ```
 */
export function parseConfig(text: string, options: { baseDir: string; source: string }): SafeExecConfig {
  const baseDir = path.resolve(options.baseDir);
  const fail = (message: string): never => {
    throw new ConfigError(`Invalid config ${JSON.stringify(options.source)}: ${message}`);
  };
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte-order mark (Windows editors)

  const errors: ParseError[] = [];
  const value: unknown = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  if (first !== undefined) {
    if (value === undefined && isBlank(text)) fail("expected a JSON object, got an empty file");
    const { line, column } = lineColumn(text, first.offset);
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
    fail(`syntax error at ${line}:${column}: ${printParseErrorCode(first.error)}${more}`);
  }
  if (value === undefined) fail("expected a JSON object, got an empty file");
  checkKeyStructure(text, fail);
  if (!isPlainObject(value)) fail(`the top level must be a JSON object, got ${show(value)}`);
  const config = defaultConfig(baseDir);
  const raw = value as Record<string, unknown>;
  checkKeys(raw, Object.keys(SECTIONS), "", fail);
  readSections(raw, config, { baseDir, fail });
  return config;
}

/**
 * Refuse duplicate keys in any object (`parse` silently keeps the last one, which hides mistakes) and `__proto__`
 * keys.
 */
function checkKeyStructure(text: string, fail: Fail): void {
  const stack: { keys: Set<string>; at: string }[] = [];
  let pendingKey: string | null = null;
  visit(text, {
    onObjectBegin: () => {
      const parent = stack[stack.length - 1];
      const at = parent === undefined ? "" : joinKey(parent.at, pendingKey ?? "");
      stack.push({ keys: new Set(), at });
    },
    onObjectProperty: (name, offset) => {
      const top = stack[stack.length - 1];
      if (top === undefined) return;
      if (name === "__proto__") {
        // Bun (unlike Deno) would turn it into the object's prototype, hiding it from the unknown-key check.
        fail(`unknown key ${JSON.stringify(joinKey(top.at, name))}`);
      }
      if (top.keys.has(name)) {
        const { line, column } = lineColumn(text, offset);
        fail(`duplicate key ${JSON.stringify(joinKey(top.at, name))} at ${line}:${column}`);
      }
      top.keys.add(name);
      pendingKey = name;
    },
    onObjectEnd: () => {
      stack.pop();
    },
  }, { allowTrailingComma: true, disallowComments: false });
}

function isBlank(text: string): boolean {
  // Only whitespace and comments: the text inside an array parses to an empty array without errors.
  const errors: ParseError[] = [];
  const wrapped: unknown = parseJsonc(`[${text}\n]`, errors, { allowTrailingComma: false, disallowComments: false });
  return errors.length === 0 && Array.isArray(wrapped) && wrapped.length === 0;
}

/** 1-based line and column (in UTF-16 code units) of an offset; `\r\n`, `\r` and `\n` end lines. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}
