/**
 * `safe-exec hook` in front of the real coding agents (issue 14's "Done when"): Claude Code, Codex and Gemini CLI,
 * pinned in tests/e2e/agents/package.json, run headless against the lab's mock model servers in a loopback-only
 * network namespace, with their hooks pointing at the safe-exec binary (the Bun binary from dist/ when it is built,
 * else the source under Deno). For each agent: a low-fatigue call runs; the same call in a session whose transcript
 * (or, for Gemini CLI, whose model events) shows a large context, or after a failed call, is asked or denied, and
 * the model reads the reason in its next request (the mock's log); a broken config blocks the call; and the witness
 * log verifies with every decision in it (agent, session id, tool-use id). Skipped, with the reason printed, where
 * the CLIs are not installed or no network namespace can be made.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { verifyLog } from "../../../src/witness/verify.ts";
import { DENO_FLAGS, ROOT, targets } from "../../_targets.ts";
import {
  type AgentName,
  type AgentRun,
  labDenoDir,
  labStatus,
  type ModelRequest,
  runAgent,
  shQuote,
} from "./driver.ts";

const lab = labStatus();
if (!lab.ok) {
  console.log(
    `safe_exec_hook_test: the real-CLI tests are ignored: ${lab.reason}`,
  );
}

/** The safe-exec command line the agents' hooks run: the Bun binary when built, else the source under Deno. */
function safeExec(): string {
  const binary = targets().find((t) => t.name.startsWith("binary"));
  if (binary !== undefined) return binary.argv.map(shQuote).join(" ");
  console.log(
    "safe_exec_hook_test: no binary in dist/ (deno run _tools/build_for_tests.ts): the hooks run the source",
  );
  return [
    `DENO_DIR=${shQuote(labDenoDir())}`,
    "DENO_NO_UPDATE_CHECK=1",
    shQuote(join(ROOT, "node_modules", ".bin", "deno")),
    "run",
    ...DENO_FLAGS.map(shQuote),
    shQuote(join(ROOT, "src", "main.ts")),
  ].join(" ");
}

const SAFE_EXEC = safeExec();

/** The hook command for an agent, its config, log and state in the run folder (outside the agent's project). */
function hookCommand(agent: AgentName): string {
  return `${SAFE_EXEC} hook ${agent} --config $RUN/safe-exec.jsonc --witness $RUN/witness.log --state $RUN/hook-state`;
}

/** One failed call saturates the error term: 0.7 of fatigue, so a medium-risk call is denied after it. */
const FAILURE_TIRES = JSON.stringify({
  metrics: {
    maxErrors: 1,
    weightContext: 0.2,
    weightDuration: 0.1,
    weightErrors: 0.7,
  },
});

function report(run: AgentRun): string {
  return `exit ${run.exitCode} in ${run.durationMs} ms; stderr: ${run.stderr.slice(-1500)}; stdout: ${
    run.stdout.slice(-1500)
  }; hooks: ${
    JSON.stringify(
      run.hookInvocations.map((
        h,
      ) => [
        h.event,
        h.exitCode,
        h.stdout.slice(0, 300),
        h.stderr.slice(0, 300),
      ]),
    )
  }; run folder ${run.runDir}`;
}

/** The witness log's lines. */
function witness(run: AgentRun): Record<string, unknown>[] {
  const file = join(run.runDir, "witness.log");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l));
}

/** The gate lines; checks that each pre-tool hook wrote one, with the agent, session and tool-use id. */
function gates(
  run: AgentRun,
  agent: AgentName,
  preEvent: string,
): Record<string, unknown>[] {
  const lines = witness(run).filter((l) => l.event === "gate");
  const pre = run.hookInvocations.filter((h) => h.event === preEvent);
  assert.equal(
    lines.length,
    pre.length,
    `a gate line per ${preEvent}: ${report(run)}`,
  );
  for (const [i, l] of lines.entries()) {
    const d = l.details as Record<string, unknown>;
    assert.equal(d.agent, agent);
    assert.equal(d.sessionId, pre[i]!.input?.session_id);
    assert.equal(d.toolUseId, pre[i]!.input?.tool_use_id ?? null);
  }
  const v = verifyLog(join(run.runDir, "witness.log"));
  assert.equal(
    v.ok,
    true,
    `the witness log verifies: ${JSON.stringify(v.problems)}`,
  );
  return lines;
}

