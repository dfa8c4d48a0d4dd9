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
 * Server names match `^[A-Za-z0-9-]+(_[A-Za-z0-9-]+)*$` and are at most 61 characters: no `__` inside and no `_`
 * at either end, so `<server>__<tool>` always splits at its first `__` into the server and the tool it came from.
 *
 * @module
 */
import * as path from "node:path";
import type { Risk } from "../types.ts";

/** Tool names every model vendor accepts (SPEC §2.1). */
export const TOOL_NAME_PATTERN: RegExp = /^[A-Za-z0-9_-]{1,64}$/;

/** Server names: letters, digits, `-`, and single `_` between them (see the module doc). */
export const SERVER_NAME_PATTERN: RegExp = /^[A-Za-z0-9-]+(?:_[A-Za-z0-9-]+)*$/;

/** Longest server name: `<server>__x` must still fit in 64 characters. */
export const MAX_SERVER_NAME = 61;

/** Default per-call timeout of an upstream tool. */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 60_000;

/** Longest per-call timeout a config may set. */
export const MAX_UPSTREAM_TIMEOUT_MS = 3_600_000;

/** The separator between the server and the tool in a gateway tool name. */
export const NAME_SEPARATOR = "__";

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
interface ServerConfigBase {
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

/**
 * A `servers` section that cannot be used. The message names the key, the value and what was expected, e.g.
 * `"servers.memory.command" must be a non-empty array of strings, got []`; the config loader prefixes it with the
 * config file's path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GatewayConfigError, parseServers } from "./config.ts";
 * assert.throws(() => parseServers({ "a__b": { command: ["x"] } }, { baseDir: "/" }), GatewayConfigError);
 * ```
 */
export class GatewayConfigError extends Error {
  /** Make the error with its message. */
  constructor(message: string) {
    super(message);
    this.name = "GatewayConfigError";
  }
}

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
const RISKS: readonly Risk[] = ["low", "medium", "high"];
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// RFC 9110 token characters.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

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
    checkServerName(name, at);
    put(servers, name, parseServer(name, entry, `${at}.${name}`, baseDir));
  }
  return servers;
}

/**
 * The gateway name of a server's tool, or null when `<server>__<tool>` would not be a valid tool name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { qualifiedName } from "./config.ts";
 * assert.equal(qualifiedName("memory", "read_graph"), "memory__read_graph");
 * assert.equal(qualifiedName("memory", "read graph"), null);
 * assert.equal(qualifiedName("memory", "x".repeat(60)), null);
 * ```
 */
export function qualifiedName(server: string, tool: string): string | null {
  const name = `${server}${NAME_SEPARATOR}${tool}`;
  return TOOL_NAME_PATTERN.test(name) ? name : null;
}

/**
 * Split a gateway tool name into its server and upstream tool name (at the first `__`), or null when it has none.
 * Whether the server exists is for the caller to check.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { splitQualifiedName } from "./config.ts";
 * assert.deepEqual(splitQualifiedName("memory__read_graph"), { server: "memory", tool: "read_graph" });
 * assert.deepEqual(splitQualifiedName("fs__a__b"), { server: "fs", tool: "a__b" });
 * assert.equal(splitQualifiedName("read_file"), null);
 * ```
 */
export function splitQualifiedName(name: string): { server: string; tool: string } | null {
  const i = name.indexOf(NAME_SEPARATOR);
  if (i <= 0 || i + NAME_SEPARATOR.length >= name.length) return null;
  return { server: name.slice(0, i), tool: name.slice(i + NAME_SEPARATOR.length) };
}

/**
 * The configured server whose namespace a tool name is in (`memory__x` is in `memory`'s), or null. A tool the agent
 * brings must not take a name in a server's namespace: the config loader refuses such a clash with this.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serverNamespaceOf } from "./config.ts";
 * assert.equal(serverNamespaceOf("memory__x", ["memory"]), "memory");
 * assert.equal(serverNamespaceOf("send_email", ["memory"]), null);
 * ```
 */
export function serverNamespaceOf(name: string, servers: Iterable<string>): string | null {
  const split = splitQualifiedName(name);
  if (split === null) return null;
  for (const s of servers) if (s === split.server) return s;
  return null;
}

// ---------------------------------------------------------------------------------------------------------------

