/**
 * The nine built-in tools of SPEC §2: their definitions (names, risks, schemas) and `registerDefaults`.
 *
 * @module
 */
import type { SafeExecutor, ToolSpec } from "../executor.ts";
import type { Runtime } from "../runtime/types.ts";
import { type JsonSchema, type Risk, ToolError } from "../types.ts";
import type { FsToolName } from "./fs_ops.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ProcessResult, runProcess, toolEnv } from "./process.ts";
import type { FileBackend } from "./file_backend.ts";
import type { ProcessSandbox } from "./sandbox.ts";
import { createIsolation, type Isolation } from "../isolation.ts";

/** Longest `cmd` / `code` accepted, in characters and in UTF-8 bytes (each travels as one process argument). */
export const MAX_SCRIPT_CHARS = 100_000;
/** Longest timeout a call may ask for. */
export const MAX_TIMEOUT_MS = 3_600_000;

const path = (description: string): JsonSchema => ({ type: "string", minLength: 1, description });
const content: JsonSchema = { type: "string", description: "The text to write (UTF-8)." };
const timeoutMs: JsonSchema = {
  type: "integer",
  minimum: 1,
  maximum: MAX_TIMEOUT_MS,
  description: "Kill the process (and its children) after this many milliseconds. Default 30000.",
};

const processOutput: JsonSchema = {
  type: "object",
  properties: {
    stdout: { type: "string" },
    stderr: { type: "string" },
    exitCode: { type: ["integer", "null"] },
    signal: { type: ["string", "null"] },
    timedOut: { type: "boolean" },
    truncated: { type: "boolean" },
    durationMs: { type: "number" },
  },
  required: ["stdout", "stderr", "exitCode", "signal", "timedOut", "truncated", "durationMs"],
};

/** A built-in tool's definition, without its implementation. */
export interface BuiltinDefinition {
  /** Tool name (SPEC §2). */
  name: string;
  /** Short human title. */
  title: string;
  /** What it does, for the model. */
  description: string;
  /** Default risk. */
  risk: Risk;
  /** Argument schema. */
  inputSchema: JsonSchema;
  /** Structured output schema, when the output is structured. */
  outputSchema?: JsonSchema;
  /** Whether it runs a process (shell tools) rather than a file operation. */
  kind: "file" | "process";
}

const obj = (properties: Record<string, JsonSchema>, required: string[]): JsonSchema => ({
  type: "object",
  properties,
  required,
  additionalProperties: false,
});

/** The nine built-in tools, in SPEC order. */
export const BUILTIN_DEFINITIONS: readonly BuiltinDefinition[] = [
  {
    name: "read_file",
    title: "Read file",
    description: "Read a UTF-8 text file inside the workspace and return its text (at most 10 MiB).",
    risk: "low",
    kind: "file",
    inputSchema: obj({ path: path("File path, relative to the workspace.") }, ["path"]),
  },
  {
    name: "list_dir",
    title: "List folder",
    description: "List a folder inside the workspace: name, type (file, dir, symlink, other) and size of each entry. " +
      'A name that is not valid UTF-8 comes with "escaped": true and shows its odd bytes as \\xHH.',
    risk: "low",
    kind: "file",
    inputSchema: obj(
      { path: { type: "string", description: 'Folder path, relative to the workspace. Default ".".' } },
      [],
    ),
    outputSchema: {
      type: "object",
      properties: {
        entries: {
          type: "array",
          items: obj({
            name: { type: "string" },
            type: { type: "string", enum: ["file", "dir", "symlink", "other"] },
            size: { type: ["integer", "null"] },
            escaped: { type: "boolean" },
          }, ["name", "type", "size"]),
        },
      },
      required: ["entries"],
    },
  },
  {
    name: "write_file",
    title: "Write file",
    description: "Create or replace a text file inside the workspace (missing parent folders are created).",
    risk: "medium",
    kind: "file",
    inputSchema: obj({ path: path("File path, relative to the workspace."), content }, ["path", "content"]),
  },
  {
    name: "append_file",
    title: "Append to file",
    description: "Append text to a file inside the workspace (created if missing).",
    risk: "medium",
    kind: "file",
    inputSchema: obj({ path: path("File path, relative to the workspace."), content }, ["path", "content"]),
  },
  {
    name: "copy_file",
    title: "Copy file",
    description: "Copy a file to another place inside the workspace (into it, when dst is a folder).",
    risk: "medium",
    kind: "file",
    inputSchema: obj({ src: path("Source file, relative to the workspace."), dst: path("Destination path.") }, [
      "src",
      "dst",
    ]),
  },
  {
    name: "delete_file",
    title: "Delete file",
    description: "Delete one file inside the workspace.",
    risk: "high",
    kind: "file",
    inputSchema: obj({ path: path("File path, relative to the workspace.") }, ["path"]),
  },
  {
    name: "delete_dir",
    title: "Delete folder",
    description: "Delete a folder and everything in it, inside the workspace (never the workspace itself).",
    risk: "high",
    kind: "file",
    inputSchema: obj({ path: path("Folder path, relative to the workspace.") }, ["path"]),
  },
  {
    name: "run_bash",
    title: "Run bash",
    description:
      "Run a bash command in the workspace, sandboxed (no network, no host secrets). Returns stdout, stderr, exitCode, signal, timedOut, truncated, durationMs; succeeds only with exit code 0.",
    risk: "high",
    kind: "process",
    inputSchema: obj({
      cmd: { type: "string", minLength: 1, maxLength: MAX_SCRIPT_CHARS, description: "The bash command line." },
      timeoutMs,
    }, ["cmd"]),
    outputSchema: processOutput,
  },
  {
    name: "run_python",
    title: "Run Python",
    description:
      "Run Python 3 code in the workspace, sandboxed (no network, no host secrets). Same output as run_bash; succeeds only with exit code 0.",
    risk: "high",
    kind: "process",
    inputSchema: obj({
      code: { type: "string", minLength: 1, maxLength: MAX_SCRIPT_CHARS, description: "The Python source." },
      timeoutMs,
    }, ["code"]),
    outputSchema: processOutput,
  },
];

