/**
 * The config of hook mode (SPEC §6, §9): the same JSONC file as the server's, read from `--config FILE`, else from
 * `$XDG_CONFIG_HOME/safe-exec/safe-exec.jsonc` (else `~/.config/safe-exec/safe-exec.jsonc`) when it exists, else the
 * defaults. Never from the agent's project: a `./safe-exec.jsonc` there is a file the agent can rewrite, so it is
 * not looked for, and a config, witness log or state folder inside the agent's working folder is refused (unless
 * that folder is the home folder or above it, where every user file lives).
 *
 * What differs from the server's defaults:
 * - `metrics.maxContext` is {@linkcode HOOK_MAX_CONTEXT} (200,000 tokens: the context window of Claude Code's,
 *   Codex's and Gemini CLI's models is 200,000 tokens or more) unless the file sets it;
 * - the witness log is `witness.log` in the state folder unless the file sets `witness.path` (or `--witness`);
 * - `workspace`, `sandbox`, `servers` and `confirm` do not apply (the agent runs its own tools, in its own folder,
 *   and asks its own user).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadHookConfig, HOOK_MAX_CONTEXT } from "./config.ts";
 * const c = await loadHookConfig({ stateDir: "/s", cwd: "/p", env: { HOME: "/nonexistent-home" } });
 * assert.equal(c.config.metrics.maxContext, HOOK_MAX_CONTEXT);
 * assert.equal(c.config.witness.path, "/s/witness.log");
 * assert.equal(c.configPath, null);
 * ```
 *
 * @module
 */
import { readFileSync, realpathSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { isWithin, lstatOrNull, realPathLoose } from "../_util/paths.ts";
import { ConfigError, DEFAULT_CONFIG_FILE, defaultConfig, type SafeExecConfig } from "../config/types.ts";

/** The default `metrics.maxContext` in hook mode: a 200,000-token context window saturates the context term. */
export const HOOK_MAX_CONTEXT = 200_000;

/** Where the hook's config, log and state come from. */
export interface HookConfigOptions {
  /** `--config FILE` (relative to `cwd`). */
  config?: string;
  /** `--witness FILE` (relative to `cwd`). */
  witness?: string;
  /** The state folder (absolute). */
  stateDir: string;
  /** The hook's working folder (the agent's project, as the event says or the process's cwd). */
  cwd: string;
  /** The project's root when the event names one apart from `cwd` (hook/_project.ts): also the agent's folder. */
  root?: string;
  /** The environment (HOME, XDG_CONFIG_HOME). */
  env: Readonly<Record<string, string | undefined>>;
}

/** The config hook mode runs with. */
export interface HookConfig {
  /** The resolved config. */
  config: SafeExecConfig;
  /** The file it came from, or null (the defaults). */
  configPath: string | null;
}

/** The user-level config file hook mode reads without `--config`. */
export function userConfigPath(env: Readonly<Record<string, string | undefined>>): string | null {
  const xdg = env.XDG_CONFIG_HOME;
  if (xdg !== undefined && xdg.startsWith("/")) return join(xdg, "safe-exec", DEFAULT_CONFIG_FILE);
  const home = env.HOME;
  return home !== undefined && home.startsWith("/") ? join(home, ".config", "safe-exec", DEFAULT_CONFIG_FILE) : null;
}

function _real(p: string): string {
  try {
    return realpathSync.native(p);
  } catch {
    return realPathLoose(p);
  }
}

/**
 * Whether `path` lies inside the agent's folder `cwd` (real paths), where the agent could rewrite it; a `cwd` that
 * is the home folder or above it does not count (every user file lives there).
 */
export function insideAgentFolder(path: string, cwd: string, home: string | undefined): boolean {
  return _insideAgentFolder(cwd, home)(path);
}

/** {@linkcode insideAgentFolder} for one `cwd` and `home`, their real paths looked up once for every path asked. */
function _insideAgentFolder(cwd: string, home: string | undefined): (path: string) => boolean {
  const c = _real(cwd);
  if (home !== undefined && home.startsWith("/") && isWithin(_real(home), c)) return () => false;
  return (path) => isWithin(_real(path), c);
}

/**
 * Read the hook's config; rejects with {@linkcode ConfigError} naming what is wrong. The JSONC parser is loaded only
 * when there is a file to parse (it is the slowest module to start: a hook is one process per tool call).
 */
export async function loadHookConfig(options: HookConfigOptions): Promise<HookConfig> {
  const { cwd, env } = options;
  let configPath: string | null = null;
  if (options.config !== undefined) {
    if (options.config === "" || options.config.includes("\0")) {
      throw new ConfigError(`Invalid option --config: expected a file path, got ${JSON.stringify(options.config)}`);
    }
    configPath = resolve(cwd, options.config);
  } else {
    const user = userConfigPath(env);
    if (user !== null && lstatOrNull(user) !== null) configPath = user;
  }
  let config: SafeExecConfig;
  let raw: Record<string, unknown> = {};
  if (configPath !== null) {
    let text: string;
    try {
      text = readFileSync(configPath, "utf8");
    } catch (e) {
      const code = (e as { code?: string }).code;
      throw new ConfigError(
        `Cannot read config ${JSON.stringify(configPath)}: ${
          code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a folder, not a file" : (e as Error).message
        }`,
      );
    }
    const [{ parseConfig }, { parse: parseJsonc }] = await Promise.all([
      import("../config/parse.ts"),
      import("jsonc-parser"),
    ]);
    config = parseConfig(text, { baseDir: dirname(configPath), source: configPath });
    config.configPath = configPath;
    const value = parseJsonc(text, [], { allowTrailingComma: true });
    if (typeof value === "object" && value !== null) raw = value as Record<string, unknown>;
  } else {
    config = defaultConfig(cwd);
  }
  const metrics = raw.metrics as Record<string, unknown> | undefined;
  if (metrics?.maxContext === undefined) config.metrics.maxContext = HOOK_MAX_CONTEXT;
  const witness = raw.witness as Record<string, unknown> | undefined;
  if (options.witness !== undefined) {
    if (options.witness === "" || options.witness.includes("\0")) {
      throw new ConfigError(`Invalid option --witness: expected a file path, got ${JSON.stringify(options.witness)}`);
    }
    config.witness.path = resolve(cwd, options.witness);
  } else if (witness?.path === undefined) {
    config.witness.path = join(options.stateDir, "witness.log");
  }
  const guarded: [string, string | null][] = [
    ["the config file", configPath],
    ["the witness log", config.witness.path],
    ["the hook's state folder", options.stateDir],
  ];
  // the event's folder and the project's root: a shell moved into a subfolder does not make the project's files
  // out of the agent's reach (red team 9, H8)
  for (const folder of options.root !== undefined && options.root !== cwd ? [cwd, options.root] : [cwd]) {
    const inside = _insideAgentFolder(folder, env.HOME);
    for (const [what, p] of guarded) {
      if (p !== null && inside(p)) {
        throw new ConfigError(
          `Cannot use ${what} ${JSON.stringify(p)} as it is inside the agent's folder ${
            JSON.stringify(folder)
          }: the agent could rewrite it; keep it outside (e.g. under ~/.config/safe-exec or ~/.local/state/safe-exec)`,
        );
      }
    }
  }
  return { config, configPath };
}