function parseServer(name: string, value: unknown, at: string, baseDir: string): UpstreamServerConfig {
  const raw = object(value, at);
  for (const key of Object.keys(raw)) {
    if (!(SERVER_KEYS as readonly string[]).includes(key)) {
      fail(`unknown key ${JSON.stringify(`${at}.${key}`)}; allowed keys in "${at}": ${SERVER_KEYS.join(", ")}`);
    }
  }
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
    tools: has(raw, "tools") ? parseTools(raw.tools, `${at}.tools`) : {},
    timeoutMs: has(raw, "timeoutMs") ? timeout(raw.timeoutMs, `${at}.timeoutMs`) : DEFAULT_UPSTREAM_TIMEOUT_MS,
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

function parseTools(value: unknown, at: string): Record<string, UpstreamToolConfig> {
  const raw = object(value, at);
  const tools: Record<string, UpstreamToolConfig> = {};
  for (const [tool, entry] of Object.entries(raw)) {
    if (tool === "") fail(`"${at}" has a tool with an empty name`);
    const where = `${at}.${tool}`;
    const t = object(entry, where);
    for (const key of Object.keys(t)) {
      if (!(TOOL_KEYS as readonly string[]).includes(key)) {
        fail(`unknown key ${JSON.stringify(`${where}.${key}`)}; allowed keys in "${where}": ${TOOL_KEYS.join(", ")}`);
      }
    }
    const config: UpstreamToolConfig = {};
    if (has(t, "risk")) config.risk = risk(t.risk, `${where}.risk`);
    if (has(t, "timeoutMs")) config.timeoutMs = timeout(t.timeoutMs, `${where}.timeoutMs`);
    if (has(t, "enabled")) config.enabled = bool(t.enabled, `${where}.enabled`);
    put(tools, tool, config);
  }
  return tools;
}

function checkServerName(name: string, at: string): void {
  if (name.length > MAX_SERVER_NAME || !SERVER_NAME_PATTERN.test(name)) {
    fail(
      `"${at}" has the server name ${show(name)}; a server name is 1 to ${MAX_SERVER_NAME} letters, digits, "-" ` +
        `and single "_" between them (no "__", no "_" at either end), so that its tools can be named ` +
        `"<server>__<tool>"`,
    );
  }
}

function command(value: unknown, at: string, baseDir: string): string[] {
  let argv: string[];
  if (typeof value === "string") {
    if (value === "" || value.includes("\0")) fail(`"${at}" must be a program name or path, got ${show(value)}`);
    argv = [value];
  } else {
    argv = strings(value, at, true);
  }
  const program = argv[0]!;
  // A path relative to the config file, like every other path in it; a bare name is looked up in PATH.
  if (program.includes("/") && !path.isAbsolute(program)) argv[0] = path.resolve(baseDir, program);
  return argv;
}

function strings(value: unknown, at: string, nonEmpty: boolean): string[] {
  const what = `${nonEmpty ? "a non-empty" : "an"} array of strings`;
  if (!Array.isArray(value) || (nonEmpty && value.length === 0)) fail(`"${at}" must be ${what}, got ${show(value)}`);
  const list = value as unknown[];
  list.forEach((s, i) => {
    if (typeof s !== "string") fail(`"${at}[${i}]" must be a string, got ${show(s)}`);
    if (s.includes("\0")) fail(`"${at}[${i}]" must not contain a NUL byte, got ${show(s)}`);
  });
  if (nonEmpty && list[0] === "") fail(`"${at}[0]" must name a program, got an empty string`);
  return [...(list as string[])];
}

function env(value: unknown, at: string): Record<string, string> {
  const raw = object(value, at);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!ENV_NAME.test(k)) fail(`"${at}" has the variable name ${show(k)}; expected letters, digits and "_"`);
    if (typeof v !== "string") fail(`"${at}.${k}" must be a string, got ${show(v)}`);
    if ((v as string).includes("\0")) fail(`"${at}.${k}" must not contain a NUL byte`);
    put(out, k, v as string);
  }
  return out;
}

function headers(value: unknown, at: string): Record<string, string> {
  const raw = object(value, at);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!HEADER_NAME.test(k)) fail(`"${at}" has the header name ${show(k)}, which is not a valid HTTP header name`);
    // The value is not shown: headers carry credentials.
    if (typeof v !== "string") fail(`"${at}.${k}" must be a string, got ${typeof v}`);
    if (/[\r\n\0]/.test(v as string)) fail(`"${at}.${k}" must not contain a line break or a NUL byte`);
    put(out, k, v as string);
  }
  return out;
}

function url(value: unknown, at: string): string {
  if (typeof value !== "string") fail(`"${at}" must be an http:// or https:// URL, got ${show(value)}`);
  let u: URL;
  try {
    u = new URL(value as string);
  } catch {
    return fail(`"${at}" must be an http:// or https:// URL, got ${show(value)}`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    fail(`"${at}" must be an http:// or https:// URL, got the scheme ${show(u.protocol)}`);
  }
  return u.href;
}

function pathString(value: unknown, at: string): string {
  if (typeof value !== "string" || value === "" || value.includes("\0")) {
    fail(`"${at}" must be a folder path, got ${show(value)}`);
  }
  return value as string;
}

function risk(value: unknown, at: string): Risk {
  if (typeof value !== "string" || !(RISKS as readonly string[]).includes(value)) {
    fail(`"${at}" must be "low", "medium" or "high", got ${show(value)}`);
  }
  return value as Risk;
}

function timeout(value: unknown, at: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1 || value > MAX_UPSTREAM_TIMEOUT_MS) {
    fail(`"${at}" must be an integer from 1 to ${MAX_UPSTREAM_TIMEOUT_MS} (milliseconds), got ${show(value)}`);
  }
  return value as number;
}

function bool(value: unknown, at: string): boolean {
  if (typeof value !== "boolean") fail(`"${at}" must be true or false, got ${show(value)}`);
  return value as boolean;
}

function object(value: unknown, at: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail(`"${at}" must be an object, got ${show(value)}`);
  }
  return value as Record<string, unknown>;
}

/** Set an own property, also for names like "__proto__" (a plain assignment would set the prototype). */
function put<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function has(raw: Record<string, unknown>, key: string): boolean {
  return Object.hasOwn(raw, key) && raw[key] !== undefined;
}

function show(value: unknown): string {
  let s: string;
  try {
    s = value === undefined ? "nothing" : JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function fail(message: string): never {
  throw new GatewayConfigError(message);
}
