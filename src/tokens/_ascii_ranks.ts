/**
 * Private helper of _merge.ts: the ranks of an encoding's ASCII tokens in a table of typed arrays, looked up by a
 * range of a string (no slice is made and no string is hashed by the engine). A `Map<string, number>` lookup of a
 * fresh slice costs an allocation and a hash computed in the runtime; on text never seen that lookup was most of a
 * piece's merge (issue 13). Keys are compared character by character, so the answer is exactly the Map's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AsciiRanks } from "./_ascii_ranks.ts";
 * const ranks = AsciiRanks.from(new Map([["ab", 300], ["abc", 301], ["é", 5]]));
 * assert.equal(ranks.rank("xabcx", 1, 3), 300);
 * assert.equal(ranks.rank("xabcx", 1, 4), 301);
 * assert.equal(ranks.rank("xabcx", 0, 2), -1);
 * assert.equal(ranks.size, 2); // "é" is not ASCII: left out
 * ```
 *
 * @module
 */

/** The hash of `s[from, to)`: FNV-1a over the UTF-16 code units, then mixed (its top bits pick the slot). */
function _hash(s: string, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return h ^ (h >>> 13);
}

/** The largest rank the table holds (ranks share an integer with lengths); encodings have a few 100,000. */
export const MAX_RANK = 0xfffff;

/**
 * The longest key the table holds (lengths share an integer with ranks): `claude` has ASCII tokens of 1024 spaces,
 * the OpenAI encodings none longer than 128.
 */
export const MAX_KEY_LENGTH = 2047;
const LENGTH_BITS = 11;

/** The arrays of an {@linkcode AsciiRanks}, all in locals: one tight loop (tens of milliseconds for o200k_base). */
function _build(keys: string[], ranks: number[]): { size: number; bits: number; chars: Uint8Array; slots: Int32Array } {
  let bits = 4;
  while (1 << bits < keys.length * 2) bits++; // at most half full: probes stay short
  const shift = 32 - bits;
  const mask = (1 << bits) - 1;
  let total = 0;
  for (let n = 0; n < keys.length; n++) total += keys[n]!.length;
  const chars = new Uint8Array(total);
  const slots = new Int32Array(2 << bits).fill(-1);
  let at = 0;
  for (let n = 0; n < keys.length; n++) {
    const k = keys[n]!;
    const len = k.length;
    let slot = _hash(k, 0, len) >>> shift;
    while (slots[slot << 1] !== -1) slot = (slot + 1) & mask; // keys are distinct (those of a Map or an object)
    for (let i = 0; i < len; i++) chars[at + i] = k.charCodeAt(i);
    slots[slot << 1] = at;
    slots[(slot << 1) + 1] = ranks[n]! * (1 << LENGTH_BITS) + len;
    at += len;
  }
  return { size: keys.length, bits, chars, slots };
}

/** An encoding's ASCII tokens and their ranks, in an open-addressing table over one buffer of characters. */
export class AsciiRanks {
  /** How many tokens the table holds. */
  readonly size: number;
  readonly #shift: number;
  readonly #mask: number;
  readonly #chars: Uint8Array;
  // two integers a slot (one load from memory): where the key starts in #chars (-1: empty), and its rank times 2048
  // plus its length
  readonly #slots: Int32Array;

  private constructor(keys: string[], ranks: number[]) {
    const t = _build(keys, ranks);
    this.size = t.size;
    this.#shift = 32 - t.bits;
    this.#mask = (1 << t.bits) - 1;
    this.#chars = t.chars;
    this.#slots = t.slots;
  }

  /**
   * The table of the ASCII keys of an encoding's ranks (a Map, or an object's own enumerable properties) of at most
   * {@linkcode MAX_KEY_LENGTH} characters (other keys can never equal ASCII text, nor a range of that length: left
   * out). Throws a RangeError for a rank above {@linkcode MAX_RANK}.
   */
  static from(source: ReadonlyMap<string, number> | Readonly<Record<string, number>>): AsciiRanks {
    const keys: string[] = [];
    const ranks: number[] = [];
    const add = (r: number, k: string) => {
      for (let i = 0; i < k.length; i++) if (k.charCodeAt(i) > 127) return;
      if (!Number.isInteger(r) || r < 0 || r > MAX_RANK) {
        throw new RangeError(
          `A token's rank must be an integer from 0 to ${MAX_RANK}, got ${r} for ${JSON.stringify(k)}`,
        );
      }
      if (k.length > MAX_KEY_LENGTH) return; // no encoding has one
      keys.push(k);
      ranks.push(r);
    };
    // forEach, not for-of: no [key, value] array made per entry (a third of the build for 200,000 tokens)
    if (source instanceof Map) source.forEach(add);
    else {
      const record = source as Readonly<Record<string, number>>;
      for (const k of Object.keys(record)) add(record[k]!, k);
    }
    return new AsciiRanks(keys, ranks);
  }

  /** The rank of the token `s[from, to)`, or -1 when it is not a token (or longer than MAX_KEY_LENGTH). */
  rank(s: string, from: number, to: number): number {
    const n = to - from;
    if (n > 2047) return -1; // MAX_KEY_LENGTH
    const chars = this.#chars;
    const slots = this.#slots;
    let slot = _hash(s, from, to) >>> this.#shift;
    for (;;) {
      const start = slots[slot << 1]!;
      if (start === -1) return -1;
      const rankAndLength = slots[(slot << 1) + 1]!;
      if ((rankAndLength & 2047) === n) { // literals, not the constants: a module binding is a load on the hot path
        let i = 0;
        while (i < n && chars[start + i] === s.charCodeAt(from + i)) i++;
        if (i === n) return rankAndLength >>> 11; // LENGTH_BITS
      }
      slot = (slot + 1) & this.#mask;
    }
  }
}
