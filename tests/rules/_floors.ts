/**
 * What the deny-floor tests share (floors_test.ts, floors_rt6/7/8/10_test.ts, path_floors_rt6_test.ts): rules compiled
 * from a config that must validate, a run_bash call, the red teams' configs, and the assertions on an outcome.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type CompiledRule, validateRules } from "../../src/rules/config.ts";
import { DENY_MAY_APPLY, evaluateRules, type RuleCall } from "../../src/rules/engine.ts";
import type { Workspace } from "../../src/fileops/workspace.ts";
import { workspaceFacts } from "../../src/gate/_path_facts.ts";

/** Compiled rules. */
export type Rules = readonly CompiledRule[];
/** The engine's options (what the host says of the call). */
export type Options = Parameters<typeof evaluateRules>[2];

/**
 * A judge of `run_bash` scripts against `rules` in the real workspace `ws`, as serve judges them: writes resolved as
 * the file tools resolve them (null where they cannot be), the gate's facts of what is on disk.
 */
export function workspaceJudge(
  rules: Rules,
  ws: Workspace,
  tableRisk: RuleCall["tableRisk"] = "high",
): (cmd: string) => ReturnType<typeof evaluateRules> {
  return (cmd) =>
    evaluateRules(rules, {
      tool: "run_bash",
      tableRisk,
      args: { cmd },
      resolveWrite: (t) => {
        try {
          return ws.relative(ws.resolve(t, "write"));
        } catch {
          return null;
        }
      },
      facts: workspaceFacts(ws),
    });
}

/** The rules of a config that must validate without errors. */
export function compile(rules: unknown[]): Rules {
  const v = validateRules(rules);
  assert.deepEqual(v.errors, []);
  return v.rules;
}

/** A run_bash call of `cmd`, high risk by the table. */
export const bash = (cmd: string): RuleCall => ({ tool: "run_bash", tableRisk: "high", args: { cmd } });

/** run_bash in the bubblewrap sandbox with the network off: project checks may be lowered, git's config trusted. */
export const SANDBOXED = { projectChecks: true, trustGitConfig: true };
/** A command floor alone. */
export const CMD_ONLY: Rules = compile([{ tool: "run_bash", command: ["rm -rf"], decision: "deny" }]);
/** A path floor alone. */
export const PATH_ONLY: Rules = compile([{ tool: "*", path: ["secrets/**"], decision: "deny" }]);
/** Red teams 7 and 8's repro/cfg_floors_noask.jsonc. */
export const NOASK_FLOOR: Rules = compile([
  { tool: "run_bash", command: ["rm -rf", "curl", "git push --force", "wget"], decision: "deny" },
  { tool: "*", path: ["secrets/**"], decision: "deny" },
]);

/** Every command of `cmds` meets the floor `floor` (null: none) under `rules`; a failure names the command and why. */
export function expectFloor(rules: Rules, floor: "deny" | "ask" | null, cmds: string[], options?: Options): void {
  for (const cmd of cmds) {
    const o = evaluateRules(rules, bash(cmd), options);
    assert.equal(o.floor, floor, `${cmd}: ${o.rationale}`);
  }
}

/** Every command of `cmds` is judged `risk` under `rules`; a failure names the command and why. */
export function expectRisk(rules: Rules, risk: string, cmds: string[], options?: Options): void {
  for (const cmd of cmds) {
    const o = evaluateRules(rules, bash(cmd), options);
    assert.equal(o.risk, risk, `${cmd}: ${o.rationale}`);
  }
}

/** Denied outright. */
export function assertDenied(rules: Rules, cmd: string, options: Options = SANDBOXED): void {
  const o = evaluateRules(rules, bash(cmd), options);
  assert.equal(o.floor, "deny", `${cmd}: ${o.rationale}`);
}

/** Denied, or asked as a deny floor that may apply (never answered by a remembered approval). */
export function assertMet(rules: Rules, cmd: string, options: Options = SANDBOXED): void {
  const o = evaluateRules(rules, bash(cmd), options);
  assert.notEqual(o.floor, null, `${cmd}: ${o.rationale}`);
  if (o.floor === "ask") {
    assert.ok(o.matched.some((m) => m.summary.includes(DENY_MAY_APPLY)), `${cmd}: ${o.rationale}`);
  }
}

/** {@linkcode assertMet}, and the risk is not lowered; `why` (when given) matches the rationale. */
export function assertMetNotLowered(rules: Rules, cmd: string, why?: RegExp, options: Options = SANDBOXED): void {
  const o = evaluateRules(rules, bash(cmd), options);
  assert.notEqual(o.floor, null, `${cmd}: ${o.rationale}`);
  if (o.floor === "ask") {
    assert.ok(o.matched.some((m) => m.summary.includes(DENY_MAY_APPLY)), `${cmd}: ${o.rationale}`);
  }
  assert.notEqual(o.risk, "low", cmd);
  if (why) assert.match(o.rationale, why, cmd);
}

/** No floor. */
export function assertUntouched(rules: Rules, cmd: string, options: Options = SANDBOXED): void {
  const o = evaluateRules(rules, bash(cmd), options);
  assert.equal(o.floor, null, `${cmd}: ${o.rationale}`);
}
