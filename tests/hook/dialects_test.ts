/**
 * The four hook dialects against the payloads the real CLIs sent (tests/hook/fixtures/<agent>/, captured by the
 * agent lab; Cursor's from its documented shapes): every fixture parses to the expected phase and fields, each
 * verdict renders in the agent's own form, failing closed blocks where it must and never exits 1 on a pre-tool
 * event, and bad input fails with a message naming the field, the value and what was expected.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  claudeCode,
  codex,
  cursor,
  dialectFor,
  DIALECTS,
  gemini,
  HOOK_AGENTS,
  type HookAgent,
  HookInputError,
  type NormalizedEvent,
} from "../../src/hook/mod.ts";

const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));

function fixtures(agent: HookAgent): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const f of readdirSync(join(FIXTURES, agent))) {
    if (f.endsWith(".json")) out.set(f.slice(0, -5), JSON.parse(readFileSync(join(FIXTURES, agent, f), "utf8")));
  }
  return out;
}

function parse(agent: HookAgent, name: string): NormalizedEvent {
  const f = fixtures(agent).get(name);
  assert.ok(f !== undefined, `no fixture ${agent}/${name}`);
  return DIALECTS[agent].parseEvent(f);
}

/** The phase each captured event must get. */
const PHASES: Record<HookAgent, Record<string, string>> = {
  "claude-code": {
    "PreToolUse-Bash": "pre_tool",
    "PreToolUse-Write": "pre_tool",
    "PreToolUse-Read": "pre_tool",
    "PostToolUse-Bash": "post_tool",
    "PostToolUse-Write": "post_tool",
    "PostToolUseFailure-Bash": "post_tool_failure",
    "SessionStart-startup": "session_start",
    "SessionStart-compact": "session_start",
    SessionEnd: "session_end",
    PreCompact: "compact",
    PostCompact: "compact",
    UserPromptSubmit: "other",
    Stop: "other",
  },
  codex: {
    "PreToolUse-Bash": "pre_tool",
    "PreToolUse-apply_patch": "pre_tool",
    "PostToolUse-Bash": "post_tool",
    "PostToolUse-Bash-failed": "post_tool",
    "PostToolUse-apply_patch": "post_tool",
    "SessionStart-startup": "session_start",
    "SessionStart-compact": "session_start",
    PreCompact: "compact",
    PostCompact: "compact",
    UserPromptSubmit: "other",
    Stop: "other",
  },
  gemini: {
    "BeforeTool-run_shell_command": "pre_tool",
    "BeforeTool-write_file": "pre_tool",
    "BeforeTool-read_file": "pre_tool",
    "AfterTool-run_shell_command": "post_tool",
    "AfterTool-run_shell_command-failed": "post_tool_failure",
    "AfterTool-write_file": "post_tool",
    "AfterTool-read_file-error": "post_tool_failure",
    AfterModel: "other",
    PreCompress: "compact",
    "SessionStart-startup": "session_start",
    SessionEnd: "session_end",
    BeforeAgent: "other",
    AfterAgent: "other",
  },
  cursor: {
    beforeShellExecution: "pre_tool",
    beforeMCPExecution: "pre_tool",
    "beforeMCPExecution-url": "pre_tool",
    beforeReadFile: "pre_tool",
    preToolUse: "pre_tool",
    postToolUse: "post_tool",
    postToolUseFailure: "post_tool_failure",
    afterShellExecution: "post_tool",
    afterMCPExecution: "post_tool",
    afterFileEdit: "post_tool",
    sessionStart: "session_start",
    sessionEnd: "session_end",
    preCompact: "compact",
    stop: "other",
    beforeSubmitPrompt: "other",
  },
};

for (const agent of HOOK_AGENTS) {
  Deno.test(`${agent}: every fixture parses, with the phase the gate expects`, () => {
    const all = fixtures(agent);
    assert.deepEqual([...all.keys()].sort(), Object.keys(PHASES[agent]).sort(), "fixtures and expectations differ");
    for (const [name, f] of all) {
      const e = DIALECTS[agent].parseEvent(f);
      assert.equal(e.phase, PHASES[agent][name], name);
      assert.equal(e.agent, agent);
      assert.ok(e.sessionId.length > 0, name);
      assert.equal(e.raw, f);
      if (e.phase === "pre_tool" || e.phase === "post_tool" || e.phase === "post_tool_failure") {
        assert.ok(e.toolName !== null && e.toolInput !== null, `${name}: no tool`);
      }
    }
  });
}

