/**
 * The built-in risk of each agent's own tools (reads and searches low; edits and writes medium; shell and unknown
 * or MCP tools high), and how an agent's tool input maps to safe-exec's argument names, so the config's `rules`
 * read them the same way for every agent: a shell command becomes `cmd`, a file path `path` (SPEC §2, §6).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { agentToolRisk, gateArgs } from "./risk.ts";
 * assert.deepEqual(agentToolRisk("claude-code", "Read"), { risk: "low", kind: "read", known: true });
 * assert.deepEqual(agentToolRisk("gemini", "mcp_lab_write_note"), { risk: "high", kind: "mcp", known: false });
 * assert.deepEqual(gateArgs("claude-code", "Bash", { command: "ls", description: "list" }), { cmd: "ls", description: "list" });
 * assert.deepEqual(gateArgs("codex", "apply_patch", { command: "*** Begin Patch\n*** Add File: a.txt\n+x\n*** End Patch\n" }), {
 *   patch: "*** Begin Patch\n*** Add File: a.txt\n+x\n*** End Patch\n", path: "a.txt", paths: ["a.txt"],
 * });
 * ```
 *
 * @module
 */
import { pathNameKind, pathOfValue } from "../rules/path_names.ts";
import type { Risk } from "../types.ts";
import type { HookAgent } from "./types.ts";

/** What a tool does, as far as the gate cares. */
export type ToolKind = "read" | "search" | "edit" | "write" | "shell" | "web" | "agent" | "mcp" | "other";

/** A tool's built-in risk. */
export interface ToolRiskInfo {
  /** Its risk (SPEC §2). */
  risk: Risk;
  /** What it does (for an unknown tool: `mcp` when its name says so, else `other`). */
  kind: ToolKind;
  /** The tool is in the agent's table (false: the default for an unknown tool applied). */
  known: boolean;
}

const _KIND_RISK: Readonly<Record<ToolKind, Risk>> = {
  read: "low",
  search: "low",
  other: "low",
  edit: "medium",
  write: "medium",
  web: "medium",
  agent: "medium",
  shell: "high",
  mcp: "high",
};

/** Each agent's own tools by kind (names as the agent's hook events spell them). */
export const AGENT_TOOLS: Readonly<Record<HookAgent, Readonly<Record<string, ToolKind>>>> = {
  "claude-code": {
    Read: "read",
    NotebookRead: "read",
    LS: "read",
    Glob: "search",
    Grep: "search",
    ToolSearch: "search",
    ListAgents: "other",
    TodoWrite: "other",
    ExitPlanMode: "other",
    EnterPlanMode: "other",
    CronList: "other",
    ReportFindings: "other",
    Write: "write",
    Edit: "edit",
    MultiEdit: "edit",
    NotebookEdit: "edit",
    WebFetch: "web",
    WebSearch: "web",
    Agent: "agent",
    Task: "agent",
    Skill: "agent",
    Workflow: "agent",
    SendMessage: "agent",
    ScheduleWakeup: "agent",
    CronCreate: "agent",
    CronDelete: "agent",
    EnterWorktree: "write",
    ExitWorktree: "write",
    Bash: "shell",
    BashOutput: "shell",
    KillShell: "shell",
    TaskStop: "shell",
    Monitor: "shell",
  },
  codex: {
    view_image: "read",
    apply_patch: "edit",
    Bash: "shell",
    shell: "shell",
    local_shell: "shell",
    exec_command: "shell",
    "container.exec": "shell",
  },
  gemini: {
    read_file: "read",
    read_many_files: "read",
    list_directory: "read",
    glob: "search",
    grep_search: "search",
    search_file_content: "search",
    update_topic: "other",
    enter_plan_mode: "other",
    exit_plan_mode: "other",
    write_todos: "other",
    write_file: "write",
    replace: "edit",
    save_memory: "write",
    google_web_search: "web",
    web_fetch: "web",
    invoke_agent: "agent",
    run_shell_command: "shell",
  },
  cursor: {
    Read: "read",
    LS: "read",
    Grep: "search",
    Glob: "search",
    Write: "write",
    StrReplace: "edit",
    Edit: "edit",
    Delete: "write",
    TabWrite: "edit",
    Shell: "shell",
  },
};

function _isMcp(agent: HookAgent, tool: string): boolean {
  if (agent === "gemini") return tool.startsWith("mcp_");
  if (agent === "cursor") return tool.startsWith("MCP:") || tool.startsWith("mcp__");
  return tool.startsWith("mcp__");
}

