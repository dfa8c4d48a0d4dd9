/**
 * The vocabulary of token counting: the tokenizers by name, and a loaded counter.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CHARS_COUNTER } from "./count.ts";
 * import type { TokenCounter, TokenizerName } from "./types.ts";
 * const name: TokenizerName = "chars";
 * const counter: TokenCounter = CHARS_COUNTER;
 * assert.equal(counter.name, name);
 * ```
 *
 * @module
 */

/** The tokenizers `metrics.tokenizer` can name. */
export type TokenizerName = "o200k_base" | "cl100k_base" | "claude" | "chars";

/** Counts the tokens of texts; `count` is synchronous once the counter is loaded. */
export interface TokenCounter {
  /** Which tokenizer. */
  readonly name: TokenizerName;
  /** The number of tokens of `text` (special-token strings such as `<|endoftext|>` count as ordinary text). */
  count(text: string): number;
}
