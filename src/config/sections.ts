/**
 * The config file's sections, declared once: {@linkcode SECTIONS} maps each top-level key to how it is read into a
 * {@linkcode SafeExecConfig}, and each object section is a table of its fields (`_fields.ts`). A new section (the
 * rules, tools the agent brings, upstream servers) is one entry here, a field of `SafeExecConfig` and its default.
 *
 * @module
 */
import { BUILTIN_TOOL_NAMES, MAX_TIMEOUT_MS, type ToolOptions } from "../builtins/definitions.ts";
import type { ConfirmMode } from "../gate/confirm.ts";
import { DEFAULT_METRICS, type MetricsOptions } from "../gate/metrics.ts";
import type { PolicyOptions } from "../gate/policy.ts";
import type { SandboxOptions } from "../isolation/mod.ts";
import { TOKENIZERS } from "../tokens/count.ts";
import { GatewayConfigError } from "../gateway/errors.ts";
import { parseServers } from "../gateway/config.ts";
import { RISKS } from "../types.ts";
import { checkToolNames, readBroughtTool } from "./_brought.ts";
import {
  bool,
  type Fail,
  type FieldContext,
  type Fields,
  has,
  intIn,
  isPlainObject,
  numberIn,
  object,
  oneOf,
  pathField,
  positive,
  type Read,
  readSection,
  show,
} from "./_fields.ts";
import { readProjectChecks, readReadOnlyCommands, readRules } from "./_rules_section.ts";
import type { SafeExecConfig } from "./types.ts";

/** The longest confirmation a config may allow: a day. */
const MAX_CONFIRM_TIMEOUT_MS = 86_400_000;
/** Rounding that the weights' sum may exceed 1 by. */
const WEIGHT_SUM_TOLERANCE = 1e-9;
const CONFIRM_DESCRIPTION = '"client", "deny", "tty" or "exec:<program>"';
const SANDBOX_MODES = ["auto", "bwrap", "none"] as const;

/**
 * Validate a confirm mode (from the file or `--confirm`); `fail` gets a message starting with "must be".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toConfirmMode } from "./sections.ts";
 * const fail = (m: string): never => {
 *   throw new Error(m);
 * };
 * assert.equal(toConfirmMode("exec:approve --strict", fail), "exec:approve --strict");
 * assert.throws(() => toConfirmMode("ask", fail), /must be "client", "deny", "tty" or "exec:<program>", got "ask"/);
 * ```
 */
export function toConfirmMode(mode: string, fail: Fail): ConfirmMode {
  if (mode === "client" || mode === "deny" || mode === "tty") return mode;
  if (mode.startsWith("exec:")) {
    const program = mode.slice("exec:".length);
    if (program.trim() === "" || program.includes("\0")) {
      fail(`must be ${CONFIRM_DESCRIPTION} with a non-empty program (no NUL), got ${show(mode)}`);
    }
    return mode as ConfirmMode;
  }
  return fail(`must be ${CONFIRM_DESCRIPTION}, got ${show(mode)}`);
}

const positiveInteger: Read<number> = (value, key, { fail }) => {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    fail(`"${key}" must be a positive integer, got ${show(value)}`);
  }
  return value as number;
};

const METRICS_FIELDS: Fields<MetricsOptions> = {
  maxContext: positive,
  maxDuration: positive,
  maxErrors: positiveInteger,
  weightContext: numberIn(0, 1),
  weightDuration: numberIn(0, 1),
  weightErrors: numberIn(0, 1),
  countToolErrors: bool,
  errorWindowSeconds: (value, key, { fail }) => {
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      fail(`"${key}" must be a number ≥ 0 (0: no window), got ${show(value)}`);
    }
    return value as number;
  },
  tokenizer: oneOf(TOKENIZERS),
  idleResetSeconds: (value, key, { fail }) => {
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      fail(`"${key}" must be a number of seconds ≥ 0 (0: never reset when idle), got ${show(value)}`);
    }
    return value as number;
  },
};

function readMetrics(value: unknown, ctx: FieldContext): MetricsOptions {
  const m = readSection(value, "metrics", METRICS_FIELDS, { ...DEFAULT_METRICS }, ctx);
  const sum = m.weightContext + m.weightDuration + m.weightErrors;
  if (sum > 1 + WEIGHT_SUM_TOLERANCE) {
    ctx.fail(
      `"metrics.weightContext" + "metrics.weightDuration" + "metrics.weightErrors" must sum to at most 1 ` +
        `(fatigue stays in [0, 1]), got ${m.weightContext} + ${m.weightDuration} + ${m.weightErrors} = ${sum}`,
    );
  }
  return m;
}

const POLICY_FIELDS: Fields<PolicyOptions> = {
  thresholds: (value, key, ctx) => {
    if (!Array.isArray(value) || value.length !== 2) {
      ctx.fail(`"${key}" must be an array of two numbers [t0, t1] with 0 ≤ t0 ≤ t1 ≤ 1, got ${show(value)}`);
    }
    const pair = value as unknown[];
    const t0 = numberIn(0, 1)(pair[0], `${key}[0]`, ctx);
    const t1 = numberIn(0, 1)(pair[1], `${key}[1]`, ctx);
    if (t0 > t1) ctx.fail(`"${key}" must be in order (0 ≤ t0 ≤ t1 ≤ 1), got ${show(value)}`);
    return [t0, t1];
  },
  alwaysAskHigh: bool,
};

const TOOL_FIELDS: Fields<ToolOptions> = {
  risk: oneOf(RISKS),
  timeoutMs: intIn(1, MAX_TIMEOUT_MS),
  enabled: bool,
};

