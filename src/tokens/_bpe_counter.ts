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
/**
 * The longest ASCII piece handed to the merge whole: a longer one is cut ({@linkcode cutPiece}) and its cuts counted
 * apart. ASCII pieces are merged in O(n log n) (_merge.ts), so this bounds the memory of one merge and lets a run of
 * one character hit the piece cache; pieces of ordinary text are far shorter (words, numbers of at most three digits,
 * runs of punctuation or spaces: the longest in this repository and `@types/node`, a markdown table's padding, has
 * about 480).
 */
export const PIECE_MAX = 1024;
/**
 * The longest piece with a character outside ASCII handed to the merge whole. The libraries merge those pieces, and
 * their merge is quadratic in the piece's length (red team 9's H6: one piece of 100,000 `a` took 45 s when the
 * library merged long pieces); a longer one is cut into cuts of {@linkcode CUT_OUTSIDE_ASCII}.
 */
export const OUTSIDE_ASCII_MAX = 128;
/** The length of the cuts of a piece longer than OUTSIDE_ASCII_MAX with a character outside ASCII. */
export const CUT_OUTSIDE_ASCII = 32;

/** The length of the cuts of the piece `text[from, to)`: PIECE_MAX when it is ASCII, else CUT_OUTSIDE_ASCII. */
export function cutLength(text: string, from: number, to: number): number {
  for (let p = from; p < to; p++) if (text.charCodeAt(p) > 127) return CUT_OUTSIDE_ASCII;
  return PIECE_MAX;
}

/** The end of the cut from `i` of a piece ending at `to`: `len` code units on, one fewer to keep a surrogate pair. */
export function cutEnd(text: string, i: number, to: number, len: number): number {
  const e = i + len;
  if (e >= to) return to;
  return (text.charCodeAt(e - 1) & 0xfc00) === 0xd800 && (text.charCodeAt(e) & 0xfc00) === 0xdc00 ? e - 1 : e;
}

/**
 * The cuts whose counts make the count of a piece: the piece itself when it has at most OUTSIDE_ASCII_MAX code
 * units, else cuts of {@linkcode cutLength} code units from its start (the last one shorter; an ASCII piece of up to
 * PIECE_MAX is one cut). A cut may change the count by a token or so against the whole piece's exact merge
 * (measured in docs/tokens.md).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cutPiece, PIECE_MAX } from "./_bpe_counter.ts";
 * assert.deepEqual(cutPiece("abc"), ["abc"]);
 * assert.deepEqual(cutPiece("a".repeat(PIECE_MAX + 1)).map((c) => c.length), [PIECE_MAX, 1]);
 * assert.deepEqual(cutPiece("a".repeat(500)).map((c) => c.length), [500]);
 * assert.deepEqual(cutPiece("é".repeat(128)).map((c) => c.length), [128]);
 * assert.deepEqual(cutPiece("é".repeat(129)).map((c) => c.length), [32, 32, 32, 32, 1]);
 * ```
 */
export function cutPiece(piece: string): string[] {
  if (piece.length <= OUTSIDE_ASCII_MAX) return [piece];
  const len = cutLength(piece, 0, piece.length);
  const out: string[] = [];
  for (let i = 0; i < piece.length;) {
    const e = cutEnd(piece, i, piece.length, len);
    out.push(piece.slice(i, e));
    i = e;
  }
  return out;
}
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
    // a piece longer than OUTSIDE_ASCII_MAX (rare) is counted by its cuts (cutPiece), each one a piece here: the
    // piece ends at runEnd, its cuts are `cut` code units long
    let runEnd = -1;
    let cut = 0;
    for (let i = 0; i < n;) {
      let e: number;
      if (i < runEnd) e = cutEnd(text, i, runEnd, cut);
      else {
        e = scanPiece(kind, text, i);
        if (e === NEEDS_PATTERN) e = patternEnd(text, i, this.#sticky);
        if (e - i > OUTSIDE_ASCII_MAX) {
          runEnd = e;
          cut = cutLength(text, i, e);
          e = cutEnd(text, i, runEnd, cut);
        }
      }
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
