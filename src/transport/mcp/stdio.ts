/**
 * `safe-exec mcp`'s transport: an MCP session over the runtime's stdin and stdout (newline-delimited JSON-RPC 2.0,
 * the shared stdio loop of `../stdio.ts`). stdout carries only protocol messages; diagnostics go to stderr.
 *
 * @module
 */
import type { Runtime } from "../../runtime/types.ts";
import { runStdioLoop } from "../stdio.ts";
import { RPC_ERROR, rpcError } from "./rpc.ts";
import { McpSession, type McpSessionOptions } from "./session.ts";

/**
 * Serve MCP on stdin/stdout until EOF, a closed stdout or a signal; resolves to the exit code (1 when the loop
 * itself failed, said on stderr).
 *
 * @example
 * ```ts ignore
 * import { serveMcp } from "./stdio.ts";
 * const code = await serveMcp(runtime, { executor, confirm: denyAll });
 * ```
 */
export async function serveMcp(runtime: Runtime, options: Omit<McpSessionOptions, "send" | "log">): Promise<number> {
  const log = (text: string) => runtime.writeStderr(text);
  try {
    return await runStdioLoop(runtime, (send) => {
      const session = new McpSession({ ...options, send, log });
      return {
        handleLine: (line, lineOptions) => session.handleLine(line, lineOptions),
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
    return 1;
  }
}
