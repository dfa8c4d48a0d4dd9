/**
 * safe-exec: a fatigue-aware gate, witness log and sandbox between an LLM agent and its tools.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { currentRuntime, registerDefaults, SafeExecutor } from "./mod.ts";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * const dir = mkdtempSync(join(tmpdir(), "se-"));
 * const executor = new SafeExecutor({ workspace: join(dir, "ws"), witness: join(dir, "witness.log") });
 * registerDefaults(executor, { runtime: await currentRuntime() });
 * const r = await executor.execute("run_bash", { cmd: "rm -rf ." });
 * assert.ok(r.skipped && r.decision === "ask"); // high risk always asks; no confirm handler approves nothing
 * executor.close();
 * rmSync(dir, { recursive: true });
 * ```
 *
 * @module
 */

// The gate
export {
  type CallChannel,
  type CheckResult,
  type ContextUpdate,
  type ExecuteOptions,
  type GateResult,
  type IsolationLayers,
  type OpenGate,
  type OutcomeReport,
  type OutcomeResult,
  type ProviderRefusal,
  type RegisteredTool,
  SafeExecutor,
  type SafeExecutorOptions,
  type ToolContext,
  type ToolFn,
  type ToolProvider,
  type ToolSpec,
} from "./gate/executor.ts";
export {
  DEFAULT_METRICS,
  type MetricsOptions,
  type MetricsSnapshot,
  type MetricsUpdate,
  SessionMetrics,
} from "./gate/metrics.ts";
export { DEFAULT_POLICY, DefaultPolicy, type GatePolicy, type PolicyOptions } from "./gate/policy.ts";
export { type ConfirmMode } from "./gate/confirm.ts";
export { type CutString, redactArgs, type RedactOptions } from "./gate/redact.ts";

// The shared vocabulary
export {
  type ConfirmDecision,
  type ConfirmHandler,
  type ConfirmRequest,
  type Decision,
  type ErrorCode,
  type ExecResult,
  type JsonSchema,
  type JsonType,
  PathOutsideWorkspaceError,
  type Risk,
  type RuleHit,
  ToolError,
} from "./types.ts";
export type { TokenCounter, TokenizerName } from "./tokens/mod.ts";
export type { RuleSpec } from "./rules/mod.ts";

// The witness log
export {
  type FileLocking,
  fileLocking,
  followLog,
  type FollowOptions,
  generateKeyFiles,
  type LogHead,
  logHead,
  type LogStats,
  type ProblemKind,
  type SigningKey,
  statsOfFile,
  tailLog,
  verifyLog,
  type VerifyOptions,
  type VerifyProblem,
  type VerifyReport,
  type VerifyWarning,
  type WarningKind,
  type WitnessEntry,
  type WitnessEventName,
  type WitnessLine,
  WitnessLog,
  type WitnessLogOptions,
  type WitnessStats,
  WitnessUnavailableError,
} from "./witness/mod.ts";

// The workspace guard
export { type PathVerb, Workspace } from "./fileops/workspace.ts";

// The built-in tools and the composition root
export { type BroughtOptions, type BroughtToolConfig, registerBrought } from "./builtins/brought.ts";
export { type GatewaySink, GatewayTools, type GatewayToolsOptions } from "./gateway/gate_tools.ts";
export type {
  CallToolResult,
  ElicitHandler,
  ElicitRequestParams,
  ElicitResult,
  GatewayHooks,
  GatewayLimits,
  GatewayOptions,
  JSONRPCMessage,
  LoggingLevel,
  ToolAnnotations,
  Transport,
  UpstreamCallOptions,
  UpstreamCallResult,
  UpstreamElicitation,
  UpstreamErrorCode,
  UpstreamLog,
  UpstreamProgress,
  UpstreamStatus,
  UpstreamTool,
} from "./gateway/types.ts";
export { type ResolvedTool, type UpstreamListing, UpstreamManager } from "./gateway/manager.ts";
export {
  runtimeSpawner,
  type UpstreamProcess,
  type UpstreamSpawner,
  type UpstreamSpawnRequest,
} from "./gateway/spawner.ts";
export { type SandboxSpawner, sandboxSpawner, type SandboxSpawnerOptions } from "./gateway/sandbox_spawner.ts";
export type { RiskSource } from "./gateway/risk.ts";
export type {
  HttpServerConfig,
  ServerConfigBase,
  StdioServerConfig,
  UpstreamServerConfig,
  UpstreamToolConfig,
} from "./gateway/config.ts";
export {
  BUILTIN_DEFINITIONS,
  type BuiltinDefinition,
  type BuiltinHints,
  type ToolOptions,
} from "./builtins/definitions.ts";
export {
  type App,
  type AppInfo,
  type AppOptions,
  createApp,
  registerDefaults,
  type RegisterDefaultsOptions,
} from "./app.ts";

// The isolation
export type { Isolation, IsolationOptions, IsolationReport, LayerStatus } from "./isolation/mod.ts";
export type {
  ConfinedFileIsolation,
  FileBackend,
  FileIsolation,
  HostFileIsolation,
  WorkerFileIsolation,
  WorkerPermissions,
} from "./isolation/files/backend.ts";
export type { FsToolName } from "./fileops/ops.ts";
export type {
  BwrapIsolation,
  BwrapLimits,
  NoSandboxIsolation,
  ProcessIsolation,
  ProcessSandbox,
  SandboxOptions,
  SpawnContext,
  UnavailableIsolation,
} from "./isolation/process/sandbox.ts";
export type { SandboxLimits } from "./isolation/process/bwrap.ts";
export type { BwrapProbe } from "./isolation/process/probe.ts";

// The config
export { ConfigError, parseConfig, resolveConfig, type SafeExecConfig, type WitnessOptions } from "./config/mod.ts";
export type { CliOverrides } from "./config/types.ts";

// The transports
export { type ProtocolOptions, ProtocolServer } from "./transport/jsonl/server.ts";
export type { RequestId, Response } from "./transport/jsonl/wire.ts";

// The runtime seam
export {
  type ChildProcess,
  currentRuntime,
  type ExitStatus,
  type FileServerCommand,
  type Runtime,
  type SpawnOptions,
  type WorkerGrant,
} from "./runtime/mod.ts";
export { VERSION } from "./version.ts";