/**
 * The built-in risk of an agent's tool: its table's kind, MCP tools high, anything unknown high.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { agentToolRisk } from "./risk.ts";
 * assert.equal(agentToolRisk("codex", "apply_patch").risk, "medium");
 * assert.deepEqual(agentToolRisk("cursor", "MCP:search"), { risk: "high", kind: "mcp", known: false });
 * assert.equal(agentToolRisk("claude-code", "constructor").known, false);
 * ```
 */
export function agentToolRisk(agent: HookAgent, tool: string): ToolRiskInfo {
  const kind = Object.hasOwn(AGENT_TOOLS[agent], tool) ? AGENT_TOOLS[agent][tool] : undefined;
  if (kind !== undefined) return { risk: _KIND_RISK[kind], kind, known: true };
  return { risk: "high", kind: _isMcp(agent, tool) ? "mcp" : "other", known: false };
}

/** What safe-exec read of a Codex `apply_patch` text. */
export interface PatchReading {
  /** The files it names, in order (`*** Add/Update/Delete File:`, `*** Move to:`), each once. */
  paths: string[];
  /** Why the text was not read exactly as Codex reads it (it may write other files), or null. */
  unread: string | null;
}

const _PATCH_HEADERS = ["*** Add File: ", "*** Update File: ", "*** Delete File: ", "*** Move to: "];
const _PATCH_MARKERS: ReadonlySet<string> = new Set(["*** Begin Patch", "*** End Patch", "*** End of File"]);
const _HEREDOC_OPENERS: ReadonlySet<string> = new Set(["<<EOF", "<<'EOF'", '<<"EOF"']);

/** Rust's `str::trim`: Unicode White_Space at both ends (JavaScript's `trim` leaves U+0085 NEXT LINE). */
function _rustTrim(s: string): string {
  return s.replace(/^[\s\u0085]+|[\s\u0085]+$/g, "");
}

/**
 * Read a Codex `apply_patch` text at least as leniently as Codex's parser (codex-rs/apply-patch `parser.rs`): the
 * text trimmed, cut into lines at `\n`, an optional `<<EOF` … `EOF` heredoc around it, `*** Begin Patch` first and
 * `*** End Patch` last (each trimmed), and every line trimmed before its marker is matched, so a header with padding
 * around it (`  *** Add File: .git/config`) is read as Codex reads it; a `*** Move to:` anywhere counts. What it does
 * not read exactly fails closed (`unread` says why; hook mode judges the patch a write of unknown paths): a line
 * that looks like a marker once trimmed but is none (`*** Copy File: x`, `***Add File: x`, `*** add file: x`, a
 * header without a path), or a text without the begin and end markers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readPatch } from "./risk.ts";
 * assert.deepEqual(readPatch("*** Begin Patch\n  *** Add File: .envrc\n+x\n*** End Patch\n"), { paths: [".envrc"], unread: null });
 * assert.match(readPatch("*** Begin Patch\n*** Copy File: x\n*** End Patch\n").unread!, /Copy File/);
 * ```
 */
export function readPatch(patch: string): PatchReading {
  const paths: string[] = [];
  const add = (p: string) => {
    if (p !== "" && !paths.includes(p)) paths.push(p);
  };
  let lines = _rustTrim(patch).split("\n").map((l) => l.replace(/\r$/, ""));
  const bounded = (ls: readonly string[]) =>
    ls.length >= 2 && _rustTrim(ls[0]!) === "*** Begin Patch" && _rustTrim(ls[ls.length - 1]!) === "*** End Patch";
  if (!bounded(lines) && lines.length >= 4 && _HEREDOC_OPENERS.has(lines[0]!) && lines.at(-1)!.endsWith("EOF")) {
    lines = lines.slice(1, -1);
  }
  let unread: string | null = bounded(lines)
    ? null
    : "it does not begin with *** Begin Patch and end with *** End Patch";
  for (const line of lines) {
    const t = _rustTrim(line);
    const header = _PATCH_HEADERS.find((h) => t.startsWith(h) && t.length > h.length);
    if (header !== undefined) {
      const rest = t.slice(header.length);
      add(rest);
      add(rest.trim());
      continue;
    }
    if (_PATCH_MARKERS.has(t)) continue;
    // a marker-like line that is none of Codex's: Codex may read it otherwise, or not at all
    if (unread === null && /^\*{3}\s*[A-Za-z]/.test(t)) unread = `it has a line ${JSON.stringify(t.slice(0, 80))}`;
  }
  return { paths, unread };
}

