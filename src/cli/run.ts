/**
 * The `safe-exec` command line (SPEC §5): one command a file (`serve.ts`, `mcp.ts`, `exec.ts`, `log.ts`,
 * `doctor.ts`, `schema.ts`), dispatched here; usage and config errors exit 2 with one line on stderr, a system
 * error exits 1 with its message, anything else 1 with its stack.
 *
 * @module
 */
import { ConfigError } from "../config/types.ts";
import type { Runtime } from "../runtime/types.ts";
import { writeAllSync } from "../runtime/write_sync.ts";
import { VERSION } from "../version.ts";
import { HELP, parseArgs, type ParsedArgs, UsageError } from "./args.ts";
import type { CliContext, Command } from "./_context.ts";

const encoder = new TextEncoder();

/** The commands that parse their own arguments (everything after the command's name). */
const RAW_COMMANDS: Readonly<Record<string, (argv: string[], ctx: CliContext) => Promise<number>>> = {
  log: async (argv, { io }) => (await import("./log.ts")).runLogCommand(argv, io),
  hook: async (argv, ctx) => (await import("./hook.ts")).hookCommand(argv, ctx),
};

// Each command is loaded when it runs: a hook is a process per tool call, and should not start the MCP SDK, the
// gateway or the sandbox's modules it never uses.
/** The commands over the shared options of {@linkcode parseArgs}. */
const COMMANDS: Readonly<Record<Exclude<ParsedArgs["command"], "log">, Command>> = {
  serve: async (a, c) => (await import("./serve.ts")).serveCommand(a, c),
  mcp: async (a, c) => (await import("./mcp.ts")).mcpCommand(a, c),
  exec: async (a, c) => (await import("./exec.ts")).execCommand(a, c),
  check: async (a, c) => (await import("./check.ts")).checkCommand(a, c),
  doctor: async (a, c) => (await import("./doctor.ts")).doctorCommand(a, c),
  schema: async (a, c) => (await import("./schema.ts")).schemaCommand(a, c),
  help: (_args, { io }) => Promise.resolve((io.out(HELP), 0)),
  version: (_args, { runtime, io }) =>
    Promise.resolve((io.out(`safe-exec ${VERSION} (${runtime.name} ${runtime.version})`), 0)),
};

/**
 * Run the CLI; resolves to the exit code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runCli } from "./run.ts";
 * import { currentRuntime } from "../runtime/mod.ts";
 * const runtime = await currentRuntime();
 * assert.equal(await runCli(["--version"], runtime), 0);
 * assert.equal(await runCli(["launch"], { ...runtime, writeStderr: () => {} }), 2);
 * ```
 */
export async function runCli(argv: string[], runtime: Runtime): Promise<number> {
  const ctx: CliContext = {
    runtime,
    // Synchronous and whole, as `process.stdout.write` to a file or pipe, without building Node's streams (runtime/
    // write_sync.ts: about 19 ms in the Bun binary, which every command printing a line paid).
    io: { out: (l: string) => writeAllSync(1, encoder.encode(l + "\n")), err: (l: string) => runtime.writeStderr(l) },
  };
  const raw = argv[0] !== undefined && Object.hasOwn(RAW_COMMANDS, argv[0]) ? RAW_COMMANDS[argv[0]] : undefined;
  if (raw) return await raw(argv.slice(1), ctx);
  let parsed: ParsedArgs;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    runtime.writeStderr(`safe-exec: ${(e as Error).message}. See safe-exec --help`);
    return 2;
  }
  try {
    return await COMMANDS[parsed.command as keyof typeof COMMANDS](parsed, ctx);
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
