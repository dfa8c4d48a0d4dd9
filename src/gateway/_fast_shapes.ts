/**
 * Private helper of the gateway: cheap checks for the shapes that make up nearly all of an upstream server's
 * traffic (a result response, a `tools/call` result of text blocks), so that the common case skips the SDK's zod
 * schemas. Each check is a strict subset of the schema it stands in for: `true` means the schema accepts the value
 * as it is; `false` means "not sure", and the caller asks the schema (which also words the error).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isPlainResultResponse, isPlainToolResult } from "./_fast_shapes.ts";
 * assert.equal(isPlainResultResponse({ jsonrpc: "2.0", id: 3, result: { content: [] } }), true);
 * assert.equal(isPlainResultResponse({ jsonrpc: "2.0", id: 3.5, result: {} }), false); // ask the schema
 * assert.equal(isPlainToolResult({ content: [{ type: "text", text: "hi" }], isError: false }), true);
 * assert.equal(isPlainToolResult({ content: "not a list" }), false);
 * ```
 *
 * @module
 */

function _isRecord(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Whether `v` is a JSON-RPC result response the SDK's `JSONRPCResultResponseSchema` accepts unchanged: exactly
 * `jsonrpc: "2.0"`, an id (a string or an integer) and a `result` object without `_meta` (a `_meta` is left to the
 * schema).
 */
export function isPlainResultResponse(v: unknown): boolean {
  if (!_isRecord(v)) return false;
  let keys = 0;
  for (const k in v) {
    if (k !== "jsonrpc" && k !== "id" && k !== "result") return false;
    keys++;
  }
  if (keys !== 3 || v.jsonrpc !== "2.0") return false;
  const id = v.id;
  if (typeof id !== "string" && !(typeof id === "number" && Number.isSafeInteger(id))) return false;
  const result = v.result;
  return _isRecord(result) && !("_meta" in result);
}

/**
 * Whether `v` is a `tools/call` result the SDK's `CallToolResultSchema` accepts unchanged: only `content` (an array
 * of `{type: "text", text: string}` blocks, nothing else in them), an optional boolean `isError` and an optional
 * `structuredContent` object. Anything else (other block types, annotations, `_meta`) is left to the schema.
 */
export function isPlainToolResult(v: unknown): boolean {
  if (!_isRecord(v)) return false;
  let hasContent = false;
  for (const k in v) {
    if (k === "content") hasContent = true;
    else if (k === "isError") {
      if (typeof v.isError !== "boolean") return false;
    } else if (k === "structuredContent") {
      if (!_isRecord(v.structuredContent)) return false; // the schema's record of anything
    } else return false;
  }
  if (!hasContent || !Array.isArray(v.content)) return false;
  for (const block of v.content as unknown[]) {
    if (!_isRecord(block)) return false;
    let keys = 0;
    for (const k in block) {
      if (k !== "type" && k !== "text") return false;
      keys++;
    }
    if (keys !== 2 || block.type !== "text" || typeof block.text !== "string") return false;
  }
  return true;
}
