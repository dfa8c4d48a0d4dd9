import assert from "node:assert/strict";
// @ts-types="@modelcontextprotocol/sdk/types"
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { CallChannel } from "../../src/gateway/_call_channel.ts";

// The channel sits between a transport and the SDK client's handlers; these tests play both ends (the real servers
// behind it are in manager_test.ts and the e2e gateway tests).
function wire() {
  const sent: Record<string, unknown>[] = [];
  const toClient: unknown[] = [];
  let clientClosed = 0;
  let failSend: Error | null = null;
  const transport = {
    start: async () => {},
    close: async () => {},
    send: (m: unknown) => {
      if (failSend) return Promise.reject(failSend);
      sent.push(m as Record<string, unknown>);
      return Promise.resolve();
    },
    onmessage: (m: unknown) => void toClient.push(m),
    onclose: () => void clientClosed++,
  };
  const channel = CallChannel.attach(transport as never);
  const fromServer = (m: unknown) => (transport.onmessage as (m: unknown) => void)(m);
  return {
    channel,
    sent,
    toClient,
    fromServer,
    close: () => transport.onclose(),
    clientClosed: () => clientClosed,
    failSends: (e: Error) => (failSend = e),
  };
}

const params = { name: "read", arguments: { path: "a" } };

Deno.test("CallChannel: calls get string ids of their own; answers go to their call, in any order", async () => {
  const w = wire();
  const a = w.channel.call(params);
  const b = w.channel.call(params);
  assert.deepEqual(w.sent.map((m) => [m.id, m.method]), [["se-1", "tools/call"], ["se-2", "tools/call"]]);
  assert.deepEqual(w.sent[0]!.params, params, "no progress token unless progress is asked for");
  w.fromServer({ jsonrpc: "2.0", id: "se-2", result: { content: [{ type: "text", text: "two" }] } });
  w.fromServer({ jsonrpc: "2.0", id: "se-1", result: { content: [] } });
  assert.deepEqual(await a, { content: [] });
  assert.deepEqual(await b, { content: [{ type: "text", text: "two" }] });
  assert.equal(w.toClient.length, 0, "the client never sees the calls' answers");
  assert.equal(w.channel.inFlight, 0);
});

Deno.test("CallChannel: everything that is not a call's goes to the client unchanged", () => {
  const w = wire();
  const theirs = [
    { jsonrpc: "2.0", id: 0, result: { tools: [] } }, // the client's own request (numeric id)
    { jsonrpc: "2.0", id: "se-9", method: "elicitation/create", params: {} }, // a server request, whatever its id
    { jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: 4, progress: 1 } },
    { jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: "x" } },
  ];
  for (const m of theirs) w.fromServer(m);
  assert.deepEqual(w.toClient, theirs);
});

Deno.test("CallChannel: an error answer is the SDK's McpError; a malformed one is left to the client", async () => {
  const w = wire();
  const a = w.channel.call(params);
  w.fromServer({ jsonrpc: "2.0", id: "se-1", error: { code: ErrorCode.InvalidParams, message: "bad path" } });
  await assert.rejects(
    a,
    (e) => e instanceof McpError && e.code === ErrorCode.InvalidParams && /bad path/.test(e.message),
  );
  const b = w.channel.call(params);
  const odd = { jsonrpc: "2.0", id: "se-2", error: "not an error object" };
  w.fromServer(odd);
  assert.deepEqual(w.toClient, [odd], "the client reports what it cannot read");
  assert.equal(w.channel.inFlight, 1, "the call still waits (its timeout ends it)");
  w.fromServer({ jsonrpc: "2.0", id: "se-2", result: {} });
  assert.deepEqual(await b, {});
});

