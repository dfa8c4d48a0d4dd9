/**
 * Private helper of the gateway: the `tools/call` requests of one upstream connection, sent and matched on the
 * connection's transport beside the SDK's `Client`. The client still does everything else (the handshake, listing,
 * logging, elicitation, ping, the server's own requests and notifications); only the calls, which are nearly all of
 * the traffic, skip its generic request path (four zod parses of every answer, a timer and a listener per request),
 * which cost about a sixth of the gateway's CPU per call.
 *
 * A call's id is a string (`se-1`, `se-2`, …), so it never meets the client's numeric ids. An answer to one of these
 * ids, and a `notifications/progress` with one as its token, are handled here and never reach the client; every
 * other message goes on to it unchanged. What the client's request would have done is kept: the error of an error
 * answer is the SDK's `McpError`, an aborted call sends `notifications/cancelled` and fails with the abort's reason,
 * and a closed connection fails every call in flight with `ConnectionClosed`. A late answer to a cancelled call is
 * dropped. The result is passed on as it came; the caller checks its shape.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CallChannel } from "./_call_channel.ts";
 *
 * const sent: Record<string, unknown>[] = [];
 * const seen: unknown[] = [];
 * const transport = {
 *   start: async () => {},
 *   close: async () => {},
 *   send: async (m: unknown) => void sent.push(m as Record<string, unknown>),
 *   onmessage: (m: unknown) => void seen.push(m), // the SDK client's handler
 * };
 * const channel = CallChannel.attach(transport as never);
 * const answer = channel.call({ name: "echo", arguments: { text: "hi" } });
 * assert.equal(sent[0]!.id, "se-1");
 * transport.onmessage({ jsonrpc: "2.0", id: "se-1", result: { content: [] } });
 * assert.deepEqual(await answer, { content: [] });
 * transport.onmessage({ jsonrpc: "2.0", method: "notifications/message", params: {} });
 * assert.equal(seen.length, 1); // not a call's: the client's
 * ```
 *
 * @module
 */
// The SDK's "./*" export maps types to "*.d.ts", so "x.js" finds no types under deno check; point at them.
// @ts-types="@modelcontextprotocol/sdk/types"
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import type { Transport } from "./types.ts";

/** One progress update of a call, as the server sent it. */
export interface CallProgress {
  progress: number;
  total?: number;
  message?: string;
}

/** How one call is sent. */
export interface ChannelCallOptions {
  /** Aborting it cancels the call upstream (`notifications/cancelled`) and fails it with the abort's reason. */
  signal?: AbortSignal;
  /** Asks the server for progress (a `progressToken`) and receives it. */
  onProgress?: (progress: CallProgress) => void;
  /** The answer's `result`, synchronously as it is read, just before the call's promise resolves with it. */
  onResult?: (result: unknown) => void;
}

interface Pending {
  resolve: (result: unknown) => void;
  onResult: ((result: unknown) => void) | undefined;
  reject: (error: unknown) => void;
  onProgress: ((progress: CallProgress) => void) | undefined;
}

const PREFIX = "se-";

/** The `tools/call` requests of one connection (see the module's documentation). */
export class CallChannel {
  readonly #transport: Transport;
  readonly #pending = new Map<string, Pending>();
  #next = 1;
  #closed = false;

  private constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * Take the calls' answers and progress from `transport`, whose handlers the SDK client has set (call this after
   * `client.connect`); everything else still goes to the client.
   */
  static attach(transport: Transport): CallChannel {
    const channel = new CallChannel(transport);
    const toClient = transport.onmessage;
    transport.onmessage = (message, extra) => {
      if (!channel.#take(message as unknown as Record<string, unknown>)) toClient?.(message, extra);
    };
    const closed = transport.onclose;
    transport.onclose = () => {
      channel.#close();
      closed?.();
    };
    return channel;
  }

  /** Calls sent and not answered yet. */
  get inFlight(): number {
    return this.#pending.size;
  }

  /** Send `tools/call` with `params`; resolves to the answer's `result`, rejects as the module says. */
  call(
    params: { name: string; arguments: Record<string, unknown> },
    options: ChannelCallOptions = {},
  ): Promise<unknown> {
    const { signal, onProgress, onResult } = options;
    if (this.#closed) return Promise.reject(new McpError(ErrorCode.ConnectionClosed, "Connection closed"));
    if (signal?.aborted) return Promise.reject(abortError(signal.reason));
    const id = PREFIX + this.#next++;
    return new Promise<unknown>((resolve, reject) => {
      let onAbort: (() => void) | undefined;
      const settle = (fn: () => void) => {
        if (onAbort) signal!.removeEventListener("abort", onAbort);
        fn();
      };
      this.#pending.set(id, {
        resolve: (r) => settle(() => resolve(r)),
        reject: (e) => settle(() => reject(e)),
        onProgress,
        onResult,
      });
      if (signal) {
        onAbort = () => {
          if (!this.#pending.delete(id)) return;
          const reason = signal.reason;
          this.#transport.send({
            jsonrpc: "2.0",
            method: "notifications/cancelled",
            params: { requestId: id, reason: String(reason) },
          }).catch(() => {/* the connection is going: nothing to cancel */});
          reject(abortError(reason));
        };
        signal.addEventListener("abort", onAbort, { once: true });
      }
      const sent = onProgress ? { ...params, _meta: { progressToken: id } } : params;
      this.#transport.send({ jsonrpc: "2.0", id, method: "tools/call", params: sent }).catch((err) => {
        const p = this.#pending.get(id);
        if (p === undefined) return;
        this.#pending.delete(id);
        p.reject(err);
      });
    });
  }

  /** A message of this channel's (handled here), or not (false: the client's). */
  #take(m: Record<string, unknown>): boolean {
    const id = m.id;
    if (typeof id === "string" && id.startsWith(PREFIX) && !("method" in m)) {
      const p = this.#pending.get(id);
      if (p === undefined) return true; // a late answer to a cancelled call
      if ("result" in m) {
        this.#pending.delete(id);
        if (p.onResult !== undefined) {
          try {
            p.onResult(m.result);
          } catch {
            // the early answer failed: the call's promise still brings the result
          }
        }
        p.resolve(m.result);
        return true;
      }
      const e = m.error as { code?: unknown; message?: unknown; data?: unknown } | undefined;
      if (e !== null && typeof e === "object" && typeof e.code === "number" && typeof e.message === "string") {
        this.#pending.delete(id);
        p.reject(McpError.fromError(e.code, e.message, e.data));
        return true;
      }
      return false; // not an answer the client would take either: it reports it
    }
    if (m.method === "notifications/progress" && id === undefined) {
      const params = m.params as Record<string, unknown> | undefined;
      const token = params?.progressToken;
      if (typeof token !== "string" || !token.startsWith(PREFIX)) return false;
      const p = this.#pending.get(token);
      const progress = params!.progress;
      if (p?.onProgress && typeof progress === "number") {
        const { total, message } = params!;
        p.onProgress({
          progress,
          ...(typeof total === "number" ? { total } : {}),
          ...(typeof message === "string" ? { message } : {}),
        });
      }
      return true;
    }
    return false;
  }

  #close(): void {
    this.#closed = true;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(new McpError(ErrorCode.ConnectionClosed, "Connection closed"));
  }
}

function abortError(reason: unknown): McpError {
  return reason instanceof McpError ? reason : new McpError(ErrorCode.RequestTimeout, String(reason));
}
