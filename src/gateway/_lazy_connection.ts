/**
 * Private helper of the gateway: an {@linkcode UpstreamConnection} whose module (and with it the MCP SDK's client,
 * its zod schemas and ajv) is loaded at the server's first listing or call, not when the gateway is made. Every
 * process that builds the app builds a gateway, and the SDK was most of `safe-exec serve`'s start before its first
 * answer (about 25 ms of CPU in the Bun binary) even with no server configured.
 *
 * Until the connection exists, its status is what a connection that never started says (`idle`, or `starting`
 * while the module loads for a listing or a call, `closed` after close).
 *
 * @module
 */
import type { UpstreamServerConfig } from "./config.ts";
import type { ConnectionContext, UpstreamConnection } from "./connection.ts";
import type { LoggingLevel, UpstreamCallOptions, UpstreamCallResult, UpstreamStatus, UpstreamTool } from "./types.ts";

/**
 * The connection to one server, made (its module loaded) on first use.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LazyConnection } from "./_lazy_connection.ts";
 * import { parseServers } from "./config.ts";
 * import { DEFAULT_LIMITS } from "./types.ts";
 * const { s } = parseServers({ s: { command: ["/bin/false"] } }, { baseDir: "/" });
 * const c = new LazyConnection(s!, {
 *   hooks: {},
 *   elicitation: () => [],
 *   clientInfo: { name: "t", version: "0" },
 *   hostEnv: {},
 *   defaultCwd: "/",
 *   limits: DEFAULT_LIMITS,
 *   loggingLevel: () => undefined,
 * });
 * assert.equal(c.status().state, "idle");
 * await c.close();
 * assert.equal(c.status().state, "closed");
 * ```
 */
export class LazyConnection {
  /** The server's config. */
  readonly config: UpstreamServerConfig;
  readonly #ctx: ConnectionContext;
  #real: UpstreamConnection | null = null;
  #loading: Promise<UpstreamConnection> | null = null;
  #closed = false;

  /** Nothing is loaded or started until the first listing or call. */
  constructor(config: UpstreamServerConfig, context: ConnectionContext) {
    this.config = config;
    this.#ctx = context;
  }

  /** The server's name. */
  get name(): string {
    return this.config.name;
  }

  /** What the server is doing. */
  status(): UpstreamStatus {
    if (this.#real) return this.#real.status();
    return {
      server: this.name,
      transport: this.config.transport,
      sandbox: this.config.transport === "stdio" && this.config.sandbox,
      state: this.#closed ? "closed" : this.#loading ? "starting" : "idle",
      pid: null,
      starts: 0,
      tools: null,
      lastError: null,
    };
  }

  /** As {@linkcode UpstreamConnection.tools}. */
  async tools(): Promise<Map<string, UpstreamTool>> {
    return await (await this.#connection()).tools();
  }

  /** As {@linkcode UpstreamConnection.knownTools} (null before the server's module is loaded). */
  knownTools(): Map<string, UpstreamTool> | null {
    return this.#real?.knownTools() ?? null;
  }

  /** As {@linkcode UpstreamConnection.setLoggingLevel}: nothing to do before the server started. */
  async setLoggingLevel(level: LoggingLevel): Promise<void> {
    await this.#real?.setLoggingLevel(level);
  }

  /** As {@linkcode UpstreamConnection.call} (never throws). */
  call(
    tool: string,
    args: Record<string, unknown>,
    options: UpstreamCallOptions = {},
  ): Promise<UpstreamCallResult> {
    if (this.#real) return this.#real.call(tool, args, options);
    return this.#connection().then((c) => c.call(tool, args, options));
  }

  /** As {@linkcode UpstreamConnection.close}. */
  async close(): Promise<void> {
    this.#closed = true;
    const loading = this.#loading;
    if (loading) await loading.catch(() => {});
    await this.#real?.close();
  }

  #connection(): Promise<UpstreamConnection> {
    if (this.#real) return Promise.resolve(this.#real);
    this.#loading ??= import("./connection.ts").then(({ UpstreamConnection }) => {
      const real = new UpstreamConnection(this.config, this.#ctx);
      // Closed while its module loaded: the connection refuses to start, as one closed before its first call.
      if (this.#closed) void real.close();
      this.#real = real;
      return real;
    });
    return this.#loading;
  }
}
