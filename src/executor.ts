/**
 * `SafeExecutor`: the gate in front of every tool call. It scores the session's fatigue, crosses it with the
 * tool's risk, asks for confirmation when the policy says ASK, writes every decision to the witness log before
 * anything runs, and runs the tool.
 *
 * @module
 */
import { mkdirSync } from "node:fs";
import { resolve, sep } from "node:path";
import { DEFAULT_METRICS, type MetricsOptions, type PolicyOptions } from "./config.ts";
import { type MetricsSnapshot, type MetricsUpdate, roundFatigue, SessionMetrics } from "./metrics.ts";
import { DefaultPolicy, type GatePolicy } from "./policy.ts";
import { validateArgs } from "./schema.ts";
import {
  type ConfirmHandler,
  type Decision,
  DECISIONS,
  type ErrorCode,
  type ExecResult,
  type JsonSchema,
  type Risk,
  RISKS,
  ToolError,
} from "./types.ts";
import { sha256Hex } from "./runtime/hash.ts";
import {
  cutText,
  type LogStats,
  redactArgs,
  type RedactOptions,
  WitnessLog,
  WitnessUnavailableError,
} from "./witness.ts";
import { Workspace } from "./workspace.ts";

/** What a tool function gets besides its arguments. */
export interface ToolContext {
  /** The workspace (its `root` is a real path). */
  workspace: Workspace;
  /** Aborted when the call is cancelled. */
  signal: AbortSignal;
  /** The tool's configured timeout, if any. */
  timeoutMs: number | undefined;
}

/** A tool implementation. Throw {@linkcode ToolError} to fail with a specific code. */
export type ToolFn = (args: Record<string, unknown>, ctx: ToolContext) => unknown;

/** How a tool is registered. */
export interface ToolSpec {
  /** Its risk. */
  risk: Risk;
  /** What it does, for the model. */
  description?: string;
  /** A short human title. */
  title?: string;
  /** JSON Schema of its arguments (an object schema). Without one, any object is accepted. */
  inputSchema?: JsonSchema;
  /** JSON Schema of structured output, if any. */
  outputSchema?: JsonSchema;
  /** Default timeout handed to the tool. */
  timeoutMs?: number;
  /**
   * How a call of this tool is isolated; the `execute` line keeps its `layers` list (or the whole object when it has
   * none).
   */
  isolation?: () => Record<string, unknown>;
  /**
   * What of its arguments the witness log keeps (SPEC §4): run_bash keeps `cmd` whole up to 100 000 bytes
   * (`{ keep: { cmd: 100_000 } }`); a tool that runs its arguments keeps every one up to 64 KiB
   * (`{ maxString: 65_536 }`). Without it, strings over 256 chars are cut (length and sha256 kept).
   */
  witness?: RedactOptions;
}

/** A registered tool. */
export interface RegisteredTool extends ToolSpec {
  /** Its name. */
  name: string;
  /** Its implementation. */
  fn: ToolFn;
}

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

/** The result of a call that did not run (denied, not approved, or not logged). */
function skippedResult(
  decision: Decision,
  risk: Risk | null,
  fatigue: number,
  errorCode: ErrorCode,
  error: string,
): Omit<ExecResult, "tool" | "durationMs"> {
  return { ok: false, skipped: true, decision, risk, output: null, error, errorCode, fatigue };
}

/**
 * What the `execute` line records of a tool's isolation: the `layers` list when its description has one (e.g.
 * `["realpath-guard", "confined-process"]`; `info` and `doctor` give the full description), else the description.
 */
function isolationOf(t: RegisteredTool): Record<string, unknown> {
  const d = t.isolation?.();
  if (!d) return { layers: ["none"] };
  return Array.isArray(d.layers) ? { layers: d.layers } : d;
}

const outputEncoder = new TextEncoder();

/** The UTF-8 length and sha256 of an output (as JSON when it is not a string): what the log keeps of it. */
function outputDigest(output: unknown): { outputBytes: number; outputSha256: string | null } {
  if (output === null || output === undefined) return { outputBytes: 0, outputSha256: null };
  let text: string;
  try {
    text = typeof output === "string" ? output : JSON.stringify(output) ?? "";
  } catch {
    text = String(output);
  }
  const bytes = outputEncoder.encode(text);
  return { outputBytes: bytes.length, outputSha256: sha256Hex(bytes) };
}

const MAX_LOGGED_NAME = 64;

/** An unknown tool's name as the log and the answer show it: whole up to 64 chars, else its start and length. */
function shownName(name: string): string {
  return name.length > MAX_LOGGED_NAME ? `${name.slice(0, MAX_LOGGED_NAME)}… (${name.length} chars)` : name;
}