/** Every text the model got back for its tool calls, in one request (each agent's own shape). */
function toolResults(agent: AgentName, req: ModelRequest): string[] {
  const body = req.body as Record<string, unknown>;
  if (agent === "claude-code") {
    const out: string[] = [];
    for (const m of (body.messages ?? []) as { content?: unknown }[]) {
      if (!Array.isArray(m.content)) continue;
      for (const b of m.content as Record<string, unknown>[]) {
        if (b.type !== "tool_result") continue;
        const c = b.content;
        out.push(
          typeof c === "string"
            ? c
            : Array.isArray(c)
            ? c.map((x: Record<string, unknown>) => x.text ?? "").join("")
            : "",
        );
      }
    }
    return out;
  }
  if (agent === "codex") {
    return ((body.input ?? []) as Record<string, unknown>[])
      .filter((i) =>
        i.type === "function_call_output" ||
        i.type === "custom_tool_call_output"
      )
      .map((
        i,
      ) => (typeof i.output === "string" ? i.output : JSON.stringify(i.output)));
  }
  const contents = (body.contents ?? []) as {
    parts?: Record<string, unknown>[];
  }[];
  return contents.flatMap((c) => c.parts ?? []).filter((p) => p.functionResponse !== undefined).map((p) =>
    JSON.stringify((p.functionResponse as { response: unknown }).response)
  );
}

/** What the model read last for its tool calls (the last main request). */
function lastResults(run: AgentRun): string[] {
  const main = run.modelRequests.filter((r) => r.answer.kind !== "neutral");
  return toolResults(run.agent, main.at(-1)!);
}

// ---- Claude Code ------------------------------------------------------------------------------------------------

const CLAUDE = {
  agent: "claude-code" as const,
  hookCommand: hookCommand("claude-code"),
  // ALLOW prints nothing: Claude Code's own flow decides; acceptEdits lets it run the edits (and read-only shell
  // commands inside the project) that the gate allows. (Its permissions.allow is ignored in an untrusted folder.)
  args: ["--permission-mode", "acceptEdits"],
};

Deno.test({
  name: "claude-code + safe-exec: a low-fatigue write runs; in a session with a large context it is asked and blocked",
  ignore: !lab.ok,
  async fn() {
    const steps = [
      { tool: "Read", input: { file_path: "$PROJECT/seed.txt" } },
      { tool: "Read", input: { file_path: "$PROJECT/seed.txt" } },
      {
        tool: "Write",
        input: { file_path: "$PROJECT/written.txt", content: "hello\n" },
      },
      { text: "done" },
    ];
    const low = await runAgent({
      ...CLAUDE,
      steps,
      files: { "safe-exec.jsonc": "{}", "project/seed.txt": "seed\n" },
      usage: { input: 50 },
    });
    try {
      assert.equal(low.exitCode, 0, report(low));
      assert.equal(
        readFileSync(join(low.projectDir, "written.txt"), "utf8"),
        "hello\n",
        report(low),
      );
      const g = gates(low, "claude-code", "PreToolUse");
      assert.deepEqual(g.map((l) => l.decision), ["allow", "allow", "allow"]);
      const executes = witness(low).filter((l) => l.event === "execute");
      assert.ok(
        executes.some((l) => l.tool === "Write" && (l.details as { ok: boolean }).ok),
        report(low),
      );
      assert.ok(
        witness(low).some((l) => l.event === "session"),
        "the session start is logged",
      );
    } finally {
      low.cleanup();
    }
    // The same calls, each model turn reporting 190,000 tokens of context (0.4 * 0.95 = 0.38: a medium call asks).
    const big = await runAgent({
      ...CLAUDE,
      steps,
      files: { "safe-exec.jsonc": "{}", "project/seed.txt": "seed\n" },
      usage: { input: 5, cacheRead: 188_000, cacheCreation: 2000 },
    });
    try {
      assert.equal(big.exitCode, 0, report(big));
      assert.equal(
        existsSync(join(big.projectDir, "written.txt")),
        false,
        `the write ran: ${report(big)}`,
      );
      const g = gates(big, "claude-code", "PreToolUse");
      const write = g.at(-1)!;
      assert.equal(write.tool, "Write");
      assert.equal(write.decision, "ask", report(big));
      const m = (write.details as { metrics: Record<string, unknown> }).metrics;
      assert.deepEqual([m.contextTokens, m.contextSource], [190_005, "usage"]);
      // Headless, Claude Code's ask is a denial whose reason the model reads.
      assert.match(
        lastResults(big).at(-1)!,
        /safe-exec: risk=medium fatigue=0\.38/,
      );
    } finally {
      big.cleanup();
    }
  },
});

