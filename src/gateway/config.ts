/**
 * The `servers` section of the config (SPEC §6, §8): upstream MCP servers the gateway stands in front of, and the
 * names their tools get (`<server>__<tool>`).
 *
 * A server is either a local program spoken to over stdio:
 *
 *     "memory": { "command": ["npx", "-y", "@modelcontextprotocol/server-memory"], "env": { "MEMORY_FILE_PATH": "…" },
 *                 "cwd": "./data", "risk": "medium", "tools": { "delete_entities": { "risk": "high" } } }
 *
 * or a remote one over Streamable HTTP:
 *
 *     "search": { "url": "https://mcp.example.com/mcp", "headers": { "Authorization": "Bearer …" } }
 *
 * Keys of a server: `command` (an array: program and arguments; a string is taken as the program alone, as Claude
 * Desktop configs write it), `args` (appended to `command`), `env`, `cwd` (relative to the config file's folder),
 * `url`, `headers`, `risk`, `tools` (per tool: `risk`, `timeoutMs`, `enabled`), `sandbox`, `network` (only with
 * `sandbox`), `timeoutMs` (per call, default 60000) and `enabled`. Anything else is refused with a message naming
 * the key, the value and what was expected, like the rest of the config.
 *
 * Server names are checked as names.ts describes, so that `<server>__<tool>` always splits into the server and
 * the tool it came from.
 *
 * @module
 */
import * as path from "node:path";
import type { Risk } from "../types.ts";
import {
  bool,
  command,
  env,
  fail,
  has,
  headers,
  object,
  onlyKeys,
  pathString,
  put,
  risk,
  show,
  strings,
  timeout,
  url,
} from "./_config_fields.ts";
import { MAX_SERVER_NAME, SERVER_NAME_PATTERN } from "./names.ts";

/** Default per-call timeout of an upstream tool. */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 60_000;

/** Longest per-call timeout a config may set. */
export const MAX_UPSTREAM_TIMEOUT_MS = 3_600_000;

/** Config of one upstream tool (`servers.X.tools.Y`). */
export interface UpstreamToolConfig {
  /** Its risk; wins over the server's risk and over the tool's annotations. */
  risk?: Risk;
  /** Its per-call timeout, in milliseconds. */
  timeoutMs?: number;
  /** false leaves the tool out of every listing; a call to it is `unknown_tool`. */
  enabled?: boolean;
}

/** What every upstream server config has. */
export interface ServerConfigBase {
  /** The server's name (the key in `servers`). */
  name: string;
  /** Risk of all its tools, unless a tool's own config says otherwise; wins over annotations. */
  risk?: Risk;
  /** Per-tool settings, by the tool's upstream name. */
  tools: Record<string, UpstreamToolConfig>;
  /** Per-call timeout of its tools, in milliseconds. */
  timeoutMs: number;
  /** false: the server is never started and its tools are not listed. */
  enabled: boolean;
}

/** An upstream server started as a local program and spoken to over stdio. */
export interface StdioServerConfig extends ServerConfigBase {
  /** Always "stdio". */
  transport: "stdio";
  /** Program and arguments (`command` then `args`). */
  argv: string[];
  /** Variables added to the small environment the server gets (see {@linkcode UpstreamManager}). */
  env: Record<string, string>;
  /** Working directory (absolute), or undefined for the manager's default. */
  cwd?: string;
  /** Run the server inside the process sandbox (SPEC §7). */
  sandbox: boolean;
  /** With `sandbox`: give the sandboxed server the network. */
  network: boolean;
}

/** A remote upstream server spoken to over Streamable HTTP. */
export interface HttpServerConfig extends ServerConfigBase {
  /** Always "http". */
  transport: "http";
  /** The MCP endpoint. */
  url: string;
  /** Headers sent with every request (e.g. Authorization). */
  headers: Record<string, string>;
}

/** One entry of `servers`, validated. */
export type UpstreamServerConfig = StdioServerConfig | HttpServerConfig;

const SERVER_KEYS = [
  "command",
  "args",
  "env",
  "cwd",
  "url",
  "headers",
  "risk",
  "tools",
  "sandbox",
  "network",
  "timeoutMs",
  "enabled",
] as const;
const TOOL_KEYS = ["risk", "timeoutMs", "enabled"] as const;

/**
 * Validate the `servers` section of a config (its parsed JSON value). Relative `cwd` resolves against `baseDir`
 * (the config file's folder), and so does a relative program path in `command` (one that contains a `/`); a bare
 * program name is looked up in PATH when the server starts. `key` names the section in messages (default
 * "servers").
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseServers } from "./config.ts";
 * const servers = parseServers({
 *   memory: { command: ["npx", "-y", "@modelcontextprotocol/server-memory"], risk: "medium",
 *             tools: { delete_entities: { risk: "high" } } },
 *   remote: { url: "http://127.0.0.1:3001/mcp", headers: { Authorization: "Bearer t" } },
 *   local: { command: "./bin/server", args: ["--stdio"], cwd: "data" },
 * }, { baseDir: "/srv/agent" });
 * assert.equal(servers.memory!.transport, "stdio");
 * assert.equal(servers.memory!.tools.delete_entities!.risk, "high");
 * assert.equal(servers.remote!.transport, "http");
 * const local = servers.local!;
 * assert.ok(local.transport === "stdio");
 * assert.deepEqual(local.argv, ["/srv/agent/bin/server", "--stdio"]);
 * assert.equal(local.cwd, "/srv/agent/data");
 * assert.throws(() => parseServers({ x: { command: [] } }, { baseDir: "/" }),
 *   /"servers.x.command" must be a non-empty array of strings/);
 * ```
 */
