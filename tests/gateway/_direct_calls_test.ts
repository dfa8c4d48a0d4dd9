import assert from "node:assert/strict";
// The SDK's "./*" export maps types to "*.d.ts", so "x.js" finds no types under deno check; point at them.
// @ts-types="@modelcontextprotocol/sdk/types"
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { DirectCalls } from "../../src/gateway/_direct_calls.ts";

function _calls() {
  const sent: Record<string, unknown>[] = [];
  const calls = new DirectCalls((m) => {
    sent.push(m as Record<string, unknown>);
    return Promise.resolve();
  });
  return { calls, sent };
}

Deno.test("DirectCalls: answers go to their request by id; the SDK's numeric ids are not taken", async () => {
  const { calls, sent } = _calls();
  const a = calls.request("tools/call", { name: "a", arguments: {} });
  const b = calls.request("tools/call", { name: "b", arguments: {} });
  assert.deepEqual(sent.map((m) => m.id), ["se-1", "se-2"]);
  assert.equal(calls.take({ jsonrpc: "2.0", id: 1, result: {} }), false);
  assert.equal(calls.take({ jsonrpc: "2.0", id: "other", result: {} }), false);
  assert.equal(calls.take({ jsonrpc: "2.0", id: "se-2", result: { content: [{ type: "text", text: "b" }] } }), true);
  assert.equal(calls.take({ jsonrpc: "2.0", id: "se-1", error: { code: -32602, message: "bad args" } }), true);
  assert.deepEqual(await b, { content: [{ type: "text", text: "b" }] });
  await assert.rejects(a, (e) => e instanceof McpError && e.code === -32602 && /bad args/.test(e.message));
  // A request from the server with a string id is the SDK's (it has a method, no result).
  assert.equal(calls.take({ jsonrpc: "2.0", id: "se-3", method: "elicitation/create", params: {} }), false);
});

Deno.test("DirectCalls: progress under the request's token reaches it; other tokens are the SDK's", async () => {
  const { calls, sent } = _calls();
  const seen: unknown[] = [];
  const p = calls.request("tools/call", { name: "t", arguments: {}, _meta: { keep: 1 } }, {
    onProgress: (u) => seen.push(u),
  });
  assert.deepEqual((sent[0]!.params as Record<string, unknown>)._meta, { keep: 1, progressToken: "se-1" });
  const progress = (token: unknown, extra: Record<string, unknown> = {}) => ({
    jsonrpc: "2.0" as const,
    method: "notifications/progress",
    params: { progressToken: token, progress: 1, ...extra },
  });
  assert.equal(calls.take(progress("se-1", { total: 4, message: "one" })), true);
  assert.equal(calls.take(progress(7)), false);
  assert.equal(calls.take(progress("se-1", { progress: "x" })), true); // ours, malformed: dropped
  calls.take({ jsonrpc: "2.0", id: "se-1", result: {} });
  await p;
  assert.deepEqual(seen, [{ progress: 1, total: 4, message: "one" }]);
  assert.equal(calls.take(progress("se-1")), true, "late progress of a finished request is dropped");
});

Deno.test("DirectCalls: a cancelled request tells the server and rejects; its late answer is dropped", async () => {
  const { calls, sent } = _calls();
  const ac = new AbortController();
  const p = calls.request("tools/call", { name: "t", arguments: {} }, { signal: ac.signal });
  ac.abort(new Error("timed out"));
  await assert.rejects(p, (e) => e instanceof McpError && e.code === ErrorCode.RequestTimeout);
  assert.deepEqual(sent[1], {
    jsonrpc: "2.0",
    method: "notifications/cancelled",
    params: { requestId: "se-1", reason: "timed out" },
  });
  assert.equal(calls.take({ jsonrpc: "2.0", id: "se-1", result: {} }), true);
  // Already aborted: nothing is sent.
  await assert.rejects(calls.request("tools/call", {}, { signal: AbortSignal.abort("x") }), McpError);
  assert.equal(sent.length, 2);
});

Deno.test("DirectCalls: a closed connection fails what is in flight and what comes after, like the SDK", async () => {
  const { calls } = _calls();
  const p = calls.request("tools/call", { name: "t", arguments: {} });
  calls.close();
  const closed = (e: unknown) => e instanceof McpError && e.code === ErrorCode.ConnectionClosed;
  await assert.rejects(p, closed);
  await assert.rejects(calls.request("tools/call", {}), closed);
});

Deno.test("DirectCalls: a send that fails rejects the request with its error", async () => {
  const calls = new DirectCalls(() => Promise.reject(new Error("EPIPE")));
  await assert.rejects(calls.request("tools/call", {}), /EPIPE/);
});