Deno.test({
  name: "claude-code + safe-exec: a failed call raises fatigue and the next write is denied; the model reads why",
  ignore: !lab.ok,
  async fn() {
    const run = await runAgent({
      ...CLAUDE,
      steps: [
        {
          tool: "Bash",
          input: { command: "cat missing.txt", description: "fails" },
        },
        {
          tool: "Write",
          input: { file_path: "$PROJECT/written.txt", content: "hello\n" },
        },
        { text: "done" },
      ],
      files: { "safe-exec.jsonc": FAILURE_TIRES },
    });
    try {
      assert.equal(run.exitCode, 0, report(run));
      assert.equal(
        existsSync(join(run.projectDir, "written.txt")),
        false,
        `the write ran: ${report(run)}`,
      );
      const g = gates(run, "claude-code", "PreToolUse");
      assert.deepEqual(g.map((l) => [l.tool, l.decision]), [["Bash", "allow"], [
        "Write",
        "deny",
      ]]);
      const failed = witness(run).find((l) => l.event === "execute")!;
      assert.equal((failed.details as { ok: boolean }).ok, false);
      assert.match(
        lastResults(run).at(-1)!,
        /safe-exec denied this call: risk=medium fatigue=0\.7\d .*errors 1\.00/,
      );
    } finally {
      run.cleanup();
    }
  },
});

Deno.test({
  name: "claude-code + safe-exec: a broken config blocks the call (exit 2), and the model reads the config's error",
  ignore: !lab.ok,
  async fn() {
    const run = await runAgent({
      ...CLAUDE,
      steps: [{
        tool: "Write",
        input: { file_path: "$PROJECT/written.txt", content: "hello\n" },
      }, { text: "done" }],
      files: { "safe-exec.jsonc": '{ "metrics": { "maxContext": -1 } }' },
      hookEvents: ["PreToolUse"],
    });
    try {
      assert.equal(run.exitCode, 0, report(run));
      assert.equal(
        existsSync(join(run.projectDir, "written.txt")),
        false,
        `the write ran: ${report(run)}`,
      );
      const pre = run.hookInvocations.filter((h) => h.event === "PreToolUse");
      assert.deepEqual(pre.map((h) => h.exitCode), [2]);
      assert.match(
        lastResults(run)[0]!,
        /safe-exec: Invalid config .*"metrics\.maxContext"/,
      );
    } finally {
      run.cleanup();
    }
  },
});

// ---- Codex ------------------------------------------------------------------------------------------------------

const PATCH = (file: string) => `*** Begin Patch\n*** Add File: ${file}\n+hello\n*** End Patch\n`;

Deno.test({
  name: "codex + safe-exec: a low-fatigue patch runs; after a failed command the next patch is denied; broken config",
  ignore: !lab.ok,
  async fn() {
    const run = await runAgent({
      agent: "codex",
      hookCommand: hookCommand("codex"),
      steps: [
        { tool: "apply_patch", input: PATCH("first.txt") },
        { tool: "exec_command", input: { cmd: "cat ./no-such-file.txt" } },
        { tool: "apply_patch", input: PATCH("second.txt") },
        { text: "done" },
      ],
      files: { "safe-exec.jsonc": FAILURE_TIRES },
    });
    try {
      assert.equal(run.exitCode, 0, report(run));
      assert.equal(
        readFileSync(join(run.projectDir, "first.txt"), "utf8"),
        "hello\n",
        report(run),
      );
      assert.equal(
        existsSync(join(run.projectDir, "second.txt")),
        false,
        `the second patch ran: ${report(run)}`,
      );
      const g = gates(run, "codex", "PreToolUse");
      assert.deepEqual(g.map((l) => [l.tool, l.decision]), [
        ["apply_patch", "allow"],
        ["Bash", "allow"],
        [
          "apply_patch",
          "deny",
        ],
      ]);
      // Codex's PostToolUse has no exit code: the failure came from its rollout.
      const failed = witness(run).filter((l) => l.event === "execute" && !(l.details as { ok: boolean }).ok);
      assert.equal(failed.length, 1, report(run));
      assert.equal((failed[0]!.details as { exitCode: number }).exitCode, 1);
      assert.match(
        lastResults(run).at(-1)!,
        /blocked by PreToolUse hook: safe-exec denied this call: risk=medium/,
      );
    } finally {
      run.cleanup();
    }
    const broken = await runAgent({
      agent: "codex",
      hookCommand: hookCommand("codex"),
      steps: [{ tool: "apply_patch", input: PATCH("first.txt") }, {
        text: "done",
      }],
      files: { "safe-exec.jsonc": "{ not json" },
      hookEvents: ["PreToolUse"],
    });
    try {
      assert.equal(broken.exitCode, 0, report(broken));
      assert.equal(
        existsSync(join(broken.projectDir, "first.txt")),
        false,
        `the patch ran: ${report(broken)}`,
      );
      assert.match(
        lastResults(broken)[0]!,
        /blocked by PreToolUse hook: safe-exec: Invalid config/,
      );
    } finally {
      broken.cleanup();
    }
  },
});

