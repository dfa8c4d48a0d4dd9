/**
 * One upstream MCP server behind the gateway: started lazily (on its first listing or call) through the official
 * SDK's `Client`, its tools listed (_listing.ts) and cached until `tools/list_changed`, its calls forwarded with a
 * timeout, cancellation, progress and elicitation, and restarted on the next call after it died.
 *
 * Calls in flight when the server dies (or breaks the protocol: an oversized message, a flood of garbage) fail with
 * `upstream_unavailable` and the reason (`exited with code 1 (stderr: …)`); the next call starts it again.
 *
 * @module
 */
// The SDK's "./*" export maps types to "*.d.ts", so "x.js" finds no types under deno check; point at them.
// @ts-types="@modelcontextprotocol/sdk/client"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/types"
import {
  ElicitRequestSchema,
  LoggingMessageNotificationSchema,
  ToolListChangedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { progressTo, quietly } from "./_callbacks.ts";
import { CallChannel } from "./_call_channel.ts";
import { isPlainToolResult } from "./_fast_shapes.ts";
import { answerOutcome, errorOutcome, failed, type Outcome, unreachable } from "./_call_outcome.ts";
import { exitDuringCall, makeTransport, startFailure, type TransportContext, transportReason } from "./_connect.ts";
import { InFlightCall } from "./_in_flight.ts";
import { listTools, toolTimeout } from "./_listing.ts";
import { labelElicitation } from "./elicit_label.ts";
import { RiskPins } from "./risk.ts";
import { LogLimiter } from "./_log_limiter.ts";
import { cut, messageOf, oneLine } from "./_text.ts";
import { elapsedMs, within } from "./_time.ts";
import type { UpstreamServerConfig } from "./config.ts";
import { UpstreamUnavailableError } from "./errors.ts";
import { ProcessTransport } from "./stdio_transport.ts";
import type {
  CallToolResult,
  ElicitRequestParams,
  ElicitResult,
  LoggingLevel,
  Transport,
  UpstreamCallOptions,
  UpstreamCallResult,
  UpstreamStatus,
  UpstreamTool,
} from "./types.ts";

/** What a connection needs from its manager. */
export interface ConnectionContext extends TransportContext {
  /** Elicitation modes to declare at start. */
  elicitation: () => ReadonlyArray<"form" | "url">;
  /** How the gateway introduces itself. */
  clientInfo: { name: string; version: string };
  /** The logging level the client asked for, if any. */
  loggingLevel: () => LoggingLevel | undefined;
}

interface Live {
  client: Client;
  transport: Transport;
  /** The calls, sent beside the client (set once it is connected). */
  calls: CallChannel | null;
  generation: number;
  /** Why the connection broke, once it did. */
  deathReason: string | null;
}

const MAX_PROTOCOL_WARNINGS = 20;

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
 * import { runtimeSpawner } from "./spawner.ts";
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
  readonly #pins = new RiskPins(); // risks from annotations only rise, over every listing and restart
  #toolsVersion = 0; // bumped by list_changed and by restarts
  #listedVersion = -1;
  #listing: Promise<Map<string, UpstreamTool>> | null = null;
  #refreshQueued = false;
  #protocolWarnings = 0;
  readonly #logs: LogLimiter;
  readonly #inFlight = new Set<InFlightCall>();

  /** Make the connection (nothing starts until the first listing or call). */
  constructor(config: UpstreamServerConfig, context: ConnectionContext) {
    this.config = config;
    this.#ctx = context;
    this.#logs = new LogLimiter(context.limits.maxLogsPerSecond, (dropped) => {
      this.#warn(`server "${this.name}" sent too many log messages; ${dropped} were dropped`);
    });
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
      sandbox: this.config.transport === "stdio" && this.config.sandbox,
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

  /** The tools {@linkcode UpstreamConnection.tools} would give at once (listed and current), else null. */
  knownTools(): Map<string, UpstreamTool> | null {
    return this.#tools !== null && this.#listedVersion === this.#toolsVersion ? this.#tools : null;
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
    const done = (outcome: Outcome): UpstreamCallResult => ({
      ...outcome,
      server: this.name,
      upstreamName: tool,
      durationMs: elapsedMs(t0),
    });
    const label = `${this.name}__${tool}`;
    const early = () => done(failed("cancelled", `${label} was cancelled before it was sent`));
    if (options.signal?.aborted) return early();
    let live: Live;
    try {
      live = await this.#current();
    } catch (err) {
      return done(failed("upstream_unavailable", messageOf(err)));
    }
    if (options.signal?.aborted) return early();

    const timeoutMs = options.timeoutMs ?? toolTimeout(this.config, tool);
    const since = Date.now();
    const call = new InFlightCall(label, timeoutMs, options);
    call.start();
    this.#inFlight.add(call);
    try {
      const params = { name: tool, arguments: args };
      const onProgress = options.onProgress ? progressTo(options.onProgress) : undefined;
      const onResult = _earlyResult(options.onResult, live.transport);
      const raw = await live.calls!.call(params, {
        signal: call.signal,
        ...(onProgress ? { onProgress } : {}),
        ...(onResult ? { onResult } : {}),
      });
      return done(answerOutcome(raw, label));
    } catch (err) {
      const f = { why: call.why, timeoutMs, label, server: this.name, deathReason: live.deathReason };
      const outcome = errorOutcome(err, f);
      if (outcome !== null) return done(outcome);
      // A transport failure (a broken pipe; HTTP: connection refused, session gone, a status error): start afresh
      // next time.
      const reason = await exitDuringCall(live.transport, 200) ?? unreachable(err);
      this.#kill(live, reason);
      return done(failed("upstream_unavailable", `server "${this.name}" ${reason} during ${label}`));
    } finally {
      call.end();
      this.#inFlight.delete(call);
      this.#afterCall(live, since);
    }
  }

  /**
   * The live connection, started (again) if need be. A server that exited after its last answer (a crash, an exit of
   * its own) or whose connection is closing (stopped by safe-exec after a walk, red team 10 J5) but has not closed
   * yet: waited for until it is closed (its exit walk run), then started again, rather than sent a call or a listing
   * it can never answer.
   */
  async #current(): Promise<Live> {
    const current = this.#live;
    if (current !== null && !this.#closed && !_isEnding(current.transport)) return current;
    if (current !== null) await this.#closeExited(current);
    return await this.#ensureStarted();
  }

  /** Close the connection of a server whose process exited, and wait until it is closed. */
  async #closeExited(live: Live): Promise<void> {
    live.deathReason ??= await exitDuringCall(live.transport, 50) ?? "exited";
    await live.client.close().catch(() => {});
    if (this.#live === live) this.#onClosed(live);
  }

  /** A sandboxed server: what its call made in the workspace is walked as after a run_bash call (red team 7, F1). */
  #afterCall(live: Live, since: number): void {
    const t = live.transport as { afterCall?: (since: number) => string[] };
    if (typeof t.afterCall !== "function") return;
    let notes: string[];
    try {
      notes = t.afterCall(since);
    } catch (e) {
      notes = [`safe-exec: the repository walk after a call of server "${this.name}" failed: ${messageOf(e)}`];
    }
    for (const n of notes) this.#warn(n);
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

  #warn(message: string): void {
    try {
      this.#ctx.hooks.onWarning?.({ server: this.name, message });
    } catch {
      // a failing callback must not break the connection
    }
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
      transport = makeTransport(this.config, this.#ctx, { onViolation, onWarning: (m) => this.#warn(m) });
    } catch (err) {
      this.#lastError = messageOf(err);
      throw new UpstreamUnavailableError(`server "${this.name}" cannot be started: ${messageOf(err)}`, err);
    }
    const client = this.#client();
    live = { client, transport, calls: null, generation, deathReason: null };
    const current = live;
    client.onclose = () => this.#onClosed(current);
    try {
      await client.connect(transport, { timeout: limits.startupTimeoutMs });
    } catch (err) {
      const { why, detail } = await startFailure(err, transport, violation, limits.startupTimeoutMs, async () => {
        await client.close().catch(() => {});
        await transport.close().catch(() => {});
      });
      this.#lastError = `${why}${detail}`;
      throw new UpstreamUnavailableError(`server "${this.name}" ${why} before it was ready${detail}`, err);
    }
    if (generation !== this.#generation || this.#closed) {
      await client.close().catch(() => {});
      throw new UpstreamUnavailableError(`server "${this.name}" was stopped while it started`);
    }
    live.calls = CallChannel.attach(transport);
    this.#live = live;
    this.#toolsVersion++; // a (re)started server may list other tools
    const level = this.#ctx.loggingLevel();
    if (level !== undefined && client.getServerCapabilities()?.logging) {
      client.setLoggingLevel(level).catch((err) => this.#warn(`could not set the logging level: ${messageOf(err)}`));
    }
    return live;
  }

  /** A client with the gateway's capabilities and the handlers of what the server sends outside a call. */
  #client(): Client {
    const modes = this.#ctx.elicitation();
    const elicitation: Record<string, object> = {};
    for (const m of modes) elicitation[m] = {};
    const client = new Client(this.#ctx.clientInfo, {
      capabilities: modes.length > 0 ? { elicitation } : {},
    });
    client.onerror = (err) => {
      if (++this.#protocolWarnings <= MAX_PROTOCOL_WARNINGS) {
        this.#warn(`protocol error from server "${this.name}": ${cut(messageOf(err), 300)}`);
      }
    };
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      if (!this.#logs.allow()) return;
      const p = n.params;
      quietly(() =>
        this.#ctx.hooks.onLog?.({
          server: this.name,
          level: p.level,
          ...(p.logger !== undefined ? { logger: p.logger } : {}),
          data: p.data,
        })
      );
    });
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => this.#onListChanged());
    if (modes.length > 0) {
      client.setRequestHandler(ElicitRequestSchema, (request, extra) => this.#elicit(request.params, extra.signal));
    }
    return client;
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
      quietly(() => this.#ctx.hooks.onToolsChanged?.(this.name));
    });
  }

  async #elicit(params: ElicitRequestParams, signal: AbortSignal): Promise<ElicitResult> {
    const flights = [...this.#inFlight];
    const own = flights.filter((f) => f.onElicit !== undefined);
    const handler = own.length === 1 ? own[0]!.onElicit : this.#ctx.hooks.onElicit;
    if (handler === undefined) return { action: "decline" };
    // The person sees whose question it is: never one that passes for safe-exec's own form (elicit_label.ts).
    const labelled = labelElicitation(this.name, params);
    // The person's time to answer does not count against the calls' timeouts.
    for (const f of flights) f.pause();
    try {
      return await handler({ server: this.name, params: labelled, signal, calls: flights.map((f) => f.tool) });
    } finally {
      for (const f of flights) f.resume();
    }
  }

  async #list(): Promise<Map<string, UpstreamTool>> {
    for (let attempt = 0;; attempt++) {
      const live = await this.#current();
      // After the start (which bumps the version): a list_changed from now on makes the next tools() list again.
      const version = this.#toolsVersion;
      let listing;
      try {
        listing = await listTools(live.client, { config: this.config, limits: this.#ctx.limits, pins: this.#pins });
      } catch (err) {
        // Stopped by safe-exec while it listed (a walk's verdict, red team 10 J5): listed again on its next start.
        if (attempt === 0 && !this.#closed && _stoppedByWalk(live.transport)) continue;
        throw new UpstreamUnavailableError(
          `server "${this.name}" could not list its tools: ${live.deathReason ?? cut(oneLine(messageOf(err)), 500)}`,
          err,
        );
      }
      for (const p of listing.problems) this.#warn(`server "${this.name}" ${p}`);
      this.#tools = listing.tools;
      this.#listedVersion = version;
      return listing.tools;
    }
  }
}

/**
 * Whether the transport's server process has exited or its connection is closing (a stdio server); HTTP servers
 * have none to watch.
 */
function _isEnding(transport: Transport): boolean {
  return transport instanceof ProcessTransport && (transport.exited || transport.ending);
}

/** Whether a stdio server was stopped by safe-exec on a walk's verdict (`ProcessTransport.afterCall`). */
function _stoppedByWalk(transport: Transport): boolean {
  return transport instanceof ProcessTransport && transport.stoppedByWalk;
}

/**
 * The early-result hook of a call: a plain result (returned unchanged, see `answerOutcome`) of a server whose transport
 * says it walks nothing after its calls (a stdio server that is not sandboxed) goes to `onResult` as it is read;
 * anything else waits for the call.
 */
function _earlyResult(
  onResult: ((result: CallToolResult) => void) | undefined,
  transport: unknown,
): ((raw: unknown) => void) | undefined {
  if (onResult === undefined) return undefined;
  if ((transport as { walksAfterCalls?: unknown }).walksAfterCalls !== false) return undefined;
  return (raw) => {
    if (isPlainToolResult(raw)) onResult(raw as CallToolResult);
  };
}
