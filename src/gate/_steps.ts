/**
 * Private helper of the gate: the steps of one call, in the order {@linkcode SafeExecutor.execute} takes them. Each
 * is a plain function of what it needs, tested alone (tests/gate/steps_test.ts):
 *
 * 1. {@linkcode checkCall}: the tool exists and the arguments fit its schema (else the call is refused);
 * 2. {@linkcode cancelledBeforeStart}: the call was cancelled before the gate looked at it;
 * 3. {@linkcode decide}: the policy's verdict and its rationale;
 * 4. the gate line (the executor writes it; {@linkcode shownName} bounds an unknown name);
 * 5. ASK: `askWithTimeout` (`confirm.ts`);
 * 6. {@linkcode runTool}: the tool, as one outcome for success and failure;
 * 7. {@linkcode executeDetails}: what the `execute` line keeps of it.
 *
 * @module
 */
import { sha256Hex } from "../runtime/hash.ts";
import { knownJsonText } from "../_util/json_text.ts";
import { type Decision, DECISIONS, type ErrorCode, type ExecResult, type Risk, ToolError } from "../types.ts";
import type { Workspace } from "../fileops/workspace.ts";
import type { MetricsSnapshot } from "./metrics.ts";
import type { GatePolicy } from "./policy.ts";
import type { CallChannel, RegisteredTool } from "./tool.ts";
import { validateArgs } from "./validate_args.ts";

/** An ExecResult before its tool name and duration are known. */
export type Outcome = Omit<ExecResult, "tool" | "durationMs">;

/**
 * The result of a call that did not run (denied, not approved, cancelled, or not logged).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { skippedResult } from "./_steps.ts";
 * const r = skippedResult("deny", "high", 0.8, "denied", "Denied: …");
 * assert.equal(r.skipped, true);
 * assert.equal(r.ok, false);
 * assert.equal(r.output, null);
 * ```
 */
export function skippedResult(
  decision: Decision,
  risk: Risk | null,
  fatigue: number,
  errorCode: ErrorCode,
  error: string,
): Outcome {
  return { ok: false, skipped: true, decision, risk, output: null, error, errorCode, fatigue };
}

/** The most characters of an unknown tool's name that the log and the answer show whole. */
export const MAX_LOGGED_NAME = 64;

/**
 * An unknown tool's name as the log and the answer show it: whole up to 64 chars, else its start and length.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shownName } from "./_steps.ts";
 * assert.equal(shownName("read_file"), "read_file");
 * assert.equal(shownName("x".repeat(100)), "x".repeat(64) + "… (100 chars)");
 * ```
 */
export function shownName(name: string): string {
  return name.length > MAX_LOGGED_NAME ? `${name.slice(0, MAX_LOGGED_NAME)}… (${name.length} chars)` : name;
}

/** A call that cannot run at all: why, as an error code and a message. */
export interface Refusal {
  /** `unknown_tool` or `invalid_args`. */
  code: ErrorCode;
  /** Names the tool or the argument, the value and what was expected. */
  message: string;
}

/** What {@linkcode checkCall} found: the tool (when it exists), the arguments as an object, and a refusal or null. */
export interface CheckedCall {
  /** The registered tool, or null for an unknown name. */
  tool: RegisteredTool | null;
  /** The arguments when they are an object, else `{}` (what the gate line logs). */
  args: Record<string, unknown>;
  /** Why the call cannot run, or null. */
  refused: Refusal | null;
}

/**
 * Step 1: the tool exists and `args` is an object that fits its input schema.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkCall } from "./_steps.ts";
 * const greet = { name: "greet", risk: "low" as const, fn: () => "hi", inputSchema: { type: "object" as const, required: ["who"] } };
 * const tools = new Map([["greet", greet]]);
 * assert.equal(checkCall(tools, "greet", { who: "ada" }).refused, null);
 * assert.equal(checkCall(tools, "great", {}).refused?.message, 'Unknown tool "great"; expected one of "greet"');
 * assert.equal(checkCall(tools, "greet", []).refused?.message, "Invalid arguments for greet: expected an object, got an array");
 * assert.equal(checkCall(tools, "greet", {}).refused?.code, "invalid_args");
 * ```
 */
export function checkCall(tools: ReadonlyMap<string, RegisteredTool>, name: string, args: unknown): CheckedCall {
  const isObject = typeof args === "object" && args !== null && !Array.isArray(args);
  const argsObj = (isObject ? args : {}) as Record<string, unknown>;
  const tool = tools.get(name) ?? null;
  if (tool === null) {
    const known = [...tools.keys()].map((k) => `"${k}"`).join(", ");
    const message = `Unknown tool ${JSON.stringify(shownName(name))}; expected one of ${known}`;
    return { tool, args: argsObj, refused: { code: "unknown_tool", message } };
  }
  return checkArgs(tool, name, args);
}

