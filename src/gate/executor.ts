/**
 * `SafeExecutor`: the gate in front of every tool call. It scores the session's fatigue, crosses it with the
 * tool's risk, asks for confirmation when the policy says ASK, writes every decision to the witness log before
 * anything runs, and runs the tool. `execute` takes the steps of `_steps.ts` in order.
 *
 * @module
 */
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { isWithin, realPathLoose } from "../_util/paths.ts";
import { Workspace } from "../fileops/workspace.ts";
import {
  type ConfirmHandler,
  type Decision,
  type ErrorCode,
  type ExecResult,
  type Risk,
  RISKS,
  type RuleHit,
} from "../types.ts";
import { type LogStats, type WitnessEntry, WitnessLog, WitnessUnavailableError } from "../witness/mod.ts";
import { askWithTimeout, DEFAULT_CONFIRM_TIMEOUT_MS, sourceOf } from "./confirm.ts";
import { notApprovedMessage, RememberedApprovals } from "./_approvals.ts";
import {
  DEFAULT_METRICS,
  type MetricsOptions,
  type MetricsSnapshot,
  type MetricsUpdate,
  roundFatigue,
  SessionMetrics,
} from "./metrics.ts";
import { DefaultPolicy, type GatePolicy, type PolicyOptions } from "./policy.ts";
import { cutText, redactArgs } from "./redact.ts";
import { type RuleOutcome, validateRules } from "../rules/mod.ts";
import { objectArgs } from "./_string_args.ts";
import { type ContextUpdate, isContextUpdate } from "./_context_update.ts";
import { countMessages, loadTokenizer, type TokenCounter } from "../tokens/mod.ts";
import { applyRules, judgeCall, type RuledVerdict, type RulesSetup } from "./_rules.ts";
import type { CallChannel, ProviderRefusal, RegisteredTool, ToolFn, ToolProvider, ToolSpec } from "./tool.ts";
import { ClientGates, type OpenGate } from "./client_gates.ts";
import {
  cancelledBeforeStart,
  cancelledWhileRunning,
  checkArgs,
  checkCall,
  type CheckedCall,
  decide,
  executeDetails,
  MAX_LOGGED_NAME,
  type Outcome,
  runTool,
  shownName,
  skippedResult,
} from "./_steps.ts";

export type {
  CallChannel,
  IsolationLayers,
  ProviderRefusal,
  RegisteredTool,
  ToolContext,
  ToolFn,
  ToolProvider,
  ToolSpec,
} from "./tool.ts";
export type { OpenGate } from "./client_gates.ts";
export type { ContextUpdate } from "./_context_update.ts";

/** Options of {@linkcode SafeExecutor}. */
export interface SafeExecutorOptions {
  /** The workspace folder (created if missing). Default `./workspace`. */
  workspace?: string;
  /** The witness log: a path (default `./witness.log`) or an open {@linkcode WitnessLog}. */
  witness?: string | WitnessLog;
  /** fsync every witness line. Default false. */
  witnessFsync?: boolean;
  /** An Ed25519 private key file (outside the workspace) that signs the log's checkpoint lines. */
  witnessSigningKey?: string;
  /** Fatigue options (SPEC §1). */
  metrics?: Partial<MetricsOptions>;
  /** A custom policy, or options of the default one. */
  policy?: GatePolicy | Partial<PolicyOptions>;
  /** Decides ASK. Default: nothing is approved. */
  confirm?: ConfirmHandler;
  /** How long a confirmation may take. Default 120000 ms. */
  confirmTimeoutMs?: number;
  /** Monotonic clock in ms, for tests. */
  now?: () => number;
  /** The config's rules (SPEC §1.1), as written there; refused with every problem named when one is wrong. */
  rules?: unknown;
  /** Apply the built-in read-only commands to run_bash after the rules (default true). */
  readOnlyCommands?: boolean;
  /**
   * Lower read-only git commands too (default false): only where process tools cannot meet a git configuration the
   * agent wrote (a private HOME, and the repository's `.git` read-only to them, as under the bubblewrap sandbox).
   */
  trustGitConfig?: boolean | (() => boolean);
  /**
   * Take the built-in project checks of run_bash (`npm test`, `npm run lint`, `npx tsc`, `cargo test`, …) as medium
   * instead of high (default false). They run the project's code, which the agent can change: say true only where
   * the run_bash you registered runs under the bubblewrap sandbox with the network off (the binary passes it when
   * that holds and the config does not say `"projectChecks": false`). Needs `readOnlyCommands`.
   */
  projectChecks?: boolean | (() => boolean);
  /**
   * The host fact that run_bash runs contained: under the bubblewrap sandbox, which shows it only the workspace
   * (default false). Say true only where that holds (the binary passes it from the sandbox's layers, the same fact
   * `projectChecks` is made of). Without it a script is lowered only when every path it may read is literal and
   * inside the workspace, and never when it writes a file the host runs (`.claude/**`, `.envrc`, …; rules/engine.ts).
   */
  shellContained?: boolean | (() => boolean);
}

