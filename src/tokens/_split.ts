/**
 * Private helper of count.ts: the pre-tokenizers of `o200k_base`, `cl100k_base` and `claude`, written out for ASCII
 * text (the regular expressions of the encodings are the bottleneck of counting), with the encoding's own regular
 * expression taking over for any piece whose extent depends on a character outside ASCII. The pieces are exactly the
 * regular expression's (tests/tokens/split_test.ts compares them on the repository's sources and fuzzed strings).
 *
 * Character classes on ASCII: letters `A-Z` (`\p{Lu}`) and `a-z` (`\p{Ll}`), digits `0-9` (`\p{N}`), whitespace
 * `\t \n \v \f \r` and space (`\s`), everything else punctuation; no ASCII character is `\p{Lt}`, `\p{Lm}`, `\p{Lo}`
 * or `\p{M}`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { splitPieces } from "./_split.ts";
 * const re = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;
 * assert.deepEqual(splitPieces("it's  ok!\n", "claude", re), ["it", "'s", " ", " ok", "!", "\n"]);
 * ```
 *
 * @module
 */

/** Which pre-tokenizer. */
export type SplitKind = "o200k_base" | "cl100k_base" | "claude";

// character kinds of ASCII codes
const UPPER = 1;
const LOWER = 2;
const DIGIT = 3;
const SPACE = 4; // \s other than \r \n
const NEWLINE = 5; // \r \n
const PUNCT = 6;
const KIND = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if (c >= 65 && c <= 90) KIND[c] = UPPER;
  else if (c >= 97 && c <= 122) KIND[c] = LOWER;
  else if (c >= 48 && c <= 57) KIND[c] = DIGIT;
  else if (c === 10 || c === 13) KIND[c] = NEWLINE;
  else if (c === 9 || c === 11 || c === 12 || c === 32) KIND[c] = SPACE;
  else KIND[c] = PUNCT;
}

/** -1: the end of the text; -2: a character outside ASCII (the caller must use the regular expression). */
function _k(text: string, i: number): number {
  if (i >= text.length) return -1;
  const c = text.charCodeAt(i);
  return c < 128 ? KIND[c]! : -2;
}

const NON_ASCII = -2;

/** Length of the contraction at i (`'s`, `'ll`, …; any case when `anyCase`), or 0. */
function _contraction(text: string, i: number, anyCase: boolean): number {
  if (text.charCodeAt(i) !== 39) return 0;
  let a = text.charCodeAt(i + 1);
  let b = text.charCodeAt(i + 2);
  if (anyCase) {
    if (a >= 65 && a <= 90) a += 32;
    if (b >= 65 && b <= 90) b += 32;
  }
  // s d m t
  if (a === 115 || a === 100 || a === 109 || a === 116) return 2;
  if ((a === 108 && b === 108) || (a === 118 && b === 101) || (a === 114 && b === 101)) return 3; // ll ve re
  return 0;
}

/** The end of the run of kind `kind` (or kinds for which `ok` holds) from i; NON_ASCII when it runs into one. */
function _run(text: string, i: number, a: number, b = a): number {
  for (;;) {
    const k = _k(text, i);
    if (k === a || k === b) i++;
    else return k === NON_ASCII ? NON_ASCII : i;
  }
}

/** Whitespace run from i (any of SPACE, NEWLINE); NON_ASCII when non-ASCII (maybe whitespace) ends it. */
function _ws(text: string, i: number): number {
  return _run(text, i, SPACE, NEWLINE);
}

/** After the last \r or \n in [i, j), or -1 when there is none. */
function _afterLastNewline(text: string, i: number, j: number): number {
  for (let p = j - 1; p >= i; p--) {
    const c = text.charCodeAt(p);
    if (c === 10 || c === 13) return p + 1;
  }
  return -1;
}

/** o200k_base and cl100k_base: one to three digits from i (`\p{N}{1,3}`), or NON_ASCII. */
function _digits(text: string, i: number): number {
  let e = i + 1;
  while (e < i + 3) {
    const k = _k(text, e);
    if (k === DIGIT) e++;
    else if (k === NON_ASCII) return NON_ASCII;
    else break;
  }
  return e;
}

/**
 * o200k_base and cl100k_base: ` ?[^\s\p{L}\p{N}]+` then newlines (and, for o200k_base, `/`s) from i, where `k0`
 * and `k1` are the kinds at i and after an optional first character; -1 when the piece at i is not punctuation.
 */
function _punctuation(text: string, i: number, k0: number, k1: number, slashes: boolean): number {
  let p = -1;
  if (k0 === PUNCT) p = i;
  else if (k0 === SPACE && text.charCodeAt(i) === 32 && k1 === PUNCT) p = i + 1;
  if (p === -1) return -1;
  let e = _run(text, p, PUNCT);
  if (e === NON_ASCII) return NON_ASCII;
  for (;;) {
    const c = text.charCodeAt(e);
    if (c === 10 || c === 13 || (slashes && c === 47)) e++;
    else return e;
  }
}

