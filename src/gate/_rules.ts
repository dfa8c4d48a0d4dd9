/**
 * Private helper of the gate: the rules of SPEC §1.1 applied to one call. {@linkcode judgeCall} runs the rule engine
 * (`rules/`) on the call, with its path arguments and its script's redirection targets resolved as the file tools
 * resolve them; {@linkcode applyRules} crosses the rules' risk and floor with the policy's verdict and writes the
 * rationale: `risk=low by rules[2] (run_bash git status); risk=low fatigue=0.12 (…) policy=default -> allow`.
 *
 * @module
 */
import { statSync } from "node:fs";
import { isAbsolute, join, posix } from "node:path";
import { fileCallTargets } from "../fileops/targets.ts";
import type { Workspace } from "../fileops/workspace.ts";
import {
  type CompiledRule,
  evaluateRules,
  objectStorePath,
  pathOfValue,
  type RuleMatch,
  type RuleOutcome,
  type RulePath,
} from "../rules/mod.ts";
import type { Decision, Risk, RuleHit } from "../types.ts";
import type { RegisteredTool } from "./tool.ts";
import { linkedElsewhere, workspaceFacts } from "./_path_facts.ts";
import { pathReadings } from "./_path_readings.ts";

/** How the rules are applied (the executor's options). */
export interface RulesSetup {
  /** The config's rules, compiled. */
  readonly rules: readonly CompiledRule[];
  /** Apply the built-in read-only commands to run_bash (default on). */
  readonly readOnlyCommands: boolean;
  /** Lower read-only git commands: only where process tools cannot meet a git configuration the agent wrote. */
  readonly trustGitConfig: () => boolean;
  /**
   * Take the built-in project checks (`npm test`, `npx tsc`, …) as medium: only where run_bash runs in the
   * bubblewrap sandbox with the network off (and the config does not say `"projectChecks": false`).
   */
  readonly projectChecks: () => boolean;
  /**
   * run_bash runs contained: under the bubblewrap sandbox, which shows it only the workspace (the host fact
   * `projectChecks` needs too, without the network part). Else a script is lowered only when what it may read is
   * literal and inside the workspace (rules/engine.ts `contained`).
   */
  readonly contained: () => boolean;
}

/** A matched rule as the gate line, the result and `check` show it. */
export type MatchedRule = RuleHit;

/**
 * The rules' view of a call: what they make of it (risk, floor, matches), or null when no rule can apply (no
 * rules, and not a script for the built-in set), which costs nothing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * import { Workspace } from "../fileops/workspace.ts";
 * import { validateRules } from "../rules/mod.ts";
 * import { judgeCall } from "./_rules.ts";
 * const ws = Workspace.open(mkdtempSync(join(tmpdir(), "ws-")));
 * const setup = { rules: validateRules([{ tool: "write_file", path: ["docs/**"], risk: "low" }]).rules, readOnlyCommands: true, trustGitConfig: () => false, projectChecks: () => false, contained: () => true };
 * const write = { name: "write_file", risk: "medium" as const, fn: () => null, pathArgs: ["path"] };
 * assert.equal(judgeCall(setup, write, { path: "docs/a.md" }, ws)?.risk, "low");
 * assert.equal(judgeCall(setup, write, { path: "../docs/a.md" }, ws)?.risk, "medium");
 * const bash = { name: "run_bash", risk: "high" as const, fn: () => null };
 * assert.equal(judgeCall(setup, bash, { cmd: "ls -la | wc -l" }, ws)?.risk, "low");
 * assert.equal(judgeCall(setup, bash, { cmd: "npm test" }, ws)?.risk, "high");
 * const sandboxed = { ...setup, projectChecks: () => true }; // run_bash under bwrap, network off
 * assert.equal(judgeCall(sandboxed, bash, { cmd: "npm test" }, ws)?.risk, "medium");
 * assert.equal(judgeCall({ ...sandboxed, readOnlyCommands: false }, bash, { cmd: "npm test" }, ws)?.risk, "high");
 * ```
 */
