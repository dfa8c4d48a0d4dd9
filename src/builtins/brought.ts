/**
 * Tools the agent brings (SPEC §2.1): declared in the config's `tools` under their own names, each with a risk, a
 * description and an input schema, and run either by the agent itself (`"run": "client"`: it asks the gate with
 * `gate` and reports with `outcome`) or by safe-exec (`"command": [...]`: the program runs in the process sandbox,
 * cwd the workspace, the call's arguments as one JSON object on stdin, with run_bash's timeout, output caps and
 * result record).
 *
 * @module
 */
import type { SafeExecutor } from "../gate/executor.ts";
import type { ToolFn, ToolSpec } from "../gate/tool.ts";
import type { ProcessSandbox } from "../isolation/process/sandbox.ts";
import type { Runtime } from "../runtime/types.ts";
import { type JsonSchema, type Risk, ToolError } from "../types.ts";
import { DEFAULT_PROCESS_TIMEOUT_MS, MAX_SCRIPT_CHARS } from "./definitions.ts";
import { checkResult, runSandboxed } from "./process_tools.ts";

/** One brought tool, as the config declares it. */
export interface BroughtToolConfig {
  /** Its risk. */
  risk: Risk;
  /** What it does, for the model. */
  description: string;
  /** A short human title, if any. */
  title?: string;
  /** JSON Schema of its arguments (`type: "object"`); calls are checked against it before the gate. */
  inputSchema: JsonSchema;
  /** `client`: the agent runs it; `command`: safe-exec runs {@linkcode BroughtToolConfig.command}. */
  run: "client" | "command";
  /** Program and arguments of a command tool (the program absolute, or a name looked up in PATH). */
  command?: string[];
  /** Timeout of a command tool, in milliseconds (default 30000). */
  timeoutMs?: number;
}

/** The most bytes of JSON arguments a command tool takes (they travel as one argument to the stdin feeder). */
export const MAX_COMMAND_ARGS_BYTES = MAX_SCRIPT_CHARS;

/** What the witness log keeps of the arguments of a command tool: every one, up to 64 KiB (SPEC §4). */
const KEEP_ARGS = { maxString: 65_536 };

/**
 * The sandboxed argv that runs `command` with `json` on its stdin: a POSIX shell feeds it through a pipe, so the
 * sandbox (whose commands get /dev/null as stdin) needs nothing new, and the program sees a real pipe at EOF.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { commandArgv } from "./brought.ts";
 * assert.deepEqual(commandArgv(["jq", "."], '{"a":1}'), ["/bin/sh", "-c", 'printf "%s" "$0" | "$@"', '{"a":1}', "jq", "."]);
 * ```
 */
export function commandArgv(command: readonly string[], json: string): string[] {
  return ["/bin/sh", "-c", 'printf "%s" "$0" | "$@"', json, ...command];
}

/**
 * A command tool's output: its stdout parsed as JSON when it is JSON, else the text; the whole process record when
 * the output was cut (so the agent sees `truncated: true`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { commandOutput } from "./brought.ts";
 * const r = { stdout: '{"sent":true}\n', stderr: "", exitCode: 0, signal: null, timedOut: false, truncated: false, durationMs: 3 };
 * assert.deepEqual(commandOutput(r), { sent: true });
 * assert.equal(commandOutput({ ...r, stdout: "done\n" }), "done\n");
 * ```
 */
export function commandOutput(r: { stdout: string; truncated: boolean }): unknown {
  if (r.truncated) return r;
  const text = r.stdout.trim();
  if (text !== "") {
    try {
      return JSON.parse(text);
    } catch {
      // not JSON: the text as it is
    }
  }
  return r.stdout;
}

