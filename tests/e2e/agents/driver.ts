/**
 * The test driver of the real-agent lab: runs one unmodified coding-agent CLI (Claude Code, Codex, Gemini CLI,
 * pinned by `package.json` here and installed by `install.ts`) non-interactively against the lab's mock model
 * server, inside a network namespace with only loopback, with a fresh HOME (and CODEX_HOME / GEMINI_CLI_HOME),
 * the hook settings of that agent pointing at a hook command, and every hook invocation recorded.
 *
 * ```text
 * const run = await runAgent({
 *   agent: "claude-code",
 *   steps: [{ tool: "Bash", input: { command: "echo hi > a.txt" } }, { text: "done" }],
 *   hookPlan: { PreToolUse: ["deny", "none"] },      // the lab's trivial hook, or hookCommand: "safe-exec hook …"
 * });
 * run.exitCode; run.modelRequests; run.hookInvocations; run.cleanup();
 * ```
 *
 * {@linkcode labStatus} says whether the lab can run here (the CLIs installed, a loopback-only namespace
 * available) and why not, for a visible skip.
 *
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { agentBinaries, agentsInstallDir, installedAgents, REPO_ROOT } from "./install.ts";
import type { Branch, Step, Usage } from "./lab/mock_common.ts";
import { type NetnsCommand, netnsFiles, type NetnsResult, type NetnsSpec } from "./lab/netns_main.ts";

/** The agents the lab drives. */
export type AgentName = "claude-code" | "codex" | "gemini";

/** All of them. */
export const AGENTS: readonly AgentName[] = ["claude-code", "codex", "gemini"];

/** The hook events the lab installs by default, per agent (each agent's own names). */
export const DEFAULT_HOOK_EVENTS: Readonly<
  Record<AgentName, readonly string[]>
> = {
  "claude-code": [
    "PreToolUse",
    "PostToolUse",
    "PostToolUseFailure",
    "SessionStart",
    "SessionEnd",
    "PreCompact",
    "PostCompact",
    "UserPromptSubmit",
    "Stop",
  ],
  codex: [
    "PreToolUse",
    "PostToolUse",
    "SessionStart",
    "UserPromptSubmit",
    "Stop",
    "PreCompact",
    "PostCompact",
  ],
  gemini: [
    "BeforeTool",
    "AfterTool",
    "SessionStart",
    "SessionEnd",
    "PreCompress",
    "BeforeAgent",
    "AfterAgent",
    "AfterModel",
  ],
};

/** Lifecycle events take an exact matcher (or none); tool events a pattern. */
const _TOOL_EVENTS = new Set([
  "PreToolUse",
  "PostToolUse",
  "PostToolUseFailure",
  "BeforeTool",
  "AfterTool",
  "PermissionRequest",
]);

/** The lab folder. */
export const LAB_DIR: string = fileURLToPath(
  new URL("./lab/", import.meta.url),
);

/** The deno binary the lab runs its TypeScript with (the repository's pinned one). */
export const LAB_DENO: string = join(REPO_ROOT, "node_modules", ".bin", "deno");

/** The port the mock listens on inside the namespace (the namespace is private, so it never clashes). */
export const MOCK_PORT = 18080;

/** Options of one run. */
export interface RunAgentOptions {
  /** Which CLI. */
  agent: AgentName;
  /** The fake model's script. */
  steps: Step[];
  /** Scripts the mock plays instead once a message contains their `when` (see lab/mock_common.ts). */
  branches?: Branch[];
  /** Default usage for steps without their own (see the mocks). */
  usage?: Usage;
  /** The user prompt (default: a neutral one; the mock ignores it). */
  prompt?: string;
  /** The hook command (a shell command line; gets the event JSON on stdin), or one per event name. */
  hookCommand?: string | ((event: string) => string);
  /** Without `hookCommand`: the lab's trivial hook answering from this plan (see lab/hook_probe.ts). */
  hookPlan?: Record<string, string[]>;
  /** Which lab hook answers `hookPlan` without a `hookCommand`: the trivial probe (default) or safe-exec's adapters. */
  labHook?: "probe" | "render";
  /** The events to install the hook for (default {@linkcode DEFAULT_HOOK_EVENTS}); `[]` installs none. */
  hookEvents?: readonly string[];
  /** The project folder the CLI runs in (default: a fresh `project/` in the run folder). */
  projectDir?: string;
  /** Extra environment for the CLI (over the lab's). */
  env?: Record<string, string>;
  /** Extra CLI arguments (after the lab's). */
  args?: string[];
  /** Settings merged into the agent's project settings (Claude `.claude/settings.json`, Gemini `.gemini/settings.json`). */
  settings?: Record<string, unknown>;
  /** Extra config.toml text for Codex. */
  codexConfig?: string;
  /** Files to write into the run folder before the run (paths relative to it); `$RUN` in `hookCommand` names it. */
  files?: Record<string, string>;
  /** Kill the CLI after this many milliseconds (default 120 000). */
  timeoutMs?: number;
  /** Keep the run folder after cleanup() (also AGENTS_LAB_KEEP=1). */
  keep?: boolean;
}

