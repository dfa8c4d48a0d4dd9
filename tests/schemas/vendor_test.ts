import assert from "node:assert/strict";
// @ts-types="@modelcontextprotocol/sdk/types"
import { ToolSchema } from "@modelcontextprotocol/sdk/types.js";
import { toolSchemas } from "../../src/cli/schema.ts";
import { BUILTIN_DEFINITIONS } from "../../src/builtins/definitions.ts";
import { type ToolDefinition, VENDOR_FORMATS, vendorTools } from "../../src/schemas/vendor.ts";
import { strictProblems, validate, VENDOR_SHAPES } from "./_vendor_shapes.ts";

const UPSTREAM_LIKE: ToolDefinition[] = [
  {
    name: "memory__search_nodes",
    title: "Search nodes",
    description: "Search for nodes in the knowledge graph.",
    inputSchema: {
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "object",
      properties: { query: { type: "string", minLength: 1 }, limit: { type: "integer", default: 10 } },
      required: ["query"],
    },
    annotations: { readOnlyHint: true },
  },
  { name: "noargs", inputSchema: { type: "object" } },
  {
    name: "free_form",
    description: "Takes a map.",
    inputSchema: { type: "object", properties: { env: { type: "object", additionalProperties: { type: "string" } } } },
  },
];

Deno.test("without --strict the nine built-ins come out exactly as `safe-exec schema` printed them", () => {
  for (const format of ["openai", "anthropic"] as const) {
    assert.equal(
      JSON.stringify(vendorTools(format, BUILTIN_DEFINITIONS)),
      JSON.stringify(toolSchemas(format)),
      format,
    );
  }
  const mcp = toolSchemas("mcp") as ToolDefinition[];
  assert.equal(JSON.stringify(vendorTools("mcp", mcp)), JSON.stringify(mcp));
});

Deno.test("every format matches its vendor's published shape, strict or not", () => {
  const tools = [...BUILTIN_DEFINITIONS, ...UPSTREAM_LIKE];
  for (const format of ["openai", "openai-responses", "anthropic"] as const) {
    for (const strict of format === "anthropic" ? [false] : [false, true]) {
      const out = vendorTools(format, tools, { strict, onWarning: () => {} });
      assert.equal(out.length, tools.length);
      for (const entry of out) {
        assert.deepEqual(
          validate(VENDOR_SHAPES[format]!, entry),
          [],
          `${format} ${JSON.stringify(entry).slice(0, 200)}`,
        );
      }
    }
  }
  for (const entry of vendorTools("mcp", [...toolSchemas("mcp") as ToolDefinition[], ...UPSTREAM_LIKE])) {
    const parsed = ToolSchema.safeParse(entry);
    assert.ok(parsed.success, parsed.error?.message);
  }
});

Deno.test("openai-responses is flat and always says strict; openai adds strict only with --strict", () => {
  const [plain] = vendorTools("openai-responses", UPSTREAM_LIKE) as Record<string, unknown>[];
  assert.deepEqual(Object.keys(plain!), ["type", "name", "description", "parameters", "strict"]);
  assert.equal(plain!.strict, false); // the Responses API takes a missing strict as true
  assert.equal(plain!.parameters, UPSTREAM_LIKE[0]!.inputSchema);
  const [chat] = vendorTools("openai", UPSTREAM_LIKE) as { function: Record<string, unknown> }[];
  assert.ok(!("strict" in chat!.function));
  const noDescription = vendorTools("anthropic", [UPSTREAM_LIKE[1]!]) as Record<string, unknown>[];
  assert.deepEqual(noDescription, [{ name: "noargs", input_schema: { type: "object" } }]);
});

Deno.test("--strict: convertible tools get strict: true and a schema OpenAI accepts; the rest strict: false, with why", () => {
  const warnings: string[] = [];
  const out = vendorTools("openai", [...BUILTIN_DEFINITIONS, ...UPSTREAM_LIKE], {
    strict: true,
    onWarning: (tool, m) => warnings.push(`${tool}: ${m}`),
  }) as { function: { name: string; strict: boolean; parameters: Record<string, unknown> } }[];
  for (const { function: f } of out) {
    if (f.name === "free_form") {
      assert.equal(f.strict, false);
      assert.equal(f.parameters, UPSTREAM_LIKE[2]!.inputSchema);
      continue;
    }
    assert.equal(f.strict, true, f.name);
    assert.deepEqual(strictProblems(f.parameters), [], f.name);
  }
  assert.deepEqual(warnings, [
    'free_form: not strict: "env" is a free-form object (additionalProperties), which strict mode cannot express; ' +
    'offered with "strict": false and its schema unchanged',
  ]);
  const bash = out.find((t) => t.function.name === "run_bash")!.function.parameters as {
    properties: Record<string, { type: unknown; description: string }>;
    required: string[];
  };
  assert.deepEqual(bash.required, ["cmd", "timeoutMs"]);
  assert.deepEqual(bash.properties.timeoutMs!.type, ["integer", "null"]);
  assert.match(bash.properties.cmd!.description, /\(minLength 1, maxLength 100000\)$/);
});

Deno.test("--strict is refused for mcp and anthropic; an unknown format is refused", () => {
  assert.deepEqual(VENDOR_FORMATS, ["mcp", "openai", "openai-responses", "anthropic"]);
  for (const format of ["mcp", "anthropic"] as const) {
    assert.throws(
      () => vendorTools(format, UPSTREAM_LIKE, { strict: true }),
      /--strict applies to --format openai and/,
    );
  }
  assert.throws(() => vendorTools("xml" as never, UPSTREAM_LIKE), /unknown format "xml"; expected mcp, openai/);
});