/** The implementation of a command tool over `sandbox`. */
export function commandTool(
  name: string,
  command: readonly string[],
  runtime: Runtime,
  sandbox: ProcessSandbox,
  options: { maxOutputBytes?: number } = {},
): ToolFn {
  return async (args, ctx) => {
    const json = JSON.stringify(args);
    const bytes = new TextEncoder().encode(json).length;
    if (bytes > MAX_COMMAND_ARGS_BYTES) {
      throw new ToolError(
        "invalid_args",
        `Invalid arguments for ${name}: at most ${MAX_COMMAND_ARGS_BYTES} bytes of JSON, got ${bytes}`,
      );
    }
    if (json.includes("\0")) throw new ToolError("invalid_args", `Invalid arguments for ${name}: a NUL byte`);
    const timeout = ctx.timeoutMs ?? DEFAULT_PROCESS_TIMEOUT_MS;
    const r = await runSandboxed(runtime, sandbox, commandArgv(command, json), {
      workspace: ctx.workspace.root,
      timeoutMs: timeout,
      signal: ctx.signal,
      ...(options.maxOutputBytes ? { maxOutputBytes: options.maxOutputBytes } : {}),
    });
    return commandOutput(checkResult(name, r, timeout, sandbox.killsOwnTree === true));
  };
}

/** What {@linkcode registerBrought} registers the tools over. */
export interface BroughtOptions {
  /** The runtime, for spawning command tools. */
  runtime: Runtime;
  /** How command tools are sandboxed (the same sandbox as run_bash). */
  sandbox: ProcessSandbox;
  /** Cap for stdout and stderr, each (default 1 MiB). */
  maxOutputBytes?: number;
}

/**
 * Register the config's brought tools on an executor.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * import { SafeExecutor } from "../gate/executor.ts";
 * import { noSandbox } from "../isolation/process/sandbox.ts";
 * import { currentRuntime } from "../runtime/mod.ts";
 * import { registerBrought } from "./brought.ts";
 * const dir = mkdtempSync(join(tmpdir(), "se-"));
 * const ex = new SafeExecutor({ workspace: join(dir, "ws"), witness: join(dir, "witness.log") });
 * const schema = { type: "object" as const, properties: { q: { type: "string" as const } }, required: ["q"] };
 * registerBrought(ex, {
 *   echo: { risk: "low", description: "Echo the query", inputSchema: schema, run: "command", command: ["cat"] },
 *   web_search: { risk: "low", description: "Search", inputSchema: schema, run: "client" },
 * }, { runtime: await currentRuntime(), sandbox: noSandbox });
 * const r = await ex.execute("echo", { q: "hi" });
 * assert.deepEqual(r.output, { q: "hi" });
 * const g = await ex.gate("web_search", { q: "deno" });
 * assert.ok(g.approved && g.ticket !== null);
 * assert.deepEqual(ex.outcome(g.ticket, { ok: true, outputBytes: 12 }), { recorded: true, fatigue: 0 });
 * ex.close();
 * rmSync(dir, { recursive: true });
 * ```
 */
export function registerBrought(
  executor: SafeExecutor,
  tools: Readonly<Record<string, BroughtToolConfig>>,
  options: BroughtOptions,
): SafeExecutor {
  for (const [name, t] of Object.entries(tools)) {
    const spec: ToolSpec = { risk: t.risk, description: t.description, inputSchema: t.inputSchema };
    if (t.title !== undefined) spec.title = t.title;
    if (t.run === "client") {
      spec.run = "client";
      executor.register(name, spec, () => {
        throw new ToolError("internal", `${name} is a client tool: the agent runs it, safe-exec never does`);
      });
      continue;
    }
    spec.timeoutMs = t.timeoutMs ?? DEFAULT_PROCESS_TIMEOUT_MS;
    spec.isolation = () => options.sandbox.describe();
    spec.witness = KEEP_ARGS;
    const maxOutput = options.maxOutputBytes ? { maxOutputBytes: options.maxOutputBytes } : {};
    executor.register(name, spec, commandTool(name, t.command ?? [], options.runtime, options.sandbox, maxOutput));
  }
  return executor;
}
