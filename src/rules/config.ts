/**
 * The `rules` and `readOnlyCommands` sections of the config (SPEC §1.1), checked and compiled. Every problem is
 * reported (not only the first), each naming the key, the value and what was expected:
 * `"rules[0].risk" must be "low", "medium" or "high", got "hi"`.
 *
 * Pure: no I/O, no runtime APIs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateRules } from "./config.ts";
 * const ok = validateRules([{ tool: "run_bash", command: ["git status", "npm test"], risk: "low" }]);
 * assert.deepEqual(ok.errors, []);
 * assert.deepEqual(ok.rules[0]!.prefixes, [["git", "status"], ["npm", "test"]]);
 * const bad = validateRules([{ tool: "run_bash", comand: ["ls"], risk: "low" }]);
 * assert.equal(
 *   bad.errors[0],
 *   'unknown key "rules[0].comand" (did you mean "command"?); allowed keys in "rules[0]": tool, path, command, args, risk, decision',
 * );
 * ```
 *
 * @module
 */
import { type Risk, RISKS } from "../types.ts";
import { compilePathGlobs, compileToolGlob, GlobError, pathGlobProblem, type PathMatcher } from "./glob.ts";
import { parsePrefix } from "./prefix.ts";
import { suggestKey } from "./suggest_key.ts";

/** A rule as written in the config. */
export interface RuleSpec {
  /** A tool name or glob (`github__*`). */
  tool: string;
  /** Gitignore-style globs on the call's workspace-relative path arguments. */
  path?: string[];
  /** Command prefixes as words (`"git status"`), judged on every simple command of the parsed script. */
  command?: string[];
  /** Exact values of scalar arguments. */
  args?: Record<string, string | number | boolean | null>;
  /** Re-rate the call. */
  risk?: Risk;
  /** A floor: at least ask, or deny. */
  decision?: "ask" | "deny";
}

/** A checked, compiled rule. */
export interface CompiledRule {
  /** Its position in `rules` (0-based, as in `rules[0]`). */
  readonly index: number;
  /** The rule as written. */
  readonly spec: Readonly<RuleSpec>;
  /** Matches the tool name. */
  readonly matchTool: (name: string) => boolean;
  /** Matches a workspace-relative path; null when the rule has no `path`. */
  readonly matchPath: PathMatcher | null;
  /** The command prefixes as words; null when the rule has no `command`. */
  readonly prefixes: ReadonlyArray<readonly string[]> | null;
  /** A short description for the gate line and the rationale: `run_bash git status|npm test`. */
  readonly summary: string;
}

/** The outcome of {@linkcode validateRules}: the rules that are valid, and every problem found. */
export interface RulesValidation {
  /** Compiled rules (those without problems), in order. */
  readonly rules: readonly CompiledRule[];
  /** One message per problem; empty when the section is valid. */
  readonly errors: readonly string[];
}

const RULE_KEYS = ["tool", "path", "command", "args", "risk", "decision"] as const;
const DECISIONS = ["ask", "deny"] as const;

/**
 * Check and compile the `rules` section. `at` names the section in messages (default `rules`). A rule with a
 * problem is left out of `rules`; every problem of every rule is in `errors`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateRules } from "./config.ts";
 * const { rules, errors } = validateRules([
 *   { tool: "github__*", decision: "ask" },
 *   { tool: "run_bash", command: ["ls |"], risk: "low", decision: "ask" },
 * ]);
 * assert.deepEqual(rules.map((r) => r.summary), ["github__*"]);
 * assert.equal(errors.length, 2);
 * assert.match(errors[0]!, /^"rules\[1\]\.command\[0\]" is not a command prefix/);
 * assert.equal(errors[1], '"rules[1]" has both "risk" and "decision"; a rule has one effect: write two rules');
 * ```
 */
