/**
 * Private helper of connection.ts: list one server's tools. `tools/list` is read page by page, within the caps
 * (pages, tools per server, characters per definition); each entry is checked (a valid MCP tool, a name that makes
 * a valid `<server>__<tool>`, not task-only, not listed twice) and given its risk and timeout. What is left out is
 * said in `problems`, for the operator.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { admitTool } from "./_listing.ts";
 * import { parseServers } from "./config.ts";
 * import { DEFAULT_LIMITS, type UpstreamTool } from "./types.ts";
 * const { fs } = parseServers({ fs: { command: ["x"] } }, { baseDir: "/" });
 * const ctx = { config: fs!, limits: DEFAULT_LIMITS };
 * const tools = new Map<string, UpstreamTool>();
 * const seen = new Set<string>();
 * const entry = { name: "read", inputSchema: { type: "object" }, annotations: { readOnlyHint: true } };
 * assert.equal(admitTool(entry, ctx, tools, seen), null);
 * assert.equal(tools.get("fs__read")?.risk, "low");
 * assert.match(admitTool(entry, ctx, tools, seen)!, /lists the tool "read" twice/);
 * assert.match(admitTool({ name: "a b", inputSchema: { type: "object" } }, ctx, tools, seen)!, /is not a valid tool name/);
 * ```
 *
 * @module
 */
// The SDK's "./*" export maps types to "*.d.ts", so "x.js" finds no types under deno check; point at them.
// @ts-types="@modelcontextprotocol/sdk/client"
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/types"
import { PaginatedResultSchema, ToolSchema } from "@modelcontextprotocol/sdk/types.js";
import { cut, firstIssue } from "./_text.ts";
import type { UpstreamServerConfig } from "./config.ts";
import { qualifiedName, TOOL_NAME_PATTERN } from "./names.ts";
import { type RiskPins, upstreamRisk } from "./risk.ts";
import type { GatewayLimits, UpstreamTool } from "./types.ts";

/** What a listing needs to know of its server. */
export interface ListingContext {
  /** The server's config. */
  config: UpstreamServerConfig;
  /** The caps. */
  limits: GatewayLimits;
  /** The highest risks the server's annotations gave so far (a re-listing never lowers them); none: not kept. */
  pins?: RiskPins;
  /** Where a listing says that a tool kept a higher risk than its new annotations suggest. */
  notes?: string[];
}

/** A server's tools by gateway name, and what was left out (without the server's name in front). */
export interface Listing {
  /** The tools admitted, by gateway name, in the server's order. */
  tools: Map<string, UpstreamTool>;
  /** One line per problem (capped), e.g. `lists the tool "x" twice; the first is kept`. */
  problems: string[];
}

const MAX_WARNINGS_PER_LISTING = 10;

/** The timeout of a server's tool: its own, else the server's. */
export function toolTimeout(config: UpstreamServerConfig, tool: string): number {
  const own = Object.hasOwn(config.tools, tool) ? config.tools[tool]?.timeoutMs : undefined;
  return own ?? config.timeoutMs;
}

/** List the tools of a connected server. Throws what the requests throw (the connection says it is unavailable). */
export async function listTools(client: Client, ctx: ListingContext): Promise<Listing> {
  const { limits, config } = ctx;
  const tools = new Map<string, UpstreamTool>();
  const upstreamNames = new Set<string>();
  const seenCursors = new Set<string>();
  const problems: string[] = [];
  let leftOut = 0;
  let overflow = 0;
  let cursor: string | undefined;
  let pages = 0;
  const notes: string[] = [];
  ctx = { ...ctx, notes };
  if (!client.getServerCapabilities()?.tools) return { tools, problems };
  do {
    if (pages >= limits.maxListPages) {
      problems.push(`listed ${pages} pages of tools (the cap); later pages are left out`);
      break;
    }
    const page = await client.request(
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
      const problem = admitTool(entry, ctx, tools, upstreamNames);
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
  if (overflow > 0 || (cursor !== undefined && tools.size >= limits.maxToolsPerServer)) {
    problems.unshift(
      `lists more than ${limits.maxToolsPerServer} tools (the cap per server); only the first ` +
        `${limits.maxToolsPerServer} are offered`,
    );
  }
  problems.push(...notes.slice(0, MAX_WARNINGS_PER_LISTING));
  if (notes.length > MAX_WARNINGS_PER_LISTING) {
    problems.push(`${notes.length - MAX_WARNINGS_PER_LISTING} more tools kept their risk the same way`);
  }
  if (leftOut > MAX_WARNINGS_PER_LISTING) {
    problems.push(`${leftOut - MAX_WARNINGS_PER_LISTING} more tools were left out for the same kinds of reasons`);
  }
  for (const configured of Object.keys(config.tools)) { // own keys of the config: no prototype names
    if (!upstreamNames.has(configured) && config.tools[configured]?.enabled !== false) {
      problems.push(
        `"servers.${config.name}.tools.${configured}" is configured, but the server offers no tool "${configured}"`,
      );
    }
  }
  return { tools, problems };
}

/**
 * Add one `tools/list` entry to `tools`, or say why it is left out (null: added, or disabled by the config).
 * `upstreamNames` collects the names seen, to find duplicates.
 */
export function admitTool(
  entry: unknown,
  ctx: ListingContext,
  tools: Map<string, UpstreamTool>,
  upstreamNames: Set<string>,
): string | null {
  const server = ctx.config.name;
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
  if (Object.hasOwn(ctx.config.tools, t.name) && ctx.config.tools[t.name]?.enabled === false) return null;
  const name = qualifiedName(server, t.name);
  if (name === null) {
    return `lists the tool ${shown}, but "${server}__${cut(t.name, 80)}" is not a valid tool name ` +
      `(${TOOL_NAME_PATTERN.source}); left out`;
  }
  if (t.execution?.taskSupport === "required") {
    return `lists the tool ${shown}, which can only run as a task (not supported by the gateway); left out`;
  }
  const size = JSON.stringify(t).length;
  if (size > ctx.limits.maxToolDefinitionChars) {
    return `lists the tool ${shown} with a definition of ${size} characters (the cap is ` +
      `${ctx.limits.maxToolDefinitionChars}); left out`;
  }
  const rated = upstreamRisk(ctx.config, t.name, t.annotations);
  const { risk, source, lowered } = ctx.pins ? ctx.pins.pin(t.name, rated) : { ...rated, lowered: null };
  if (lowered !== null) {
    // said once per listing; the tool keeps its risk
    ctx.notes?.push(
      `re-lists the tool ${shown} with annotations that suggest risk ${lowered}; it keeps risk ${risk} (a risk ` +
        `from annotations only rises while safe-exec runs)`,
    );
  }
  const tool: UpstreamTool = {
    name,
    server,
    upstreamName: t.name,
    description: t.description ?? "",
    inputSchema: t.inputSchema as Record<string, unknown>,
    risk,
    riskSource: source,
    timeoutMs: toolTimeout(ctx.config, t.name),
  };
  if (t.title !== undefined) tool.title = t.title;
  if (t.outputSchema !== undefined) tool.outputSchema = t.outputSchema as Record<string, unknown>;
  if (t.annotations !== undefined) tool.annotations = t.annotations;
  tools.set(name, tool);
  return null;
}
