/**
 * safe-exec: a fatigue-aware gate, witness log and sandbox between an LLM agent and its tools.
 *
 * @example
 * ```ts
 * import { currentRuntime, registerDefaults, SafeExecutor } from "./mod.ts";
 * import { mkdtempSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * const dir = mkdtempSync(join(tmpdir(), "se-"));
 * const executor = new SafeExecutor({ workspace: join(dir, "ws"), witness: join(dir, "witness.log") });
 * registerDefaults(executor, { runtime: await currentRuntime() });
 * const r = await executor.execute("run_bash", { cmd: "rm -rf ." });
 * console.assert(r.skipped && r.decision === "ask"); // high risk always asks; no confirm handler approves nothing
 * executor.close();
 * ```
 *
 * @module
 */
export {
  type ExecuteOptions,
  type RegisteredTool,
  SafeExecutor,
  type SafeExecutorOptions,
  type ToolContext,
  type ToolFn,
  type ToolSpec,
} from "./executor.ts";
export { type MetricsSnapshot, type MetricsUpdate, SessionMetrics } from "./metrics.ts";
export { DefaultPolicy, type GatePolicy } from "./policy.ts";
export {
  type ConfirmHandler,
  type ConfirmRequest,
  type Decision,
  type ErrorCode,
  type ExecResult,
  type JsonSchema,
  PathOutsideWorkspaceError,
  type Risk,
  ToolError,
} from "./types.ts";
export {
  fileLocking,
  followLog,
  generateKeyFiles,
  logHead,
  type LogStats,
  redactArgs,
  type RedactOptions,
  statsOfFile,
  tailLog,
  verifyLog,
  type VerifyOptions,
  type VerifyProblem,
  type VerifyReport,
  type VerifyWarning,
  WitnessLog,
  type WitnessLogOptions,
  type WitnessStats,
  WitnessUnavailableError,
} from "./witness.ts";
export { Workspace } from "./workspace.ts";
export { BUILTIN_DEFINITIONS, registerDefaults, type RegisterDefaultsOptions } from "./tools/builtin.ts";
export {
  ConfigError,
  DEFAULT_METRICS,
  DEFAULT_POLICY,
  type MetricsOptions,
  parseConfig,
  type PolicyOptions,
  type SafeExecConfig,
} from "./config.ts";
export { type ProtocolOptions, ProtocolServer } from "./protocol.ts";
export { currentRuntime, type Runtime } from "./runtime/mod.ts";
export { VERSION } from "./version.ts";
