/**
 * JSON-RPC 2.0 as MCP uses it: the error codes, the message shapes, and the reading of one message's envelope
 * (batches refused, ids judged by their text, `jsonrpc`, `method` and `params` checked) before the session sees it.
 *
 * @module
 */
import { describeValue } from "../../_util/describe.ts";
import { ID_RULE, idProblem } from "../_ids.ts";
import { jsonText, withJsonText } from "../../_util/json_text.ts";

/**
 * The standard JSON-RPC 2.0 error codes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RPC_ERROR } from "./rpc.ts";
 * assert.equal(RPC_ERROR.METHOD_NOT_FOUND, -32601);
 * ```
 */
export const RPC_ERROR = Object.freeze({
  /** The line is not JSON (or not UTF-8). */
  PARSE_ERROR: -32700,
  /** The JSON is not a valid request: not an object, no method, a batch, a bad id, or the wrong time. */
  INVALID_REQUEST: -32600,
  /** No such method. */
  METHOD_NOT_FOUND: -32601,
  /** The params do not fit the method. */
  INVALID_PARAMS: -32602,
  /** The server failed. */
  INTERNAL_ERROR: -32603,
  /** A server error (JSON-RPC's -32000 range): too many requests queued; the call was not queued. */
  SERVER_OVERLOADED: -32000,
});

/** A JSON-RPC request id. */
export type RpcId = string | number;

/** One JSON-RPC message (request, notification, result or error). */
export type RpcMessage = Record<string, unknown>;

/** A JSON object (not null, not an array). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** An id a request may have (and a cancellation may name). */
export function isId(v: unknown): v is RpcId {
  return (typeof v === "string" || typeof v === "number") && idProblem(v) === null;
}

/**
 * A JSON-RPC error response.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rpcError } from "./rpc.ts";
 * const e = rpcError(null, -32700, "Parse error");
 * assert.ok(e.jsonrpc === "2.0" && e.id === null);
 * ```
 */
export function rpcError(id: RpcId | null, code: number, message: string): RpcMessage {
  return { jsonrpc: "2.0", id, error: { code, message } };
}

/** A JSON-RPC result response. */
export function rpcResult(id: RpcId, result: unknown): RpcMessage {
  return { jsonrpc: "2.0", id, result };
}

/**
 * {@linkcode rpcResult} for a result that is not changed afterwards (an upstream result): the result is serialized
 * once, for the answer line and for its `execute` line's digest (`json_text.ts`).
 */
export function rpcResultOnce(id: RpcId, result: object): RpcMessage {
  return withJsonText(
    rpcResult(id, result),
    `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${jsonText(result)}}`,
  );
}

/** What one incoming message is, once its envelope was read. */
export type Envelope =
  /** Refused: answer with this error. */
  | { kind: "error"; error: RpcMessage }
  /** A response to a request of ours (an elicitation). */
  | { kind: "response"; id: RpcId; message: RpcMessage }
  /** A notification: no answer. */
  | { kind: "notification"; method: string; params: Record<string, unknown> | undefined }
  /** A notification whose params are not an object: ignored, with a note for the log. */
  | { kind: "ignored"; note: string }
  /** A request: answer it. */
  | { kind: "request"; id: RpcId; method: string; params: Record<string, unknown> | undefined };

/**
 * Read one parsed message's envelope. `line`, the text it was parsed from, lets a numeric id be judged by its text
 * (`1e400`, `12345678901234567890`: refused, never rounded).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readEnvelope } from "./rpc.ts";
 * assert.equal(readEnvelope({ jsonrpc: "2.0", id: 1, method: "ping" }).kind, "request");
 * assert.equal(readEnvelope({ jsonrpc: "2.0", method: "notifications/initialized" }).kind, "notification");
 * const batch = readEnvelope([]);
 * assert.equal(batch.kind === "error" && (batch.error.error as { code: number }).code, -32600);
 * ```
 */
export function readEnvelope(msg: unknown, line?: string): Envelope {
  const refuse = (id: RpcId | null, code: number, message: string): Envelope => ({
    kind: "error",
    error: rpcError(id, code, message),
  });
  if (Array.isArray(msg)) {
    return refuse(
      null,
      RPC_ERROR.INVALID_REQUEST,
      "Invalid Request: JSON-RPC batches are not supported (MCP 2025-06-18 removed them); send one message per line",
    );
  }
  if (!isObject(msg)) {
    return refuse(
      null,
      RPC_ERROR.INVALID_REQUEST,
      `Invalid Request: expected a JSON-RPC object, got ${describeValue(msg)}`,
    );
  }
  const hasId = "id" in msg;
  const id = msg.id;
  const problem = hasId ? (id === null ? "null" : idProblem(id, line)) : null;
  if (problem !== null) {
    return refuse(null, RPC_ERROR.INVALID_REQUEST, `Invalid Request: "id" must be ${ID_RULE}; got ${problem}`);
  }
  const replyId = hasId ? id as RpcId : null;
  if (msg.jsonrpc !== "2.0") {
    return refuse(
      replyId,
      RPC_ERROR.INVALID_REQUEST,
      `Invalid Request: "jsonrpc" must be "2.0", got ${describeValue(msg.jsonrpc)}`,
    );
  }
  const method = msg.method;
  if (method === undefined) {
    if (hasId && ("result" in msg || "error" in msg)) return { kind: "response", id: id as RpcId, message: msg };
    return refuse(
      replyId,
      RPC_ERROR.INVALID_REQUEST,
      `Invalid Request: the message has no "method"; expected e.g. {"jsonrpc":"2.0","id":1,"method":"tools/list"}`,
    );
  }
  if (typeof method !== "string") {
    return refuse(
      replyId,
      RPC_ERROR.INVALID_REQUEST,
      `Invalid Request: "method" must be a string, got ${describeValue(method)}`,
    );
  }
  const params = msg.params;
  if (params !== undefined && !isObject(params)) {
    if (!hasId) return { kind: "ignored", note: `ignored the notification ${method}: "params" must be an object` };
    return refuse(
      replyId,
      RPC_ERROR.INVALID_PARAMS,
      `Invalid params: "params" must be an object, got ${describeValue(params)}`,
    );
  }
  if (!hasId) return { kind: "notification", method, params };
  return { kind: "request", id: id as RpcId, method, params };
}
