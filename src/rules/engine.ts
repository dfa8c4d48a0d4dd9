/**
 * The rule engine (SPEC §1.1): given the config's ordered rules, the tool's table risk and the call, the risk to
 * decide with, the decision floor, and which rules matched.
 *
 * - The first matching `risk` rule wins; every matching `decision` rule applies, the strictest first.
 * - A rule that **lowers** risk (below the table's) matches only when *every* path argument matches its `path` and
 *   *every* simple command of the parsed script matches one of its `command` prefixes, the script parsed cleanly,
 *   has no hazards, and every output redirection resolves: into the workspace it keeps the call at least medium
 *   (like write_file), anywhere else (or unresolvable) it stops the rule from matching.
 * - A rule that **raises** risk (or keeps it) or sets a decision matches when *any* path or simple command
 *   matches, and errs towards matching: a script that cannot be parsed, or a command whose name is only known at
 *   run time, matches it; so does a prefix whose words appear in order with options between them
 *   (`git -c x=y push` matches `git push`), and a command named by its path (`/bin/rm` matches `rm`).
 * - The built-in read-only commands (readonly.ts) apply after the config's own rules, unless
 *   `readOnlyCommands` is false.
 *
 * Pure: no I/O, no runtime APIs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateRules } from "./config.ts";
 * import { evaluateRules } from "./engine.ts";
 * const { rules } = validateRules([
 *   { tool: "run_bash", command: ["git push"], decision: "ask" },
 *   { tool: "run_bash", command: ["npm test"], risk: "low" },
 * ]);
 * const call = (cmd: string) => evaluateRules(rules, { tool: "run_bash", tableRisk: "high", args: { cmd } });
 * assert.equal(call("npm test -- --watch=false").risk, "low");
 * assert.equal(call("npm test && rm -rf dist").risk, "high");
 * assert.equal(call("grep -rn TODO src && ls src").risk, "low"); // the built-in read-only set
 * assert.equal(call("ls > listing.txt").risk, "medium"); // a write into the workspace
 * assert.equal(call("timeout 60 git --no-pager push").floor, "ask");
 * assert.equal(call("npm test").rationale, "risk=low by rules[1] (run_bash npm test)");
 * ```
 *
 * @module
 */
import type { Risk } from "../types.ts";
import type { CompiledRule } from "./config.ts";
import { checkReadOnly } from "./readonly.ts";
import { analyzeScript, type ShellAnalysis, type ShellWord, type SimpleCommand } from "./shell.ts";

/** The call the rules are judged on. */
export interface RuleCall {
  /** The tool's name. */
  readonly tool: string;
  /** The risk the tool table gives it. */
  readonly tableRisk: Risk;
  /** The call's arguments (for `args` matchers; `cmd` is the script of run_bash). */
  readonly args: Readonly<Record<string, unknown>>;
  /**
   * The call's path arguments, resolved and made workspace-relative by the caller (`a/b.txt`); null for one that
   * is outside the workspace or cannot be resolved. Absent: the tool has no path arguments.
   */
  readonly paths?: ReadonlyArray<string | null>;
  /** The script for `command` matchers and the built-in set; default: `args.cmd` of run_bash. */
  readonly script?: string;
  /** The script's analysis, when the caller has it already. */
  readonly analysis?: ShellAnalysis;
  /**
   * Resolve an output-redirection target of the script to a workspace-relative path, or null when it is outside
   * the workspace or cannot be resolved. Default: {@linkcode lexicalWorkspacePath} with no workspace root (relative
   * paths that stay inside are inside; absolute paths are unresolved). The gate should pass one that resolves
   * symlinks as the file tools do.
   */
  readonly resolveWrite?: (target: string) => string | null;
}

/** Options of {@linkcode evaluateRules}. */
export interface RuleOptions {
  /** Apply the built-in read-only commands after the config's rules (default true). */
  readonly readOnlyCommands?: boolean;
  /**
   * Lower read-only git commands (`git status|diff|log|show|…`) in the built-in set (default false). git runs
   * programs its configuration names (`core.fsmonitor`, diff drivers), so set this only when the process tools'
   * HOME is private and empty and the repository's git files are read-only to the tools (SPEC §2, issue 9); while
   * HOME is the workspace, a `write_file .gitconfig` would turn a lowered `git status` into code execution.
   */
  readonly trustGitConfig?: boolean;
}

/** One rule that matched. */
export interface RuleMatch {
  /** The rule's index in `rules`, or `"builtin"` for the built-in read-only commands. */
  readonly index: number | "builtin";
  /** `rules[2]` or `built-in read-only commands`. */
  readonly name: string;
  /** What it did: `risk=low` or `decision=deny`. */
  readonly effect: string;
  /** The rule's summary (`run_bash git status`), or for the built-in set the commands it judged. */
  readonly summary: string;
}

