/**
 * The lab's mock model servers as pure functions (no socket: the test permissions have no network): step choice by
 * tool results, branches, tools not offered, neutral answers, usage, and each dialect's stream framing; the DNS
 * sink's wire format; the visible-skip status.
 */
import assert from "node:assert/strict";
import { answerAnthropic } from "./lab/mock_anthropic.ts";
import { chooseStep, type MockOptions, type MockRequest } from "./lab/mock_common.ts";
import { answerGemini, fillSchema } from "./lab/mock_gemini.ts";
import { answerOpenAI } from "./lab/mock_openai.ts";
import { dnsNxdomain, dnsQuestion } from "./lab/dns_sink.ts";
import { trustTables } from "./lab/codex_trust.ts";

const req = (url: string, body: unknown): MockRequest => ({
  method: "POST",
  url,
  headers: {},
  body,
});

function sseData(body: string): Record<string, unknown>[] {
  return body.split("\n").filter((l) => l.startsWith("data: ")).map((l) => JSON.parse(l.slice(6)));
}

const STEPS: MockOptions = {
  steps: [{
    tool: "Bash",
    input: { command: "a" },
    usage: { input: 10, cacheRead: 1000, cacheCreation: 5 },
  }, {
    text: "done",
  }],
};

Deno.test("mock anthropic: step i is played once the conversation carries i tool results; usage as scripted", () => {
  const tools = [{ name: "Bash" }, { name: "Read" }];
  const first = answerAnthropic(
    req("/v1/messages?beta=true", { stream: true, tools, messages: [] }),
    STEPS,
  );
  assert.equal(first.kind, "tool");
  assert.equal(first.contentType, "text/event-stream");
  const events = sseData(first.body);
  assert.deepEqual(events.map((e) => e.type), [
    "message_start",
    "content_block_start",
    "content_block_delta",
    "content_block_stop",
    "message_delta",
    "message_stop",
  ]);
  const start = events[0]!.message as { usage: Record<string, number> };
  assert.deepEqual(
    [
      start.usage.input_tokens,
      start.usage.cache_read_input_tokens,
      start.usage.cache_creation_input_tokens,
    ],
    [10, 1000, 5],
  );
  assert.deepEqual(
    (events[1]!.content_block as Record<string, unknown>).id,
    "toolu_mock_1",
  );
  assert.equal(
    (events[2]!.delta as Record<string, unknown>).partial_json,
    '{"command":"a"}',
  );
  const messages = [
    { role: "user", content: "go" },
    { role: "assistant", content: [{ type: "tool_use", id: "toolu_mock_1" }] },
    {
      role: "user",
      content: [{
        type: "tool_result",
        tool_use_id: "toolu_mock_1",
        content: "ok",
      }],
    },
  ];
  const second = answerAnthropic(
    req("/v1/messages", { stream: false, tools, messages }),
    STEPS,
  );
  assert.equal(second.kind, "text");
  assert.equal(JSON.parse(second.body).content[0].text, "done");
  const over = answerAnthropic(
    req("/v1/messages", {
      tools,
      messages: [...messages, ...messages.slice(1)],
    }),
    STEPS,
  );
  assert.equal(over.kind, "final");
  // A request with no tools (a title, a classifier) gets a neutral answer and does not consume the script.
  assert.equal(
    answerAnthropic(req("/v1/messages", { messages: [] }), STEPS).kind,
    "neutral",
  );
  // A step whose tool the request does not offer answers text saying so.
  const notOffered = answerAnthropic(
    req("/v1/messages", { tools: [{ name: "Read" }], messages: [] }),
    STEPS,
  );
  assert.equal(notOffered.kind, "not_offered");
  assert.match(
    JSON.parse(notOffered.body).content[0].text,
    /"Bash" is not offered .*offered: Read/,
  );
  assert.equal(
    answerAnthropic(
      { method: "GET", url: "/nope", headers: {}, body: null },
      STEPS,
    ).status,
    404,
  );
});

Deno.test("mock branches: the first matching branch counts only its own calls' results after the match", () => {
  const options: MockOptions = {
    steps: [{ text: "main" }],
    branches: [{
      when: "SUMMARY",
      steps: [{ tool: "Bash", input: {} }, { text: "branch done" }],
    }],
  };
  const results = (m: unknown) =>
    ((m as { ids?: string[] }).ids ?? []).map((id) => id === "none" ? null : id) as (string | null)[];
  // Main-script results after the match (kept by a compaction) do not count; the branch's own do.
  assert.deepEqual(
    chooseStep(options, [{ ids: ["call_mock_1"] }, { text: "SUMMARY" }, {
      ids: ["call_mock_2"],
    }], results),
    {
      step: { tool: "Bash", input: {} },
      index: 0,
      branch: 0,
    },
  );
  assert.equal(
    chooseStep(
      options,
      [{ text: "SUMMARY" }, { ids: ["call_mock_b0_1"] }],
      results,
    ).index,
    1,
  );
  assert.equal(
    chooseStep(options, [{ text: "SUMMARY" }, { ids: ["none"] }], results)
      .index,
    1,
    "id-less results count",
  );
  assert.equal(
    chooseStep(options, [{ ids: ["a", "b"] }], results).branch,
    null,
  );
  // A branch answers a tool-less request too (a compaction request has no tools).
  const compaction = answerOpenAI(
    req("/v1/responses", {
      input: [{ type: "message", content: [{ text: "SUMMARY" }] }],
    }),
    {
      steps: [],
      branches: [{ when: "SUMMARY", steps: [{ text: "lab summary" }] }],
    },
  );
  assert.equal(compaction.kind, "text");
  assert.equal(compaction.branch, 0);
});