Deno.test("claude-code: the fields of a real pre-tool, failure and compaction event", () => {
  const pre = parse("claude-code", "PreToolUse-Bash");
  assert.equal(pre.toolName, "Bash");
  assert.deepEqual(pre.toolInput, { command: "echo first > first.txt", description: "first" });
  assert.equal(pre.toolUseId, "toolu_mock_1");
  assert.equal(pre.cwd, "<run>/project");
  assert.match(pre.transcriptPath!, /\/\.claude\/projects\/.+\.jsonl$/);
  const failure = parse("claude-code", "PostToolUseFailure-Bash");
  assert.match(failure.error!, /^Exit code 1\n/);
  assert.equal(parse("claude-code", "SessionStart-compact").detail, "compact");
  assert.equal(parse("claude-code", "PreCompact").detail, "auto");
  assert.equal(parse("claude-code", "SessionEnd").detail, "other");
  assert.deepEqual(
    parse("claude-code", "PostToolUse-Write").toolResponse,
    fixtures("claude-code").get("PostToolUse-Write")!.tool_response,
  );
});

Deno.test("codex: the fields of real events; a failed shell call is a plain post-tool event", () => {
  const pre = parse("codex", "PreToolUse-apply_patch");
  assert.equal(pre.toolName, "apply_patch");
  assert.match(String(pre.toolInput!.command), /^\*\*\* Begin Patch\n\*\*\* Add File: written.txt/);
  assert.equal(pre.model, "gpt-5.5");
  assert.equal(pre.toolUseId, "call_mock_4");
  const failed = parse("codex", "PostToolUse-Bash-failed");
  assert.equal(failed.toolResponse, "cat: /nonexistent-file: No such file or directory\n");
  assert.equal(failed.error, null);
  assert.equal(parse("codex", "SessionStart-compact").detail, "compact");
});

Deno.test("gemini: failures from the response, usage from AfterModel, no tool-use id", () => {
  assert.equal(parse("gemini", "AfterTool-run_shell_command-failed").error, "Exit Code: 1");
  assert.match(parse("gemini", "AfterTool-read_file-error").error!, /^File not found: /);
  assert.equal(parse("gemini", "AfterTool-run_shell_command").error, null);
  const model = parse("gemini", "AfterModel");
  const meta = (fixtures("gemini").get("AfterModel")!.llm_response as { usageMetadata: Record<string, number> })
    .usageMetadata;
  assert.equal(model.usage?.contextTokens, meta.promptTokenCount);
  assert.equal(model.usage?.outputTokens, meta.candidatesTokenCount);
  assert.equal(model.model, "gemini-3.8-flash");
  assert.equal(parse("gemini", "BeforeTool-run_shell_command").toolUseId, null);
  assert.equal(parse("gemini", "PreCompress").detail, "auto");
});

Deno.test("cursor: tool names and inputs of the permission events; ids and cwd", () => {
  const shell = parse("cursor", "beforeShellExecution");
  assert.equal(shell.toolName, "Shell");
  assert.deepEqual(shell.toolInput, { command: "git push --force", cwd: "/home/user/project" });
  assert.equal(shell.sessionId, "c0ffee00-1111-4222-8333-444455556666");
  assert.equal(shell.toolUseId, "9e1e2a3b-aaaa-4bbb-8ccc-ddddeeeeffff", "generation_id when no tool_use_id");
  assert.equal(parse("cursor", "beforeMCPExecution").toolName, "MCP:write_note");
  assert.deepEqual(parse("cursor", "beforeReadFile").toolInput, { file_path: "/home/user/project/.env" });
  assert.equal(parse("cursor", "preToolUse").toolUseId, "tool_abc123");
  assert.equal(parse("cursor", "stop").cwd, "/home/user/project");
  assert.equal(parse("cursor", "postToolUseFailure").error, "Command failed with exit code 1");
});

