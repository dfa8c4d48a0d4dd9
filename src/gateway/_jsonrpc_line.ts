/**
 * Private helper of the stdio transport: what one line of a server's stdout is: blank (skipped), a JSON-RPC
 * message, or something else (not UTF-8, not JSON, not a JSON-RPC message) with the text to show in a warning.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readMessageLine } from "./_jsonrpc_line.ts";
 * const line = (s: string) => readMessageLine(new TextEncoder().encode(s));
 * assert.equal(line(" \t\r"), null);
 * assert.deepEqual(line('{"jsonrpc":"2.0","method":"ping","id":1}\r'), {
 *   message: { jsonrpc: "2.0", method: "ping", id: 1 },
 * });
 * assert.deepEqual(line("hello"), { invalid: "is not JSON", text: "hello" });
 * assert.deepEqual(readMessageLine(new Uint8Array([0xff])), { invalid: "is not UTF-8", text: "" });
 * ```
 *
 * @module
 */
// The SDK's "./*" export maps types to "*.d.ts", so "x.js" finds no types under deno check; point at them.
// @ts-types="@modelcontextprotocol/sdk/types"
import { type JSONRPCMessage, JSONRPCMessageSchema } from "@modelcontextprotocol/sdk/types.js";
import { isPlainResultResponse } from "./_fast_shapes.ts";

/** A line that is not a message: what is wrong with it, and its text ("" when it is not UTF-8). */
export interface InvalidLine {
  /** `is not UTF-8`, `is not JSON` or `is not a JSON-RPC message`. */
  invalid: string;
  /** The line as text. */
  text: string;
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/** Read one line (without its `\n`; a trailing `\r` is dropped): null when blank, else a message or why not. */
export function readMessageLine(bytes: Uint8Array): { message: JSONRPCMessage } | InvalidLine | null {
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === 13) end--;
  let blank = true;
  for (let i = 0; i < end; i++) {
    const b = bytes[i]!;
    if (b !== 32 && b !== 9 && b !== 13) {
      blank = false;
      break;
    }
  }
  if (blank) return null;
  let text: string;
  try {
    text = decoder.decode(bytes.subarray(0, end));
  } catch {
    return { invalid: "is not UTF-8", text: "" };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { invalid: "is not JSON", text };
  }
  // Most lines answer a request: a plain result response is taken as it is (the schema would accept it unchanged).
  if (isPlainResultResponse(value)) return { message: value as JSONRPCMessage };
  const parsed = JSONRPCMessageSchema.safeParse(value);
  if (!parsed.success) return { invalid: "is not a JSON-RPC message", text };
  return { message: parsed.data as JSONRPCMessage };
}
