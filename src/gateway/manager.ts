/**
 * The upstream side of the MCP gateway (SPEC §8): every configured server behind one object, their tools under
 * gateway names (`<server>__<tool>`), each with its risk, and calls forwarded to the right server. The gate sits in
 * front of it: resolve the tool (its risk), gate and log the call, then {@linkcode UpstreamManager.call} it and count
 * any `errorCode` as an error.
 *
 * Servers start lazily, on their first listing or call; a failing server never takes the others (or the gateway)
 * down: `listTools` lists what it can and reports the rest in `errors`.
 *
 * @module
 */
import * as process from "node:process";
import { cut, messageOf } from "./_text.ts";
import { elapsedMs } from "./_time.ts";
import type { UpstreamServerConfig } from "./config.ts";
import { LazyConnection } from "./_lazy_connection.ts";
import type { ConnectionContext } from "./connection.ts";
import { splitQualifiedName } from "./names.ts";
import { serverPaths } from "./_server_paths.ts";
import type { UpstreamSpawner } from "./spawner.ts";
import {
  DEFAULT_LIMITS,
  type GatewayOptions,
  type LoggingLevel,
  type UpstreamCallOptions,
  type UpstreamCallResult,
  type UpstreamErrorCode,
  type UpstreamStatus,
  type UpstreamTool,
} from "./types.ts";

/** What {@linkcode UpstreamManager.resolve} finds for a name. */
export type ResolvedTool =
  | { ok: true; tool: UpstreamTool }
  | { ok: false; errorCode: Extract<UpstreamErrorCode, "unknown_tool" | "upstream_unavailable">; error: string };

/** The listing of every server's tools. */
export interface UpstreamListing {
  /** The tools, server by server in config order, each server's in its own order. */
  tools: UpstreamTool[];
  /** Servers that could not be listed, and why (their tools are missing from `tools`). */
  errors: { server: string; message: string }[];
}

/**
 * All upstream servers of a config.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fileURLToPath } from "node:url";
 * import { currentRuntime } from "../runtime/mod.ts";
 * import { parseServers } from "./config.ts";
 * import { UpstreamManager } from "./manager.ts";
 * import { runtimeSpawner } from "./spawner.ts";
 * const everything = fileURLToPath(
 *   new URL("../../node_modules/@modelcontextprotocol/server-everything/dist/index.js", import.meta.url),
 * );
 * const servers = parseServers({ everything: { command: ["node", everything, "stdio"] } }, { baseDir: "/" });
 * const manager = new UpstreamManager(servers, runtimeSpawner(await currentRuntime()));
 * try {
 *   const echo = await manager.resolve("everything__echo");
 *   assert.ok(echo.ok);
 *   assert.equal(echo.tool.risk, "low"); // readOnlyHint: true
 *   const r = await manager.call("everything__echo", { message: "hi" });
 *   assert.ok(r.ok);
 *   assert.deepEqual(r.result!.content, [{ type: "text", text: "Echo: hi" }]);
 *   assert.equal((await manager.call("everything__nope", {})).errorCode, "unknown_tool");
 * } finally {
 *   await manager.close();
 * }
 * ```
 */
export class UpstreamManager {
  readonly #connections = new Map<string, LazyConnection>();
  readonly #defaultCwd: string;
  readonly #hostEnv: Readonly<Record<string, string | undefined>>;
  #loggingLevel: LoggingLevel | undefined;
  #closed = false;

