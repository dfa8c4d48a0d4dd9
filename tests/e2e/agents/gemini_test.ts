/**
 * Gemini CLI, the real CLI (pinned in tests/e2e/agents/package.json), driven headless (`gemini -p`, a policy that
 * allows the shell and file tools so the hook is the only gate) against the lab's Gemini mock inside a
 * loopback-only namespace. Skipped, with the reason printed, where the CLIs are not installed or no network
 * namespace can be made.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gemini, geminiTranscriptUsage } from "../../../src/hook/mod.ts";
import { checkFixture, normalizePayload, recordTranscript } from "./_fixtures.ts";
import { type AgentRun, type HookInvocation, labStatus, type ModelRequest, runAgent } from "./driver.ts";

const lab = labStatus();
if (!lab.ok) {
  console.log(`gemini_test: the real-CLI tests are ignored: ${lab.reason}`);
}

function responses(req: ModelRequest): Record<string, unknown>[] {
  const contents = (req.body as { contents?: { parts?: Record<string, unknown>[] }[] })
    .contents ?? [];
  return contents.flatMap((c) => c.parts ?? []).filter((p) => p.functionResponse !== undefined).map((p) =>
    (p.functionResponse as { response: Record<string, unknown> }).response
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

Deno.test({
  name: "gemini: a pre-tool hook denies the first call and lets the next run; after-tool, failures, session, usage",
  ignore: !lab.ok,
  async fn() {
    const run = await runAgent({
      agent: "gemini",
      steps: [
        {
          tool: "run_shell_command",
          input: { command: "echo first > first.txt", description: "first" },
        },
        {
          tool: "run_shell_command",
          input: { command: "echo second > second.txt", description: "second" },
        },
        {
          tool: "run_shell_command",
          input: { command: "cat /nonexistent-file", description: "fails" },
        },
        {
          tool: "write_file",
          input: { file_path: "$PROJECT/written.txt", content: "hello\n" },
        },
        { tool: "read_file", input: { file_path: "$PROJECT/missing.txt" } },
        { text: "done" },
      ],
      // Gemini CLI's hook "allow" grants nothing (the policy decides): no output lets the policy's allow stand.
      hookPlan: { BeforeTool: ["deny", "none"] },
    });
    try {
      console.log(
        `gemini run: ${run.durationMs} ms (whole lab run ${run.totalMs} ms)`,
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
      assert.equal(main.length, 6, report(run));
      assert.deepEqual(responses(main[1]!)[0], {
        error: "Tool execution blocked: lab hook: deny #1 (BeforeTool run_shell_command)",
      });
      assert.deepEqual(
        hooks(run, "BeforeTool").map((h) => h.input?.tool_name),
        [
          "run_shell_command",
          "run_shell_command",
          "run_shell_command",
          "write_file",
          "read_file",
        ],
      );
      const after = hooks(run, "AfterTool");
      assert.equal(after.length, 4, "an AfterTool for each call that ran");
      // The phases safe-exec reads from them: the failing shell call and the failed read are failures.
      const phases = after.map((h) => gemini.parseEvent(h.input));
      assert.deepEqual(phases.map((e) => e.phase), [
        "post_tool",
        "post_tool_failure",
        "post_tool",
        "post_tool_failure",
      ]);
      assert.equal(phases[1]!.error, "Exit Code: 1");
      console.log(`gemini: the failed read_file's error: ${phases[3]!.error}`);
      // AfterModel carries the usage the mock reported; the chat recording too, as each BeforeTool found it.
      const models = hooks(run, "AfterModel").map((h) => gemini.parseEvent(h.input).usage?.contextTokens);
      const reported = main.map((r) => r.answer.usage!.input + r.answer.usage!.cacheRead);
      assert.deepEqual(models, reported);
      for (const [i, h] of hooks(run, "BeforeTool").entries()) {
        const u = h.transcriptBytes === null ? null : geminiTranscriptUsage(String(h.input?.transcript_path), {
          limitBytes: h.transcriptBytes,
        });
        assert.equal(u?.contextTokens, reported[i], `BeforeTool ${i}`);
      }
      // PreCompress fires on every turn although nothing is compressed (no compression request reached the mock).
      assert.equal(hooks(run, "PreCompress").length, main.length);
      assert.equal(hooks(run, "SessionStart")[0]?.input?.source, "startup");
      assert.equal(hooks(run, "SessionEnd")[0]?.input?.reason, "exit");
      assert.deepEqual(run.dnsQueries, []);
      recordTranscript("gemini", run.transcripts[0]!, run.runDir);
      for (const h of run.hookInvocations) gemini.parseEvent(h.input);
      const fixture = (name: string, h: HookInvocation | undefined) => {
        assert.ok(h !== undefined, `no ${name} event`);
        checkFixture("gemini", name, normalizePayload(h.input, run.runDir));
      };
      fixture("BeforeTool-run_shell_command", hooks(run, "BeforeTool")[0]);
      fixture("BeforeTool-write_file", hooks(run, "BeforeTool")[3]);
      fixture("BeforeTool-read_file", hooks(run, "BeforeTool")[4]);
      fixture("AfterTool-run_shell_command", after[0]);
      fixture("AfterTool-run_shell_command-failed", after[1]);
      fixture("AfterTool-write_file", after[2]);
      fixture("AfterTool-read_file-error", after[3]);
      fixture("AfterModel", hooks(run, "AfterModel")[0]);
      fixture("PreCompress", hooks(run, "PreCompress")[0]);
      fixture("SessionStart-startup", hooks(run, "SessionStart")[0]);
      fixture("SessionEnd", hooks(run, "SessionEnd")[0]);
      fixture("BeforeAgent", hooks(run, "BeforeAgent")[0]);
      fixture("AfterAgent", hooks(run, "AfterAgent")[0]);
    } finally {
      run.cleanup();
    }
  },
});

Deno.test({
  name: "gemini: safe-exec's answers (deny, fail-closed, ask as a denial, allow) do what they claim",
  ignore: !lab.ok,
  async fn() {
    const run = await runAgent({
      agent: "gemini",
      steps: [
        {
          tool: "run_shell_command",
          input: { command: "echo denied > denied.txt" },
        },
        {
          tool: "run_shell_command",
          input: { command: "echo failclosed > failclosed.txt" },
        },
        {
          tool: "run_shell_command",
          input: { command: "echo asked > asked.txt" },
        },
        {
          tool: "run_shell_command",
          input: { command: "echo allowed > allowed.txt" },
        },
        { text: "done" },
      ],
      hookEvents: ["BeforeTool", "AfterTool"],
      labHook: "render",
      hookPlan: { BeforeTool: ["deny", "fail", "ask", "allow"] },
    });
    try {
      console.log(
        `gemini run: ${run.durationMs} ms (whole lab run ${run.totalMs} ms)`,
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
        "ASK (a denial for Gemini CLI) let the call run",
      );
      assert.equal(readFileSync(p("allowed.txt"), "utf8"), "allowed\n");
      // The run went on to the end (a real Gemini "ask" would have stopped it silently).
      assert.ok(run.events().some((e) => e.type === "result"), report(run));
      const withFour = run.modelRequests.find((r) => responses(r).length >= 4)!;
      const [denied, failed, asked, allowed] = responses(withFour);
      assert.deepEqual(denied, {
        error: "Tool execution blocked: lab verdict: deny (BeforeTool run_shell_command)",
      });
      assert.match(
        String(failed!.error),
        /^Tool execution blocked: safe-exec: lab: the planned fail-closed answer/,
      );
      assert.match(
        String(asked!.error),
        /^Tool execution blocked: safe-exec wants the user to approve this call first/,
      );
      assert.equal(allowed!.error, undefined);
    } finally {
      run.cleanup();
    }
  },
});

Deno.test({
  name: "gemini: the dialect's facts: exit 1 lets the call run; a raw ask ends the headless run silently",
  ignore: !lab.ok,
  async fn() {
    const run = await runAgent({
      agent: "gemini",
      steps: [
        {
          tool: "run_shell_command",
          input: { command: "echo exit1 > exit1.txt" },
        },
        {
          tool: "run_shell_command",
          input: { command: "echo asked > asked.txt" },
        },
        { text: "done" },
      ],
      hookEvents: ["BeforeTool"],
      hookPlan: { BeforeTool: ["exit1", "ask"] },
    });
    try {
      console.log(
        `gemini run: ${run.durationMs} ms (whole lab run ${run.totalMs} ms)`,
      );
      assert.equal(
        readFileSync(join(run.projectDir, "exit1.txt"), "utf8"),
        "exit1\n",
        "exit 1 blocked the call",
      );
      // Why safe-exec never answers Gemini CLI with "ask": the run stops with exit 0 and no result.
      assert.equal(existsSync(join(run.projectDir, "asked.txt")), false);
      assert.equal(run.exitCode, 0, report(run));
      assert.equal(
        run.events().some((e) => e.type === "result"),
        false,
        `the run went on: ${report(run)}`,
      );
    } finally {
      run.cleanup();
    }
  },
});
