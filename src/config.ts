/**
 * The safe-exec configuration: the JSONC file of SPEC §6, its validation, the defaults and the start-up resolution
 * of the binary (config file, CLI overrides, the workspace/witness separation of SPEC §4).
 *
 * Uses only `node:` APIs so that it runs on both Deno and Bun (the runtime seam stays in src/runtime).
 *
 * @module
 */
import * as fs from "node:fs";
import process from "node:process";
import * as path from "node:path";
import { parse as parseJsonc, type ParseError, printParseErrorCode, visit } from "jsonc-parser";
import type { Risk } from "./types.ts";
import { loadSigningKey } from "./witness_sign.ts";

/** The fatigue model of SPEC §1. */
export interface MetricsOptions {
  /** Context tokens at which the context term saturates (> 0). */
  maxContext: number;
  /** Session seconds at which the duration term saturates (> 0). */
  maxDuration: number;
  /** Errors at which the error term saturates (a positive integer). */
  maxErrors: number;
  /** Weight of the context term, in [0, 1]. */
  weightContext: number;
  /** Weight of the duration term, in [0, 1]. */
  weightDuration: number;
  /** Weight of the error term, in [0, 1]. The three weights sum to at most 1. */
  weightErrors: number;
  /** Failed tool calls count as errors. */
  countToolErrors: boolean;
  /** With a value > 0, only errors within this many seconds count; 0 counts all since start or reset. */
  errorWindowSeconds: number;
}

/**
 * The defaults of SPEC §1.
 *
 * @example
 * ```ts
 * import { DEFAULT_METRICS } from "./config.ts";
 * console.assert(DEFAULT_METRICS.maxContext === 4000 && DEFAULT_METRICS.weightContext === 0.4);
 * ```
 */
export const DEFAULT_METRICS: MetricsOptions = Object.freeze({
  maxContext: 4000,
  maxDuration: 1800,
  maxErrors: 5,
  weightContext: 0.4,
  weightDuration: 0.3,
  weightErrors: 0.3,
  countToolErrors: true,
  errorWindowSeconds: 0,
});

/** The default policy's parameters (SPEC §1). */
export interface PolicyOptions {
  /** The two fatigue thresholds, 0 ≤ t0 ≤ t1 ≤ 1; a fatigue equal to a threshold falls in the higher column. */
  thresholds: [number, number];
  /** Ask (rather than allow) for high risk below the first threshold. */
  alwaysAskHigh: boolean;
}

/**
 * The defaults of SPEC §1: thresholds 0.35 and 0.70, `alwaysAskHigh` on.
 *
 * @example
 * ```ts
 * import { DEFAULT_POLICY } from "./config.ts";
 * console.assert(DEFAULT_POLICY.thresholds[0] === 0.35 && DEFAULT_POLICY.alwaysAskHigh);
 * ```
 */
export const DEFAULT_POLICY: PolicyOptions = Object.freeze({
  thresholds: Object.freeze([0.35, 0.7]) as unknown as [number, number],
  alwaysAskHigh: true,
});

/** Per-tool overrides from the `tools` section; absent keys keep the tool's defaults. */
export interface ToolOptions {
  /** Overrides the tool's default risk. */
  risk?: Risk;
  /** Default timeout of a process tool, in milliseconds (1 to 3 600 000). */
  timeoutMs?: number;
  /** `false` removes the tool from the session. */
  enabled?: boolean;
}

/** How an ASK is decided (SPEC §3): by the client, always no, on the terminal, or by a program. */
export type ConfirmMode = "client" | "deny" | "tty" | `exec:${string}`;

/** Process isolation (SPEC §6, §7). */
export interface SandboxOptions {
  /** `auto` uses bwrap when it works, `bwrap` requires it, `none` runs processes unisolated. */
  mode: "auto" | "bwrap" | "none";
  /** Give process tools network access. */
  network: boolean;
  /** More folders or files the sandbox may read (absolute paths; never the witness log, the config or their folders). */
  readable?: string[];
  /** More folders or files the sandbox may read and write (same rules). */
  writable?: string[];
  /** `"workspace"` allows named unix sockets (AF_UNIX); default `"none"`: only socketpair. */
  unixSockets?: "none" | "workspace";
}

