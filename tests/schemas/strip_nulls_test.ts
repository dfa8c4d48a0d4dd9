import assert from "node:assert/strict";
import { stripStrictNulls } from "../../src/schemas/strip_nulls.ts";

Deno.test("stripStrictNulls: optional nulls go, through $ref, allOf and array items; nullable ones stay", () => {
  const schema = {
    $defs: { entry: { type: "object", properties: { tag: { type: "string" }, note: { type: ["string", "null"] } } } },
    type: "object",
    properties: {
      list: { type: "array", items: { $ref: "#/$defs/entry" } },
      one: { allOf: [{ type: "object", properties: { tag: { type: "string" } } }] },
      any: {},
    },
  };
  const sent = { list: [{ tag: null, note: null }, { tag: "a" }], one: { tag: null }, any: null, extra: null };
  assert.deepEqual(stripStrictNulls(sent, schema), {
    list: [{ note: null }, { tag: "a" }],
    one: {},
    // `any` is optional and its schema does not name null: left out, as a strict model means
    extra: null, // not in the schema: left for the gate to judge
  });
  assert.deepEqual(sent.list[0], { tag: null, note: null }, "the input is not changed");
});

Deno.test("stripStrictNulls: a $ref that does not resolve leaves the value as it is", () => {
  const schema = { type: "object", properties: { a: { $ref: "#/$defs/missing" } } };
  assert.deepEqual(stripStrictNulls({ a: { b: null } }, schema), { a: { b: null } });
});

Deno.test("stripStrictNulls: an allOf of one $ref (as toStrictSchema reads it) is followed too", () => {
  const schema = {
    $defs: { entry: { type: "object", properties: { tag: { type: "string" }, keep: { type: "string" } } } },
    type: "object",
    properties: { one: { allOf: [{ $ref: "#/$defs/entry" }], description: "wins over the definition's" } },
    required: ["one"],
  };
  assert.deepEqual(stripStrictNulls({ one: { tag: null, keep: "x" } }, schema), { one: { keep: "x" } });
});
