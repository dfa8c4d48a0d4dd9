/**
 * Texts at the edges of the ASCII scanners (src/tokens/_split.ts) and of the pieces' merge: contractions in both
 * cases, digit runs, whitespace before words and at the end, punctuation runs with newlines and slashes, `\r\n`,
 * tabs, and ASCII next to characters outside it. Used by _split_test.ts and count_test.ts.
 */
const CONTRACTIONS = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"];

function _edgeCases(): string[] {
  const out: string[] = [];
  for (const c of CONTRACTIONS) {
    const upper = c.toUpperCase();
    const mixed = c.length === 3 ? `'${c[1]!.toUpperCase()}${c[2]}` : upper;
    for (const k of [c, upper, mixed]) {
      out.push(
        `it${k}`,
        `IT${k}`,
        `it${k}x`,
        ` ${k}`,
        `${k}`,
        `x${k}${k}`,
        `1${k}`,
        `é${k}`,
        `${k}é`,
        `''${k}`,
        `"${k}"`,
      );
    }
  }
  out.push("'", "''", "'l", "'lx", "'v", "'r", "'e", "'LL", "'Ll", "'lL", "don't", "DON'T", "we'Re", "y'all");
  for (let n = 1; n <= 8; n++) {
    const d = "1234567890".slice(0, n);
    out.push(d, ` ${d}`, `x${d}`, `${d}x`, `${d}.${d}`, `${d}é`, `é${d}`, `٣${d}`, `${d}٣`, `  ${d}`, `\n${d}`);
  }
  for (
    const ws of [" ", "  ", "   ", "\t", "\t\t", " \t", "\t ", "\n", "\n\n", "\r\n", "\r\n\r\n", " \n", "\n ", "  \n  "]
  ) {
    out.push(`${ws}word`, `a${ws}b`, `a${ws}`, ws, `${ws}é`, `é${ws}`, `${ws}\u00a0x`, `${ws}1`, `${ws}!`, `${ws}'s`);
    out.push(`x${ws}\u3000y`, `${ws}Word`, `${ws}WORD`, `${ws}wORD`, `}${ws}}`);
  }
  for (const p of ["!", "!!", "...", "=>", "//", "/*", "*/", "/", "\\", "{}", "();", "@#$", "`", "~^|", "'", '"']) {
    out.push(p, ` ${p}`, `${p}\n`, `${p}\r\n`, `${p}/\n`, `${p}//`, `a${p}b`, `${p}é`, `é${p}`, `${p}${p}`, `  ${p}`);
    out.push(`${p}\n\n`, `${p} \n`, `${p}\t`, `\t${p}`, `x ${p}x`, `${p}1`, `${p}'s`);
  }
  // letters by case (o200k_base splits camelCase), and words next to non-ASCII letters, marks and spaces
  out.push("camelCase", "CamelCase", "HTTPServer", "getHTTPResponse", "ABC", "abcDEF", "aB", "Ab", "A", "a");
  out.push(
    "café",
    "naïve",
    "Straße",
    "e\u0301",
    "x\u0301y",
    "ǅx",
    "xǅ",
    "ʰx",
    "中文x",
    "x中文",
    "🎉x",
    "x🎉",
    "a\u00a0b",
  );
  out.push(
    "x\u2028y",
    "\u2028",
    " \u2028",
    "a\u0301'S",
    "é's",
    "É'LL",
    "ä1",
    "1ä",
    "ä!",
    "!ä",
    " ä",
    "ä ",
    "ä\n",
    "\ré",
  );
  // long runs: past the merge's limit and past the piece cache's longest piece
  for (const n of [127, 128, 129, 255, 256, 257, 600]) {
    out.push(" ".repeat(n), " ".repeat(n) + "x", "=".repeat(n), "a".repeat(n), "ab".repeat(n), "\n".repeat(n));
    out.push("9".repeat(n), "\t".repeat(n) + "é");
  }
  return out;
}

/** The edge cases, each once. */
export const EDGE_CASES: readonly string[] = [...new Set(_edgeCases())];