export function judgeCall(
  setup: RulesSetup,
  tool: RegisteredTool,
  args: Record<string, unknown>,
  workspace: Workspace,
): RuleOutcome | null {
  // run_python's code is what `python3 -c CODE` in run_bash would be: code the gate cannot read, which meets every
  // command floor and may meet every path floor its tool glob reaches (red team 7, F14); nothing lowers it
  const python = tool.name === "run_python" && typeof args.code === "string";
  if (python) {
    if (!setup.rules.some((r) => r.matchTool(tool.name))) return null;
    return evaluateRules(setup.rules, {
      tool: tool.name,
      tableRisk: tool.risk,
      args,
      script: `python3 -c ${_shellQuote(args.code as string)}`,
      resolveWrite: (target) => _relative(workspace, target),
    }, { readOnlyCommands: false, trustGitConfig: false, contained: setup.contained() });
  }
  const script = tool.name === "run_bash" && typeof args.cmd === "string";
  if (setup.rules.length === 0 && !(script && setup.readOnlyCommands)) return null;
  if (setup.rules.length > 0 && !script && !setup.rules.some((r) => r.matchTool(tool.name))) return null;
  const names = tool.pathArgs ?? [];
  // an upstream tool's arguments are read only for a rule that reads paths (every string leaf may be one)
  const readsPaths = tool.pathLike === true &&
    setup.rules.some((r) => r.spec.path !== undefined && r.matchTool(tool.name));
  let paths: RulePath[] | null = readsPaths ? _pathLike(workspace, args, tool.pathBases, tool.pathHomes) : null;
  if (names.length > 0) {
    // a built-in file tool: what it acts on, resolved as it will resolve it (the file a copy into a folder creates,
    // the tree delete_dir removes); another tool with path arguments: those, as written
    paths = fileCallTargets(workspace, tool.name, args) ?? paths;
    if (paths === null) {
      paths = [];
      for (const n of names) {
        const v = Object.hasOwn(args, n) ? args[n] : undefined;
        if (v !== undefined) paths.push(typeof v === "string" ? _relative(workspace, v) : null);
      }
    }
  }
  return evaluateRules(setup.rules, {
    tool: tool.name,
    tableRisk: tool.risk,
    args,
    ...(paths !== null ? { paths } : {}),
    resolveWrite: (target) => _relative(workspace, target),
    // what is on disk: links to protected files for a script's words and an upstream tool's paths
    ...(script || tool.pathLike === true ? { facts: workspaceFacts(workspace) } : {}),
  }, {
    readOnlyCommands: setup.readOnlyCommands,
    trustGitConfig: setup.trustGitConfig(),
    projectChecks: script && setup.readOnlyCommands && setup.projectChecks(),
    contained: setup.contained(),
  });
}

/**
 * What an upstream tool's arguments may reach in the workspace (red team 7, F12; red team 8, G2; red team 9, H4;
 * red team 10, J2). A server may read any string it is given as a path, whatever the argument's name, so every
 * string leaf and every object key is read by value, in every way the server may read it (_path_readings.ts: as
 * given, percent-decoded, a `file:` URL as its path, lexically normalized, `..` after links, `/proc/self/cwd` as
 * the folder it runs in, in Unicode NFC and NFKC, `~` as each of `homes`): relative ones against the workspace and
 * against each of `bases`, the folders the server resolves them in (its cwd, the folders its command line names); a glob as the folder before its first pattern character (read in part: a floor below it may
 * apply), and a string holding a JSON object or list as the strings in it. Each is a file or a folder read in part;
 * null when there is none. Paths outside the workspace are not the rules', but one inside a git object store (which
 * may hold the workspace's committed files: red team 13, L5) is read as some of the whole workspace. What the gate cannot read fully
 * (nested deeper, or more strings, than it follows; a spelling that may name any file) is the whole workspace read
 * in part: a floor may apply.
 */