/**
 * The gate. Async throughout; concurrent `execute` calls keep metrics and the witness chain consistent (every
 * witness line is written synchronously, in one piece).
 *
 * @example
 * ```ts
 * import { SafeExecutor } from "./executor.ts";
 * import { mkdtempSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * const dir = mkdtempSync(join(tmpdir(), "se-"));
 * const ex = new SafeExecutor({ workspace: join(dir, "ws"), witness: join(dir, "witness.log") });
 * ex.register("greet", { risk: "low" }, (args) => `hello ${args.name}`);
 * const r = await ex.execute("greet", { name: "ada" });
 * console.assert(r.ok && r.decision === "allow" && r.output === "hello ada");
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
      if (path === this.workspace.root || path.startsWith(this.workspace.root + sep)) {
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
    this.confirmTimeoutMs = options.confirmTimeoutMs ?? 120_000;
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

  /** Remove a tool; returns whether it was registered. */
  unregister(name: string): boolean {
    return this.#tools.delete(name);
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

  #rationale(risk: Risk, m: MetricsSnapshot, decision: Decision): string {
    const f = (n: number) => n.toFixed(2);
    return `risk=${risk} fatigue=${f(m.fatigue)} (context ${f(m.contextScore)}, duration ${
      f(m.durationScore)
    }, errors ${f(m.errorScore)}) policy=${this.policy.name ?? "custom"} -> ${decision}`;
  }

  /**
   * Gate and run one tool call. Never throws: every outcome is an {@linkcode ExecResult}.
   */
  async execute(name: string, args: unknown = {}, options: ExecuteOptions = {}): Promise<ExecResult> {
    const started = performance.now();
    const done = (r: Omit<ExecResult, "tool" | "durationMs">): ExecResult => ({
      tool: this.#tools.has(name) ? name : shownName(name),
      ...r,
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
    });
    const snap = this.metrics.snapshot();
    const fatigue = roundFatigue(snap.fatigue);
    const tool = this.#tools.get(name);
    const argsObj = (typeof args === "object" && args !== null && !Array.isArray(args) ? args : {}) as Record<
      string,
      unknown
    >;

    // 1. Calls that cannot run at all: unknown tool, bad arguments. Logged as denied, counted as agent errors.
    let early: { code: ErrorCode; message: string } | null = null;
    if (!tool) {
      const known = [...this.#tools.keys()];
      early = {
        code: "unknown_tool",
        message: `Unknown tool ${JSON.stringify(shownName(name))}; expected one of ${
          known.map((k) => `"${k}"`).join(", ")
        }`,
      };
    } else {
      try {
        if (typeof args !== "object" || args === null || Array.isArray(args)) {
          throw new ToolError(
            "invalid_args",
            `Invalid arguments for ${name}: expected an object, got ${
              Array.isArray(args) ? "an array" : args === null ? "null" : typeof args
            }`,
          );
        }
        validateArgs(tool.inputSchema ?? { type: "object" }, args, name);
      } catch (e) {
        early = { code: "invalid_args", message: (e as Error).message };
      }
    }
    if (early) {
      try {
        // An unknown name is the agent's text: keep the log line bounded (its length and sha256 kept).
        const logged = tool ? name : shownName(name);
        this.#log("gate", logged, "deny", {
          rationale: early.message,
          risk: tool?.risk ?? null,
          fatigue,
          errorCode: early.code,
          ...(!tool && name.length > MAX_LOGGED_NAME ? { toolName: cutText(name) } : {}),
          args: redactArgs(argsObj, tool?.witness),
        });
      } catch (e) {
        return done(this.#witnessFailure(e, tool?.risk ?? null, fatigue));
      }
      if (this.metrics.options.countToolErrors) this.metrics.recordError();
      return done({
        ok: false,
        skipped: false,
        decision: "deny",
        risk: tool?.risk ?? null,
        output: null,
        error: early.message,
        errorCode: early.code,
        fatigue,
      });
    }
    const t = tool as RegisteredTool;

    // Cancelled before it started (the server is stopping): logged as a denied gate line, nothing runs.
    if (options.signal?.aborted) {
      const why = options.signal.reason instanceof Error ? options.signal.reason.message : "the call was cancelled";
      const message = `Cancelled before it started: ${why}`;
      try {
        this.#log("gate", name, "deny", {
          rationale: message,
          risk: t.risk,
          fatigue,
          errorCode: "cancelled",
          args: redactArgs(argsObj),
        });
      } catch (e) {
        return done(this.#witnessFailure(e, t.risk, fatigue));
      }
      return done(skippedResult("deny", t.risk, fatigue, "cancelled", message));
    }

    // 2. The policy.
    let decision: Decision;
    let rationale: string;
    try {
      const d = await this.policy.decide(t.risk, snap);
      if (!DECISIONS.includes(d)) {
        throw new TypeError(`the policy returned ${JSON.stringify(d)}, expected allow, ask or deny`);
      }
      decision = d;
      rationale = this.#rationale(t.risk, snap, decision);
    } catch (e) {
      decision = "deny";
      rationale = `policy failed: ${(e as Error).message}; denied`;
    }

    // 3. The gate line, on disk before anything runs.
    try {
      this.#log("gate", name, decision, { rationale, risk: t.risk, fatigue, args: redactArgs(argsObj, t.witness) });
    } catch (e) {
      return done(this.#witnessFailure(e, t.risk, fatigue));
    }

    if (decision === "deny") {
      return done(skippedResult(decision, t.risk, fatigue, "denied", `Denied: ${rationale}`));
    }

    // 4. ASK: the confirm handler, with a timeout; anything but true is not approved.
    if (decision === "ask") {
      const answer = await this.#ask(options.confirm ?? this.#confirm, {
        tool: name,
        args: argsObj,
        risk: t.risk,
        fatigue,
        rationale,
      }, options.signal);
      try {
        this.#log("confirm", name, decision, {
          approved: answer.approved,
          reason: answer.reason,
          waitedMs: answer.waitedMs,
        });
      } catch (e) {
        return done(this.#witnessFailure(e, t.risk, fatigue, decision));
      }
      if (!answer.approved) {
        return done(
          skippedResult(decision, t.risk, fatigue, "not_approved", `Not approved (${answer.reason}): ${rationale}`),
        );
      }
    }

    // 5. Run.
    const controller = new AbortController();
    const onAbort = () => controller.abort(options.signal?.reason);
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const runStarted = performance.now();
    let ok = true;
    let output: unknown = null;
    let error: string | null = null;
    let errorCode: ErrorCode | null = null;
    try {
      output = await t.fn(argsObj, { workspace: this.workspace, signal: controller.signal, timeoutMs: t.timeoutMs });
      if (output === undefined) output = null;
    } catch (e) {
      ok = false;
      if (e instanceof ToolError) {
        errorCode = e.code;
        error = e.message;
        output = e.output ?? null;
      } else {
        errorCode = "internal";
        error = `${t.name} failed: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
      }
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
    }
    const runMs = Math.round((performance.now() - runStarted) * 1000) / 1000;
    if (!ok && this.metrics.options.countToolErrors) this.metrics.recordError();
    try {
      this.#log("execute", name, decision, {
        ok,
        errorCode,
        durationMs: runMs,
        ...outputDigest(output),
        isolation: isolationOf(t),
      });
    } catch {
      // The tool already ran (its gate line is on disk); the next call's gate line will fail and be denied.
    }
    return done({ ok, skipped: false, decision, risk: t.risk, output, error, errorCode, fatigue });
  }

  #witnessFailure(
    e: unknown,
    risk: Risk | null,
    fatigue: number,
    decision: Decision = "deny",
  ): Omit<ExecResult, "tool" | "durationMs"> {
    const message = e instanceof WitnessUnavailableError
      ? e.message
      : `Cannot write the witness log "${this.witness.path}": ${
        (e as Error)?.message ?? String(e)
      }. The call is denied: no unlogged execution.`;
    return skippedResult(decision, risk, fatigue, "witness_unavailable", message);
  }

  async #ask(
    handler: ConfirmHandler,
    req: { tool: string; args: Record<string, unknown>; risk: Risk; fatigue: number; rationale: string },
    outer: AbortSignal | undefined,
  ): Promise<{ approved: boolean; reason: string; waitedMs: number }> {
    const started = performance.now();
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const waited = () => Math.round(performance.now() - started);
    const stopped = new Promise<{ approved: boolean; reason: string }>((resolve) => {
      timer = setTimeout(() => {
        controller.abort(new DOMException("confirmation timed out", "TimeoutError"));
        resolve({ approved: false, reason: `no answer within ${this.confirmTimeoutMs} ms` });
      }, this.confirmTimeoutMs);
      const onAbort = () => {
        controller.abort(outer?.reason);
        resolve({ approved: false, reason: "cancelled" });
      };
      if (outer?.aborted) onAbort();
      else outer?.addEventListener("abort", onAbort, { once: true });
    });
    try {
      const answered = (async () => {
        try {
          const v = await handler({ ...req, signal: controller.signal });
          return v === true ? { approved: true, reason: "approved" } : { approved: false, reason: "declined" };
        } catch (e) {
          return { approved: false, reason: `confirm handler failed: ${(e as Error)?.message ?? String(e)}` };
        }
      })();
      const r = await Promise.race([answered, stopped]);
      return { ...r, waitedMs: waited() };
    } finally {
      clearTimeout(timer);
      if (!controller.signal.aborted) controller.abort();
    }
  }
}