/** One recorded hook invocation. */
export interface HookInvocation {
  /** The event the hook was installed for. */
  event: string;
  /** The exact stdin the agent sent. */
  stdin: string;
  /** stdin parsed as JSON (null when it was not JSON). */
  input: Record<string, unknown> | null;
  stdout: string;
  stderr: string;
  exitCode: number;
  /** Start time (ms since the epoch, fractional). */
  startedAt: number;
  durationMs: number;
  /** The hook process's environment. */
  env: Record<string, string>;
  /** The transcript's size when the hook started (null: no transcript yet, or none named). */
  transcriptBytes: number | null;
}

/** One request the mock answered. */
export interface ModelRequest {
  t: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  answer: {
    status: number;
    kind: string;
    step: number | null;
    branch: number | null;
    tool: string | null;
    usage: {
      input: number;
      output: number;
      cacheCreation: number;
      cacheRead: number;
    } | null;
  };
}

/** The outcome of one run. */
export interface AgentRun {
  agent: AgentName;
  /** The CLI's exit code (null when killed). */
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** The CLI's own wall time. */
  durationMs: number;
  /** The whole run: namespace, setup, prepare steps, CLI. */
  totalMs: number;
  stdout: string;
  stderr: string;
  /** Every request the mock got, in order. */
  modelRequests: ModelRequest[];
  /** Every hook invocation, by start time. */
  hookInvocations: HookInvocation[];
  /** Names the CLI looked up (the DNS sink answered NXDOMAIN). */
  dnsQueries: string[];
  /** The runner's record (setup, prepare steps). */
  netns: NetnsResult;
  runDir: string;
  homeDir: string;
  projectDir: string;
  /** The transcript paths the hook events named (existing files). */
  transcripts: string[];
  /** The lab hooks' state folder (plan.json, counters, render.jsonl). */
  stateDir: string;
  /** What the render hook (labHook "render") logged, one record per invocation. */
  renderRecords(): Record<string, unknown>[];
  /** stdout's JSON lines (stream-json / --json output), unparsable lines skipped. */
  events(): Record<string, unknown>[];
  /** Remove the run folder (unless kept). */
  cleanup(): void;
}

/** Whether the lab can run here, and why not. */
export interface LabStatus {
  ok: boolean;
  /** Why not (a sentence for the skip message). */
  reason: string | null;
}

let _netnsChecked: string | null | undefined;

/** Why a loopback-only namespace cannot be made here, or null when it can (checked once). */
export function netnsUnavailable(): string | null {
  if (_netnsChecked !== undefined) return _netnsChecked;
  const r = spawnSync(
    "unshare",
    [
      "--net",
      "--mount",
      "--pid",
      "--fork",
      "--kill-child",
      "--mount-proc",
      "--",
      "ip",
      "link",
      "set",
      "lo",
      "up",
    ],
    { encoding: "utf8", timeout: 10_000 },
  );
  _netnsChecked = r.status === 0
    ? null
    : `cannot make a loopback-only network namespace (unshare --net --mount --pid: ${
      (r.stderr || r.error?.message || `exit ${r.status}`).trim()
    }; needs root or user namespaces, and iproute2)`;
  return _netnsChecked;
}

/** Whether the lab can run here (CLIs installed, namespace available, node and deno present). */
export function labStatus(): LabStatus {
  if (process.env.AGENTS_LAB_DISABLE === "1") {
    return { ok: false, reason: "AGENTS_LAB_DISABLE=1" };
  }
  if (installedAgents() === null) {
    return {
      ok: false,
      reason: `the agent CLIs are not installed in ${agentsInstallDir()} (run: ${
        LAB_DENO.replace(REPO_ROOT, "./")
      } run --allow-read --allow-write --allow-run --allow-env tests/e2e/agents/install.ts)`,
    };
  }
  if (!existsSync(LAB_DENO)) {
    return { ok: false, reason: `no deno at ${LAB_DENO} (npm ci first)` };
  }
  if (spawnSync("node", ["--version"]).status !== 0) {
    return { ok: false, reason: "no node on PATH" };
  }
  const ns = netnsUnavailable();
  if (ns !== null) return { ok: false, reason: ns };
  return { ok: true, reason: null };
}