/** The pre-tool fixture of each agent, and an event of it that is not pre-tool. */
const PRE: Record<HookAgent, [string, string]> = {
  "claude-code": ["PreToolUse-Bash", "PostToolUse-Bash"],
  codex: ["PreToolUse-Bash", "PostToolUse-Bash"],
  gemini: ["BeforeTool-run_shell_command", "AfterTool-run_shell_command"],
  cursor: ["beforeShellExecution", "afterShellExecution"],
};

Deno.test("render: ALLOW prints nothing for every agent and event (the agent's own flow stays in charge)", () => {
  for (const agent of HOOK_AGENTS) {
    for (const f of fixtures(agent).values()) {
      const e = DIALECTS[agent].parseEvent(f);
      assert.deepEqual(DIALECTS[agent].render({ decision: "allow", reason: "fine" }, e), {
        stdout: "",
        stderr: "",
        exitCode: 0,
      });
    }
  }
});

Deno.test("render: DENY and ASK in each agent's own form; nothing on events that are not pre-tool", () => {
  const reason = "risk=high fatigue=0.93: context 182,000 of 200,000 tokens";
  const out = (agent: HookAgent, decision: "ask" | "deny") => {
    const a = DIALECTS[agent].render({ decision, reason }, parse(agent, PRE[agent][0]));
    assert.equal(a.exitCode, 0);
    assert.equal(a.stderr, "");
    return JSON.parse(a.stdout);
  };
  assert.deepEqual(out("claude-code", "deny"), {
    hookSpecificOutput: { hookEventName: "PreToolUse", permissionDecision: "deny", permissionDecisionReason: reason },
  });
  assert.deepEqual(out("claude-code", "ask"), {
    hookSpecificOutput: { hookEventName: "PreToolUse", permissionDecision: "ask", permissionDecisionReason: reason },
  });
  assert.deepEqual(out("codex", "deny"), {
    hookSpecificOutput: { hookEventName: "PreToolUse", permissionDecision: "deny", permissionDecisionReason: reason },
  });
  // Codex and Gemini CLI have no ask: a denial that tells the model to ask the user, carrying the rationale.
  for (const agent of ["codex", "gemini"] as const) {
    const a = out(agent, "ask");
    const text = agent === "codex" ? a.hookSpecificOutput.permissionDecisionReason : a.reason;
    assert.equal(agent === "codex" ? a.hookSpecificOutput.permissionDecision : a.decision, "deny");
    assert.ok(text.includes(reason) && /ask the user/.test(text), text);
  }
  assert.deepEqual(out("gemini", "deny"), { decision: "deny", reason });
  assert.deepEqual(out("cursor", "deny"), { permission: "deny", user_message: reason, agent_message: reason });
  assert.deepEqual(out("cursor", "ask"), { permission: "ask", user_message: reason, agent_message: reason });
  // Cursor's beforeReadFile has no documented ask: a denial that says to ask.
  const read = JSON.parse(cursor.render({ decision: "ask", reason }, parse("cursor", "beforeReadFile")).stdout);
  assert.equal(read.permission, "deny");
  assert.match(read.agent_message, /ask the user/);
  for (const agent of HOOK_AGENTS) {
    const post = parse(agent, PRE[agent][1]);
    assert.equal(DIALECTS[agent].render({ decision: "deny", reason }, post).stdout, "", `${agent} post`);
  }
});

Deno.test("render: a long reason is cut below Claude Code's 10,000-character cap; an empty one is never sent", () => {
  const long = "x".repeat(20_000);
  const a = JSON.parse(
    claudeCode.render({ decision: "deny", reason: long }, parse("claude-code", "PreToolUse-Bash")).stdout,
  );
  assert.ok(a.hookSpecificOutput.permissionDecisionReason.length <= 9000);
  const empty = JSON.parse(codex.render({ decision: "deny", reason: " " }, parse("codex", "PreToolUse-Bash")).stdout);
  assert.equal(empty.hookSpecificOutput.permissionDecisionReason, "blocked by safe-exec");
});

Deno.test("failClosed: blocks on pre-tool and unreadable events, never exits 1 there; warns elsewhere", () => {
  for (const agent of HOOK_AGENTS) {
    const d = DIALECTS[agent];
    for (const e of [parse(agent, PRE[agent][0]), null]) {
      const a = d.failClosed("the config cannot be read: /x/safe-exec.jsonc", e);
      assert.equal(a.exitCode, 2, `${agent} ${e?.eventName ?? "unreadable"}`);
      assert.match(a.stderr, /^safe-exec: the config cannot be read/);
      if (agent === "cursor") {
        assert.deepEqual(JSON.parse(a.stdout).permission, "deny");
      } else {
        assert.equal(a.stdout, "");
      }
    }
    const post = d.failClosed("the witness log cannot be written", parse(agent, PRE[agent][1]));
    assert.equal(post.exitCode, 1, `${agent}: exit 2 after a call would hide its result or force a retry`);
  }
});

