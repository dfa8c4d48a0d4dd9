/**
 * Private helper of the config: the `rules`, `readOnlyCommands` and `projectChecks` sections (SPEC §1.1), checked
 * by the rule engine's own validator, every problem of every rule named at once.
 *
 * @module
 */
import { type RuleSpec, validateReadOnlyCommands, validateRules } from "../rules/mod.ts";
import type { FieldContext } from "./_fields.ts";

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
