/**
 * The vocabulary of the MCP gateway's upstream side: the tools it lists, the record of a call, the callbacks
 * through which progress, logging, elicitation and cancellation pass between the upstream servers and whoever
 * drives the gateway (the MCP session, the JSON-lines server), and the caps that bound what a server may send.
 *
 * @module
 */
// The SDK's "./*" export maps types to "*.d.ts", so "x.js" finds no types under deno check; point at them.
// @ts-types="@modelcontextprotocol/sdk/types"
import type * as Sdk from "@modelcontextprotocol/sdk/types.js";
// @ts-types="@modelcontextprotocol/sdk/shared/transport"
import type { Transport as SdkTransport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { Risk } from "../types.ts";
import type { RiskSource } from "./risk.ts";

/** The result of an MCP `tools/call` (the SDK's type): content, `structuredContent`, `isError`, `_meta`. */
export type CallToolResult = Sdk.CallToolResult;
/** The params of an MCP `elicitation/create` request (the SDK's type): a form or a URL to open. */
export type ElicitRequestParams = Sdk.ElicitRequestParams;
/** The answer to an elicitation (the SDK's type): accept with content, decline, or cancel. */
export type ElicitResult = Sdk.ElicitResult;
/** An MCP logging level (the SDK's type): `debug` to `emergency`. */
export type LoggingLevel = Sdk.LoggingLevel;
/** MCP tool annotations (the SDK's type): hints such as `readOnlyHint` and `destructiveHint`. */
export type ToolAnnotations = Sdk.ToolAnnotations;
/** One JSON-RPC message (the SDK's type): a request, a notification or a response. */
export type JSONRPCMessage = Sdk.JSONRPCMessage;
/** An MCP client transport (the SDK's interface): what the SDK's `Client` speaks through. */
export type Transport = SdkTransport;

/**
 * Why an upstream call did not succeed. `upstream_unavailable` (the server could not be started, or died or broke
 * the protocol during the call), `timeout` and `cancelled` are SPEC §3 codes; `upstream_error` is the server's own
 * failure: an `isError` result, a JSON-RPC error answer, or a malformed result. `invalid_args` is the server
 * refusing the arguments (JSON-RPC -32602); `unknown_tool` a name the gateway does not list.
 */
export type UpstreamErrorCode =
  | "unknown_tool"
  | "invalid_args"
  | "timeout"
  | "cancelled"
  | "upstream_unavailable"
  | "upstream_error";

/** One tool of an upstream server, as the gateway lists it. */
export interface UpstreamTool {
  /** The gateway name, `<server>__<tool>`. */
  name: string;
  /** The server it comes from. */
  server: string;
  /** Its name on the server. */
  upstreamName: string;
  /** A human title, when the server gives one. */
  title?: string;
  /** What it does, for the model (empty when the server gives none). */
  description: string;
  /** JSON Schema of its arguments (`type: "object"`), as the server gave it. */
  inputSchema: Record<string, unknown>;
  /** JSON Schema of its `structuredContent`, when the server gives one. */
  outputSchema?: Record<string, unknown>;
  /** The server's hints (never trusted for security; read for the risk only when the config is silent). */
  annotations?: ToolAnnotations;
  /** Its risk (SPEC §8). */
  risk: Risk;
  /** Where the risk came from. */
  riskSource: RiskSource;
  /** Its per-call timeout, in milliseconds. */
  timeoutMs: number;
}

/** The record of one upstream call: one shape for success and failure; {@linkcode UpstreamManager.call} never throws. */
export interface UpstreamCallResult {
  /** The tool answered and did not flag an error. */
  ok: boolean;
  /**
   * The server's `tools/call` result exactly as it came (content, `structuredContent`, `isError`, `_meta`), also
   * when it flags `isError`; null when there was no valid result (unavailable, timeout, a JSON-RPC error).
   */
  result: CallToolResult | null;
  /** Why not ok, or null. Every non-null code is an error the gate counts. */
  errorCode: UpstreamErrorCode | null;
  /** A human-readable reason when not ok, or null. */
  error: string | null;
  /** The server. */
  server: string;
  /** The tool's name on the server (null for an unknown tool without a server). */
  upstreamName: string | null;
  /** Wall time of the call, in milliseconds. */
  durationMs: number;
}

/** A progress update of an upstream call (`notifications/progress`). */
export interface UpstreamProgress {
  /** Progress so far; increases with each update. */
  progress: number;
  /** The total, when the server knows it. */
  total?: number;
  /** A human-readable message, when the server sends one. */
  message?: string;
}

/** An upstream server asks the person for input (`elicitation/create`). */
export interface UpstreamElicitation {
  /** The server that asks. */
  server: string;
  /** The request's params as the server sent them (message, requestedSchema or url, mode). */
  params: ElicitRequestParams;
  /** Aborted when the server cancels the request or the connection closes. */
  signal: AbortSignal;
  /** The gateway names of the calls in flight on that server (usually the one that asked). */
  calls: string[];
}

/** Answers an elicitation; resolve to the person's answer (accept with content, decline, or cancel). */
export type ElicitHandler = (request: UpstreamElicitation) => Promise<ElicitResult>;

/** A log message of an upstream server (`notifications/message`). */
export interface UpstreamLog {
  /** The server. */
  server: string;
  /** Its level. */
  level: LoggingLevel;
  /** The logger's name, when given. */
  logger?: string;
  /** The message (any JSON). */
  data: unknown;
}

/** Callbacks the integrator supplies for everything upstream servers send outside a call's result. */
export interface GatewayHooks {
  /** An upstream log message (`notifications/message`), to pass on to the client. */
  onLog?: (log: UpstreamLog) => void;
  /**
   * An upstream elicitation. Routed to the call's own `onElicit` when exactly one call with one is in flight on
   * that server, else here; with neither, it is declined. Giving this (or {@linkcode GatewayOptions.elicitation})
   * is what makes the gateway declare the elicitation capability to upstream servers.
   */
  onElicit?: ElicitHandler;
  /** A server's tool list changed (`notifications/tools/list_changed`); the gateway has refreshed it already. */
  onToolsChanged?: (server: string) => void;
  /** Something the operator should know: a tool left out, an ignored line, a restart. Not for the model. */
  onWarning?: (warning: { server: string; message: string }) => void;
  /** A line the server wrote to its stderr (cut at 4 KiB). */
  onStderr?: (server: string, line: string) => void;
}

/** Options of one call. */
export interface UpstreamCallOptions {
  /** Aborting it cancels the call: `notifications/cancelled` goes upstream, and the result is `cancelled`. */
  signal?: AbortSignal;
  /** Progress of this call; giving it asks the server for progress (a `progressToken`). */
  onProgress?: (progress: UpstreamProgress) => void;
  /** An elicitation the server sends while this call is its only one in flight. */
  onElicit?: ElicitHandler;
  /** Override the tool's configured timeout, in milliseconds. Time spent waiting on an elicitation is not counted. */
  timeoutMs?: number;
  /**
   * The result the moment the answer is read (before the call's promise settles), when it is a plain result that is
   * returned unchanged and the server is not sandboxed (see `CallChannel.answer` in gate/tool.ts).
   */
  onResult?: (result: CallToolResult) => void;
}

/** The caps that bound what an upstream server can cost the gateway. */
export interface GatewayLimits {
  /** Longest message from a server (a stdio line, an HTTP body or one server-sent event), in bytes. */
  maxMessageBytes: number;
  /** Most tools listed per server; the rest are left out with a warning. */
  maxToolsPerServer: number;
  /** Most `tools/list` pages read per listing. */
  maxListPages: number;
  /** Largest tool definition (name, description, schemas, annotations as JSON), in characters. */
  maxToolDefinitionChars: number;
  /** How long a server may take to start and answer `initialize`, in milliseconds. */
  startupTimeoutMs: number;
  /** How long one `tools/list` page may take, in milliseconds. */
  listTimeoutMs: number;
  /** Lines in a row on stdout that are not JSON-RPC messages before the connection is closed. */
  maxInvalidLines: number;
  /** How much of the end of a server's stderr is kept for error messages, in bytes. */
  stderrTailBytes: number;
  /** Time between SIGTERM and SIGKILL when a server is stopped, in milliseconds. */
  killGraceMs: number;
  /** Log messages per second and server passed to `onLog`; the rest are dropped (and counted in a warning). */
  maxLogsPerSecond: number;
}

/**
 * The default caps. 16 MiB per message is above the built-in read_file's 10 MiB output (with JSON escaping), 1,000
 * tools per server is far above any real server (OpenAI accepts 128 tools per request) and bounds what a hostile one
 * costs, 64 Ki characters per tool definition is about twenty times the largest real schemas, and 50 log messages a
 * second per server is more than a person reads (a flood would otherwise flood the client too).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_LIMITS } from "./types.ts";
 * assert.equal(DEFAULT_LIMITS.maxToolsPerServer, 1000);
 * assert.equal(DEFAULT_LIMITS.maxMessageBytes, 16 * 1024 * 1024);
 * ```
 */
export const DEFAULT_LIMITS: Readonly<GatewayLimits> = Object.freeze({
  maxMessageBytes: 16 * 1024 * 1024,
  maxToolsPerServer: 1000,
  maxListPages: 100,
  maxToolDefinitionChars: 64 * 1024,
  startupTimeoutMs: 30_000,
  listTimeoutMs: 30_000,
  maxInvalidLines: 1000,
  stderrTailBytes: 4096,
  killGraceMs: 2000,
  maxLogsPerSecond: 50,
});

/** What one server is doing, for `info` and `doctor`. */
export interface UpstreamStatus {
  /** The server's name. */
  server: string;
  /** "stdio" or "http". */
  transport: "stdio" | "http";
  /** A stdio server configured with `"sandbox": true` (it runs in the process sandbox, or not at all). */
  sandbox: boolean;
  /** "idle" (not started, or stopped and to be restarted on the next call), "starting" or "ready". */
  state: "idle" | "starting" | "ready" | "closed";
  /** The pid of a running stdio server, else null. */
  pid: number | null;
  /** How many times it was started. */
  starts: number;
  /** Tools it lists (after the caps and name checks), or null before the first listing. */
  tools: number | null;
  /** Why it last stopped or failed to start, or null. */
  lastError: string | null;
}

/** Options of an {@linkcode UpstreamManager}. */
export interface GatewayOptions {
  /** The callbacks. */
  hooks?: GatewayHooks;
  /**
   * Elicitation modes to declare to upstream servers, asked at each start (so it can follow what the client
   * declared). Default: `["form"]` when `hooks.onElicit` is given, else none.
   */
  elicitation?: () => ReadonlyArray<"form" | "url">;
  /** How the gateway introduces itself to upstream servers. */
  clientInfo?: { name: string; version: string };
  /** The host environment, from which a few variables pass to stdio servers (default: `process.env`). */
  hostEnv?: Record<string, string | undefined>;
  /** Working directory of stdio servers without `cwd` (default: the current directory). */
  defaultCwd?: string;
  /** Caps (defaults: {@linkcode DEFAULT_LIMITS}). */
  limits?: Partial<GatewayLimits>;
  /** The fetch for HTTP servers (default: the global fetch). */
  fetch?: (url: string | URL, init?: RequestInit) => Promise<Response>;
}
