import assert from "node:assert/strict";
// The SDK's "./*" export maps types to "*.d.ts", so "x.js" finds no types under deno check; point at them.
// @ts-types="@modelcontextprotocol/sdk/types"
import { CallToolResultSchema, JSONRPCMessageSchema } from "@modelcontextprotocol/sdk/types.js";
import { isPlainResultResponse, isPlainToolResult } from "../../src/gateway/_fast_shapes.ts";

/** A small deterministic generator of JSON-ish values near the shapes the checks accept. */
function _rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const ODD = [null, 0, 1.5, -1, 2 ** 53, "", "x", true, false, [], {}, [1], { a: 1 }, { _meta: 1 }, "2.0", Number.NaN];

function _pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

function _block(r: () => number): unknown {
  const base: Record<string, unknown> = { type: r() < 0.85 ? "text" : _pick(r, ["image", "resource", 3, null]) };
  if (r() < 0.9) base.text = r() < 0.9 ? "hello" : _pick(r, ODD);
  if (r() < 0.1) base.annotations = _pick(r, [{ audience: ["user"] }, { priority: 9 }, 3]);
  if (r() < 0.05) base._meta = _pick(r, ODD);
  if (r() < 0.05) base.extra = 1;
  return r() < 0.03 ? _pick(r, ODD) : base;
}

function _toolResult(r: () => number): unknown {
  const v: Record<string, unknown> = {};
  if (r() < 0.95) v.content = r() < 0.9 ? Array.from({ length: Math.floor(r() * 3) }, () => _block(r)) : _pick(r, ODD);
  if (r() < 0.3) v.isError = r() < 0.8 ? r() < 0.5 : _pick(r, ODD);
  if (r() < 0.3) v.structuredContent = r() < 0.8 ? { content: "x", n: [1] } : _pick(r, ODD);
  if (r() < 0.05) v._meta = _pick(r, [{ progressToken: 1 }, { progressToken: 1.5 }, 3]);
  if (r() < 0.05) v.other = _pick(r, ODD);
  return r() < 0.03 ? _pick(r, ODD) : v;
}

function _response(r: () => number): unknown {
  const v: Record<string, unknown> = {};
  if (r() < 0.95) v.jsonrpc = r() < 0.9 ? "2.0" : _pick(r, ODD);
  if (r() < 0.95) v.id = r() < 0.8 ? _pick(r, [0, 7, "se-1", "a"]) : _pick(r, ODD);
  if (r() < 0.95) v.result = r() < 0.85 ? _toolResult(r) : _pick(r, ODD);
  if (r() < 0.05) v.error = { code: 1, message: "m" };
  if (r() < 0.05) v.method = "x";
  return r() < 0.03 ? _pick(r, ODD) : v;
}

/** Whether the fast check takes `v`; when it does, the schema must accept it and leave it unchanged. */
function _agrees(fast: (v: unknown) => boolean, schema: { safeParse(v: unknown): unknown }, v: unknown): boolean {
  if (!fast(v)) return false;
  const parsed = schema.safeParse(v) as { success: boolean; data?: unknown };
  assert.ok(parsed.success, `the schema refuses what the fast check took: ${JSON.stringify(v)}`);
  assert.deepEqual(parsed.data, v, `the schema would change ${JSON.stringify(v)}`);
  return true;
}

Deno.test("fast shapes: whatever they accept, the SDK's schema accepts unchanged (5,000 generated values each)", () => {
  const r = _rng(42);
  const json = (v: unknown) => JSON.parse(JSON.stringify(v) ?? "null");
  let fastResponses = 0;
  let fastResults = 0;
  for (let i = 0; i < 5000; i++) {
    if (_agrees(isPlainResultResponse, JSONRPCMessageSchema, json(_response(r)))) fastResponses++;
    if (_agrees(isPlainToolResult, CallToolResultSchema, json(_toolResult(r)))) fastResults++;
  }
  // The generator reaches both sides of each check.
  assert.ok(fastResponses > 500 && fastResponses < 4500, `fast responses: ${fastResponses}`);
  assert.ok(fastResults > 500 && fastResults < 4500, `fast results: ${fastResults}`);
});

Deno.test("fast shapes: what they leave to the schema", () => {
  const ok = { jsonrpc: "2.0", id: 1, result: { content: [] } };
  assert.equal(isPlainResultResponse(ok), true);
  for (
    const v of [
      { ...ok, id: 1.5 }, // not an integer: the schema says why
      { ...ok, id: null },
      { ...ok, jsonrpc: "1.0" },
      { ...ok, extra: 1 }, // strict
      { ...ok, result: [] },
      { ...ok, result: { _meta: { progressToken: 1 } } }, // _meta: checked by the schema
      { jsonrpc: "2.0", id: 1 },
      Object.assign(Object.create({ inherited: 1 }), ok), // not a plain object
    ]
  ) assert.equal(isPlainResultResponse(v), false, JSON.stringify(v));
  const text = { content: [{ type: "text", text: "hi" }] };
  assert.equal(isPlainToolResult(text), true);
  assert.equal(isPlainToolResult({ ...text, isError: true, structuredContent: { a: 1 } }), true);
  for (
    const v of [
      { content: [{ type: "text", text: "hi", annotations: { priority: 1 } }] },
      { content: [{ type: "image", data: "", mimeType: "image/png" }] },
      { content: [{ type: "text" }] },
      { ...text, isError: "yes" },
      { ...text, structuredContent: [1] },
      { ...text, _meta: {} },
      {}, // content defaults to [] in the schema: its copy differs
      { content: "not a list" },
    ]
  ) assert.equal(isPlainToolResult(v), false, JSON.stringify(v));
});