/** A complete, validated configuration. */
export interface SafeExecConfig {
  /** The workspace folder, absolute. */
  workspace: string;
  /**
   * `"workspaceMayContainHome": true` lets the workspace be or contain a home folder (the user's, `/root`, `/home`),
   * which is refused otherwise: the agent could read its keys and rewrite its shell's start-up files.
   */
  workspaceMayContainHome: boolean;
  /** The fatigue model. */
  metrics: MetricsOptions;
  /** The default policy's parameters. */
  policy: PolicyOptions;
  /** Per-tool overrides; keys are built-in tool names. */
  tools: Record<string, ToolOptions>;
  /** How an ASK is decided. */
  confirm: ConfirmMode;
  /** How long a confirmation may take, in milliseconds. */
  confirmTimeoutMs: number;
  /**
   * The witness log: its absolute path, whether each line is fsynced, and the Ed25519 private key file that signs
   * its checkpoints (absolute, outside the workspace), or null.
   */
  witness: { path: string; fsync: boolean; signingKey: string | null };
  /** Process isolation. */
  sandbox: SandboxOptions;
  /** The absolute path of the config file this came from, or null. */
  configPath: string | null;
}

/**
 * A configuration or command-line option that cannot be used. The message names the key, the value and what was
 * expected.
 *
 * @example
 * ```ts
 * import { ConfigError, parseConfig } from "./config.ts";
 * try {
 *   parseConfig('{"metrics": {"maxErrors": -1}}', { baseDir: "/x", source: "/x/safe-exec.jsonc" });
 *   throw new Error("not refused");
 * } catch (err) {
 *   console.assert(err instanceof ConfigError);
 *   console.assert((err as Error).message.includes('"metrics.maxErrors" must be a positive integer, got -1'));
 * }
 * ```
 */