Deno.test({
  name: "codex + safe-exec: a rollout showing a large context turns the patch's ALLOW into a denial asking the user",
  ignore: !lab.ok,
  async fn() {
    const run = await runAgent({
      agent: "codex",
      hookCommand: hookCommand("codex"),
      steps: [{ tool: "apply_patch", input: PATCH("first.txt") }, {
        text: "done",
      }],
      usage: { input: 190_000, cacheRead: 0 },
      files: { "safe-exec.jsonc": "{}" },
    });
    try {
      assert.equal(run.exitCode, 0, report(run));
      assert.equal(
        existsSync(join(run.projectDir, "first.txt")),
        false,
        `the patch ran: ${report(run)}`,
      );
      const g = gates(run, "codex", "PreToolUse");
      assert.equal(g[0]!.decision, "ask");
      assert.equal(
        (g[0]!.details as { metrics: { contextTokens: number } }).metrics
          .contextTokens,
        190_000,
      );
      assert.match(lastResults(run)[0]!, /ask the user whether to run it/);
    } finally {
      run.cleanup();
    }
  },
});

// ---- Gemini CLI -------------------------------------------------------------------------------------------------

Deno.test({
  name: "gemini + safe-exec: a low-fatigue write runs; after a failed command the next is denied; large context asks",
  ignore: !lab.ok,
  async fn() {
    const run = await runAgent({
      agent: "gemini",
      hookCommand: hookCommand("gemini"),
      steps: [
        {
          tool: "write_file",
          input: { file_path: "$PROJECT/first.txt", content: "hello\n" },
        },
        {
          tool: "run_shell_command",
          input: { command: "cat ./no-such-file.txt", description: "fails" },
        },
        {
          tool: "write_file",
          input: { file_path: "$PROJECT/second.txt", content: "hello\n" },
        },
        { text: "done" },
      ],
      files: { "safe-exec.jsonc": FAILURE_TIRES },
    });
    try {
      assert.equal(run.exitCode, 0, report(run));
      assert.equal(
        readFileSync(join(run.projectDir, "first.txt"), "utf8"),
        "hello\n",
        report(run),
      );
      assert.equal(
        existsSync(join(run.projectDir, "second.txt")),
        false,
        `the second write ran: ${report(run)}`,
      );
      const g = gates(run, "gemini", "BeforeTool");
      assert.deepEqual(g.map((l) => [l.tool, l.decision]), [
        ["write_file", "allow"],
        ["run_shell_command", "allow"],
        [
          "write_file",
          "deny",
        ],
      ]);
      assert.match(
        lastResults(run).at(-1)!,
        /Tool execution blocked: safe-exec denied this call: risk=medium/,
      );
    } finally {
      run.cleanup();
    }
    // Every model turn reports 190,000 prompt tokens: the AfterModel events carry them to the next BeforeTool.
    const big = await runAgent({
      agent: "gemini",
      hookCommand: hookCommand("gemini"),
      steps: [{
        tool: "write_file",
        input: { file_path: "$PROJECT/first.txt", content: "hello\n" },
      }, { text: "done" }],
      usage: { input: 190_000 },
      files: { "safe-exec.jsonc": "{}" },
    });
    try {
      assert.equal(big.exitCode, 0, report(big));
      assert.equal(
        existsSync(join(big.projectDir, "first.txt")),
        false,
        `the write ran: ${report(big)}`,
      );
      const g = gates(big, "gemini", "BeforeTool");
      assert.equal(g[0]!.decision, "ask");
      const m = (g[0]!.details as { metrics: Record<string, unknown> }).metrics;
      assert.deepEqual([m.contextTokens, m.contextSource], [190_000, "event"]);
      assert.match(lastResults(big)[0]!, /ask the user whether to run it/);
    } finally {
      big.cleanup();
    }
    const broken = await runAgent({
      agent: "gemini",
      hookCommand: hookCommand("gemini"),
      steps: [{
        tool: "write_file",
        input: { file_path: "$PROJECT/first.txt", content: "hi\n" },
      }, { text: "done" }],
      files: { "safe-exec.jsonc": "{ not json" },
      hookEvents: ["BeforeTool"],
    });
    try {
      assert.equal(broken.exitCode, 0, report(broken));
      assert.equal(
        existsSync(join(broken.projectDir, "first.txt")),
        false,
        `the write ran: ${report(broken)}`,
      );
      assert.match(
        lastResults(broken)[0]!,
        /Tool execution blocked: safe-exec: Invalid config/,
      );
    } finally {
      broken.cleanup();
    }
  },
});
