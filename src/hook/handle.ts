/**
 * One hook event, end to end (SPEC §9): the event JSON in, the answer in the agent's dialect out.
 *
 * 1. The event is read with the agent's dialect; bad input fails closed.
 * 2. The config is read (config.ts); a config that cannot be read or is wrong fails closed.
 * 3. Under the state file's lock (state.ts): the session (by `session_id`) is found or started; a session idle for
 *    `metrics.idleResetSeconds` (from its last event to a call's, a prompt's or a session's start: a call's own run
 *    time is never idleness) starts afresh; the context is observed (context.ts).
 * 4. By phase:
 *    - before a tool call: the gate decides (judge.ts) with the session's fatigue; the gate line (agent, session id,
 *      tool-use id, rationale, risk, fatigue, the arguments as the log keeps them) is written to the witness log
 *      before the answer; ALLOW answers nothing, ASK and DENY in the dialect's form (dialects);
 *    - after one: the outcome is written (`execute`, `ok`, linked to its gate line by the tool-use id); a failure
 *      (the agent's failure event, Gemini CLI's error or exit code, Codex's exit code from its rollout) counts as an
 *      error;
 *    - session start and end: `session` lines; compaction: a `metrics` line with the context the transcript shows.
 * 5. Any failure of safe-exec itself (the log or the state cannot be written, a bug) fails closed: the dialect's
 *    blocking form on a pre-tool event, a warning on the others.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { handleHookEvent } from "./handle.ts";
 * const dir = mkdtempSync(join(tmpdir(), "hook-"));
 * const project = join(dir, "project");
 * mkdirSync(project);
 * const event = { session_id: "s1", hook_event_name: "PreToolUse", tool_name: "Bash", tool_input: { command: "rm -rf build" }, tool_use_id: "t1", cwd: project };
 * const answer = await handleHookEvent("claude-code", JSON.stringify(event), { stateDir: join(dir, "state"), cwd: project, env: {} });
 * assert.equal(JSON.parse(answer.stdout).hookSpecificOutput.permissionDecision, "ask");
 * const bad = await handleHookEvent("claude-code", "{not json", { stateDir: join(dir, "state"), cwd: project, env: {} });
 * assert.equal(bad.exitCode, 2);
 * rmSync(dir, { recursive: true });
 * ```
 *
 * @module
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { type MetricsOptions, type MetricsSnapshot, roundFatigue, SessionMetrics } from "../gate/metrics.ts";
import { cutText, redactArgs } from "../gate/redact.ts";
import { WitnessLog } from "../witness/log.ts";
import type { WitnessEntry } from "../witness/entry.ts";
import { type HookConfig, loadHookConfig } from "./config.ts";
import { observeContext } from "./context.ts";
import { codexToolOutcome } from "./codex_outcome.ts";
import { dialectFor } from "./dialects.ts";
import type { HookGateSetup } from "./judge.ts";
import { agentHome } from "./_agent_path.ts";
import { busyUntil, callKey, closeCall, dropExpired, openCall } from "./open_calls.ts";
import { HookStateStore, type SessionState } from "./state.ts";
import { type HookAgent, type HookAnswer, type HookDialect, HookInputError, type NormalizedEvent } from "./types.ts";
import { CLAUDE_CODE_PHASES } from "./claude_code.ts";
import { CODEX_PHASES } from "./codex.ts";
import { GEMINI_PHASES } from "./gemini.ts";
import { CURSOR_PHASES } from "./cursor.ts";
import { namedProject, outerAnchors } from "./_project.ts";

/** Where a hook event's config, log and state come from. */
export interface HandleOptions {
  /** `--config FILE`. */
  config?: string;
  /** `--witness FILE`. */
  witness?: string;
  /** The state folder. */
  stateDir: string;
  /** The process's working folder (the event's `cwd` wins where it names one). */
  cwd: string;
  /** The environment (HOME, XDG_CONFIG_HOME). */
  env: Readonly<Record<string, string | undefined>>;
  /** Wall clock in ms (tests). */
  now?: () => number;
}