export class ConfigError extends Error {
  /** Make the error with its message. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ConfigError";
  }
}

/**
 * The nine built-in tool names of SPEC §2, in SPEC order.
 *
 * @example
 * ```ts
 * import { BUILTIN_TOOL_NAMES } from "./config.ts";
 * console.assert(BUILTIN_TOOL_NAMES.length === 9 && BUILTIN_TOOL_NAMES[0] === "read_file");
 * ```
 */
export const BUILTIN_TOOL_NAMES: readonly string[] = Object.freeze([
  "read_file",
  "list_dir",
  "write_file",
  "append_file",
  "copy_file",
  "delete_file",
  "delete_dir",
  "run_bash",
  "run_python",
]);

const DEFAULT_CONFIG_FILE = "safe-exec.jsonc";
const DEFAULT_WORKSPACE = "workspace";
const DEFAULT_WITNESS = "witness.log";
const DEFAULT_CONFIRM_TIMEOUT_MS = 120_000;
const MAX_TOOL_TIMEOUT_MS = 3_600_000;
const MAX_CONFIRM_TIMEOUT_MS = 86_400_000;
const WEIGHT_SUM_TOLERANCE = 1e-9;

const TOP_KEYS = [
  "workspace",
  "metrics",
  "policy",
  "tools",
  "confirm",
  "confirmTimeoutMs",
  "witness",
  "sandbox",
  "workspaceMayContainHome",
] as const;
const METRICS_KEYS = Object.keys(DEFAULT_METRICS) as (keyof MetricsOptions)[];
const POLICY_KEYS = ["thresholds", "alwaysAskHigh"] as const;
const TOOL_KEYS = ["risk", "timeoutMs", "enabled"] as const;
const WITNESS_KEYS = ["path", "fsync", "signingKey"] as const;
const SANDBOX_KEYS = ["mode", "network", "readable", "writable", "unixSockets"] as const;
const SANDBOX_MODES = ["auto", "bwrap", "none"] as const;
const RISK_VALUES = ["low", "medium", "high"] as const;
const CONFIRM_DESCRIPTION = '"client", "deny", "tty" or "exec:<program>"';

/**
 * The configuration used when there is no config file: workspace `<cwd>/workspace`, witness `<cwd>/witness.log`,
 * the defaults of SPEC §1 and §3, `sandbox` `{ mode: "auto", network: false }`.
 *
 * @example
 * ```ts
 * import { defaultConfig } from "./config.ts";
 * const config = defaultConfig("/home/me/project");
 * console.assert(config.workspace === "/home/me/project/workspace");
 * console.assert(config.witness.path === "/home/me/project/witness.log");
 * console.assert(config.confirm === "client" && config.configPath === null);
 * ```
 */
export function defaultConfig(cwd: string): SafeExecConfig {
  const base = path.resolve(cwd);
  return {
    workspace: path.join(base, DEFAULT_WORKSPACE),
    workspaceMayContainHome: false,
    metrics: { ...DEFAULT_METRICS },
    policy: { thresholds: [DEFAULT_POLICY.thresholds[0], DEFAULT_POLICY.thresholds[1]], alwaysAskHigh: true },
    tools: {},
    confirm: "client",
    confirmTimeoutMs: DEFAULT_CONFIRM_TIMEOUT_MS,
    witness: { path: path.join(base, DEFAULT_WITNESS), fsync: false, signingKey: null },
    sandbox: { mode: "auto", network: false },
    configPath: null,
  };
}

/**
 * Parse JSONC text (comments, trailing commas) into a full config, filling what the text leaves out with the
 * defaults. Relative `workspace` and `witness.path` resolve against `baseDir` (the config file's folder). `source`
 * names the text in error messages. The result's `configPath` is null; {@linkcode resolveConfig} sets it.
 *
 * Throws {@linkcode ConfigError} on syntax errors (with line:column), an empty file, duplicate keys, unknown keys,
 * wrong types and out-of-range numbers.
 *
 * @example
 * ```ts
 * import { parseConfig } from "./config.ts";
 * const config = parseConfig(
 *   `{
 *     // CI: nobody to ask
 *     "confirm": "deny",
 *     "tools": { "run_bash": { "timeoutMs": 5000 } },
 *     "witness": { "path": "logs/witness.log" },
 *   }`,
 *   { baseDir: "/srv/agent", source: "/srv/agent/safe-exec.jsonc" },
 * );
 * console.assert(config.confirm === "deny");
 * console.assert(config.tools.run_bash?.timeoutMs === 5000);
 * console.assert(config.witness.path === "/srv/agent/logs/witness.log");
 * console.assert(config.workspace === "/srv/agent/workspace");
 * ```
 */
export function parseConfig(text: string, options: { baseDir: string; source: string }): SafeExecConfig {
  const baseDir = path.resolve(options.baseDir);
  const fail = (message: string): never => {
    throw new ConfigError(`Invalid config ${JSON.stringify(options.source)}: ${message}`);
  };
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte-order mark (Windows editors)

  const errors: ParseError[] = [];
  const value: unknown = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  if (first !== undefined) {
    if (value === undefined && isBlank(text)) fail("expected a JSON object, got an empty file");
    const { line, column } = lineColumn(text, first.offset);
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
    fail(`syntax error at ${line}:${column}: ${printParseErrorCode(first.error)}${more}`);
  }
  if (value === undefined) fail("expected a JSON object, got an empty file");
  checkKeyStructure(text, fail);
  if (!isPlainObject(value)) fail(`the top level must be a JSON object, got ${show(value)}`);
  return buildConfig(value as Record<string, unknown>, baseDir, fail);
}

/** Command-line options that override the config file. Relative paths resolve against the cwd. */
export interface CliOverrides {
  /** `--workspace DIR` */
  workspace?: string;
  /** `--config FILE` */
  config?: string;
  /** `--witness FILE` */
  witness?: string;
  /** `--confirm MODE` */
  confirm?: string;
}

/**
 * What the binary does at start. The config file is `overrides.config` (which must exist), else
 * `<cwd>/safe-exec.jsonc` if present, else the defaults of {@linkcode defaultConfig}. CLI overrides win over the file
 * and resolve against `cwd`.
 *
 * Then it refuses ({@linkcode ConfigError}) a witness log or a config file inside the workspace, comparing real paths
 * as far as they exist (symlinks, including dangling ones, are followed), and a workspace that is a filesystem root.
 * It does not create the workspace.
 *
 * @example
 * ```ts
 * import { ConfigError, resolveConfig } from "./config.ts";
 * import * as fs from "node:fs";
 * import * as os from "node:os";
 * import * as path from "node:path";
 * const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "safe-exec-doc-")));
 * try {
 *   const config = resolveConfig({ confirm: "deny" }, dir);
 *   console.assert(config.workspace === path.join(dir, "workspace") && config.confirm === "deny");
 *   try {
 *     resolveConfig({ witness: "workspace/witness.log" }, dir);
 *     throw new Error("not refused");
 *   } catch (err) {
 *     console.assert(err instanceof ConfigError);
 *   }
 * } finally {
 *   fs.rmSync(dir, { recursive: true });
 * }
 * ```
 */
export function resolveConfig(overrides: CliOverrides, cwd: string): SafeExecConfig {
  const base = path.resolve(cwd);
  const failOption = (option: string) => (message: string): never => {
    throw new ConfigError(`Invalid option --${option}: ${message}`);
  };

  let config: SafeExecConfig;
  let configPath: string | null = null;
  if (overrides.config !== undefined) {
    checkPathString(overrides.config, "the config file", failOption("config"));
    configPath = path.resolve(base, overrides.config);
  } else {
    const candidate = path.join(base, DEFAULT_CONFIG_FILE);
    if (lstatOrNull(candidate) !== null) configPath = candidate;
  }
  if (configPath !== null) {
    let text: string;
    try {
      text = fs.readFileSync(configPath, "utf8");
    } catch (err) {
      throw new ConfigError(`Cannot read config ${JSON.stringify(configPath)}: ${describeFsError(err)}`, {
        cause: err,
      });
    }
    config = parseConfig(text, { baseDir: path.dirname(configPath), source: configPath });
    config.configPath = configPath;
  } else {
    config = defaultConfig(base);
  }

  if (overrides.workspace !== undefined) {
    checkPathString(overrides.workspace, "a folder path", failOption("workspace"));
    config.workspace = path.resolve(base, overrides.workspace);
  }
  if (overrides.witness !== undefined) {
    checkPathString(overrides.witness, "a file path", failOption("witness"));
    config.witness.path = path.resolve(base, overrides.witness);
  }
  if (overrides.confirm !== undefined) config.confirm = toConfirmMode(overrides.confirm, failOption("confirm"));

  checkSeparation(config, base);
  checkSigningKey(config);
  return config;
}

// ---------------------------------------------------------------------------------------------------------------
// Building and validating

type Fail = (message: string) => never;

function buildConfig(raw: Record<string, unknown>, baseDir: string, fail: Fail): SafeExecConfig {
  const config = defaultConfig(baseDir);
  checkKeys(raw, TOP_KEYS, "", fail);

  if (has(raw, "workspace")) {
    config.workspace = path.resolve(baseDir, pathString(raw.workspace, "workspace", fail));
  }
  if (has(raw, "workspaceMayContainHome")) {
    config.workspaceMayContainHome = bool(raw.workspaceMayContainHome, "workspaceMayContainHome", fail);
  }
  if (has(raw, "metrics")) config.metrics = buildMetrics(raw.metrics, fail);
  if (has(raw, "policy")) config.policy = buildPolicy(raw.policy, fail);
  if (has(raw, "tools")) config.tools = buildTools(raw.tools, fail);
  if (has(raw, "confirm")) {
    const mode = raw.confirm;
    if (typeof mode !== "string") fail(`"confirm" must be ${CONFIRM_DESCRIPTION}, got ${show(mode)}`);
    config.confirm = toConfirmMode(mode as string, (msg) => fail(`"confirm" ${msg}`));
  }
  if (has(raw, "confirmTimeoutMs")) {
    config.confirmTimeoutMs = intInRange(raw.confirmTimeoutMs, "confirmTimeoutMs", 1, MAX_CONFIRM_TIMEOUT_MS, fail);
  }
  if (has(raw, "witness")) {
    const witness = object(raw.witness, "witness", fail);
    checkKeys(witness, WITNESS_KEYS, "witness", fail);
    if (has(witness, "path")) {
      config.witness.path = path.resolve(baseDir, pathString(witness.path, "witness.path", fail));
    }
    if (has(witness, "fsync")) config.witness.fsync = bool(witness.fsync, "witness.fsync", fail);
    if (has(witness, "signingKey")) {
      config.witness.signingKey = path.resolve(baseDir, pathString(witness.signingKey, "witness.signingKey", fail));
    }
  }
  if (has(raw, "sandbox")) config.sandbox = buildSandbox(raw.sandbox, baseDir, fail);
  return config;
}

function buildMetrics(value: unknown, fail: Fail): MetricsOptions {
  const raw = object(value, "metrics", fail);
  checkKeys(raw, METRICS_KEYS, "metrics", fail);
  const metrics: MetricsOptions = { ...DEFAULT_METRICS };
  if (has(raw, "maxContext")) metrics.maxContext = positive(raw.maxContext, "metrics.maxContext", fail);
  if (has(raw, "maxDuration")) metrics.maxDuration = positive(raw.maxDuration, "metrics.maxDuration", fail);
  if (has(raw, "maxErrors")) {
    const n = raw.maxErrors;
    if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 1) {
      fail(`"metrics.maxErrors" must be a positive integer, got ${show(n)}`);
    }
    metrics.maxErrors = n as number;
  }
  for (const key of ["weightContext", "weightDuration", "weightErrors"] as const) {
    if (has(raw, key)) metrics[key] = numberInRange(raw[key], `metrics.${key}`, 0, 1, fail);
  }
  const sum = metrics.weightContext + metrics.weightDuration + metrics.weightErrors;
  if (sum > 1 + WEIGHT_SUM_TOLERANCE) {
    fail(
      `"metrics.weightContext" + "metrics.weightDuration" + "metrics.weightErrors" must sum to at most 1 ` +
        `(fatigue stays in [0, 1]), got ${metrics.weightContext} + ${metrics.weightDuration} + ` +
        `${metrics.weightErrors} = ${sum}`,
    );
  }
  if (has(raw, "countToolErrors")) metrics.countToolErrors = bool(raw.countToolErrors, "metrics.countToolErrors", fail);
  if (has(raw, "errorWindowSeconds")) {
    const n = raw.errorWindowSeconds;
    if (typeof n !== "number" || !Number.isFinite(n) || n < 0) {
      fail(`"metrics.errorWindowSeconds" must be a number ≥ 0 (0: no window), got ${show(n)}`);
    }
    metrics.errorWindowSeconds = n as number;
  }
  return metrics;
}