/** Per-tool overrides from the config (SPEC §6 `tools`). */
export interface BuiltinToolOptions {
  /** Replace the default risk. */
  risk?: Risk;
  /** Default timeout for the process tools. */
  timeoutMs?: number;
  /** false: the tool is not registered. */
  enabled?: boolean;
}

/** Options of {@linkcode registerDefaults}. */
export interface RegisterDefaultsOptions {
  /** The runtime, for spawning the process tools. */
  runtime: Runtime;
  /**
   * Where file tools run. Default: what the binary uses (Deno: the confined file server where bubblewrap runs,
   * else restricted workers; Bun: the host, folders pinned through /proc/self/fd), stopped by `executor.close()`.
   */
  fileBackend?: FileBackend;
  /**
   * How process tools are sandboxed. Default: bubblewrap with no network, and `sandbox_unavailable` where it
   * cannot run. Pass `noSandbox` (from `tools/sandbox.ts`) to run them unsandboxed, knowingly.
   */
  sandbox?: ProcessSandbox;
  /** Per-tool overrides. */
  tools?: Record<string, BuiltinToolOptions>;
  /** Cap for stdout and stderr, each (default 1 MiB). */
  maxOutputBytes?: number;
}

/** Default timeout of run_bash / run_python. */
export const DEFAULT_PROCESS_TIMEOUT_MS = 30_000;

/**
 * Register the nine built-in tools on an executor.
 *
 * @example
 * ```ts
 * import { SafeExecutor } from "../executor.ts";
 * import { registerDefaults } from "./builtin.ts";
 * import { currentRuntime } from "../runtime/mod.ts";
 * import { mkdtempSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * const dir = mkdtempSync(join(tmpdir(), "se-"));
 * const ex = new SafeExecutor({ workspace: join(dir, "ws"), witness: join(dir, "witness.log") });
 * registerDefaults(ex, { runtime: await currentRuntime() });
 * const w = await ex.execute("write_file", { path: "a.txt", content: "hi" });
 * console.assert(w.ok && w.output === "Written 2 chars");
 * ex.close();
 * ```
 */