/** `tools`: overrides of the built-in tools, and the tools the agent brings (`_brought.ts`) under other names. */
function readTools(value: unknown, config: SafeExecConfig, ctx: FieldContext): void {
  const raw = object(value, "tools", ctx.fail);
  const tools: Record<string, ToolOptions> = {};
  const brought: SafeExecConfig["brought"] = {};
  for (const name of Object.keys(raw)) {
    if (!BUILTIN_TOOL_NAMES.includes(name)) {
      const tool = readBroughtTool(name, raw[name], ctx);
      if (tool !== null) brought[name] = tool;
      continue;
    }
    const entry = raw[name];
    if (isPlainObject(entry) && (has(entry, "run") || has(entry, "command"))) {
      ctx.fail(
        `"tools.${name}" is a built-in tool, so it takes only "risk", "timeoutMs" and "enabled"; a tool you bring ` +
          `("run" or "command") needs a name of its own, not one of ${BUILTIN_TOOL_NAMES.join(", ")}`,
      );
    }
    tools[name] = readSection(entry, `tools.${name}`, TOOL_FIELDS, {}, ctx);
  }
  config.tools = tools;
  config.brought = brought;
}

/** `servers`: the upstream MCP servers of the gateway (`gateway/config.ts` reads them). */
function readServers(value: unknown, config: SafeExecConfig, ctx: FieldContext): void {
  try {
    config.servers = parseServers(value, { baseDir: ctx.baseDir });
  } catch (e) {
    if (e instanceof GatewayConfigError) ctx.fail(e.message);
    throw e;
  }
}

const pathList: Read<string[]> = (value, key, ctx) => {
  if (!Array.isArray(value)) ctx.fail(`"${key}" must be an array of paths, got ${show(value)}`);
  return (value as unknown[]).map((p, i) => pathField(p, `${key}[${i}]`, ctx));
};

const SANDBOX_FIELDS: Fields<SandboxOptions> = {
  mode: oneOf(SANDBOX_MODES),
  network: bool,
  readable: pathList,
  writable: pathList,
  unixSockets: (value, key, { fail }) => {
    if (value !== "none" && value !== "workspace") fail(`"${key}" must be "none" or "workspace", got ${show(value)}`);
    return value as "none" | "workspace";
  },
};

function readSandbox(value: unknown, ctx: FieldContext): SandboxOptions {
  const sandbox: SandboxOptions = { mode: "auto", network: false };
  const expectedMode = SANDBOX_MODES.map((m) => JSON.stringify(m)).join(", ");
  if (typeof value === "string") {
    if (!(SANDBOX_MODES as readonly string[]).includes(value)) {
      ctx.fail(`"sandbox" must be one of ${expectedMode} or an object {mode, network, …}, got ${show(value)}`);
    }
    sandbox.mode = value as SandboxOptions["mode"];
    return sandbox;
  }
  if (!isPlainObject(value)) {
    ctx.fail(`"sandbox" must be one of ${expectedMode} or an object {mode, network}, got ${show(value)}`);
  }
  readSection(value, "sandbox", SANDBOX_FIELDS, sandbox, ctx);
  if (sandbox.unixSockets === "workspace" && sandbox.network) {
    ctx.fail(
      `"sandbox.unixSockets": "workspace" cannot go with "sandbox.network": true: in the host's network namespace ` +
        `a unix socket reaches the host's abstract sockets (D-Bus, X11, container runtimes)`,
    );
  }
  return sandbox;
}

/** How one top-level key is read into the config. */
export type Section = (value: unknown, config: SafeExecConfig, ctx: FieldContext) => void;

/**
 * Every top-level key of the config file, in the order the messages list them, and how each is read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SECTIONS } from "./sections.ts";
 * assert.deepEqual(Object.keys(SECTIONS).slice(0, 3), ["workspace", "metrics", "policy"]);
 * ```
 */
export const SECTIONS: Readonly<Record<string, Section>> = Object.freeze({
  workspace: (v, c, x) => c.workspace = pathField(v, "workspace", x),
  metrics: (v, c, x) => c.metrics = readMetrics(v, x),
  policy: (v, c, x) => c.policy = readSection(v, "policy", POLICY_FIELDS, c.policy, x),
  tools: (v, c, x) => readTools(v, c, x),
  servers: (v, c, x) => readServers(v, c, x),
  confirm: (v, c, { fail }) => {
    if (typeof v !== "string") fail(`"confirm" must be ${CONFIRM_DESCRIPTION}, got ${show(v)}`);
    c.confirm = toConfirmMode(v as string, (msg) => fail(`"confirm" ${msg}`));
  },
  confirmTimeoutMs: (v, c, x) => c.confirmTimeoutMs = intIn(1, MAX_CONFIRM_TIMEOUT_MS)(v, "confirmTimeoutMs", x),
  witness: (v, c, x) =>
    readSection(
      v,
      "witness",
      { path: pathField, fsync: bool, signingKey: pathField as Read<string | null> },
      c.witness,
      x,
    ),
  sandbox: (v, c, x) => c.sandbox = readSandbox(v, x),
  workspaceMayContainHome: (v, c, x) => c.workspaceMayContainHome = bool(v, "workspaceMayContainHome", x),
  rules: (v, c, x) => c.rules = readRules(v, x),
  readOnlyCommands: (v, c, x) => c.readOnlyCommands = readReadOnlyCommands(v, x),
  projectChecks: (v, c, x) => c.projectChecks = readProjectChecks(v, x),
});

/** Read every section present in `raw` (the file's top-level object) into `config`. */
export function readSections(raw: Record<string, unknown>, config: SafeExecConfig, ctx: FieldContext): void {
  for (const [key, read] of Object.entries(SECTIONS)) if (has(raw, key)) read(raw[key], config, ctx);
  checkToolNames(config, ctx.fail);
}
