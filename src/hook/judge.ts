/**
 * The gate's decision on one of an agent's own tool calls (SPEC §1, §1.1, §9): the tool's risk from the agent's
 * built-in table (risk.ts), or from the config's `tools` entry of that name (a tool the agent runs itself:
 * `{"run": "client", "risk": …}`); then the config's `rules` with the agent's tool name (`"tool": "Bash"`), the
 * `command` matcher reading the shell command and `path` the file path (resolved from the folder the agent runs the
 * call in, made relative to the project's root, as the file tools resolve paths: a path outside it never lowers a
 * risk), and the built-in read-only commands for shell calls; a shell call left below high whose writes reach a file
 * the host runs is high again (as a file tool's write of it); then the policy with the session's fatigue.
 *
 * git commands are never lowered here (`trustGitConfig` off): the agent's shell runs with the user's own HOME and
 * the repository's `.git` writable, so a lowered `git status` could run a `core.fsmonitor` an earlier call wrote.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { compileHookRules, judgeAgentCall } from "./judge.ts";
 * import { DefaultPolicy } from "../gate/policy.ts";
 * import { SessionMetrics } from "../gate/metrics.ts";
 * const cwd = mkdtempSync(join(tmpdir(), "judge-"));
 * const setup = { rules: compileHookRules([{ tool: "Bash", command: ["npm test"], risk: "low" }]), readOnlyCommands: true, tools: {}, policy: new DefaultPolicy() };
 * const fresh = new SessionMetrics({}, () => 0).snapshot();
 * const v = await judgeAgentCall("claude-code", "Bash", { command: "npm test" }, cwd, setup, fresh);
 * assert.deepEqual([v.tableRisk, v.risk, v.decision], ["high", "low", "allow"]);
 * assert.equal((await judgeAgentCall("claude-code", "Bash", { command: "rm -rf x" }, cwd, setup, fresh)).decision, "ask");
 * rmSync(cwd, { recursive: true });
 * ```
 *
 * @module
 */
import { realpathSync, statSync } from "node:fs";
import { basename, join, posix } from "node:path";
import { Workspace } from "../fileops/workspace.ts";
import { checkProtected } from "../fileops/git_protected.ts";
import { inspectGit } from "../git/dirs.ts";
import { isWithin, lstatOrNull } from "../_util/paths.ts";
import { applyRules } from "../gate/_rules.ts";
import { pathReadings } from "../gate/_path_readings.ts";
import { linkedElsewhere, workspaceFacts } from "../gate/_path_facts.ts";
import { decide } from "../gate/_steps.ts";
import type { MetricsSnapshot } from "../gate/metrics.ts";
import type { GatePolicy } from "../gate/policy.ts";
import {
  analyzeScript,
  type CompiledRule,
  evaluateRules,
  hostRunsConfig,
  objectStorePath,
  type RuleOutcome,
  type RulePath,
  type ShellAnalysis,
  validateRules,
} from "../rules/mod.ts";
import type { Decision, Risk, RuleHit } from "../types.ts";
import { agentToolRisk, gateArgs, serveEquivalent, type ToolKind, type ToolPath, toolPaths } from "./risk.ts";
import type { HookAgent } from "./types.ts";
import { agentHome, agentPath } from "./_agent_path.ts";
import { shellWrites } from "./_shell_writes.ts";

/** What the config gives the hook's gate. */
export interface HookGateSetup {
  /** The config's rules, compiled. */
  rules: readonly CompiledRule[];
  /** The built-in read-only commands apply to shell calls. */
  readOnlyCommands: boolean;
  /** The config's `tools` entries of the agent's tool names (their risk replaces the table's). */
  tools: Readonly<Record<string, { risk: Risk }>>;
  /** The policy. */
  policy: GatePolicy;
  /**
   * The home folder the agent's tools expand `~/` to (the hook's HOME); null: unknown (a `~` path then reaches
   * outside); absent: the account's.
   */
  home?: string | null;
}