function buildPolicy(value: unknown, fail: Fail): PolicyOptions {
  const raw = object(value, "policy", fail);
  checkKeys(raw, POLICY_KEYS, "policy", fail);
  const policy: PolicyOptions = {
    thresholds: [DEFAULT_POLICY.thresholds[0], DEFAULT_POLICY.thresholds[1]],
    alwaysAskHigh: DEFAULT_POLICY.alwaysAskHigh,
  };
  if (has(raw, "thresholds")) {
    const t = raw.thresholds;
    if (!Array.isArray(t) || t.length !== 2) {
      fail(`"policy.thresholds" must be an array of two numbers [t0, t1] with 0 ≤ t0 ≤ t1 ≤ 1, got ${show(t)}`);
    }
    const pair = t as unknown[];
    const t0 = numberInRange(pair[0], "policy.thresholds[0]", 0, 1, fail);
    const t1 = numberInRange(pair[1], "policy.thresholds[1]", 0, 1, fail);
    if (t0 > t1) fail(`"policy.thresholds" must be in order (0 ≤ t0 ≤ t1 ≤ 1), got ${show(t)}`);
    policy.thresholds = [t0, t1];
  }
  if (has(raw, "alwaysAskHigh")) policy.alwaysAskHigh = bool(raw.alwaysAskHigh, "policy.alwaysAskHigh", fail);
  return policy;
}