/** o200k_base: the end of the piece at i, or NON_ASCII. */
function _o200k(text: string, i: number): number {
  const k0 = _k(text, i);
  if (k0 === NON_ASCII) return NON_ASCII;
  // [^\r\n\p{L}\p{N}]? then [Lu]*[Ll]+ or [Lu]+[Ll]*, with an optional contraction
  let s = i;
  if (k0 === SPACE || k0 === PUNCT) s = i + 1;
  const k1 = _k(text, s);
  if (k1 === NON_ASCII) return NON_ASCII;
  if (k1 === UPPER || k1 === LOWER) {
    const u = _run(text, s, UPPER);
    if (u === NON_ASCII) return NON_ASCII;
    const ku = _k(text, u);
    let end: number;
    if (ku === LOWER) {
      end = _run(text, u, LOWER);
      if (end === NON_ASCII) return NON_ASCII;
    } else end = u; // [Lu]+ with no lower case: the second alternative (u > s since k1 is a letter)
    if (end === s) return NON_ASCII; // cannot happen: a letter was seen
    return end + _contraction(text, end, true);
  }
  if (k0 === DIGIT) return _digits(text, i);
  // ` ?[^\s\p{L}\p{N}]+[\r\n/]*`
  const pe = _punctuation(text, i, k0, k1, true);
  if (pe !== -1) return pe;
  // whitespace: `\s*[\r\n]+`, `\s+(?!\S)`, `\s+`
  const j = _ws(text, i);
  if (j === NON_ASCII) return NON_ASCII;
  const nl = _afterLastNewline(text, i, j);
  if (nl !== -1) return nl;
  if (j >= text.length) return j;
  return j - i >= 2 ? j - 1 : j;
}

/** cl100k_base (gpt-tokenizer's pattern): the end of the piece at i, or NON_ASCII. */
function _cl100k(text: string, i: number): number {
  const k0 = _k(text, i);
  if (k0 === NON_ASCII) return NON_ASCII;
  const con = _contraction(text, i, true);
  if (con > 0) return i + con;
  // [^\r\n\p{L}\p{N}]?\p{L}+
  let s = i;
  if (k0 === SPACE || k0 === PUNCT) s = i + 1;
  const k1 = _k(text, s);
  if (k1 === NON_ASCII) return NON_ASCII;
  if (k1 === UPPER || k1 === LOWER) return _run(text, s, UPPER, LOWER);
  if (k0 === DIGIT) return _digits(text, i);
  // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
  const pe = _punctuation(text, i, k0, k1, false);
  if (pe !== -1) return pe;
  // `\s+$`, `\s*[\r\n]`, `\s+(?!\S)`, `\s`
  const j = _ws(text, i);
  if (j === NON_ASCII) return NON_ASCII;
  if (j >= text.length) return j;
  const nl = _afterLastNewline(text, i, j);
  if (nl !== -1) return nl;
  return j - i >= 2 ? j - 1 : i + 1;
}

/** claude (ai-tokenizer's pattern, GPT-2's): the end of the piece at i, or NON_ASCII. */
function _claude(text: string, i: number): number {
  const k0 = _k(text, i);
  if (k0 === NON_ASCII) return NON_ASCII;
  const con = _contraction(text, i, false);
  if (con > 0) return i + con;
  let s = i;
  if (text.charCodeAt(i) === 32) s = i + 1;
  const k1 = _k(text, s);
  if (k1 === NON_ASCII) return NON_ASCII;
  // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`
  if (k1 === UPPER || k1 === LOWER) return _run(text, s, UPPER, LOWER);
  if (k1 === DIGIT) return _run(text, s, DIGIT);
  if (k1 === PUNCT) return _run(text, s, PUNCT);
  // `\s+(?!\S)`, `\s+`
  const j = _ws(text, i);
  if (j === NON_ASCII) return NON_ASCII;
  if (j >= text.length) return j;
  return j - i >= 2 ? j - 1 : j;
}

/** Numbers of the pre-tokenizers for {@linkcode scanPiece}. */
export const SPLIT_KINDS: Record<SplitKind, number> = { o200k_base: 0, cl100k_base: 1, claude: 2 };

/**
 * The scanner of pre-tokenizer number `kind` ({@linkcode SPLIT_KINDS}) at `i`: one call site per scanner, so the
 * compiler can inline each where a single call through a function value seen with three targets it would not.
 */
export function scanPiece(kind: number, text: string, i: number): number {
  if (kind === 2) return _claude(text, i);
  if (kind === 0) return _o200k(text, i);
  return _cl100k(text, i);
}

/** What a scanner returns when the piece at `i` involves a character outside ASCII. */
export const NEEDS_PATTERN = NON_ASCII;

/** The end of the piece at `i` by the encoding's regular expression, made sticky (flags `uy`). */
export function patternEnd(text: string, i: number, sticky: RegExp): number {
  sticky.lastIndex = i;
  const m = sticky.exec(text);
  // every character matches some alternative of these patterns; were one not to, take one code point
  const e = m && m[0].length > 0 ? i + m[0].length : i + (text.codePointAt(i)! > 0xffff ? 2 : 1);
  return e;
}

/** The pieces of `text` as strings (for tests). `pattern` is the encoding's regular expression. */
export function splitPieces(text: string, kind: SplitKind, pattern: RegExp): string[] {
  const k = SPLIT_KINDS[kind];
  const sticky = new RegExp(pattern.source, "uy");
  const out: string[] = [];
  for (let i = 0; i < text.length;) {
    let e = scanPiece(k, text, i); // as the counter calls it
    if (e === NON_ASCII) e = patternEnd(text, i, sticky);
    out.push(text.slice(i, e));
    i = e;
  }
  return out;
}
