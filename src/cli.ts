/**
 * The `safe-exec` command line (SPEC §5): serve, mcp, exec, log, doctor, schema, --version, --help.
 *
 * @module
 */
import { type CliOverrides, ConfigError, resolveConfig, type SafeExecConfig } from "./config.ts";
import { confirmHandlerFor } from "./confirm.ts";
import { SafeExecutor } from "./executor.ts";
import { runLogCommand } from "./log_cmd.ts";
import { PROTOCOL_VERSION, ProtocolServer, resultResponse } from "./protocol.ts";
import type { Runtime } from "./runtime/types.ts";
import { registerDefaults } from "./tools/builtin.ts";
import { createIsolation, type Isolation } from "./isolation.ts";
import { isDefaultWorkspace, prepareStartup } from "./startup.ts";
import { LineWriter, runStdioLoop } from "./stdio.ts";
import { VERSION } from "./version.ts";

/** Thrown for bad command-line usage: exit code 2. */
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
  safe-exec log    stats|verify|tail|head [FILE]   (verify --head HASH --key PUBLIC --json; tail -n N -f)
  safe-exec log    keygen KEYFILE         an Ed25519 key pair that signs the log (witness.signingKey)
  safe-exec doctor                       which isolation layers this machine gives, and why not
  safe-exec schema --format mcp|openai|anthropic
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
  command: "serve" | "mcp" | "exec" | "log" | "doctor" | "schema" | "version" | "help";
  /** Positional arguments after the command. */
  positional: string[];
  /** --options. */
  options: Record<string, string>;
}

const VALUE_OPTIONS = new Set(["workspace", "config", "witness", "confirm", "args", "format", "n"]);
const COMMANDS = new Set(["serve", "mcp", "exec", "log", "doctor", "schema"]);

/**
 * Parse `argv` (after the program name).
 *
 * @example
 * ```ts
 * import { parseArgs } from "./cli.ts";
 * const p = parseArgs(["serve", "--confirm=deny", "--workspace", "ws"]);
 * console.assert(p.command === "serve" && p.options.confirm === "deny" && p.options.workspace === "ws");
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

/** Everything a running server needs, built from the config. */
export interface App {
  /** The resolved config. */
  config: SafeExecConfig;
  /** The gate. */
  executor: SafeExecutor;
  /** Isolation layers. */
  isolation: Isolation;
  /** The `info` payload. */
  info(): Record<string, unknown>;
  /** Stop: session stop line, close log, stop workers. */
  close(): void;
}

function overrides(options: Record<string, string>): CliOverrides {
  const o: CliOverrides = {};
  for (const k of ["workspace", "config", "witness", "confirm"] as const) {
    const v = options[k];
    if (v !== undefined) o[k] = v;
  }
  return o;
}

/**
 * Build the app from CLI options (config file, overrides): checks the workspace and the witness log and creates
 * what is missing ({@linkcode prepareStartup}; a {@linkcode ConfigError} when a path cannot be used).
 */
export function buildApp(options: Record<string, string>, runtime: Runtime): App {
  const cwd = process.cwd();
  const config = resolveConfig(overrides(options), cwd);
  prepareStartup(config, isDefaultWorkspace(config, cwd, options.workspace), (line) => runtime.writeStderr(line));
  const executor = new SafeExecutor({
    workspace: config.workspace,
    witness: config.witness.path,
    witnessFsync: config.witness.fsync,
    ...(config.witness.signingKey !== null ? { witnessSigningKey: config.witness.signingKey } : {}),
    metrics: config.metrics,
    policy: config.policy,
    confirmTimeoutMs: config.confirmTimeoutMs,
  });
  const isolation = createIsolation(config, runtime);
  registerDefaults(executor, {
    runtime,
    fileBackend: isolation.files,
    sandbox: isolation.sandbox,
    tools: config.tools,
  });
  return {
    config,
    executor,
    isolation,
    info: () => ({
      version: VERSION,
      protocol: PROTOCOL_VERSION,
      workspace: executor.workspace.root,
      witness: executor.witness.path,
      confirm: config.confirm,
      runtime: { name: runtime.name, version: runtime.version },
      isolation: isolation.describe(),
    }),
    close() {
      executor.close();
      isolation.close();
    },
  };
}

