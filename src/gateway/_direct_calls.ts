/**
 * Private helper of the stdio transport: requests sent on the server's connection beside the SDK client's, for the
 * gateway's `tools/call`. The SDK `Client` keeps the session (initialize, listing, notifications, the server's own
 * requests); a call and its answer go around its request layer, which checks every answer against its schemas
 * three times (the gateway checks a result once, `_call_outcome.ts`). Ids are strings (`se-1`, …) and never meet
 * the SDK's numeric ones; progress for a call comes back under its id as the progress token.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DirectCalls } from "./_direct_calls.ts";
 * const sent: unknown[] = [];
 * const calls = new DirectCalls((m) => { sent.push(m); return Promise.resolve(); });
 * const answer = calls.request("tools/call", { name: "t", arguments: {} });
 * assert.deepEqual(sent[0], { jsonrpc: "2.0", id: "se-1", method: "tools/call", params: { name: "t", arguments: {} } });
 * assert.equal(calls.take({ jsonrpc: "2.0", id: "se-1", result: { content: [] } }), true);
 * assert.deepEqual(await answer, { content: [] });
 * assert.equal(calls.take({ jsonrpc: "2.0", id: 7, result: {} }), false); // the SDK's own
 * ```
 *
 * @module
 */
// The SDK's "./*" export maps types to "*.d.ts", so "x.js" finds no types under deno check; point at them.
// @ts-types="@modelcontextprotocol/sdk/types"
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import type { JSONRPCMessage } from "./types.ts";

/** Options of one direct request. */
export interface DirectRequestOptions {
  /** Cancels the request: the server is sent `notifications/cancelled` and the promise rejects. */
  signal?: AbortSignal;
  /** Progress the server reports for this request. */
  onProgress?: (p: { progress: number; total?: number; message?: string }) => void;
}

interface Pending {
  resolve: (result: Record<string, unknown>) => void;
  reject: (err: unknown) => void;
  onProgress: DirectRequestOptions["onProgress"];
}

/** The requests of one connection that go around the SDK's request layer. */
export class DirectCalls {
  readonly #send: (message: JSONRPCMessage) => Promise<void>;
  readonly #pending = new Map<string, Pending>();
  #next = 0;
  #closed: Error | null = null;

  /** Requests are written with `send`. */
  constructor(send: (message: JSONRPCMessage) => Promise<void>) {
    this.#send = send;
  }

  /**
   * Send a request; resolves to its result, rejects with an `McpError` for an error answer, a closed connection
   * (`ConnectionClosed`) or a cancellation (`RequestTimeout`, with the signal's reason), as the SDK's `request` does.
   */
  request(method: string, params: Record<string, unknown>, options: DirectRequestOptions = {}): Promise<unknown> {
    if (this.#closed !== null) return Promise.reject(this.#closed);
    const { signal, onProgress } = options;
    if (signal?.aborted) return Promise.reject(_cancelled(signal.reason));
    const id = `se-${++this.#next}`;
    const sentParams = onProgress === undefined
      ? params
      : { ...params, _meta: { ...(params._meta as Record<string, unknown> | undefined), progressToken: id } };
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        if (!this.#pending.delete(id)) return;
        const reason = signal!.reason;
        this.#send({
          jsonrpc: "2.0",
          method: "notifications/cancelled",
          params: { requestId: id, reason: String(reason instanceof Error ? reason.message : reason) },
        }).catch(() => {/* the connection is gone: nothing to cancel */});
        reject(_cancelled(reason));
      };
      const settle = <T>(fn: (v: T) => void) => (v: T) => {
        signal?.removeEventListener("abort", onAbort);
        fn(v);
      };
      this.#pending.set(id, { resolve: settle(resolve), reject: settle(reject), onProgress });
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#send({ jsonrpc: "2.0", id, method, params: sentParams } as JSONRPCMessage).catch((err) => {
        if (this.#pending.delete(id)) settle(reject)(err);
      });
    });
  }

  /**
   * Take a message from the server if it is for a direct request (its answer, or progress under its token): true
   * when taken, false for anything else (the SDK client's).
   */
  take(message: JSONRPCMessage): boolean {
    const m = message as Record<string, unknown>;
    const id = m.id;
    if (typeof id === "string" && ("result" in m || "error" in m)) {
      const pending = this.#pending.get(id);
      if (pending === undefined) return id.startsWith("se-"); // a late answer to a cancelled request
      this.#pending.delete(id);
      if ("error" in m) {
        const e = m.error as { code: number; message: string; data?: unknown };
        pending.reject(new McpError(e.code, e.message, e.data));
      } else pending.resolve(m.result as Record<string, unknown>);
      return true;
    }
    if (m.method === "notifications/progress") {
      const p = m.params as Record<string, unknown> | undefined;
      const token = p?.progressToken;
      if (typeof token !== "string" || !token.startsWith("se-")) return false;
      const pending = this.#pending.get(token);
      if (pending?.onProgress !== undefined && typeof p!.progress === "number") {
        pending.onProgress({
          progress: p!.progress,
          ...(typeof p!.total === "number" ? { total: p!.total } : {}),
          ...(typeof p!.message === "string" ? { message: p!.message } : {}),
        });
      }
      return true;
    }
    return false;
  }

  /** The connection closed: every request in flight fails as the SDK's do, and new ones are refused. */
  close(): void {
    this.#closed ??= new McpError(ErrorCode.ConnectionClosed, "Connection closed");
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(this.#closed);
  }
}

function _cancelled(reason: unknown): McpError {
  return reason instanceof McpError ? reason : new McpError(ErrorCode.RequestTimeout, String(reason));
}