Deno.test("mock openai: function and freeform (custom) tool calls; usage in response.completed", () => {
  const tools = [{ type: "function", name: "exec_command" }, {
    type: "custom",
    name: "apply_patch",
  }];
  const fn = answerOpenAI(req("/v1/responses", { tools, input: [] }), {
    steps: [{
      tool: "exec_command",
      input: { cmd: "ls" },
      usage: { input: 100, cacheRead: 50 },
    }],
  });
  const events = sseData(fn.body);
  assert.deepEqual(events.map((e) => e.type), [
    "response.created",
    "response.output_item.added",
    "response.output_item.done",
    "response.completed",
  ]);
  assert.deepEqual(
    (events[2]!.item as Record<string, unknown>).arguments,
    '{"cmd":"ls"}',
  );
  const usage = (events[3]!.response as { usage: Record<string, unknown> }).usage;
  assert.deepEqual(
    usage.input_tokens,
    150,
    "OpenAI's input_tokens include the cached ones",
  );
  assert.deepEqual(usage.input_tokens_details, { cached_tokens: 50 });
  const patch = answerOpenAI(
    req("/v1/responses", {
      tools,
      input: [{
        type: "function_call_output",
        call_id: "call_mock_1",
        output: "",
      }],
    }),
    {
      steps: [{ text: "x" }, {
        tool: "apply_patch",
        input: "*** Begin Patch\n*** End Patch\n",
      }],
    },
  );
  const item = sseData(patch.body)[2]!.item as Record<string, unknown>;
  assert.equal(item.type, "custom_tool_call");
  assert.equal(item.call_id, "call_mock_2");
  assert.equal(item.input, "*** Begin Patch\n*** End Patch\n");
});

Deno.test("mock gemini: function calls, usageMetadata, a router's JSON schema filled", () => {
  const body = {
    contents: [],
    tools: [{ functionDeclarations: [{ name: "run_shell_command" }] }],
  };
  const a = answerGemini(
    req("/v1beta/models/gemini-x:streamGenerateContent?alt=sse", body),
    {
      steps: [{
        tool: "run_shell_command",
        input: { command: "ls" },
        usage: { input: 7, output: 3 },
      }],
    },
  );
  const chunk = sseData(a.body)[0]!;
  assert.deepEqual(chunk.usageMetadata, {
    promptTokenCount: 7,
    cachedContentTokenCount: 0,
    candidatesTokenCount: 3,
    totalTokenCount: 10,
  });
  const router = answerGemini(
    req("/v1beta/models/flash-lite:generateContent", {
      contents: [],
      generationConfig: {
        responseJsonSchema: {
          type: "object",
          properties: {
            complexity_reasoning: { type: "string" },
            complexity_score: { type: "integer", minimum: 1 },
          },
        },
      },
    }),
    { steps: [] },
  );
  assert.equal(router.kind, "neutral");
  assert.deepEqual(
    JSON.parse(JSON.parse(router.body).candidates[0].content.parts[0].text),
    {
      complexity_reasoning: "mock",
      complexity_score: 1,
    },
  );
  assert.deepEqual(fillSchema({ enum: ["b", "c"] }), "b");
  assert.equal(
    answerGemini(req("/v1beta/models/x:unknown", {}), { steps: [] }).status,
    404,
  );
});

Deno.test("dns sink: reads the question, answers NXDOMAIN with the same id and question", () => {
  // id 0x1234, RD, one question: "api.anthropic.com" A IN.
  const name = [
    3,
    ..."api".split("").map((c) => c.charCodeAt(0)),
    9,
    ..."anthropic".split("").map((c) => c.charCodeAt(0)),
  ]
    .concat([3, ..."com".split("").map((c) => c.charCodeAt(0)), 0]);
  const q = new Uint8Array([
    0x12,
    0x34,
    1,
    0,
    0,
    1,
    0,
    0,
    0,
    0,
    0,
    0,
    ...name,
    0,
    1,
    0,
    1,
  ]);
  assert.deepEqual(dnsQuestion(q), { name: "api.anthropic.com", type: 1 });
  const r = dnsNxdomain(q);
  assert.deepEqual([...r.subarray(0, 6)], [0x12, 0x34, 0x81, 0x83, 0, 1]);
  assert.deepEqual([...r.subarray(12)], [...q.subarray(12)]);
  assert.equal(dnsQuestion(new Uint8Array([1, 2, 3])), null);
});

Deno.test("codex trust: only untrusted hooks get a trust table", () => {
  assert.equal(
    trustTables([
      { key: "a", currentHash: "sha256:1", trustStatus: "untrusted" },
      { key: "b", currentHash: "sha256:2", trustStatus: "trusted" },
      { key: "c", currentHash: "sha256:3", trustStatus: "modified" },
    ]),
    '\n[hooks.state."a"]\ntrusted_hash = "sha256:1"\n\n[hooks.state."c"]\ntrusted_hash = "sha256:3"\n',
  );
});