/** What the rules make of a call. */
export interface RuleOutcome {
  /** The risk to decide with (the table's when no risk rule matched). */
  readonly risk: Risk;
  /** The strictest decision floor of the matching decision rules, or null. */
  readonly floor: "ask" | "deny" | null;
  /** The rules that took effect: the winning risk rule (or the built-in set), then the decision rules, strictest first. */
  readonly matched: readonly RuleMatch[];
  /** For the gate's rationale: `risk=low by rules[1] (run_bash npm test)`; empty when no rule took effect. */
  readonly rationale: string;
  /** Why the script was not lowered (first reason per simple command), for `check` and the approval prompt. */
  readonly notes: readonly string[];
}

const ORDER: Record<Risk, number> = { low: 0, medium: 1, high: 2 };

function _max(a: Risk, b: Risk): Risk {
  return ORDER[a] >= ORDER[b] ? a : b;
}

/**
 * A workspace-relative path for a redirection target, judged on its text: a relative path that stays inside (after
 * `.` and `..`) is inside; an absolute path is inside when it is under `root`; anything else is null.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lexicalWorkspacePath } from "./engine.ts";
 * assert.equal(lexicalWorkspacePath("out/./a.txt"), "out/a.txt");
 * assert.equal(lexicalWorkspacePath("../x"), null);
 * assert.equal(lexicalWorkspacePath("/ws/a", "/ws"), "a");
 * assert.equal(lexicalWorkspacePath("/ws-evil/a", "/ws"), null);
 * ```
 */
export function lexicalWorkspacePath(target: string, root?: string): string | null {
  if (target === "" || target.includes("\0")) return null;
  let rel = target;
  if (target.startsWith("/")) {
    if (!root) return null;
    const r = root.replace(/\/+$/, "");
    if (target !== r && !target.startsWith(r + "/")) return null;
    rel = target.slice(r.length + 1);
  }
  const out: string[] = [];
  for (const seg of rel.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (out.length === 0) return null;
      out.pop();
    } else out.push(seg);
  }
  return out.length === 0 ? "." : out.join("/");
}

/** Every output a script writes: redirections and files named by arguments (`tee FILE`). */
interface WriteCheck {
  /** Some write goes outside the workspace or cannot be resolved: no lowering. */
  blocked: string | null;
  /** Some write goes into the workspace: at least medium. */
  intoWorkspace: boolean;
}

