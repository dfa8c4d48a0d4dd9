/**
 * Token counts with a real tokenizer (issue 13): `o200k_base` (GPT-4o, GPT-5, o-series), `cl100k_base` (GPT-4,
 * GPT-3.5), `claude` (ai-tokenizer's Claude vocabulary: an approximation, Anthropic publishes no tokenizer for
 * Claude 3 and later), and `chars` (the cheap estimate: one token per four characters). The encodings ship inside
 * the packages (no download at run time): `gpt-tokenizer` (a port of OpenAI's tiktoken) for the OpenAI encodings,
 * whose tables are three times smaller than ai-tokenizer's, and `ai-tokenizer` for `claude`. They are loaded on
 * first use, so a process that never counts tokens never pays for them.
 *
 * Counting is exact (the same count as the tokenizer's own `encode`) and faster than it: the text is split into the
 * encoding's pre-tokenizer pieces by a scanner written out for ASCII (_split.ts; the encoding's regular expression
 * judges the pieces that touch other characters), and the count of each piece is cached (a piece is a word, a
 * number or a run of punctuation or spaces, so the cache fills with a vocabulary's worth of entries and then nearly
 * every piece hits); whole texts of 256 characters or more are cached too, so a conversation sent again and again
 * with one more message is counted in the time of its new message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { countTokens, loadTokenizer } from "./count.ts";
 * assert.equal(await countTokens("hello world", "o200k_base"), 2);
 * assert.equal(await countTokens("hello world", "chars"), 3);
 * const cl100k = await loadTokenizer("cl100k_base");
 * assert.equal(cl100k.count("The quick brown fox"), 4);
 * ```
 *
 * @module
 */

import { BpeCounter } from "./_bpe_counter.ts";
import { AsciiRanks } from "./_ascii_ranks.ts";
import { AsciiMerger, MERGE_MAX } from "./_merge.ts";
import type { TokenCounter, TokenizerName } from "./types.ts";

// Also here, where tools/bench_rules.ts finds them.
export type { TokenCounter, TokenizerName } from "./types.ts";

/** All tokenizer names, for validation and docs. */
export const TOKENIZERS: readonly TokenizerName[] = ["o200k_base", "cl100k_base", "claude", "chars"];

/**
 * An unknown tokenizer name; the message lists the known ones.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadTokenizer, UnknownTokenizerError } from "./count.ts";
 * await assert.rejects(loadTokenizer("p50k" as never), UnknownTokenizerError);
 * assert.equal(new UnknownTokenizerError("x").message, 'Unknown tokenizer "x"; expected one of o200k_base, cl100k_base, claude, chars');
 * ```
 */
export class UnknownTokenizerError extends Error {
  /** Make one for the name given. */
  constructor(name: unknown) {
    super(`Unknown tokenizer ${JSON.stringify(name)}; expected one of ${TOKENIZERS.join(", ")}`);
    this.name = "UnknownTokenizerError";
  }
}

/** The cheap estimate: one token per four UTF-16 code units, rounded up. */
export const CHARS_COUNTER: TokenCounter = {
  name: "chars",
  count: (text: string) => Math.ceil(text.length / 4),
};

const loaded = new Map<TokenizerName, Promise<TokenCounter>>();

/** The answer for the names that need no encoding: `chars`, and a name that is not a tokenizer. */
function _cheap(name: TokenizerName): Promise<TokenCounter> | null {
  if (name === "chars") return Promise.resolve(CHARS_COUNTER);
  if (!TOKENIZERS.includes(name)) return Promise.reject(new UnknownTokenizerError(name));
  return null;
}

async function _load(name: Exclude<TokenizerName, "chars">): Promise<TokenCounter> {
  // static specifiers, so that bundlers (bun build --compile) embed each encoding
  if (name === "claude") {
    const { Tokenizer } = await import("ai-tokenizer");
    const encoding = await import("ai-tokenizer/encoding/claude");
    const tokenizer = new Tokenizer(encoding as ConstructorParameters<typeof Tokenizer>[0]);
    // "all": special-token strings are ordinary text here
    const library = (piece: string) => tokenizer.encode(piece, "all").length;
    // own properties only: a piece such as "valueOf" is no token
    const vocab = _vocab(name, () => encoding.stringEncoder as Record<string, number>);
    return new BpeCounter(name, new RegExp(encoding.pat_str, "gu"), _withMerge(library, vocab));
  }
  const { CL100K_TOKEN_SPLIT_REGEX, O200K_TOKEN_SPLIT_REGEX } = await import("gpt-tokenizer/encodingParams/constants");
  const encoding = name === "o200k_base"
    ? await import("gpt-tokenizer/encoding/o200k_base")
    : await import("gpt-tokenizer/encoding/cl100k_base");
  const ordinary = { allowedSpecial: new Set<string>(), disallowedSpecial: new Set<string>() };
  const pattern = name === "o200k_base" ? O200K_TOKEN_SPLIT_REGEX : CL100K_TOKEN_SPLIT_REGEX;
  // without options countTokens uses its precomputed special-token set (with options it rebuilds it on every call,
  // the larger part of a miss); it refuses a special token, which no single piece can hold whole: kept as a fallback
  const library = (piece: string) => {
    try {
      return encoding.countTokens(piece);
    } catch {
      return encoding.countTokens(piece, ordinary);
    }
  };
  const ranks = _stringRanks(encoding.default);
  return new BpeCounter(name, pattern, ranks === null ? library : _withMerge(library, _vocab(name, () => ranks)));
}

