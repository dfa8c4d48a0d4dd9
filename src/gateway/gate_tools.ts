/**
 * The MCP gateway in front of the gate (SPEC §8): {@linkcode GatewayTools} offers every upstream tool to the
 * executor as a {@linkcode ToolProvider} under its gateway name, so each call is checked, gated and logged like any
 * other before it is forwarded, and its result (content, `structuredContent`, `isError`) comes back unchanged as the
 * tool's output. An upstream failure is a failed call (counted as an error).
 *
 * What servers send outside a call's result goes to the {@linkcode GatewaySink} of whoever serves the client (the
 * MCP session, or nothing for JSON lines): log messages, tool list changes, and elicitations that no call answers.
 *
 * @module
 */
import type { ProviderRefusal, RegisteredTool, ToolProvider } from "../gate/tool.ts";
import { type JsonSchema, ToolError } from "../types.ts";
import type { UpstreamServerConfig } from "./config.ts";
import { UpstreamManager } from "./manager.ts";
import type { UpstreamSpawner } from "./spawner.ts";
import type {
  ElicitResult,
  GatewayLimits,
  UpstreamCallResult,
  UpstreamElicitation,
  UpstreamLog,
  UpstreamStatus,
  UpstreamTool,
} from "./types.ts";

/** Where the gateway sends what upstream servers say outside a call. All optional. */
export interface GatewaySink {
  /** An upstream log message. */
  log?: (log: UpstreamLog) => void;
  /** A server's tool list changed (already refreshed). */
  toolsChanged?: (server: string) => void;
  /** An elicitation no call answers (resolve to the person's answer). */
  elicit?: (request: UpstreamElicitation) => Promise<ElicitResult>;
  /** The elicitation modes the client supports (declared to servers started from now on). */
  elicitation?: () => ReadonlyArray<"form" | "url">;
}

/** Options of {@linkcode GatewayTools}. */
export interface GatewayToolsOptions {
  /** Starts stdio servers. */
  spawn: UpstreamSpawner;
  /** For the operator (stderr), never the model: warnings and the servers' stderr lines. */
  diagnostics?: (line: string) => void;
  /** How the gateway introduces itself to upstream servers. */
  clientInfo?: { name: string; version: string };
  /** Working directory of stdio servers without `cwd`. */
  defaultCwd?: string;
  /** The host environment a few variables pass from. */
  hostEnv?: Record<string, string | undefined>;
  /** Caps on what a server may send. */
  limits?: Partial<GatewayLimits>;
}

/** What the `witness` log keeps of an upstream call's arguments: every one up to 64 KiB (SPEC §4). */
const KEEP_ARGS = { maxString: 65_536 };

/**
 * The upstream tools as the gate's tools.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * import { fileURLToPath } from "node:url";
 * import { SafeExecutor } from "../gate/executor.ts";
 * import { currentRuntime } from "../runtime/mod.ts";
 * import { parseServers } from "./config.ts";
 * import { GatewayTools } from "./gate_tools.ts";
 * import { runtimeSpawner } from "./spawner.ts";
 * const everything = fileURLToPath(
 *   new URL("../../node_modules/@modelcontextprotocol/server-everything/dist/index.js", import.meta.url),
 * );
 * const dir = mkdtempSync(join(tmpdir(), "se-gw-"));
 * const servers = parseServers({ everything: { command: ["node", everything, "stdio"] } }, { baseDir: "/" });
 * const gateway = new GatewayTools(servers, { spawn: runtimeSpawner(await currentRuntime()) });
 * const ex = new SafeExecutor({ workspace: join(dir, "ws"), witness: join(dir, "w.log") }).addProvider(gateway);
 * try {
 *   const r = await ex.execute("everything__echo", { message: "hi" });
 *   assert.equal(r.decision, "allow"); // readOnlyHint: low risk
 *   assert.deepEqual((r.output as { content: unknown[] }).content, [{ type: "text", text: "Echo: hi" }]);
 * } finally {
 *   await gateway.close();
 *   ex.close();
 *   rmSync(dir, { recursive: true });
 * }
 * ```
 */
export class GatewayTools implements ToolProvider {
  /** The upstream side. */
  readonly manager: UpstreamManager;
  #sink: GatewaySink = {};
  /** The gate's tool of each listed upstream tool (a new listing brings new objects, so new tools). */
  readonly #tools = new WeakMap<UpstreamTool, RegisteredTool>();

  /** Make the gateway over the config's servers; nothing starts before a listing or a call. */
  constructor(servers: Record<string, UpstreamServerConfig>, options: GatewayToolsOptions) {
    const say = options.diagnostics ?? (() => {});
    this.manager = new UpstreamManager(servers, options.spawn, {
      hooks: {
        onLog: (log) => this.#sink.log?.(log),
        onToolsChanged: (server) => this.#sink.toolsChanged?.(server),
        onElicit: (request) =>
          this.#sink.elicit ? this.#sink.elicit(request) : Promise.resolve({ action: "decline" } as ElicitResult),
        onWarning: (w) => say(`safe-exec: upstream "${w.server}": ${w.message}`),
        onStderr: (server, line) => say(`safe-exec: upstream "${server}" stderr: ${line}`),
      },
      elicitation: () => this.#sink.elicitation?.() ?? [],
      ...(options.clientInfo ? { clientInfo: options.clientInfo } : {}),
      ...(options.defaultCwd ? { defaultCwd: options.defaultCwd } : {}),
      ...(options.hostEnv ? { hostEnv: options.hostEnv } : {}),
      ...(options.limits ? { limits: options.limits } : {}),
    });
  }

