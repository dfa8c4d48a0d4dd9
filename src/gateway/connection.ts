/**
 * One upstream MCP server behind the gateway: started lazily (on its first listing or call) through the official
 * SDK's `Client`, its tools listed (paginated, capped, names checked) and cached until `tools/list_changed`, its calls
 * forwarded with a timeout, cancellation, progress and elicitation, and restarted on the next call after it died.
 *
 * Calls in flight when the server dies (or breaks the protocol: an oversized message, a flood of garbage) fail with
 * `upstream_unavailable` and the reason (`exited with code 1 (stderr: …)`); the next call starts it again.
 *
 * @module
 */
// The SDK's "./*" export maps types to "*.d.ts", so "x.js" finds no types under deno check; point at them.
// @ts-types="@modelcontextprotocol/sdk/client"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/shared/transport"
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
// @ts-types="@modelcontextprotocol/sdk/types"
import {
  CallToolResultSchema,
  ElicitRequestSchema,
  ErrorCode,
  LoggingMessageNotificationSchema,
  McpError,
  PaginatedResultSchema,
  ResultSchema,
  ToolListChangedNotificationSchema,
  ToolSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { within } from "./_time.ts";
import { qualifiedName, TOOL_NAME_PATTERN, type UpstreamServerConfig } from "./config.ts";
import { httpTransport } from "./http_transport.ts";
import { upstreamRisk } from "./risk.ts";
import { ProcessTransport, type UpstreamSpawner } from "./stdio_transport.ts";
import type {
  CallToolResult,
  ElicitHandler,
  ElicitRequestParams,
  ElicitResult,
  GatewayHooks,
  GatewayLimits,
  LoggingLevel,
  UpstreamCallOptions,
  UpstreamCallResult,
  UpstreamErrorCode,
  UpstreamStatus,
  UpstreamTool,
} from "./types.ts";

/** Host variables a stdio server gets (besides its configured `env`): what programs need to run, no secrets. */
export const UPSTREAM_ENV_ALLOWLIST: readonly string[] = [
  "PATH",
  "HOME",
  "LANG",
  "LC_ALL",
  "LC_CTYPE",
  "TERM",
  "TZ",
  "TMPDIR",
  "USER",
  "LOGNAME",
  "SHELL",
];

/**
 * The environment of a stdio server: the allowlisted host variables, then the config's `env`. An API key in the
 * host's environment reaches a server only when its config names it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { upstreamEnv } from "./connection.ts";
 * const env = upstreamEnv({ PATH: "/usr/bin", OPENAI_API_KEY: "sk-…" }, { MEMORY_FILE_PATH: "/tmp/m.json" });
 * assert.deepEqual(env, { PATH: "/usr/bin", MEMORY_FILE_PATH: "/tmp/m.json" });
 * ```
 */
export function upstreamEnv(
  host: Record<string, string | undefined>,
  configured: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of UPSTREAM_ENV_ALLOWLIST) {
    const v = host[key];
    if (v !== undefined && !v.startsWith("()")) env[key] = v; // not a shell function (Shellshock-style)
  }
  return Object.assign(env, configured);
}

/** What a connection needs from its manager. */
export interface ConnectionContext {
  /** Starts stdio servers (required for them). */
  spawn?: UpstreamSpawner;
  /** The callbacks. */
  hooks: GatewayHooks;
  /** Elicitation modes to declare at start. */
  elicitation: () => ReadonlyArray<"form" | "url">;
  /** How the gateway introduces itself. */
  clientInfo: { name: string; version: string };
  /** The host environment. */
  hostEnv: Record<string, string | undefined>;
  /** Working directory of stdio servers without `cwd`. */
  defaultCwd: string;
  /** The caps. */
  limits: GatewayLimits;
  /** The logging level the client asked for, if any. */
  loggingLevel: () => LoggingLevel | undefined;
  /** The fetch for HTTP servers. */
  fetch?: (url: string | URL, init?: RequestInit) => Promise<Response>;
}