function _writes(
  commands: readonly SimpleCommand[],
  extra: ReadonlyArray<ReadonlyArray<string | null>>,
  cwdChanged: boolean,
  resolve: (t: string) => string | null,
): WriteCheck {
  const res: WriteCheck = { blocked: null, intoWorkspace: false };
  const judge = (target: string | null, what: string) => {
    if (res.blocked) return;
    if (target === null) {
      res.blocked = `${what} goes to a file only known at run time`;
      return;
    }
    if (cwdChanged && !target.startsWith("/")) {
      res.blocked = `${what} ${JSON.stringify(target)} is relative to a folder the script changes into`;
      return;
    }
    if (resolve(target) === null) res.blocked = `${what} ${JSON.stringify(target)} is outside the workspace`;
    else res.intoWorkspace = true;
  };
  commands.forEach((c, i) => {
    for (const r of c.redirects) if (r.kind === "write") judge(r.target, `the redirection ${r.op}`);
    for (const w of c.writes) judge(w, "a written file");
    for (const w of extra[i] ?? []) judge(w, `${c.argv[0]?.value ?? "the command"} writes a file that`);
  });
  return res;
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

/**
 * Programs that run their arguments as a command but are not looked through for lowering (they change the user, the
 * root, the namespaces or the machine, or run it later): for a rule that raises risk, a prefix may start at any of
 * their words (`sudo -u x rm -rf /` matches `rm`).
 */
export const RUNNERS: ReadonlySet<string> = new Set([
  "sudo",
  "doas",
  "su",
  "runuser",
  "setpriv",
  "chroot",
  "nsenter",
  "unshare",
  "setsid",
  "flock",
  "ionice",
  "taskset",
  "chrt",
  "prlimit",
  "watch",
  "script",
  "parallel",
  "busybox",
  "strace",
  "ltrace",
  "ssh",
  "docker",
  "podman",
  "kubectl",
  "firejail",
  "bwrap",
  "systemd-run",
  "at",
  "batch",
]);

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

interface Ctx {
  readonly call: RuleCall;
  readonly script: string | undefined;
  analysis: ShellAnalysis | undefined;
  readonly resolve: (t: string) => string | null;
}

function _analysis(ctx: Ctx): ShellAnalysis | undefined {
  if (ctx.analysis === undefined && ctx.script !== undefined) ctx.analysis = analyzeScript(ctx.script);
  return ctx.analysis;
}

/** Whether a rule matches, and for a lowering rule whether a workspace write keeps the call at least medium. */
function _matches(rule: CompiledRule, ctx: Ctx, lowering: boolean): { hit: boolean; atLeastMedium: boolean } {
  const miss = { hit: false, atLeastMedium: false };
  if (!rule.matchTool(ctx.call.tool)) return miss;
  if (!_argsMatch(rule, ctx.call.args)) return miss;
  if (rule.matchPath) {
    const paths = ctx.call.paths ?? [];
    if (paths.length === 0) return miss;
    if (lowering) {
      if (!paths.every((p) => p !== null && rule.matchPath!(p))) return miss;
    } else if (!paths.some((p) => p !== null && rule.matchPath!(p))) return miss;
  }
  if (!rule.prefixes) return { hit: true, atLeastMedium: false };
  const a = _analysis(ctx);
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
  const w = _writes(a.commands, [], a.cwdChanged, ctx.resolve);
  if (w.blocked) return miss;
  return { hit: true, atLeastMedium: w.intoWorkspace };
}

/** The built-in read-only set: the risk it gives (low, or medium for workspace writes), or why it does not apply. */
export function builtinReadOnly(
  analysis: ShellAnalysis,
  resolve: (t: string) => string | null = (t) => lexicalWorkspacePath(t),
  trustGitConfig = false,
): { risk: Risk | null; notes: string[]; names: string[] } {
  const notes: string[] = [];
  if (!analysis.ok) return { risk: null, notes: [`the script cannot be parsed: ${analysis.errors[0]}`], names: [] };
  if (analysis.commands.length === 0) return { risk: null, notes: ["the script runs no command"], names: [] };
  for (const h of analysis.hazards) notes.push(h);
  const writes: Array<ReadonlyArray<string | null>> = [];
  const names: string[] = [];
  for (const c of analysis.commands) {
    const v = checkReadOnly(c);
    writes.push(v.writes);
    if (!v.readOnly) notes.push(v.reason);
    else if (c.argv[0]?.value === "git" && !trustGitConfig) {
      notes.push("git runs programs named in its configuration, which is not known to be out of the agent's reach");
    } else if (c.argv[0]?.value === "git" && analysis.cwdChanged) {
      notes.push("git after a change of folder may read another repository's configuration, which can run programs");
    }
    const n = c.argv[0]?.value;
    if (n && !names.includes(n)) names.push(n);
  }
  if (notes.length > 0) return { risk: null, notes, names };
  const w = _writes(analysis.commands, writes, analysis.cwdChanged, resolve);
  if (w.blocked) return { risk: null, notes: [w.blocked], names };
  return { risk: w.intoWorkspace ? "medium" : "low", notes: [], names };
}

/**
 * Judge a call by the rules. `rules` come from {@linkcode import("./config.ts").validateRules}.
 */
export function evaluateRules(
  rules: readonly CompiledRule[],
  call: RuleCall,
  options: RuleOptions = {},
): RuleOutcome {
  const cmd = call.args.cmd;
  const script = call.script ?? (call.tool === "run_bash" && typeof cmd === "string" ? cmd : undefined);
  const ctx: Ctx = {
    call,
    script,
    analysis: call.analysis,
    resolve: call.resolveWrite ?? ((t) => lexicalWorkspacePath(t)),
  };
  let risk: Risk = call.tableRisk;
  let riskMatch: RuleMatch | null = null;
  const floors: RuleMatch[] = [];
  let floor: "ask" | "deny" | null = null;
  for (const rule of rules) {
    const { spec } = rule;
    if (spec.decision) {
      if (_matches(rule, ctx, false).hit) {
        floors.push({
          index: rule.index,
          name: `rules[${rule.index}]`,
          effect: `decision=${spec.decision}`,
          summary: rule.summary,
        });
        if (spec.decision === "deny" || floor === null) floor = spec.decision;
      }
      continue;
    }
    if (riskMatch || !spec.risk) continue;
    const lowering = ORDER[spec.risk] < ORDER[call.tableRisk];
    const m = _matches(rule, ctx, lowering);
    if (!m.hit) continue;
    risk = m.atLeastMedium ? _max(spec.risk, "medium") : spec.risk;
    riskMatch = {
      index: rule.index,
      name: `rules[${rule.index}]`,
      effect: `risk=${risk}`,
      summary: rule.summary + (risk !== spec.risk ? " (writes into the workspace)" : ""),
    };
  }
  let notes: string[] = [];
  if (!riskMatch && options.readOnlyCommands !== false && script !== undefined && call.tableRisk !== "low") {
    const a = _analysis(ctx)!;
    const b = builtinReadOnly(a, ctx.resolve, options.trustGitConfig === true);
    if (b.risk !== null && ORDER[b.risk] < ORDER[call.tableRisk]) {
      risk = b.risk;
      riskMatch = {
        index: "builtin",
        name: "built-in read-only commands",
        effect: `risk=${risk}`,
        summary: b.names.join(", ") + (b.risk === "medium" ? "; writes into the workspace" : ""),
      };
    } else notes = b.notes;
  }
  floors.sort((a, b) => (a.effect === b.effect ? 0 : a.effect === "decision=deny" ? -1 : 1));
  const matched = [...(riskMatch ? [riskMatch] : []), ...floors];
  const parts: string[] = [];
  if (riskMatch) parts.push(`${riskMatch.effect} by ${riskMatch.name} (${riskMatch.summary})`);
  for (const f of floors) {
    parts.push(`${f.effect === "decision=deny" ? "deny" : "at least ask"} by ${f.name} (${f.summary})`);
  }
  return { risk, floor, matched, rationale: parts.join("; "), notes: [...new Set(notes)] };
}
