/**
 * The vendors' published tool shapes as JSON Schemas, written from their official SDKs' request types (generated
 * from each vendor's OpenAPI spec), and a checker of OpenAI's strict-mode rules written from its "Supported
 * schemas" documentation, independent of src/schemas/strict.ts.
 *
 * - OpenAI Chat Completions: openai-node `ChatCompletionFunctionTool` = `{type: "function", function:
 *   FunctionDefinition}`; `FunctionDefinition` = `{name, description?, parameters?, strict?: boolean | null}`,
 *   name "a-z, A-Z, 0-9, or … underscores and dashes, with a maximum length of 64".
 * - OpenAI Responses: openai-node `responses.FunctionTool` = `{type: "function", name, parameters: object | null,
 *   strict: boolean | null, description?: string | null, …}` (name, parameters, strict and type required).
 * - Anthropic Messages: anthropic-sdk-typescript `Tool` = `{name, input_schema: {type: "object", properties?,
 *   required?, …}, description?, strict?, …}`.
 * - MCP: the SDK's own `ToolSchema` (zod) is the reference, used directly by the tests.
 *
 * @module
 */
// @ts-types="@modelcontextprotocol/sdk/validation/ajv"
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";

const NAME = { type: "string", pattern: "^[a-zA-Z0-9_-]{1,64}$" };
const OBJECT_SCHEMA = {
  type: "object",
  properties: { type: { const: "object" } },
  required: ["type"],
};

/** JSON Schemas of one tool entry per format. */
export const VENDOR_SHAPES: Record<string, Record<string, unknown>> = {
  openai: {
    type: "object",
    properties: {
      type: { const: "function" },
      function: {
        type: "object",
        properties: {
          name: NAME,
          description: { type: "string" },
          parameters: { type: "object" },
          strict: { type: ["boolean", "null"] },
        },
        required: ["name"],
        additionalProperties: false,
      },
    },
    required: ["type", "function"],
    additionalProperties: false,
  },
  "openai-responses": {
    type: "object",
    properties: {
      type: { const: "function" },
      name: NAME,
      description: { type: ["string", "null"] },
      parameters: { anyOf: [{ type: "object" }, { type: "null" }] },
      strict: { type: ["boolean", "null"] },
    },
    required: ["type", "name", "parameters", "strict"],
    additionalProperties: false,
  },
  anthropic: {
    type: "object",
    properties: {
      name: NAME,
      description: { type: "string" },
      input_schema: OBJECT_SCHEMA,
      strict: { type: "boolean" },
    },
    required: ["name", "input_schema"],
    additionalProperties: false,
  },
};

const ajv = new AjvJsonSchemaValidator();

/** Errors of a value against a JSON Schema (empty: valid). */
export function validate(schema: Record<string, unknown>, value: unknown): string[] {
  const { $schema: _, ...rest } = schema;
  const r = ajv.getValidator(rest)(value);
  return r.valid ? [] : [r.errorMessage ?? "invalid"];
}

const STRICT_KEYWORDS = new Set([
  "type",
  "description",
  "enum",
  "const",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "anyOf",
  "$ref",
  "$defs",
  "definitions",
  "pattern",
  "format",
  "multipleOf",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "minItems",
  "maxItems",
]);
const STRICT_FORMATS = new Set(["date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid"]);

/** What in `schema` OpenAI strict mode would refuse (empty: acceptable). */
export function strictProblems(schema: Record<string, unknown>): string[] {
  const problems: string[] = [];
  let properties = 0;
  if (schema.type !== "object") problems.push("the root is not type object");
  if (schema.anyOf !== undefined) problems.push("the root is an anyOf");
  const walk = (node: unknown, at: string, depth: number) => {
    if (typeof node !== "object" || node === null || Array.isArray(node)) {
      problems.push(`${at}: not a schema object`);
      return;
    }
    const n = node as Record<string, unknown>;
    for (const key of Object.keys(n)) if (!STRICT_KEYWORDS.has(key)) problems.push(`${at}: keyword ${key}`);
    if (typeof n.format === "string" && !STRICT_FORMATS.has(n.format)) problems.push(`${at}: format ${n.format}`);
    const types = Array.isArray(n.type) ? n.type : n.type === undefined ? [] : [n.type];
    if (types.includes("object") || n.properties !== undefined) {
      if (depth > 10) problems.push(`${at}: nested deeper than 10`);
      if (n.additionalProperties !== false) problems.push(`${at}: additionalProperties is not false`);
      const keys = Object.keys((n.properties ?? {}) as object);
      properties += keys.length;
      const required = Array.isArray(n.required) ? n.required : [];
      if (keys.length !== required.length || keys.some((k) => !required.includes(k))) {
        problems.push(`${at}: required is not every property`);
      }
      for (const k of keys) walk((n.properties as Record<string, unknown>)[k], `${at}.${k}`, depth + 1);
    }
    if (n.items !== undefined) walk(n.items, `${at}[]`, depth);
    if (Array.isArray(n.anyOf)) n.anyOf.forEach((v, i) => walk(v, `${at}|${i}`, depth));
    for (const defs of ["$defs", "definitions"]) {
      if (n[defs] !== undefined) {
        for (const [k, v] of Object.entries(n[defs] as object)) walk(v, `${at}/${defs}/${k}`, 1);
      }
    }
    if (
      n.type === undefined && n.anyOf === undefined && n.$ref === undefined && n.enum === undefined &&
      n.const === undefined
    ) problems.push(`${at}: no type`);
  };
  walk(schema, "root", 1);
  if (properties > 5000) problems.push(`${properties} properties`);
  return problems;
}