  /**
   * Make the manager; nothing starts yet. `spawn` starts stdio servers: {@linkcode runtimeSpawner} for plain ones,
   * or a spawner that puts servers with `sandbox: true` in the process sandbox. Disabled servers are left out.
   */
  constructor(
    servers: Record<string, UpstreamServerConfig>,
    spawn: UpstreamSpawner | undefined,
    options: GatewayOptions = {},
  ) {
    const hooks = options.hooks ?? {};
    this.#defaultCwd = options.defaultCwd ?? process.cwd();
    this.#hostEnv = options.hostEnv ?? process.env;
    const context: ConnectionContext = {
      hooks,
      elicitation: options.elicitation ?? (() => (hooks.onElicit ? ["form"] : [])),
      clientInfo: options.clientInfo ?? { name: "safe-exec", version: "0.0.0" },
      hostEnv: options.hostEnv ?? process.env,
      defaultCwd: options.defaultCwd ?? process.cwd(),
      limits: { ...DEFAULT_LIMITS, ...options.limits },
      loggingLevel: () => this.#loggingLevel,
      ...(spawn ? { spawn } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    };
    for (const config of Object.values(servers)) {
      if (config.enabled) this.#connections.set(config.name, new LazyConnection(config, context));
    }
  }

  /** The names of the (enabled) servers, in config order. */
  get servers(): string[] {
    return [...this.#connections.keys()];
  }

  /** Whether `name` is in a server's namespace (`<server>__…`), i.e. whether this manager answers for it. */
  owns(name: string): boolean {
    const split = splitQualifiedName(name);
    return split !== null && this.#connections.has(split.server);
  }

  /** Every server's tools (starting the servers not started yet, in parallel). */
  async listTools(): Promise<UpstreamListing> {
    const connections = [...this.#connections.values()];
    const settled = await Promise.allSettled(connections.map((c) => c.tools()));
    const listing: UpstreamListing = { tools: [], errors: [] };
    settled.forEach((s, i) => {
      if (s.status === "fulfilled") listing.tools.push(...s.value.values());
      else listing.errors.push({ server: connections[i]!.name, message: messageOf(s.reason) });
    });
    return listing;
  }

  /**
   * The tool behind a gateway name, with its risk (starting its server if need be), or why there is none:
   * `unknown_tool` (no such server or tool), `upstream_unavailable` (the server cannot be listed).
   */
  async resolve(name: string): Promise<ResolvedTool> {
    const split = splitQualifiedName(name);
    const connection = split ? this.#connections.get(split.server) : undefined;
    if (split === null || connection === undefined) {
      const servers = this.servers.length > 0 ? this.servers.map((s) => `"${s}"`).join(", ") : "none";
      return {
        ok: false,
        errorCode: "unknown_tool",
        error: `Unknown tool ${JSON.stringify(cut(name, 100))}: not "<server>__<tool>" of a configured server ` +
          `(servers: ${servers})`,
      };
    }
    let tools: Map<string, UpstreamTool>;
    try {
      tools = await connection.tools();
    } catch (err) {
      return { ok: false, errorCode: "upstream_unavailable", error: messageOf(err) };
    }
    const tool = tools.get(name);
    if (tool === undefined) {
      return {
        ok: false,
        errorCode: "unknown_tool",
        error: `Unknown tool ${JSON.stringify(cut(name, 100))}: server "${split.server}" lists no tool ` +
          `${JSON.stringify(cut(split.tool, 80))} (it lists ${tools.size} tools)`,
      };
    }
    return { ok: true, tool };
  }

  /**
   * The folder a server runs in, against which it resolves a relative path it is given: its `cwd`, else the
   * gateway's (a sandboxed server without `cwd` runs in the workspace: null, as for an HTTP server, which has none).
   */
  serverCwd(server: string): string | null {
    const config = this.#connections.get(server)?.config;
    if (config === undefined || config.transport !== "stdio") return null;
    return config.cwd ?? (config.sandbox ? null : this.#defaultCwd);
  }

  /**
   * Where a server may resolve a path string it is given (_server_paths.ts): the folders it resolves a relative one
   * against (where it runs, the folders its command line names) and the home folders its `~` may stand for. Null
   * for a server this manager does not have.
   */
  serverPaths(server: string): { readonly bases: string[]; readonly homes: string[] } | null {
    const config = this.#connections.get(server)?.config;
    return config === undefined ? null : serverPaths(config, this.#defaultCwd, this.#hostEnv);
  }

  /** The tool behind a gateway name when its server's listing is at hand and current, else null (see resolve). */
  resolveKnown(name: string): UpstreamTool | null {
    const split = splitQualifiedName(name);
    const connection = split ? this.#connections.get(split.server) : undefined;
    return connection?.knownTools()?.get(name) ?? null;
  }

  /**
   * Call a tool by its gateway name. Never throws; the record's `errorCode` says what went wrong, and `result` is
   * the server's result unchanged whenever there is one (also with `isError`).
   */
  async call(
    name: string,
    args: Record<string, unknown>,
    options: UpstreamCallOptions = {},
  ): Promise<UpstreamCallResult> {
    const t0 = performance.now();
    const resolved = await this.resolve(name);
    if (!resolved.ok) {
      const split = splitQualifiedName(name);
      return {
        ok: false,
        result: null,
        errorCode: resolved.errorCode,
        error: resolved.error,
        server: split?.server ?? "",
        upstreamName: split?.tool ?? null,
        durationMs: elapsedMs(t0),
      };
    }
    return await this.callTool(resolved.tool, args, options);
  }

  /**
   * Call a tool {@linkcode UpstreamManager.resolve} found, without resolving its name again (the gate resolved it
   * just before). Never throws, as {@linkcode UpstreamManager.call}.
   */
  callTool(
    tool: UpstreamTool,
    args: Record<string, unknown>,
    options: UpstreamCallOptions = {},
  ): Promise<UpstreamCallResult> {
    return this.#connections.get(tool.server)!.call(tool.upstreamName, args, options);
  }

  /** Forward the client's logging level (`logging/setLevel`) to running servers and to the ones started later. */
  async setLoggingLevel(level: LoggingLevel): Promise<void> {
    this.#loggingLevel = level;
    await Promise.allSettled([...this.#connections.values()].map((c) => c.setLoggingLevel(level)));
  }

  /** What each server is doing. */
  status(): UpstreamStatus[] {
    return [...this.#connections.values()].map((c) => c.status());
  }

  /** Stop every server (idempotent). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#connections.values()].map((c) => c.close()));
  }
}
