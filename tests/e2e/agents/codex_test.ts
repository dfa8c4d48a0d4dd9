/**
 * Codex, the real CLI (pinned in tests/e2e/agents/package.json), driven headless (`codex exec --json`) against the
 * lab's OpenAI Responses mock inside a loopback-only namespace, its user-level hooks trusted by hash through
 * `codex app-server` first. Skipped, with the reason printed, where the CLIs are not installed or no network
 * namespace can be made.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { codex, codexToolOutcome, codexTranscriptUsage } from "../../../src/hook/mod.ts";
import { checkFixture, normalizePayload, recordTranscript } from "./_fixtures.ts";
import { type AgentRun, type HookInvocation, labStatus, type ModelRequest, runAgent } from "./driver.ts";

const lab = labStatus();
if (!lab.ok) {
  console.log(`codex_test: the real-CLI tests are ignored: ${lab.reason}`);
}

function outputs(req: ModelRequest): string[] {
  const input = (req.body as { input?: Record<string, unknown>[] }).input ?? [];
  return input.filter((i) => i.type === "function_call_output" || i.type === "custom_tool_call_output").map((i) =>
    typeof i.output === "string" ? i.output : JSON.stringify(i.output)
  );
}

function hooks(run: AgentRun, event: string): HookInvocation[] {
  return run.hookInvocations.filter((h) => h.event === event);
}

function report(run: AgentRun): string {
  return `exit ${run.exitCode} in ${run.durationMs} ms; stderr: ${run.stderr.slice(-1500)}; stdout: ${
    run.stdout.slice(-1500)
  }; run folder ${run.runDir}`;
}

const PATCH = "*** Begin Patch\n*** Add File: written.txt\n+hello\n*** End Patch\n";

Deno.test({
  name: "codex: a pre-tool hook denies the first call and lets the next run; post-tool and session events",
  ignore: !lab.ok,
  async fn() {
    // Codex makes /tmp/codex-daemon-<uid> whatever TMPDIR says; the lab's namespace has a private /tmp.
    const daemonDir = "/tmp/codex-daemon-0";
    const daemonBefore = existsSync(daemonDir);
    const run = await runAgent({
      agent: "codex",
      steps: [
        { tool: "exec_command", input: { cmd: "echo first > first.txt" } },
        { tool: "exec_command", input: { cmd: "echo second > second.txt" } },
        { tool: "exec_command", input: { cmd: "cat /nonexistent-file" } },
        { tool: "apply_patch", input: PATCH },
        { text: "done" },
      ],
      // Codex has no hook "allow" (it reports it unsupported): no output lets the call run under its own policy.
      hookPlan: { PreToolUse: ["deny", "none"] },
    });
    try {
      console.log(
        `codex run: ${run.durationMs} ms (whole lab run ${run.totalMs} ms, trust step ${
          run.netns.prepare[0]?.durationMs
        } ms)`,
      );
      assert.equal(run.exitCode, 0, report(run));
      assert.equal(
        existsSync(join(run.projectDir, "first.txt")),
        false,
        "the denied call ran",
      );
      assert.equal(
        readFileSync(join(run.projectDir, "second.txt"), "utf8"),
        "second\n",
      );
      assert.equal(
        readFileSync(join(run.projectDir, "written.txt"), "utf8"),
        "hello\n",
      );
      const main = run.modelRequests.filter((r) => r.answer.kind !== "neutral");
      assert.equal(main.length, 5, report(run));
      assert.equal(
        outputs(main[1]!)[0],
        "Command blocked by PreToolUse hook: lab hook: deny #1 (PreToolUse Bash). Command: echo first > first.txt",
      );
      assert.deepEqual(
        hooks(run, "PreToolUse").map((h) => h.input?.tool_name),
        [
          "Bash",
          "Bash",
          "Bash",
          "apply_patch",
        ],
      );
      const post = hooks(run, "PostToolUse");
      assert.deepEqual(post.map((h) => h.input?.tool_use_id), [
        "call_mock_2",
        "call_mock_3",
        "call_mock_4",
      ]);
      // Codex's PostToolUse has no exit code: the failed cat looks like any other output there...
      assert.equal(
        post[1]!.input?.tool_response,
        "cat: /nonexistent-file: No such file or directory\n",
      );
      assert.equal(codex.parseEvent(post[1]!.input).phase, "post_tool");
      // ...and the rollout has it.
      const rollout = String(post[1]!.input?.transcript_path);
      assert.deepEqual(codexToolOutcome(rollout, "call_mock_3"), {
        exitCode: 1,
        failed: true,
      });
      assert.deepEqual(codexToolOutcome(rollout, "call_mock_2"), {
        exitCode: 0,
        failed: false,
      });
      const atHook = codexToolOutcome(rollout, "call_mock_3", {
        limitBytes: post[1]!.transcriptBytes ?? 0,
      });
      console.log(
        `codex: the failed call's outcome in the rollout when its PostToolUse ran: ${JSON.stringify(atHook)}`,
      );
      assert.equal(hooks(run, "SessionStart")[0]?.input?.source, "startup");
      assert.deepEqual(run.dnsQueries, []);
      if (!daemonBefore) {
        assert.equal(
          existsSync(daemonDir),
          false,
          "the run wrote into the host's /tmp",
        );
      }
      // The parser reads every real payload; the reader finds the usage of a turn so far at each pre-tool hook.
      for (const h of run.hookInvocations) codex.parseEvent(h.input);
      for (const [i, h] of hooks(run, "PreToolUse").entries()) {
        const u = h.transcriptBytes === null ? null : codexTranscriptUsage(rollout, { limitBytes: h.transcriptBytes });
        const seen = main.slice(0, i + 1).map((r) => r.answer.usage!.input + r.answer.usage!.cacheRead);
        assert.ok(
          u !== null && seen.includes(u.contextTokens),
          `call ${i}: read ${u?.contextTokens}, reported ${seen}`,
        );
      }
      recordTranscript("codex", rollout, run.runDir);
      const fixture = (name: string, h: HookInvocation | undefined) => {
        assert.ok(h !== undefined, `no ${name} event`);
        checkFixture("codex", name, normalizePayload(h.input, run.runDir));
      };
      fixture("PreToolUse-Bash", hooks(run, "PreToolUse")[0]);
      fixture("PreToolUse-apply_patch", hooks(run, "PreToolUse")[3]);
      fixture("PostToolUse-Bash", post[0]);
      fixture("PostToolUse-Bash-failed", post[1]);
      fixture("PostToolUse-apply_patch", post[2]);
      fixture("SessionStart-startup", hooks(run, "SessionStart")[0]);
      fixture("UserPromptSubmit", hooks(run, "UserPromptSubmit")[0]);
      fixture("Stop", hooks(run, "Stop")[0]);
    } finally {
      run.cleanup();
    }
  },
});

Deno.test({
  name: "codex: safe-exec's answers (deny, fail-closed, ask as a denial, allow) do what they claim; compaction",
  ignore: !lab.ok,
  async fn() {
    const run = await runAgent({
      agent: "codex",
      steps: [
        { tool: "exec_command", input: { cmd: "echo denied > denied.txt" } },
        {
          tool: "exec_command",
          input: { cmd: "echo failclosed > failclosed.txt" },
        },
        { tool: "exec_command", input: { cmd: "echo asked > asked.txt" } },
        // Close to the 258,400-token window (model_auto_compact_token_limit did not lower the threshold in
        // 0.171.0), so Codex compacts before the next turn.
        {
          tool: "exec_command",
          input: { cmd: "echo allowed > allowed.txt" },
          usage: { input: 250_000 },
        },
        { text: "unused: the compacted conversation follows its branch" },
      ],
      branches: [
        // The compaction request carries the whole context, so its usage is the big one too.
        {
          when: "CONTEXT CHECKPOINT COMPACTION",
          steps: [{ text: "lab summary", usage: { input: 250_100 } }],
        },
        {
          when: "Another language model started to solve this problem",
          steps: [
            {
              tool: "exec_command",
              input: { cmd: "echo after > after.txt" },
              usage: { input: 3000 },
            },
            { text: "done after compaction" },
          ],
        },
      ],
      labHook: "render",
      hookPlan: { PreToolUse: ["deny", "fail", "ask", "allow"] },
    });
    try {
      console.log(
        `codex run: ${run.durationMs} ms (whole lab run ${run.totalMs} ms)`,
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
        "ASK (a denial for Codex) let the call run",
      );
      assert.equal(readFileSync(p("allowed.txt"), "utf8"), "allowed\n");
      assert.equal(readFileSync(p("after.txt"), "utf8"), "after\n");
      const withThree = run.modelRequests.find((r) => outputs(r).length >= 3)!;
      const [denied, failed, asked] = outputs(withThree);
      assert.match(
        denied!,
        /^Command blocked by PreToolUse hook: lab verdict: deny \(PreToolUse Bash\)/,
      );
      assert.match(
        failed!,
        /^Command blocked by PreToolUse hook: safe-exec: lab: the planned fail-closed answer/,
      );
      assert.match(
        asked!,
        /^Command blocked by PreToolUse hook: safe-exec wants the user to approve this call first/,
      );
      assert.match(asked!, /ask the user whether to run it/);
      // Compaction: the hooks fired, the rollout reads as reset after it and as the new turn's usage later.
      assert.ok(
        hooks(run, "PreCompact").length >= 1 &&
          hooks(run, "PostCompact").length >= 1,
        report(run),
      );
      const rollout = run.transcripts[0]!;
      const text = readFileSync(rollout);
      const compacted = text.indexOf(
        '{"timestamp"',
        text.indexOf('"type":"compacted"') - 200,
      );
      assert.ok(compacted > 0, "the rollout has no compacted record");
      const lineEnd = text.indexOf(10, text.indexOf('"type":"compacted"')) + 1;
      assert.equal(
        codexTranscriptUsage(rollout, { limitBytes: lineEnd })?.source,
        "compact",
      );
      assert.equal(
        codexTranscriptUsage(rollout, { limitBytes: compacted })?.contextTokens,
        250_100,
      );
      const records = run.renderRecords() as {
        eventName: string;
        usage: { contextTokens: number } | null;
      }[];
      console.log(
        `codex usage seen by the hooks: ${records.map((r) => `${r.eventName}=${r.usage?.contextTokens}`)}`,
      );
      const lastPre = records.filter((r) => r.eventName === "PreToolUse").at(
        -1,
      )!;
      assert.ok(
        (lastPre.usage?.contextTokens ?? 0) < 100_000,
        "the call after compaction still reads the old size",
      );
      recordTranscript("codex-compact", run.transcripts[0]!, run.runDir);
      const ev = (e: string) => hooks(run, e)[0];
      checkFixture(
        "codex",
        "PreCompact",
        normalizePayload(ev("PreCompact")?.input, run.runDir),
      );
      checkFixture(
        "codex",
        "PostCompact",
        normalizePayload(ev("PostCompact")?.input, run.runDir),
      );
      const compactStart = hooks(run, "SessionStart").find((h) => h.input?.source !== "startup");
      if (compactStart !== undefined) {
        checkFixture(
          "codex",
          `SessionStart-${compactStart.input?.source}`,
          normalizePayload(compactStart.input, run.runDir),
        );
      }
    } finally {
      run.cleanup();
    }
  },
});

Deno.test({
  name: "codex: the dialect's facts: exit 1, a raw ask and a raw allow all let the call run (fail-open)",
  ignore: !lab.ok,
  async fn() {
    const run = await runAgent({
      agent: "codex",
      steps: [
        { tool: "exec_command", input: { cmd: "echo exit1 > exit1.txt" } },
        { tool: "exec_command", input: { cmd: "echo asked > asked.txt" } },
        { tool: "exec_command", input: { cmd: "echo allowed > allowed.txt" } },
        { text: "done" },
      ],
      hookEvents: ["PreToolUse"],
      hookPlan: { PreToolUse: ["exit1", "ask", "allow"] },
    });
    try {
      console.log(
        `codex run: ${run.durationMs} ms (whole lab run ${run.totalMs} ms)`,
      );
      assert.equal(run.exitCode, 0, report(run));
      // Why safe-exec answers ASK with a denial and ALLOW with silence for Codex, and never exits 1.
      for (const f of ["exit1.txt", "asked.txt", "allowed.txt"]) {
        assert.ok(
          existsSync(join(run.projectDir, f)),
          `${f}: Codex blocked it (the dialect changed?)`,
        );
      }
    } finally {
      run.cleanup();
    }
  },
});