/** The gate's verdict on an agent's tool call. */
export interface AgentCallVerdict {
  /** allow, ask or deny. */
  decision: Decision;
  /** The risk decided with (after the rules). */
  risk: Risk;
  /** The risk before the rules: the config's `tools` entry, else the agent's table. */
  tableRisk: Risk;
  /** What the tool does, from the agent's table. */
  kind: ToolKind;
  /** Where the table risk came from. */
  riskFrom: "config" | "table" | "unknown tool";
  /** Why, as a gate line says it. */
  rationale: string;
  /** The rules that took effect. */
  rules: RuleHit[];
  /** The call's arguments under safe-exec's names (`cmd`, `path`), as the rules read them. */
  args: Record<string, unknown>;
}

/** Compile the config's rules (already validated by the config); throws when one is wrong. */
export function compileHookRules(specs: unknown): readonly CompiledRule[] {
  const r = validateRules(specs ?? []);
  if (r.errors.length > 0) throw new TypeError(`Invalid rules: ${r.errors.join("; ")}`);
  return r.rules;
}

/**
 * `/proc/…` and `/dev/fd/…` name the process that reads them: resolved here they would be the hook's own, not the
 * agent's (`/proc/self/cwd`, `/proc/self/fd/N`), so they are never taken as inside the agent's folder.
 */
const _PROCESS_PATHS = /^\/+(proc|dev\/+fd|dev\/+std(in|out|err))(\/|$)/;

function _relative(ws: Workspace | null, p: string): string | null {
  if (ws === null || _PROCESS_PATHS.test(p)) return null;
  try {
    return ws.relative(ws.resolve(p, "write"));
  } catch {
    return null; // outside the agent's folder, or not a path: never lowered
  }
}