/** Quote one word for sh. */
export function shQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The deno cache the lab's TypeScript processes share (the CLIs get a fresh HOME, so it is named explicitly). */
export function labDenoDir(): string {
  // Deno's own default (no os.homedir(): the test permissions have no --allow-sys).
  return process.env.DENO_DIR ??
    join(
      process.env.XDG_CACHE_HOME ?? join(process.env.HOME ?? "/root", ".cache"),
      "deno",
    );
}

/** The shell command of the lab's trivial hook for an agent, answering from `<stateDir>/plan.json`. */
export function probeCommand(agent: AgentName, stateDir: string): string {
  return labHookCommand("hook_probe.ts", agent, stateDir);
}

/** The shell command of the lab hook that answers with safe-exec's dialect adapters (lab/render_hook.ts). */
export function renderCommand(agent: AgentName, stateDir: string): string {
  return labHookCommand("render_hook.ts", agent, stateDir);
}

/** The shell command that runs one of the lab's TypeScript hooks (`script` in lab/) for an agent. */
export function labHookCommand(
  script: string,
  agent: AgentName,
  stateDir: string,
): string {
  return [
    `DENO_DIR=${shQuote(labDenoDir())}`,
    "DENO_NO_UPDATE_CHECK=1",
    shQuote(LAB_DENO),
    "run",
    "--no-config",
    "--no-lock",
    "-q",
    "--allow-read",
    "--allow-write",
    shQuote(join(LAB_DIR, script)),
    agent,
    shQuote(stateDir),
  ].join(" ");
}

interface _Paths {
  runDir: string;
  home: string;
  project: string;
  tmp: string;
  hooks: string;
  state: string;
}

function _hookEntry(
  agent: AgentName,
  event: string,
  command: string,
  hooksDir: string,
) {
  const cmd = [
    "sh",
    shQuote(join(LAB_DIR, "hook_recorder.sh")),
    shQuote(hooksDir),
    shQuote(event),
    shQuote(command),
  ]
    .join(" ");
  const tool = _TOOL_EVENTS.has(event);
  if (agent === "gemini") {
    return {
      ...(tool ? { matcher: ".*" } : {}),
      hooks: [{
        name: `lab-${event}`,
        type: "command",
        command: cmd,
        timeout: 60_000,
      }],
    };
  }
  return {
    ...(tool ? { matcher: agent === "codex" ? ".*" : "*" } : {}),
    hooks: [{ type: "command", command: cmd, timeout: 60 }],
  };
}

function _hooks(
  agent: AgentName,
  opts: RunAgentOptions,
  p: _Paths,
): Record<string, unknown[]> {
  const events = opts.hookEvents ?? DEFAULT_HOOK_EVENTS[agent];
  const out: Record<string, unknown[]> = {};
  for (const event of events) {
    const given = typeof opts.hookCommand === "function" ? opts.hookCommand(event) : opts.hookCommand;
    const command = given?.replaceAll("$RUN", p.runDir) ??
      (opts.labHook === "render" ? renderCommand(agent, p.state) : probeCommand(agent, p.state));
    out[event] = [_hookEntry(agent, event, command, p.hooks)];
  }
  return out;
}

function _writeJson(file: string, value: unknown): void {
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(file, JSON.stringify(value, null, 2) + "\n");
}

function _baseEnv(p: _Paths): Record<string, string> {
  return {
    PATH: `${join(REPO_ROOT, "node_modules", ".bin")}:${process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin"}`,
    HOME: p.home,
    TMPDIR: p.tmp,
    LANG: "C.UTF-8",
    TERM: "dumb",
    NO_COLOR: "1",
    USER: "lab",
  };
}

const _PROMPT = "Run the steps the test scripted.";

