/**
 * Rules that read the arguments (SPEC §1.1): the shell analysis, the built-in read-only commands and project checks,
 * the rule engine and the config validator. Self-contained: the gate wires them in (docs/rules.md).
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
// The engine and the config it runs on.
export { evaluateRules } from "./engine.ts";
export type { RuleCall, RuleMatch, RuleOptions, RuleOutcome } from "./engine.ts";
export type { RulePath } from "./_match.ts";
export { validateReadOnlyCommands, validateRules } from "./config.ts";
export type { CompiledRule, RuleSpec, RulesValidation } from "./config.ts";
export { parsePrefix } from "./prefix.ts";
export { suggestKey } from "./suggest_key.ts";
export { compilePathGlobs, compileToolGlob, GlobError, globMayMatchBelow, pathGlobProblem } from "./glob.ts";
export type { PathMatcher } from "./glob.ts";
// What the engine reads a script with.
export { analyzeScript, MAX_NESTING } from "./shell.ts";
export type { RedirectKind, ShellAnalysis, ShellRedirect, ShellWord, SimpleCommand } from "./shell_types.ts";
export { type ParsedWord, shellWord } from "./shell_word.ts";
export { checkReadOnly, READ_ONLY_COMMANDS } from "./readonly.ts";
export type { ReadOnlyVerdict } from "./readonly.ts";
export { builtinReadOnly } from "./builtin_readonly.ts";
export type { BuiltinOptions, BuiltinVerdict } from "./builtin_readonly.ts";
export {
  CHECK_SCRIPTS,
  CHECK_TOOLS,
  checkProjectCheck,
  MAKE_TARGETS,
  PROJECT_CHECK_PROGRAMS,
  QUIET_OPTIONS,
} from "./project_checks.ts";
export type { ProjectCheckVerdict } from "./project_checks.ts";
export { lexicalWorkspacePath } from "./workspace_path.ts";
export { objectStorePath } from "./object_store.ts";
export { HOST_CONFIG_FILES, HOST_CONFIG_FOLDERS, hostRunsConfig } from "./host_config.ts";
export { RUNNERS } from "./runners.ts";
export { argNameWords, isPathName, type PathNameKind, pathNameKind, pathOfValue } from "./path_names.ts";
// The vocabulary they use.
export type { Risk } from "../types.ts";