/** What {@linkcode SafeExecutor.check} answers: the gate's decision for a call now, nothing asked, run or logged. */
export interface CheckResult {
  /** The tool name (an unknown one shortened like in the log). */
  tool: string;
  /** What the gate would decide now. */
  decision: Decision;
  /** The risk it would decide with (after the rules), or null for an unknown tool. */
  risk: Risk | null;
  /** The session fatigue now, rounded to 4 decimals. */
  fatigue: number;
  /** Why, as the gate line would say it. */
  rationale: string;
  /** The rules that took effect. */
  rules: RuleHit[];
  /** `denied`, `unknown_tool` or `invalid_args` when the call would not run at once; null otherwise. */
  errorCode: ErrorCode | null;
  /** Why a run_bash script was not lowered by the built-in read-only commands (one reason per simple command). */
  notes: string[];
}

/** Per-call options of {@linkcode SafeExecutor.execute}. */
export interface ExecuteOptions {
  /** Cancels the call: a pending confirmation is not approved; a running process is killed. */
  signal?: AbortSignal;
  /** Replaces the executor's confirm handler for this call (the protocol server uses it). */
  confirm?: ConfirmHandler;
  /** The way back to the caller for a tool that reports progress or asks the person while it runs. */
  channel?: CallChannel;
  /**
   * For a call that ran: the session's context in tokens once this result is returned to the model (the MCP server's
   * estimate), or null to leave the metrics as they are. Given, the update takes effect before `execute` returns
   * and its `metrics` line is written together with the execute line (one lock of the log), as
   * {@linkcode SafeExecutor.updateMetrics} would write it.
   */
  contextAfter?: (result: ExecResult) => number | null;
  /**
   * Called once with the result of a call that ran, before its execute line is written, so a transport can answer
   * the caller while the line is written. `execute` still resolves only once the line is in the log, and a
   * transport's next call waits for that (its fatigue counts this outcome). A throwing callback is ignored.
   */
  onRan?: (result: ExecResult) => void;
}

/** The answer to {@linkcode SafeExecutor.gate} (SPEC §3.1). */
export interface GateResult {
  /** The tool name as requested (an unknown one shortened). */
  tool: string;
  /** The gate's decision. */
  decision: Decision;
  /** The client may run the tool now (allow, or an approved ask), and must report its outcome. */
  approved: boolean;
  /** The tool's risk, or null for an unknown tool. */
  risk: Risk | null;
  /** Session fatigue at decision time. */
  fatigue: number;
  /** Why it is not approved (`denied`, `not_approved`, `unknown_tool`, `invalid_args`, …), else null. */
  errorCode: ErrorCode | null;
  /** A human-readable reason when not approved, else null. */
  error: string | null;
  /** The policy's rationale (or the refusal's message). */
  rationale: string | null;
  /** What {@linkcode SafeExecutor.outcome} names, when approved; else null. */
  ticket: number | null;
  /** Wall time of the gate (with any ASK), in milliseconds. */
  durationMs: number;
  /** Set when the tool is not a client tool: a gate is the wrong request for it (nothing was logged). */
  misuse?: string;
}

/** What the agent reports about a client tool it ran (SPEC §3.1 `outcome`). */
export interface OutcomeReport {
  /** It succeeded. */
  ok: boolean;
  /** Why not, when it failed (kept in the log, cut like other long strings). */
  error?: string | null;
  /** The size of its output, in bytes. */
  outputBytes?: number;
  /** How long it ran, in milliseconds. */
  durationMs?: number;
}

/** What {@linkcode SafeExecutor.outcome} did. */
export type OutcomeResult =
  | { recorded: true; fatigue: number }
  | {
    recorded: false;
    code: "unknown_gate" | "already_reported" | "witness_unavailable";
    message: string;
    fatigue?: number;
  };

/** Steps 1-5 of a call: it goes on to run, or it ended (or is the wrong request for its tool). */
type Admission =
  | {
    kind: "go";
    known: true;
    tool: RegisteredTool;
    args: Record<string, unknown>;
    decision: Decision;
    risk: Risk;
    rules: RuleHit[];
    fatigue: number;
    rationale: string;
    gateSeq: number;
  }
  | { kind: "done"; known: boolean; outcome: Outcome; rationale: string | null }
  | { kind: "misuse"; known: boolean; misuse: Outcome };

