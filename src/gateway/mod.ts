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
// The manager, and the record of what it lists and calls.
export { type ResolvedTool, type UpstreamListing, UpstreamManager } from "./manager.ts";
export * from "./types.ts";
// One server.
export { type ConnectionContext, UpstreamConnection } from "./connection.ts";
export type { TransportContext } from "./_connect.ts";
// Config and names.
export * from "./config.ts";
export * from "./names.ts";
export * from "./risk.ts";
export { ELICIT_ORIGIN_KEY, labelElicitation, ownElicitationMeta } from "./elicit_label.ts";
export { GatewayConfigError, UpstreamUnavailableError } from "./errors.ts";
// Transports and the spawner seam.
export { UPSTREAM_ENV_ALLOWLIST, upstreamEnv } from "./env.ts";
export { runtimeSpawner, type UpstreamProcess, type UpstreamSpawner, type UpstreamSpawnRequest } from "./spawner.ts";
export { type SandboxSpawner, sandboxSpawner, type SandboxSpawnerOptions } from "./sandbox_spawner.ts";
export { ProcessTransport, type ProcessTransportOptions } from "./stdio_transport.ts";
export { boundedFetch, type FetchLike, type HttpClientTransport, httpTransport } from "./http_transport.ts";
// The vocabulary they use.
export type { Risk } from "../types.ts";
export type * from "../runtime/types.ts";