const _PHASES: Readonly<Record<HookAgent, Readonly<Record<string, string>>>> = {
  "claude-code": CLAUDE_CODE_PHASES,
  codex: CODEX_PHASES,
  gemini: GEMINI_PHASES,
  cursor: CURSOR_PHASES,
};

/** An event that could not be read, as far as its name tells its phase (for the fail-closed answer's form). */
function _stub(agent: HookAgent, json: unknown): NormalizedEvent | null {
  const name = (json as Record<string, unknown> | null)?.hook_event_name;
  if (typeof name !== "string" || !Object.hasOwn(_PHASES[agent], name)) return null;
  const phase = _PHASES[agent][name] as NormalizedEvent["phase"];
  if (phase === "pre_tool") return null;
  return {
    agent,
    phase,
    eventName: name,
    sessionId: "",
    toolUseId: null,
    toolName: null,
    toolInput: null,
    error: null,
    transcriptPath: null,
    cwd: null,
    model: null,
    usage: null,
    detail: null,
    raw: {},
  };
}

/**
 * The session's metrics now, from its state: a {@linkcode SessionMetrics} replayed on a clock that stands at the
 * session's start, at each failed call, then at `now`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_METRICS } from "../gate/metrics.ts";
 * import { sessionSnapshot } from "./handle.ts";
 * const s = { startedAt: 0, lastSeen: 0, errors: [1000], contextTokens: 2000, contextSource: "usage", messageId: null, counted: null, gates: {}, running: [], ended: false };
 * const snap = sessionSnapshot(DEFAULT_METRICS, s, 900_000);
 * assert.deepEqual([snap.contextTokens, snap.errorCount, snap.sessionSeconds], [2000, 1, 900]);
 * assert.equal(snap.fatigue, 0.4 * 0.5 + 0.3 * 0.5 + 0.3 * 0.2);
 * ```
 */
export function sessionSnapshot(options: MetricsOptions, s: SessionState, now: number): MetricsSnapshot {
  let t = s.startedAt;
  const m = new SessionMetrics(options, () => t);
  for (const e of s.errors) {
    t = Math.max(s.startedAt, e);
    m.recordError();
  }
  m.update({ contextTokens: s.contextTokens });
  t = Math.max(s.startedAt, now);
  return m.snapshot();
}

function _metricsDetails(snap: MetricsSnapshot, s: SessionState): Record<string, unknown> {
  return {
    contextTokens: snap.contextTokens,
    contextSource: s.contextSource,
    sessionSeconds: Math.round(snap.sessionSeconds),
    errorCount: snap.errorCount,
  };
}

