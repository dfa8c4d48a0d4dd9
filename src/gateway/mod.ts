/**
 * The upstream side of safe-exec's MCP gateway: config of upstream servers, the manager that starts, lists and
 * calls them through the official MCP SDK client, and the seams (spawner, callbacks) the gate and the MCP session
 * plug into.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseServers, UpstreamManager } from "./mod.ts";
 * const manager = new UpstreamManager(parseServers({}, { baseDir: "/" }), undefined);
 * assert.deepEqual(await manager.listTools(), { tools: [], errors: [] });
 * await manager.close();
 * ```
 *
 * @module
 */
export * from "./config.ts";
export * from "./risk.ts";
export * from "./types.ts";
export { ProcessTransport, runtimeSpawner } from "./stdio_transport.ts";
export type {
  ProcessTransportOptions,
  UpstreamProcess,
  UpstreamSpawner,
  UpstreamSpawnRequest,
} from "./stdio_transport.ts";
export { boundedFetch, type FetchLike, httpTransport } from "./http_transport.ts";
export { UPSTREAM_ENV_ALLOWLIST, UpstreamConnection, upstreamEnv, UpstreamUnavailableError } from "./connection.ts";
export type { ConnectionContext } from "./connection.ts";
export { type ResolvedTool, type UpstreamListing, UpstreamManager } from "./manager.ts";