function _claude(
  opts: RunAgentOptions,
  p: _Paths,
): { argv: string[]; env: Record<string, string> } {
  _writeJson(join(p.project, ".claude", "settings.json"), {
    hooks: _hooks("claude-code", opts, p),
    ...opts.settings,
  });
  return {
    argv: [
      agentBinaries().claude,
      "-p",
      opts.prompt ?? _PROMPT,
      "--output-format",
      "stream-json",
      "--verbose",
      ...(opts.args ?? []),
    ],
    env: {
      ANTHROPIC_BASE_URL: `http://127.0.0.1:${MOCK_PORT}`,
      ANTHROPIC_API_KEY: "sk-ant-fake-key-for-mock",
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
      DISABLE_TELEMETRY: "1",
      DISABLE_AUTOUPDATER: "1",
      DISABLE_ERROR_REPORTING: "1",
      CLAUDE_CODE_TMPDIR: p.tmp,
      ENABLE_TOOL_SEARCH: "false",
    },
  };
}

function _tomlString(s: string): string {
  return JSON.stringify(s);
}

function _codex(
  opts: RunAgentOptions,
  p: _Paths,
): { argv: string[]; env: Record<string, string>; prepare: string[][] } {
  const codexHome = join(p.home, ".codex");
  mkdirSync(codexHome, { recursive: true });
  const config = [
    `model = "gpt-5.5"`,
    `model_provider = "mock"`,
    `check_for_update_on_startup = false`,
    ``,
    `[model_providers.mock]`,
    `name = "Mock (local)"`,
    `base_url = "http://127.0.0.1:${MOCK_PORT}/v1"`,
    `env_key = "MOCK_OPENAI_API_KEY"`,
    `wire_api = "responses"`,
    `request_max_retries = 0`,
    `stream_max_retries = 0`,
    ``,
    `[analytics]`,
    `enabled = false`,
    ``,
    `[feedback]`,
    `enabled = false`,
    ``,
    `[features]`,
    `plugins = false`,
    ``,
    `[projects.${_tomlString(p.project)}]`,
    `trust_level = "trusted"`,
    ``,
    opts.codexConfig ?? "",
  ].join("\n");
  writeFileSync(join(codexHome, "config.toml"), config);
  _writeJson(join(codexHome, "hooks.json"), {
    hooks: _hooks("codex", opts, p),
  });
  const bins = agentBinaries();
  return {
    argv: [
      "node",
      bins.codex,
      "exec",
      "--json",
      "--skip-git-repo-check",
      "--sandbox",
      "workspace-write",
      ...(opts.args ?? []),
      opts.prompt ?? _PROMPT,
    ],
    env: { CODEX_HOME: codexHome, MOCK_OPENAI_API_KEY: "sk-fake-key-for-mock" },
    prepare: [[
      LAB_DENO,
      "run",
      "--no-config",
      "--no-lock",
      "-q",
      "-A",
      join(LAB_DIR, "codex_trust.ts"),
      bins.codex,
      p.project,
    ]],
  };
}

function _gemini(
  opts: RunAgentOptions,
  p: _Paths,
): { argv: string[]; env: Record<string, string> } {
  _writeJson(join(p.home, ".gemini", "settings.json"), {
    security: { auth: { selectedType: "gemini-api-key" } },
    general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
    privacy: { usageStatisticsEnabled: false },
    telemetry: { enabled: false },
  });
  _writeJson(join(p.project, ".gemini", "settings.json"), {
    hooks: _hooks("gemini", opts, p),
    ...opts.settings,
  });
  const policy = join(p.runDir, "gemini-policy.toml");
  writeFileSync(
    policy,
    [
      `[[rule]]`,
      `toolName = ["run_shell_command", "write_file", "replace"]`,
      `decision = "allow"`,
      `priority = 100`,
      `allowRedirection = true`,
      ``,
    ].join("\n"),
  );
  return {
    argv: [
      "node",
      agentBinaries().gemini,
      "-p",
      opts.prompt ?? _PROMPT,
      "--output-format",
      "stream-json",
      "--policy",
      policy,
      ...(opts.args ?? []),
    ],
    env: {
      GEMINI_CLI_HOME: p.home,
      GOOGLE_GEMINI_BASE_URL: `http://127.0.0.1:${MOCK_PORT}`,
      GEMINI_API_KEY: "fake-gemini-key-for-mock",
      GEMINI_CLI_TRUST_WORKSPACE: "true",
      GEMINI_TELEMETRY_ENABLED: "false",
      GEMINI_CLI_NO_RELAUNCH: "true",
    },
  };
}

const _DIALECT: Readonly<Record<AgentName, string>> = {
  "claude-code": "anthropic",
  codex: "openai",
  gemini: "gemini",
};

function _readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

function _jsonLines<T>(text: string): T[] {
  const out: T[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // Not JSON (a CLI's plain line): skipped.
    }
  }
  return out;
}