function gateOf(
  tool: string,
  o: Outcome,
  rationale: string | null,
  ticket: number | null,
  durationMs: number,
): GateResult {
  return {
    tool,
    decision: o.decision,
    approved: ticket !== null,
    risk: o.risk,
    fatigue: o.fatigue,
    errorCode: o.errorCode,
    error: o.error,
    rationale,
    ticket,
    durationMs,
  };
}

const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

function isPolicy(p: unknown): p is GatePolicy {
  return typeof p === "object" && p !== null && typeof (p as GatePolicy).decide === "function";
}

/**
 * The gate. Async throughout; concurrent `execute` calls keep metrics and the witness chain consistent (every
 * witness line is written synchronously, in one piece).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SafeExecutor } from "./executor.ts";
 * import { mkdtempSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * const dir = mkdtempSync(join(tmpdir(), "se-"));
 * const ex = new SafeExecutor({ workspace: join(dir, "ws"), witness: join(dir, "witness.log") });
 * ex.register("greet", { risk: "low" }, (args) => `hello ${args.name}`);
 * const r = await ex.execute("greet", { name: "ada" });
 * assert.ok(r.ok && r.decision === "allow" && r.output === "hello ada");
 * ex.close();
 * ```
 */
export class SafeExecutor {
  /** The workspace. */
  readonly workspace: Workspace;
  /** The witness log. */
  readonly witness: WitnessLog;
  /** The session metrics. */
  readonly metrics: SessionMetrics;
  /** The policy. */
  readonly policy: GatePolicy;
  /** Confirmation timeout in ms. */
  readonly confirmTimeoutMs: number;
  #tools = new Map<string, RegisteredTool>();
  #rules: RulesSetup;
  #approvals = new RememberedApprovals();
  #confirm: ConfirmHandler;
  #started = false;
  #closed = false;
  #onClose: Array<() => void> = [];
  #providers: ToolProvider[] = [];
  #clientGates = new ClientGates();
  #now: () => number;
  #lastActivity: number;

  /** Make an executor; creates the workspace folder if missing. */
  constructor(options: SafeExecutorOptions = {}) {
    const wsDir = resolve(options.workspace ?? "./workspace");
    mkdirSync(wsDir, { recursive: true });
    this.workspace = Workspace.open(wsDir);
    if (options.witness instanceof WitnessLog) {
      this.witness = options.witness;
    } else {
      const path = resolve(options.witness ?? "./witness.log");
      if (isWithin(realPathLoose(path), this.workspace.root)) {
        throw new RangeError(
          `Cannot use the witness log "${path}" as it is inside the workspace "${this.workspace.root}": the agent could rewrite it`,
        );
      }
      this.witness = new WitnessLog(path, {
        fsync: options.witnessFsync ?? false,
        ...(options.witnessSigningKey !== undefined ? { signingKey: options.witnessSigningKey } : {}),
      });
    }
    this.#now = options.now ?? (() => performance.now());
    this.metrics = new SessionMetrics({ ...DEFAULT_METRICS, ...options.metrics }, this.#now);
    this.#lastActivity = this.#now();
    this.policy = isPolicy(options.policy) ? options.policy : new DefaultPolicy(options.policy ?? {});
    this.#confirm = options.confirm ?? (() => false);
    const rules = validateRules(options.rules ?? []);
    if (rules.errors.length > 0) throw new TypeError(`Invalid rules: ${rules.errors.join("; ")}`);
    const trust = options.trustGitConfig;
    const checks = options.projectChecks;
    const contained = options.shellContained;
    this.#rules = {
      rules: rules.rules,
      readOnlyCommands: options.readOnlyCommands ?? true,
      trustGitConfig: typeof trust === "function" ? trust : () => trust === true,
      projectChecks: typeof checks === "function" ? checks : () => checks === true,
      contained: typeof contained === "function" ? contained : () => contained === true,
    };
    this.confirmTimeoutMs = options.confirmTimeoutMs ?? DEFAULT_CONFIRM_TIMEOUT_MS;
  }