export function validateRules(value: unknown, at = "rules"): RulesValidation {
  const errors: string[] = [];
  const rules: CompiledRule[] = [];
  if (value === undefined) return { rules, errors };
  if (!Array.isArray(value)) {
    return { rules, errors: [`"${at}" must be a list of rules, got ${_show(value)}`] };
  }
  value.forEach((raw, index) => {
    const key = `${at}[${index}]`;
    const before = errors.length;
    if (!_isObject(raw)) {
      errors.push(
        `"${key}" must be an object such as {"tool": "run_bash", "command": ["ls"], "risk": "low"}, got ${_show(raw)}`,
      );
      return;
    }
    _checkKeys(raw, key, errors);
    const matchTool = _tool(raw, key, errors);
    const matchPath = "path" in raw ? _paths(raw.path, key, errors) : null;
    const prefixes = "command" in raw ? _prefixes(raw.command, key, errors) : null;
    if ("args" in raw) _checkArgs(raw.args, key, errors);
    if ("path" in raw && typeof raw.tool === "string" && _onlyUpstream(raw.tool)) {
      errors.push(
        `"${key}.path" never matches ${JSON.stringify(raw.tool)}: "path" reads the path arguments of safe-exec's ` +
          `own tools (read_file, run_bash, …), and a "tool" with "__" names only upstream (gateway) tools ` +
          `"<server>__<tool>", whose arguments it does not know; match their arguments with "args" (exact values) ` +
          `or a "decision" on the tool itself`,
      );
    }
    _checkEffect(raw, key, errors);
    if (errors.length > before || !matchTool) return;
    const spec = raw as unknown as RuleSpec;
    rules.push({ index, spec, matchTool, matchPath, prefixes, summary: _summary(spec) });
  });
  return { rules, errors };
}

/**
 * Check `readOnlyCommands` (default true), or another switch of the built-in sets named by `at` (`projectChecks`);
 * a message naming the value when it is not a boolean.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateReadOnlyCommands } from "./config.ts";
 * assert.deepEqual(validateReadOnlyCommands(undefined), { value: true, error: null });
 * assert.deepEqual(validateReadOnlyCommands(false), { value: false, error: null });
 * assert.equal(validateReadOnlyCommands("no").error, '"readOnlyCommands" must be true or false, got "no"');
 * assert.equal(validateReadOnlyCommands(0, "projectChecks").error, '"projectChecks" must be true or false, got 0');
 * ```
 */
export function validateReadOnlyCommands(
  value: unknown,
  at = "readOnlyCommands",
): { value: boolean; error: string | null } {
  if (value === undefined) return { value: true, error: null };
  if (typeof value !== "boolean") return { value: true, error: `"${at}" must be true or false, got ${_show(value)}` };
  return { value, error: null };
}

// ---------------------------------------------------------------------------------------------------------------

function _checkKeys(raw: Record<string, unknown>, key: string, errors: string[]): void {
  for (const k of Object.keys(raw)) {
    if (!(RULE_KEYS as readonly string[]).includes(k)) {
      const hint = suggestKey(k, RULE_KEYS);
      errors.push(
        `unknown key "${key}.${k}"${hint ? ` (did you mean "${hint}"?)` : ""}; allowed keys in "${key}": ${
          RULE_KEYS.join(", ")
        }`,
      );
    }
  }
}

/**
 * A tool glob that can match only upstream (gateway) tools: a literal `__` (the `<server>__<tool>` separator) in it
 * outside any wildcard, so every name it matches holds `__`, which no built-in tool's name does.
 */
function _onlyUpstream(tool: string): boolean {
  return tool.split(/[*?[\]]/).some((part) => part.includes("__"));
}

function _tool(raw: Record<string, unknown>, key: string, errors: string[]): ((n: string) => boolean) | null {
  if (!("tool" in raw)) {
    errors.push(`"${key}" needs "tool": a tool name or a glob such as "github__*"`);
    return null;
  }
  if (typeof raw.tool !== "string") {
    errors.push(`"${key}.tool" must be a tool name or glob (a string), got ${_show(raw.tool)}`);
    return null;
  }
  try {
    return compileToolGlob(raw.tool);
  } catch (e) {
    if (!(e instanceof GlobError)) throw e;
    errors.push(`"${key}.tool" is not a tool name or glob: ${e.message}`);
    return null;
  }
}