function buildTools(value: unknown, fail: Fail): Record<string, ToolOptions> {
  const raw = object(value, "tools", fail);
  const tools: Record<string, ToolOptions> = {};
  for (const name of Object.keys(raw)) {
    if (!BUILTIN_TOOL_NAMES.includes(name)) {
      fail(`unknown tool ${JSON.stringify(`tools.${name}`)}; allowed tools: ${BUILTIN_TOOL_NAMES.join(", ")}`);
    }
    const key = `tools.${name}`;
    const entry = object(raw[name], key, fail);
    checkKeys(entry, TOOL_KEYS, key, fail);
    const options: ToolOptions = {};
    if (has(entry, "risk")) {
      const risk = entry.risk;
      if (typeof risk !== "string" || !(RISK_VALUES as readonly string[]).includes(risk)) {
        fail(`"${key}.risk" must be one of "low", "medium", "high", got ${show(risk)}`);
      }
      options.risk = risk as Risk;
    }
    if (has(entry, "timeoutMs")) {
      options.timeoutMs = intInRange(entry.timeoutMs, `${key}.timeoutMs`, 1, MAX_TOOL_TIMEOUT_MS, fail);
    }
    if (has(entry, "enabled")) options.enabled = bool(entry.enabled, `${key}.enabled`, fail);
    tools[name] = options;
  }
  return tools;
}