/** A glob's literal folders (`secrets/*.pem` → `secrets`), or `""`: the part no glob character can change. */
function _literalFolders(glob: string): string {
  const out: string[] = [];
  for (const seg of glob.split("/")) {
    if (/[*?[{\\]/.test(seg)) break;
    out.push(seg);
  }
  return out.length === glob.split("/").length ? glob : out.join("/");
}

/**
 * The paths a file or search tool call reaches, workspace-relative, for the `path` rules, each first expanded as the
 * agent expands it (`~/…` under `home`, see _agent_path.ts): a file as itself; a search's folder as "some of its
 * tree" (a floor that may match below may apply: at least ask, as `grep -r x .` in run_bash); a file pattern as its
 * literal folders (`secrets/*` → some of `secrets`), or as the file when it has no glob character; files the gate
 * cannot name as outside and as some of the whole folder (a floor may apply). Null: outside the agent's folder, or
 * not resolvable (a glob with `..`, `~name`, `$HOME`, a URL). A relative path is relative to `base`, the folder the
 * agent runs in (the event's `cwd`), which may be below the project's root the floors are anchored at (red team 9,
 * H8). Each value's other readings count too (_path_readings.ts: Unicode NFC and NFKC, `~name/…`); for an MCP
 * tool (`mcp`), a relative path that climbs out of its folder is read from a folder that deep below the project's
 * root or the agent's folder too (red team 12, K2, K3, K8).
 */
function _targets(
  ws: Workspace | null,
  paths: readonly ToolPath[],
  home: string | null,
  base: string,
  mcp = false,
): RulePath[] {
  const out: RulePath[] = [];
  const at = (p: string) => {
    const expanded = agentPath(p, home);
    return expanded === null ? null : _relative(ws, _from(base, expanded));
  };
  // the value's other readings (red team 10, J2): each that lands inside is judged too (the value as given still
  // says whether the call may leave the folder); one that may name any file is some of the whole folder
  const readings = (p: string): string[] => {
    // `~name/…`, which the agents' own tools do not expand, but a server may: that user's home, else anywhere
    const expanded = agentPath(p, home) ?? (p.startsWith("~") ? p : null);
    if (expanded === null || ws === null) return [];
    const r = pathReadings(expanded, [base, ws.root], home !== null ? [home] : []);
    // a link the tool's process may resolve otherwise than the gate (`src/z -> /proc/self/cwd`: red team 16, N2)
    const other = linkedElsewhere(ws, _from(base, expanded), _realFolder(base) ?? ws.root);
    if (r.anywhere !== null || other !== null) {
      const root = _relative(ws, ".");
      if (root !== null) out.push({ path: root, below: Infinity, some: true });
    }
    const rels: string[] = [];
    // an MCP server may resolve a relative path against folders of its own (server-filesystem's allowed folders,
    // `["src", "."]`: `../secrets/k` from `src`, red team 12, K3), which hook mode does not know: one that climbs out
    // of the folder it starts in is read from a folder that deep below the project's root or the agent's folder too
    const rest = mcp ? _climbed(expanded) : null;
    const spellings = rest === null ? r.spellings.slice(1) : [...r.spellings.slice(1), rest, `${ws.root}/${rest}`];
    for (const s of spellings) {
      const rel = _relative(ws, _from(base, s));
      if (rel !== null) rels.push(rel);
    }
    rels.push(...(other?.paths ?? []));
    return rels;
  };
  for (const p of paths) {
    if (p.kind === "file") {
      // a folder given where a file goes: the tool reads (or writes) its whole tree (Gemini's read_many_files
      // {paths: ["secrets"]}: red team 8, G5)
      const rel = at(p.value);
      const dir = rel !== null && ws !== null && (p.value.endsWith("/") || _isDir(ws, rel));
      out.push(dir ? { path: rel, below: Infinity } : rel);
      // a git object store outside the folder (a linked worktree's common folder, an `alternates` target) holds the
      // project's committed files too (red team 13, L5): some of the whole folder, a floor may apply
      const expanded = rel === null ? agentPath(p.value, home) : null;
      if (expanded !== null && objectStorePath(posix.normalize(_from(base, expanded)), undefined, false) !== null) {
        const root = _relative(ws, ".");
        if (root !== null) out.push({ path: root, below: Infinity, some: true });
      }
      for (const r of readings(p.value)) out.push(ws !== null && _isDir(ws, r) ? { path: r, below: Infinity } : r);
    } else if (p.kind === "unknown") {
      const root = _relative(ws, ".");
      out.push(null, root === null ? null : { path: root, below: Infinity, some: true });
    } else if (p.kind === "folder") {
      const dir = at(p.value);
      out.push(dir === null ? null : { path: dir, below: p.below ?? Infinity, some: true });
      for (const r of readings(p.value)) out.push({ path: r, below: p.below ?? Infinity, some: true });
    } else {
      const value = agentPath(p.value, home);
      const named = agentPath(p.folder ?? ".", home);
      const folder = named === null ? null : _from(base, named);
      if (value === null || folder === null) {
        out.push(null);
        continue;
      }
      const whole = value.startsWith("/") ? value : `${folder}/${value}`;
      // a glob with `..` may leave the folder (never lowered); its lexical readings may come back in (J2)
      const climbs = /(^|\/)\.\.(\/|$)/.test(p.value);
      if (climbs) out.push(null);
      const globs = climbs ? pathReadings(_from(base, whole), [base]).spellings.slice(1) : [whole];
      for (const glob of globs) {
        if (climbs && /(^|\/)\.\.(\/|$)/.test(glob)) continue;
        const fixed = _literalFolders(glob);
        if (fixed === glob) out.push(_relative(ws, glob));
        else {
          const dir = _relative(ws, fixed === "" ? "/" : fixed);
          out.push(dir === null ? null : { path: dir, below: Infinity, some: true });
        }
      }
    }
  }
  return out;
}

/**
 * For a relative path that climbs above the folder it starts in (`../secrets/k`, `a/../../secrets/k`), what follows
 * the climb (`secrets/k`): the path read from a folder as deep below that one as it climbs. Else null.
 */
function _climbed(p: string): string | null {
  if (p.startsWith("/")) return null;
  const kept: string[] = [];
  let out = false;
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg !== "..") kept.push(seg);
    else if (kept.length > 0) kept.pop();
    else out = true;
  }
  return out && kept.length > 0 ? kept.join("/") : null;
}

