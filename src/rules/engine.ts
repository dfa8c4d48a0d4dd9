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
 *   (`git -c x=y push` matches `git push`), short options as a set (`rm -rf` matches `rm -fr`, `rm -r -f`), and a
 *   command named by its path (`/bin/rm` matches `rm`).
 * - For a script (run_bash), `path` matchers of rules that raise risk or set a floor see every literal path the
 *   script names (its words and redirection targets, resolved like redirections); when some word is only known at
 *   run time (`cat $f`, a glob, xargs input, a change of folder, a program that opens files its words do not name:
 *   jq `import`, awk `ARGV`, `@file`, git pathspec globs and magic), such a floor gives at least ask — never deny,
 *   as `cat $f` or `grep -r x .` may well not touch it — and for a deny floor that ask is never answered by a
 *   remembered approval of the whole tool. A path rule never lowers a script.
 * - A `command` floor matches, with its own decision, a command whose run-time words could complete its prefix
 *   (`rm $x`, the arguments xargs adds: `xargs rm < opts` under `rm -rf` is denied), option synonyms read through
 *   one table (_match.ts `SYNONYMS`: `rm -R --force` for `rm -rf`, `git push -f` for `--force`), and the commands
 *   a program runs from its own arguments (_embedded.ts: git `-c` aliases and command settings, `submodule
 *   foreach`, `rebase --exec`, sed `e`, awk `system("…")`, tar checkpoint actions): extracted ones are parsed and
 *   judged; one that cannot be extracted could run anything, so every command floor applies with its decision.
 *   So does code bash evaluates where the parse shows a word (arithmetic on variables, subscripts, `printf -v`,
 *   `declare -n`, `alias`, `BASH_ENV=`; _evaluated.ts) and code given to interpreters (`python -c`, `vim -c`).
 * - A command that runs the project's code (`npm test`, `make all`, `python3 x.py`: project_checks.ts
 *   `runsProjectCode`) may meet every command and path deny floor: asked (never answered by a remembered approval of
 *   the tool), and past a deny floor on commands or paths a built-in project check is not lowered. So may other code
 *   the gate cannot see (_unseen.ts, red team 7): a command word that is a path (`./s.sh`), a program not known to be
 *   inert (`node s.js`, `rake`), a variable handed to programs whose name is not inert (`GIT_CONFIG_PARAMETERS=…`,
 *   `export PATH=.`; every command floor), a program that is no known wrapper with a floor's words after it
 *   (`valgrind rm -rf x`; every command floor), and under a path floor a literal read after a command that may
 *   create links in the same call (`tar xf t.tar && cat h`).
 * - A lowering rule never matches a command whose options run code or change what the program runs (`git -c`,
 *   `--config-env`, `--exec-path`, sed `e`/`-f`, awk `system`/pipes, tar checkpoint actions, `find -exec`; also
 *   such a program given words only known at run time where such an option could hide).
 * - The built-in read-only commands (readonly.ts, builtin_readonly.ts) apply after the config's own rules, unless
 *   `readOnlyCommands` is false. With `projectChecks` (the caller's word that run_bash runs in the bubblewrap
 *   sandbox without network), the built-in project checks (project_checks.ts: `npm test`, `npx tsc --noEmit`, …)
 *   join them: a script whose every simple command is read-only or a project check, writing nowhere outside the
 *   workspace, is medium. SPEC §1.1 is silent on this extension (README, "project checks").
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
 * const checks = (cmd: string) => evaluateRules([], { tool: "run_bash", tableRisk: "high", args: { cmd } }, { projectChecks: true });
 * assert.equal(checks("npx tsc --noEmit && npm run lint").rationale, "risk=medium by built-in project checks (npx tsc, npm run lint; sandboxed without network)");
 * assert.equal(checks("npm run clean").risk, "high");
 * ```
 *
 * @module
 */
import type { Risk } from "../types.ts";
import { builtinReadOnly } from "./builtin_readonly.ts";
import type { CompiledRule } from "./config.ts";
import { analysisOf, type MatchContext, ruleMatches, type RulePath } from "./_match.ts";
import type { ShellAnalysis } from "./shell_types.ts";
import type { PathFacts } from "./path_facts.ts";
import { lexicalWorkspacePath } from "./workspace_path.ts";

/** The call the rules are judged on. */
export interface RuleCall {
  /** The tool's name. */
  readonly tool: string;
  /** The risk the tool table gives it. */
  readonly tableRisk: Risk;
  /** The call's arguments (for `args` matchers; `cmd` is the script of run_bash). */
  readonly args: Readonly<Record<string, unknown>>;
  /**
   * The paths the call acts on, resolved and made workspace-relative by the caller (`a/b.txt`) as the tool will
   * resolve them (copy_file into a folder: the file it creates); null for one that is outside the workspace or
   * cannot be resolved; `{ path, below }` for a call that acts on the tree under a folder (delete_dir). Absent: the
   * tool has no path arguments.
   */
  readonly paths?: ReadonlyArray<RulePath>;
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
  /**
   * What the file system says of the script's paths, for its `path` floors (path_facts.ts: hard links, links a
   * recursive reader follows, whether there is a git repository). Absent: links are judged only as `resolveWrite`
   * resolves the words, and a repository is assumed.
   */
  readonly facts?: PathFacts;
  /**
   * Other tool names the call stands for, for matching rules' `tool` globs: hook mode judges Claude Code's `Bash`
   * as `run_bash` too, its `Read` as `read_file` (hook/risk.ts `SERVE_EQUIVALENT`), so a config written for serve
   * holds there.
   */
  readonly aliases?: readonly string[];
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
  /**
   * Take the built-in project checks (`npm test`, `npm run lint`, `npx tsc`, `cargo test`, …; project_checks.ts) as
   * medium instead of high (default false). They run the project's code, which the agent can change, so set this
   * only where run_bash runs in the bubblewrap sandbox with the network off: there that code reaches the workspace
   * and nothing else. Needs `readOnlyCommands` (the checks are judged with the read-only set). Implies `contained`.
   */
  readonly projectChecks?: boolean;
  /**
   * The host fact that the script's commands are contained: run_bash runs in the bubblewrap sandbox, where paths
   * outside the workspace are not visible, writes outside are impossible and git's files are read-only views (the
   * gate passes it from the sandbox's layers, the fact `projectChecks` is made of, without the network part).
   * Default false, as in hook mode, where the agent's own shell runs on the host: there a script is lowered (by the
   * built-in set or a rule) only when every path it may read is literal and resolves inside the workspace
   * (_reads.ts), and never when it writes a file the host runs (host_config.ts).
   */
  readonly contained?: boolean;
}

/** One rule that matched. */
export interface RuleMatch {
  /** The rule's index in `rules`, or `"builtin"` for the built-in read-only commands or project checks. */
  readonly index: number | "builtin";
  /** `rules[2]`, `built-in read-only commands` or `built-in project checks`. */
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

/**
 * In a floor's summary: a `deny` floor that may apply (a path only known at run time), asked instead. A remembered
 * approval of the whole tool (`remember: "tool"`) never answers such a call: the person is asked every time.
 */
export const DENY_MAY_APPLY = "deny floor may apply";

/** `resolve` asked once per target in a call (the path matchers and the write check ask for the same words). */
function _memo(resolve: (t: string) => string | null): (t: string) => string | null {
  const seen = new Map<string, string | null>();
  return (t) => {
    let r = seen.get(t);
    if (r === undefined && !seen.has(t)) {
      r = resolve(t);
      seen.set(t, r);
    }
    return r ?? null;
  };
}

function _max(a: Risk, b: Risk): Risk {
  return ORDER[a] >= ORDER[b] ? a : b;
}

/**
 * Judge a call by the rules. `rules` come from `validateRules` (config.ts).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateRules } from "./config.ts";
 * import { evaluateRules } from "./engine.ts";
 * const { rules } = validateRules([
 *   { tool: "write_file", path: ["docs/**"], risk: "low" },
 *   { tool: "write_file", path: [".github/**"], decision: "deny" },
 * ]);
 * const write = (...paths: string[]) => evaluateRules(rules, { tool: "write_file", tableRisk: "medium", args: {}, paths });
 * assert.equal(write("docs/a.md").risk, "low");
 * assert.equal(write("docs/a.md", "src/b.ts").risk, "medium"); // lowering needs every path
 * assert.equal(write("docs/a.md", ".github/ci.yml").floor, "deny"); // a decision needs one
 * ```
 */
