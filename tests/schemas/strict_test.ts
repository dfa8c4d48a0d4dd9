/**
 * OpenAI strict-mode conversion: checked against an independent checker of OpenAI's published rules, against the
 * real tool schemas of server-memory, server-filesystem and server-everything, and for meaning: what the original
 * accepted (optional arguments left out) the strict schema accepts with nulls, and stripStrictNulls gives back what
 * the original (and the gate's validator) accepts.
 */
import assert from "node:assert/strict";
import { validateArgs } from "../../src/gate/validate_args.ts";
import { BUILTIN_DEFINITIONS } from "../../src/builtins/definitions.ts";
import { toStrictSchema } from "../../src/schemas/strict.ts";
import { stripStrictNulls } from "../../src/schemas/strip_nulls.ts";
import type { Schema } from "../../src/schemas/types.ts";
import { managerFor, SERVERS, tempDir } from "../gateway/_servers.ts";
import { strictProblems, validate } from "./_vendor_shapes.ts";
import { join } from "node:path";

function strict(schema: Schema): Schema {
  const r = toStrictSchema(schema);
  assert.ok(r.ok, r.ok ? "" : r.reason);
  assert.deepEqual(strictProblems(r.schema), []);
  return r.schema;
}

function refused(schema: Schema, reason: RegExp): void {
  const r = toStrictSchema(schema);
  assert.ok(!r.ok, `converted: ${JSON.stringify(r)}`);
  assert.match(r.reason, reason);
}

Deno.test("the nine built-ins convert, and the gate accepts a strict model's call after stripStrictNulls", () => {
  for (const d of BUILTIN_DEFINITIONS) strict(d.inputSchema as Schema);
  const bash = BUILTIN_DEFINITIONS.find((d) => d.name === "run_bash")!;
  const call = { cmd: "ls", timeoutMs: null };
  assert.deepEqual(validate(strict(bash.inputSchema as Schema), call), []);
  assert.throws(() => validateArgs(bash.inputSchema, call, "run_bash"), /"timeoutMs" must be an integer, got null/);
  validateArgs(bash.inputSchema, stripStrictNulls(call, bash.inputSchema as Schema), "run_bash");
  const list = BUILTIN_DEFINITIONS.find((d) => d.name === "list_dir")!;
  validateArgs(list.inputSchema, stripStrictNulls({ path: null }, list.inputSchema as Schema), "list_dir");
});

Deno.test("optional becomes required and nullable, for every kind of property", () => {
  const out = strict({
    type: "object",
    properties: {
      s: { type: "string" },
      e: { type: "string", enum: ["a", "b"] },
      multi: { type: ["string", "number"] },
      already: { type: ["string", "null"] },
      ref: { $ref: "#/$defs/Point" },
      union: { anyOf: [{ type: "string" }, { type: "integer" }] },
      c: { const: "x" },
      nested: {
        type: "object",
        properties: { deep: { type: "boolean", default: false } },
        required: [],
      },
      list: { type: "array", items: { type: "object", properties: { k: { type: "string" } }, required: ["k"] } },
    },
    required: [],
    $defs: { Point: { type: "object", properties: { x: { type: "number" } }, required: ["x"] } },
  });
  const p = out.properties as Record<string, Schema>;
  assert.deepEqual(out.required, Object.keys(p));
  assert.deepEqual(p.s, { type: ["string", "null"] });
  assert.deepEqual(p.e, { type: ["string", "null"], enum: ["a", "b", null] });
  assert.deepEqual(p.multi, { type: ["string", "number", "null"] });
  assert.deepEqual(p.already, { type: ["string", "null"] });
  assert.deepEqual(p.ref, { anyOf: [{ $ref: "#/$defs/Point" }, { type: "null" }] });
  assert.deepEqual(p.union, { anyOf: [{ type: "string" }, { type: "integer" }, { type: "null" }] });
  assert.deepEqual(p.c, { anyOf: [{ const: "x" }, { type: "null" }] });
  assert.deepEqual((p.nested!.properties as Record<string, Schema>).deep, {
    type: ["boolean", "null"],
    description: "(default false)",
  });
  assert.deepEqual(p.nested!.additionalProperties, false);
  assert.deepEqual(((p.list!.items as Schema).properties as Record<string, Schema>).k, { type: "string" });

  // Meaning: a call that leaves every optional out is, with nulls, valid strict input; stripped, valid original input.
  const original = {
    type: "object",
    properties: { a: { type: "string" }, n: { type: "object", properties: { b: { type: "integer" } } } },
    required: ["n"],
  };
  const s = strict(original);
  const modelCall = { a: null, n: { b: null } };
  assert.deepEqual(validate(s, modelCall), []);
  assert.notDeepEqual(validate(original, modelCall), []);
  assert.deepEqual(stripStrictNulls(modelCall, original), { n: {} });
  assert.deepEqual(validate(original, stripStrictNulls(modelCall, original)), []);
});

