/**
 * `safe-exec serve`'s transport: the JSON-lines protocol over the runtime's stdin and stdout (the shared stdio
 * loop of `../stdio.ts`), with the protocol's answers to lines that never reach it (too long, not UTF-8, a bug).
 *
 * @module
 */
import type { Runtime } from "../../runtime/types.ts";
import { runStdioLoop, type StdioLoopOptions } from "../stdio.ts";
import { type ProtocolOptions, ProtocolServer } from "./server.ts";
import { errorResponse } from "./wire.ts";

/**
 * Serve the JSON-lines protocol until EOF, a closed stdout or a signal; resolves to the exit code.
 *
 * @example
 * ```ts ignore
 * import { serveJsonLines } from "./stdio.ts";
 * const code = await serveJsonLines(runtime, { executor, confirm: "client", info: () => ({}) });
 * ```
 */
export function serveJsonLines(
  runtime: Runtime,
  options: Omit<ProtocolOptions, "emit">,
  loop: StdioLoopOptions = {},
): Promise<number> {
  return runStdioLoop(runtime, (send) => {
    const server = new ProtocolServer({ ...options, emit: send });
    return {
      handleLine: (line, lineOptions) => server.handleLine(line, lineOptions),
      tooLong: (n, max) =>
        errorResponse(null, "bad_request", `Line of ${n} bytes exceeds the limit of ${max} bytes; it was dropped`),
      invalidUtf8: () => errorResponse(null, "bad_request", "Line is not valid UTF-8; it was dropped"),
      internalError: (e) => errorResponse(null, "internal", String(e)),
      awaitingClient: () => server.awaitingConfirm,
      close: () => server.close(),
      stop: (reason) => server.stop(reason),
      abortRunning: (reason) => server.abortRunning(reason),
    };
  }, loop);
}
