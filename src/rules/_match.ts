/**
 * Private helper of the rule engine: whether one rule matches a call. A rule that lowers risk must match
 * everything (every path, every simple command, a clean parse, no hazards, writes that resolve); one that raises
 * risk or sets a decision matches when anything does, and errs towards matching.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateRules } from "./config.ts";
 * import { ruleMatches } from "./_match.ts";
 * import { lexicalWorkspacePath } from "./workspace_path.ts";
 * const [rule] = validateRules([{ tool: "run_bash", command: ["rm"], decision: "deny" }]).rules;
 * const ctx = (script: string) => ({
 *   tool: "run_bash", args: { cmd: script }, script, analysis: undefined, resolve: (t: string) => lexicalWorkspacePath(t),
 * });
 * assert.equal(ruleMatches(rule!, ctx("sudo -u x /bin/rm -rf /"), false).hit, true);
 * assert.equal(ruleMatches(rule!, ctx("ls"), false).hit, false);
 * ```
 *
 * @module
 */
import type { CompiledRule } from "./config.ts";
import { RUNNERS } from "./runners.ts";
import { analyzeScript } from "./shell.ts";
import type { ShellAnalysis, ShellWord, SimpleCommand } from "./shell_types.ts";
import { judgeWrites } from "./_writes.ts";

/**
 * A path the call acts on, workspace-relative (null: outside the workspace or unresolvable). A plain string is that
 * path alone; `below` says the call also acts on the paths under it, that many names down (`Infinity`: the whole
 * tree, as delete_dir; 1: the folder's entries, as list_dir).
 */
export type RulePath = string | null | { readonly path: string | null; readonly below: number };

/** The call as the matchers see it; the script's analysis is made on first use and kept. */
export interface MatchContext {
  /** The tool's name. */
  readonly tool: string;
  /** The call's arguments. */
  readonly args: Readonly<Record<string, unknown>>;
  /** The paths the call acts on (null: outside or unresolvable); absent: none. */
  readonly paths?: ReadonlyArray<RulePath> | undefined;
  /** The script, when the call has one. */
  readonly script: string | undefined;
  /** The script's analysis, once made. */
  analysis: ShellAnalysis | undefined;
  /** Resolves an output-redirection target to a workspace-relative path, or null. */
  readonly resolve: (t: string) => string | null;
}

/** The analysis of the call's script (made once), or undefined when it has none. */
export function analysisOf(ctx: MatchContext): ShellAnalysis | undefined {
  if (ctx.analysis === undefined && ctx.script !== undefined) ctx.analysis = analyzeScript(ctx.script);
  return ctx.analysis;
}

/** A simple command matches a prefix for lowering: literal words, the exact name, nothing in front. */
function _lowerMatch(c: SimpleCommand, prefix: readonly string[]): boolean {
  if (c.dynamic || c.assignments.length > 0) return false;
  if (prefix.length > c.argv.length) return false;
  for (let i = 0; i < prefix.length; i++) if (c.argv[i]!.value !== prefix[i]) return false;
  return true;
}

function _basename(v: string): string {
  return v.slice(v.lastIndexOf("/") + 1);
}

/** A simple command matches a prefix for raising: the name (or its basename), then the words in order. */
function _raiseMatchWords(argv: readonly ShellWord[], prefix: readonly string[]): boolean {
  const head = argv[0];
  if (!head || prefix.length === 0) return false;
  if (head.value !== null && head.value !== prefix[0] && _basename(head.value) !== prefix[0]) return false;
  let k = 1;
  for (let i = 1; i < argv.length && k < prefix.length; i++) {
    const v = argv[i]!.value;
    if (v === null || v === prefix[k]) k++;
  }
  return k === prefix.length;
}

function _raiseMatch(c: SimpleCommand, prefix: readonly string[]): boolean {
  if (c.dynamic) return true;
  if (_raiseMatchWords(c.argv, prefix) || _raiseMatchWords(c.raw, prefix)) return true;
  const head = c.argv[0]?.value;
  if (head && RUNNERS.has(_basename(head))) {
    for (let k = 1; k < c.argv.length; k++) if (_raiseMatchWords(c.argv.slice(k), prefix)) return true;
  }
  return false;
}

function _argsMatch(rule: CompiledRule, args: Readonly<Record<string, unknown>>): boolean {
  const want = rule.spec.args;
  if (!want) return true;
  for (const [k, v] of Object.entries(want)) {
    if (!Object.hasOwn(args, k) || args[k] !== v) return false;
  }
  return true;
}

/** Whether a rule matches, and for a lowering rule whether a workspace write keeps the call at least medium. */
export function ruleMatches(
  rule: CompiledRule,
  ctx: MatchContext,
  lowering: boolean,
): { hit: boolean; atLeastMedium: boolean } {
  const miss = { hit: false, atLeastMedium: false };
  if (!rule.matchTool(ctx.tool)) return miss;
  if (!_argsMatch(rule, ctx.args)) return miss;
  const m = rule.matchPath;
  if (m) {
    const paths = ctx.paths ?? [];
    if (paths.length === 0) return miss;
    if (lowering) {
      // every path the call touches must match: for a tree, the folder and everything a negation could take out
      const all = (p: RulePath) =>
        p !== null && (typeof p === "string" ? m(p) : p.path !== null && m.matchesAllBelow(p.path, p.below));
      if (!paths.every(all)) return miss;
    } else {
      // one path the call touches is enough: for a tree, anything below the folder the patterns may match
      const any = (p: RulePath) =>
        p !== null && (typeof p === "string" ? m(p) : p.path !== null && m.mayMatchBelow(p.path, p.below));
      if (!paths.some(any)) return miss;
    }
  }
  if (!rule.prefixes) return { hit: true, atLeastMedium: false };
  const a = analysisOf(ctx);
  if (!a) return miss;
  const prefixes = rule.prefixes;
  if (!lowering) {
    if (!a.ok) return { hit: true, atLeastMedium: false };
    return { hit: a.commands.some((c) => prefixes.some((p) => _raiseMatch(c, p))), atLeastMedium: false };
  }
  if (!a.ok || a.hazards.length > 0 || a.commands.length === 0) return miss;
  for (const c of a.commands) {
    if (c.assignments.length > 0) return miss; // `BASH_ENV=… bash -c`, `PATH=… npm test`
    if (c.lookedThrough) continue; // `bash -c '…'`: its own commands follow and are judged
    if (c.argv.length === 0) {
      if (c.assignments.length > 0) return miss; // `PATH=… ` on its own line
      continue; // a bare redirection: judged as a write below
    }
    if (!prefixes.some((p) => _lowerMatch(c, p))) return miss;
  }
  const w = judgeWrites(a.commands, [], a.cwdChanged, ctx.resolve);
  if (w.blocked) return miss;
  return { hit: true, atLeastMedium: w.intoWorkspace };
}