/** `p` made absolute against `base` (an absolute `p` as it is). */
function _from(base: string, p: string): string {
  return p.startsWith("/") ? p : p === "." ? base : `${base.replace(/\/+$/, "")}/${p}`;
}

/** The link count of the regular file `rel` of `root` (links followed) when it has more than one, else null. */
function _linkCount(root: string, rel: string): number | null {
  try {
    const st = statSync(rel === "." ? root : join(root, rel));
    return st.isFile() && st.nlink > 1 ? Number(st.nlink) : null;
  } catch {
    return null;
  }
}

function _isDir(ws: Workspace, rel: string): boolean {
  try {
    return statSync(rel === "." ? ws.root : join(ws.root, rel)).isDirectory();
  } catch {
    return false;
  }
}

const _FILE_KINDS: ReadonlySet<ToolKind> = new Set(["read", "search", "write", "edit"]);
const _ORDER: Readonly<Record<Risk, number>> = { low: 0, medium: 1, high: 2 };

/**
 * Why a file or search tool call is high in hook mode, where nothing contains the agent's own tools: it reaches a
 * path outside the agent's folder (`Read ~/.ssh/id_rsa`, `Grep /etc`), or it writes a file the host runs later
 * (rules/host_config.ts: `.git/**`, `.claude/settings.json`, `.envrc`, …), or a file with more than one hard link
 * (another name may be outside). Null: the table's risk holds.
 */
function _uncontained(
  kind: ToolKind,
  targets: readonly RulePath[],
  listed: readonly ToolPath[],
  ws: Workspace | null,
): string | null {
  if (!_FILE_KINDS.has(kind)) return null;
  const unknown = listed.find((p) => p.kind === "unknown");
  if (unknown !== undefined) {
    return `it writes files safe-exec cannot name (${unknown.value}), inside the agent's folder or outside`;
  }
  for (const t of targets) {
    const path = t === null || typeof t === "string" ? t : t.path;
    if (path === null) return "it reaches a path outside the agent's folder, and nothing contains the agent's tools";
    if ((kind === "write" || kind === "edit") && hostRunsConfig(path) !== null) {
      return `it writes ${JSON.stringify(path)}, which configures code the host runs (${hostRunsConfig(path)})`;
    }
  }
  if ((kind === "write" || kind === "edit") && ws !== null) {
    const files = targets.filter((t): t is string => typeof t === "string");
    const repo = _bareShape(ws.root, files);
    if (repo !== null) {
      return `it writes into ${JSON.stringify(repo)}, which it leaves shaped like a git repository (HEAD with ` +
        `objects/ and refs/, or commondir): the host's git there runs its config`;
    }
    // what serve's file tools refuse: the repository's hooks path, its fsmonitor script, included configs, the hook
    // managers' files, a nested repository's own (red team 8, G10)
    for (const f of files) {
      try {
        checkProtected(ws.root, "write_file", { path: f });
      } catch (e) {
        const why = /\(([^()]*)\); the file tools never change/.exec((e as Error).message)?.[1] ?? "git's files";
        return `it writes ${JSON.stringify(f)}, which git reads as configuration or runs as code (${why})`;
      } // serve's file tools refuse a file with more than one link: another name may be outside (red team 9, H14)
      const links = _linkCount(ws.root, f);
      if (links !== null) {
        return `it writes ${JSON.stringify(f)}, a hard link (${links} links) whose other names may be outside the ` +
          `agent's folder (pnpm's store, a snapshot), and nothing contains the agent's tools`;
      }
    }
  }
  return null;
}

/**
 * The folder (workspace-relative, `.` for the root) that the written files leave shaped like a bare repository, as
 * git's discovery takes one (`HEAD` with `objects` and `refs`, or with `commondir`), counting every file of the call
 * as written (a patch adding `sub/HEAD`, `sub/config`, `sub/objects/.keep` and `sub/refs/.keep`: red team 7, F13),
 * or null. serve's file tools refuse the same shape (fileops/git_protected.ts).
 */