/**
 * The file paths a Codex `apply_patch` patch touches, in order (see {@linkcode readPatch}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { patchPaths } from "./risk.ts";
 * const patch = "*** Begin Patch\n*** Update File: a.ts\n*** Move to: b.ts\n@@\n-x\n+y\n*** End Patch\n";
 * assert.deepEqual(patchPaths(patch), ["a.ts", "b.ts"]);
 * ```
 */
export function patchPaths(patch: string): string[] {
  return readPatch(patch).paths;
}

/**
 * The serve tool each agent tool stands for, so that a config's rules written for serve (`"tool": "run_bash"`,
 * `"read_file"`, `"write_file"`) hold for the agent's own tools in hook mode (docs/hooks.md): every shell tool is
 * `run_bash`; file reads are `read_file`, folder listings `list_dir`; writes and edits (an edit rewrites the file)
 * are `write_file`; Cursor's `Delete` is `delete_file`. Search tools (Grep, Glob, …) have no serve tool: `path`
 * rules reach them through `"tool": "*"` or their own names.
 */
export const SERVE_EQUIVALENT: Readonly<Record<HookAgent, Readonly<Record<string, string>>>> = {
  "claude-code": {
    Bash: "run_bash",
    Read: "read_file",
    NotebookRead: "read_file",
    LS: "list_dir",
    Write: "write_file",
    Edit: "write_file",
    MultiEdit: "write_file",
    NotebookEdit: "write_file",
  },
  codex: {
    Bash: "run_bash",
    shell: "run_bash",
    local_shell: "run_bash",
    exec_command: "run_bash",
    "container.exec": "run_bash",
    view_image: "read_file",
    apply_patch: "write_file",
  },
  gemini: {
    run_shell_command: "run_bash",
    read_file: "read_file",
    read_many_files: "read_file",
    list_directory: "list_dir",
    write_file: "write_file",
    replace: "write_file",
  },
  cursor: {
    Shell: "run_bash",
    Read: "read_file",
    LS: "list_dir",
    Write: "write_file",
    StrReplace: "write_file",
    Edit: "write_file",
    TabWrite: "write_file",
    Delete: "delete_file",
  },
};

/**
 * The serve tool an agent's tool stands for (see {@linkcode SERVE_EQUIVALENT}), or null.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serveEquivalent } from "./risk.ts";
 * assert.equal(serveEquivalent("claude-code", "Bash"), "run_bash");
 * assert.equal(serveEquivalent("gemini", "replace"), "write_file");
 * assert.equal(serveEquivalent("claude-code", "Grep"), null);
 * ```
 */
export function serveEquivalent(agent: HookAgent, tool: string): string | null {
  return Object.hasOwn(SERVE_EQUIVALENT[agent], tool) ? SERVE_EQUIVALENT[agent][tool]! : null;
}

/** One path-like argument of an agent's tool call, as written. */
export interface ToolPath {
  /** The path (a file, a folder, or a glob under `folder`). */
  readonly value: string;
  /**
   * `file`: the file itself; `folder`: a search's or listing's folder; `glob`: a search's file pattern; `unknown`:
   * files the gate cannot name (a Codex patch not read exactly), anywhere (`value` says why).
   */
  readonly kind: "file" | "folder" | "glob" | "unknown";
  /** For a glob: the folder it is relative to (default: the working folder). */
  readonly folder?: string;
  /** For a folder: the tool reads its entries (a listing: 1) or some of its whole tree (a search: Infinity). */
  readonly below?: number;
}

/** The search tools that read files (a folder's tree, narrowed by file patterns). */
const _FILE_SEARCHES: ReadonlySet<string> = new Set(["Grep", "Glob", "grep_search", "search_file_content", "glob"]);
/**
 * Inputs of the agents' own tools that are text though named like a path (rules/path_names.ts): NotebookEdit's
 * `new_source` is the cell's new code.
 */
const _TEXT_KEYS: ReadonlySet<string> = new Set(["new_source"]);
/** How deep hook mode looks for a path-like input (`options.path`, `files[].path`), as the gate does. */
const _MAX_DEPTH = 4;
/** How deep an MCP tool's arguments are read (deeper: unknown, a floor may apply). */
const _MAX_MCP_DEPTH = 64;
const _GLOB_KEYS = ["glob", "include", "glob_pattern", "includes"];

