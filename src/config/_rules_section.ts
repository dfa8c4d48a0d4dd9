/**
 * Private helper of the config: the `rules`, `readOnlyCommands` and `projectChecks` sections (SPEC §1.1), checked
 * by the rule engine's own validator, every problem of every rule named at once.
 *
 * @module
 */
import { BUILTIN_TOOL_NAMES } from "../builtins/definitions.ts";
import { compileToolGlob } from "../rules/glob.ts";
import { type RuleSpec, validateReadOnlyCommands, validateRules } from "../rules/mod.ts";
import type { FieldContext } from "./_fields.ts";
import type { SafeExecConfig } from "./types.ts";

/**
 * Read `rules`: the list as written, once every rule is valid; else the config is refused with all the problems.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readRules } from "./_rules_section.ts";
 * const fail = (m: string): never => {
 *   throw new Error(m);
 * };
 * const ctx = { baseDir: "/", fail };
 * assert.equal(readRules([{ tool: "run_bash", command: ["npm test"], risk: "low" }], ctx).length, 1);
 * assert.throws(() => readRules([{ tool: "run_bash", decision: "allow" }], ctx), /"rules\[0\]\.decision" must be "ask" or "deny"/);
 * ```
 */
export function readRules(value: unknown, ctx: FieldContext): RuleSpec[] {
  const { errors } = validateRules(value);
  if (errors.length > 0) ctx.fail(errors.join("; "));
  return value as RuleSpec[];
}

/**
 * Read `readOnlyCommands` (true or false).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readReadOnlyCommands } from "./_rules_section.ts";
 * const fail = (m: string): never => {
 *   throw new Error(m);
 * };
 * assert.equal(readReadOnlyCommands(false, { baseDir: "/", fail }), false);
 * assert.throws(() => readReadOnlyCommands("no", { baseDir: "/", fail }), /must be true or false/);
 * ```
 */
export function readReadOnlyCommands(value: unknown, ctx: FieldContext): boolean {
  const r = validateReadOnlyCommands(value);
  if (r.error !== null) ctx.fail(r.error);
  return r.value;
}

/**
 * Read `projectChecks` (true or false, default true): whether the built-in project checks (`npm test`, `npx tsc`,
 * …) are medium where run_bash runs in the bubblewrap sandbox without network (src/rules/project_checks.ts).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readProjectChecks } from "./_rules_section.ts";
 * const fail = (m: string): never => {
 *   throw new Error(m);
 * };
 * assert.equal(readProjectChecks(false, { baseDir: "/", fail }), false);
 * assert.throws(() => readProjectChecks("off", { baseDir: "/", fail }), /"projectChecks" must be true or false, got "off"/);
 * ```
 */
export function readProjectChecks(value: unknown, ctx: FieldContext): boolean {
  const r = validateReadOnlyCommands(value, "projectChecks");
  if (r.error !== null) ctx.fail(r.error);
  return r.value;
}

/**
 * Refuse a `path` rule whose `tool` glob matches no tool whose paths the rules read: safe-exec's built-in tools and
 * the tools the config brings. Such a rule would match nothing: a glob like `"f*"` beside a server `f` names only the
 * upstream `f__…` tools, whose arguments `path` does not know. `"*"` is always accepted (it names every tool). A
 * server's start-up (`prepareStartup`) checks it; hook mode, whose rules name the agent's own tools (`Read`), does
 * not.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkPathRuleTools } from "./_rules_section.ts";
 * import { defaultConfig } from "./types.ts";
 * const config = defaultConfig("/x");
 * const fail = (m: string): never => {
 *   throw new Error(m);
 * };
 * config.rules = [{ tool: "*", path: ["s/**"], decision: "deny" }, { tool: "read_*", path: ["k"], decision: "deny" }];
 * checkPathRuleTools(config, fail);
 * config.rules = [{ tool: "f*", path: ["secrets/**"], decision: "deny" }];
 * assert.throws(() => checkPathRuleTools(config, fail), /"rules\[0\]\.path" never matches "f\*"/);
 * ```
 */
export function checkPathRuleTools(config: SafeExecConfig, fail: (message: string) => never): void {
  const names = [...BUILTIN_TOOL_NAMES, ...Object.keys(config.brought)];
  config.rules.forEach((rule, i) => {
    if (rule.path === undefined || rule.tool === "*") return;
    const m = compileToolGlob(rule.tool);
    if (names.some((n) => m(n))) return;
    fail(
      `"rules[${i}].path" never matches ${JSON.stringify(rule.tool)}: no built-in tool (${
        BUILTIN_TOOL_NAMES.join(", ")
      }) or tool of "tools" has a name it matches, and "path" reads only their path ` +
        `arguments (an upstream tool "<server>__<tool>" has arguments it does not know: match them with "args" or ` +
        `put a "decision" on the tool itself); use "*" or a glob that names one of them`,
    );
  });
}
