/**
 * Private helper of _bpe_counter.ts: the token counts of pieces already counted, in typed arrays. A piece is looked
 * up by its range of the text and a hash its caller computed while scanning, and compared in place with the copy of
 * its characters kept here, so a hit allocates nothing and calls nothing (the `Map` of entries it replaces cost a
 * builtin call, a chain of objects and a `startsWith` per piece: issue 13). Bounded: emptied when it holds
 * {@linkcode PIECE_CACHE_ENTRIES} pieces or {@linkcode PIECE_CACHE_CHARS} characters; pieces longer than
 * {@linkcode PIECE_CACHE_LONGEST} are not kept.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PieceCache } from "./_piece_cache.ts";
 * const cache = new PieceCache();
 * assert.equal(cache.find("a word", 1, 6, 42), -1);
 * cache.add("a word", 1, 6, 42, 1);
 * assert.equal(cache.find("one word", 3, 8, 42), 1); // " word" again, elsewhere
 * assert.equal(cache.find("a ward", 1, 6, 42), -1); // the same hash, other characters
 * ```
 *
 * @module
 */

/** Entries kept before the cache is emptied (pieces are short: a few MB at most). */
export const PIECE_CACHE_ENTRIES = 200_000;
/** Characters of pieces kept before the cache is emptied (4 MiB of code units, 8 MB). */
export const PIECE_CACHE_CHARS = 4 * 1024 * 1024;
/**
 * Pieces longer than this are not kept: the longest piece _bpe_counter.ts hands whole (its PIECE_MAX), so that a run
 * of one character, cut into pieces of that length, is merged once.
 */
export const PIECE_CACHE_LONGEST = 1024;

const FIRST_BITS = 12;
// enough slots for PIECE_CACHE_ENTRIES at most half full
const LAST_BITS = 19;
const FIRST_CHARS = 1 << 16;

/** A bounded table from pieces (ranges of texts) to their token counts. */
export class PieceCache {
  #bits = FIRST_BITS;
  // per slot, four integers: the piece's hash (any value; the slot is empty when its length is 0), where its
  // characters start in #chars, its length, its token count
  #slots = new Int32Array(4 << FIRST_BITS);
  #chars = new Uint16Array(FIRST_CHARS);
  #used = 0;
  #charsUsed = 0;

  /** How many pieces it holds. */
  get size(): number {
    return this.#used;
  }

  /** The token count of `text[from, to)` (whose hash is `hash`), or -1 when it is not here. */
  find(text: string, from: number, to: number, hash: number): number {
    const slots = this.#slots;
    const chars = this.#chars;
    const n = to - from;
    const mask = (1 << this.#bits) - 1;
    let slot = Math.imul(hash, 0x9e3779b1) >>> (32 - this.#bits);
    for (;;) {
      const at = slot << 2;
      const len = slots[at + 2]!;
      if (len === 0) return -1;
      if (len === n && slots[at] === hash) {
        const start = slots[at + 1]!;
        let p = 0;
        while (p < n && chars[start + p] === text.charCodeAt(from + p)) p++;
        if (p === n) return slots[at + 3]!;
      }
      slot = (slot + 1) & mask;
    }
  }

  /** Keep the count of `text[from, to)` (hash `hash`, not already here; the empty piece is never kept). */
  add(text: string, from: number, to: number, hash: number, tokens: number): void {
    const n = to - from;
    if (n === 0 || n > PIECE_CACHE_LONGEST) return;
    if (this.#used >= PIECE_CACHE_ENTRIES || this.#charsUsed + n > PIECE_CACHE_CHARS) this.clear();
    if (this.#used + 1 > (1 << this.#bits) >>> 1) this.#grow();
    if (this.#charsUsed + n > this.#chars.length) {
      const bigger = new Uint16Array(Math.min(PIECE_CACHE_CHARS, this.#chars.length * 2));
      bigger.set(this.#chars.subarray(0, this.#charsUsed));
      this.#chars = bigger;
    }
    const start = this.#charsUsed;
    for (let p = 0; p < n; p++) this.#chars[start + p] = text.charCodeAt(from + p);
    this.#charsUsed += n;
    this.#put(hash, start, n, tokens);
    this.#used++;
  }

  /** Forget every piece (the tables shrink back to their first size). */
  clear(): void {
    this.#bits = FIRST_BITS;
    this.#slots = new Int32Array(4 << FIRST_BITS);
    this.#chars = new Uint16Array(FIRST_CHARS);
    this.#used = 0;
    this.#charsUsed = 0;
  }

  #put(hash: number, start: number, n: number, tokens: number): void {
    const slots = this.#slots;
    const mask = (1 << this.#bits) - 1;
    let slot = Math.imul(hash, 0x9e3779b1) >>> (32 - this.#bits);
    while (slots[(slot << 2) + 2] !== 0) slot = (slot + 1) & mask;
    const at = slot << 2;
    slots[at] = hash;
    slots[at + 1] = start;
    slots[at + 2] = n;
    slots[at + 3] = tokens;
  }

  /** Twice the slots, every piece put again (its hash is kept, its characters stay where they are). */
  #grow(): void {
    if (this.#bits >= LAST_BITS) return; // cannot happen: PIECE_CACHE_ENTRIES fill at most half of 2^LAST_BITS
    const old = this.#slots;
    this.#bits++;
    this.#slots = new Int32Array(4 << this.#bits);
    for (let at = 0; at < old.length; at += 4) {
      if (old[at + 2] !== 0) this.#put(old[at]!, old[at + 1]!, old[at + 2]!, old[at + 3]!);
    }
  }
}