/**
 * Step 1 for a tool already found: the arguments are an object its schema accepts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkArgs } from "./_steps.ts";
 * const tool = { name: "greet", risk: "low" as const, fn: () => "hi" };
 * assert.equal(checkArgs(tool, "greet", { who: "ada" }).refused, null);
 * assert.equal(checkArgs(tool, "greet", null).refused?.code, "invalid_args");
 * ```
 */
export function checkArgs(tool: RegisteredTool, name: string, args: unknown): CheckedCall {
  const isObject = typeof args === "object" && args !== null && !Array.isArray(args);
  const argsObj = (isObject ? args : {}) as Record<string, unknown>;
  if (!isObject) {
    const got = Array.isArray(args) ? "an array" : args === null ? "null" : typeof args;
    const message = `Invalid arguments for ${name}: expected an object, got ${got}`;
    return { tool, args: argsObj, refused: { code: "invalid_args", message } };
  }
  try {
    validateArgs(tool.validate === false ? { type: "object" } : tool.inputSchema ?? { type: "object" }, args, name);
  } catch (e) {
    return { tool, args: argsObj, refused: { code: "invalid_args", message: (e as Error).message } };
  }
  return { tool, args: argsObj, refused: null };
}

/**
 * Step 2: why a call that was cancelled before it started is not run, or null when it was not cancelled.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cancelledBeforeStart } from "./_steps.ts";
 * const c = new AbortController();
 * assert.equal(cancelledBeforeStart(c.signal), null);
 * c.abort(new Error("the server is stopping"));
 * assert.equal(cancelledBeforeStart(c.signal), "Cancelled before it started: the server is stopping");
 * ```
 */
export function cancelledBeforeStart(signal: AbortSignal | undefined): string | null {
  if (!signal?.aborted) return null;
  const why = signal.reason instanceof Error ? signal.reason.message : "the call was cancelled";
  return `Cancelled before it started: ${why}`;
}

/**
 * Step 6, after the run: a call whose signal was aborted while it ran (the client cancelled it, the server stops)
 * and that did not succeed fails with errorCode `cancelled`, its output kept.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cancelledWhileRunning } from "./_steps.ts";
 * const c = new AbortController();
 * c.abort(new Error("cancelled by the client"));
 * const r = cancelledWhileRunning({ ok: false, output: "x", error: "killed", errorCode: "exit_status", runMs: 1 }, c.signal);
 * assert.deepEqual([r.errorCode, r.error, r.output], ["cancelled", "Cancelled while it ran: cancelled by the client (killed)", "x"]);
 * ```
 */
export function cancelledWhileRunning(outcome: RunOutcome, signal: AbortSignal | undefined): RunOutcome {
  if (outcome.ok || !signal?.aborted) return outcome;
  const why = signal.reason instanceof Error ? signal.reason.message : "the call was cancelled";
  return { ...outcome, errorCode: "cancelled", error: `Cancelled while it ran: ${why} (${outcome.error})` };
}

/** The policy's verdict on one call, with the rationale the log and the answer give. */
export interface Verdict {
  /** allow, ask or deny. */
  decision: Decision;
  /** E.g. `risk=high fatigue=0.41 (context 0.45, duration 0.20, errors 0.60) policy=default -> ask`. */
  rationale: string;
}

/**
 * Step 3: ask the policy. A policy that throws, or returns something that is not a decision, denies the call.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decide } from "./_steps.ts";
 * import { DefaultPolicy } from "./policy.ts";
 * import { SessionMetrics } from "./metrics.ts";
 * const snap = new SessionMetrics({}, () => 0).snapshot();
 * const v = await decide(new DefaultPolicy(), "high", snap);
 * assert.equal(v.decision, "ask");
 * assert.match(v.rationale, /^risk=high fatigue=0\.00 .* policy=default -> ask$/);
 * const broken = await decide({ decide: () => "maybe" as never }, "low", snap);
 * assert.equal(broken.decision, "deny");
 * ```
 */
export async function decide(policy: GatePolicy, risk: Risk, snap: MetricsSnapshot): Promise<Verdict> {
  try {
    const d = await policy.decide(risk, snap);
    if (!DECISIONS.includes(d)) {
      throw new TypeError(`the policy returned ${JSON.stringify(d)}, expected allow, ask or deny`);
    }
    const f = (n: number) => n.toFixed(2);
    const rationale = `risk=${risk} fatigue=${f(snap.fatigue)} (context ${f(snap.contextScore)}, duration ${
      f(snap.durationScore)
    }, errors ${f(snap.errorScore)}) policy=${policy.name ?? "custom"} -> ${d}`;
    return { decision: d, rationale };
  } catch (e) {
    return { decision: "deny", rationale: `policy failed: ${(e as Error).message}; denied` };
  }
}

