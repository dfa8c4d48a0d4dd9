import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CL100K_TOKEN_SPLIT_REGEX, O200K_TOKEN_SPLIT_REGEX } from "gpt-tokenizer/encodingParams/constants";
import { pat_str as claudePattern } from "ai-tokenizer/encoding/claude";
import { type SplitKind, splitPieces } from "../../src/tokens/_split.ts";
import { ROOT } from "../_targets.ts";
import { EDGE_CASES } from "./_edge_cases.ts";

const PATTERNS: Record<SplitKind, RegExp> = {
  o200k_base: O200K_TOKEN_SPLIT_REGEX,
  cl100k_base: CL100K_TOKEN_SPLIT_REGEX,
  claude: new RegExp(claudePattern, "gu"),
};

function regexPieces(text: string, re: RegExp): string[] {
  return [...text.matchAll(new RegExp(re.source, "gu"))].map((m) => m[0]);
}

function texts(): string[] {
  const out: string[] = [];
  for (const dir of ["src", "src/rules", "src/tokens", "docs", "tests/rules"]) {
    for (const f of readdirSync(join(ROOT, dir))) {
      if (/\.(ts|md)$/.test(f)) out.push(readFileSync(join(ROOT, dir, f), "utf8"));
    }
  }
  const alphabet = [..."aZb09 _'sStTdDmMlLrReEvV\t\n\r\v\f/\\.,;:!?-(){}\"`$#@\x00\x7f"].concat(
    ["é", "ß", "中", "🎉", "\u00a0", "\u2028", "\u0301", "ǅ", "ʰ", "٣", "—", "'ll", "'VE", "  ", "\n\n", " \n"],
  );
  let x = 7;
  const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let i = 0; i < 20000; i++) {
    let s = "";
    const len = Math.floor(rnd() * 24);
    for (let j = 0; j < len; j++) s += alphabet[Math.floor(rnd() * alphabet.length)];
    out.push(s);
  }
  return out;
}

for (const kind of ["o200k_base", "cl100k_base", "claude"] as const) {
  Deno.test(`split: the ${kind} scanner cuts exactly where the encoding's regular expression cuts`, () => {
    for (const t of [...EDGE_CASES, ...texts()]) {
      assert.deepEqual(splitPieces(t, kind, PATTERNS[kind]), regexPieces(t, PATTERNS[kind]), JSON.stringify(t));
    }
  });
}

Deno.test("split: the edge cases tell the three pre-tokenizers apart (a scanner wired to another kind fails)", () => {
  const differ = (a: SplitKind, b: SplitKind) =>
    EDGE_CASES.filter((t) =>
      JSON.stringify(regexPieces(t, PATTERNS[a])) !== JSON.stringify(regexPieces(t, PATTERNS[b]))
    );
  // o200k_base: case splits words, `/` joins punctuation; cl100k_base: contractions in any case, digits by three;
  // claude (GPT-2): contractions in lower case only, digit runs whole, one optional space before a piece
  assert.ok(differ("o200k_base", "cl100k_base").length > 20);
  assert.ok(differ("o200k_base", "claude").length > 20);
  assert.ok(differ("cl100k_base", "claude").length > 20);
  assert.deepEqual(splitPieces("it'S 12345", "claude", PATTERNS.claude), ["it", "'", "S", " 12345"]);
  assert.deepEqual(splitPieces("it'S 12345", "cl100k_base", PATTERNS.cl100k_base), ["it", "'S", " ", "123", "45"]);
  assert.deepEqual(splitPieces("getHTTPServer//\n", "o200k_base", PATTERNS.o200k_base), ["get", "HTTPServer", "//\n"]);
});