interface Live {
  client: Client;
  transport: Transport;
  generation: number;
  /** Why the connection broke, once it did. */
  deathReason: string | null;
}

interface InFlight {
  tool: string;
  onElicit: ElicitHandler | undefined;
  pause(): void;
  resume(): void;
}

const MAX_WARNINGS_PER_LISTING = 10;
const MAX_PROTOCOL_WARNINGS = 20;
// setTimeout's largest delay; the connection keeps its own timers (which pause during elicitation).
const SDK_BACKSTOP_MS = 2 ** 31 - 1;

/**
 * One upstream server. The {@linkcode UpstreamManager} owns one per configured server; it is exported for tests and
 * for integrators that drive a single server.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { currentRuntime } from "../runtime/mod.ts";
 * import { parseServers } from "./config.ts";
 * import { UpstreamConnection } from "./connection.ts";
 * import { runtimeSpawner } from "./stdio_transport.ts";
 * import { DEFAULT_LIMITS } from "./types.ts";
 * const { broken } = parseServers({ broken: { command: ["sh", "-c", "echo no >&2; exit 3"] } }, { baseDir: "/" });
 * const connection = new UpstreamConnection(broken!, {
 *   spawn: runtimeSpawner(await currentRuntime()), hooks: {}, elicitation: () => [],
 *   clientInfo: { name: "doc", version: "1" }, hostEnv: {}, defaultCwd: "/", limits: DEFAULT_LIMITS,
 *   loggingLevel: () => undefined,
 * });
 * const r = await connection.call("anything", {});
 * assert.equal(r.errorCode, "upstream_unavailable");
 * assert.match(r.error!, /exited with code 3 \(stderr: no\)/);
 * await connection.close();
 * ```
 */
export class UpstreamConnection {
  /** The server's config. */
  readonly config: UpstreamServerConfig;
  readonly #ctx: ConnectionContext;
  #live: Live | null = null;
  #starting: Promise<Live> | null = null;
  #generation = 0;
  #starts = 0;
  #closed = false;
  #lastError: string | null = null;
  #tools: Map<string, UpstreamTool> | null = null; // by gateway name
  #toolsVersion = 0; // bumped by list_changed and by restarts
  #listedVersion = -1;
  #listing: Promise<Map<string, UpstreamTool>> | null = null;
  #refreshQueued = false;
  #protocolWarnings = 0;
  #logWindowStart = -Infinity;
  #logsInWindow = 0;
  #logsDropped = 0;
  readonly #inFlight = new Set<InFlight>();

