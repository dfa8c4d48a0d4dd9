/**
 * The built-in risk tables of the agents' own tools and the mapping of their inputs to safe-exec's argument names.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { AGENT_TOOLS, agentToolRisk, gateArgs, HOOK_AGENTS, patchPaths } from "../../src/hook/mod.ts";

Deno.test("risk: reads and searches low, edits and writes medium, shell high, per agent", () => {
  const expect: [string, string, string][] = [
    ["claude-code", "Read", "low"],
    ["claude-code", "Grep", "low"],
    ["claude-code", "Glob", "low"],
    ["claude-code", "Write", "medium"],
    ["claude-code", "Edit", "medium"],
    ["claude-code", "Bash", "high"],
    ["codex", "apply_patch", "medium"],
    ["codex", "Bash", "high"],
    ["gemini", "read_file", "low"],
    ["gemini", "grep_search", "low"],
    ["gemini", "write_file", "medium"],
    ["gemini", "replace", "medium"],
    ["gemini", "run_shell_command", "high"],
    ["cursor", "Read", "low"],
    ["cursor", "StrReplace", "medium"],
    ["cursor", "Shell", "high"],
  ];
  for (const [agent, tool, risk] of expect) {
    assert.equal(agentToolRisk(agent as never, tool).risk, risk, `${agent} ${tool}`);
    assert.equal(agentToolRisk(agent as never, tool).known, true);
  }
});

Deno.test("risk: MCP tools and unknown tools are high; names are case-sensitive and not inherited", () => {
  assert.deepEqual(agentToolRisk("claude-code", "mcp__lab__write_note"), { risk: "high", kind: "mcp", known: false });
  assert.deepEqual(agentToolRisk("codex", "mcp__lab__write_note"), { risk: "high", kind: "mcp", known: false });
  assert.deepEqual(agentToolRisk("gemini", "mcp_lab_write_note"), { risk: "high", kind: "mcp", known: false });
  assert.deepEqual(agentToolRisk("cursor", "MCP:write_note"), { risk: "high", kind: "mcp", known: false });
  assert.equal(agentToolRisk("claude-code", "read").risk, "high", "tool names are exact");
  assert.equal(agentToolRisk("claude-code", "toString").risk, "high", "no prototype keys");
  assert.equal(agentToolRisk("claude-code", "__proto__").risk, "high");
  assert.equal(agentToolRisk("gemini", "Bash").risk, "high", "another agent's name is unknown here");
});

Deno.test("risk: every tool the real CLIs offered in the lab is in its agent's table", () => {
  // The tools each pinned CLI offered its model (mock request logs of the lab runs); a new CLI version that adds
  // a tool gets the unknown-tool default (high) until the table learns it.
  const offered: Record<string, string[]> = {
    "claude-code": ["Agent", "Bash", "CronCreate", "CronDelete", "CronList", "Edit", "EnterWorktree", "ExitWorktree"]
      .concat(["ListAgents", "Monitor", "NotebookEdit", "Read", "ReportFindings", "ScheduleWakeup", "SendMessage"])
      .concat(["Skill", "TaskStop", "WebFetch", "WebSearch", "Workflow", "Write"]),
    gemini: ["update_topic", "list_directory", "read_file", "grep_search", "glob", "replace", "write_file"]
      .concat(["run_shell_command", "google_web_search", "enter_plan_mode", "invoke_agent"]),
    // Codex's hooks see exec_command as Bash and apply_patch by name.
    codex: ["Bash", "apply_patch", "view_image"],
  };
  for (const [agent, tools] of Object.entries(offered)) {
    for (const t of tools) assert.ok(agentToolRisk(agent as never, t).known, `${agent} ${t} is not in the table`);
  }
  for (const agent of HOOK_AGENTS) assert.ok(Object.keys(AGENT_TOOLS[agent]).length > 0);
});

Deno.test("gateArgs: shell commands become cmd, file paths path, for every agent", () => {
  assert.deepEqual(gateArgs("claude-code", "Bash", { command: "npm test", description: "d" }), {
    cmd: "npm test",
    description: "d",
  });
  assert.deepEqual(gateArgs("claude-code", "Write", { file_path: "/p/a.env", content: "x" }), {
    path: "/p/a.env",
    content: "x",
  });
  assert.deepEqual(gateArgs("claude-code", "NotebookEdit", { notebook_path: "/p/n.ipynb" }), { path: "/p/n.ipynb" });
  assert.deepEqual(gateArgs("codex", "Bash", { command: "ls" }), { cmd: "ls" });
  assert.deepEqual(gateArgs("gemini", "run_shell_command", { command: "ls", description: "d" }), {
    cmd: "ls",
    description: "d",
  });
  assert.deepEqual(gateArgs("gemini", "read_file", { file_path: "/p/x" }), { path: "/p/x" });
  assert.deepEqual(gateArgs("cursor", "Shell", { command: "ls", cwd: "/p" }), { cmd: "ls", cwd: "/p" });
  assert.deepEqual(gateArgs("cursor", "Read", { file_path: "/p/.env" }), { path: "/p/.env" });
  // A non-shell tool's "command" field is not a shell command.
  assert.deepEqual(gateArgs("claude-code", "mcp__x__run", { command: "deploy" }), { command: "deploy" });
  // The input is not changed.
  const input = { command: "ls" };
  gateArgs("claude-code", "Bash", input);
  assert.deepEqual(input, { command: "ls" });
});

Deno.test("gateArgs: a real Codex apply_patch names the files it touches as path and paths", () => {
  const fixture = JSON.parse(
    readFileSync(fileURLToPath(new URL("./fixtures/codex/PreToolUse-apply_patch.json", import.meta.url)), "utf8"),
  );
  const args = gateArgs("codex", fixture.tool_name, fixture.tool_input);
  assert.equal(args.path, "written.txt");
  assert.deepEqual(args.paths, ["written.txt"]);
  assert.equal(args.patch, fixture.tool_input.command);
  assert.deepEqual(
    patchPaths(
      "*** Begin Patch\n*** Update File: src/a.ts\n*** Move to: src/b.ts\n@@\n-x\n+y\n*** Delete File: .env\n*** Add File: src/a.ts\n*** End Patch\n",
    ),
    ["src/a.ts", "src/b.ts", ".env"],
  );
  assert.deepEqual(patchPaths("no patch here"), []);
});
