import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import o200k from "gpt-tokenizer/encoding/o200k_base";
import cl100k from "gpt-tokenizer/encoding/cl100k_base";
import { Tokenizer } from "ai-tokenizer";
import * as aiClaude from "ai-tokenizer/encoding/claude";
import { AsciiRanks } from "../../src/tokens/_ascii_ranks.ts";
import { AsciiMerger, MERGE_MAX } from "../../src/tokens/_merge.ts";
import { ROOT } from "../_targets.ts";

type Core = { bytePairStringRankEncoder: Map<string, number>; bytePairEncode(piece: string): number[] };
type Api = { bytePairEncodingCoreProcessor: Core };
const o200kCore = (o200k as unknown as Api).bytePairEncodingCoreProcessor;
const cl100kCore = (cl100k as unknown as Api).bytePairEncodingCoreProcessor;
const claudeTokenizer = new Tokenizer(aiClaude as ConstructorParameters<typeof Tokenizer>[0]);
const claudeRanks = new Map(Object.entries(aiClaude.stringEncoder as Record<string, number>));
const claudeMerge = claudeTokenizer as unknown as { bytePairEncode(piece: string): number[] };
/**
 * Each encoding: its string ranks and the library's own byte-pair merge of one piece (the oracle: a whole token is
 * one, as both libraries count it before merging).
 */
const ENCODINGS = {
  o200k_base: {
    ranks: o200kCore.bytePairStringRankEncoder,
    library: (s: string) => o200kCore.bytePairStringRankEncoder.has(s) ? 1 : o200kCore.bytePairEncode(s).length,
  },
  cl100k_base: {
    ranks: cl100kCore.bytePairStringRankEncoder,
    library: (s: string) => cl100kCore.bytePairStringRankEncoder.has(s) ? 1 : cl100kCore.bytePairEncode(s).length,
  },
  claude: {
    ranks: claudeRanks,
    library: (s: string) => claudeRanks.has(s) ? 1 : claudeMerge.bytePairEncode(s).length,
  },
};

/** A seeded generator (mulberry32), so a failure reproduces. */
function _random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random ASCII pieces: words from a small alphabet (so pairs repeat and merge), digits, punctuation, whitespace. */
function _pieces(count: number, seed: number): string[] {
  const rnd = _random(seed);
  const alphabets = [
    "etaoinshrdlu",
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "0123456789",
    " \t\n",
    "=-_.,;:!?()[]{}<>/\\'\"`~@#$%^&*|+",
  ];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const len = 1 + Math.floor(rnd() * (rnd() < 0.9 ? 16 : MERGE_MAX));
    let s = "";
    for (let k = 0; k < len; k++) {
      const a = alphabets[Math.floor(rnd() * alphabets.length)]!;
      s += rnd() < 0.02 ? String.fromCharCode(Math.floor(rnd() * 128)) : a[Math.floor(rnd() * a.length)]!;
    }
    out.push(s);
  }
  return out;
}

for (const [name, { ranks, library }] of Object.entries(ENCODINGS)) {
  Deno.test(`AsciiMerger ${name}: the library's count for 20,000 fuzzed ASCII pieces, with a large and a tiny memo`, () => {
    const vocab = AsciiRanks.from(ranks);
    const large = new AsciiMerger(vocab);
    const tiny = new AsciiMerger(vocab, 4); // emptied every 8 pairs
    for (const piece of _pieces(20_000, 7)) {
      const want = library(piece);
      assert.equal(large.count(piece), want, JSON.stringify(piece));
      assert.equal(tiny.count(piece), want, JSON.stringify(piece));
    }
  });

  Deno.test(`AsciiMerger ${name}: the library's count for the words of this repository's README and sources`, () => {
    const merger = new AsciiMerger(AsciiRanks.from(ranks));
    const text = readFileSync(join(ROOT, "README.md"), "utf8") +
      readFileSync(join(ROOT, "src/gate/executor.ts"), "utf8");
    // words with their leading space, runs of punctuation and of whitespace: the shapes of real pieces
    const pieces = (text.match(/ ?[A-Za-z]+| ?[0-9]{1,3}| ?[^\sA-Za-z0-9]+|\s+/g) ?? []).filter((p) =>
      !/[^\p{ASCII}]/u.test(p) && p.length <= MERGE_MAX
    );
    assert.ok(pieces.length > 5000);
    for (const piece of pieces.slice(0, 20_000)) {
      assert.equal(merger.count(piece), library(piece), JSON.stringify(piece));
    }
  });
}

