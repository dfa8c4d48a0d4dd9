/**
 * run_bash and run_python: the script's checks (its UTF-8 size, NUL), the one way a process tool's command starts
 * ({@linkcode runSandboxed}: the sandbox's `spawn`, which `safe-exec doctor` also uses for its live check), and the
 * result turned into a {@linkcode ToolError} when the command did not exit with status 0.
 *
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ToolFn } from "../gate/tool.ts";
import { type ProcessResult, runProcess, toolEnv } from "../isolation/process/run.ts";
import type { ProcessSandbox } from "../isolation/process/sandbox.ts";
import type { Runtime } from "../runtime/types.ts";
import { ToolError } from "../types.ts";
import { DEFAULT_PROCESS_TIMEOUT_MS, MAX_SCRIPT_CHARS } from "./definitions.ts";

/** How {@linkcode runSandboxed} runs one command. */
export interface SandboxedRun {
  /** The workspace root (a real path): the command's working directory. */
  workspace: string;
  /** Kill the command (its whole tree) after this many milliseconds. */
  timeoutMs: number;
  /** Aborting kills it like a timeout. */
  signal?: AbortSignal;
  /** Cap for stdout and stderr, each (default 1 MiB). */
  maxOutputBytes?: number;
}

/**
 * Run `argv` in the workspace under `sandbox`, to completion: started by the sandbox's `spawn` (for bubblewrap, from
 * its prepared standby), with the allowlisted environment and a private, empty HOME that lives as long as the call
 * (SPEC §2: the bwrap sandbox mounts its own; otherwise a fresh folder is made here and removed afterwards).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, realpathSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { runSandboxed } from "./process_tools.ts";
 * import { noSandbox } from "../isolation/process/sandbox.ts";
 * import { currentRuntime } from "../runtime/mod.ts";
 * const ws = realpathSync(mkdtempSync(join(tmpdir(), "ws-")));
 * const r = await runSandboxed(await currentRuntime(), noSandbox, ["bash", "-c", "pwd"], { workspace: ws, timeoutMs: 5000 });
 * assert.equal(r.stdout, ws + "\n");
 * assert.equal(r.exitCode, 0);
 * rmSync(ws, { recursive: true });
 * ```
 */
export async function runSandboxed(
  runtime: Runtime,
  sandbox: ProcessSandbox,
  argv: string[],
  run: SandboxedRun,
): Promise<ProcessResult> {
  const home = sandbox.privateHome === true ? null : mkdtempSync(join(tmpdir(), "safe-exec-home-"));
  try {
    const env = toolEnv(home ?? "/");
    const ctx = { workspace: run.workspace, env };
    return await runProcess(runtime, {
      argv,
      cwd: run.workspace,
      env,
      timeoutMs: run.timeoutMs,
      killsOwnTree: sandbox.killsOwnTree === true,
      start: () => sandbox.spawn(runtime, argv, ctx),
      ...(run.signal ? { signal: run.signal } : {}),
      ...(run.maxOutputBytes ? { maxOutputBytes: run.maxOutputBytes } : {}),
    });
  } finally {
    if (home !== null) rmSync(home, { recursive: true, force: true });
  }
}

/**
 * The implementation of run_bash (`bash -c cmd`) or run_python (`python3 -I -c code`) over `sandbox`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { processTool } from "./process_tools.ts";
 * import { noSandbox } from "../isolation/process/sandbox.ts";
 * import { currentRuntime } from "../runtime/mod.ts";
 * const bash = processTool("run_bash", await currentRuntime(), noSandbox);
 * const ctx = { workspace: { root: "/" } as never, signal: new AbortController().signal, timeoutMs: 5000 };
 * await assert.rejects(Promise.resolve(bash({ cmd: "exit 3" }, ctx)), { code: "exit_status" });
 * ```
 */
export function processTool(
  name: "run_bash" | "run_python",
  runtime: Runtime,
  sandbox: ProcessSandbox,
  options: { maxOutputBytes?: number } = {},
): ToolFn {
  const isBash = name === "run_bash";
  const field = isBash ? "cmd" : "code";
  return async (args, ctx) => {
    const script = String(args[field]);
    // The script travels as one argument (bash -c / python3 -c), which the kernel caps (MAX_ARG_STRLEN, 128 KiB):
    // the character limit of the schema is not enough for non-ASCII text.
    const bytes = new TextEncoder().encode(script).length;
    if (bytes > MAX_SCRIPT_CHARS) {
      throw new ToolError(
        "invalid_args",
        `Invalid arguments for ${name}: "${field}" must be at most ${MAX_SCRIPT_CHARS} bytes of UTF-8, got ${bytes}`,
      );
    }
    if (script.includes("\0")) {
      throw new ToolError("invalid_args", `Invalid arguments for ${name}: "${field}" contains a NUL byte`);
    }
    // -I (isolated mode): neither the working directory (the workspace) nor the user's site-packages is on sys.path
    // and no PYTHON* variable is read, so a workspace `collections.py` or `sitecustomize.py` written earlier cannot
    // run as the call's hidden code (SPEC §2); the code itself can still add the workspace (`sys.path.insert(0, "")`).
    const argv = isBash ? ["bash", "-c", script] : ["python3", "-I", "-c", script];
    const timeout = typeof args.timeoutMs === "number" ? args.timeoutMs : ctx.timeoutMs ?? DEFAULT_PROCESS_TIMEOUT_MS;
    const r = await runSandboxed(runtime, sandbox, argv, {
      workspace: ctx.workspace.root,
      timeoutMs: timeout,
      signal: ctx.signal,
      ...(options.maxOutputBytes ? { maxOutputBytes: options.maxOutputBytes } : {}),
    });
    return checkResult(name, r, timeout, sandbox.killsOwnTree === true);
  };
}

/**
 * The result of a finished command, or the ToolError it is (the result kept as the error's output): not set up by
 * the sandbox (`sandbox_unavailable`), timed out (`timeout`), or not exit status 0 (`exit_status`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkResult } from "./process_tools.ts";
 * const r = { stdout: "", stderr: "", exitCode: 2, signal: null, timedOut: false, truncated: false, durationMs: 1 };
 * assert.throws(() => checkResult("deploy", r, 1000, false), { code: "exit_status" });
 * assert.equal(checkResult("deploy", { ...r, exitCode: 0 }, 1000, false).exitCode, 0);
 * ```
 */
export function checkResult(name: string, r: ProcessResult, timeout: number, bwrap: boolean): ProcessResult {
  const setup = /^bwrap: (.+)$/m.exec(r.stderr);
  if (bwrap && r.exitCode === 1 && r.stdout === "" && setup && r.stderr.startsWith("bwrap: ")) {
    // bwrap could not build the sandbox (a mount failed): not the command's failure
    throw new ToolError("sandbox_unavailable", `The sandbox could not be set up for ${name}: ${setup[1]}`, r);
  }
  if (r.timedOut) {
    throw new ToolError("timeout", `${name} timed out after ${timeout} ms; the process group was killed`, r);
  }
  if (r.exitCode !== 0) {
    const how = r.signal ? `was killed by ${r.signal}` : `exited with status ${r.exitCode}`;
    throw new ToolError("exit_status", `${name} ${how}; expected exit status 0`, r);
  }
  return r;
}
