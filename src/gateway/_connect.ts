/**
 * Private helper of connection.ts: the transport a server's config asks for (stdio through the spawner, or
 * Streamable HTTP through the bounded fetch), and why a start failed, in the words the error message uses.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { makeTransport } from "./_connect.ts";
 * import { parseServers } from "./config.ts";
 * import { DEFAULT_LIMITS } from "./types.ts";
 * const { fs } = parseServers({ fs: { command: ["x"] } }, { baseDir: "/" });
 * const ctx = { hooks: {}, hostEnv: {}, defaultCwd: "/", limits: DEFAULT_LIMITS };
 * assert.throws(() => makeTransport(fs!, ctx, { onViolation: () => {}, onWarning: () => {} }), /no spawner/);
 * ```
 *
 * @module
 */
// The SDK's "./*" export maps types to "*.d.ts", so "x.js" finds no types under deno check; point at them.
// @ts-types="@modelcontextprotocol/sdk/types"
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { cut, firstIssue, isZodError, messageOf, oneLine, stderrNote } from "./_text.ts";
import type { UpstreamServerConfig } from "./config.ts";
import { upstreamEnv } from "./env.ts";
import { httpTransport } from "./http_transport.ts";
import type { UpstreamSpawner } from "./spawner.ts";
import { ProcessTransport } from "./stdio_transport.ts";
import type { GatewayHooks, GatewayLimits, Transport } from "./types.ts";

/** What a transport is made from, besides the server's config. */
export interface TransportContext {
  /** Starts stdio servers (required for them). */
  spawn?: UpstreamSpawner;
  /** The callbacks (for `onStderr`). */
  hooks: GatewayHooks;
  /** The host environment. */
  hostEnv: Record<string, string | undefined>;
  /** Working directory of stdio servers without `cwd`. */
  defaultCwd: string;
  /** The caps. */
  limits: GatewayLimits;
  /** The fetch for HTTP servers. */
  fetch?: (url: string | URL, init?: RequestInit) => Promise<Response>;
}

/** Make the transport of a server. Throws when it cannot be made (no spawner for a stdio server). */
export function makeTransport(
  config: UpstreamServerConfig,
  ctx: TransportContext,
  on: { onViolation: (message: string) => void; onWarning: (message: string) => void },
): Transport {
  const limits = ctx.limits;
  if (config.transport === "http") {
    return httpTransport(config, {
      maxMessageBytes: limits.maxMessageBytes,
      onViolation: on.onViolation,
      ...(ctx.fetch ? { fetch: ctx.fetch } : {}),
    });
  }
  const spawn = ctx.spawn;
  if (spawn === undefined) throw new Error("no spawner was given for stdio servers");
  const request = {
    server: config.name,
    argv: [...config.argv],
    cwd: config.cwd ?? ctx.defaultCwd,
    cwdFromConfig: config.cwd !== undefined,
    env: upstreamEnv(ctx.hostEnv, config.env),
    sandbox: config.sandbox,
    network: config.network,
  };
  const hooks = ctx.hooks;
  return new ProcessTransport(() => spawn(request), {
    server: config.name,
    maxMessageBytes: limits.maxMessageBytes,
    maxInvalidLines: limits.maxInvalidLines,
    stderrTailBytes: limits.stderrTailBytes,
    killGraceMs: limits.killGraceMs,
    onWarning: on.onWarning,
    ...(hooks.onStderr ? { onStderr: (line: string) => hooks.onStderr?.(config.name, line) } : {}),
  });
}

/** How a server's transport says it closed (a stdio server's exit), or null. */
export function transportReason(transport: Transport): string | null {
  return transport instanceof ProcessTransport ? transport.closeReason : null;
}

/**
 * Why `initialize` failed: the protocol violation that closed the connection, else how the server exited, else
 * the error itself; `detail` adds the server's stderr when nothing else explains it. `close` closes the client and
 * the transport: it runs after the exit status is read and before the stderr tail is.
 */
export async function startFailure(
  err: unknown,
  transport: Transport,
  violation: string | null,
  startupTimeoutMs: number,
  close: () => Promise<void>,
): Promise<{ why: string; detail: string }> {
  const timedOut = err instanceof McpError && err.code === ErrorCode.RequestTimeout;
  // The SDK closes the transport when initialize fails; the exit status (if the server died) says more.
  const exited = transport instanceof ProcessTransport && !timedOut
    ? transport.failure ?? await transport.exitReason(500)
    : null;
  const reason = violation ?? exited ?? null;
  await close();
  const why = reason ??
    (timedOut
      ? `did not answer initialize within ${startupTimeoutMs} ms`
      : isZodError(err)
      ? `answered initialize with an invalid result (${firstIssue(err)})`
      : `failed to initialize (${cut(oneLine(messageOf(err)), 500)})`);
  const detail = transport instanceof ProcessTransport && reason === null ? stderrNote(transport.stderrTail) : "";
  return { why, detail };
}

/** How a stdio server exited during a call (waiting up to `waitMs`), or null for an HTTP server or a live one. */
export async function exitDuringCall(transport: Transport, waitMs: number): Promise<string | null> {
  return transport instanceof ProcessTransport ? transport.failure ?? await transport.exitReason(waitMs) : null;
}