/** Long ASCII pieces (H6): runs of one to a few characters and random strings, of MERGE_MAX to 12 times it. */
function _longPieces(seed: number): string[] {
  const rnd = _random(seed);
  const out: string[] = [];
  for (const a of ["a", "ab", " ", "=", "0", "abc", "etaoinshrdlu", "abcdefghijklmnopqrstuvwxyz", "=-*/", " \t\n"]) {
    for (let k = 0; k < 3; k++) {
      const len = MERGE_MAX + 1 + Math.floor(rnd() * 11 * MERGE_MAX);
      let s = "";
      for (let i = 0; i < len; i++) {
        s += k === 0
          ? a[i % a.length]
          : rnd() < 0.02
          ? String.fromCharCode(Math.floor(rnd() * 128))
          : a[Math.floor(rnd() * a.length)];
      }
      out.push(s);
    }
  }
  return out;
}

for (const [name, { ranks, library }] of Object.entries(ENCODINGS)) {
  Deno.test(`AsciiMerger ${name}: the heap merge (countLong) counts as the library and as the plain loop`, () => {
    const merger = new AsciiMerger(AsciiRanks.from(ranks));
    for (const piece of _pieces(3_000, 11)) {
      assert.equal(merger.countLong(piece), merger.count(piece), JSON.stringify(piece));
    }
    for (const piece of _longPieces(name.length)) {
      assert.equal(merger.countLong(piece), library(piece), `${JSON.stringify(piece.slice(0, 30))}… (${piece.length})`);
    }
  });
}

Deno.test("AsciiMerger: the heap merge of a piece of n characters makes at most 6n heap operations (H6)", () => {
  const merger = new AsciiMerger(AsciiRanks.from(ENCODINGS.o200k_base.ranks));
  const rnd = _random(3);
  const n = 200_000;
  const shapes = [
    "a".repeat(n),
    "ab".repeat(n / 2),
    " ".repeat(n),
    Array.from({ length: n }, () => String.fromCharCode(97 + Math.floor(rnd() * 26))).join(""),
    Array.from({ length: n }, () => String.fromCharCode(32 + Math.floor(rnd() * 95))).join(""),
  ];
  for (const piece of shapes) {
    const before = merger.heapOps;
    const tokens = merger.countLong(piece);
    const ops = merger.heapOps - before;
    // n pushes at first, two at most per merge (n - 1 merges), each popped once: O(n) operations of O(log n)
    assert.ok(ops <= 6 * n, `${JSON.stringify(piece.slice(0, 10))}…: ${ops} heap operations for ${n} characters`);
    assert.ok(tokens >= 1 && tokens <= n);
  }
  // a run of one character merges into tokens of the same length: the count is exact however long the run
  const eight = merger.count("a".repeat(8));
  assert.equal(eight, 1);
  assert.equal(merger.countLong("a".repeat(n)), n / 8);
  // the plain loop refuses a piece it would merge in quadratic time
  assert.throws(() => merger.count(" ".repeat(MERGE_MAX + 1)), RangeError);
});

Deno.test("AsciiMerger: an encoding without a token for some ASCII character is refused at construction", () => {
  const bytes = Array.from({ length: 128 }, (_, c) => [String.fromCharCode(c), c] as const).filter(([s]) => s !== "a");
  assert.throws(() => new AsciiMerger(AsciiRanks.from(new Map(bytes))), /no token for the character 97/);
});