Deno.test("parseEvent: bad input names the field, the value and what was expected", () => {
  const cases: [HookAgent, unknown, string][] = [
    ["claude-code", [1, 2], "Cannot read the claude-code hook event: it is [1,2], expected a JSON object"],
    ["claude-code", "PreToolUse", 'Cannot read the claude-code hook event: it is "PreToolUse", expected a JSON object'],
    ["claude-code", { session_id: "s" }, 'Cannot read the claude-code hook event: "hook_event_name" is missing'],
    ["codex", { hook_event_name: "PreToolUse" }, 'Cannot read the codex hook event: "session_id" is missing'],
    [
      "codex",
      { hook_event_name: "PreToolUse", session_id: "s", tool_name: 7, tool_input: {} },
      'Cannot read the codex hook event: "tool_name" is 7, expected a non-empty string',
    ],
    [
      "gemini",
      { hook_event_name: "BeforeTool", session_id: "s", tool_name: "x", tool_input: ["a"] },
      'Cannot read the gemini hook event: "tool_input" is ["a"], expected an object',
    ],
    [
      "gemini",
      { hook_event_name: "BeforeTool", session_id: "", tool_name: "x", tool_input: {} },
      'Cannot read the gemini hook event: "session_id" is "", expected a non-empty string',
    ],
    [
      "gemini",
      {
        hook_event_name: "AfterModel",
        session_id: "s",
        llm_response: { usageMetadata: { promptTokenCount: "many" } },
      },
      'Cannot read the gemini hook event: "llm_response.usageMetadata.promptTokenCount" is "many", expected a count',
    ],
    [
      "cursor",
      { hook_event_name: "beforeShellExecution", conversation_id: "c", command: null },
      'Cannot read the cursor hook event: "command" is null, expected a non-empty string',
    ],
    [
      "cursor",
      { hook_event_name: "stop", conversation_id: "c", workspace_roots: "/p" },
      'Cannot read the cursor hook event: "workspace_roots" is "/p", expected an array of strings',
    ],
    [
      "claude-code",
      { hook_event_name: "PreToolUse", session_id: "s", tool_name: "Bash", tool_input: { command: "x" }, cwd: 5 },
      'Cannot read the claude-code hook event: "cwd" is 5, expected a string',
    ],
  ];
  for (const [agent, input, message] of cases) {
    assert.throws(() => DIALECTS[agent].parseEvent(input), (e: unknown) => {
      assert.ok(e instanceof HookInputError, `${agent}: ${String(e)}`);
      assert.equal(e.message, message);
      return true;
    });
  }
  // A long bad value is shortened in the message.
  assert.throws(
    () => gemini.parseEvent({ hook_event_name: "x", session_id: "y".repeat(500).split("") }),
    /"session_id" is \["y","y",.{0,80}\.\.\., expected a non-empty string/,
  );
});

Deno.test("parseEvent: an unknown event name is `other`, not an error (agents add events)", () => {
  for (const agent of HOOK_AGENTS) {
    const id = agent === "cursor" ? { conversation_id: "c" } : { session_id: "s" };
    const e = DIALECTS[agent].parseEvent({ hook_event_name: "SomethingNew", ...id });
    assert.equal(e.phase, "other");
    assert.equal(e.toolName, null);
  }
});

Deno.test("parseEvent: names of Object.prototype are unknown events, and unknown agents", () => {
  for (const agent of HOOK_AGENTS) {
    const id = agent === "cursor" ? { conversation_id: "c" } : { session_id: "s" };
    for (const name of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
      assert.equal(DIALECTS[agent].parseEvent({ hook_event_name: name, ...id }).phase, "other", `${agent} ${name}`);
    }
  }
  for (const name of ["constructor", "toString", "__proto__"]) {
    assert.throws(() => dialectFor(name), /Unknown hook agent/, name);
  }
});