export function evaluateRules(
  rules: readonly CompiledRule[],
  call: RuleCall,
  options: RuleOptions = {},
): RuleOutcome {
  const cmd = call.args.cmd;
  const script = call.script ?? (call.tool === "run_bash" && typeof cmd === "string" ? cmd : undefined);
  const ctx: MatchContext = {
    tool: call.tool,
    args: call.args,
    paths: call.paths,
    script,
    analysis: call.analysis,
    resolve: _memo(call.resolveWrite ?? ((t) => lexicalWorkspacePath(t))),
    facts: call.facts,
    contained: options.contained === true || options.projectChecks === true,
    aliases: call.aliases ?? [],
  };
  let risk: Risk = call.tableRisk;
  let riskMatch: RuleMatch | null = null;
  const floors: RuleMatch[] = [];
  let floor: "ask" | "deny" | null = null;
  for (const rule of rules) {
    const { spec } = rule;
    if (spec.decision) {
      const m = ruleMatches(rule, ctx, false);
      if (m.hit) {
        // a path floor the script may meet only at run time (`cat $f`): at least ask; for a deny floor the summary
        // says so ({@linkcode DENY_MAY_APPLY}), and a remembered approval of the whole tool does not answer it
        const decision = m.maybe !== null ? "ask" : spec.decision;
        const may = m.maybe !== null
          ? ` (${spec.decision === "deny" ? DENY_MAY_APPLY : "may apply"}: ${m.maybe})`
          : m.because !== undefined
          ? ` (${m.because}, which may run what the rule names)`
          : "";
        floors.push({
          index: rule.index,
          name: `rules[${rule.index}]`,
          effect: `decision=${decision}`,
          summary: rule.summary + may,
        });
        if (decision === "deny" || floor === null) floor = decision;
      }
      continue;
    }
    if (riskMatch || !spec.risk) continue;
    const lowering = ORDER[spec.risk] < ORDER[call.tableRisk];
    const m = ruleMatches(rule, ctx, lowering);
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
    const a = analysisOf(ctx)!;
    const b = builtinReadOnly(a, ctx.resolve, {
      trustGitConfig: options.trustGitConfig === true,
      projectChecks: options.projectChecks === true,
      contained: ctx.contained === true,
      ...(ctx.facts ? { facts: ctx.facts } : {}),
    });
    // a project check runs code nobody inspected: past a deny floor on commands or paths (which then may apply,
    // above) it is not lowered, so the fatigue never allows it where the operator said "never" (red team 6, F1)
    const denyFloor = b.checks.length > 0
      ? floors.find((f) => {
        const r = rules.find((x) => x.index === f.index);
        return r?.spec.decision === "deny" && (r.prefixes !== null || r.matchPath !== null);
      })
      : undefined;
    if (denyFloor) {
      notes = [
        `${b.checks.join(", ")} runs the project's code, which may meet ${denyFloor.name} (${
          rules.find((x) => x.index === denyFloor.index)!.summary
        }): not lowered, and asked every time`,
      ];
    } else if (b.risk !== null && ORDER[b.risk] < ORDER[call.tableRisk]) {
      risk = b.risk;
      riskMatch = b.checks.length > 0
        ? {
          index: "builtin",
          name: "built-in project checks",
          effect: `risk=${risk}`,
          summary: [...b.checks, ...b.names].join(", ") + "; sandboxed without network",
        }
        : {
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