  /** Make the connection (nothing starts until the first listing or call). */
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
    const t = this.#live?.transport;
    return {
      server: this.name,
      transport: this.config.transport,
      state: this.#closed ? "closed" : this.#live ? "ready" : this.#starting ? "starting" : "idle",
      pid: t instanceof ProcessTransport ? t.pid : null,
      starts: this.#starts,
      tools: this.#tools?.size ?? null,
      lastError: this.#lastError,
    };
  }

  /**
   * The server's tools by gateway name: cached, and listed again (starting the server if need be) after
   * `tools/list_changed` or a restart. Throws `UpstreamUnavailableError` when the server cannot be reached.
   */
  tools(): Promise<Map<string, UpstreamTool>> {
    if (this.#tools !== null && this.#listedVersion === this.#toolsVersion) return Promise.resolve(this.#tools);
    this.#listing ??= this.#list().finally(() => (this.#listing = null));
    return this.#listing;
  }

  /** Set the level of the log messages the server sends (when it supports logging); kept for later starts. */
  async setLoggingLevel(level: LoggingLevel): Promise<void> {
    const live = this.#live;
    if (live && live.client.getServerCapabilities()?.logging) await live.client.setLoggingLevel(level);
  }

  /**
   * Call tool `tool` (its name on the server) with `args`. Never throws: the result record says what happened.
   */
  async call(
    tool: string,
    args: Record<string, unknown>,
    options: UpstreamCallOptions = {},
  ): Promise<UpstreamCallResult> {
    const t0 = performance.now();
    const done = (
      ok: boolean,
      result: CallToolResult | null,
      errorCode: UpstreamErrorCode | null,
      error: string | null,
    ): UpstreamCallResult => ({
      ok,
      result,
      errorCode,
      error,
      server: this.name,
      upstreamName: tool,
      durationMs: Math.round((performance.now() - t0) * 1000) / 1000,
    });
    const label = `${this.name}__${tool}`;
    if (options.signal?.aborted) return done(false, null, "cancelled", `${label} was cancelled before it was sent`);
    let live: Live;
    try {
      live = await this.#ensureStarted();
    } catch (err) {
      return done(false, null, "upstream_unavailable", messageOf(err));
    }
    if (options.signal?.aborted) return done(false, null, "cancelled", `${label} was cancelled before it was sent`);

    const timeoutMs = options.timeoutMs ?? this.#timeoutOf(tool);
    const controller = new AbortController();
    let why: "timeout" | "cancelled" | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let deadline = performance.now() + timeoutMs;
    let remaining = timeoutMs;
    const arm = (ms: number) => {
      deadline = performance.now() + ms;
      timer = setTimeout(() => {
        why ??= "timeout";
        controller.abort(new Error(`timed out after ${timeoutMs} ms`));
      }, ms);
    };
    const record: InFlight = {
      tool: label,
      onElicit: options.onElicit,
      pause: () => {
        if (timer === undefined) return;
        clearTimeout(timer);
        timer = undefined;
        remaining = Math.max(0, deadline - performance.now());
      },
      resume: () => {
        if (timer === undefined && why === null) arm(remaining);
      },
    };
    const onAbort = () => {
      why ??= "cancelled";
      controller.abort(options.signal?.reason ?? new Error("cancelled"));
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    arm(timeoutMs);
    this.#inFlight.add(record);
    try {
      const onProgress = options.onProgress;
      const raw = await live.client.request(
        { method: "tools/call", params: { name: tool, arguments: args } },
        ResultSchema,
        {
          signal: controller.signal,
          timeout: SDK_BACKSTOP_MS,
          ...(onProgress
            ? {
              onprogress: (p: { progress: number; total?: number | undefined; message?: string | undefined }) => {
                try {
                  onProgress({
                    progress: p.progress,
                    ...(p.total !== undefined ? { total: p.total } : {}),
                    ...(p.message !== undefined ? { message: p.message } : {}),
                  });
                } catch {
                  // a failing progress callback must not fail the call
                }
              },
            }
            : {}),
        },
      );
      const checked = CallToolResultSchema.safeParse(raw);
      if (!checked.success) {
        return done(
          false,
          null,
          "upstream_error",
          `${label} returned a malformed result (${firstIssue(checked.error)}); it is not passed on`,
        );
      }
      // The result exactly as it came (the SDK's parse above only checked it).
      const result = raw as CallToolResult;
      if (result.isError === true) {
        return done(false, result, "upstream_error", `${label} reported an error: ${textOf(result)}`);
      }
      return done(true, result, null, null);
    } catch (err) {
      if (why === "timeout") {
        return done(false, null, "timeout", `${label} did not answer within ${timeoutMs} ms (cancelled upstream)`);
      }
      if (why === "cancelled") return done(false, null, "cancelled", `${label} was cancelled (cancelled upstream)`);
      if (live.deathReason !== null) {
        return done(false, null, "upstream_unavailable", `server "${this.name}" ${live.deathReason} during ${label}`);
      }
      if (err instanceof McpError) {
        if (err.code === ErrorCode.ConnectionClosed) {
          return done(
            false,
            null,
            "upstream_unavailable",
            `server "${this.name}" closed the connection during ${label}`,
          );
        }
        if (err.code === ErrorCode.RequestTimeout) {
          return done(false, null, "timeout", `${label} did not answer in time (cancelled upstream)`);
        }
        if (err.code === ErrorCode.InvalidParams) {
          return done(
            false,
            null,
            "invalid_args",
            `${label} refused the arguments: ${cut(oneLine(err.message), 1000)}`,
          );
        }
        return done(false, null, "upstream_error", `${label} failed: ${cut(oneLine(err.message), 1000)}`);
      }
      if (isZodError(err)) {
        return done(false, null, "upstream_error", `${label} returned a malformed result (${firstIssue(err)})`);
      }
      // A transport failure (a broken pipe; HTTP: connection refused, session gone, a status error): start afresh
      // next time.
      const t = live.transport;
      const exited = t instanceof ProcessTransport ? t.failure ?? await t.exitReason(200) : null;
      const reason = exited ?? `could not be reached (${cut(oneLine(messageOf(err)), 300)})`;
      this.#kill(live, reason);
      return done(false, null, "upstream_unavailable", `server "${this.name}" ${reason} during ${label}`);
    } finally {
      clearTimeout(timer);
      timer = undefined;
      options.signal?.removeEventListener("abort", onAbort);
      this.#inFlight.delete(record);
    }
  }

  /** Stop the server for good (calls in flight fail with `upstream_unavailable`). */
  async close(): Promise<void> {
    this.#closed = true;
    const starting = this.#starting;
    if (starting) await starting.catch(() => {});
    const live = this.#live;
    if (live) {
      live.deathReason ??= "was stopped (safe-exec is shutting down)";
      this.#live = null;
      if ("terminateSession" in live.transport && live.transport.sessionId !== undefined) {
        // Streamable HTTP: end the session on the server (best effort, briefly).
        const t = live.transport as { terminateSession(): Promise<void> };
        await within(t.terminateSession(), 1000);
      }
      await live.client.close().catch(() => {});
    }
  }

  // -------------------------------------------------------------------------------------------------------------

  #timeoutOf(tool: string): number {
    const own = Object.hasOwn(this.config.tools, tool) ? this.config.tools[tool]?.timeoutMs : undefined;
    return own ?? this.config.timeoutMs;
  }

  #warn(message: string): void {
    try {
      this.#ctx.hooks.onWarning?.({ server: this.name, message });
    } catch {
      // a failing callback must not break the connection
    }
  }

  /** At most `maxLogsPerSecond` log messages a second pass on; the rest are counted and reported once a second. */
  #logAllowed(): boolean {
    const now = performance.now();
    if (now - this.#logWindowStart >= 1000) {
      if (this.#logsDropped > 0) {
        this.#warn(`server "${this.name}" sent too many log messages; ${this.#logsDropped} were dropped`);
      }
      this.#logWindowStart = now;
      this.#logsInWindow = 0;
      this.#logsDropped = 0;
    }
    if (this.#logsInWindow < this.#ctx.limits.maxLogsPerSecond) {
      this.#logsInWindow++;
      return true;
    }
    this.#logsDropped++;
    return false;
  }

  #ensureStarted(): Promise<Live> {
    if (this.#closed) return Promise.reject(new UpstreamUnavailableError(`server "${this.name}" is shut down`));
    if (this.#live) return Promise.resolve(this.#live);
    this.#starting ??= this.#start().finally(() => (this.#starting = null));
    return this.#starting;
  }

  async #start(): Promise<Live> {
    const generation = ++this.#generation;
    this.#starts++;
    const limits = this.#ctx.limits;
    let violation: string | null = null;
    let transport: Transport;
    let live: Live | null = null;
    const onViolation = (message: string) => {
      violation = message;
      if (live) this.#kill(live, message);
    };
    try {
      transport = this.#makeTransport(onViolation);
    } catch (err) {
      this.#lastError = messageOf(err);
      throw new UpstreamUnavailableError(`server "${this.name}" cannot be started: ${messageOf(err)}`, err);
    }
    const modes = this.#ctx.elicitation();
    const elicitation: Record<string, object> = {};
    for (const m of modes) elicitation[m] = {};
    const client = new Client(this.#ctx.clientInfo, {
      capabilities: modes.length > 0 ? { elicitation } : {},
    });
    live = { client, transport, generation, deathReason: null };
    const current = live;
    client.onclose = () => this.#onClosed(current);
    client.onerror = (err) => {
      if (++this.#protocolWarnings <= MAX_PROTOCOL_WARNINGS) {
        this.#warn(`protocol error from server "${this.name}": ${cut(messageOf(err), 300)}`);
      }
    };
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      if (!this.#logAllowed()) return;
      const p = n.params;
      try {
        this.#ctx.hooks.onLog?.({
          server: this.name,
          level: p.level,
          ...(p.logger !== undefined ? { logger: p.logger } : {}),
          data: p.data,
        });
      } catch {
        // a failing callback must not break the connection
      }
    });
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => this.#onListChanged());
    if (modes.length > 0) {
      client.setRequestHandler(ElicitRequestSchema, (request, extra) => this.#elicit(request.params, extra.signal));
    }
    try {
      await client.connect(transport, { timeout: limits.startupTimeoutMs });
    } catch (err) {
      const timedOut = err instanceof McpError && err.code === ErrorCode.RequestTimeout;
      // The SDK closes the transport when initialize fails; the exit status (if the server died) says more.
      const exited = transport instanceof ProcessTransport && !timedOut
        ? transport.failure ?? await transport.exitReason(500)
        : null;
      const reason = violation ?? exited ?? null;
      await client.close().catch(() => {});
      await transport.close().catch(() => {});
      const why = reason ??
        (timedOut
          ? `did not answer initialize within ${limits.startupTimeoutMs} ms`
          : isZodError(err)
          ? `answered initialize with an invalid result (${firstIssue(err)})`
          : `failed to initialize (${cut(oneLine(messageOf(err)), 500)})`);
      const detail = transport instanceof ProcessTransport && reason === null ? stderrNote(transport.stderrTail) : "";
      this.#lastError = `${why}${detail}`;
      throw new UpstreamUnavailableError(`server "${this.name}" ${why} before it was ready${detail}`, err);
    }
    if (generation !== this.#generation || this.#closed) {
      await client.close().catch(() => {});
      throw new UpstreamUnavailableError(`server "${this.name}" was stopped while it started`);
    }
    this.#live = live;
    this.#toolsVersion++; // a (re)started server may list other tools
    const level = this.#ctx.loggingLevel();
    if (level !== undefined && client.getServerCapabilities()?.logging) {
      client.setLoggingLevel(level).catch((err) => this.#warn(`could not set the logging level: ${messageOf(err)}`));
    }
    return live;
  }

  #makeTransport(onViolation: (message: string) => void): Transport {
    const config = this.config;
    const limits = this.#ctx.limits;
    if (config.transport === "http") {
      return httpTransport(config, {
        maxMessageBytes: limits.maxMessageBytes,
        onViolation,
        ...(this.#ctx.fetch ? { fetch: this.#ctx.fetch } : {}),
      });
    }
    const spawn = this.#ctx.spawn;
    if (spawn === undefined) throw new Error("no spawner was given for stdio servers");
    const request = {
      server: config.name,
      argv: [...config.argv],
      cwd: config.cwd ?? this.#ctx.defaultCwd,
      env: upstreamEnv(this.#ctx.hostEnv, config.env),
      sandbox: config.sandbox,
      network: config.network,
    };
    const hooks = this.#ctx.hooks;
    return new ProcessTransport(() => spawn(request), {
      server: config.name,
      maxMessageBytes: limits.maxMessageBytes,
      maxInvalidLines: limits.maxInvalidLines,
      stderrTailBytes: limits.stderrTailBytes,
      killGraceMs: limits.killGraceMs,
      onWarning: (m) => this.#warn(m),
      ...(hooks.onStderr ? { onStderr: (line: string) => hooks.onStderr?.(config.name, line) } : {}),
    });
  }

  #onClosed(live: Live): void {
    live.deathReason ??= transportReason(live.transport) ?? "closed the connection";
    if (this.#live !== live) return;
    this.#live = null;
    this.#lastError = live.deathReason;
    if (!this.#closed) this.#warn(`server "${this.name}" ${live.deathReason}; it is started again on the next call`);
  }

  #kill(live: Live, reason: string): void {
    live.deathReason ??= reason;
    void live.client.close().catch(() => {});
  }

  #onListChanged(): void {
    this.#toolsVersion++;
    if (this.#refreshQueued) return;
    this.#refreshQueued = true;
    queueMicrotask(async () => {
      this.#refreshQueued = false;
      try {
        await this.tools();
      } catch (err) {
        this.#warn(`could not list the tools again after tools/list_changed: ${messageOf(err)}`);
      }
      try {
        this.#ctx.hooks.onToolsChanged?.(this.name);
      } catch {
        // a failing callback must not break the connection
      }
    });
  }

  async #elicit(params: ElicitRequestParams, signal: AbortSignal): Promise<ElicitResult> {
    const flights = [...this.#inFlight];
    const own = flights.filter((f) => f.onElicit !== undefined);
    const handler = own.length === 1 ? own[0]!.onElicit : this.#ctx.hooks.onElicit;
    if (handler === undefined) return { action: "decline" };
    // The person's time to answer does not count against the calls' timeouts.
    for (const f of flights) f.pause();
    try {
      return await handler({ server: this.name, params, signal, calls: flights.map((f) => f.tool) });
    } finally {
      for (const f of flights) f.resume();
    }
  }

  async #list(): Promise<Map<string, UpstreamTool>> {
    const live = await this.#ensureStarted();
    // After the start (which bumps the version): a list_changed from now on makes the next tools() list again.
    const version = this.#toolsVersion;
    const limits = this.#ctx.limits;
    const tools = new Map<string, UpstreamTool>();
    const upstreamNames = new Set<string>();
    const seenCursors = new Set<string>();
    const problems: string[] = [];
    let leftOut = 0;
    let overflow = 0;
    let cursor: string | undefined;
    let pages = 0;
    if (!live.client.getServerCapabilities()?.tools) {
      this.#tools = tools;
      this.#listedVersion = version;
      return tools;
    }
    try {
      do {
        if (pages >= limits.maxListPages) {
          problems.push(`listed ${pages} pages of tools (the cap); later pages are left out`);
          break;
        }
        const page = await live.client.request(
          { method: "tools/list", params: cursor === undefined ? {} : { cursor } },
          PaginatedResultSchema,
          { timeout: limits.listTimeoutMs },
        );
        pages++;
        const list = (page as { tools?: unknown }).tools;
        if (!Array.isArray(list)) throw new Error(`its tools/list result has no "tools" array`);
        for (const entry of list) {
          if (tools.size >= limits.maxToolsPerServer) {
            overflow++;
            continue;
          }
          const problem = this.#admit(entry, tools, upstreamNames);
          if (problem !== null) {
            leftOut++;
            if (problems.length < MAX_WARNINGS_PER_LISTING) problems.push(problem);
          }
        }
        cursor = page.nextCursor;
        if (cursor !== undefined) {
          if (seenCursors.has(cursor)) {
            problems.push(`sent the tools/list cursor ${cut(JSON.stringify(cursor), 60)} twice; listing stopped there`);
            break;
          }
          seenCursors.add(cursor);
        }
      } while (cursor !== undefined && tools.size < limits.maxToolsPerServer);
    } catch (err) {
      const reason = live.deathReason;
      throw new UpstreamUnavailableError(
        `server "${this.name}" could not list its tools: ${reason ?? cut(oneLine(messageOf(err)), 500)}`,
        err,
      );
    }
    if (overflow > 0 || (cursor !== undefined && tools.size >= limits.maxToolsPerServer)) {
      problems.unshift(
        `lists more than ${limits.maxToolsPerServer} tools (the cap per server); only the first ` +
          `${limits.maxToolsPerServer} are offered`,
      );
    }
    if (leftOut > MAX_WARNINGS_PER_LISTING) {
      problems.push(`${leftOut - MAX_WARNINGS_PER_LISTING} more tools were left out for the same kinds of reasons`);
    }
    for (const configured of Object.keys(this.config.tools)) {
      if (!upstreamNames.has(configured) && this.config.tools[configured]?.enabled !== false) {
        problems.push(
          `"servers.${this.name}.tools.${configured}" is configured, but the server offers no tool "${configured}"`,
        );
      }
    }
    for (const p of problems) this.#warn(`server "${this.name}" ${p}`);
    this.#tools = tools;
    this.#listedVersion = version;
    return tools;
  }

  /** Add one `tools/list` entry, or say why it is left out. */
  #admit(entry: unknown, tools: Map<string, UpstreamTool>, upstreamNames: Set<string>): string | null {
    const rawName = typeof entry === "object" && entry !== null ? (entry as { name?: unknown }).name : undefined;
    const shown = typeof rawName === "string" ? JSON.stringify(cut(rawName, 80)) : "without a name";
    const parsed = ToolSchema.safeParse(entry);
    if (!parsed.success) {
      return `lists a tool ${shown} that is not a valid MCP tool (${firstIssue(parsed.error)}); left out`;
    }
    const t = parsed.data;
    if (t.name === "") return "lists a tool with an empty name; left out";
    if (upstreamNames.has(t.name)) return `lists the tool ${shown} twice; the first is kept`;
    upstreamNames.add(t.name);
    if (this.config.tools[t.name]?.enabled === false) return null;
    const name = qualifiedName(this.name, t.name);
    if (name === null) {
      return `lists the tool ${shown}, but "${this.name}__${cut(t.name, 80)}" is not a valid tool name ` +
        `(${TOOL_NAME_PATTERN.source}); left out`;
    }
    if (t.execution?.taskSupport === "required") {
      return `lists the tool ${shown}, which can only run as a task (not supported by the gateway); left out`;
    }
    const size = JSON.stringify(t).length;
    if (size > this.#ctx.limits.maxToolDefinitionChars) {
      return `lists the tool ${shown} with a definition of ${size} characters (the cap is ` +
        `${this.#ctx.limits.maxToolDefinitionChars}); left out`;
    }
    const { risk, source } = upstreamRisk(this.config, t.name, t.annotations);
    const tool: UpstreamTool = {
      name,
      server: this.name,
      upstreamName: t.name,
      description: t.description ?? "",
      inputSchema: t.inputSchema as Record<string, unknown>,
      risk,
      riskSource: source,
      timeoutMs: this.#timeoutOf(t.name),
    };
    if (t.title !== undefined) tool.title = t.title;
    if (t.outputSchema !== undefined) tool.outputSchema = t.outputSchema as Record<string, unknown>;
    if (t.annotations !== undefined) tool.annotations = t.annotations;
    tools.set(name, tool);
    return null;
  }
}

