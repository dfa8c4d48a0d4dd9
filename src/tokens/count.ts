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

import { NEEDS_PATTERN, patternEnd, scannerFor } from "./_split.ts";

/** The tokenizers `metrics.tokenizer` can name. */
export type TokenizerName = "o200k_base" | "cl100k_base" | "claude" | "chars";

/** All tokenizer names, for validation and docs. */
export const TOKENIZERS: readonly TokenizerName[] = ["o200k_base", "cl100k_base", "claude", "chars"];

/** Counts the tokens of texts; `count` is synchronous once the counter is loaded. */
export interface TokenCounter {
  /** Which tokenizer. */
  readonly name: TokenizerName;
  /** The number of tokens of `text` (special-token strings such as `<|endoftext|>` count as ordinary text). */
  count(text: string): number;
}

/** An unknown tokenizer name; the message lists the known ones. */
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

/** Entries kept in a counter's piece cache before it is emptied (pieces are short: a few MB at most). */
export const PIECE_CACHE_ENTRIES = 200_000;
/** Characters of whole texts kept in a counter's text cache before the oldest are dropped. */
export const TEXT_CACHE_CHARS = 16 * 1024 * 1024;
/** Texts shorter than this are not cached whole (their pieces are). */
export const TEXT_CACHE_MIN = 256;

/** One cached piece: its text and token count; pieces whose hashes collide are chained. */
interface PieceEntry {
  readonly text: string;
  readonly tokens: number;
  next: PieceEntry | undefined;
}

/**
 * A counter over an encoding: the ASCII scanner of its pre-tokenizer (regular expression for the rest), a piece
 * cache keyed by a hash computed while scanning (a hit allocates nothing: the text is compared in place), and a
 * whole-text cache.
 */
class BpeCounter implements TokenCounter {
  readonly name: TokenizerName;
  readonly #encode: (piece: string) => number;
  readonly #scan: (text: string, i: number) => number;
  readonly #sticky: RegExp;
  #pieces = new Map<number, PieceEntry>();
  #pieceCount = 0;
  readonly #texts = new Map<string, number>();
  #textChars = 0;

  /** `pattern`: the encoding's own pre-tokenizer; `encode`: the token count of one of its pieces. */
  constructor(name: Exclude<TokenizerName, "chars">, pattern: RegExp, encode: (piece: string) => number) {
    this.name = name;
    this.#encode = encode;
    this.#scan = scannerFor(name);
    this.#sticky = new RegExp(pattern.source, "uy");
  }

  count(text: string): number {
    if (text.length === 0) return 0;
    if (text.length < TEXT_CACHE_MIN) return this.#countPieces(text);
    const hit = this.#texts.get(text);
    if (hit !== undefined) return hit;
    const n = this.#countPieces(text);
    this.#remember(text, n);
    return n;
  }

  #countPieces(text: string): number {
    const scan = this.#scan;
    const n = text.length;
    let total = 0;
    for (let i = 0; i < n;) {
      let e = scan(text, i);
      if (e === NEEDS_PATTERN) e = patternEnd(text, i, this.#sticky);
      // FNV-1a over the piece's UTF-16 code units, mixed with its length
      let h = 0x811c9dc5 ^ (e - i);
      for (let p = i; p < e; p++) h = Math.imul(h ^ text.charCodeAt(p), 0x01000193);
      h &= 0x3fffffff; // a small integer: Map keys that V8 hashes without allocating
      let entry = this.#pieces.get(h);
      while (entry !== undefined && !(entry.text.length === e - i && text.startsWith(entry.text, i))) {
        entry = entry.next;
      }
      if (entry === undefined) entry = this.#add(h, text.slice(i, e));
      total += entry.tokens;
      i = e;
    }
    return total;
  }

  #add(hash: number, piece: string): PieceEntry {
    if (this.#pieceCount >= PIECE_CACHE_ENTRIES) {
      this.#pieces = new Map();
      this.#pieceCount = 0;
    }
    const entry: PieceEntry = { text: piece, tokens: this.#encode(piece), next: this.#pieces.get(hash) };
    this.#pieces.set(hash, entry);
    this.#pieceCount++;
    return entry;
  }

  #remember(text: string, n: number): void {
    if (text.length > TEXT_CACHE_CHARS) return;
    this.#texts.set(text, n);
    this.#textChars += text.length;
    for (const k of this.#texts.keys()) {
      if (this.#textChars <= TEXT_CACHE_CHARS) break;
      this.#texts.delete(k);
      this.#textChars -= k.length;
    }
  }
}

const loaded = new Map<TokenizerName, Promise<TokenCounter>>();

async function _load(name: Exclude<TokenizerName, "chars">): Promise<TokenCounter> {
  // static specifiers, so that bundlers (bun build --compile) embed each encoding
  if (name === "claude") {
    const { Tokenizer } = await import("ai-tokenizer");
    const encoding = await import("ai-tokenizer/encoding/claude");
    const tokenizer = new Tokenizer(encoding as ConstructorParameters<typeof Tokenizer>[0]);
    // "all": special-token strings are ordinary text here
    return new BpeCounter(name, new RegExp(encoding.pat_str, "gu"), (piece) => tokenizer.encode(piece, "all").length);
  }
  const { CL100K_TOKEN_SPLIT_REGEX, O200K_TOKEN_SPLIT_REGEX } = await import("gpt-tokenizer/encodingParams/constants");
  const encoding = name === "o200k_base"
    ? await import("gpt-tokenizer/encoding/o200k_base")
    : await import("gpt-tokenizer/encoding/cl100k_base");
  const ordinary = { allowedSpecial: new Set<string>(), disallowedSpecial: new Set<string>() };
  const pattern = name === "o200k_base" ? O200K_TOKEN_SPLIT_REGEX : CL100K_TOKEN_SPLIT_REGEX;
  // without options countTokens uses its precomputed special-token set (with options it rebuilds it on every call,
  // the larger part of a miss); it refuses a special token, which no single piece can hold whole: kept as a fallback
  return new BpeCounter(name, pattern, (piece) => {
    try {
      return encoding.countTokens(piece);
    } catch {
      return encoding.countTokens(piece, ordinary);
    }
  });
}

/**
 * A new counter with empty caches (for benchmarks and tests); {@linkcode loadTokenizer} shares one per process.
 */
export function createCounter(name: TokenizerName): Promise<TokenCounter> {
  if (name === "chars") return Promise.resolve(CHARS_COUNTER);
  if (!TOKENIZERS.includes(name)) return Promise.reject(new UnknownTokenizerError(name));
  return _load(name);
}

/**
 * The counter for a tokenizer, loaded once per process (the first call of a BPE tokenizer takes some tens of
 * milliseconds to build its tables). Rejects with {@linkcode UnknownTokenizerError} for a name not in
 * {@linkcode TOKENIZERS}.
 */
export function loadTokenizer(name: TokenizerName): Promise<TokenCounter> {
  if (name === "chars") return Promise.resolve(CHARS_COUNTER);
  if (!TOKENIZERS.includes(name)) return Promise.reject(new UnknownTokenizerError(name));
  let p = loaded.get(name);
  if (!p) {
    p = createCounter(name);
    loaded.set(name, p);
    p.catch(() => loaded.delete(name));
  }
  return p;
}

/** The number of tokens of `text` with the named tokenizer. */
export async function countTokens(text: string, tokenizer: TokenizerName): Promise<number> {
  if (typeof text !== "string") throw new TypeError(`countTokens needs a string, got ${typeof text}`);
  return (await loadTokenizer(tokenizer)).count(text);
}