const vocabs = new Map<TokenizerName, AsciiRanks>();

/** The ASCII ranks of an encoding, built once per process (they are the encoding's, not learned from any text). */
function _vocab(
  name: TokenizerName,
  ranks: () => ReadonlyMap<string, number> | Readonly<Record<string, number>>,
): AsciiRanks {
  let v = vocabs.get(name);
  if (v === undefined) {
    v = AsciiRanks.from(ranks());
    vocabs.set(name, v);
  }
  return v;
}

/** gpt-tokenizer's own string ranks (a public field of its encoding, not in its types), or null if it moved. */
function _stringRanks(api: unknown): Map<string, number> | null {
  const core = (api as { bytePairEncodingCoreProcessor?: { bytePairStringRankEncoder?: unknown } })
    .bytePairEncodingCoreProcessor;
  const ranks = core?.bytePairStringRankEncoder;
  return ranks instanceof Map ? ranks as Map<string, number> : null;
}

/**
 * The count of a piece: merged here when it is ASCII (see _merge.ts), else by the library (whose merge is quadratic:
 * _bpe_counter.ts hands it no piece outside ASCII longer than OUTSIDE_ASCII_MAX).
 */
function _withMerge(library: (piece: string) => number, vocab: AsciiRanks) {
  const merger = new AsciiMerger(vocab);
  return (piece: string): number => {
    for (let i = 0; i < piece.length; i++) if (piece.charCodeAt(i) > 127) return library(piece);
    return piece.length > MERGE_MAX ? merger.countLong(piece) : merger.count(piece);
  };
}

/**
 * A new counter with empty caches (for benchmarks and tests); {@linkcode loadTokenizer} shares one per process.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createCounter, loadTokenizer } from "./count.ts";
 * const fresh = await createCounter("cl100k_base");
 * assert.notEqual(fresh, await loadTokenizer("cl100k_base"));
 * assert.equal(fresh.count("hello world"), 2);
 * ```
 */
export function createCounter(name: TokenizerName): Promise<TokenCounter> {
  return _cheap(name) ?? _load(name as Exclude<TokenizerName, "chars">);
}

/**
 * The counter for a tokenizer, loaded once per process (the first call of a BPE tokenizer takes some tens of
 * milliseconds to build its tables). Rejects with {@linkcode UnknownTokenizerError} for a name not in
 * {@linkcode TOKENIZERS}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadTokenizer } from "./count.ts";
 * const o200k = await loadTokenizer("o200k_base");
 * assert.equal(await loadTokenizer("o200k_base"), o200k);
 * assert.equal(o200k.count("<|endoftext|>") > 1, true); // a special token's text is ordinary text
 * ```
 */
export function loadTokenizer(name: TokenizerName): Promise<TokenCounter> {
  const cheap = _cheap(name);
  if (cheap) return cheap;
  let p = loaded.get(name);
  if (!p) {
    p = createCounter(name);
    loaded.set(name, p);
    p.catch(() => loaded.delete(name));
  }
  return p;
}

/**
 * The number of tokens of `text` with the named tokenizer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { countTokens } from "./count.ts";
 * assert.equal(await countTokens("", "claude"), 0);
 * assert.equal(await countTokens("abcdefgh", "chars"), 2);
 * await assert.rejects(countTokens(42 as never, "chars"), /countTokens needs a string, got number/);
 * ```
 */
export async function countTokens(text: string, tokenizer: TokenizerName): Promise<number> {
  if (typeof text !== "string") throw new TypeError(`countTokens needs a string, got ${typeof text}`);
  return (await loadTokenizer(tokenizer)).count(text);
}
