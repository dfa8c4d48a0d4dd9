/**
 * `safe-exec mcp`: the gate as an MCP server over stdio.
 *
 * @module
 */
import type { App } from "../cli.ts";
import type { Runtime } from "../runtime/types.ts";

/** Serve MCP on stdin/stdout until EOF; resolves to the exit code. */
export function runMcp(app: App, runtime: Runtime): Promise<number> {
  runtime.writeStderr("safe-exec: mcp is not built yet");
  app.close();
  return Promise.resolve(1);
}
