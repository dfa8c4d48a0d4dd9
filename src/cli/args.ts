/**
 * The command line's words: the help text, the one {@linkcode UsageError} (exit 2), and {@linkcode parseArgs} for the
 * commands that share the server options (`log` parses its own).
 *
 * @module
 */
import type { CliOverrides } from "../config/mod.ts";
import { VERSION } from "../version.ts";

/**
 * Thrown for bad command-line usage: exit code 2.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UsageError } from "./args.ts";
 * assert.equal(new UsageError("--args must be JSON").name, "UsageError");
 * ```
 */
export class UsageError extends Error {
  /** Make one. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
/** The help text. */
export const HELP = `safe-exec ${VERSION} — a fatigue-aware gate, witness log and sandbox for an LLM agent's tools

Usage:
  safe-exec serve  [options]             JSON lines on stdin/stdout (the default command)
  safe-exec mcp    [options]             MCP server over stdio
  safe-exec exec   TOOL --args JSON [options]
                                         one call, the result as JSON on stdout (exit 0 when ok)
  safe-exec check  TOOL --args JSON [options]
                                         what the gate would decide now and which rules matched
                                         (nothing asked, run or logged)
  safe-exec log    stats|verify|tail|head [FILE]   (verify --head HASH --key PUBLIC --json; tail -n N -f)
  safe-exec log    keygen KEYFILE         an Ed25519 key pair that signs the log (witness.signingKey)
  safe-exec hook   claude-code|codex|gemini|cursor [--config FILE] [--witness FILE] [--state DIR]
                                         one agent hook event on stdin, the answer in its dialect
  safe-exec hook   AGENT --install [--project DIR] | --uninstall [--project DIR]
                                         merge safe-exec's hooks into the agent's settings (or remove them)
  safe-exec doctor                       which isolation layers this machine gives, and why not
  safe-exec schema --format mcp|openai|openai-responses|anthropic [--strict] [--config FILE]
                                         the tool definitions (built-in, brought and upstream ones)
  safe-exec --version | --help

Options:
  --workspace DIR    the only folder tools may touch (default ./workspace); created if missing when its
                     parent exists; never your home folder unless the config says "workspaceMayContainHome"
  --config FILE      JSONC config (default ./safe-exec.jsonc if present)
  --witness FILE     the witness log (default ./witness.log; never inside the workspace; its folder is created)
  --confirm MODE     who answers ASK: client (serve default), deny, tty, exec:PROGRAM

Exit codes: 0 success, 1 runtime failure, 2 usage error.`;

/** Parsed command line. */
export interface ParsedArgs {
  /** The subcommand. */
  command: "serve" | "mcp" | "exec" | "check" | "log" | "doctor" | "schema" | "version" | "help";
  /** Positional arguments after the command. */
  positional: string[];
  /** --options. */
  options: Record<string, string>;
}

const VALUE_OPTIONS = new Set(["workspace", "config", "witness", "confirm", "args", "format", "n"]);
/** Options without a value (`--strict`): present means `"true"`. */
const FLAG_OPTIONS = new Set(["strict"]);
/** The commands, as `safe-exec COMMAND` names them (`serve` is the default). */
export const COMMANDS: ReadonlySet<string> = new Set([
  "serve",
  "mcp",
  "exec",
  "check",
  "log",
  "hook",
  "doctor",
  "schema",
]);

/**
 * Parse `argv` (after the program name).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseArgs } from "./args.ts";
 * const p = parseArgs(["serve", "--confirm=deny", "--workspace", "ws"]);
 * assert.ok(p.command === "serve" && p.options.confirm === "deny" && p.options.workspace === "ws");
 * ```
 */
export function parseArgs(argv: string[]): ParsedArgs {
  if (argv.includes("--help") || argv.includes("-h")) return { command: "help", positional: [], options: {} };
  if (argv.includes("--version") || argv.includes("-V")) return { command: "version", positional: [], options: {} };
  let command: ParsedArgs["command"] = "serve";
  let rest = argv;
  const first = argv[0];
  if (first !== undefined && !first.startsWith("-")) {
    if (!COMMANDS.has(first)) {
      throw new UsageError(`Unknown command ${JSON.stringify(first)}; expected one of ${[...COMMANDS].join(", ")}`);
    }
    command = first as ParsedArgs["command"];
    rest = argv.slice(1);
  }
  const options: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] as string;
    if (a === "-n") {
      const v = rest[++i];
      if (v === undefined) throw new UsageError(`-n needs a value`);
      options.n = v;
    } else if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = eq === -1 ? a.slice(2) : a.slice(2, eq);
      if (FLAG_OPTIONS.has(name)) {
        if (eq !== -1) throw new UsageError(`--${name} takes no value, got ${JSON.stringify(a.slice(eq + 1))}`);
        options[name] = "true";
        continue;
      }
      if (!VALUE_OPTIONS.has(name)) throw new UsageError(`Unknown option --${name}`);
      let value: string | undefined;
      if (eq !== -1) value = a.slice(eq + 1);
      else value = rest[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      options[name] = value;
    } else {
      positional.push(a);
    }
  }
  return { command, positional, options };
}

/** The options that override the config file (`--workspace`, `--config`, `--witness`, `--confirm`). */
export function overrides(options: Record<string, string>): CliOverrides {
  const o: CliOverrides = {};
  for (const k of ["workspace", "config", "witness", "confirm"] as const) {
    const v = options[k];
    if (v !== undefined) o[k] = v;
  }
  return o;
}