  /**
   * Register a tool under a name (letters, digits, `_` and `-`, up to 64).
   */
  register(name: string, spec: ToolSpec, fn: ToolFn): this {
    if (!TOOL_NAME.test(name)) {
      throw new TypeError(`Cannot register the tool ${JSON.stringify(name)}: expected 1-64 of [A-Za-z0-9_-]`);
    }
    if (this.#tools.has(name)) throw new TypeError(`Cannot register the tool "${name}": a tool of that name exists`);
    if (!RISKS.includes(spec.risk)) {
      throw new TypeError(`Cannot register the tool "${name}": risk must be low, medium or high, got ${spec.risk}`);
    }
    this.#tools.set(name, { ...spec, name, fn });
    return this;
  }

  /** The registered tools, in registration order (not those of providers: see {@linkcode SafeExecutor.listTools}). */
  tools(): RegisteredTool[] {
    return [...this.#tools.values()];
  }

  /**
   * Add a provider of tools found by name when called (the MCP gateway). A registered tool wins over a provider
   * for the same name; the first provider that owns a name answers for it.
   */
  addProvider(provider: ToolProvider): this {
    this.#providers.push(provider);
    return this;
  }

  /** Every tool: the registered ones, then each provider's (which may start upstream servers). */
  async listTools(): Promise<RegisteredTool[]> {
    const out = this.tools();
    for (const p of this.#providers) {
      for (const t of await p.list()) if (!this.#tools.has(t.name)) out.push(t);
    }
    return out;
  }

  /** A tool by name: registered, or found by a provider that owns the name; undefined when there is none. */
  async findTool(name: string): Promise<RegisteredTool | undefined> {
    const own = this.#tools.get(name);
    if (own !== undefined) return own;
    const p = this.#providers.find((x) => x.owns(name));
    if (p === undefined) return undefined;
    try {
      const found = await p.resolve(name);
      return "fn" in found ? found : undefined;
    } catch {
      return undefined;
    }
  }

  /** One registered tool, or undefined. */
  tool(name: string): RegisteredTool | undefined {
    return this.#tools.get(name);
  }

  #log(
    event: "session" | "gate" | "confirm" | "execute" | "metrics",
    tool: string | null,
    decision: Decision | null,
    details: Record<string, unknown>,
  ): number {
    if (!this.#started) {
      this.#started = true;
      try {
        this.witness.append({
          event: "session",
          tool: null,
          decision: null,
          details: { action: "start", workspace: this.workspace.root },
        });
      } catch (e) {
        this.#started = false;
        throw e;
      }
    }
    return this.witness.append({ event, tool, decision, details }).seq;
  }

  /**
   * Report what the agent observed: the context size (set, not added) and/or an error. The context may be given as
   * its text (`contextText`) or as the chat history (`messages`, OpenAI or Anthropic shape): it is then counted
   * with `metrics.tokenizer`, and the answer is a promise (it rejects with a `MessagesShapeError` naming the place
   * of a message that is not one).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { mkdtempSync } from "node:fs";
   * import { join } from "node:path";
   * import { tmpdir } from "node:os";
   * import { SafeExecutor } from "./executor.ts";
   * const dir = mkdtempSync(join(tmpdir(), "se-"));
   * const ex = new SafeExecutor({ workspace: join(dir, "ws"), witness: join(dir, "w.log"), metrics: { tokenizer: "cl100k_base" } });
   * assert.equal(ex.updateMetrics({ contextTokens: 100 }).contextTokens, 100);
   * const snap = await ex.updateMetrics({ messages: [{ role: "user", content: "hello world" }] });
   * assert.equal(snap.contextTokens, 2 + 1 + 3 + 3); // the text, the role, the message's framing, the reply's
   * ex.close();
   * ```
   */
  updateMetrics(update: MetricsUpdate): MetricsSnapshot;
  /** The context as text or messages: counted with `metrics.tokenizer` first, so the answer is a promise. */
  updateMetrics(update: ContextUpdate): Promise<MetricsSnapshot>;
  updateMetrics(update: MetricsUpdate | ContextUpdate): MetricsSnapshot | Promise<MetricsSnapshot> {
    this.#idleReset();
    this.#touch();
    if (isContextUpdate(update)) return this.#countedUpdate(update);
    this.metrics.update(update);
    const snap = this.metrics.snapshot();
    this.#tryLog("metrics", { action: "update", ...update, fatigue: roundFatigue(snap.fatigue) });
    return snap;
  }

  async #countedUpdate(update: ContextUpdate): Promise<MetricsSnapshot> {
    const counter = await this.tokenCounter();
    const from = "messages" in update ? "messages" : "contextText";
    const contextTokens = "messages" in update
      ? countMessages(update.messages, counter)
      : counter.count(update.contextText);
    const plain: MetricsUpdate = { contextTokens };
    if (update.errorOccurred !== undefined) plain.errorOccurred = update.errorOccurred;
    this.metrics.update(plain);
    const snap = this.metrics.snapshot();
    this.#tryLog("metrics", {
      action: "update",
      ...plain,
      counted: { from, tokenizer: counter.name },
      fatigue: roundFatigue(snap.fatigue),
    });
    return snap;
  }

  /** The tokenizer of `metrics.tokenizer`, loaded once (the first load of a BPE vocabulary takes a moment). */
  tokenCounter(): Promise<TokenCounter> {
    return loadTokenizer(this.metrics.options.tokenizer);
  }

  /**
   * Zero context, duration and errors (after a context flush), and forget the approvals remembered this session. `why` goes into the log's reset line: who or what
   * reset (`reason`: `idle` after `metrics.idleResetSeconds` without calls, `person` when the person chose a fresh
   * session) and anything else worth keeping.
   */
  resetMetrics(why?: { reason: string } & Record<string, unknown>): MetricsSnapshot {
    this.metrics.reset();
    this.#touch();
    this.#approvals.clear();
    const snap = this.metrics.snapshot();
    this.#tryLog("metrics", { action: "reset", ...why, fatigue: roundFatigue(snap.fatigue) });
    return snap;
  }

  #tryLog(event: "metrics", details: Record<string, unknown>): void {
    try {
      this.#log(event, null, null, details);
    } catch {
      // A metrics line that cannot be written loses nothing that gates: the next call's gate line fails too, and
      // that call is denied.
    }
  }

  /**
   * Counts over the witness log (by event, decision and tool), and this session's own lines (`session`). Never
   * waits for the file to be read: on a big log the first counts are partial (`complete: false`) while a scan
   * runs in the background.
   */
  logStats(): LogStats {
    return this.witness.stats();
  }

  /** Run `fn` when the executor closes (after its stop line), e.g. to stop the tools' workers. */
  onClose(fn: () => void): void {
    this.#onClose.push(fn);
  }

  /** Write the session's stop line, close the log, and run the close hooks. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const fn of this.#onClose.splice(0)) {
      try {
        fn();
      } catch {
        // a hook's failure must not keep the log open
      }
    }
    if (this.#started) {
      for (const g of this.#clientGates.drain()) {
        try {
          this.witness.append({
            event: "execute",
            tool: g.tool,
            decision: g.decision,
            details: {
              ok: null,
              outcome: "unreported",
              reason: "the session ended without an outcome for this approved gate",
              gateSeq: g.gateSeq,
              isolation: { layers: ["client"] },
            },
          });
        } catch {
          break;
        }
      }
      try {
        this.witness.append({ event: "session", tool: null, decision: null, details: { action: "stop" } });
        this.witness.checkpoint();
      } catch {
        // nothing left to deny
      }
    }
    this.witness.close();
  }

  /**
   * What the gate would decide for a call now (SPEC §3.1 `check`), with the rules that matched: nothing is asked,
   * run or logged, and the metrics do not change. An unknown tool or arguments that do not fit are `deny` with
   * their errorCode, as `execute` would answer.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { mkdtempSync } from "node:fs";
   * import { join } from "node:path";
   * import { tmpdir } from "node:os";
   * import { SafeExecutor } from "./executor.ts";
   * const dir = mkdtempSync(join(tmpdir(), "se-"));
   * const ex = new SafeExecutor({
   *   workspace: join(dir, "ws"),
   *   witness: join(dir, "witness.log"),
   *   rules: [{ tool: "run_bash", command: ["rm"], decision: "deny" }],
   * });
   * ex.register("run_bash", { risk: "high" }, () => "ran");
   * assert.equal((await ex.check("run_bash", { cmd: "ls | wc -l" })).decision, "allow");
   * const rm = await ex.check("run_bash", { cmd: "rm -rf build" });
   * assert.equal(rm.decision, "deny");
   * assert.deepEqual(rm.rules, [{ rule: 0, effect: "decision=deny", summary: "run_bash rm" }]);
   * ex.close();
   * ```
   */
  async check(name: string, args: unknown = {}): Promise<CheckResult> {
    const snap = this.metrics.snapshot();
    const fatigue = roundFatigue(snap.fatigue);
    // the same step 1 as a call: a provider's tool (an upstream `<server>__<tool>`) is found as a call finds it,
    // starting its server if need be
    const call = await this.#checkCall(name, objectArgs(args));
    if (call.refused !== null || call.tool === null) {
      const refused = call.refused!;
      return {
        tool: call.tool ? name : shownName(name),
        decision: "deny",
        risk: call.tool?.risk ?? null,
        fatigue,
        rationale: refused.message,
        rules: [],
        errorCode: refused.code,
        notes: [],
      };
    }
    const v = await this.#judge(call.tool, call.args, snap);
    return {
      tool: name,
      decision: v.decision,
      risk: v.risk,
      fatigue,
      rationale: v.rationale,
      rules: v.rules,
      errorCode: v.decision === "deny" ? "denied" : null,
      notes: [...v.notes],
    };
  }

  /**
   * Gate and run one tool call. Never throws: every outcome is an {@linkcode ExecResult}.
   */
  async execute(name: string, args: unknown = {}, options: ExecuteOptions = {}): Promise<ExecResult> {
    const started = performance.now();
    const a = await this.#admit(name, args, options, "execute");
    const done = (r: Outcome): ExecResult => {
      this.#touch(); // idleness counts from the end of the last call, not its start (a long call is not a break)
      return {
        tool: a.known ? name : shownName(name),
        ...r,
        durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      };
    };
    if (a.kind !== "go") return done(a.kind === "done" ? a.outcome : a.misuse);
    const { tool, decision, fatigue, risk, rules } = a;

    // 6. Run; 7. the execute line.
    const outcome = cancelledWhileRunning(
      await runTool(tool, a.args, this.workspace, options.signal, options.channel),
      options.signal,
    );
    if (!outcome.ok && this.metrics.options.countToolErrors) this.metrics.recordError();
    const { ok, output, error, errorCode } = outcome;
    const result = done({
      ok,
      skipped: false,
      decision,
      risk,
      output,
      error,
      errorCode,
      fatigue,
      ...(rules.length > 0 ? { rules } : {}),
    });
    if (options.onRan) {
      try {
        options.onRan(result);
      } catch {
        // the caller's answer failed; the outcome is logged all the same
      }
    }
    const lines: WitnessEntry[] = [{ event: "execute", tool: name, decision, details: executeDetails(tool, outcome) }];
    const contextTokens = options.contextAfter?.(result) ?? null;
    if (contextTokens !== null) {
      this.metrics.update({ contextTokens });
      const fatigueNow = roundFatigue(this.metrics.snapshot().fatigue);
      lines.push({
        event: "metrics",
        tool: null,
        decision: null,
        details: { action: "update", contextTokens, fatigue: fatigueNow },
      });
    }
    try {
      this.witness.appendAll(lines);
    } catch {
      // The tool already ran (its gate line is on disk); the next call's gate line will fail and be denied.
    }
    return result;
  }

  /**
   * Gate a call of a tool the agent runs itself (`run: "client"`, SPEC §3.1): the same checks, policy, gate line and
   * ASK round trip as {@linkcode SafeExecutor.execute}, but nothing runs. When `approved`, the agent runs the tool
   * and reports with {@linkcode SafeExecutor.outcome} and the answer's `ticket`. Never throws; a tool that is not a
   * client tool is answered with `misuse` (nothing logged).
   */
  async gate(name: string, args: unknown = {}, options: ExecuteOptions = {}): Promise<GateResult> {
    const started = performance.now();
    const a = await this.#admit(name, args, options, "gate");
    this.#touch(); // a question the person took long to answer is not idleness either
    const ms = () => Math.round((performance.now() - started) * 1000) / 1000;
    const tool = a.known ? name : shownName(name);
    if (a.kind === "misuse") return { ...gateOf(tool, a.misuse, null, null, ms()), misuse: a.misuse.error! };
    if (a.kind === "done") return gateOf(tool, a.outcome, a.rationale, null, ms());
    const ticket = this.#clientGates.open(name, a.gateSeq, a.decision === "ask" ? "ask" : "allow");
    const approved = {
      ok: true,
      skipped: false,
      decision: a.decision,
      risk: a.risk,
      output: null,
      fatigue: a.fatigue,
    };
    return gateOf(tool, { ...approved, error: null, errorCode: null }, a.rationale, ticket, ms());
  }

  /**
   * Report what a client tool did after an approved {@linkcode SafeExecutor.gate}: writes its `execute` line (ok,
   * error, output size, duration, the gate line's seq) and counts a failure as an error. Once per ticket.
   */
  outcome(ticket: number, report: OutcomeReport): OutcomeResult {
    const taken = this.#clientGates.take(ticket);
    if (!taken.found) {
      const message = taken.why === "already_reported"
        ? `The outcome of gate ticket ${ticket} was already reported; report each approved gate once`
        : `No approved gate has the ticket ${ticket}; only a gate answered with "approved": true takes an outcome`;
      return { recorded: false, code: taken.why, message };
    }
    const { gate } = taken;
    if (!report.ok && this.metrics.options.countToolErrors) this.metrics.recordError();
    const details: Record<string, unknown> = {
      ok: report.ok,
      errorCode: report.ok ? null : "client_error",
      durationMs: report.durationMs ?? null,
      outputBytes: report.outputBytes ?? null,
      outputSha256: null,
      isolation: { layers: ["client"] },
      reportedBy: "client",
      gateSeq: gate.gateSeq,
    };
    if (!report.ok) details.error = cutText(report.error ?? "");
    let recorded = true;
    try {
      this.#log("execute", gate.tool, gate.decision, details);
    } catch {
      recorded = false; // the next gate line fails too, and that call is denied
    }
    this.#touch();
    const fatigue = roundFatigue(this.metrics.snapshot().fatigue);
    return recorded
      ? { recorded: true, fatigue }
      : { recorded: false, code: "witness_unavailable", message: `The witness log cannot be written`, fatigue };
  }

  /** The approved client gates still waiting for their outcome. */
  openGates(): OpenGate[] {
    return this.#clientGates.pending();
  }

  /**
   * Steps 1 to 5 of a call, shared by execute and gate: the checks, the policy, the gate line and the ASK. Either the
   * call goes on (`go`, its gate line written and any ASK approved) or it ends here (`done`, with its outcome).
   */
  async #admit(name: string, args: unknown, options: ExecuteOptions, mode: "execute" | "gate"): Promise<Admission> {
    this.#idleReset();
    const snap = this.metrics.snapshot();
    const fatigue = roundFatigue(snap.fatigue);

    // 1. Calls that cannot run at all: unknown tool, bad arguments. Logged as denied; bad arguments (and a server
    // that cannot be reached) count as agent errors, an unknown name does not (it may be a tool the harness forgot
    // to declare; the log still shows it).
    const call = await this.#checkCall(name, objectArgs(args));
    this.#touch();
    const known = call.tool !== null;
    if (call.refused !== null || call.tool === null) {
      const refused = call.refused!;
      const risk = call.tool?.risk ?? null;
      try {
        // An unknown name is the agent's text: keep the log line bounded (its length and sha256 kept).
        this.#log("gate", call.tool ? name : shownName(name), "deny", {
          rationale: refused.message,
          risk,
          fatigue,
          errorCode: refused.code,
          ...(!call.tool && name.length > MAX_LOGGED_NAME ? { toolName: cutText(name) } : {}),
          args: redactArgs(call.args, call.tool?.witness),
        });
      } catch (e) {
        return { kind: "done", known, outcome: this.#witnessFailure(e, risk, fatigue), rationale: null };
      }
      if (refused.code !== "unknown_tool" && this.metrics.options.countToolErrors) this.metrics.recordError();
      return {
        kind: "done",
        known,
        outcome: { ...skippedResult("deny", risk, fatigue, refused.code, refused.message), skipped: false },
        rationale: refused.message,
      };
    }
    const tool = call.tool;
    if (mode === "gate" && tool.run !== "client") {
      const message = `"${name}" is not a client tool ("run": "client"): safe-exec runs it, so send it as an ` +
        `execute ({"tool":"${name}","args":{…}}) instead of a gate`;
      return { kind: "misuse", known, misuse: skippedResult("deny", tool.risk, fatigue, "invalid_args", message) };
    }

    // 2. Cancelled before it started (the server is stopping), or a client tool sent as an execute: logged as a
    // denied gate line, nothing runs.
    const cancelled = cancelledBeforeStart(options.signal);
    const notHere = mode === "execute" && tool.run === "client"
      ? `"${name}" is a client tool ("run": "client"): the agent runs it itself after asking the gate ` +
        `({"type":"gate","tool":"${name}","args":{…}}) and reports with {"type":"outcome"}; nothing here can run it`
      : null;
    if (cancelled !== null || notHere !== null) {
      const why = (cancelled ?? notHere)!;
      const code = cancelled !== null ? "cancelled" : "denied";
      try {
        this.#log("gate", name, "deny", {
          rationale: why,
          risk: tool.risk,
          fatigue,
          errorCode: code,
          args: redactArgs(call.args, tool.witness),
        });
      } catch (e) {
        return { kind: "done", known, outcome: this.#witnessFailure(e, tool.risk, fatigue), rationale: null };
      }
      return { kind: "done", known, outcome: skippedResult("deny", tool.risk, fatigue, code, why), rationale: why };
    }

    // 3. The rules and the policy; 4. the gate line, on disk before anything runs.
    const { decision, rationale, risk, rules } = await this.#judge(tool, call.args, snap);
    const ruled = (o: Outcome): Outcome => (rules.length > 0 ? { ...o, rules } : o);
    let gateSeq: number;
    try {
      gateSeq = this.#log("gate", name, decision, {
        rationale,
        risk,
        fatigue,
        ...(rules.length > 0 ? { tableRisk: tool.risk, rules } : {}),
        ...(tool.run === "client" ? { run: "client" } : {}),
        args: redactArgs(call.args, tool.witness),
      });
    } catch (e) {
      return { kind: "done", known, outcome: ruled(this.#witnessFailure(e, risk, fatigue)), rationale };
    }
    if (decision === "deny") {
      const outcome = ruled(skippedResult(decision, risk, fatigue, "denied", `Denied: ${rationale}`));
      return { kind: "done", known, outcome, rationale };
    }

    // 5. ASK: an approval remembered this session, else the confirm handler, with a timeout; anything but an
    // approval is not approved.
    if (decision === "ask") {
      const request = { tool: name, args: call.args, risk, fatigue, rationale };
      const handler = options.confirm ?? this.#confirm;
      const remembered = this.#approvals.find(name, call.args, rules);
      const answer = remembered !== null
        ? { approved: true, reason: "approved", message: null, remember: null, waitedMs: 0 }
        : await askWithTimeout(handler, request, this.confirmTimeoutMs, options.signal);
      const by = remembered !== null ? "remembered" : sourceOf(handler);
      try {
        this.#log("confirm", name, decision, {
          approved: answer.approved,
          reason: answer.reason,
          message: answer.message,
          remember: answer.remember,
          by,
          ...(remembered !== null ? { rememberedFor: remembered } : {}),
          waitedMs: answer.waitedMs,
        });
      } catch (e) {
        return { kind: "done", known, outcome: ruled(this.#witnessFailure(e, risk, fatigue, decision)), rationale };
      }
      if (answer.approved && answer.remember !== null) this.#approvals.add(name, call.args, answer.remember);
      if (!answer.approved) {
        if (answer.reason === "cancelled") {
          const r = options.signal?.reason;
          const why = `Cancelled while it waited for approval: ${
            r instanceof Error ? r.message : "the call was cancelled"
          }`;
          return {
            kind: "done",
            known,
            outcome: ruled(skippedResult(decision, risk, fatigue, "cancelled", why)),
            rationale,
          };
        }
        const why = notApprovedMessage(answer, by, rationale);
        return {
          kind: "done",
          known,
          outcome: ruled(skippedResult(decision, risk, fatigue, "not_approved", why)),
          rationale,
        };
      }
    }
    return { kind: "go", known: true, tool, args: call.args, decision, risk, rules, fatigue, rationale, gateSeq };
  }

  /** Step 1 over the registered tools and, for a name a provider owns, the tool it finds. */
  async #checkCall(name: string, args: unknown): Promise<CheckedCall> {
    if (!this.#tools.has(name)) {
      const provider = this.#providers.find((p) => p.owns(name));
      if (provider !== undefined) {
        const known = provider.resolveKnown?.(name) ?? null;
        if (known !== null) return checkArgs(known, name, args);
        let found: RegisteredTool | ProviderRefusal;
        try {
          found = await provider.resolve(name);
        } catch (e) {
          found = { code: "upstream_unavailable", message: (e as Error)?.message ?? String(e) };
        }
        if ("fn" in found) return checkArgs(found, name, args);
        const isObject = typeof args === "object" && args !== null && !Array.isArray(args);
        return {
          tool: null,
          args: (isObject ? args : {}) as Record<string, unknown>,
          refused: { code: found.code, message: found.message },
        };
      }
    }
    return checkCall(this.#tools, name, args);
  }

  /** Steps 3: the rules (SPEC §1.1), then the policy with the risk they give, raised to their floor. */
  async #judge(
    tool: RegisteredTool,
    args: Record<string, unknown>,
    snap: MetricsSnapshot,
  ): Promise<RuledVerdict & { notes: readonly string[] }> {
    let outcome: RuleOutcome | null = null;
    let failed = "";
    try {
      outcome = judgeCall(this.#rules, tool, args, this.workspace);
    } catch (e) {
      failed = `rules failed (${(e as Error)?.message ?? String(e)}), the tool's risk kept; `;
    }
    const verdict = await decide(this.policy, outcome?.risk ?? tool.risk, snap);
    const v = { ...applyRules(outcome, tool.risk, verdict), notes: outcome?.notes ?? [] };
    return failed ? { ...v, rationale: failed + v.rationale } : v;
  }

  /** A session idle for `metrics.idleResetSeconds` starts afresh before its next call (logged with its reason). */
  #idleReset(): void {
    const limit = this.metrics.options.idleResetSeconds;
    if (!(limit > 0)) return;
    const idleMs = this.#now() - this.#lastActivity;
    if (idleMs >= limit * 1000) {
      this.resetMetrics({
        reason: "idle",
        idleSeconds: Math.round(idleMs / 1000),
        message: `no call for ${Math.round(idleMs / 1000)} s (metrics.idleResetSeconds ${limit})`,
      });
    }
  }

  #touch(): void {
    this.#lastActivity = this.#now();
  }

  #witnessFailure(e: unknown, risk: Risk | null, fatigue: number, decision: Decision = "deny"): Outcome {
    const message = e instanceof WitnessUnavailableError
      ? e.message
      : new WitnessUnavailableError(this.witness.path, (e as Error)?.message ?? String(e)).message;
    return skippedResult(decision, risk, fatigue, "witness_unavailable", message);
  }
}
