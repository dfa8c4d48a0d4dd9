/**
 * `safe-exec mcp`: the gate as an MCP server over stdio (newline-delimited JSON-RPC 2.0). See docs/mcp.md.
 *
 * @module
 */
import type { SafeExecConfig } from "../config/types.ts";
import { confirmHandlerFor, denyAll } from "../gate/confirm.ts";
import type { Runtime } from "../runtime/types.ts";
import { serveMcp } from "../transport/mcp/stdio.ts";
import type { ConfirmHandler } from "../types.ts";
import { type Command, startApp } from "./_context.ts";

/**
 * The confirm handler for clients without elicitation: the `--confirm` mode, where `client` (which has no meaning
 * on MCP) is deny.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fallbackConfirm } from "./mcp.ts";
 * import { currentRuntime } from "../runtime/mod.ts";
 * const deny = fallbackConfirm("client", await currentRuntime());
 * const req = { tool: "t", args: {}, risk: "high" as const, fatigue: 0, rationale: "r", signal: new AbortController().signal };
 * assert.equal(await deny(req), false);
 * ```
 */
export function fallbackConfirm(mode: string, runtime: Runtime): ConfirmHandler {
  return mode === "client" ? denyAll : confirmHandlerFor(mode, runtime);
}

/**
 * Whether process tools can reach the network, from the config alone (no sandbox probe at start-up): only under
 * bwrap with `sandbox.network` off are they cut off.
 */
function processNetwork(config: SafeExecConfig): boolean {
  return config.sandbox.mode === "none" || config.sandbox.network;
}

/** Serve MCP until EOF; resolves to the exit code (0 after a clean EOF, once in-flight calls finished). */
export const mcpCommand: Command = async (args, { runtime }) => {
  const app = startApp(args.options, runtime);
  runtime.queueStderr(); // a client that never reads our stderr must not stop the server (upstream stderr lines)
  const code = await serveMcp(runtime, {
    executor: app.executor,
    confirm: fallbackConfirm(app.config.confirm, runtime),
    processNetwork: processNetwork(app.config),
    ...(app.gateway ? { gateway: app.gateway } : {}),
  });
  await app.shutdown();
  return code;
};
