/**
 * The gate's decision on one of an agent's own tool calls (SPEC §1, §1.1, §9): the tool's risk from the agent's
 * built-in table (risk.ts), or from the config's `tools` entry of that name (a tool the agent runs itself:
 * `{"run": "client", "risk": …}`); then the config's `rules` with the agent's tool name (`"tool": "Bash"`), the
 * `command` matcher reading the shell command and `path` the file path (made relative to the agent's working
 * folder, resolved as the file tools resolve paths: a path outside it never lowers a risk), and the built-in
 * read-only commands for shell calls; then the policy with the session's fatigue.
 *
 * git commands are never lowered here (`trustGitConfig` off): the agent's shell runs with the user's own HOME and
 * the repository's `.git` writable, so a lowered `git status` could run a `core.fsmonitor` an earlier call wrote.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { compileHookRules, judgeAgentCall } from "./judge.ts";
 * import { DefaultPolicy } from "../gate/policy.ts";
 * import { SessionMetrics } from "../gate/metrics.ts";
 * const cwd = mkdtempSync(join(tmpdir(), "judge-"));
 * const setup = { rules: compileHookRules([{ tool: "Bash", command: ["npm test"], risk: "low" }]), readOnlyCommands: true, tools: {}, policy: new DefaultPolicy() };
 * const fresh = new SessionMetrics({}, () => 0).snapshot();
 * const v = await judgeAgentCall("claude-code", "Bash", { command: "npm test" }, cwd, setup, fresh);
 * assert.deepEqual([v.tableRisk, v.risk, v.decision], ["high", "low", "allow"]);
 * assert.equal((await judgeAgentCall("claude-code", "Bash", { command: "rm -rf x" }, cwd, setup, fresh)).decision, "ask");
 * rmSync(cwd, { recursive: true });
 * ```
 *
 * @module
 */
import { Workspace } from "../fileops/workspace.ts";
import { applyRules } from "../gate/_rules.ts";
import { decide } from "../gate/_steps.ts";
import type { MetricsSnapshot } from "../gate/metrics.ts";
import type { GatePolicy } from "../gate/policy.ts";
import { type CompiledRule, evaluateRules, type RuleOutcome, validateRules } from "../rules/mod.ts";
import type { Decision, Risk, RuleHit } from "../types.ts";
import { agentToolRisk, gateArgs, type ToolKind } from "./risk.ts";
import type { HookAgent } from "./types.ts";

/** What the config gives the hook's gate. */
export interface HookGateSetup {
  /** The config's rules, compiled. */
  rules: readonly CompiledRule[];
  /** The built-in read-only commands apply to shell calls. */
  readOnlyCommands: boolean;
  /** The config's `tools` entries of the agent's tool names (their risk replaces the table's). */
  tools: Readonly<Record<string, { risk: Risk }>>;
  /** The policy. */
  policy: GatePolicy;
}

/** The gate's verdict on an agent's tool call. */
export interface AgentCallVerdict {
  /** allow, ask or deny. */
  decision: Decision;
  /** The risk decided with (after the rules). */
  risk: Risk;
  /** The risk before the rules: the config's `tools` entry, else the agent's table. */
  tableRisk: Risk;
  /** What the tool does, from the agent's table. */
  kind: ToolKind;
  /** Where the table risk came from. */
  riskFrom: "config" | "table" | "unknown tool";
  /** Why, as a gate line says it. */
  rationale: string;
  /** The rules that took effect. */
  rules: RuleHit[];
  /** The call's arguments under safe-exec's names (`cmd`, `path`), as the rules read them. */
  args: Record<string, unknown>;
}

/** Compile the config's rules (already validated by the config); throws when one is wrong. */
export function compileHookRules(specs: unknown): readonly CompiledRule[] {
  const r = validateRules(specs ?? []);
  if (r.errors.length > 0) throw new TypeError(`Invalid rules: ${r.errors.join("; ")}`);
  return r.rules;
}

function _relative(ws: Workspace | null, p: string): string | null {
  if (ws === null) return null;
  try {
    return ws.relative(ws.resolve(p, "write"));
  } catch {
    return null; // outside the agent's folder, or not a path: never lowered
  }
}

/** Judge one tool call of an agent made in `cwd` with the session's metrics now. */
export async function judgeAgentCall(
  agent: HookAgent,
  tool: string,
  input: Readonly<Record<string, unknown>>,
  cwd: string | null,
  setup: HookGateSetup,
  snap: MetricsSnapshot,
): Promise<AgentCallVerdict> {
  const table = agentToolRisk(agent, tool);
  const configured = Object.hasOwn(setup.tools, tool) ? setup.tools[tool] : undefined;
  const tableRisk = configured?.risk ?? table.risk;
  const args = gateArgs(agent, tool, input);
  const script = table.kind === "shell" && typeof args.cmd === "string" ? args.cmd : undefined;
  let outcome: RuleOutcome | null = null;
  let failed = "";
  const applies = setup.rules.some((r) => r.matchTool(tool));
  if (applies || (script !== undefined && setup.readOnlyCommands)) {
    try {
      let ws: Workspace | null = null;
      try {
        ws = cwd !== null ? Workspace.open(cwd) : null;
      } catch {
        ws = null;
      }
      const listed = Array.isArray(args.paths) ? args.paths : typeof args.path === "string" ? [args.path] : [];
      const paths = listed.map((p) => (typeof p === "string" ? _relative(ws, p) : null));
      outcome = evaluateRules(setup.rules, {
        tool,
        tableRisk,
        args,
        ...(paths.length > 0 ? { paths } : {}),
        ...(script !== undefined ? { script } : {}),
        resolveWrite: (target) => _relative(ws, target),
      }, { readOnlyCommands: setup.readOnlyCommands, trustGitConfig: false });
    } catch (e) {
      failed = `rules failed (${(e as Error)?.message ?? String(e)}), the tool's risk kept; `;
    }
  }
  const verdict = await decide(setup.policy, outcome?.risk ?? tableRisk, snap);
  const v = applyRules(outcome, tableRisk, verdict);
  return {
    decision: v.decision,
    risk: v.risk,
    tableRisk,
    kind: table.kind,
    riskFrom: configured !== undefined ? "config" : table.known ? "table" : "unknown tool",
    rationale: failed + v.rationale,
    rules: v.rules,
    args,
  };
}