/**
 * Every path-like argument of an agent's tool call, for the `path` rules and for judging what it reaches; an input
 * is path-like when its name says so (rules/path_names.ts: `file_path`, `absolute_path`, `notebook_path`, `path`,
 * `paths`, `dir_path`, `filename`, `source`, `uri`, …, a `file:` URI read as its path). A search or listing reads
 * folders (its folder-like inputs: `path`, `dir_path`, `directory`, …; default the working folder), or, when it has
 * them, the file patterns that narrow them (`glob`, `include`, and Glob's own `pattern`, relative to each folder);
 * a file it names is a file. Another tool reads or writes the files its inputs name at any depth (`options.path`,
 * `files[].path`; a list's wildcard entries are a read's file patterns, `include` among them), and may read all of
 * a folder one names (`dir`, `root`, `cwd`). Also the files of a Codex patch and Gemini's `save_memory` file
 * `~/.gemini/GEMINI.md`. A Grep's `pattern` is a regular expression over contents, not a path. Shell tools: none
 * (their script names its paths).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toolPaths } from "./risk.ts";
 * assert.deepEqual(toolPaths("claude-code", "Grep", { pattern: "T", path: "/p/src" }), [
 *   { value: "/p/src", kind: "folder", below: Infinity },
 * ]);
 * assert.deepEqual(toolPaths("claude-code", "Grep", { pattern: "T", path: "/p/src", glob: "*.ts" }), [
 *   { value: "*.ts", kind: "glob", folder: "/p/src" },
 * ]);
 * assert.deepEqual(toolPaths("claude-code", "Glob", { pattern: "secrets/*" }), [
 *   { value: "secrets/*", kind: "glob", folder: "." },
 * ]);
 * assert.deepEqual(toolPaths("claude-code", "Read", { file_path: "/p/a.ts" }), [{ value: "/p/a.ts", kind: "file" }]);
 * ```
 */
export function toolPaths(agent: HookAgent, tool: string, input: Readonly<Record<string, unknown>>): ToolPath[] {
  const { kind } = agentToolRisk(agent, tool);
  const out: ToolPath[] = [];
  if (kind === "shell") return out;
  // Gemini CLI's save_memory appends to the global memory file under the home folder, read into every session
  if (agent === "gemini" && tool === "save_memory") return [{ value: "~/.gemini/GEMINI.md", kind: "file" }];
  if (agent === "codex" && tool === "apply_patch") {
    const read = readPatch(_patchText(input));
    const files: ToolPath[] = read.paths.map((value) => ({ value, kind: "file" }));
    return read.unread === null ? files : [...files, { value: read.unread, kind: "unknown" }];
  }
  const listing = tool === "LS" || tool === "list_directory";
  if (kind === "search" && !_FILE_SEARCHES.has(tool)) return out; // ToolSearch searches tools, not files
  const known = agentToolRisk(agent, tool).known;
  const named = (k: string) => (known && _TEXT_KEYS.has(k) ? null : pathNameKind(k));
  if (kind === "search" || listing) {
    const folders: string[] = [];
    const files: ToolPath[] = [];
    for (const [k, v] of Object.entries(input)) {
      const what = named(k);
      if (what === null) continue;
      for (const value of _spellings(v)) {
        if (what === "file") files.push({ value, kind: "file" });
        else folders.push(value);
      }
    }
    if (folders.length === 0) folders.push(".");
    const globs: unknown[] = [];
    for (const k of _GLOB_KEYS) globs.push(...(Array.isArray(input[k]) ? input[k] as unknown[] : [input[k]]));
    // Glob tools' own pattern names files; a Grep's pattern is a regular expression over contents
    if (/glob/i.test(tool)) globs.push(input.pattern);
    for (const folder of folders) {
      for (const g of globs) if (typeof g === "string" && g !== "") out.push({ value: g, kind: "glob", folder });
    }
    // file patterns narrow the search to what they can match; without one it reads some of each folder's tree
    if (out.length === 0) {
      for (const folder of folders) out.push({ value: folder, kind: "folder", below: listing ? 1 : Infinity });
    }
    out.push(...files);
    return out;
  }
  const entry = (v: unknown, what: "file" | "folder" | "path", list: boolean): void => {
    for (const value of _spellings(v)) {
      if (what === "folder") out.push({ value, kind: "folder", below: Infinity });
      else out.push({ value, kind: (list && kind === "read") || kind === "mcp" ? _globOrFile(value) : "file" });
    }
  };
  const visit = (v: unknown, depth: number, what: "file" | "folder" | "path" | null): void => {
    if (what !== null && !(kind === "mcp" && Array.isArray(v))) {
      if (Array.isArray(v)) v.forEach((x) => typeof x === "string" ? entry(x, what, true) : visit(x, depth + 1, null));
      else if (typeof v === "string") entry(v, what, false);
    }
    if (v === null || typeof v !== "object") return;
    // an MCP server may take any string as a path: every string it is given, at any depth, and every key, is read as
    // one (red team 9, H4/H11; red team 10, J2); what is nested deeper than that is read as unknown (a floor may apply)
    const mcp = kind === "mcp";
    if (depth > (mcp ? _MAX_MCP_DEPTH : _MAX_DEPTH)) {
      if (mcp) out.push({ value: "arguments nested deeper than the gate reads", kind: "unknown" });
      return;
    }
    if (mcp && Array.isArray(v)) return v.forEach((x) => visit(x, depth + 1, "path"));
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (mcp) entry(k, "path", false);
      // Gemini's read_many_files: `include` lists more files (or patterns) to read
      visit(x, depth + 1, depth === 0 && k === "include" ? "file" : named(k) ?? (mcp ? "path" : null));
    }
  };
  visit(input, 0, null);
  return out;
}