export function registerDefaults(executor: SafeExecutor, options: RegisterDefaultsOptions): SafeExecutor {
  let defaults: Isolation | undefined;
  if (!options.fileBackend || !options.sandbox) {
    const iso = createIsolation({ sandbox: { mode: "auto", network: false } }, options.runtime);
    executor.onClose(() => iso.close());
    defaults = iso;
  }
  const files = options.fileBackend ?? (defaults as Isolation).files;
  const sandbox = options.sandbox ?? (defaults as Isolation).sandbox;
  for (const def of BUILTIN_DEFINITIONS) {
    const o = options.tools?.[def.name] ?? {};
    if (o.enabled === false) continue;
    const spec: ToolSpec = {
      risk: o.risk ?? def.risk,
      title: def.title,
      description: def.description,
      inputSchema: def.inputSchema,
    };
    if (def.outputSchema) spec.outputSchema = def.outputSchema;
    if (def.kind === "file") {
      const op = def.name as FsToolName;
      spec.isolation = () => files.describe();
      executor.register(def.name, spec, (args, ctx) => files.run(op, ctx.workspace.root, args));
    } else {
      spec.timeoutMs = o.timeoutMs ?? DEFAULT_PROCESS_TIMEOUT_MS;
      spec.isolation = () => sandbox.describe();
      const isBash = def.name === "run_bash";
      spec.witness = { keep: { [isBash ? "cmd" : "code"]: MAX_SCRIPT_CHARS } }; // what runs is logged in full
      executor.register(def.name, spec, async (args, ctx) => {
        const script = String(isBash ? args.cmd : args.code);
        const field = isBash ? "cmd" : "code";
        // The script travels as one argument (bash -c / python3 -c), which the kernel caps (MAX_ARG_STRLEN,
        // 128 KiB): the character limit of the schema is not enough for non-ASCII text.
        const bytes = new TextEncoder().encode(script).length;
        if (bytes > MAX_SCRIPT_CHARS) {
          throw new ToolError(
            "invalid_args",
            `Invalid arguments for ${def.name}: "${field}" must be at most ${MAX_SCRIPT_CHARS} bytes of UTF-8, got ${bytes}`,
          );
        }
        if (script.includes("\0")) {
          throw new ToolError("invalid_args", `Invalid arguments for ${def.name}: "${field}" contains a NUL byte`);
        }
        const inner = isBash ? ["bash", "-c", script] : ["python3", "-c", script];
        const root = ctx.workspace.root;
        const timeout = typeof args.timeoutMs === "number"
          ? args.timeoutMs
          : ctx.timeoutMs ?? DEFAULT_PROCESS_TIMEOUT_MS;
        // HOME is a private, empty folder that lives as long as the call (SPEC §2): the bwrap sandbox mounts its
        // own; without it, a fresh folder is made here and removed afterwards.
        const home = sandbox.privateHome === true ? null : mkdtempSync(join(tmpdir(), "safe-exec-home-"));
        let r: ProcessResult;
        try {
          const env = toolEnv(home ?? "/");
          const spawnSandboxed = sandbox.spawn?.bind(sandbox);
          const run = {
            argv: spawnSandboxed ? inner : await sandbox.wrap(inner, { workspace: root, env }),
            cwd: root,
            env,
            timeoutMs: timeout,
            signal: ctx.signal,
            killsOwnTree: sandbox.killsOwnTree === true,
            ...(spawnSandboxed
              ? { start: () => spawnSandboxed(options.runtime, inner, { workspace: root, env }) }
              : {}),
            ...(options.maxOutputBytes ? { maxOutputBytes: options.maxOutputBytes } : {}),
          };
          r = await runProcess(options.runtime, run);
        } finally {
          if (home !== null) rmSync(home, { recursive: true, force: true });
        }
        const setup = /^bwrap: (.+)$/m.exec(r.stderr);
        if (
          sandbox.killsOwnTree === true && r.exitCode === 1 && r.stdout === "" && setup &&
          r.stderr.startsWith("bwrap: ")
        ) {
          // bwrap could not build the sandbox (a mount failed): not the command's failure
          throw new ToolError("sandbox_unavailable", `The sandbox could not be set up for ${def.name}: ${setup[1]}`, r);
        }
        if (r.timedOut) {
          throw new ToolError("timeout", `${def.name} timed out after ${timeout} ms; the process group was killed`, r);
        }
        if (r.exitCode !== 0) {
          const how = r.signal ? `was killed by ${r.signal}` : `exited with status ${r.exitCode}`;
          throw new ToolError("exit_status", `${def.name} ${how}; expected exit status 0`, r);
        }
        return r;
      });
    }
  }
  return executor;
}