function buildSandbox(value: unknown, baseDir: string, fail: Fail): SandboxOptions {
  const sandbox: SandboxOptions = { mode: "auto", network: false };
  const expectedMode = SANDBOX_MODES.map((m) => JSON.stringify(m)).join(", ");
  if (typeof value === "string") {
    if (!(SANDBOX_MODES as readonly string[]).includes(value)) {
      fail(`"sandbox" must be one of ${expectedMode} or an object {mode, network, …}, got ${show(value)}`);
    }
    sandbox.mode = value as SandboxOptions["mode"];
    return sandbox;
  }
  if (!isPlainObject(value)) {
    fail(`"sandbox" must be one of ${expectedMode} or an object {mode, network}, got ${show(value)}`);
  }
  const raw = value as Record<string, unknown>;
  checkKeys(raw, SANDBOX_KEYS, "sandbox", fail);
  if (has(raw, "mode")) {
    const mode = raw.mode;
    if (typeof mode !== "string" || !(SANDBOX_MODES as readonly string[]).includes(mode)) {
      fail(`"sandbox.mode" must be one of ${expectedMode}, got ${show(mode)}`);
    }
    sandbox.mode = mode as SandboxOptions["mode"];
  }
  if (has(raw, "network")) sandbox.network = bool(raw.network, "sandbox.network", fail);
  for (const key of ["readable", "writable"] as const) {
    if (!has(raw, key)) continue;
    const list = raw[key];
    if (!Array.isArray(list)) fail(`"sandbox.${key}" must be an array of paths, got ${show(list)}`);
    sandbox[key] = (list as unknown[]).map((p, i) =>
      path.resolve(baseDir, pathString(p, `sandbox.${key}[${i}]`, fail))
    );
  }
  if (has(raw, "unixSockets")) {
    const u = raw.unixSockets;
    if (u !== "none" && u !== "workspace") fail(`"sandbox.unixSockets" must be "none" or "workspace", got ${show(u)}`);
    sandbox.unixSockets = u as "none" | "workspace";
    if (u === "workspace" && sandbox.network) {
      fail(
        `"sandbox.unixSockets": "workspace" cannot go with "sandbox.network": true: in the host's network namespace ` +
          `a unix socket reaches the host's abstract sockets (D-Bus, X11, container runtimes)`,
      );
    }
  }
  return sandbox;
}

/** Validate a confirm mode; `fail` gets a message starting with "must be". */
function toConfirmMode(mode: string, fail: Fail): ConfirmMode {
  if (mode === "client" || mode === "deny" || mode === "tty") return mode;
  if (mode.startsWith("exec:")) {
    const program = mode.slice("exec:".length);
    if (program.trim() === "" || program.includes("\0")) {
      fail(`must be ${CONFIRM_DESCRIPTION} with a non-empty program (no NUL), got ${show(mode)}`);
    }
    return mode as ConfirmMode;
  }
  return fail(`must be ${CONFIRM_DESCRIPTION}, got ${show(mode)}`);
}

function checkKeys(raw: Record<string, unknown>, allowed: readonly string[], at: string, fail: Fail): void {
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) {
      const full = at === "" ? key : `${at}.${key}`;
      fail(`unknown key ${JSON.stringify(full)}; allowed keys${at === "" ? "" : ` in "${at}"`}: ${allowed.join(", ")}`);
    }
  }
}

function object(value: unknown, key: string, fail: Fail): Record<string, unknown> {
  if (!isPlainObject(value)) fail(`"${key}" must be an object, got ${show(value)}`);
  return value as Record<string, unknown>;
}

function bool(value: unknown, key: string, fail: Fail): boolean {
  if (typeof value !== "boolean") fail(`"${key}" must be true or false, got ${show(value)}`);
  return value as boolean;
}

function positive(value: unknown, key: string, fail: Fail): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    fail(`"${key}" must be a number > 0, got ${show(value)}`);
  }
  return value as number;
}

function numberInRange(value: unknown, key: string, min: number, max: number, fail: Fail): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    fail(`"${key}" must be a number in [${min}, ${max}], got ${show(value)}`);
  }
  return value as number;
}

function intInRange(value: unknown, key: string, min: number, max: number, fail: Fail): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    fail(`"${key}" must be an integer in [${min}, ${max}], got ${show(value)}`);
  }
  return value as number;
}

function pathString(value: unknown, key: string, fail: Fail): string {
  checkPathString(value, "a non-empty path string", (msg) => fail(`"${key}" ${msg}`));
  return value as string;
}

/** `fail` gets a message starting with "must be". */
function checkPathString(value: unknown, what: string, fail: Fail): void {
  if (typeof value !== "string" || value === "" || value.includes("\0")) {
    fail(`must be ${what} (non-empty, no NUL), got ${show(value)}`);
  }
}