/** A value with a pattern character is a glob (what it may match is read), else a file. */
function _globOrFile(value: string): "glob" | "file" {
  return /[*?[{]/.test(value) ? "glob" : "file";
}

/**
 * A path-like input's value as the hook judges it: as written (a `file:` URI is a spelling the agent's tools may
 * not resolve as the gate would: outside, high), and for a `file:` URI also the path it names (so the floors on that
 * path hold); none for a value that is no string or is empty.
 */
function _spellings(v: unknown): string[] {
  if (typeof v !== "string" || v === "") return [];
  const path = pathOfValue(v);
  return path === null || path === v ? [v] : [v, path];
}

/** Input names that carry a shell command, per agent tool. */
const _COMMAND_KEYS = ["command", "cmd"];
/** Input names that carry a file path. */
const _PATH_KEYS = ["file_path", "path", "notebook_path", "absolute_path", "dir_path"];

/**
 * A command given as argv (Codex `shell`: `["bash", "-lc", "ls"]`) as the script it runs: the `-c` string of a
 * shell, else the words quoted for the shell; null when it is not a list of strings.
 */
function _argvScript(v: unknown): string | null {
  if (!Array.isArray(v) || v.length === 0 || !v.every((w) => typeof w === "string")) return null;
  const words = v as string[];
  const shell = /(^|\/)(ba|z|da)?sh$/.test(words[0]!);
  if (shell && words.length === 3 && /^-[a-z]*c[a-z]*$/.test(words[1]!)) return words[2]!;
  return words.map((w) => (/^[A-Za-z0-9_\-.,:/=@%+]+$/.test(w) ? w : `'${w.replaceAll("'", `'\\''`)}'`)).join(" ");
}

/**
 * The tool input under safe-exec's argument names, for the config's `rules`: the shell command as `cmd`, the file
 * path as `path` (a Codex patch as `patch`, with the files it touches as `path` and `paths`). Other fields are
 * kept as they are; the input is not modified.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gateArgs } from "./risk.ts";
 * assert.deepEqual(gateArgs("gemini", "run_shell_command", { command: "ls", dir_path: "src" }), { cmd: "ls", path: "src" });
 * assert.deepEqual(gateArgs("claude-code", "Read", { file_path: "/p/a.ts", limit: 5 }), { path: "/p/a.ts", limit: 5 });
 * ```
 */
export function gateArgs(
  agent: HookAgent,
  tool: string,
  input: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...input };
  const { kind } = agentToolRisk(agent, tool);
  if (agent === "codex" && tool === "apply_patch") {
    const patch = _patchText(input);
    delete out.command;
    out.patch = patch;
    const paths = patchPaths(patch);
    if (paths.length > 0) {
      out.path = paths[0];
      out.paths = paths;
    }
    return out;
  }
  if (kind === "shell") {
    for (const k of _COMMAND_KEYS) {
      const v = input[k];
      const script = typeof v === "string" ? v : _argvScript(v);
      if (script !== null) {
        delete out[k];
        out.cmd = script;
        break;
      }
    }
  }
  for (const k of _PATH_KEYS) {
    if (typeof input[k] === "string") {
      if (k !== "path") delete out[k];
      out.path = input[k];
      break;
    }
  }
  return out;
}

/** Codex's `apply_patch` text: its `command` (the freeform tool), else its `patch` or `input`, else empty. */
function _patchText(input: Readonly<Record<string, unknown>>): string {
  for (const k of ["command", "patch", "input"]) if (typeof input[k] === "string") return input[k] as string;
  return "";
}
