/**
 * Registering the nine built-in tools on a gate: each definition of `definitions.ts` with the config's overrides,
 * its file operations run by the file backend and its processes by the sandbox it is given (it never builds
 * isolation itself: `app.ts` does).
 *
 * @module
 */
import type { SafeExecutor } from "../gate/executor.ts";
import type { ToolSpec } from "../gate/tool.ts";
import type { FileBackend } from "../isolation/files/backend.ts";
import type { ProcessSandbox } from "../isolation/process/sandbox.ts";
import type { FsToolName } from "../fileops/ops.ts";
import type { Runtime } from "../runtime/types.ts";
import { BUILTIN_DEFINITIONS, DEFAULT_PROCESS_TIMEOUT_MS, MAX_SCRIPT_CHARS, type ToolOptions } from "./definitions.ts";
import { processTool } from "./process_tools.ts";

/** What {@linkcode registerBuiltins} registers the tools over. */
export interface BuiltinsOptions {
  /** The runtime, for spawning the process tools. */
  runtime: Runtime;
  /** Where file tools run. */
  files: FileBackend;
  /** How process tools are sandboxed. */
  sandbox: ProcessSandbox;
  /** Per-tool overrides (the config's `tools`). */
  tools?: Record<string, ToolOptions>;
  /** Cap for stdout and stderr, each (default 1 MiB). */
  maxOutputBytes?: number;
}

/**
 * Register the nine built-in tools (minus those the overrides disable) on an executor.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * import { SafeExecutor } from "../gate/executor.ts";
 * import { hostFileBackend } from "../isolation/files/host.ts";
 * import { noSandbox } from "../isolation/process/sandbox.ts";
 * import { currentRuntime } from "../runtime/mod.ts";
 * import { registerBuiltins } from "./register.ts";
 * const dir = mkdtempSync(join(tmpdir(), "se-"));
 * const ex = new SafeExecutor({ workspace: join(dir, "ws"), witness: join(dir, "witness.log") });
 * const runtime = await currentRuntime();
 * registerBuiltins(ex, { runtime, files: hostFileBackend, sandbox: noSandbox, tools: { run_python: { enabled: false } } });
 * assert.equal(ex.tools().length, 8);
 * const w = await ex.execute("write_file", { path: "a.txt", content: "hi" });
 * assert.equal(w.output, "Written 2 chars");
 * ex.close();
 * rmSync(dir, { recursive: true });
 * ```
 */
export function registerBuiltins(executor: SafeExecutor, options: BuiltinsOptions): SafeExecutor {
  const { files, sandbox } = options;
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
      spec.pathArgs = op === "copy_file" ? ["src", "dst"] : ["path"];
      spec.isolation = () => files.describe();
      executor.register(def.name, spec, (args, ctx) => files.run(op, ctx.workspace.root, args));
    } else {
      const name = def.name as "run_bash" | "run_python";
      spec.timeoutMs = o.timeoutMs ?? DEFAULT_PROCESS_TIMEOUT_MS;
      spec.isolation = () => sandbox.describe();
      spec.witness = { keep: { [name === "run_bash" ? "cmd" : "code"]: MAX_SCRIPT_CHARS } }; // what runs, in full
      const maxOutput = options.maxOutputBytes ? { maxOutputBytes: options.maxOutputBytes } : {};
      executor.register(def.name, spec, processTool(name, options.runtime, sandbox, maxOutput));
    }
  }
  return executor;
}