function _bareShape(root: string, files: readonly string[]): string | null {
  const added = new Map<string, Set<string>>();
  for (const f of files) {
    const parts = f.split("/").filter((p) => p !== "" && p !== ".");
    for (let i = 0; i < parts.length; i++) {
      const folder = parts.slice(0, i).join("/");
      let names = added.get(folder);
      if (names === undefined) added.set(folder, names = new Set());
      names.add(parts[i]!);
    }
  }
  for (const [folder, names] of added) {
    const at = folder === "" ? root : join(root, folder);
    const has = (n: string) => names.has(n) || lstatOrNull(join(at, n)) !== null;
    if (has("HEAD") && (has("commondir") || (has("objects") && has("refs")))) return folder === "" ? "." : folder;
  }
  return null;
}

/**
 * Why writing `rel` (workspace-relative, real) hands code to the host, as a file tool's write of it is judged above:
 * a file on the host-config list (host_config.ts), or one serve's file tools refuse (fileops/git_protected.ts: git's
 * own files, the repository's hooks path, its fsmonitor script, included configs, the hook managers' files); null
 * when it is a plain file of the folder.
 */
function _hostRunWrite(ws: Workspace, rel: string): string | null {
  const listed = hostRunsConfig(rel);
  if (listed !== null) return `configures code the host runs (${listed})`;
  try {
    checkProtected(ws.root, "write_file", { path: rel });
  } catch (e) {
    const why = /\(([^()]*)\); the file tools never change/.exec((e as Error).message)?.[1] ?? "git's files";
    return `git reads it as configuration or runs it as code (${why})`;
  }
  return null;
}

/** Paths outside the folder that a write to is no write of a file (`2>/dev/null` is not even parsed as one). */
const _NO_FILE: ReadonlySet<string> = new Set(["/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty"]);

/**
 * Why a shell call may write a file the host runs (red team 9, H5): each file it may write (_shell_writes.ts) gets
 * the protection check of a file tool's write ({@linkcode _hostRunWrite}), also under the name a copy into a folder
 * gives it (`cp pre-commit .githooks/`) and, for a path that does not exist yet, as what it would create on the way
 * to a protected file (`ln -s x tools` where `core.fsmonitor` is `tools/fsmon.sh`); together the files may leave a
 * folder shaped like a repository. A write the gate cannot name (a word only known at run time, a relative path
 * after a change of folder, a path it cannot resolve) fails toward ask: the reason is given as well. Null: every
 * write is a plain file of the folder.
 */
function _hostRunShellWrite(
  a: ShellAnalysis,
  ws: Workspace | null,
  resolve: (target: string) => string | null,
): string | null {
  const writes = shellWrites(a);
  if (writes.length === 0) return null;
  if (ws === null) return "the files it writes cannot be checked: the agent's folder cannot be opened";
  let trees: string[] | undefined;
  const protectedTrees = () => (trees ??= inspectGit(ws.root, [ws.root], { submodules: false }).trees);
  const files: string[] = [];
  for (const w of writes) {
    if (w.target === null) return `${w.what} is only known at run time, so the file it writes cannot be checked`;
    if (_NO_FILE.has(w.target)) continue;
    if (a.cwdChanged && !w.target.startsWith("/")) {
      return `${w.what} ${JSON.stringify(w.target)} is relative to a folder the script changes into, so the file ` +
        `it writes cannot be checked`;
    }
    const rel = resolve(w.target);
    if (rel === null) {
      return `${w.what} ${JSON.stringify(w.target)} is outside the agent's folder or cannot be resolved, so the ` +
        `file it writes cannot be checked`;
    }
    files.push(rel);
    const real = rel === "." ? ws.root : join(ws.root, rel);
    const names = [rel];
    if (w.siblings.length > 0 && _isDir(ws, rel)) {
      for (const s of w.siblings) {
        if (basename(s) !== "") names.push(rel === "." ? basename(s) : `${rel}/${basename(s)}`);
      }
    }
    for (const n of names) {
      const why = _hostRunWrite(ws, n);
      if (why !== null) return `${w.what} writes ${JSON.stringify(n)}, which ${why}`;
    }
    if (lstatOrNull(real) === null) {
      const below = protectedTrees().find((t) => t !== real && isWithin(t, real));
      if (below !== undefined) {
        return `${w.what} creates ${JSON.stringify(rel)}, on the way to ${JSON.stringify(ws.relative(below))}, ` +
          `which git reads as configuration or runs as code`;
      }
    }
  }
  const repo = _bareShape(ws.root, files);
  if (repo !== null) {
    return `it writes into ${JSON.stringify(repo)}, which it leaves shaped like a git repository: the host's git ` +
      `there runs its config`;
  }
  return null;
}

