/**
 * The composition root: {@linkcode createApp} builds a server from a resolved config and a runtime, the one place
 * where the gate, the isolation and the built-in tools meet. Every dependency goes down from here: the gate never
 * imports the config, the transports or the tools; the tools are given their isolation, never build it.
 *
 * What a call goes through, top down: a transport (`transport/jsonl`, `transport/mcp`) hands it to
 * `SafeExecutor.execute` (`gate/`), which checks it, asks the policy, writes the witness line (`witness/`), asks for
 * confirmation, and runs the tool: a file operation (`fileops/`) in the file backend, or a process in the sandbox
 * (`isolation/`).
 *
 * @module
 */
import { registerBrought } from "./builtins/brought.ts";
import { GatewayTools } from "./gateway/gate_tools.ts";
import { type SandboxSpawner, sandboxSpawner } from "./gateway/sandbox_spawner.ts";
import type { UpstreamStatus } from "./gateway/types.ts";
import { registerBuiltins } from "./builtins/register.ts";
import type { ToolOptions } from "./builtins/definitions.ts";
import type { SafeExecConfig } from "./config/types.ts";
import { SafeExecutor } from "./gate/executor.ts";
import type { FileBackend } from "./isolation/files/backend.ts";
import { createIsolation, type Isolation, type IsolationOptions, type IsolationReport } from "./isolation/mod.ts";
import type { ProcessSandbox } from "./isolation/process/sandbox.ts";
import type { SandboxLimits } from "./isolation/process/bwrap.ts";
import type { Runtime } from "./runtime/types.ts";
import { PROTOCOL_VERSION } from "./transport/jsonl/wire.ts";
import { VERSION } from "./version.ts";

/** What a running server shows in `info`. */
export interface AppInfo {
  /** safe-exec's version. */
  version: string;
  /** The JSON-lines protocol's version. */
  protocol: number;
  /** The workspace (a real path). */
  workspace: string;
  /** The witness log's path. */
  witness: string;
  /** Who answers ASK. */
  confirm: string;
  /** The runtime, by name and version. */
  runtime: { name: string; version: string };
  /** The isolation layers and their descriptions. */
  isolation: IsolationReport;
  /** The gateway's upstream servers and what each is doing (SPEC §8); empty without `servers`. */
  servers: UpstreamStatus[];
  /** The tools the agent brings (SPEC §2.1), by name: how each runs and its risk. */
  brought: { name: string; run: "client" | "command"; risk: string }[];
}

/** Everything a running server needs, built from the config. */
export interface App {
  /** The resolved config. */
  config: SafeExecConfig;
  /** The gate. */
  executor: SafeExecutor;
  /** Isolation layers. */
  isolation: Isolation;
  /** The MCP gateway in front of the config's `servers`, or null without any. */
  gateway: GatewayTools | null;
  /** The `info` payload. */
  info(): AppInfo;
  /** Stop: session stop line, close log, stop workers and the sandbox (upstream servers are told to stop). */
  close(): void;
  /** {@linkcode App.close}, then wait until every upstream server is gone. */
  shutdown(): Promise<void>;
}

/**
 * The spawner of a config's upstream servers: servers with `"sandbox": true` run in the process sandbox (the config's
 * `sandbox` section, over its workspace), never bare, and are never shown the witness log, the config file or the
 * signing key. Close it once the servers are gone.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { upstreamSpawner } from "./app.ts";
 * import { defaultConfig } from "./config/types.ts";
 * import { currentRuntime } from "./runtime/mod.ts";
 * const spawn = upstreamSpawner({ ...defaultConfig("/tmp"), sandbox: { mode: "none", network: false } }, await currentRuntime());
 * assert.throws(() => spawn({ server: "s", argv: ["true"], cwd: "/", env: {}, sandbox: true, network: false }), /"none"/);
 * spawn.close();
 * ```
 */
export function upstreamSpawner(
  config: SafeExecConfig,
  runtime: Runtime,
  limits?: Partial<SandboxLimits>,
): SandboxSpawner {
  return sandboxSpawner(runtime, {
    workspace: config.workspace,
    sandbox: config.sandbox,
    guarded: [
      { what: "the witness log", path: config.witness.path },
      { what: "the config file", path: config.configPath },
      { what: "the witness signing key", path: config.witness.signingKey },
    ],
    ...(limits ? { limits } : {}),
  });
}

/** Options of {@linkcode createApp} beyond the config. */
export interface AppOptions {
  /** How the isolation is set up beyond the config (limits, worker pool). */
  isolation?: IsolationOptions;
}

/**
 * Build a server from a resolved config: the gate over the config's workspace and witness log, the isolation the
 * config asks for on this runtime (nothing starts before the first call), and the built-in tools registered over
 * it. The workspace must exist or be creatable (the CLI checks and creates it first, `config/startup.ts`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { createApp } from "./app.ts";
 * import { defaultConfig } from "./config/types.ts";
 * import { currentRuntime } from "./runtime/mod.ts";
 * const dir = mkdtempSync(join(tmpdir(), "se-app-"));
 * const app = createApp(defaultConfig(dir), await currentRuntime());
 * assert.equal(app.executor.tools().length, 9);
 * const w = await app.executor.execute("write_file", { path: "a.txt", content: "hi" });
 * assert.equal(w.ok, true);
 * assert.equal(app.info().protocol, 1);
 * app.close();
 * rmSync(dir, { recursive: true });
 * ```
 */
