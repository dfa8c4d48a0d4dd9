/**
 * Mock of the Gemini API as Gemini CLI uses it: `POST /v1beta/models/<model>:streamGenerateContent?alt=sse` (one
 * SSE `data:` chunk), `:generateContent` (plain JSON; a request with `responseJsonSchema`, such as the CLI's
 * router, gets JSON text filling that schema), `:countTokens`. Every answer carries `usageMetadata`. Pure:
 * {@linkcode answerGemini}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { answerGemini } from "./mock_gemini.ts";
 * const a = answerGemini(
 *   {
 *     method: "POST",
 *     url: "/v1beta/models/m:generateContent",
 *     headers: {},
 *     body: { contents: [], tools: [{ functionDeclarations: [{ name: "run_shell_command" }] }] },
 *   },
 *   { steps: [{ tool: "run_shell_command", input: { command: "true" } }] },
 * );
 * assert.equal(JSON.parse(a.body).candidates[0].content.parts[0].functionCall.name, "run_shell_command");
 * ```
 *
 * @module
 */
import {
  chooseStep,
  estimateTokens,
  type MockAnswer,
  type MockOptions,
  type MockRequest,
  notOfferedText,
  sse,
  usageFor,
} from "./mock_common.ts";

function _obj(v: unknown): Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? v as Record<string, unknown> : {};
}

/** The ids of the `functionResponse` parts one content carries (Gemini CLI makes its own ids, so never a branch's). */
export function geminiResults(content: unknown): (string | null)[] {
  const parts = _obj(content).parts;
  if (!Array.isArray(parts)) return [];
  return parts.filter((p) => _obj(p).functionResponse !== undefined).map(() => null);
}

/** The conversation's contents. */
export function geminiContents(body: unknown): unknown[] {
  const contents = _obj(body).contents;
  return Array.isArray(contents) ? contents : [];
}

/** The function names a request offers. */
export function geminiTools(body: unknown): string[] {
  const tools = _obj(body).tools;
  const out: string[] = [];
  if (!Array.isArray(tools)) return out;
  for (const t of tools) {
    const decls = _obj(t).functionDeclarations;
    if (Array.isArray(decls)) {
      for (const d of decls) {
        if (typeof _obj(d).name === "string") out.push(String(_obj(d).name));
      }
    }
  }
  return out;
}

/** A value that satisfies a JSON schema in the simple way the CLI's side calls need (first enum, minimum, …). */
export function fillSchema(schema: unknown, depth = 0): unknown {
  const s = _obj(schema);
  if (depth > 8) return null;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (
    String(type ?? (s.properties !== undefined ? "object" : "string"))
      .toLowerCase()
  ) {
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(_obj(s.properties))) {
        out[k] = fillSchema(v, depth + 1);
      }
      return out;
    }
    case "array":
      return [];
    case "integer":
    case "number":
      return typeof s.minimum === "number" ? s.minimum : 1;
    case "boolean":
      return false;
    case "null":
      return null;
    default:
      return "mock";
  }
}

/** Answer one request to the Gemini mock. */
export function answerGemini(
  req: MockRequest,
  options: MockOptions,
): MockAnswer {
  const path = req.url.split("?")[0] ?? "";
  const body = _obj(req.body);
  const m = /^\/v1(?:beta|alpha)?\/models\/([^:/]+):(streamGenerateContent|generateContent|countTokens)$/
    .exec(path);
  if (req.method !== "POST" || m === null) {
    return {
      status: 404,
      contentType: "application/json",
      body: JSON.stringify({
        error: {
          code: 404,
          message: `mock: no ${req.method} ${path}`,
          status: "NOT_FOUND",
        },
      }),
      kind: "not_found",
      step: null,
    };
  }
  const model = m[1] ?? "gemini-mock";
  const method = m[2];
  if (method === "countTokens") {
    return {
      status: 200,
      contentType: "application/json",
      body: JSON.stringify({ totalTokens: estimateTokens(body.contents) }),
      kind: "other",
      step: null,
    };
  }
  const offered = geminiTools(body);
  const choice = chooseStep(options, geminiContents(body), geminiResults);
  const results = choice.index;
  const config = _obj(body.generationConfig ?? body.config);
  const schema = config.responseJsonSchema ?? config.responseSchema;
  // A request without tools (titles, routers, compaction) gets a neutral answer unless a branch matched it.
  const neutral = offered.length === 0 && choice.branch === null;
  const step = neutral ? null : choice.step;
  let kind: string;
  let stepIndex: number | null = null;
  let tool: string | undefined;
  let parts: Record<string, unknown>[];
  if (neutral) {
    kind = "neutral";
    parts = [{
      text: schema !== undefined ? JSON.stringify(fillSchema(schema)) : "OK",
    }];
  } else if (step === null) {
    kind = "final";
    parts = [{ text: "mock: the script is over" }];
  } else if (step.tool !== undefined && !offered.includes(step.tool)) {
    kind = "not_offered";
    stepIndex = results;
    parts = [{ text: notOfferedText(step.tool, offered) }];
  } else if (step.tool !== undefined) {
    kind = "tool";
    stepIndex = results;
    tool = step.tool;
    parts = [];
    if (step.text !== undefined) parts.push({ text: step.text });
    parts.push({ functionCall: { name: step.tool, args: step.input ?? {} } });
  } else {
    kind = "text";
    stepIndex = results;
    parts = [{ text: step.text ?? "" }];
  }
  const u = usageFor(step, options.usage, req.body, parts);
  const response = {
    candidates: [{
      content: { role: "model", parts },
      finishReason: "STOP",
      index: 0,
    }],
    usageMetadata: {
      promptTokenCount: u.input + u.cacheRead,
      cachedContentTokenCount: u.cacheRead,
      candidatesTokenCount: u.output,
      totalTokenCount: u.input + u.cacheRead + u.output,
    },
    modelVersion: model,
    responseId: `mock-${Date.now().toString(36)}`,
  };
  const answer: MockAnswer = method === "streamGenerateContent"
    ? {
      status: 200,
      contentType: "text/event-stream",
      body: sse([{ data: response }]),
      kind,
      step: stepIndex,
      usage: u,
    }
    : {
      status: 200,
      contentType: "application/json",
      body: JSON.stringify(response),
      kind,
      step: stepIndex,
      usage: u,
    };
  if (tool !== undefined) answer.tool = tool;
  if (!neutral) answer.branch = choice.branch;
  return answer;
}