/**
 * Why the folder the agent runs in cannot anchor its relative paths in the project (red team 9, H8): it is not an
 * absolute path, it cannot be read, or it lies outside the project's root. Null: it is the root or below it.
 */
function _strayFolder(folder: string, root: string): string | null {
  if (!folder.startsWith("/")) return `the agent's folder ${JSON.stringify(folder)} is not an absolute path`;
  let real: string;
  let top: string;
  try {
    real = realpathSync(folder);
    top = realpathSync(root);
  } catch {
    return `the agent's folder ${JSON.stringify(folder)} or the project ${JSON.stringify(root)} cannot be read`;
  }
  if (!isWithin(real, top)) {
    return `the agent's folder ${JSON.stringify(folder)} is outside the project ${JSON.stringify(root)}`;
  }
  return null;
}

/**
 * The folder a shell tool runs in (Gemini `dir_path`, Codex `workdir` and local_shell's `working_directory`, Cursor
 * `cwd`), when the input names one.
 */
function _shellFolder(input: Readonly<Record<string, unknown>>): string | null {
  for (const k of ["workdir", "working_directory", "dir_path", "cwd", "directory"]) {
    if (typeof input[k] === "string" && input[k] !== "") return input[k] as string;
  }
  return null;
}

/**
 * Judge one tool call of an agent made in `cwd` with the session's metrics now. The project's `root` (default
 * `cwd`) is where the floors and rules are anchored and what "inside the agent's folder" means; `cwd` is where the
 * agent runs the call, which its relative paths are relative to (red team 9, H8: a Claude Code session whose shell
 * is in `secrets/` after a `cd`, Cursor's `beforeShellExecution` in a subfolder). A `cwd` outside the root, or one
 * that cannot be read, makes the call at least ask.
 */
