import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Tokenizer } from "ai-tokenizer";
import * as aiO200k from "ai-tokenizer/encoding/o200k_base";
import * as aiCl100k from "ai-tokenizer/encoding/cl100k_base";
import * as aiClaude from "ai-tokenizer/encoding/claude";
import {
  CHARS_COUNTER,
  countTokens,
  createCounter,
  loadTokenizer,
  TOKENIZERS,
  UnknownTokenizerError,
} from "../../src/tokens/count.ts";
import { cutPiece, OUTSIDE_ASCII_MAX, PIECE_MAX, TEXT_CACHE_MIN } from "../../src/tokens/_bpe_counter.ts";
import { splitPieces } from "../../src/tokens/_split.ts";
import { CL100K_TOKEN_SPLIT_REGEX, O200K_TOKEN_SPLIT_REGEX } from "gpt-tokenizer/encodingParams/constants";
import { ROOT } from "../_targets.ts";
import { EDGE_CASES } from "./_edge_cases.ts";

/**
 * An independent oracle: ai-tokenizer's own full encode (the counters use gpt-tokenizer for OpenAI encodings). Its
 * vocabulary is a plain object, so a piece such as ` "valueOf"` finds Object.prototype's method as a "token"; given
 * the same vocabulary without a prototype it looks up own entries only, as the counters do.
 */
function _oracle(encoding: unknown): Tokenizer {
  const e = encoding as { stringEncoder: Record<string, number> };
  const own = Object.assign(Object.create(null), e.stringEncoder) as Record<string, number>;
  return new Tokenizer({ ...e, stringEncoder: own } as unknown as ConstructorParameters<typeof Tokenizer>[0]);
}
const ORACLE = { o200k_base: _oracle(aiO200k), cl100k_base: _oracle(aiCl100k), claude: _oracle(aiClaude) };

function corpus(): string[] {
  // a prototype name as a piece of its own, which the oracle above must not take for a token
  const texts: string[] = ['x = o["valueOf"] + o.constructor + " toString" + " __proto__"'];
  for (const dir of ["src", "src/rules", "docs", "tests/rules"]) {
    for (const f of readdirSync(join(ROOT, dir))) {
      if (/\.(ts|md)$/.test(f)) texts.push(readFileSync(join(ROOT, dir, f), "utf8"));
    }
  }
  return texts;
}

/** Strings from an alphabet of the characters the pre-tokenizers treat specially. */
function fuzz(seed: number, n: number): string[] {
  const alphabet = [..."aZ09 _'sStTdDmMlLrReEvV\t\n\r/\\.,;:!?-(){}[]<>|\"`$#@"].concat(
    ["é", "ß", "中", "文", "🎉", "👨‍👩‍👧", "\u00a0", "\u2028", "ﬁ", "Ⅻ", "\u0301", "ǅ", "ʰ", "<|endoftext|>", "'ll", "'VE"],
  );
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let s = "";
    const len = Math.floor(rnd() * 40);
    for (let j = 0; j < len; j++) s += alphabet[Math.floor(rnd() * alphabet.length)];
    out.push(s);
  }
  return out;
}

for (const name of ["o200k_base", "cl100k_base", "claude"] as const) {
  Deno.test(`tokens: ${name} counts exactly what the tokenizer's own encode counts`, async () => {
    const counter = await createCounter(name);
    const oracle = ORACLE[name];
    const texts = [
      ...EDGE_CASES,
      ...corpus(),
      ...fuzz(name.length, 3000),
      "",
      " ",
      "\n\n\n",
      "   x",
      "<|endoftext|><|im_start|>",
    ];
    for (const t of texts) {
      assert.equal(counter.count(t), oracle.encode(t, "all").length, JSON.stringify(t.slice(0, 80)));
    }
    // counted again (from the caches) the counts are the same
    for (const t of texts.slice(0, 50)) assert.equal(counter.count(t), oracle.encode(t, "all").length);
    const big = corpus().join("\n");
    assert.ok(big.length > TEXT_CACHE_MIN);
    assert.equal(counter.count(big), oracle.encode(big, "all").length);
  });
}