Deno.test("$ref with siblings is inlined, allOf of one is merged, metadata dropped, constraints kept or noted", () => {
  const out = strict({
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "Args",
    type: "object",
    properties: {
      when: { type: "string", format: "date-time", title: "When" },
      uri: { type: "string", format: "uri" },
      code: { type: "string", pattern: "^[A-Z]{3}$", maxLength: 3 },
      n: { type: "number", minimum: 0, exclusiveMaximum: 10, multipleOf: 0.5 },
      tags: { type: "array", items: { type: "string" }, minItems: 1, maxItems: 5, uniqueItems: true },
      point: { $ref: "#/$defs/P", description: "Where." },
      merged: { allOf: [{ type: "integer" }], description: "One." },
    },
    required: ["when", "uri", "code", "n", "tags", "point", "merged"],
    $defs: { P: { type: "object", properties: { x: { type: "number" } }, required: ["x"] } },
    "x-vendor": 1,
  });
  const p = out.properties as Record<string, Schema>;
  assert.deepEqual(p.when, { type: "string", format: "date-time" });
  assert.deepEqual(p.uri, { type: "string", description: '(format "uri")' });
  assert.deepEqual(p.code, { type: "string", pattern: "^[A-Z]{3}$", description: "(maxLength 3)" });
  assert.deepEqual(p.n, { type: "number", minimum: 0, exclusiveMaximum: 10, multipleOf: 0.5 });
  assert.deepEqual(p.tags, {
    type: "array",
    items: { type: "string" },
    minItems: 1,
    maxItems: 5,
    description: "(uniqueItems true)",
  });
  assert.deepEqual(p.point, {
    type: "object",
    properties: { x: { type: "number" } },
    required: ["x"],
    additionalProperties: false,
    description: "Where.",
  });
  assert.deepEqual(p.merged, { type: "integer", description: "One." });
  assert.ok(!("$schema" in out) && !("title" in out) && !("x-vendor" in out));
});

Deno.test("what strict mode cannot express is refused with the reason", () => {
  refused({ type: "object", properties: { m: { type: "object" } } }, /"m" is a free-form object \(no properties\)/);
  refused({ type: "object", properties: { m: { type: "object", additionalProperties: true } } }, /"m" is a free-form/);
  refused({ type: "object", properties: { v: {} } }, /"v" accepts any value/);
  refused({ type: "object", properties: { v: { oneOf: [{ type: "string" }] } } }, /"v" uses oneOf/);
  refused({ type: "object", properties: { v: { not: { type: "string" } } } }, /"v" uses not/);
  refused({ type: "object", properties: { v: { allOf: [{ type: "string" }, { minLength: 1 }] } } }, /"v" uses allOf/);
  refused({ type: "object", properties: { v: { type: "array", items: [{ type: "string" }] } } }, /"v" is a tuple/);
  refused({ type: "object", properties: { v: { type: "array" } } }, /"v" is an array without items/);
  refused({ type: "object", properties: { v: { $ref: "#/$defs/Nope" } } }, /does not resolve/);
  refused({ type: "object", properties: { v: { $ref: "https://example.com/s.json" } } }, /only local refs/);
  refused({ type: "object", patternProperties: { "^x": { type: "string" } } }, /the root uses patternProperties/);
  refused({ anyOf: [{ type: "object" }] }, /the root is an anyOf/);
  refused({ type: "string" }, /the root is not an object/);
  const wide: Record<string, Schema> = {};
  for (let i = 0; i < 5001; i++) wide[`p${i}`] = { type: "string" };
  refused({ type: "object", properties: wide }, /5001 properties \(strict mode allows 5000\)/);
  let deep: Schema = { type: "string" };
  for (let i = 0; i < 11; i++) deep = { type: "object", properties: { d: deep }, required: ["d"] };
  refused(deep, /nested deeper than 10 objects/);
  refused({
    type: "object",
    properties: { e: { type: "string", enum: Array.from({ length: 1001 }, (_, i) => `v${i}`) } },
  }, /1001 enum values/);
});

Deno.test("the tools of server-memory, server-filesystem and server-everything: converted or refused, never invalid", async () => {
  const tmp = tempDir("gw-strict-");
  const { manager } = await managerFor({
    memory: { command: ["node", SERVERS.memory], env: { MEMORY_FILE_PATH: join(tmp.dir, "m.jsonl") } },
    fs: { command: ["node", SERVERS.filesystem, tmp.dir] },
    everything: { command: ["node", SERVERS.everything, "stdio"] },
  });
  try {
    const { tools, errors } = await manager.listTools();
    assert.deepEqual(errors, []);
    const converted: string[] = [];
    const refusedTools: string[] = [];
    for (const t of tools) {
      const r = toStrictSchema(t.inputSchema);
      if (r.ok) {
        assert.deepEqual(strictProblems(r.schema), [], t.name);
        converted.push(t.name);
      } else {
        refusedTools.push(`${t.name}: ${r.reason}`);
      }
    }
    // Every memory and filesystem tool converts (their schemas are plain objects, arrays and enums).
    for (const t of tools.filter((t) => t.server !== "everything")) assert.ok(converted.includes(t.name), t.name);
    assert.ok(converted.length >= 25, `${converted.length} converted; refused: ${refusedTools.join("; ")}`);
  } finally {
    await manager.close();
    tmp.remove();
  }
});