/** What running a tool gave: one record for success and failure. */
export interface RunOutcome {
  /** The tool returned (did not throw). */
  ok: boolean;
  /** Its output (a ToolError's `output` when it failed), or null. */
  output: unknown;
  /** The failure's message, or null. */
  error: string | null;
  /** The failure's code (`internal` for anything but a ToolError), or null. */
  errorCode: ErrorCode | null;
  /** How long the tool ran, in milliseconds (3 decimals). */
  runMs: number;
}

/**
 * Step 6: run the tool. Never throws: a ToolError keeps its code and output; anything else is `internal`. The tool's
 * signal is aborted when `signal` is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ToolError } from "../types.ts";
 * import { runTool } from "./_steps.ts";
 * const ws = { root: "/ws" } as never;
 * const failing = { name: "t", risk: "low" as const, fn: () => { throw new ToolError("not_found", "gone", "partial"); } };
 * const r = await runTool(failing, {}, ws);
 * assert.deepEqual([r.ok, r.errorCode, r.error, r.output], [false, "not_found", "gone", "partial"]);
 * const bug = await runTool({ ...failing, fn: () => { throw new RangeError("oops"); } }, {}, ws);
 * assert.deepEqual([bug.errorCode, bug.error], ["internal", "t failed: RangeError: oops"]);
 * ```
 */
export async function runTool(
  tool: RegisteredTool,
  args: Record<string, unknown>,
  workspace: Workspace,
  signal?: AbortSignal,
  channel?: CallChannel,
): Promise<RunOutcome> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  const started = performance.now();
  let outcome: Omit<RunOutcome, "runMs">;
  try {
    const output = await tool.fn(args, { workspace, signal: controller.signal, timeoutMs: tool.timeoutMs, channel });
    outcome = { ok: true, output: output === undefined ? null : output, error: null, errorCode: null };
  } catch (e) {
    outcome = e instanceof ToolError ? { ok: false, output: e.output ?? null, error: e.message, errorCode: e.code } : {
      ok: false,
      output: null,
      error: `${tool.name} failed: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`,
      errorCode: "internal",
    };
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
  return { ...outcome, runMs: Math.round((performance.now() - started) * 1000) / 1000 };
}

const outputEncoder = new TextEncoder();

/**
 * The UTF-8 length and sha256 of an output (as JSON when it is not a string): what the log keeps of it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { outputDigest } from "./_steps.ts";
 * assert.deepEqual(outputDigest(null), { outputBytes: 0, outputSha256: null });
 * assert.equal(outputDigest("héllo").outputBytes, 6);
 * assert.equal(outputDigest({ a: 1 }).outputBytes, 7);
 * ```
 */
export function outputDigest(output: unknown): { outputBytes: number; outputSha256: string | null } {
  if (output === null || output === undefined) return { outputBytes: 0, outputSha256: null };
  let text: string;
  try {
    text = typeof output === "string" ? output : knownJsonText(output) ?? JSON.stringify(output) ?? "";
  } catch {
    text = String(output);
  }
  const bytes = outputEncoder.encode(text);
  return { outputBytes: bytes.length, outputSha256: sha256Hex(bytes) };
}

/**
 * Step 7: the `execute` line's details: whether it succeeded, its code, how long it ran, the output's length and
 * sha256 (never the output), and the layers it ran under (`["none"]` for a tool that says nothing, the whole
 * description for one without a `layers` list).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { executeDetails } from "./_steps.ts";
 * const tool = { name: "t", risk: "low" as const, fn: () => null, isolation: () => ({ layers: ["realpath-guard"] }) };
 * const d = executeDetails(tool, { ok: true, output: "hi", error: null, errorCode: null, runMs: 1.5 });
 * assert.deepEqual(d.isolation, { layers: ["realpath-guard"] });
 * const custom = { ...tool, isolation: () => ({ sandbox: "custom" }) };
 * assert.deepEqual(executeDetails(custom, { ok: true, output: null, error: null, errorCode: null, runMs: 1 }).isolation, {
 *   sandbox: "custom",
 * });
 * assert.equal(d.outputBytes, 2);
 * ```
 */
export function executeDetails(tool: RegisteredTool, outcome: RunOutcome): Record<string, unknown> {
  const d: { layers?: unknown } | undefined = tool.isolation?.();
  const isolation = d === undefined ? { layers: ["none"] } : Array.isArray(d.layers) ? { layers: d.layers } : { ...d };
  return {
    ok: outcome.ok,
    errorCode: outcome.errorCode,
    durationMs: outcome.runMs,
    ...outputDigest(outcome.output),
    isolation,
  };
}
