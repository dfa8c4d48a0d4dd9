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
import { type ConfirmHandler, type Decision, type ExecResult, type Risk, RISKS } from "../types.ts";
import { type LogStats, WitnessLog, WitnessUnavailableError } from "../witness/mod.ts";
import { askWithTimeout, DEFAULT_CONFIRM_TIMEOUT_MS } from "./confirm.ts";
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
import type { RegisteredTool, ToolFn, ToolSpec } from "./tool.ts";
import {
  cancelledBeforeStart,
  checkCall,
  decide,
  executeDetails,
  MAX_LOGGED_NAME,
  type Outcome,
  runTool,
  shownName,
  skippedResult,
} from "./_steps.ts";

export type { IsolationLayers, RegisteredTool, ToolContext, ToolFn, ToolSpec } from "./tool.ts";

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
}

/** Per-call options of {@linkcode SafeExecutor.execute}. */
export interface ExecuteOptions {
  /** Cancels the call: a pending confirmation is not approved; a running process is killed. */
  signal?: AbortSignal;
  /** Replaces the executor's confirm handler for this call (the protocol server uses it). */
  confirm?: ConfirmHandler;
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
  #confirm: ConfirmHandler;
  #started = false;
  #closed = false;
  #onClose: Array<() => void> = [];

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
    this.metrics = new SessionMetrics({ ...DEFAULT_METRICS, ...options.metrics }, options.now);
    this.policy = isPolicy(options.policy) ? options.policy : new DefaultPolicy(options.policy ?? {});
    this.#confirm = options.confirm ?? (() => false);
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

  /** The registered tools, in registration order. */
  tools(): RegisteredTool[] {
    return [...this.#tools.values()];
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
  ): void {
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
    this.witness.append({ event, tool, decision, details });
  }

  /** Report what the agent observed: the context size (set, not added) and/or an error. */
  updateMetrics(update: MetricsUpdate): MetricsSnapshot {
    this.metrics.update(update);
    const snap = this.metrics.snapshot();
    this.#tryLog("metrics", { action: "update", ...update, fatigue: roundFatigue(snap.fatigue) });
    return snap;
  }

  /** Zero context, duration and errors (after a context flush). */
  resetMetrics(): MetricsSnapshot {
    this.metrics.reset();
    const snap = this.metrics.snapshot();
    this.#tryLog("metrics", { action: "reset", fatigue: roundFatigue(snap.fatigue) });
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
   * Gate and run one tool call. Never throws: every outcome is an {@linkcode ExecResult}.
   */
  async execute(name: string, args: unknown = {}, options: ExecuteOptions = {}): Promise<ExecResult> {
    const started = performance.now();
    const done = (r: Outcome): ExecResult => ({
      tool: this.#tools.has(name) ? name : shownName(name),
      ...r,
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
    });
    const snap = this.metrics.snapshot();
    const fatigue = roundFatigue(snap.fatigue);

    // 1. Calls that cannot run at all: unknown tool, bad arguments. Logged as denied, counted as agent errors.
    const call = checkCall(this.#tools, name, args);
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
        return done(this.#witnessFailure(e, risk, fatigue));
      }
      if (this.metrics.options.countToolErrors) this.metrics.recordError();
      return done({ ...skippedResult("deny", risk, fatigue, refused.code, refused.message), skipped: false });
    }
    const tool = call.tool;

    // 2. Cancelled before it started (the server is stopping): logged as a denied gate line, nothing runs.
    const cancelled = cancelledBeforeStart(options.signal);
    if (cancelled !== null) {
      try {
        this.#log("gate", name, "deny", {
          rationale: cancelled,
          risk: tool.risk,
          fatigue,
          errorCode: "cancelled",
          args: redactArgs(call.args),
        });
      } catch (e) {
        return done(this.#witnessFailure(e, tool.risk, fatigue));
      }
      return done(skippedResult("deny", tool.risk, fatigue, "cancelled", cancelled));
    }

    // 3. The policy; 4. the gate line, on disk before anything runs.
    const { decision, rationale } = await decide(this.policy, tool.risk, snap);
    try {
      this.#log("gate", name, decision, {
        rationale,
        risk: tool.risk,
        fatigue,
        args: redactArgs(call.args, tool.witness),
      });
    } catch (e) {
      return done(this.#witnessFailure(e, tool.risk, fatigue));
    }
    if (decision === "deny") {
      return done(skippedResult(decision, tool.risk, fatigue, "denied", `Denied: ${rationale}`));
    }

    // 5. ASK: the confirm handler, with a timeout; anything but true is not approved.
    if (decision === "ask") {
      const request = { tool: name, args: call.args, risk: tool.risk, fatigue, rationale };
      const answer = await askWithTimeout(
        options.confirm ?? this.#confirm,
        request,
        this.confirmTimeoutMs,
        options.signal,
      );
      try {
        this.#log("confirm", name, decision, {
          approved: answer.approved,
          reason: answer.reason,
          waitedMs: answer.waitedMs,
        });
      } catch (e) {
        return done(this.#witnessFailure(e, tool.risk, fatigue, decision));
      }
      if (!answer.approved) {
        return done(
          skippedResult(decision, tool.risk, fatigue, "not_approved", `Not approved (${answer.reason}): ${rationale}`),
        );
      }
    }

    // 6. Run; 7. the execute line.
    const outcome = await runTool(tool, call.args, this.workspace, options.signal);
    if (!outcome.ok && this.metrics.options.countToolErrors) this.metrics.recordError();
    try {
      this.#log("execute", name, decision, executeDetails(tool, outcome));
    } catch {
      // The tool already ran (its gate line is on disk); the next call's gate line will fail and be denied.
    }
    const { ok, output, error, errorCode } = outcome;
    return done({ ok, skipped: false, decision, risk: tool.risk, output, error, errorCode, fatigue });
  }

  #witnessFailure(e: unknown, risk: Risk | null, fatigue: number, decision: Decision = "deny"): Outcome {
    const message = e instanceof WitnessUnavailableError
      ? e.message
      : new WitnessUnavailableError(this.witness.path, (e as Error)?.message ?? String(e)).message;
    return skippedResult(decision, risk, fatigue, "witness_unavailable", message);
  }
}