export async function judgeAgentCall(
  agent: HookAgent,
  tool: string,
  input: Readonly<Record<string, unknown>>,
  cwd: string | null,
  setup: HookGateSetup,
  snap: MetricsSnapshot,
  root: string | null = cwd,
): Promise<AgentCallVerdict> {
  const table = agentToolRisk(agent, tool);
  const configured = Object.hasOwn(setup.tools, tool) ? setup.tools[tool] : undefined;
  let tableRisk = configured?.risk ?? table.risk;
  const args = gateArgs(agent, tool, input);
  const script = table.kind === "shell" && typeof args.cmd === "string" ? args.cmd : undefined;
  const serve = serveEquivalent(agent, tool);
  const aliases = serve !== null ? [serve] : [];
  const listed = toolPaths(agent, tool, input);
  const home = setup.home !== undefined ? setup.home : await agentHome({});
  const top = root ?? cwd;
  const base = cwd ?? root ?? ".";
  let ws: Workspace | null = null;
  const open = () => {
    if (ws === null && top !== null) {
      try {
        ws = Workspace.open(top);
      } catch {
        ws = null;
      }
    }
    return ws;
  };
  // a shell tool's own folder (Gemini dir_path, Codex workdir, Cursor cwd), relative to where the agent runs;
  // expanded as the agent expands it; a folder it cannot resolve leaves every relative word unresolved
  const named = script !== undefined ? _shellFolder(input) : null;
  const expanded = named === null ? base : agentPath(named, home);
  const folder = expanded === null ? null : _from(base, expanded);
  const resolve = (target: string) =>
    target.startsWith("/")
      ? _relative(open(), target)
      : folder === null
      ? null
      : _relative(open(), _from(folder, target));
  let raised = "";
  let targets: RulePath[] = [];
  if (listed.length > 0) {
    targets = _targets(open(), listed, home, base, table.kind === "mcp");
    const why = _uncontained(table.kind, targets, listed, open());
    if (why !== null && _ORDER[tableRisk] < _ORDER.high) {
      raised = `risk=high (was ${tableRisk}): ${why}; `;
      tableRisk = "high";
    }
  }
  const analysis: ShellAnalysis | undefined = script !== undefined ? analyzeScript(script) : undefined;
  let outcome: RuleOutcome | null = null;
  let failed = "";
  const applies = setup.rules.some((r) => r.matchTool(tool) || aliases.some((a) => r.matchTool(a)));
  if (applies || (script !== undefined && setup.readOnlyCommands)) {
    try {
      const w = open();
      outcome = evaluateRules(setup.rules, {
        tool,
        tableRisk,
        args,
        ...(targets.length > 0 ? { paths: targets } : {}),
        ...(script !== undefined && analysis !== undefined ? { script, analysis } : {}),
        resolveWrite: resolve,
        aliases,
        // what is on disk: links to protected files, whether the folder is a repository (red team 6, F4)
        // (a link to /proc/self/cwd leads to the folder the script runs in: red team 16, N2)
        ...(w !== null ? { facts: workspaceFacts(w, _realFolder(folder) ?? w.root) } : {}),
      }, { readOnlyCommands: setup.readOnlyCommands, trustGitConfig: false, contained: false });
    } catch (e) {
      failed = `rules failed (${(e as Error)?.message ?? String(e)}), the tool's risk kept; `;
    }
  }
  // a shell call the rules, the built-in set or the config's `tools` entry left below high: what it writes gets the
  // protection check of a file tool's write (red team 9, H5)
  const lowered = outcome?.risk ?? tableRisk;
  if (analysis !== undefined && _ORDER[lowered] < _ORDER.high) {
    let why: string | null;
    try {
      why = _hostRunShellWrite(analysis, open(), resolve);
    } catch (e) {
      why = `the files it writes could not be checked (${(e as Error)?.message ?? String(e)})`;
    }
    if (why !== null) {
      const by = outcome?.matched.find((m) => m.effect.startsWith("risk="));
      raised += `risk=high (not lowered to ${lowered}${by !== undefined ? ` by ${by.name} (${by.summary})` : ""}): ` +
        `${why}; `;
      if (outcome !== null) {
        outcome = { ...outcome, risk: "high", matched: outcome.matched.filter((m) => m !== by) };
      }
      if (_ORDER[tableRisk] < _ORDER.high) tableRisk = "high";
    }
  }
  // where the agent runs the call is not inside the project: its relative paths are not known to be where the
  // floors look, so it is at least asked (red team 9, H8)
  const stray = cwd !== null && top !== null ? _strayFolder(folder ?? base, top) : null;
  const verdict = await decide(setup.policy, outcome?.risk ?? tableRisk, snap);
  const v = applyRules(outcome, tableRisk, verdict);
  let decision = v.decision;
  let rationale = failed + raised + v.rationale;
  if (stray !== null && decision === "allow") {
    decision = "ask";
    rationale += `; at least ask: ${stray}, so its relative paths are not known to be where the floors look -> ask`;
  }
  return {
    decision,
    risk: v.risk,
    tableRisk,
    kind: table.kind,
    riskFrom: configured !== undefined ? "config" : table.known ? "table" : "unknown tool",
    rationale,
    rules: v.rules,
    args,
  };
}

/** The real path of the folder `p`, or null. */
function _realFolder(p: string | null): string | null {
  if (p === null) return null;
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
}
