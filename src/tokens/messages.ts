/**
 * The token count of a chat history, in the OpenAI shape (`{role, content, name?, tool_calls?, tool_call_id?}`,
 * content a string or parts) or the Anthropic shape (`{role, content}` with `text`, `tool_use`, `tool_result`,
 * `thinking`, `image` and `document` blocks), mixed freely. Text, tool names, tool-call arguments and tool inputs
 * (as JSON), tool results (recursively) are counted with the tokenizer; each message adds
 * {@linkcode MESSAGE_OVERHEAD} tokens for its framing, as OpenAI's counting guide does, and the history
 * {@linkcode REPLY_OVERHEAD} for the reply's priming. Images count {@linkcode IMAGE_TOKENS} each (their size is not
 * known here). A block of an unknown type is counted as its JSON, never as nothing.
 *
 * A value that is not a list of messages is refused with a message that names the place and what was expected.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadTokenizer } from "./count.ts";
 * import { countMessages } from "./messages.ts";
 * const o200k = await loadTokenizer("o200k_base");
 * const n = countMessages([
 *   { role: "user", content: "List the files" },
 *   { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "list_dir", input: { path: "." } }] },
 *   { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "a.txt\nb.txt" }] },
 * ], o200k);
 * assert.ok(n > 20 && n < 60);
 * assert.throws(() => countMessages([{ content: "no role" }], o200k), /messages\[0\]\.role/);
 * ```
 *
 * @module
 */
import type { TokenCounter } from "./types.ts";

/** Tokens of framing per message (role markers), as in OpenAI's guide for recent models. */
export const MESSAGE_OVERHEAD = 3;
/** Tokens that prime the reply, once per history. */
export const REPLY_OVERHEAD = 3;
/** Tokens counted for an image whose size is not known (OpenAI's low-detail cost). */
export const IMAGE_TOKENS = 85;

/**
 * A history that is not a list of chat messages.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CHARS_COUNTER } from "./count.ts";
 * import { countMessages, MessagesShapeError } from "./messages.ts";
 * assert.throws(() => countMessages({ role: "user" }, CHARS_COUNTER), MessagesShapeError);
 * ```
 */
export class MessagesShapeError extends TypeError {
  /** Make one. */
  constructor(message: string) {
    super(message);
    this.name = "MessagesShapeError";
  }
}

function _show(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 60 ? s.slice(0, 57) + "..." : s;
}

function _json(v: unknown): string {
  if (typeof v === "string") return v;
  try {
    return JSON.stringify(v) ?? "";
  } catch {
    return String(v);
  }
}

/** The tokens of one content value: a string, or a list of parts/blocks. */
function _content(content: unknown, t: TokenCounter, at: string, depth: number): number {
  if (content === null || content === undefined) return 0;
  if (typeof content === "string") return t.count(content);
  if (depth > 16) throw new MessagesShapeError(`"${at}" is nested more than 16 levels deep`);
  if (!Array.isArray(content)) {
    throw new MessagesShapeError(`"${at}" must be a string or a list of content parts, got ${_show(content)}`);
  }
  let n = 0;
  content.forEach((part, i) => {
    n += _part(part, t, `${at}[${i}]`, depth + 1);
  });
  return n;
}

function _part(part: unknown, t: TokenCounter, at: string, depth: number): number {
  if (typeof part === "string") return t.count(part);
  if (typeof part !== "object" || part === null || Array.isArray(part)) {
    throw new MessagesShapeError(
      `"${at}" must be a content part object such as {"type":"text","text":"…"}, got ${_show(part)}`,
    );
  }
  const p = part as Record<string, unknown>;
  switch (p.type) {
    case "text":
    case "input_text":
    case "output_text":
      return t.count(typeof p.text === "string" ? p.text : _json(p.text));
    case "thinking":
      return t.count(typeof p.thinking === "string" ? p.thinking : "");
    case "redacted_thinking":
      return t.count(typeof p.data === "string" ? p.data : "");
    case "image":
    case "image_url":
    case "input_image":
      return IMAGE_TOKENS;
    case "tool_use":
    case "server_tool_use":
      return t.count(typeof p.name === "string" ? p.name : "") + t.count(_json(p.input ?? {}));
    case "tool_result":
      return _content(p.content, t, `${at}.content`, depth);
    case "document":
      return t.count(_json((p.source as Record<string, unknown> | undefined)?.data ?? p.source ?? ""));
    default:
      return t.count(_json(p));
  }
}

/**
 * The tokens of one message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CHARS_COUNTER } from "./count.ts";
 * import { countMessage, MESSAGE_OVERHEAD } from "./messages.ts";
 * // chars: "user" is 1, "12345678" is 2
 * assert.equal(countMessage({ role: "user", content: "12345678" }, CHARS_COUNTER), MESSAGE_OVERHEAD + 1 + 2);
 * assert.throws(() => countMessage({ role: "user", content: 5 }, CHARS_COUNTER), /"message\.content" must be a string/);
 * ```
 */
export function countMessage(message: unknown, t: TokenCounter, at = "message"): number {
  if (typeof message !== "object" || message === null || Array.isArray(message)) {
    throw new MessagesShapeError(
      `"${at}" must be a message object such as {"role":"user","content":"…"}, got ${_show(message)}`,
    );
  }
  const m = message as Record<string, unknown>;
  if (typeof m.role !== "string") {
    throw new MessagesShapeError(`"${at}.role" must be a string such as "user" or "assistant", got ${_show(m.role)}`);
  }
  let n = MESSAGE_OVERHEAD + t.count(m.role) + _content(m.content, t, `${at}.content`, 0);
  if (typeof m.name === "string") n += 1 + t.count(m.name);
  if (m.tool_calls !== undefined) {
    if (!Array.isArray(m.tool_calls)) {
      throw new MessagesShapeError(`"${at}.tool_calls" must be a list of tool calls, got ${_show(m.tool_calls)}`);
    }
    m.tool_calls.forEach((c, i) => {
      const call = (c ?? {}) as { function?: { name?: unknown; arguments?: unknown } };
      if (typeof call !== "object" || typeof call.function !== "object" || call.function === null) {
        throw new MessagesShapeError(
          `"${at}.tool_calls[${i}]" must be {"type":"function","function":{"name","arguments"}}, got ${_show(c)}`,
        );
      }
      n += t.count(_json(call.function.name ?? "")) + t.count(_json(call.function.arguments ?? ""));
    });
  }
  if (typeof m.tool_call_id === "string") n += t.count(m.tool_call_id);
  return n;
}

/**
 * The tokens of a chat history (a list of messages); an empty list counts 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CHARS_COUNTER } from "./count.ts";
 * import { countMessage, countMessages, REPLY_OVERHEAD } from "./messages.ts";
 * const m = { role: "assistant", content: [{ type: "text", text: "done" }] };
 * assert.equal(countMessages([], CHARS_COUNTER), 0);
 * assert.equal(countMessages([m, m], CHARS_COUNTER), REPLY_OVERHEAD + 2 * countMessage(m, CHARS_COUNTER));
 * ```
 */
export function countMessages(messages: unknown, t: TokenCounter, at = "messages"): number {
  if (!Array.isArray(messages)) {
    throw new MessagesShapeError(`"${at}" must be a list of chat messages, got ${_show(messages)}`);
  }
  if (messages.length === 0) return 0;
  let n = REPLY_OVERHEAD;
  messages.forEach((m, i) => {
    n += countMessage(m, t, `${at}[${i}]`);
  });
  return n;
}