/** A server that cannot be reached: not startable, dead, or shut down. */
export class UpstreamUnavailableError extends Error {
  /** Always `upstream_unavailable`. */
  readonly code = "upstream_unavailable";
  /** Make the error. */
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "UpstreamUnavailableError";
  }
}

function transportReason(transport: Transport): string | null {
  return transport instanceof ProcessTransport ? transport.closeReason : null;
}

function stderrNote(tail: string): string {
  const t = tail.trim();
  if (t === "") return "";
  return ` (stderr: ${(t.length > 500 ? `…${t.slice(-500)}` : t).replace(/\s*\n\s*/g, " | ")})`;
}

function textOf(result: CallToolResult): string {
  const texts = (result.content ?? []).flatMap((c) => (c.type === "text" ? [c.text] : []));
  return texts.length > 0 ? cut(texts.join(" "), 1000) : "no text given";
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, " ");
}

function cut(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

function isZodError(err: unknown): err is { issues: unknown[] } {
  return typeof err === "object" && err !== null && Array.isArray((err as { issues?: unknown }).issues);
}

function firstIssue(err: unknown): string {
  const issues = isZodError(err) ? err.issues : [];
  const first = issues[0] as { path?: unknown[]; message?: string } | undefined;
  if (!first) return cut(messageOf(err), 200);
  const where = Array.isArray(first.path) && first.path.length > 0 ? first.path.join(".") + ": " : "";
  return cut(`${where}${first.message ?? "invalid"}`, 200);
}
