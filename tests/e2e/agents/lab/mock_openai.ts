/**
 * Mock of the OpenAI Responses API as Codex uses it: `POST /v1/responses` answered as an SSE stream
 * (`response.created`, `response.output_item.added`/`done`, `response.output_text.delta`, `response.completed`
 * with usage). A function tool gets a `function_call` with JSON arguments; a freeform (custom) tool such as
 * `apply_patch` gets a `custom_tool_call` with the step's input as its text. Pure: {@linkcode answerOpenAI}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { answerOpenAI } from "./mock_openai.ts";
 * const a = answerOpenAI(
 *   { method: "POST", url: "/v1/responses", headers: {}, body: { tools: [{ type: "function", name: "exec_command" }], input: [] } },
 *   { steps: [{ tool: "exec_command", input: { cmd: "true" } }] },
 * );
 * assert.equal(a.kind, "tool");
 * assert.match(a.body, /"type":"function_call"/);
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

function _obj(v: unknown): Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? v as Record<string, unknown> : {};
}

/** The item types that answer a tool call in a Responses `input`. */
export const OPENAI_RESULT_TYPES: readonly string[] = [
  "function_call_output",
  "custom_tool_call_output",
  "tool_search_output",
  "local_shell_call_output",
];

/** The id of the tool result one `input` item is (none, or its `call_id`). */
export function openaiResults(item: unknown): (string | null)[] {
  const o = _obj(item);
  if (!OPENAI_RESULT_TYPES.includes(String(o.type))) return [];
  return [typeof o.call_id === "string" ? o.call_id : null];
}

/** The conversation's items (the request's `input`). */
export function openaiItems(body: unknown): unknown[] {
  const input = _obj(body).input;
  return Array.isArray(input) ? input : [];
}

/** The tools a request offers, by name, with their kind (`function`, `custom`, …). */
export function openaiTools(body: unknown): Map<string, string> {
  const out = new Map<string, string>();
  const tools = _obj(body).tools;
  if (!Array.isArray(tools)) return out;
  for (const t of tools) {
    const o = _obj(t);
    if (typeof o.name === "string") {
      out.set(o.name, String(o.type ?? "function"));
    } else if (typeof o.type === "string") out.set(o.type, o.type);
  }
  return out;
}

/** Answer one request to the OpenAI Responses mock. */
export function answerOpenAI(
  req: MockRequest,
  options: MockOptions,
): MockAnswer {
  const path = req.url.split("?")[0] ?? "";
  const body = _obj(req.body);
  if (req.method === "GET" && path === "/v1/models") {
    return {
      status: 200,
      contentType: "application/json",
      body: JSON.stringify({ models: [] }),
      kind: "other",
      step: null,
    };
  }
  if (req.method !== "POST" || path !== "/v1/responses") {
    return {
      status: 404,
      contentType: "application/json",
      body: JSON.stringify({
        error: { message: `mock: no ${req.method} ${path}`, type: "not_found" },
      }),
      kind: "not_found",
      step: null,
    };
  }
  const model = typeof body.model === "string" ? body.model : "gpt-mock";
  const offered = openaiTools(body);
  const choice = chooseStep(options, openaiItems(body), openaiResults);
  const results = choice.index;
  // A request without tools (titles, routers, compaction) gets a neutral answer unless a branch matched it.
  const neutral = offered.size === 0 && choice.branch === null;
  const step = neutral ? null : choice.step;
  const id = uniqueId();
  const items: Record<string, unknown>[] = [];
  let kind: string;
  let stepIndex: number | null = null;
  let tool: string | undefined;
  const message = (text: string) => ({
    type: "message",
    id: `msg_mock_${id}`,
    role: "assistant",
    status: "completed",
    content: [{ type: "output_text", text, annotations: [] }],
  });
  if (neutral) {
    kind = "neutral";
    items.push(message("OK"));
  } else if (step === null) {
    kind = "final";
    items.push(message("mock: the script is over"));
  } else if (step.tool !== undefined && !offered.has(step.tool)) {
    kind = "not_offered";
    stepIndex = results;
    items.push(message(notOfferedText(step.tool, [...offered.keys()])));
  } else if (step.tool !== undefined) {
    kind = "tool";
    stepIndex = results;
    tool = step.tool;
    if (step.text !== undefined) items.push(message(step.text));
    const callId = `call_mock${choice.branch !== null ? branchMarker(choice.branch) : "_"}${results + 1}`;
    if (offered.get(step.tool) === "custom") {
      items.push({
        type: "custom_tool_call",
        id: `ctc_mock_${id}`,
        status: "completed",
        call_id: callId,
        name: step.tool,
        input: typeof step.input === "string" ? step.input : JSON.stringify(step.input ?? ""),
      });
    } else {
      items.push({
        type: "function_call",
        id: `fc_mock_${id}`,
        status: "completed",
        call_id: callId,
        name: step.tool,
        arguments: JSON.stringify(step.input ?? {}),
      });
    }
  } else {
    kind = "text";
    stepIndex = results;
    items.push(message(step.text ?? ""));
  }
  const u = usageFor(step, options.usage, req.body, items);
  const usage = {
    input_tokens: u.input + u.cacheRead,
    input_tokens_details: { cached_tokens: u.cacheRead },
    output_tokens: u.output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: u.input + u.cacheRead + u.output,
  };
  const response = {
    id: `resp_mock_${id}`,
    object: "response",
    created_at: Math.floor(Date.now() / 1000),
    model,
  };
  const events: { event: string; data: unknown }[] = [
    {
      event: "response.created",
      data: {
        type: "response.created",
        response: { ...response, status: "in_progress", output: [] },
      },
    },
  ];
  items.forEach((item, index) => {
    const started = item.type === "message" ? { ...item, status: "in_progress", content: [] } : item;
    events.push({
      event: "response.output_item.added",
      data: {
        type: "response.output_item.added",
        output_index: index,
        item: started,
      },
    });
    if (item.type === "message") {
      const text = String(_obj((item.content as unknown[])[0]).text ?? "");
      events.push({
        event: "response.output_text.delta",
        data: {
          type: "response.output_text.delta",
          item_id: item.id,
          output_index: index,
          content_index: 0,
          delta: text,
        },
      });
    }
    events.push({
      event: "response.output_item.done",
      data: { type: "response.output_item.done", output_index: index, item },
    });
  });
  events.push({
    event: "response.completed",
    data: {
      type: "response.completed",
      response: { ...response, status: "completed", output: items, usage },
    },
  });
  const answer: MockAnswer = {
    status: 200,
    contentType: "text/event-stream",
    body: sse(events),
    kind,
    step: stepIndex,
    usage: u,
  };
  if (tool !== undefined) answer.tool = tool;
  if (!neutral) answer.branch = choice.branch;
  return answer;
}
