/**
 * Token counting (issue 13): real tokenizers shipped in the package, and chat histories in the OpenAI and
 * Anthropic shapes. Self-contained: the gate's `metrics` request wires it in.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { countMessages, loadTokenizer } from "./mod.ts";
 * const claude = await loadTokenizer("claude");
 * assert.ok(countMessages([{ role: "user", content: "hi" }], claude) >= 7);
 * ```
 *
 * @module
 */
export {
  CHARS_COUNTER,
  countTokens,
  createCounter,
  loadTokenizer,
  TOKENIZERS,
  UnknownTokenizerError,
} from "./count.ts";
export type { TokenCounter, TokenizerName } from "./types.ts";
export {
  countMessage,
  countMessages,
  IMAGE_TOKENS,
  MESSAGE_OVERHEAD,
  MessagesShapeError,
  REPLY_OVERHEAD,
} from "./messages.ts";