Deno.test("tokens: known counts, chars, loading once, unknown names", async () => {
  assert.equal(await countTokens("hello world", "o200k_base"), 2);
  assert.equal(await countTokens("hello world", "cl100k_base"), 2);
  assert.equal(await countTokens("", "claude"), 0);
  assert.equal(await countTokens("12345", "chars"), 2);
  assert.equal(CHARS_COUNTER.count(""), 0);
  assert.equal(await loadTokenizer("o200k_base"), await loadTokenizer("o200k_base"));
  assert.notEqual(await createCounter("claude"), await createCounter("claude"));
  assert.deepEqual(TOKENIZERS, ["o200k_base", "cl100k_base", "claude", "chars"]);
  await assert.rejects(() => loadTokenizer("gpt2" as never), UnknownTokenizerError);
  await assert.rejects(
    () => countTokens("x", "p50k" as never),
    /Unknown tokenizer "p50k"; expected one of o200k_base, cl100k_base, claude, chars/,
  );
  await assert.rejects(() => countTokens(42 as never, "chars"), TypeError);
});

for (const name of ["o200k_base", "cl100k_base", "claude"] as const) {
  Deno.test(`tokens: ${name} counts each edge case as the tokenizer's own encode, alone, joined and counted twice`, async () => {
    const counter = await createCounter(name);
    const oracle = ORACLE[name];
    for (const t of EDGE_CASES) assert.equal(counter.count(t), oracle.encode(t, "all").length, JSON.stringify(t));
    // a second time from the piece cache, and all of them as one text (pieces meeting across the cases' seams)
    for (const t of EDGE_CASES) assert.equal(counter.count(t), oracle.encode(t, "all").length, JSON.stringify(t));
    const joined = EDGE_CASES.join("");
    assert.equal((await createCounter(name)).count(joined), oracle.encode(joined, "all").length);
  });
}

/** Pieces long enough to be cut, of many shapes (H6). */
function _longPieces(seed: number): string[] {
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const alphabets = [
    "a",
    "ab",
    "abc",
    "xyz",
    "abcdefghijklmnopqrstuvwxyz",
    "0123456789",
    " ",
    " \t",
    "=",
    "-=",
    "*/",
    "é",
    "éa",
    "абвгдежзиклмнопрстуфхцчшщыэюя",
    "中文字",
    "𝒜",
    "\u3000",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
  ];
  const out: string[] = [];
  for (const a of alphabets) {
    const chars = [...a];
    for (let k = 0; k < 4; k++) {
      const ascii = /^[\0-\x7f]*$/.test(a);
      const len = ascii
        ? PIECE_MAX + 1 + Math.floor(rnd() * 3 * PIECE_MAX)
        : OUTSIDE_ASCII_MAX + 1 + Math.floor(rnd() * 600);
      let s = "";
      if (k === 0) s = a.repeat(Math.ceil(len / a.length)).slice(0, len);
      else for (let i = 0; i < len; i++) s += chars[Math.floor(rnd() * chars.length)];
      out.push(s, ` ${s}`, `${s}x`);
    }
  }
  return out;
}

/** The most tokens a cut changed the count by in docs/tokens.md's measurement (5), and one for luck. */
const CUT_ERROR = 6;

const PATTERNS = {
  o200k_base: O200K_TOKEN_SPLIT_REGEX,
  cl100k_base: CL100K_TOKEN_SPLIT_REGEX,
  claude: new RegExp(aiClaude.pat_str, "gu"),
};

for (const name of ["o200k_base", "cl100k_base", "claude"] as const) {
  Deno.test(`tokens: ${name} counts a cut piece within CUT_ERROR tokens per cut of the exact count`, async () => {
    const counter = await createCounter(name);
    const oracle = ORACLE[name];
    let cutPieces = 0;
    for (const t of _longPieces(name.length)) {
      // measured, not a theorem: a cut shifts the phase of a periodic run, up to 5 tokens (docs/tokens.md)
      let cuts = 0;
      for (const p of splitPieces(t, name, PATTERNS[name])) cuts += cutPiece(p).length - 1;
      if (cuts > 0) cutPieces++;
      const exact = oracle.encode(t, "all").length;
      const got = counter.count(t);
      assert.ok(
        Math.abs(got - exact) <= CUT_ERROR * cuts,
        `${JSON.stringify(t.slice(0, 40))}… (${t.length}): ${got} for ${exact}, ${cuts} cuts`,
      );
    }
    assert.ok(cutPieces > 100, `only ${cutPieces} texts had a piece cut`);
  });
}
