/**
 * The Streamable HTTP side of an upstream MCP server: the SDK's `StreamableHTTPClientTransport`, with a fetch that
 * bounds what the server may send. A JSON response larger than `maxMessageBytes`, or one server-sent event larger
 * than that, errors the body and calls `onViolation` (the connection then closes, naming the cap), so a remote
 * server cannot make the gateway buffer without bound.
 *
 * @module
 */
// The SDK's "./*" export maps types to "*.d.ts", so "x.js" finds no types under deno check; point at them.
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { HttpServerConfig } from "./config.ts";

/** The SDK's Streamable HTTP client transport, as {@linkcode httpTransport} makes it. */
export type HttpClientTransport = StreamableHTTPClientTransport;

/** The fetch the SDK's transports take. */
export type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * A fetch whose response bodies are bounded: at most `maxBytes` for a whole body, or, for `text/event-stream`, for
 * each event (bytes between blank lines). Past the bound the body errors and `onViolation` is called once per body.
 * Redirect responses (3xx) are passed on untouched.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { boundedFetch } from "./http_transport.ts";
 * const big = () => Promise.resolve(new Response("x".repeat(100), { headers: { "content-type": "application/json" } }));
 * const seen: string[] = [];
 * const fetch = boundedFetch({ maxBytes: 10, onViolation: (m) => seen.push(m), fetch: big });
 * await assert.rejects((await fetch("http://127.0.0.1/")).text(), /larger than 10 bytes/);
 * assert.equal(seen.length, 1);
 * const small = boundedFetch({ maxBytes: 1000, onViolation: () => {}, fetch: big });
 * assert.equal((await (await small("http://127.0.0.1/")).text()).length, 100);
 * ```
 */
export function boundedFetch(options: {
  maxBytes: number;
  onViolation: (message: string) => void;
  fetch?: FetchLike;
}): FetchLike {
  const base: FetchLike = options.fetch ?? ((url, init) => fetch(url, init));
  return async (url, init) => {
    const response = await base(url, init);
    if (response.body === null || (response.status >= 300 && response.status < 400)) return response;
    const sse = (response.headers.get("content-type") ?? "").toLowerCase().includes("text/event-stream");
    const max = options.maxBytes;
    let size = 0; // bytes of the body, or of the current event
    let lineLength = 0;
    let violated = false;
    const limiter = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        if (sse) {
          for (let i = 0; i < chunk.length; i++) {
            const b = chunk[i]!;
            if (b === 10) {
              if (lineLength === 0) size = 0; // a blank line ends the event
              lineLength = 0;
            } else if (b !== 13) {
              lineLength++;
              size++;
            }
            if (size > max) break;
          }
        } else {
          size += chunk.length;
        }
        if (size > max) {
          const what = sse ? "a server-sent event" : "a response";
          const message = `sent ${what} larger than ${max} bytes (the cap of one upstream message)`;
          if (!violated) options.onViolation(message);
          violated = true;
          controller.error(new Error(message));
          return;
        }
        controller.enqueue(chunk);
      },
    });
    return new Response(response.body.pipeThrough(limiter), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

/**
 * The SDK's Streamable HTTP client transport for a configured remote server: its headers on every request, and the
 * bounded fetch.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseServers } from "./config.ts";
 * import { httpTransport } from "./http_transport.ts";
 * const { remote } = parseServers({ remote: { url: "http://127.0.0.1:9/mcp" } }, { baseDir: "/" });
 * assert.ok(remote!.transport === "http");
 * const transport = httpTransport(remote!, { maxMessageBytes: 1024, onViolation: () => {} });
 * assert.equal(transport.sessionId, undefined);
 * ```
 */
export function httpTransport(
  config: HttpServerConfig,
  options: { maxMessageBytes: number; onViolation: (message: string) => void; fetch?: FetchLike },
): HttpClientTransport {
  return new StreamableHTTPClientTransport(new URL(config.url), {
    requestInit: { headers: { ...config.headers } },
    fetch: boundedFetch({
      maxBytes: options.maxMessageBytes,
      onViolation: options.onViolation,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    }),
  });
}
