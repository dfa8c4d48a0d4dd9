/**
 * Private helper of count.ts: a counter over a BPE encoding. The text is split into the encoding's pieces (the
 * ASCII scanner of _split.ts, the encoding's regular expression for the rest), each piece's count is cached
 * (_piece_cache.ts: keyed by a hash computed while scanning and compared in place, so a hit allocates nothing), and
 * whole texts of {@linkcode TEXT_CACHE_MIN} characters or more are cached too.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BpeCounter } from "./_bpe_counter.ts";
 * // A toy encoding: one token per piece.
 * const counter = new BpeCounter("claude", /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu, () => 1);
 * assert.equal(counter.count("it's ok!"), 4); // it 's  ok !
 * assert.equal(counter.count(""), 0);
 * ```
 *
 * @module
 */
import { PieceCache } from "./_piece_cache.ts";
import { NEEDS_PATTERN, patternEnd, scanPiece, SPLIT_KINDS } from "./_split.ts";
import type { TokenCounter, TokenizerName } from "./types.ts";

export { PIECE_CACHE_ENTRIES } from "./_piece_cache.ts";
/** Characters of whole texts kept in a counter's text cache before the oldest are dropped. */
export const TEXT_CACHE_CHARS = 16 * 1024 * 1024;
/** Texts shorter than this are not cached whole (their pieces are). */
export const TEXT_CACHE_MIN = 256;

/**
 * A counter over an encoding: the ASCII scanner of its pre-tokenizer (regular expression for the rest), a piece
 * cache keyed by a hash computed while scanning (a hit allocates nothing: the text is compared in place), and a
 * whole-text cache.
 */
export class BpeCounter implements TokenCounter {
  /** Which tokenizer. */
  readonly name: TokenizerName;
  readonly #encode: (piece: string) => number;
  readonly #kind: number;
  readonly #sticky: RegExp;
  readonly #pieces = new PieceCache();
  readonly #texts = new Map<string, number>();
  #textChars = 0;

  /** `pattern`: the encoding's own pre-tokenizer; `encode`: the token count of one of its pieces. */
  constructor(name: Exclude<TokenizerName, "chars">, pattern: RegExp, encode: (piece: string) => number) {
    this.name = name;
    this.#encode = encode;
    this.#kind = SPLIT_KINDS[name];
    this.#sticky = new RegExp(pattern.source, "uy");
  }

  /** The number of tokens of `text`. */
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
    const kind = this.#kind;
    const pieces = this.#pieces;
    const n = text.length;
    let total = 0;
    for (let i = 0; i < n;) {
      let e = scanPiece(kind, text, i);
      if (e === NEEDS_PATTERN) e = patternEnd(text, i, this.#sticky);
      // FNV-1a over the piece's UTF-16 code units, mixed with its length
      let h = 0x811c9dc5 ^ (e - i);
      for (let p = i; p < e; p++) h = Math.imul(h ^ text.charCodeAt(p), 0x01000193);
      let tokens = pieces.find(text, i, e, h);
      if (tokens === -1) {
        tokens = this.#encode(text.slice(i, e));
        pieces.add(text, i, e, h, tokens);
      }
      total += tokens;
      i = e;
    }
    return total;
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