export function createApp(config: SafeExecConfig, runtime: Runtime, options: AppOptions = {}): App {
  const executor = new SafeExecutor({
    workspace: config.workspace,
    witness: config.witness.path,
    witnessFsync: config.witness.fsync,
    ...(config.witness.signingKey !== null ? { witnessSigningKey: config.witness.signingKey } : {}),
    metrics: config.metrics,
    policy: config.policy,
    confirmTimeoutMs: config.confirmTimeoutMs,
    rules: config.rules,
    readOnlyCommands: config.readOnlyCommands,
    trustGitConfig: () => gitConfigIsTheHosts(isolation),
    projectChecks: () => config.projectChecks && sandboxedWithoutNetwork(isolation),
    shellContained: () => shellContained(isolation),
  });
  const isolation = createIsolation(config, runtime, options.isolation);
  registerBuiltins(executor, { runtime, files: isolation.files, sandbox: isolation.sandbox, tools: config.tools });
  registerBrought(executor, config.brought, { runtime, sandbox: isolation.sandbox });
  const spawner = upstreamSpawner(config, runtime, options.isolation?.limits);
  const gateway = Object.keys(config.servers).length === 0 ? null : new GatewayTools(config.servers, {
    spawn: spawner,
    diagnostics: (line) => runtime.writeStderr(line),
    clientInfo: { name: "safe-exec", version: VERSION },
  });
  if (gateway !== null) executor.addProvider(gateway);
  let stopped: Promise<void> | null = null;
  const close = () => {
    executor.close();
    isolation.close();
    // The sandboxes of sandboxed servers go once the servers are gone (their cgroups kill what is left).
    stopped ??= (gateway?.close() ?? Promise.resolve()).finally(() => spawner.close());
  };
  return {
    config,
    executor,
    isolation,
    gateway,
    info: () => ({
      version: VERSION,
      protocol: PROTOCOL_VERSION,
      workspace: executor.workspace.root,
      witness: executor.witness.path,
      confirm: config.confirm,
      runtime: { name: runtime.name, version: runtime.version },
      isolation: isolation.describe(),
      servers: gateway?.status() ?? [],
      brought: Object.entries(config.brought).map(([name, t]) => ({ name, run: t.run, risk: t.risk })),
    }),
    close,
    async shutdown() {
      close();
      await stopped;
    },
  };
}

/**
 * Whether git commands run by process tools read only a configuration the agent cannot have written: under the
 * bubblewrap sandbox HOME is private and empty (with `GIT_CONFIG_GLOBAL=/dev/null`) and the repository's `.git`
 * configuration and hooks are read-only, so the built-in read-only set may lower `git status|diff|log|show`. Without
 * it (`sandbox: "none"`) an earlier approved `run_bash` could have written `.git/config` (`core.fsmonitor`), so
 * git is never lowered (docs/rules.md).
 */
function gitConfigIsTheHosts(isolation: Isolation): boolean {
  const layers = isolation.sandbox.describe().layers;
  return layers.includes("git-protected") && layers.includes("private-home");
}

/**
 * Whether run_bash runs under the bubblewrap sandbox with the network off (`sandbox.network` false): there the code
 * a project check runs (`npm test` runs package.json's script, which the agent can write) reaches the workspace and
 * nothing else, so the built-in project checks may be medium (src/rules/project_checks.ts). With `sandbox: "none"`,
 * with the network on, or where bubblewrap cannot run (run_bash then fails closed), they stay high (README, "project
 * checks").
 */
function sandboxedWithoutNetwork(isolation: Isolation): boolean {
  return shellContained(isolation) && isolation.sandbox.describe().layers.includes("network-off");
}

/**
 * Whether run_bash runs contained: under the bubblewrap sandbox, paths outside the workspace are not visible,
 * writes outside are impossible and git's files are read-only views, so the built-in read-only set may lower
 * `cat ../x` (it reads nothing of the host's). Without it (`sandbox: "none"`) a script is lowered only when every
 * path it may read is literal and inside the workspace, as in hook mode (rules/engine.ts `contained`).
 */
function shellContained(isolation: Isolation): boolean {
  return isolation.sandbox.describe().layers.includes("bwrap");
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
   * cannot run. Pass `noSandbox` (from `isolation/process/sandbox.ts`) to run them unsandboxed, knowingly.
   */
  sandbox?: ProcessSandbox;
  /** Per-tool overrides. */
  tools?: Record<string, ToolOptions>;
  /** Cap for stdout and stderr, each (default 1 MiB). */
  maxOutputBytes?: number;
}

/**
 * Register the nine built-in tools on an executor a library user made, with the binary's isolation for what the
 * options leave out (stopped by `executor.close()`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * import { registerDefaults } from "./app.ts";
 * import { SafeExecutor } from "./gate/executor.ts";
 * import { currentRuntime } from "./runtime/mod.ts";
 * const dir = mkdtempSync(join(tmpdir(), "se-"));
 * const ex = new SafeExecutor({ workspace: join(dir, "ws"), witness: join(dir, "witness.log") });
 * registerDefaults(ex, { runtime: await currentRuntime() });
 * const w = await ex.execute("write_file", { path: "a.txt", content: "hi" });
 * assert.equal(w.output, "Written 2 chars");
 * ex.close();
 * rmSync(dir, { recursive: true });
 * ```
 */
export function registerDefaults(executor: SafeExecutor, options: RegisterDefaultsOptions): SafeExecutor {
  let defaults: Isolation | undefined;
  if (!options.fileBackend || !options.sandbox) {
    const iso = createIsolation({ sandbox: { mode: "auto", network: false } }, options.runtime);
    executor.onClose(() => iso.close());
    defaults = iso;
  }
  return registerBuiltins(executor, {
    runtime: options.runtime,
    files: options.fileBackend ?? (defaults as Isolation).files,
    sandbox: options.sandbox ?? (defaults as Isolation).sandbox,
    ...(options.tools ? { tools: options.tools } : {}),
    ...(options.maxOutputBytes ? { maxOutputBytes: options.maxOutputBytes } : {}),
  });
}
