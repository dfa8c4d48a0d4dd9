/**
 * Private helper of the CLI: what every command gets (the runtime and where to write), and how a server command
 * builds its app from the command line (the config file, the overrides, the start-up checks).
 *
 * @module
 */
import process from "node:process";
import { type App, createApp } from "../app.ts";
import { isDefaultWorkspace, prepareStartup } from "../config/startup.ts";
import { resolveConfig } from "../config/resolve.ts";
import type { Runtime } from "../runtime/types.ts";
import { overrides, type ParsedArgs } from "./args.ts";

/** What a command gets besides its arguments. */
export interface CliContext {
  /** The runtime. */
  runtime: Runtime;
  /** stdout (`out`) and stderr (`err`), one line per call. */
  io: { out: (line: string) => void; err: (line: string) => void };
}

/** One command: its arguments parsed, resolves to the exit code. */
export type Command = (args: ParsedArgs, ctx: CliContext) => Promise<number>;

/**
 * The app of a server command: the config (file and overrides, resolved against the working folder), the
 * workspace and the witness log checked and created where needed ({@linkcode prepareStartup}; a `ConfigError` when
 * a path cannot be used), then {@linkcode createApp}.
 */
export function startApp(options: Record<string, string>, runtime: Runtime): App {
  const cwd = process.cwd();
  const config = resolveConfig(overrides(options), cwd);
  prepareStartup(config, isDefaultWorkspace(config, cwd, options.workspace), (line) => runtime.writeStderr(line));
  return createApp(config, runtime);
}