  /** Send what servers say outside calls here from now on (the transport that serves the client sets it). */
  attach(sink: GatewaySink): void {
    this.#sink = sink;
  }

  /** The configured (enabled) servers. */
  get servers(): string[] {
    return this.manager.servers;
  }

  /** Whether a name is `<server>__…` of a configured server. */
  owns(name: string): boolean {
    return this.manager.owns(name);
  }

  /** The gate's tool behind a gateway name (its server started if need be), or why there is none. */
  async resolve(name: string): Promise<RegisteredTool | ProviderRefusal> {
    const r = await this.manager.resolve(name);
    if (!r.ok) return { code: r.errorCode, message: r.error };
    return this.#tool(r.tool);
  }

  /** As {@linkcode ToolProvider.resolveKnown}: the tool when its server's listing is at hand and current. */
  resolveKnown(name: string): RegisteredTool | null {
    const t = this.manager.resolveKnown(name);
    return t === null ? null : this.#tool(t);
  }

  /** Every server's tools (servers that cannot be listed are left out, and said on the diagnostics). */
  async list(): Promise<RegisteredTool[]> {
    const listing = await this.manager.listTools();
    return listing.tools.map((t) => this.#tool(t));
  }

  /** What each server is doing (for `info`). */
  status(): UpstreamStatus[] {
    return this.manager.status();
  }

  /** Stop every server. */
  close(): Promise<void> {
    return this.manager.close();
  }

  #tool(t: UpstreamTool): RegisteredTool {
    let tool = this.#tools.get(t);
    if (tool === undefined) this.#tools.set(t, tool = this.#makeTool(t));
    return tool;
  }

  #makeTool(t: UpstreamTool): RegisteredTool {
    const manager = this.manager;
    const tool: RegisteredTool = {
      name: t.name,
      risk: t.risk,
      description: t.description,
      inputSchema: t.inputSchema as JsonSchema,
      timeoutMs: t.timeoutMs,
      validate: false,
      witness: KEEP_ARGS,
      upstream: {
        server: t.server,
        ...(t.annotations ? { annotations: t.annotations as Record<string, unknown> } : {}),
      },
      isolation: () => ({ layers: ["mcp-upstream"], server: t.server, riskSource: t.riskSource }),
      fn: async (args, ctx) => {
        const channel = ctx.channel;
        const r = await manager.callTool(t, args, {
          signal: ctx.signal,
          ...(channel?.progress ? { onProgress: channel.progress } : {}),
          ...(channel?.answer ? { onResult: channel.answer } : {}),
          ...(channel?.elicit
            ? {
              onElicit: async (req: UpstreamElicitation) =>
                (await channel.elicit!(req.params as Record<string, unknown>, req.signal)) as ElicitResult,
            }
            : {}),
        });
        return outputOf(r);
      },
    };
    if (t.title !== undefined) tool.title = t.title;
    if (t.outputSchema !== undefined) tool.outputSchema = t.outputSchema as JsonSchema;
    // path rules read every string of its arguments by value (gate/_rules.ts), whatever the argument is named
    tool.pathLike = true;
    // a relative path is the server's: resolved against the folder it runs in, which may not be the workspace, and
    // against the folders its command line names (red team 12, K3); `~` is the home of the user it runs as (K8)
    const paths = this.manager.serverPaths(t.server);
    if (paths !== null && paths.bases.length > 0) tool.pathBases = paths.bases;
    if (paths !== null && paths.homes.length > 0) tool.pathHomes = paths.homes;
    return tool;
  }
}

/**
 * An upstream call's record as the gate's tool output: the server's result, or a {@linkcode ToolError} with its code
 * (that result kept as the error's output when there is one, e.g. `isError`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { outputOf } from "./gate_tools.ts";
 * const base = { server: "s", upstreamName: "t", durationMs: 1 };
 * const ok = { ...base, ok: true, result: { content: [] }, errorCode: null, error: null };
 * assert.deepEqual(outputOf(ok), { content: [] });
 * const bad = { ...base, ok: false, result: { content: [], isError: true }, errorCode: "upstream_error" as const, error: "x" };
 * assert.throws(() => outputOf(bad), { code: "upstream_error" });
 * ```
 */
export function outputOf(r: UpstreamCallResult): unknown {
  if (r.ok) return r.result;
  throw new ToolError(r.errorCode ?? "upstream_error", r.error ?? "the upstream call failed", r.result ?? undefined);
}
