/**
 * `safe-exec mcp`: the gate as an MCP server over stdio (newline-delimited JSON-RPC 2.0). stdout carries only
 * protocol messages; diagnostics go to stderr. See docs/mcp.md.
 *
 * @module
 */
import type { App } from "../cli.ts";
import { confirmHandlerFor, denyAll } from "../confirm.ts";
import { runStdioLoop } from "../stdio.ts";
import type { Runtime } from "../runtime/types.ts";
import type { ConfirmHandler } from "../types.ts";
import { McpSession, RPC_ERROR, rpcError } from "./session.ts";

/**
 * The confirm handler for clients without elicitation: the `--confirm` mode, where `client` (which has no meaning
 * on MCP) is deny.
 *
 * @example
 * ```ts
 * import { fallbackConfirm } from "./server.ts";
 * import { currentRuntime } from "../runtime/mod.ts";
 * const deny = fallbackConfirm("client", await currentRuntime());
 * const req = { tool: "t", args: {}, risk: "high" as const, fatigue: 0, rationale: "r", signal: new AbortController().signal };
 * console.assert(await deny(req) === false);
 * ```
 */
export function fallbackConfirm(mode: string, runtime: Runtime): ConfirmHandler {
  return mode === "client" ? denyAll : confirmHandlerFor(mode, runtime);
}

/**
 * Whether process tools can reach the network, from the config alone (no sandbox probe at start-up): only under
 * bwrap with `sandbox.network` off are they cut off.
 */
function processNetwork(config: App["config"]): boolean {
  return config.sandbox.mode === "none" || config.sandbox.network;
}

/**
 * Serve MCP on stdin/stdout until EOF; resolves to the exit code (0 after a clean EOF, once in-flight calls
 * finished and the witness log was closed).
 *
 * @example
 * ```ts ignore
 * import { buildApp } from "../cli.ts";
 * import { runMcp } from "./server.ts";
 * import { currentRuntime } from "../runtime/mod.ts";
 * const runtime = await currentRuntime();
 * const code = await runMcp(buildApp({ workspace: "./workspace" }, runtime), runtime);
 * ```
 */
export async function runMcp(app: App, runtime: Runtime): Promise<number> {
  const log = (text: string) => runtime.writeStderr(text);
  let code: number;
  try {
    code = await runStdioLoop(runtime, (send) => {
      const session = new McpSession({
        executor: app.executor,
        confirm: fallbackConfirm(app.config.confirm, runtime),
        send,
        processNetwork: processNetwork(app.config),
        log,
      });
      return {
        handleLine: (line, options) => session.handleLine(line, options),
        tooLong: (n, max) =>
          rpcError(
            null,
            RPC_ERROR.INVALID_REQUEST,
            `Invalid Request: a line of ${n} bytes exceeds the limit of ${max} bytes; it was dropped`,
          ),
        invalidUtf8: () =>
          rpcError(null, RPC_ERROR.PARSE_ERROR, "Parse error: the line is not valid UTF-8; it was dropped"),
        internalError(e) {
          log(`safe-exec mcp: internal error: ${(e as Error)?.stack ?? String(e)}`);
          return rpcError(null, RPC_ERROR.INTERNAL_ERROR, `Internal error: ${(e as Error)?.message ?? String(e)}`);
        },
        awaitingClient: () => session.awaitingElicitation,
        close: () => session.close(),
        stop: (reason) => session.stop(reason),
        abortRunning: (reason) => session.abortRunning(reason),
      };
    });
  } catch (e) {
    log(`safe-exec: ${(e as Error).message}`);
    code = 1;
  }
  app.close();
  return code;
}