/** Read the hook recorder's folders. */
export function readHookInvocations(hooksDir: string): HookInvocation[] {
  if (!existsSync(hooksDir)) return [];
  const out: HookInvocation[] = [];
  for (const name of readdirSync(hooksDir)) {
    if (!name.startsWith("inv.")) continue;
    const d = join(hooksDir, name);
    const stdin = _readText(join(d, "stdin"));
    let input: Record<string, unknown> | null = null;
    try {
      input = JSON.parse(stdin);
    } catch {
      input = null;
    }
    const start = Number(_readText(join(d, "start")).trim()) / 1e6;
    const end = Number(_readText(join(d, "end")).trim()) / 1e6;
    const env: Record<string, string> = {};
    for (const line of _readText(join(d, "env")).split("\n")) {
      const i = line.indexOf("=");
      if (i > 0) env[line.slice(0, i)] = line.slice(i + 1);
    }
    const exit = _readText(join(d, "exit")).trim();
    const bytes = _readText(join(d, "transcript_bytes")).trim();
    out.push({
      event: _readText(join(d, "event")).trim(),
      stdin,
      input,
      stdout: _readText(join(d, "stdout")),
      stderr: _readText(join(d, "stderr")),
      exitCode: exit === "" ? -1 : Number(exit),
      startedAt: start,
      durationMs: end > 0 ? Math.round((end - start) * 10) / 10 : -1,
      env,
      transcriptBytes: bytes === "" ? null : Number(bytes),
    });
  }
  return out.sort((a, b) => a.startedAt - b.startedAt);
}

/** The transcript as a hook saw it: the first `transcriptBytes` bytes of the file it names (null when none). */
export function transcriptAt(h: HookInvocation): string | null {
  const path = h.input?.transcript_path;
  if (typeof path !== "string" || h.transcriptBytes === null) return null;
  return readFileSync(path).subarray(0, h.transcriptBytes).toString("utf8");
}

