/**
 * The shape of a complete configuration (SPEC §6), its defaults, and the error every bad value gives. The option
 * types of each section belong to the part of safe-exec that uses them (the gate's metrics and policy, the
 * sandbox, the built-in tools, the confirmation modes); the config composes them.
 *
 * @module
 */
import * as path from "node:path";
import { type ConfirmMode, DEFAULT_CONFIRM_TIMEOUT_MS } from "../gate/confirm.ts";
import { DEFAULT_METRICS, type MetricsOptions } from "../gate/metrics.ts";
import { DEFAULT_POLICY, type PolicyOptions } from "../gate/policy.ts";
import type { ToolOptions } from "../builtins/definitions.ts";
import type { BroughtToolConfig } from "../builtins/brought.ts";
import type { UpstreamServerConfig } from "../gateway/config.ts";
import type { SandboxOptions } from "../isolation/mod.ts";
import type { RuleSpec } from "../rules/mod.ts";

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
  /** Tools the agent brings (SPEC §2.1): the entries of `tools` under names of their own, enabled ones only. */
  brought: Record<string, BroughtToolConfig>;
  /** Upstream MCP servers of the gateway (SPEC §8), by name. */
  servers: Record<string, UpstreamServerConfig>;
  /** How an ASK is decided. */
  confirm: ConfirmMode;
  /** How long a confirmation may take, in milliseconds. */
  confirmTimeoutMs: number;
  /**
   * The witness log: its absolute path, whether each line is fsynced, and the Ed25519 private key file that signs
   * its checkpoints (absolute, outside the workspace), or null.
   */
  witness: WitnessOptions;
  /** Process isolation. */
  sandbox: SandboxOptions;
  /** The absolute path of the config file this came from, or null. */
  configPath: string | null;
  /** The rules (SPEC §1.1), as written, each one valid. */
  rules: RuleSpec[];
  /** Whether the built-in read-only commands lower run_bash scripts (default true). */
  readOnlyCommands: boolean;
  /**
   * Whether the built-in project checks (`npm test`, `npx tsc`, …) are medium where run_bash runs in the bubblewrap
   * sandbox without network (default true; never outside it, nor with `readOnlyCommands` false).
   */
  projectChecks: boolean;
}

/** The `witness` section. */
export interface WitnessOptions {
  /** The log's absolute path. */
  path: string;
  /** fsync every line. */
  fsync: boolean;
  /** The Ed25519 private key file that signs the checkpoints (absolute, outside the workspace), or null. */
  signingKey: string | null;
}

/**
 * A configuration or command-line option that cannot be used. The message names the key, the value and what was
 * expected.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigError } from "./types.ts";
 * import { parseConfig } from "./parse.ts";
 * assert.throws(
 *   () => parseConfig('{"metrics": {"maxErrors": -1}}', { baseDir: "/x", source: "/x/safe-exec.jsonc" }),
 *   (err: unknown) =>
 *     err instanceof ConfigError && err.message.includes('"metrics.maxErrors" must be a positive integer, got -1'),
 * );
 * ```
 */
export class ConfigError extends Error {
  /** Make the error with its message. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ConfigError";
  }
}

/** The config file looked for in the working folder when `--config` is not given. */
export const DEFAULT_CONFIG_FILE = "safe-exec.jsonc";
/** The workspace folder's default name, beside the config file (or in the working folder). */
export const DEFAULT_WORKSPACE = "workspace";
/** The witness log's default name, beside the config file (or in the working folder). */
export const DEFAULT_WITNESS = "witness.log";

/**
 * The configuration used when there is no config file: workspace `<cwd>/workspace`, witness `<cwd>/witness.log`,
 * the defaults of SPEC §1 and §3, `sandbox` `{ mode: "auto", network: false }`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultConfig } from "./types.ts";
 * const config = defaultConfig("/home/me/project");
 * assert.equal(config.workspace, "/home/me/project/workspace");
 * assert.equal(config.witness.path, "/home/me/project/witness.log");
 * assert.equal(config.confirm, "client");
 * assert.equal(config.configPath, null);
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
    brought: {},
    servers: {},
    confirm: "client",
    confirmTimeoutMs: DEFAULT_CONFIRM_TIMEOUT_MS,
    witness: { path: path.join(base, DEFAULT_WITNESS), fsync: false, signingKey: null },
    sandbox: { mode: "auto", network: false },
    configPath: null,
    rules: [],
    readOnlyCommands: true,
    projectChecks: true,
  };
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
