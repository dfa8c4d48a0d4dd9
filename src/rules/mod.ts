/**
 * Rules that read the arguments (SPEC §1.1): the shell analysis, the built-in read-only commands, the rule engine
 * and the config validator. Self-contained: the gate wires them in (docs/rules.md).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { evaluateRules, validateRules } from "./mod.ts";
 * const { rules, errors } = validateRules([{ tool: "run_bash", command: ["rm"], decision: "deny" }]);
 * assert.deepEqual(errors, []);
 * const out = evaluateRules(rules, { tool: "run_bash", tableRisk: "high", args: { cmd: "ls | xargs rm" } });
 * assert.equal(out.floor, "deny");
 * assert.equal(out.risk, "high");
 * ```
 *
 * @module
 */
export { analyzeScript, MAX_NESTING, shellWord } from "./shell.ts";
export type { RedirectKind, ShellAnalysis, ShellRedirect, ShellWord, SimpleCommand } from "./shell.ts";
export { checkReadOnly, READ_ONLY_COMMANDS } from "./readonly.ts";
export type { ReadOnlyVerdict } from "./readonly.ts";
export { builtinReadOnly, evaluateRules, lexicalWorkspacePath, RUNNERS } from "./engine.ts";
export type { RuleCall, RuleMatch, RuleOptions, RuleOutcome } from "./engine.ts";
export { parsePrefix, suggestKey, validateReadOnlyCommands, validateRules } from "./config.ts";
export type { CompiledRule, RuleSpec, RulesValidation } from "./config.ts";
export { compilePathGlobs, compileToolGlob, GlobError, pathGlobProblem } from "./glob.ts";
