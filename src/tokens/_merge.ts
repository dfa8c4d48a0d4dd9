/**
 * Private helper of count.ts: byte-pair merging of one ASCII piece, counted. For ASCII text the UTF-8 bytes are the
 * UTF-16 code units, so a candidate pair is a slice of the piece, looked up in the encoding's string ranks. Each
 * part carries its token id (a single character's, then the rank of each merge), and the answer for a pair of ids is
 * remembered in a table of integers, so a pair seen in any earlier piece costs no lookup at all. A pair not seen is
 * looked up in the encoding's ranks by its range of the piece ({@linkcode AsciiRanks}: no slice, no string hash):
 * that lookup is where the libraries spend most of a miss. The merge order is the encoding's (lowest rank first, leftmost
 * on ties), so the count is exactly the library's (tests/tokens/_merge_test.ts compares them on real text and fuzzed
 * pieces).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AsciiRanks } from "./_ascii_ranks.ts";
 * import { AsciiMerger } from "./_merge.ts";
 * // A toy vocabulary: every byte is its own rank, then "ab" (rank 300), then "abc" (rank 301).
 * const bytes = Array.from({ length: 128 }, (_, c) => [String.fromCharCode(c), c] as const);
 * const merger = new AsciiMerger(AsciiRanks.from(new Map([...bytes, ["ab", 300], ["abc", 301]])));
 * assert.equal(merger.count("abcab"), 2); // "abc" + "ab"
 * assert.equal(merger.count("ba"), 2);
 * assert.equal(merger.count("abc"), 1);
 * assert.equal(merger.countLong("ab".repeat(100)), 100); // any length: "ab" a hundred times
 * ```
 *
 * @module
 */
import type { AsciiRanks } from "./_ascii_ranks.ts";

/**
 * Pieces up to this length are merged by the plain loop of {@linkcode AsciiMerger.count} (quadratic in the piece's
 * length, and the fastest on the short pieces of ordinary text); longer ones by the heap of
 * {@linkcode AsciiMerger.countLong} (O(n log n)).
 */
export const MERGE_MAX = 128;

const NONE = 0x7fffffff;
/** log2 of the memo's slots by default: 2^16 slots of 16 bytes, 1 MiB (small enough to stay in a core's cache). */
export const MEMO_BITS = 16;

/**
 * Counts ASCII pieces under an encoding's ranks. Every single ASCII character must be a token (true of byte-level
 * encodings).
 */
export class AsciiMerger {
  readonly #vocab: AsciiRanks;
  readonly #single = new Int32Array(128);
  // the memo, four integers a slot (one load from memory, not three): the ids of the left and right part (left -1:
  // an empty slot), the rank of their merge or NONE, unused; emptied when half its slots are used, so probes stay
  // short
  readonly #bits: number;
  readonly #memo: Int32Array;
  #used = 0;
  // one piece at a time (no re-entry): part starts, part ids, and each part's rank of merging with the next
  readonly #starts = new Int32Array(MERGE_MAX + 1);
  readonly #ids = new Int32Array(MERGE_MAX + 1);
  readonly #ranks = new Int32Array(MERGE_MAX + 1);

  /**
   * `vocab`: the encoding's ranks of its ASCII tokens; `memoBits`: log2 of the pair memo's slots (a small one in
   * tests, to empty it often).
   */
  constructor(vocab: AsciiRanks, memoBits = MEMO_BITS) {
    this.#vocab = vocab;
    this.#bits = memoBits;
    this.#memo = new Int32Array(4 << memoBits).fill(-1);
    for (let c = 0; c < 128; c++) {
      const r = vocab.rank(String.fromCharCode(c), 0, 1);
      if (r === -1) throw new Error(`the encoding has no token for the character ${c}`);
      this.#single[c] = r;
    }
  }

