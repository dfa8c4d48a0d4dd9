import assert from "node:assert/strict";
import { BpeCounter, PIECE_CACHE_ENTRIES } from "../../src/tokens/_bpe_counter.ts";

// ai-tokenizer's Claude pre-tokenizer (GPT-2's); the toy encoding counts one token per character of a piece.
const PATTERN = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

function counter(): { c: BpeCounter; encoded: string[] } {
  const encoded: string[] = [];
  const c = new BpeCounter("claude", PATTERN, (piece) => (encoded.push(piece), piece.length));
  return { c, encoded };
}

Deno.test("BpeCounter: each distinct piece is encoded once; pieces outside ASCII go through the pattern", () => {
  const { c, encoded } = counter();
  assert.equal(c.count("ab ab ab, ab"), 12);
  assert.deepEqual(encoded, ["ab", " ab", ","]);
  assert.equal(c.count("ab ab"), 5);
  assert.equal(encoded.length, 3, "all hits");
  assert.equal(c.count("grüße ab"), 8);
  assert.deepEqual(encoded.slice(3), ["grüße"]);
});

Deno.test("BpeCounter: the piece cache is emptied once it holds PIECE_CACHE_ENTRIES pieces, counts stay exact", () => {
  const { c, encoded } = counter();
  assert.equal(c.count("first"), 5);
  // Distinct pieces: a space and letters only (a digit would start a piece of its own).
  const letters = (n: number) => n.toString(26).replace(/./g, (d) => String.fromCharCode(97 + parseInt(d, 26)));
  const words = Array.from({ length: PIECE_CACHE_ENTRIES }, (_, i) => ` w${letters(i)}`);
  for (let i = 0; i < words.length; i += 1000) c.count(words.slice(i, i + 1000).join(""));
  assert.equal(encoded.length, PIECE_CACHE_ENTRIES + 1);
  assert.equal(c.count("first"), 5);
  assert.equal(encoded.at(-1), "first", "encoded again: the cache was emptied");
});
