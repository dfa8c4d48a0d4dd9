/**
 * Claude Code, the real CLI (pinned in tests/e2e/agents/package.json), driven headless (`claude -p`) against the
 * lab's Anthropic mock inside a loopback-only namespace: its hooks block, run and report tool calls as the hook
 * answers say, the model reads the denial, and safe-exec's dialect adapters and transcript reader hold up on what
 * it really sends and writes. Skipped, with the reason printed, where the CLIs are not installed or no network
 * namespace can be made.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { claudeCode, claudeTranscriptUsage } from "../../../src/hook/mod.ts";
import { checkFixture, normalizePayload, recordTranscript } from "./_fixtures.ts";
import { type AgentRun, type HookInvocation, labStatus, type ModelRequest, runAgent } from "./driver.ts";

const lab = labStatus();
if (!lab.ok) {
  console.log(
    `claude_code_test: the real-CLI tests are ignored: ${lab.reason}`,
  );
}

function toolResults(
  req: ModelRequest,
): { content: string; is_error: boolean }[] {
  const out: { content: string; is_error: boolean }[] = [];
  const messages = (req.body as { messages?: { content?: unknown }[] }).messages ?? [];
  for (const m of messages) {
    if (!Array.isArray(m.content)) continue;
    for (const b of m.content as Record<string, unknown>[]) {
      if (b.type !== "tool_result") continue;
      const c = b.content;
      const text = typeof c === "string"
        ? c
        : Array.isArray(c)
        ? c.map((x: Record<string, unknown>) => String(x.text ?? "")).join("")
        : "";
      out.push({ content: text, is_error: b.is_error === true });
    }
  }
  return out;
}

function hooks(run: AgentRun, event: string): HookInvocation[] {
  return run.hookInvocations.filter((h) => h.event === event);
}

function report(run: AgentRun): string {
  return `exit ${run.exitCode} in ${run.durationMs} ms; stderr: ${run.stderr.slice(-1500)}; stdout: ${
    run.stdout.slice(-1500)
  }; run folder ${run.runDir}`;
}

Deno.test({
  name: "claude-code: a pre-tool hook denies the first call and allows the next; post, failure and session events",
  ignore: !lab.ok,
  async fn() {
    const run = await runAgent({
      agent: "claude-code",
      steps: [
        {
          tool: "Bash",
          input: { command: "echo first > first.txt", description: "first" },
        },
        {
          tool: "Bash",
          input: { command: "echo second > second.txt", description: "second" },
        },
        {
          tool: "Bash",
          input: { command: "cat /nonexistent-file", description: "fails" },
        },
        {
          tool: "Write",
          input: { file_path: "$PROJECT/written.txt", content: "hello\n" },
        },
        { tool: "Read", input: { file_path: "$PROJECT/written.txt" } },
        { text: "done" },
      ],
      hookPlan: { PreToolUse: ["deny", "allow"] },
    });
    try {
      console.log(
        `claude-code run: ${run.durationMs} ms (whole lab run ${run.totalMs} ms)`,
      );
      assert.equal(run.exitCode, 0, report(run));
      // The denied call did not run; the allowed ones did.
      assert.equal(
        existsSync(join(run.projectDir, "first.txt")),
        false,
        "the denied Bash call ran",
      );
      assert.equal(
        readFileSync(join(run.projectDir, "second.txt"), "utf8"),
        "second\n",
      );
      assert.equal(
        readFileSync(join(run.projectDir, "written.txt"), "utf8"),
        "hello\n",
      );
      // The model read the hook's reason in its next request.
      const main = run.modelRequests.filter((r) => r.answer.kind !== "neutral");
      assert.equal(main.length, 6, report(run));
      const first = toolResults(main[1]!)[0]!;
      assert.equal(first.is_error, true);
      assert.match(first.content, /lab hook: deny #1 \(PreToolUse Bash\)/);
      assert.equal(toolResults(main[2]!)[1]!.is_error, false);
      // The events: five pre-tool calls, a post event for each call that ran, the failure as PostToolUseFailure.
      assert.deepEqual(
        hooks(run, "PreToolUse").map((h) => h.input?.tool_name),
        [
          "Bash",
          "Bash",
          "Bash",
          "Write",
          "Read",
        ],
      );
      assert.deepEqual(
        hooks(run, "PostToolUse").map((h) => h.input?.tool_use_id),
        [
          "toolu_mock_2",
          "toolu_mock_4",
          "toolu_mock_5",
        ],
      );
      const failure = hooks(run, "PostToolUseFailure");
      assert.equal(failure.length, 1);
      assert.equal(failure[0]!.input?.tool_use_id, "toolu_mock_3");
      assert.match(String(failure[0]!.input?.error), /^Exit code 1\n/);
      assert.equal(hooks(run, "SessionStart")[0]?.input?.source, "startup");
      assert.equal(hooks(run, "SessionEnd").length, 1);
      // Nothing was looked up on DNS (the quiet variables hold), so nothing tried to leave the namespace.
      assert.deepEqual(run.dnsQueries, []);
      // safe-exec's parser reads every real payload, with the phases the gate expects.
      const phases = run.hookInvocations.map((h) => claudeCode.parseEvent(h.input).phase);
      assert.equal(phases.filter((p) => p === "pre_tool").length, 5);
      assert.equal(phases.filter((p) => p === "post_tool_failure").length, 1);
      const write = claudeCode.parseEvent(hooks(run, "PreToolUse")[3]!.input);
      assert.equal(write.toolUseId, "toolu_mock_4");
      assert.equal(write.transcriptPath, run.transcripts[0]);
      // The transcript, as each pre-tool hook found it, shows the usage the mock reported for a turn so far: the
      // current one, or (Claude Code flushes its transcript in batches) an earlier one.
      let readable = 0;
      for (const [i, h] of hooks(run, "PreToolUse").entries()) {
        const u = h.transcriptBytes === null ? null : claudeTranscriptUsage(String(h.input?.transcript_path), {
          limitBytes: h.transcriptBytes,
        });
        const seen = main.slice(0, i + 1).map((r) => r.answer.usage!).map((r) =>
          r.input + r.cacheCreation + r.cacheRead
        );
        assert.ok(
          u === null || seen.includes(u.contextTokens),
          `call ${i}: read ${u?.contextTokens}, reported ${seen}`,
        );
        if (u !== null) readable++;
      }
      assert.ok(
        readable >= 3,
        `only ${readable} of 5 pre-tool hooks found usage in the transcript`,
      );
      recordTranscript("claude-code", run.transcripts[0]!, run.runDir);
      // Fixtures of every payload kind.
      const fixture = (name: string, h: HookInvocation | undefined) => {
        assert.ok(h !== undefined, `no ${name} event`);
        checkFixture(
          "claude-code",
          name,
          normalizePayload(h.input, run.runDir),
        );
      };
      fixture("PreToolUse-Bash", hooks(run, "PreToolUse")[0]);
      fixture("PreToolUse-Write", hooks(run, "PreToolUse")[3]);
      fixture("PreToolUse-Read", hooks(run, "PreToolUse")[4]);
      fixture("PostToolUse-Bash", hooks(run, "PostToolUse")[0]);
      fixture("PostToolUse-Write", hooks(run, "PostToolUse")[1]);
      fixture("PostToolUseFailure-Bash", failure[0]);
      fixture("SessionStart-startup", hooks(run, "SessionStart")[0]);
      fixture("SessionEnd", hooks(run, "SessionEnd")[0]);
      fixture("UserPromptSubmit", hooks(run, "UserPromptSubmit")[0]);
      fixture("Stop", hooks(run, "Stop")[0]);
    } finally {
      run.cleanup();
    }
  },
});

Deno.test({
  name: "claude-code: safe-exec's answers (deny, fail-closed, ask, allow) do what they claim; compaction resets usage",
  ignore: !lab.ok,
  async fn() {
    const run = await runAgent({
      agent: "claude-code",
      steps: [
        { tool: "Bash", input: { command: "echo denied > denied.txt" } },
        {
          tool: "Bash",
          input: { command: "echo failclosed > failclosed.txt" },
        },
        { tool: "Bash", input: { command: "echo asked > asked.txt" } },
        // This turn reports a context close to the 1M window, so Claude Code compacts before the next one.
        {
          tool: "Bash",
          input: { command: "echo allowed > allowed.txt" },
          usage: { input: 5, cacheRead: 990_000, cacheCreation: 2000 },
        },
        { text: "unused: the compacted conversation follows its branch" },
      ],
      branches: [
        {
          when: "Do NOT call any tools",
          steps: [{ text: "<summary>lab summary</summary>" }],
        },
        {
          when: "continued from a previous conversation",
          steps: [
            {
              tool: "Bash",
              input: { command: "echo after > after.txt" },
              usage: { input: 50, cacheRead: 3000 },
            },
            { text: "done after compaction" },
          ],
        },
      ],
      // ALLOW prints nothing, so Claude Code's own permission flow decides: let it allow Bash.
      // (acceptEdits: Claude Code 2.1.332 asks before a shell redirection writes a file even when Bash is allowed.)
      settings: { permissions: { allow: ["Bash"] } },
      args: ["--permission-mode", "acceptEdits"],
      labHook: "render",
      hookPlan: { PreToolUse: ["deny", "fail", "ask", "allow"] },
    });
    try {
      console.log(
        `claude-code run: ${run.durationMs} ms (whole lab run ${run.totalMs} ms)`,
      );
      assert.equal(run.exitCode, 0, report(run));
      const p = (f: string) => join(run.projectDir, f);
      assert.equal(existsSync(p("denied.txt")), false, "DENY let the call run");
      assert.equal(
        existsSync(p("failclosed.txt")),
        false,
        "the fail-closed answer let the call run",
      );
      assert.equal(
        existsSync(p("asked.txt")),
        false,
        "ASK let the call run headless",
      );
      assert.equal(
        readFileSync(p("allowed.txt"), "utf8"),
        "allowed\n",
        "ALLOW (no output) did not leave it to the flow",
      );
      assert.equal(readFileSync(p("after.txt"), "utf8"), "after\n");
      // What the model read for each blocked call.
      const withAll = run.modelRequests.find((r) => toolResults(r).length >= 3)!;
      const results = toolResults(withAll);
      assert.match(
        results[0]!.content,
        /lab verdict: deny \(PreToolUse Bash\)/,
      );
      assert.match(
        results[1]!.content,
        /safe-exec: lab: the planned fail-closed answer for PreToolUse/,
      );
      assert.match(results[2]!.content, /lab verdict: ask \(PreToolUse Bash\)/);
      assert.deepEqual(results.slice(0, 3).map((r) => r.is_error), [
        true,
        true,
        true,
      ]);
      // The compaction: PreCompact, SessionStart(compact), PostCompact; the reader saw the reset, then the new usage.
      const records = run.renderRecords() as {
        eventName: string;
        usage: { contextTokens: number; source: string } | null;
      }[];
      assert.ok(
        records.some((r) => r.eventName === "PostCompact"),
        "no PostCompact event",
      );
      // Claude Code flushes its transcript in batches, so what a hook finds depends on timing; the real transcript,
      // cut just before and just after its compact boundary, must read as the big turn and as the reset.
      const transcript = readFileSync(run.transcripts[0]!);
      const boundary = transcript.indexOf('"subtype":"compact_boundary"');
      assert.ok(boundary > 0, "the transcript has no compact boundary");
      const lineStart = transcript.lastIndexOf(10, boundary) + 1;
      const lineEnd = transcript.indexOf(10, boundary) + 1;
      const beforeIt = claudeTranscriptUsage(run.transcripts[0]!, {
        limitBytes: lineStart,
      });
      assert.equal(
        beforeIt?.contextTokens,
        992_005,
        "before the boundary: the big turn's usage",
      );
      const atIt = claudeTranscriptUsage(run.transcripts[0]!, {
        limitBytes: lineEnd,
      });
      assert.equal(atIt?.source, "compact");
      assert.ok(
        atIt.contextTokens < 100_000,
        `the boundary's post-compaction size: ${atIt.contextTokens}`,
      );
      // And once a hook has seen the reset, no later hook sees the old size again.
      const firstReset = records.findIndex((r) => r.usage?.source === "compact");
      const later = records.slice(Math.max(firstReset, 0)).map((r) => r.usage?.contextTokens ?? 0);
      assert.ok(
        firstReset < 0 || later.every((t) => t < 100_000),
        `after the reset the hooks saw ${later}`,
      );
      console.log(
        `claude-code usage seen by the hooks: ${records.map((r) => `${r.eventName}=${r.usage?.contextTokens}`)}`,
      );
      recordTranscript("claude-code-compact", run.transcripts[0]!, run.runDir);
      const ev = (e: string) => run.hookInvocations.find((h) => h.event === e);
      checkFixture(
        "claude-code",
        "PreCompact",
        normalizePayload(ev("PreCompact")?.input, run.runDir),
      );
      checkFixture(
        "claude-code",
        "PostCompact",
        normalizePayload(ev("PostCompact")?.input, run.runDir),
      );
      const compactStart = run.hookInvocations.find((h) => h.event === "SessionStart" && h.input?.source === "compact");
      checkFixture(
        "claude-code",
        "SessionStart-compact",
        normalizePayload(compactStart?.input, run.runDir),
      );
    } finally {
      run.cleanup();
    }
  },
});

Deno.test({
  name: "claude-code: the dialect's facts: a hook exiting 1 lets the call through; a raw ask is a denial headless",
  ignore: !lab.ok,
  async fn() {
    const run = await runAgent({
      agent: "claude-code",
      steps: [
        { tool: "Bash", input: { command: "echo exit1 > exit1.txt" } },
        { tool: "Bash", input: { command: "echo asked > asked.txt" } },
        { text: "done" },
      ],
      hookEvents: ["PreToolUse"],
      args: ["--permission-mode", "acceptEdits"],
      settings: { permissions: { allow: ["Bash"] } },
      hookPlan: { PreToolUse: ["exit1", "ask"] },
    });
    try {
      console.log(
        `claude-code run: ${run.durationMs} ms (whole lab run ${run.totalMs} ms)`,
      );
      assert.equal(run.exitCode, 0, report(run));
      // Why safe-exec never exits 1 on a pre-tool event: Claude Code treats it as "no decision".
      assert.equal(
        readFileSync(join(run.projectDir, "exit1.txt"), "utf8"),
        "exit1\n",
        "exit 1 blocked the call",
      );
      // Why ASK can be Claude Code's own ask: headless, it is a denial whose reason the model reads.
      assert.equal(
        existsSync(join(run.projectDir, "asked.txt")),
        false,
        "a headless ask ran the call",
      );
      const last = run.modelRequests.filter((r) => r.answer.kind !== "neutral")
        .at(-1)!;
      assert.match(
        toolResults(last)[1]!.content,
        /lab hook: ask #2 \(PreToolUse Bash\)/,
      );
      const result = run.events().find((e) => e.type === "result") as {
        permission_denials?: unknown[];
      } | undefined;
      assert.equal(result?.permission_denials?.length, 1);
    } finally {
      run.cleanup();
    }
  },
});