Deno.test("CallChannel: progress reaches its call's handler (and only that call's), without undefined fields", async () => {
  const w = wire();
  const seen: unknown[] = [];
  const a = w.channel.call(params, { onProgress: (p) => seen.push(p) });
  assert.deepEqual(w.sent[0]!.params, { ...params, _meta: { progressToken: "se-1" } });
  w.fromServer({ jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: "se-1", progress: 1 } });
  w.fromServer({
    jsonrpc: "2.0",
    method: "notifications/progress",
    params: { progressToken: "se-1", progress: 2, total: 3, message: "half" },
  });
  w.fromServer({ jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: "se-1", progress: "x" } });
  w.fromServer({ jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: "se-7", progress: 1 } });
  w.fromServer({ jsonrpc: "2.0", id: "se-1", result: {} });
  await a;
  assert.deepEqual(seen, [{ progress: 1 }, { progress: 2, total: 3, message: "half" }]);
  assert.equal(w.toClient.length, 0, "progress for the channel's tokens never reaches the client");
});

Deno.test("CallChannel: an abort cancels the call upstream and fails it with the reason; a late answer is dropped", async () => {
  const w = wire();
  const controller = new AbortController();
  const a = w.channel.call(params, { signal: controller.signal });
  controller.abort(new McpError(ErrorCode.RequestTimeout, "timed out after 5 ms"));
  await assert.rejects(a, (e) => e instanceof McpError && /timed out after 5 ms/.test(e.message));
  assert.deepEqual(w.sent[1], {
    jsonrpc: "2.0",
    method: "notifications/cancelled",
    params: { requestId: "se-1", reason: "McpError: MCP error -32001: timed out after 5 ms" },
  });
  w.fromServer({ jsonrpc: "2.0", id: "se-1", result: { content: [] } });
  assert.equal(w.toClient.length, 0, "a late answer to a cancelled call is not the client's either");
  const early = new AbortController();
  early.abort("stop");
  await assert.rejects(w.channel.call(params, { signal: early.signal }), /stop/);
  assert.equal(w.sent.length, 2, "an aborted call is not sent");
});

Deno.test("CallChannel: a closed connection fails the calls in flight and later ones; the client is told too", async () => {
  const w = wire();
  const a = w.channel.call(params);
  w.close();
  await assert.rejects(a, (e) => e instanceof McpError && e.code === ErrorCode.ConnectionClosed);
  assert.equal(w.clientClosed(), 1);
  await assert.rejects(w.channel.call(params), (e) => e instanceof McpError && e.code === ErrorCode.ConnectionClosed);
});

Deno.test("CallChannel: a send that fails fails its call with the transport's error", async () => {
  const w = wire();
  w.failSends(new Error("broken pipe"));
  await assert.rejects(w.channel.call(params), /broken pipe/);
  assert.equal(w.channel.inFlight, 0);
});

Deno.test("CallChannel: onResult gets an answer's result as it is read, before its call's promise settles", async () => {
  const w = wire();
  const seen: string[] = [];
  const a = w.channel.call(params, { onResult: (r) => void seen.push(`early ${JSON.stringify(r)}`) });
  const b = w.channel.call(params, { onResult: () => void seen.push("wrong") });
  void a.then(() => seen.push("settled"));
  w.fromServer({ jsonrpc: "2.0", id: "se-1", result: { content: [] } });
  assert.deepEqual(seen, ['early {"content":[]}'], "synchronously, and only the answered call's");
  assert.deepEqual(await a, { content: [] });
  assert.deepEqual(seen, ['early {"content":[]}', "settled"]);
  // An error answer is no result; a hook that throws does not lose the call's answer.
  w.fromServer({ jsonrpc: "2.0", id: "se-2", error: { code: -32602, message: "bad" } });
  await assert.rejects(b, McpError);
  assert.deepEqual(seen, ['early {"content":[]}', "settled"]);
  const c = w.channel.call(params, {
    onResult: () => {
      throw new Error("the client is gone");
    },
  });
  w.fromServer({ jsonrpc: "2.0", id: "se-3", result: { content: [] } });
  assert.deepEqual(await c, { content: [] });
});