function _paths(p: unknown, key: string, errors: string[]): PathMatcher | null {
  if (!Array.isArray(p) || p.length === 0) {
    errors.push(`"${key}.path" must be a non-empty list of gitignore-style globs such as ["src/**"], got ${_show(p)}`);
    return null;
  }
  let good = true;
  p.forEach((g, i) => {
    if (typeof g !== "string") {
      errors.push(`"${key}.path[${i}]" must be a glob string, got ${_show(g)}`);
      good = false;
      return;
    }
    const problem = pathGlobProblem(g);
    if (problem) {
      errors.push(`"${key}.path[${i}]" is not a valid gitignore-style glob: ${problem}`);
      good = false;
    }
  });
  return good ? compilePathGlobs(p as string[]) : null;
}

function _prefixes(c: unknown, key: string, errors: string[]): string[][] | null {
  if (!Array.isArray(c) || c.length === 0) {
    errors.push(
      `"${key}.command" must be a non-empty list of command prefixes such as ["git status"], got ${_show(c)}`,
    );
    return null;
  }
  const prefixes: string[][] = [];
  c.forEach((x, i) => {
    if (typeof x !== "string") {
      errors.push(`"${key}.command[${i}]" must be a command prefix (a string), got ${_show(x)}`);
      return;
    }
    const words = parsePrefix(x);
    if (typeof words === "string") errors.push(`"${key}.command[${i}]" ${words}, got ${_show(x)}`);
    else prefixes.push(words);
  });
  return prefixes;
}

function _checkArgs(a: unknown, key: string, errors: string[]): void {
  if (!_isObject(a) || Object.keys(a).length === 0) {
    errors.push(
      `"${key}.args" must be an object of argument names to exact values such as {"path": "a.txt"}, got ${_show(a)}`,
    );
    return;
  }
  for (const [name, v] of Object.entries(a)) {
    if (v !== null && typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") {
      errors.push(`"${key}.args.${name}" must be a string, number, boolean or null (an exact value), got ${_show(v)}`);
    }
  }
}

function _checkEffect(raw: Record<string, unknown>, key: string, errors: string[]): void {
  const hasRisk = "risk" in raw;
  const hasDecision = "decision" in raw;
  if (hasRisk && hasDecision) {
    errors.push(`"${key}" has both "risk" and "decision"; a rule has one effect: write two rules`);
  } else if (!hasRisk && !hasDecision) {
    errors.push(`"${key}" needs one effect: "risk": "low"|"medium"|"high" or "decision": "ask"|"deny"`);
  }
  if (hasRisk && !(RISKS as readonly unknown[]).includes(raw.risk)) {
    errors.push(`"${key}.risk" must be "low", "medium" or "high", got ${_show(raw.risk)}`);
  }
  if (hasDecision && !(DECISIONS as readonly unknown[]).includes(raw.decision)) {
    const extra = raw.decision === "allow"
      ? ' (rules never make a decision weaker than the table: lower the risk with "risk" instead)'
      : "";
    errors.push(`"${key}.decision" must be "ask" or "deny", got ${_show(raw.decision)}${extra}`);
  }
}

function _summary(r: RuleSpec): string {
  const parts = [r.tool];
  if (r.command) parts.push(r.command.join("|"));
  if (r.path) parts.push(`path ${r.path.join(",")}`);
  if (r.args) parts.push(Object.entries(r.args).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(","));
  return parts.join(" ");
}

/** JSON-ish rendering of a value for messages, cut at 80 characters. */
function _show(v: unknown): string {
  let s: string;
  try {
    s = v === undefined ? "undefined" : JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 80 ? s.slice(0, 77) + "..." : s;
}

function _isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
