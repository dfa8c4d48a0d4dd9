/**
 * Mock of the Anthropic Messages API as Claude Code uses it: `POST /v1/messages` (streaming SSE or plain JSON),
 * `POST /v1/messages/count_tokens`, `GET /v1/models`. Pure: {@linkcode answerAnthropic} maps a decoded request to
 * an answer; {@linkcode serveMock} puts it on a socket.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { answerAnthropic } from "./mock_anthropic.ts";
 * const a = answerAnthropic(
 *   { method: "POST", url: "/v1/messages", headers: {}, body: { stream: false, tools: [{ name: "Bash" }], messages: [] } },
 *   { steps: [{ tool: "Bash", input: { command: "true" } }] },
 * );
 * assert.equal(a.kind, "tool");
 * assert.equal(JSON.parse(a.body).content[0].name, "Bash");
 * ```
 *
 * @module
 */
import {
  branchMarker,
  chooseStep,
  type MockAnswer,
  type MockOptions,
  type MockRequest,
  notOfferedText,
  sse,
  uniqueId,
  usageFor,
} from "./mock_common.ts";

interface _Block {
  type: string;
  [k: string]: unknown;
}

function _obj(v: unknown): Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? v as Record<string, unknown> : {};
}

/** The ids of the `tool_result` blocks one message carries. */
export function anthropicResults(message: unknown): (string | null)[] {
  const content = _obj(message).content;
  if (!Array.isArray(content)) return [];
  return content.filter((b) => _obj(b).type === "tool_result").map((b) => {
    const id = _obj(b).tool_use_id;
    return typeof id === "string" ? id : null;
  });
}

/** The conversation's messages. */
export function anthropicMessages(body: unknown): unknown[] {
  const messages = _obj(body).messages;
  return Array.isArray(messages) ? messages : [];
}

/** The tool names a request offers. */
export function anthropicTools(body: unknown): string[] {
  const tools = _obj(body).tools;
  return Array.isArray(tools) ? tools.map((t) => String(_obj(t).name ?? "")).filter((n) => n !== "") : [];
}

function _message(
  model: string,
  content: _Block[],
  stopReason: string,
  usage: {
    input: number;
    output: number;
    cacheCreation: number;
    cacheRead: number;
  },
) {
  return {
    id: `msg_mock_${uniqueId()}`,
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: {
      input_tokens: usage.input,
      cache_creation_input_tokens: usage.cacheCreation,
      cache_read_input_tokens: usage.cacheRead,
      output_tokens: usage.output,
    },
  };
}

function _stream(message: ReturnType<typeof _message>): string {
  const events: { event: string; data: unknown }[] = [];
  const start = {
    ...message,
    content: [],
    stop_reason: null,
    usage: { ...message.usage, output_tokens: 1 },
  };
  events.push({
    event: "message_start",
    data: { type: "message_start", message: start },
  });
  message.content.forEach((block, index) => {
    if (block.type === "tool_use") {
      events.push({
        event: "content_block_start",
        data: {
          type: "content_block_start",
          index,
          content_block: { ...block, input: {} },
        },
      });
      events.push({
        event: "content_block_delta",
        data: {
          type: "content_block_delta",
          index,
          delta: {
            type: "input_json_delta",
            partial_json: JSON.stringify(block.input),
          },
        },
      });
    } else {
      events.push({
        event: "content_block_start",
        data: {
          type: "content_block_start",
          index,
          content_block: { type: "text", text: "" },
        },
      });
      events.push({
        event: "content_block_delta",
        data: {
          type: "content_block_delta",
          index,
          delta: { type: "text_delta", text: block.text },
        },
      });
    }
    events.push({
      event: "content_block_stop",
      data: { type: "content_block_stop", index },
    });
  });
  events.push({
    event: "message_delta",
    data: {
      type: "message_delta",
      delta: { stop_reason: message.stop_reason, stop_sequence: null },
      usage: message.usage,
    },
  });
  events.push({ event: "message_stop", data: { type: "message_stop" } });
  return sse(events);
}

/** Answer one request to the Anthropic mock. */
export function answerAnthropic(
  req: MockRequest,
  options: MockOptions,
): MockAnswer {
  const path = req.url.split("?")[0] ?? "";
  const body = _obj(req.body);
  if (req.method === "GET" && path === "/v1/models") {
    return {
      status: 200,
      contentType: "application/json",
      body: JSON.stringify({
        data: [{ id: "claude-mock", type: "model", display_name: "Mock" }],
        has_more: false,
      }),
      kind: "other",
      step: null,
    };
  }
  if (req.method === "POST" && path === "/v1/messages/count_tokens") {
    return {
      status: 200,
      contentType: "application/json",
      body: JSON.stringify({
        input_tokens: usageFor(null, options.usage, req.body, "").input,
      }),
      kind: "other",
      step: null,
    };
  }
  if (req.method !== "POST" || path !== "/v1/messages") {
    return {
      status: 404,
      contentType: "application/json",
      body: JSON.stringify({
        type: "error",
        error: { type: "not_found_error", message: `mock: no ${path}` },
      }),
      kind: "not_found",
      step: null,
    };
  }
  const model = typeof body.model === "string" ? body.model : "claude-mock";
  const offered = anthropicTools(body);
  const choice = chooseStep(options, anthropicMessages(body), anthropicResults);
  const results = choice.index;
  let kind: string;
  let stepIndex: number | null = null;
  let content: _Block[];
  let stopReason = "end_turn";
  let tool: string | undefined;
  // A request without tools (titles, routers, compaction) gets a neutral answer unless a branch matched it.
  const neutral = offered.length === 0 && choice.branch === null;
  const step = neutral ? null : choice.step;
  if (neutral) {
    kind = "neutral";
    content = [{ type: "text", text: "OK" }];
  } else if (step === null) {
    kind = "final";
    content = [{ type: "text", text: "mock: the script is over" }];
  } else if (step.tool !== undefined && !offered.includes(step.tool)) {
    kind = "not_offered";
    stepIndex = results;
    content = [{ type: "text", text: notOfferedText(step.tool, offered) }];
  } else if (step.tool !== undefined) {
    kind = "tool";
    stepIndex = results;
    tool = step.tool;
    stopReason = "tool_use";
    content = [];
    if (step.text !== undefined) {
      content.push({ type: "text", text: step.text });
    }
    const id = `toolu_mock${choice.branch !== null ? branchMarker(choice.branch) : "_"}${results + 1}`;
    content.push({
      type: "tool_use",
      id,
      name: step.tool,
      input: step.input ?? {},
    });
  } else {
    kind = "text";
    stepIndex = results;
    content = [{ type: "text", text: step.text ?? "" }];
  }
  const usage = usageFor(step, options.usage, req.body, content);
  const message = _message(model, content, stopReason, usage);
  const answer: MockAnswer = body.stream === true
    ? {
      status: 200,
      contentType: "text/event-stream",
      body: _stream(message),
      kind,
      step: stepIndex,
      usage,
    }
    : {
      status: 200,
      contentType: "application/json",
      body: JSON.stringify(message),
      kind,
      step: stepIndex,
      usage,
    };
  if (tool !== undefined) answer.tool = tool;
  if (!neutral) answer.branch = choice.branch;
  answer.headers = { "request-id": `req_mock_${uniqueId()}` };
  return answer;
}