function _message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Answer one hook event of `agent` (its stdin's text). Never throws: every failure is the dialect's fail-closed
 * answer.
 */
export async function handleHookEvent(agent: HookAgent, stdin: string, options: HandleOptions): Promise<HookAnswer> {
  const dialect = dialectFor(agent);
  let json: unknown;
  try {
    json = JSON.parse(stdin);
  } catch (e) {
    const shown = stdin.length > 200 ? `${stdin.slice(0, 200)}…` : stdin;
    return dialect.failClosed(
      `Cannot read the ${agent} hook event: stdin is not JSON (${_message(e)}): ${JSON.stringify(shown)}`,
      null,
    );
  }
  let event: NormalizedEvent;
  try {
    event = dialect.parseEvent(json);
  } catch (e) {
    return dialect.failClosed(_message(e), e instanceof HookInputError ? _stub(agent, json) : null);
  }
  try {
    return await _handle(dialect, event, options);
  } catch (e) {
    return dialect.failClosed(_message(e), event);
  }
}

async function _handle(dialect: HookDialect, event: NormalizedEvent, options: HandleOptions): Promise<HookAnswer> {
  const cwd = event.cwd ?? options.cwd;
  // where the floors are anchored: the project the event names, else the one the session started in (below)
  const named = namedProject(event, options.env);
  const hc: HookConfig = await loadHookConfig({
    ...(named !== null ? { root: named } : {}),
    ...(options.config !== undefined ? { config: options.config } : {}),
    ...(options.witness !== undefined ? { witness: options.witness } : {}),
    stateDir: options.stateDir,
    cwd,
    env: options.env,
  });
  const { config } = hc;
  const now = options.now ?? (() => Date.now());
  // Only a pre-tool event judges: the judge, the rules and the shell parser are loaded for it alone (outcomes and
  // session events do not pay for their start).
  const gate = event.phase === "pre_tool" ? _gateSetup(config, options.env) : null;
  gate?.catch(() => {}); // awaited below; a failure then fails the call closed, never an unhandled rejection
  let witness: WitnessLog | null = null;
  const log = (entry: WitnessEntry): number => {
    if (witness === null) {
      mkdirSync(dirname(config.witness.path), { recursive: true });
      witness = new WitnessLog(config.witness.path, {
        fsync: config.witness.fsync,
        ...(config.witness.signingKey !== null ? { signingKey: config.witness.signingKey } : {}),
      });
    }
    return witness.append(entry).seq;
  };
  const who = { agent: event.agent, sessionId: event.sessionId };
  const store = new HookStateStore(options.stateDir);
  try {
    return await store.update(async (state) => {
      const t = now();
      const s = state.session(event.agent, event.sessionId, t);
      const isNew = state.isNew(event.agent, event.sessionId);
      // A new session (or one the agent starts afresh), an idle one: duration and errors start again. Idleness is
      // the time from the session's last event to the start of something new (a call, a prompt, a session start);
      // an event that ends something (a call's outcome, a subagent's or a turn's end) comes after time spent
      // working, never idle (red team 7, F5: a long call is not a break); nor is the time while another call runs
      // (red team 8, G7: a call that started and has no outcome yet holds the session, up to its bound).
      const fresh = event.phase === "session_start" && !isNew &&
        (event.detail === "startup" || event.detail === "clear");
      const idle = config.metrics.idleResetSeconds;
      const busy = busyUntil(s, t);
      const idleAfter = idle > 0 && _startsSomething(event) && t - busy >= idle * 1000;
      if (!isNew && (fresh || idleAfter)) {
        const idleSeconds = Math.round((t - busy) / 1000);
        s.startedAt = t;
        s.errors = [];
        s.running = [];
        s.ended = false;
        log({
          event: "metrics",
          tool: null,
          decision: null,
          details: {
            action: "reset",
            ...who,
            reason: fresh ? `session ${event.detail}` : "idle",
            ...(fresh ? {} : { idleSeconds }),
          },
        });
      }
      s.lastSeen = t;
      if (s.root === undefined && (named ?? cwd).startsWith("/")) s.root = named ?? cwd;
      const root = named ?? s.root ?? cwd;
      dropExpired(s, t);
      if (config.metrics.errorWindowSeconds > 0) {
        const oldest = t - config.metrics.errorWindowSeconds * 1000;
        s.errors = s.errors.filter((e) => e > oldest);
      }
      const before = { ...s };
      const seen = await observeContext(event, isNew ? null : before, config.metrics.tokenizer);
      if (seen.source !== "kept" && seen.source !== "none") {
        s.contextTokens = seen.contextTokens;
        s.contextSource = seen.source;
        s.messageId = seen.messageId;
        if (seen.counted !== null) s.counted = seen.counted;
      }
      const compacted = seen.source === "compact" && before.contextSource !== "compact";
      switch (event.phase) {
        case "pre_tool":
          return await _preTool(
            dialect,
            event,
            s,
            await gate!,
            config.metrics,
            t,
            {
              cwd,
              root,
              outer: root.startsWith("/") ? outerAnchors(event, root, s.root ?? null) : [],
            },
            log,
            seen.note,
          );
        case "post_tool":
        case "post_tool_failure":
          _postTool(event, s, config.metrics, t, log);
          break;
        case "session_start":
          log({
            event: "session",
            tool: null,
            decision: null,
            details: { action: "start", ...who, source: event.detail, cwd, config: hc.configPath },
          });
          break;
        case "session_end":
          s.ended = true;
          s.running = [];
          log({
            event: "session",
            tool: null,
            decision: null,
            details: { action: "stop", ...who, reason: event.detail },
          });
          break;
        case "compact":
          log({
            event: "metrics",
            tool: null,
            decision: null,
            details: {
              action: "update",
              ...who,
              hookEvent: event.eventName,
              trigger: event.detail,
              contextTokens: s.contextTokens,
              contextSource: s.contextSource,
              compacted: seen.source === "compact",
            },
          });
          break;
        default:
          break;
      }
      if (compacted && event.phase !== "compact") {
        log({
          event: "metrics",
          tool: null,
          decision: null,
          details: { action: "update", ...who, contextTokens: s.contextTokens, contextSource: "compact" },
        });
      }
      return dialect.render({ decision: "allow", reason: "" }, event);
    }, now());
  } finally {
    (witness as WitnessLog | null)?.close();
  }
}

/** The events a session's idleness may end at: before a tool call, a prompt, a session's start. */
const _PROMPT_EVENTS: ReadonlySet<string> = new Set(["UserPromptSubmit", "BeforeAgent", "beforeSubmitPrompt"]);

function _startsSomething(event: NormalizedEvent): boolean {
  return event.phase === "pre_tool" || event.phase === "session_start" ||
    (event.phase === "other" && _PROMPT_EVENTS.has(event.eventName));
}

/** What the gate of a pre-tool event needs: the judge, and the config's rules, tools and policy for it. */
interface _Gate {
  judge: typeof import("./judge.ts").judgeAgentCall;
  setup: HookGateSetup;
}

async function _gateSetup(
  config: HookConfig["config"],
  env: Readonly<Record<string, string | undefined>>,
): Promise<_Gate> {
  const [{ compileHookRules, judgeAgentCall }, { DefaultPolicy }, home] = await Promise.all([
    import("./judge.ts"),
    import("../gate/policy.ts"),
    agentHome(env),
  ]);
  return {
    judge: judgeAgentCall,
    setup: {
      rules: compileHookRules(config.rules),
      readOnlyCommands: config.readOnlyCommands,
      tools: config.brought,
      policy: new DefaultPolicy(config.policy),
      home,
    },
  };
}

async function _preTool(
  dialect: HookDialect,
  event: NormalizedEvent,
  s: SessionState,
  { judge, setup }: _Gate,
  metrics: MetricsOptions,
  now: number,
  { cwd, root, outer }: { cwd: string; root: string; outer: readonly string[] },
  log: (entry: WitnessEntry) => number,
  note: string | null,
): Promise<HookAnswer> {
  const tool = event.toolName!;
  const snap = sessionSnapshot(metrics, s, now);
  let v = await judge(event.agent, tool, event.toolInput ?? {}, cwd, setup, snap, root);
  // the floors may have been written for a folder above the project (red team 10, J8): the strictest decision of
  // the call judged from each of them holds
  for (const anchor of outer) {
    if (v.decision === "deny") break;
    const o = await judge(event.agent, tool, event.toolInput ?? {}, cwd, setup, snap, anchor);
    if (_STRICT[o.decision] > _STRICT[v.decision]) {
      v = { ...o, rationale: `with the floors anchored at ${JSON.stringify(anchor)}: ${o.rationale}` };
    }
  }
  const fatigue = roundFatigue(snap.fatigue);
  const seq = log({
    event: "gate",
    tool: tool.length > 64 ? `${tool.slice(0, 64)}…` : tool,
    decision: v.decision,
    details: {
      rationale: v.rationale,
      risk: v.risk,
      fatigue,
      agent: event.agent,
      sessionId: event.sessionId,
      toolUseId: event.toolUseId,
      hookEvent: event.eventName,
      ...(v.risk !== v.tableRisk || v.riskFrom !== "table" ? { tableRisk: v.tableRisk, riskFrom: v.riskFrom } : {}),
      ...(v.rules.length > 0 ? { rules: v.rules } : {}),
      metrics: _metricsDetails(snap, s),
      ...(note !== null ? { note } : {}),
      ...(tool.length > 64 ? { toolName: cutText(tool) } : {}),
      cwd,
      ...(root !== cwd ? { root } : {}),
      args: redactArgs(v.args, { keep: { cmd: 100_000, patch: 100_000 } }),
    },
  });
  if (event.toolUseId !== null) s.gates[event.toolUseId] = { seq, tool, decision: v.decision };
  const reason = v.decision === "deny" ? `safe-exec denied this call: ${v.rationale}` : `safe-exec: ${v.rationale}`;
  const answer = dialect.render({ decision: v.decision, reason }, event);
  // A call the answer refuses never runs (a deny, or an ask the agent cannot ask: Codex, Gemini CLI, Cursor's
  // beforeReadFile); an allowed or asked one may, until its outcome comes.
  if (!_refuses(answer)) openCall(s, callKey(event), now);
  return answer;
}

/** How strict a decision is. */
const _STRICT: Readonly<Record<"allow" | "ask" | "deny", number>> = { allow: 0, ask: 1, deny: 2 };

/** Whether a pre-tool answer refuses the call, in any dialect (a blocking exit, or a denial in its JSON). */
function _refuses(answer: HookAnswer): boolean {
  if (answer.exitCode === 2) return true;
  if (answer.stdout === "") return false;
  try {
    const o = JSON.parse(answer.stdout) as Record<string, unknown>;
    const specific = o.hookSpecificOutput as Record<string, unknown> | undefined;
    return specific?.permissionDecision === "deny" || o.decision === "deny" || o.decision === "block" ||
      o.permission === "deny";
  } catch {
    return false;
  }
}

function _postTool(
  event: NormalizedEvent,
  s: SessionState,
  metrics: MetricsOptions,
  now: number,
  log: (entry: WitnessEntry) => number,
): void {
  let failed = event.phase === "post_tool_failure";
  let error = event.error;
  let exitCode: number | null = null;
  if (!failed && event.agent === "codex" && event.transcriptPath !== null && event.toolUseId !== null) {
    // Codex's PostToolUse carries no exit code; its rollout does.
    try {
      const outcome = codexToolOutcome(event.transcriptPath, event.toolUseId);
      if (outcome?.failed) {
        failed = true;
        exitCode = outcome.exitCode;
        error = `exit code ${outcome.exitCode ?? "unknown"} (from the rollout)`;
      }
    } catch {
      // No rollout to read: the call counts as it looks.
    }
  }
  if (failed && metrics.countToolErrors) s.errors.push(now);
  closeCall(s, callKey(event));
  const gate = event.toolUseId !== null && Object.hasOwn(s.gates, event.toolUseId)
    ? s.gates[event.toolUseId]
    : undefined;
  if (gate !== undefined) delete s.gates[event.toolUseId!];
  const tool = event.toolName ?? gate?.tool ?? null;
  const snap = sessionSnapshot(metrics, s, now);
  log({
    event: "execute",
    tool: tool !== null && tool.length > 64 ? `${tool.slice(0, 64)}…` : tool,
    decision: gate?.decision ?? null,
    details: {
      ok: !failed,
      ...(failed ? { error: cutText(error ?? "the tool failed") } : {}),
      ...(exitCode !== null ? { exitCode } : {}),
      agent: event.agent,
      sessionId: event.sessionId,
      toolUseId: event.toolUseId,
      hookEvent: event.eventName,
      gateSeq: gate?.seq ?? null,
      reportedBy: "hook",
      isolation: { layers: ["agent"] },
      fatigue: roundFatigue(snap.fatigue),
      metrics: _metricsDetails(snap, s),
    },
  });
}
