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

/**
 * The file paths a Codex `apply_patch` patch touches, in order (`*** Add/Update/Delete File:`, `*** Move to:`).
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
  const out: string[] = [];
  for (const m of patch.matchAll(/^\*\*\* (?:Add File|Update File|Delete File|Move to): (.+?)\s*$/gm)) {
    if (m[1] !== undefined && !out.includes(m[1])) out.push(m[1]);
  }
  return out;
}

/** Input names that carry a shell command, per agent tool. */
const _COMMAND_KEYS = ["command", "cmd"];
/** Input names that carry a file path. */
const _PATH_KEYS = ["file_path", "path", "notebook_path", "absolute_path", "dir_path"];

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
    const patch = typeof input.command === "string"
      ? input.command
      : typeof input.patch === "string"
      ? input.patch
      : "";
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
      if (typeof input[k] === "string") {
        delete out[k];
        out.cmd = input[k];
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
