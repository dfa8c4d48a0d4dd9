import assert from "node:assert/strict";
import { readMessageLine } from "../../src/gateway/_jsonrpc_line.ts";

const line = (s: string) => readMessageLine(new TextEncoder().encode(s));

Deno.test("readMessageLine: blank lines are skipped; CRLF and a split-free UTF-8 message are read", () => {
  for (const blank of ["", " ", "\t \r", "\r"]) assert.equal(line(blank), null, JSON.stringify(blank));
  assert.deepEqual(line('{"jsonrpc":"2.0","method":"notifications/message","params":{"data":"é"}}\r'), {
    message: { jsonrpc: "2.0", method: "notifications/message", params: { data: "é" } },
  });
  assert.deepEqual(line('{"jsonrpc":"2.0","id":7,"result":{}}'), { message: { jsonrpc: "2.0", id: 7, result: {} } });
});

Deno.test("readMessageLine: not UTF-8, not JSON, not JSON-RPC: said, with the text to show", () => {
  assert.deepEqual(readMessageLine(new Uint8Array([0x7b, 0xc3, 0x28, 0x7d])), { invalid: "is not UTF-8", text: "" });
  assert.deepEqual(line("Server started on stdio"), { invalid: "is not JSON", text: "Server started on stdio" });
  assert.deepEqual(line('{"jsonrpc":"1.0","method":"x"}'), {
    invalid: "is not a JSON-RPC message",
    text: '{"jsonrpc":"1.0","method":"x"}',
  });
  assert.deepEqual(line("[1,2]"), { invalid: "is not a JSON-RPC message", text: "[1,2]" });
});
