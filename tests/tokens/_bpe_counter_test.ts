import assert from "node:assert/strict";
import { CL100K_TOKEN_SPLIT_REGEX, O200K_TOKEN_SPLIT_REGEX } from "gpt-tokenizer/encodingParams/constants";
import {
  BpeCounter,
  CUT_OUTSIDE_ASCII,
  OUTSIDE_ASCII_MAX,
  PIECE_CACHE_ENTRIES,
  PIECE_MAX,
} from "../../src/tokens/_bpe_counter.ts";

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

/** Long inputs of every shape that once made one huge piece (issue H6): 1 MB each. */
function _longShapes(size: number): Array<[string, string]> {
  let x = 7;
  const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const of = (f: () => string) => Array.from({ length: size }, f).join("").slice(0, size);
  const bytes = new Uint8Array(size).map(() => Math.floor(rnd() * 256));
  return [
    ["one letter", "a".repeat(size)],
    ["two letters", "ab".repeat(size / 2)],
    ["random lower case", of(() => String.fromCharCode(97 + Math.floor(rnd() * 26)))],
    ["digits", of(() => String.fromCharCode(48 + Math.floor(rnd() * 10)))],
    ["spaces", " ".repeat(size)],
    ["newlines and spaces", "\n ".repeat(size / 2)],
    ["punctuation", "=".repeat(size)],
    ["random printable ASCII", of(() => String.fromCharCode(32 + Math.floor(rnd() * 95)))],
    ["one letter outside ASCII", "é".repeat(size)],
    ["random Cyrillic", of(() => String.fromCharCode(0x430 + Math.floor(rnd() * 32)))],
    ["astral letters", "𝒜".repeat(size / 2)],
    ["ideographic spaces", "\u3000".repeat(size)],
    ["random bytes", new TextDecoder().decode(bytes)],
  ];
}

Deno.test("BpeCounter: no piece handed to the merge exceeds PIECE_MAX, whatever the input (H6)", () => {
  const patterns = {
    claude: PATTERN,
    // gpt-tokenizer's patterns for the OpenAI encodings (their scanners in _split.ts, the regexps beyond ASCII)
    o200k_base: O200K_TOKEN_SPLIT_REGEX,
    cl100k_base: CL100K_TOKEN_SPLIT_REGEX,
  };
  for (const [shape, text] of _longShapes(1_000_000)) {
    for (const [name, pattern] of Object.entries(patterns)) {
      let longest = 0;
      let longestOutside = 0; // of the pieces with a character outside ASCII (the libraries' quadratic merge)
      let merged = 0;
      const c = new BpeCounter(name as keyof typeof patterns, pattern, (piece) => {
        longest = Math.max(longest, piece.length);
        if (/[^\0-\x7f]/.test(piece)) longestOutside = Math.max(longestOutside, piece.length);
        merged += piece.length;
        return piece.length;
      });
      // the toy encoding counts a character a token: the count is the text's length whatever the cut
      assert.equal(c.count(text), text.length, `${shape}, ${name}`);
      assert.ok(longest <= PIECE_MAX, `${shape}, ${name}: a piece of ${longest} characters was merged`);
      assert.ok(
        longestOutside <= OUTSIDE_ASCII_MAX,
        `${shape}, ${name}: a piece of ${longestOutside} characters outside ASCII was merged`,
      );
      // the merge of a piece costs at most quadratic in PIECE_MAX; each character is merged at most once
      assert.ok(merged <= text.length, `${shape}, ${name}: ${merged} characters merged of ${text.length}`);
    }
  }
});

Deno.test("BpeCounter: a long piece outside ASCII is cut, never inside a surrogate pair; ASCII at PIECE_MAX", () => {
  const { c, encoded } = counter();
  const astral = "x" + "𝒜".repeat(OUTSIDE_ASCII_MAX); // a letter, then letters of two code units each
  assert.equal(c.count(astral), astral.length);
  assert.ok(encoded.length >= 2);
  assert.equal(encoded[0]!.length, CUT_OUTSIDE_ASCII - 1, "cut one short: the pair at the cut kept whole");
  for (const p of encoded) {
    assert.ok(p.length <= CUT_OUTSIDE_ASCII);
    assert.ok(p.isWellFormed(), `cut inside a surrogate pair: ${JSON.stringify(p.slice(-2))}`);
  }
  // 257 code units: 31, seven times 32 (the same cut: merged once, then from the piece cache), 2
  assert.deepEqual(encoded, ["x" + "𝒜".repeat(15), "𝒜".repeat(16), "𝒜"]);
  // a piece of exactly PIECE_MAX characters is not cut
  const { c: c2, encoded: e2 } = counter();
  assert.equal(c2.count("b".repeat(PIECE_MAX)), PIECE_MAX);
  assert.deepEqual(e2, ["b".repeat(PIECE_MAX)]);
  assert.equal(c2.count("c".repeat(PIECE_MAX * 2 + 1)), PIECE_MAX * 2 + 1);
  assert.deepEqual(e2.slice(1), ["c".repeat(PIECE_MAX), "c"], "cut at PIECE_MAX, the second cut from the cache");
  const { c: c3, encoded: e3 } = counter();
  assert.equal(c3.count("é".repeat(OUTSIDE_ASCII_MAX)), OUTSIDE_ASCII_MAX);
  assert.deepEqual(e3, ["é".repeat(OUTSIDE_ASCII_MAX)], "not cut: OUTSIDE_ASCII_MAX is merged whole");
});