/** Run one CLI in the lab. Throws when the lab is unavailable (check {@linkcode labStatus} first). */
export function runAgent(opts: RunAgentOptions): Promise<AgentRun> {
  const status = labStatus();
  if (!status.ok) {
    throw new Error(`The agent lab cannot run here: ${status.reason}`);
  }
  const t0 = performance.now();
  // realpath: the CLIs report resolved paths (/tmp may be a symlink elsewhere).
  const runDir = realpathSync(
    mkdtempSync(join(tmpdir(), `agents-lab-${opts.agent}-`)),
  );
  const p: _Paths = {
    runDir,
    home: join(runDir, "home"),
    project: opts.projectDir ?? join(runDir, "project"),
    tmp: join(runDir, "tmp"),
    hooks: join(runDir, "hooks"),
    state: join(runDir, "state"),
  };
  for (const d of [p.home, p.project, p.tmp, p.hooks, p.state]) {
    mkdirSync(d, { recursive: true });
  }
  if (opts.hookPlan !== undefined) {
    _writeJson(join(p.state, "plan.json"), opts.hookPlan);
  }
  for (const [name, text] of Object.entries(opts.files ?? {})) {
    mkdirSync(join(runDir, name, ".."), { recursive: true });
    writeFileSync(join(runDir, name), text);
  }
  const setup = opts.agent === "claude-code"
    ? { ..._claude(opts, p), prepare: [] as string[][] }
    : opts.agent === "codex"
    ? _codex(opts, p)
    : { ..._gemini(opts, p), prepare: [] as string[][] };
  const env = { ..._baseEnv(p), ...setup.env, ...opts.env };
  const files = netnsFiles(runDir);
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const prepare: NetnsCommand[] = setup.prepare.map((argv, i) => ({
    argv,
    env: { ...env, DENO_DIR: labDenoDir(), DENO_NO_UPDATE_CHECK: "1" },
    cwd: p.project,
    timeoutMs: 60_000,
    stdoutFile: join(runDir, `prepare-${i}.stdout`),
    stderrFile: join(runDir, `prepare-${i}.stderr`),
  }));
  // Steps and branches may name the project folder as $PROJECT (e.g. Claude Code's Write needs an absolute path).
  const subst = <T>(v: T): T =>
    JSON.parse(
      JSON.stringify(v).replaceAll(
        "$PROJECT",
        JSON.stringify(p.project).slice(1, -1),
      ),
    );
  const spec: NetnsSpec = {
    runDir,
    mock: {
      dialect: _DIALECT[opts.agent],
      port: MOCK_PORT,
      steps: subst(opts.steps),
      ...(opts.usage !== undefined ? { usage: opts.usage } : {}),
      ...(opts.branches !== undefined ? { branches: subst(opts.branches) } : {}),
      logFile: files.mockLog,
    },
    dnsLog: files.dnsLog,
    resolvConf: files.resolvConf,
    prepare,
    command: {
      argv: setup.argv,
      env,
      cwd: p.project,
      timeoutMs,
      stdoutFile: files.stdout,
      stderrFile: files.stderr,
    },
    resultFile: files.result,
  };
  _writeJson(files.spec, spec);
  const runnerArgs = [
    "--net",
    "--mount",
    "--pid",
    "--fork",
    "--kill-child",
    "--mount-proc",
    "--",
    LAB_DENO,
    "run",
    "--no-config",
    "--no-lock",
    "-q",
    "-A",
    join(LAB_DIR, "netns_main.ts"),
    files.spec,
  ];
  return new Promise((resolve, reject) => {
    {
      const child = spawn("unshare", runnerArgs, {
        stdio: ["ignore", "pipe", "pipe"],
        env: {
          PATH: env.PATH!,
          HOME: p.home,
          DENO_DIR: labDenoDir(),
          DENO_NO_UPDATE_CHECK: "1",
          NO_COLOR: "1",
        },
      });
      let runnerOutput = "";
      child.stdout.on(
        "data",
        (c: Uint8Array) => runnerOutput += new TextDecoder().decode(c),
      );
      child.stderr.on(
        "data",
        (c: Uint8Array) => runnerOutput += new TextDecoder().decode(c),
      );
      // A hard bound over the CLI's own timeout: the runner's setup, prepare steps and teardown.
      const guard = setTimeout(() => child.kill("SIGKILL"), timeoutMs + 90_000);
      child.on("error", (e) => {
        clearTimeout(guard);
        reject(
          new Error(
            `Cannot start the namespace runner (unshare): ${e.message}`,
          ),
        );
      });
      child.on("exit", () => {
        clearTimeout(guard);
        const resultText = _readText(files.result);
        if (resultText === "") {
          reject(
            new Error(
              `The namespace runner wrote no result; its output: ${runnerOutput.slice(-3000)}`,
            ),
          );
          return;
        }
        const netns = JSON.parse(resultText) as NetnsResult;
        if (netns.setupError !== null) {
          reject(new Error(netns.setupError));
          return;
        }
        const failedPrepare = netns.prepare.findIndex((r) => r.exitCode !== 0);
        if (failedPrepare >= 0) {
          reject(
            new Error(
              `The prepare step ${setup.prepare[failedPrepare]?.join(" ")} failed (${
                JSON.stringify(netns.prepare[failedPrepare])
              }): ${
                _readText(join(runDir, `prepare-${failedPrepare}.stderr`))
                  .slice(-3000)
              }`,
            ),
          );
          return;
        }
        const hookInvocations = readHookInvocations(p.hooks);
        const transcripts = [
          ...new Set(
            hookInvocations.map((h) => h.input?.transcript_path).filter((
              t,
            ): t is string => typeof t === "string" && existsSync(t)),
          ),
        ];
        const stdout = _readText(files.stdout);
        const keep = opts.keep === true || process.env.AGENTS_LAB_KEEP === "1";
        const run: AgentRun = {
          agent: opts.agent,
          exitCode: netns.command?.exitCode ?? null,
          signal: netns.command?.signal ?? null,
          timedOut: netns.command?.timedOut ?? false,
          durationMs: netns.command?.durationMs ?? 0,
          totalMs: Math.round(performance.now() - t0),
          stdout,
          stderr: _readText(files.stderr),
          modelRequests: _jsonLines<ModelRequest>(_readText(files.mockLog)),
          hookInvocations,
          dnsQueries: _jsonLines<{ name: string }>(_readText(files.dnsLog)).map(
            (q) => q.name,
          ),
          netns,
          runDir,
          homeDir: p.home,
          projectDir: p.project,
          transcripts,
          stateDir: p.state,
          renderRecords: () =>
            _jsonLines<Record<string, unknown>>(
              _readText(join(p.state, "render.jsonl")),
            ),
          events: () => _jsonLines<Record<string, unknown>>(stdout),
          cleanup: () => {
            if (!keep) rmSync(runDir, { recursive: true, force: true });
          },
        };
        resolve(run);
      });
    }
  });
}