  /**
   * The rank of merging parts `at` and `at + 1` of `piece` (ids a and b), or NONE: {@linkcode #pairOf} written out
   * for the plain loop (a call less on the hot path of ordinary text).
   */
  #pair(piece: string, at: number): number {
    const a = this.#ids[at]!;
    const b = this.#ids[at + 1]!;
    const memo = this.#memo;
    const mask = (1 << this.#bits) - 1;
    let slot = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca77)) >>> (32 - this.#bits);
    for (;;) {
      const l = memo[slot << 2]!;
      if (l === -1) break;
      if (l === a && memo[(slot << 2) + 1] === b) return memo[(slot << 2) + 2]!;
      slot = (slot + 1) & mask;
    }
    const found = this.#vocab.rank(piece, this.#starts[at]!, this.#starts[at + 2]!);
    const r = found === -1 ? NONE : found;
    if (this.#used >= mask >>> 1) {
      memo.fill(-1);
      this.#used = 0;
      return r; // the slot found belongs to the emptied table; remembered from the next miss on
    }
    memo[slot << 2] = a;
    memo[(slot << 2) + 1] = b;
    memo[(slot << 2) + 2] = r;
    this.#used++;
    return r;
  }

  /** The rank of merging the tokens a and b, which are `piece[from, to)` together, or NONE (remembered by ids). */
  #pairOf(a: number, b: number, piece: string, from: number, to: number): number {
    const memo = this.#memo;
    const mask = (1 << this.#bits) - 1;
    let slot = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca77)) >>> (32 - this.#bits);
    for (;;) {
      const l = memo[slot << 2]!;
      if (l === -1) break;
      if (l === a && memo[(slot << 2) + 1] === b) return memo[(slot << 2) + 2]!;
      slot = (slot + 1) & mask;
    }
    const found = this.#vocab.rank(piece, from, to);
    const r = found === -1 ? NONE : found;
    if (this.#used >= mask >>> 1) {
      memo.fill(-1);
      this.#used = 0;
      return r; // the slot found belongs to the emptied table; remembered from the next miss on
    }
    memo[slot << 2] = a;
    memo[(slot << 2) + 1] = b;
    memo[(slot << 2) + 2] = r;
    this.#used++;
    return r;
  }

  /** The number of tokens of `piece` (ASCII, at most MERGE_MAX characters: longer ones go to {@linkcode countLong}). */
  count(piece: string): number {
    const n = piece.length;
    if (n <= 1) return n;
    if (n > MERGE_MAX) throw new RangeError(`AsciiMerger counts pieces of at most ${MERGE_MAX} characters, got ${n}`);
    if (this.#vocab.rank(piece, 0, n) !== -1) return 1;
    const starts = this.#starts;
    const ids = this.#ids;
    const ranks = this.#ranks;
    let parts = n; // part i is piece[starts[i], starts[i + 1]), token ids[i]
    for (let i = 0; i < n; i++) {
      starts[i] = i;
      ids[i] = this.#single[piece.charCodeAt(i)]!;
    }
    starts[n] = n;
    for (let i = 0; i < n - 1; i++) ranks[i] = this.#pair(piece, i);
    ranks[n - 1] = NONE;
    while (parts > 1) {
      let min = NONE;
      let at = -1;
      for (let i = 0; i < parts - 1; i++) {
        if (ranks[i]! < min) {
          min = ranks[i]!;
          at = i;
        }
      }
      if (at < 0) break;
      // parts at and at + 1 become one, token `min`: the parts after them move down one (a plain loop: copyWithin is
      // a call into the runtime, dearer than moving a few integers; ids and ranks at `parts` are not read)
      for (let i = at + 1; i < parts; i++) {
        starts[i] = starts[i + 1]!;
        ids[i] = ids[i + 1]!;
        ranks[i] = ranks[i + 1]!;
      }
      ids[at] = min;
      parts--;
      ranks[at] = at + 1 < parts ? this.#pair(piece, at) : NONE;
      if (at > 0) ranks[at - 1] = this.#pair(piece, at - 1);
    }
    return parts;
  }

  /** Heap operations (pushes and pops) of {@linkcode countLong} so far: its work, for tests. */
  get heapOps(): number {
    return this.#heapOps;
  }

  #heapOps = 0;
  #heap = new Float64Array(0);
  #next = new Int32Array(0);
  #prev = new Int32Array(0);
  #tok = new Int32Array(0);
  #right = new Int32Array(0);

  /**
   * The number of tokens of an ASCII piece of any length, in O(n log n): the same merges in the same order as
   * {@linkcode count} (lowest rank first, leftmost on ties), the candidates in a binary heap keyed by rank then
   * position, the parts in a linked list by their first character. A popped candidate is taken only if it is still
   * its part's current pair (the part alive, its right pair of that rank); older entries are dropped.
   */
  countLong(piece: string): number {
    const n = piece.length;
    if (n <= 1) return n;
    if (this.#vocab.rank(piece, 0, n) !== -1) return 1;
    if (this.#next.length < n + 1) {
      this.#next = new Int32Array(n + 1);
      this.#prev = new Int32Array(n + 1);
      this.#tok = new Int32Array(n + 1);
      this.#right = new Int32Array(n + 1);
      this.#heap = new Float64Array(3 * n + 2); // n pushes, then at most two a merge
    }
    const next = this.#next; // the start of the next part (n: none), for a part starting here
    const prev = this.#prev; // the start of the previous part (-1: none); -2: not a part's start any more
    const tok = this.#tok;
    const right = this.#right; // the rank of merging this part with the next, or NONE
    const heap = this.#heap;
    let size = 0;
    const push = (key: number) => {
      let i = size++;
      while (i > 0) {
        const up = (i - 1) >> 1;
        if (heap[up]! <= key) break;
        heap[i] = heap[up]!;
        i = up;
      }
      heap[i] = key;
      this.#heapOps++;
    };
    const pop = (): number => {
      const top = heap[0]!;
      const last = heap[--size]!;
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= size) break;
        if (c + 1 < size && heap[c + 1]! < heap[c]!) c++;
        if (heap[c]! >= last) break;
        heap[i] = heap[c]!;
        i = c;
      }
      heap[i] = last;
      this.#heapOps++;
      return top;
    };
    const rankAt = (p: number): number => {
      const q = next[p]!;
      if (q >= n) return NONE;
      const e = next[q]!;
      return this.#pairOf(tok[p]!, tok[q]!, piece, p, e);
    };
    // rank * 2^32 + position: exact in a double (ranks < 2^20), ordered by rank then position
    const P = 4294967296;
    for (let i = 0; i < n; i++) {
      next[i] = i + 1;
      prev[i] = i - 1;
      tok[i] = this.#single[piece.charCodeAt(i)]!;
    }
    for (let i = 0; i < n; i++) {
      const r = rankAt(i);
      right[i] = r;
      if (r !== NONE) push(r * P + i);
    }
    let parts = n;
    while (size > 0) {
      const key = pop();
      const r = Math.floor(key / P);
      const p = key - r * P;
      if (prev[p] === -2 || right[p] !== r) continue; // stale: merged away, or its right pair changed
      const q = next[p]!;
      // part q joins part p, token r
      tok[p] = r;
      next[p] = next[q]!;
      if (next[q]! < n) prev[next[q]!] = p;
      prev[q] = -2;
      right[q] = NONE;
      parts--;
      const rp = rankAt(p);
      right[p] = rp;
      if (rp !== NONE) push(rp * P + p);
      const l = prev[p]!;
      if (l >= 0) {
        const rl = rankAt(l);
        right[l] = rl;
        if (rl !== NONE) push(rl * P + l);
      }
    }
    return parts;
  }
}