async function serve(app: App, runtime: Runtime): Promise<number> {
  const confirm = app.config.confirm === "client" ? "client" : confirmHandlerFor(app.config.confirm, runtime);
  const code = await runStdioLoop(runtime, (send) => {
    const server = new ProtocolServer({ executor: app.executor, confirm, emit: send, info: app.info });
    const error = (code: string, message: string) => ({ id: null, type: "error", error: { code, message } });
    return {
      handleLine: (line, options) => server.handleLine(line, options),
      tooLong: (n, max) => error("bad_request", `Line of ${n} bytes exceeds the limit of ${max} bytes; it was dropped`),
      invalidUtf8: () => error("bad_request", "Line is not valid UTF-8; it was dropped"),
      internalError: (e) => error("internal", String(e)),
      awaitingClient: () => server.awaitingConfirm,
      close: () => server.close(),
      stop: (reason) => server.stop(reason),
      abortRunning: (reason) => server.abortRunning(reason),
    };
  });
  app.close();
  return code;
}

async function execOnce(
  app: App,
  runtime: Runtime,
  positional: string[],
  options: Record<string, string>,
): Promise<number> {
  const tool = positional[0];
  if (tool === undefined) {
    throw new UsageError('exec needs a TOOL, e.g. safe-exec exec read_file --args \'{"path":"a.txt"}\'');
  }
  let args: unknown = {};
  if (options.args !== undefined) {
    try {
      args = JSON.parse(options.args);
    } catch (e) {
      throw new UsageError(`--args must be JSON (${(e as Error).message}), got ${JSON.stringify(options.args)}`);
    }
  }
  const confirm = confirmHandlerFor(app.config.confirm === "client" ? "tty" : app.config.confirm, runtime);
  const r = await app.executor.execute(tool, args, { confirm });
  const out = new LineWriter(runtime);
  out.send(resultResponse(null, r));
  await out.drain();
  app.close();
  return r.ok ? 0 : 1;
}

/** Run the CLI; resolves to the exit code. */
export async function runCli(argv: string[], runtime: Runtime): Promise<number> {
  if (argv[0] === "__fs-server") {
    // Internal: the confined file server (see src/tools/fs_server.ts), started by the server itself.
    const { runFileServer } = await import("./tools/fs_server.ts");
    return await runFileServer(runtime, argv[1], argv[2]);
  }
  const io = { out: (l: string) => process.stdout.write(l + "\n"), err: (l: string) => runtime.writeStderr(l) };
  // `log` parses its own options (--head, --key, --json, -n, -f)
  if (argv[0] === "log") return await runLogCommand(argv.slice(1), io);
  let parsed: ParsedArgs;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    runtime.writeStderr(`safe-exec: ${(e as Error).message}. See safe-exec --help`);
    return 2;
  }
  try {
    switch (parsed.command) {
      case "help":
        io.out(HELP);
        return 0;
      case "version":
        io.out(`safe-exec ${VERSION} (${runtime.name} ${runtime.version})`);
        return 0;
      case "doctor": {
        const { runDoctor } = await import("./doctor.ts");
        const config = resolveConfig(overrides(parsed.options), process.cwd());
        const workspaceIsDefault = isDefaultWorkspace(config, process.cwd(), parsed.options.workspace);
        return await runDoctor(runtime, io, { config, workspaceIsDefault });
      }
      case "schema": {
        const { runSchema } = await import("./schema_cmd.ts");
        return runSchema(parsed.options.format ?? "mcp", io);
      }
      case "mcp": {
        const app = buildApp(parsed.options, runtime);
        const { runMcp } = await import("./mcp/server.ts");
        return await runMcp(app, runtime);
      }
      case "exec": {
        const app = buildApp(parsed.options, runtime);
        return await execOnce(app, runtime, parsed.positional, parsed.options);
      }
      default: {
        if (parsed.positional.length > 0) {
          throw new UsageError(`serve takes no positional arguments, got ${JSON.stringify(parsed.positional[0])}`);
        }
        const app = buildApp(parsed.options, runtime);
        return await serve(app, runtime);
      }
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof ConfigError) {
      runtime.writeStderr(`safe-exec: ${e.message}. See safe-exec --help`);
      return 2;
    }
    // A system error (a path that went away, a full disk) is a one-line message; anything else is a bug: the stack.
    const code = (e as { code?: unknown })?.code;
    runtime.writeStderr(
      `safe-exec: ${typeof code === "string" ? (e as Error).message : (e as Error)?.stack ?? String(e)}`,
    );
    return 1;
  }
}