export function parseServers(
  value: unknown,
  options: { baseDir: string; key?: string },
): Record<string, UpstreamServerConfig> {
  const at = options.key ?? "servers";
  const baseDir = path.resolve(options.baseDir);
  const raw = object(value, at);
  const servers: Record<string, UpstreamServerConfig> = {};
  for (const [name, entry] of Object.entries(raw)) {
    _checkServerName(name, at);
    put(servers, name, _parseServer(name, entry, `${at}.${name}`, baseDir));
  }
  return servers;
}

// ---------------------------------------------------------------------------------------------------------------

function _parseServer(name: string, value: unknown, at: string, baseDir: string): UpstreamServerConfig {
  const raw = object(value, at);
  onlyKeys(raw, SERVER_KEYS, at);
  const hasCommand = has(raw, "command");
  const hasUrl = has(raw, "url");
  if (hasCommand === hasUrl) {
    fail(
      hasCommand
        ? `"${at}" has both "command" and "url"; a server is either a program (command) or a URL (url)`
        : `"${at}" needs "command" (a program to start, spoken to over stdio) or "url" (a Streamable HTTP endpoint)`,
    );
  }
  const base = {
    name,
    tools: has(raw, "tools") ? _parseTools(raw.tools, `${at}.tools`) : {},
    timeoutMs: has(raw, "timeoutMs")
      ? timeout(raw.timeoutMs, `${at}.timeoutMs`, MAX_UPSTREAM_TIMEOUT_MS)
      : DEFAULT_UPSTREAM_TIMEOUT_MS,
    enabled: has(raw, "enabled") ? bool(raw.enabled, `${at}.enabled`) : true,
    ...(has(raw, "risk") ? { risk: risk(raw.risk, `${at}.risk`) } : {}),
  };
  if (hasUrl) {
    for (const key of ["args", "env", "cwd", "sandbox", "network"] as const) {
      if (has(raw, key)) {
        fail(
          `"${at}.${key}" applies only to a server started with "command"; "${at}" is a remote server ("url")` +
            (key === "sandbox" ? " and cannot be sandboxed" : ""),
        );
      }
    }
    return {
      ...base,
      transport: "http",
      url: url(raw.url, `${at}.url`),
      headers: has(raw, "headers") ? headers(raw.headers, `${at}.headers`) : {},
    };
  }
  if (has(raw, "headers")) fail(`"${at}.headers" applies only to a remote server ("url"); "${at}" has "command"`);
  const argv = command(raw.command, `${at}.command`, baseDir);
  if (has(raw, "args")) argv.push(...strings(raw.args, `${at}.args`, false));
  const sandbox = has(raw, "sandbox") ? bool(raw.sandbox, `${at}.sandbox`) : false;
  const network = has(raw, "network") ? bool(raw.network, `${at}.network`) : false;
  if (network && !sandbox) {
    fail(
      `"${at}.network" is true but "${at}.sandbox" is not; a server outside the sandbox always has the network, ` +
        `so set "sandbox": true too (or leave "network" out)`,
    );
  }
  const config: StdioServerConfig = {
    ...base,
    transport: "stdio",
    argv,
    env: has(raw, "env") ? env(raw.env, `${at}.env`) : {},
    sandbox,
    network,
  };
  if (has(raw, "cwd")) config.cwd = path.resolve(baseDir, pathString(raw.cwd, `${at}.cwd`));
  return config;
}

function _parseTools(value: unknown, at: string): Record<string, UpstreamToolConfig> {
  const raw = object(value, at);
  const tools: Record<string, UpstreamToolConfig> = {};
  for (const [tool, entry] of Object.entries(raw)) {
    if (tool === "") fail(`"${at}" has a tool with an empty name`);
    const where = `${at}.${tool}`;
    const t = object(entry, where);
    onlyKeys(t, TOOL_KEYS, where);
    const config: UpstreamToolConfig = {};
    if (has(t, "risk")) config.risk = risk(t.risk, `${where}.risk`);
    if (has(t, "timeoutMs")) config.timeoutMs = timeout(t.timeoutMs, `${where}.timeoutMs`, MAX_UPSTREAM_TIMEOUT_MS);
    if (has(t, "enabled")) config.enabled = bool(t.enabled, `${where}.enabled`);
    put(tools, tool, config);
  }
  return tools;
}

function _checkServerName(name: string, at: string): void {
  if (name.length > MAX_SERVER_NAME || !SERVER_NAME_PATTERN.test(name)) {
    fail(
      `"${at}" has the server name ${show(name)}; a server name is 1 to ${MAX_SERVER_NAME} letters, digits, "-" ` +
        `and single "_" between them (no "__", no "_" at either end), so that its tools can be named ` +
        `"<server>__<tool>"`,
    );
  }
}
