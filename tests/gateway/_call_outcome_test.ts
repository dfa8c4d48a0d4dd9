import assert from "node:assert/strict";
// The SDK's "./*" export maps types to "*.d.ts", so "x.js" finds no types under deno check; point at them.
// @ts-types="@modelcontextprotocol/sdk/types"
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { answerOutcome, type CallFailure, errorOutcome } from "../../src/gateway/_call_outcome.ts";

const f: CallFailure = { why: null, timeoutMs: 50, label: "fs__read", server: "fs", deathReason: null };

Deno.test("answerOutcome: a valid result passes exactly as sent; isError and malformed results are errors", () => {
  const sent = { content: [{ type: "text", text: "hi" }], structuredContent: { n: 1 }, _meta: { x: 1 } };
  const ok = answerOutcome(sent, "fs__read");
  assert.equal(ok.result, sent, "the same object, unchanged");
  assert.equal(ok.ok, true);
  const flagged = answerOutcome({ content: [{ type: "text", text: "no such file" }], isError: true }, "fs__read");
  assert.deepEqual([flagged.ok, flagged.errorCode, flagged.error], [
    false,
    "upstream_error",
    "fs__read reported an error: no such file",
  ]);
  assert.ok(flagged.result !== null, "an isError result is passed back");
  const bad = answerOutcome({ content: [{ type: "text" }] }, "fs__read");
  assert.deepEqual([bad.result, bad.errorCode], [null, "upstream_error"]);
  assert.match(bad.error!, /returned a malformed result \(content\.0.*\); it is not passed on/);
});

Deno.test("errorOutcome: the gateway's own stop wins, then a dead server, then the JSON-RPC error", () => {
  const rpc = (code: number) => new McpError(code, "boom\nmore");
  assert.equal(errorOutcome(rpc(ErrorCode.InvalidParams), { ...f, why: "timeout" })?.errorCode, "timeout");
  assert.equal(errorOutcome(rpc(ErrorCode.InvalidParams), { ...f, why: "cancelled" })?.errorCode, "cancelled");
  assert.deepEqual(errorOutcome(new Error("x"), { ...f, deathReason: "exited with code 1" }), {
    ok: false,
    result: null,
    errorCode: "upstream_unavailable",
    error: 'server "fs" exited with code 1 during fs__read',
  });
  assert.equal(errorOutcome(rpc(ErrorCode.ConnectionClosed), f)?.errorCode, "upstream_unavailable");
  assert.equal(errorOutcome(rpc(ErrorCode.RequestTimeout), f)?.errorCode, "timeout");
  const invalid = errorOutcome(rpc(ErrorCode.InvalidParams), f)!;
  assert.equal(invalid.errorCode, "invalid_args");
  assert.doesNotMatch(invalid.error!, /\n/);
  assert.equal(errorOutcome(rpc(ErrorCode.InternalError), f)?.errorCode, "upstream_error");
  assert.equal(errorOutcome(new Error("write EPIPE"), f), null, "a transport failure is the connection's to handle");
});
