/**
 * What the binary does at start (SPEC §5, §6): find the config file, apply the command line's overrides, and refuse
 * a workspace, witness log, config file or sandbox path that would let the agent rewrite what guards it.
 *
 * @module
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { lstatOrNull } from "../_util/paths.ts";
import { checkPathString } from "./_fields.ts";
import { checkSeparation, checkSigningKey } from "./_separation.ts";
import { parseConfig } from "./parse.ts";
import { toConfirmMode } from "./sections.ts";
import { type CliOverrides, ConfigError, DEFAULT_CONFIG_FILE, defaultConfig, type SafeExecConfig } from "./types.ts";

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
 * import assert from "node:assert/strict";
 * import { ConfigError } from "./types.ts";
 * import { resolveConfig } from "./resolve.ts";
 * import * as fs from "node:fs";
 * import * as os from "node:os";
 * import * as path from "node:path";
 * const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "safe-exec-doc-")));
 * try {
 *   const config = resolveConfig({ confirm: "deny" }, dir);
 *   assert.ok(config.workspace === path.join(dir, "workspace") && config.confirm === "deny");
 *   try {
 *     resolveConfig({ witness: "workspace/witness.log" }, dir);
 *     throw new Error("not refused");
 *   } catch (err) {
 *     assert.ok(err instanceof ConfigError);
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

function describeFsError(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  if (code === "ENOENT") return "no such file";
  if (code === "EISDIR") return "it is a folder, not a file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  return err instanceof Error ? err.message : String(err);
}