function _pathLike(
  workspace: Workspace,
  args: Record<string, unknown>,
  bases: readonly string[] = [],
  homes: readonly string[] = [],
): RulePath[] | null {
  const out: RulePath[] = [];
  let budget = _MAX_LEAVES;
  let unread = false;
  // a relative base is the workspace's (a sandboxed server's folder argument): taken when it is a folder there
  bases = bases.flatMap((b) =>
    isAbsolute(b) ? [b] : _isFolder(join(workspace.root, b)) ? [join(workspace.root, b)] : []
  );
  const roots = [workspace.root, ...bases];
  const add = (p: string): void => {
    for (const base of ["", ...bases]) {
      const r = _relative(workspace, base === "" || isAbsolute(p) ? p : join(base, p));
      if (r !== null) out.push({ path: r, below: Infinity, some: true });
      // a link the server may resolve otherwise than the gate (`src/z -> /proc/self/cwd`, its own cwd or its
      // sandbox's: red team 16, N2): what it reads it as, and the whole workspace in part besides
      const other = linkedElsewhere(workspace, p, base === "" ? workspace.root : base);
      if (other !== null) {
        unread = true;
        for (const q of other.paths) out.push({ path: q, below: Infinity, some: true });
      } // a git object store outside the workspace (a linked worktree's common folder, an `alternates` target) holds
      // the workspace's committed files too (red team 13, L5): some of the whole workspace, a floor may apply
      else if (isAbsolute(p) && objectStorePath(posix.normalize(p), undefined, false) !== null) unread = true;
    }
  };
  const take = (x: string, depth: number): void => {
    if (x === "" || x.includes("\0")) return;
    const t = x.trim();
    if (t.startsWith("{") || t.startsWith("[")) {
      let inner: unknown;
      try {
        inner = JSON.parse(t);
      } catch {
        inner = undefined;
      }
      if (inner !== undefined) visit(inner, depth + 1);
    }
    const readings = pathReadings(x, roots, homes);
    if (readings.anywhere !== null) unread = true;
    for (const p0 of readings.spellings) {
      const p = pathOfValue(p0); // a file: URL as its path
      // a reading longer than a path the server can open (PATH_MAX) names no file; a long spelling may normalize
      // to a short one (`././…/secrets/k`), which is read
      if (p === null || p.length > _MAX_PATH_CHARS) continue;
      const glob = p.search(/[*?[{]/);
      if (glob >= 0) {
        // the folder the pattern starts in: what it may match is below it
        const cut = p.lastIndexOf("/", glob);
        add(cut < 0 ? "." : cut === 0 ? "/" : p.slice(0, cut));
        continue;
      }
      add(p);
    }
  };
  const visit = (v: unknown, depth: number): void => {
    if (budget-- <= 0) {
      unread = true;
      return;
    }
    if (typeof v === "string") return take(v, depth);
    if (v === null || typeof v !== "object") return;
    if (depth > _MAX_DEPTH) {
      unread = true; // nested deeper than the gate follows
      return;
    }
    if (Array.isArray(v)) { for (const x of v) visit(x, depth + 1); }
    else {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        visit(k, depth + 1); // a key may be a path too (`{"files": {"secrets/k": "…"}}`)
        visit(x, depth + 1);
      }
    }
  };
  visit(args, 0);
  if (unread) out.push({ path: ".", below: Infinity, some: true }); // not all read: the whole workspace may be
  return out.length > 0 ? out : null;
}

/** How deep, how many strings and how long a string an upstream call's arguments are read to (see _pathLike). */
const _MAX_DEPTH = 64;
const _MAX_LEAVES = 4000;
const _MAX_PATH_CHARS = 4096;

function _isFolder(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** `text` as one single-quoted shell word. */
function _shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** A path argument or redirection target as a workspace-relative path, or null when it leaves the workspace. */
function _relative(workspace: Workspace, path: string): string | null {
  try {
    return workspace.relative(workspace.resolve(path, "write"));
  } catch {
    return null;
  }
}

const STRICTNESS: Record<Decision, number> = { allow: 0, ask: 1, deny: 2 };

/** The gate's verdict once the rules are applied. */
export interface RuledVerdict {
  /** The decision: the policy's for the rules' risk, raised to the rules' floor. */
  decision: Decision;
  /** The risk decided with. */
  risk: Risk;
  /** The rules' part, then the policy's rationale, then the floor that raised the decision. */
  rationale: string;
  /** The rules that took effect. */
  rules: MatchedRule[];
}

/**
 * Cross the rules' outcome with the policy's verdict (made with the rules' risk): the floor raises the decision,
 * never lowers it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { applyRules } from "./_rules.ts";
 * const outcome = {
 *   risk: "low" as const, floor: "ask" as const, rationale: "risk=low by rules[1] (run_bash git status); at least ask by rules[0] (run_bash git push)",
 *   matched: [{ index: 1, name: "rules[1]", effect: "risk=low", summary: "run_bash git status" }, { index: 0, name: "rules[0]", effect: "decision=ask", summary: "run_bash git push" }],
 *   notes: [],
 * };
 * const v = applyRules(outcome, "high", { decision: "allow", rationale: "risk=low fatigue=0.12 policy=default -> allow" });
 * assert.equal(v.decision, "ask");
 * assert.equal(v.rationale, "risk=low by rules[1] (run_bash git status); risk=low fatigue=0.12 policy=default -> allow; at least ask by rules[0] (run_bash git push) -> ask");
 * assert.deepEqual(v.rules.map((r) => r.rule), [1, 0]);
 * ```
 */
export function applyRules(
  outcome: RuleOutcome | null,
  tableRisk: Risk,
  verdict: { decision: Decision; rationale: string },
): RuledVerdict {
  if (outcome === null || outcome.matched.length === 0) {
    return { decision: verdict.decision, risk: outcome?.risk ?? tableRisk, rationale: verdict.rationale, rules: [] };
  }
  const parts: string[] = [];
  const riskRule = outcome.matched.find((m) => m.effect.startsWith("risk="));
  if (riskRule) parts.push(`${riskRule.effect} by ${riskRule.name} (${riskRule.summary})`);
  parts.push(verdict.rationale);
  let decision = verdict.decision;
  const floor = outcome.floor;
  if (floor !== null) {
    const floors = outcome.matched.filter((m) => m.effect.startsWith("decision="));
    const words = floors.map((f) =>
      `${f.effect === "decision=deny" ? "deny" : "at least ask"} by ${f.name} (${f.summary})`
    );
    if (STRICTNESS[floor] > STRICTNESS[decision]) decision = floor;
    parts.push(`${words.join("; ")} -> ${decision}`);
  }
  return { decision, risk: outcome.risk, rationale: parts.join("; "), rules: outcome.matched.map(_shown) };
}

function _shown(m: RuleMatch): MatchedRule {
  return { rule: m.index, effect: m.effect, summary: m.summary };
}