/**
 * Refuse duplicate keys in any object (`parse` silently keeps the last one, which hides mistakes) and `__proto__`
 * keys.
 */
function checkKeyStructure(text: string, fail: Fail): void {
  const stack: { keys: Set<string>; at: string }[] = [];
  let pendingKey: string | null = null;
  visit(text, {
    onObjectBegin: () => {
      const parent = stack[stack.length - 1];
      const at = parent === undefined ? "" : joinKey(parent.at, pendingKey ?? "");
      stack.push({ keys: new Set(), at });
    },
    onObjectProperty: (name, offset) => {
      const top = stack[stack.length - 1];
      if (top === undefined) return;
      if (name === "__proto__") {
        // Bun (unlike Deno) would turn it into the object's prototype, hiding it from the unknown-key check.
        fail(`unknown key ${JSON.stringify(joinKey(top.at, name))}`);
      }
      if (top.keys.has(name)) {
        const { line, column } = lineColumn(text, offset);
        fail(`duplicate key ${JSON.stringify(joinKey(top.at, name))} at ${line}:${column}`);
      }
      top.keys.add(name);
      pendingKey = name;
    },
    onObjectEnd: () => {
      stack.pop();
    },
  }, { allowTrailingComma: true, disallowComments: false });
}

function joinKey(at: string, key: string): string {
  return at === "" ? key : `${at}.${key}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Workspace separation

function checkSeparation(config: SafeExecConfig, cwd: string): void {
  const workspace = realPathLoose(config.workspace);
  const roots = new Set([path.parse(workspace).root, path.parse(cwd).root, path.parse(realPathLoose(cwd)).root]);
  if (roots.has(workspace)) {
    throw new ConfigError(
      `Invalid workspace ${JSON.stringify(config.workspace)}: a filesystem root cannot be the workspace ` +
        `(the agent could rewrite anything); choose a dedicated folder`,
    );
  }
  const system = SYSTEM_FOLDERS.find((f) => workspace === f || workspace === realPathLoose(f));
  if (system !== undefined) {
    throw new ConfigError(
      `Invalid workspace ${JSON.stringify(config.workspace)}: it is the system folder ${JSON.stringify(system)} ` +
        `(the agent could rewrite what the system runs); choose a dedicated folder`,
    );
  }
  if (!config.workspaceMayContainHome) {
    const home = homeFolders().find((h) => isInside(h, workspace));
    if (home !== undefined) {
      throw new ConfigError(
        `Invalid workspace ${JSON.stringify(config.workspace)}: it ${
          home === workspace ? "is" : "contains"
        } the home folder ${JSON.stringify(home)}, where the agent could read SSH keys and credentials and ` +
          `rewrite shell start-up files; choose a dedicated folder, or set "workspaceMayContainHome": true in ` +
          `the config to allow it`,
      );
    }
  }
  const witness = realPathLoose(config.witness.path);
  if (isInside(witness, workspace)) {
    throw new ConfigError(
      `Invalid witness log ${JSON.stringify(config.witness.path)}: ` +
        insideMessage(config.witness.path, witness, config.workspace, workspace),
    );
  }
  const configReal = config.configPath !== null ? realPathLoose(config.configPath) : null;
  if (config.configPath !== null && configReal !== null) {
    if (isInside(configReal, workspace)) {
      throw new ConfigError(
        `Invalid config ${JSON.stringify(config.configPath)}: ` +
          insideMessage(config.configPath, configReal, config.workspace, workspace),
      );
    }
  }
  // What the sandbox may see besides the workspace must not hold the witness log or the config (SPEC §7).
  for (const key of ["readable", "writable"] as const) {
    for (const [i, entry] of (config.sandbox[key] ?? []).entries()) {
      const real = realPathLoose(entry);
      const name = `sandbox.${key}[${i}]`;
      if (path.parse(real).root === real) {
        throw new ConfigError(
          `Invalid ${JSON.stringify(name)} ${JSON.stringify(entry)}: a filesystem root would show everything`,
        );
      }
      const signingKey = config.witness.signingKey;
      const guarded: Array<[string, string | null, string | null]> = [
        ["the witness log", config.witness.path, witness],
        ["the config file", config.configPath, configReal],
        ["the witness signing key", signingKey, signingKey === null ? null : realPathLoose(signingKey)],
      ];
      for (const [what, file, real2] of guarded) {
        if (file === null || real2 === null) continue;
        if (isInside(real2, real)) {
          throw new ConfigError(
            `Invalid ${JSON.stringify(name)} ${JSON.stringify(entry)}: it holds ${what} ${JSON.stringify(file)}` +
              `${real !== path.resolve(entry) ? ` (real path ${JSON.stringify(real)})` : ""}, which a sandboxed ` +
              `process could then ${key === "writable" ? "rewrite" : "read"}; name a folder beside it instead`,
          );
        }
      }
    }
  }
}

/** The signing key (SPEC §4.1) lies outside the workspace and is an Ed25519 private key this process can read. */
function checkSigningKey(config: SafeExecConfig): void {
  const key = config.witness.signingKey;
  if (key === null) return;
  const workspace = realPathLoose(config.workspace);
  const real = realPathLoose(key);
  if (isInside(real, workspace)) {
    throw new ConfigError(
      `Invalid witness.signingKey ${JSON.stringify(key)}: ${insideMessage(key, real, config.workspace, workspace)}`,
    );
  }
  try {
    loadSigningKey(key);
  } catch (err) {
    throw new ConfigError(`Invalid witness.signingKey: ${(err as Error).message}`, { cause: err });
  }
}

/** Folders that are never a workspace (a workspace that contains one is also refused: only `/` does). */
const SYSTEM_FOLDERS: readonly string[] = [
  "/bin",
  "/boot",
  "/dev",
  "/etc",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/proc",
  "/run",
  "/sbin",
  "/sys",
  "/usr",
  "/var",
];

/** Home folders, as real paths: the user's ($HOME), and where homes live (`/root`, `/home`). */
function homeFolders(): string[] {
  const found = new Set<string>();
  // $HOME, as os.homedir() reads it first (os.homedir() itself needs Deno's sys permission, which we do not ask).
  for (const h of [process.env.HOME ?? "", "/root", "/home"]) {
    if (h && path.isAbsolute(h)) found.add(realPathLoose(h));
  }
  return [...found].filter((h) => path.parse(h).root !== h);
}

/** Why a file inside the workspace is refused; names the real paths when symlinks made them differ. */
function insideMessage(given: string, real: string, givenWorkspace: string, realWorkspace: string): string {
  const note = real === path.resolve(given) && realWorkspace === path.resolve(givenWorkspace)
    ? ""
    : ` (real paths ${JSON.stringify(real)} and ${JSON.stringify(realWorkspace)})`;
  return `it is inside the workspace ${JSON.stringify(givenWorkspace)}${note}, where the agent could rewrite it; ` +
    `put it outside the workspace`;
}

/** `child` equals `parent` or lies below it. */
function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/**
 * The real path of `p` as far as it exists: the existing part is resolved with realpath, a dangling symlink is
 * followed to where it points, and the missing rest is appended.
 */
function realPathLoose(p: string, depth = 0): string {
  const abs = path.resolve(p);
  try {
    return fs.realpathSync.native(abs);
  } catch {
    // fall through: resolve what exists
  }
  const parent = path.dirname(abs);
  if (parent === abs) return abs;
  const realParent = realPathLoose(parent, depth);
  const here = path.join(realParent, path.basename(abs));
  const stat = lstatOrNull(here);
  if (stat?.isSymbolicLink() && depth < 40) {
    try {
      return realPathLoose(path.resolve(realParent, fs.readlinkSync(here)), depth + 1);
    } catch {
      return here;
    }
  }
  return here;
}

function lstatOrNull(p: string): fs.Stats | null {
  try {
    return fs.lstatSync(p);
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

function has(raw: Record<string, unknown>, key: string): boolean {
  return Object.hasOwn(raw, key);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isBlank(text: string): boolean {
  // Only whitespace and comments: the text inside an array parses to an empty array without errors.
  const errors: ParseError[] = [];
  const wrapped: unknown = parseJsonc(`[${text}\n]`, errors, { allowTrailingComma: false, disallowComments: false });
  return errors.length === 0 && Array.isArray(wrapped) && wrapped.length === 0;
}

/** A value for an error message: JSON, cut to 80 characters. */
function show(value: unknown): string {
  let s: string;
  try {
    s = value === undefined ? "nothing" : JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  if (typeof value === "number" && !Number.isFinite(value)) s = String(value);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** 1-based line and column (in UTF-16 code units) of an offset; `\r\n`, `\r` and `\n` end lines. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

function describeFsError(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  if (code === "ENOENT") return "no such file";
  if (code === "EISDIR") return "it is a folder, not a file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  return err instanceof Error ? err.message : String(err);
}
