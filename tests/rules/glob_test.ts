import assert from "node:assert/strict";
import { compilePathGlobs, compileToolGlob, GlobError, globMayMatchBelow } from "../../src/rules/glob.ts";

Deno.test("glob: gitignore semantics on workspace-relative paths", () => {
  const cases: Array<[string[], string, boolean]> = [
    [["*.md"], "a.md", true],
    [["*.md"], "docs/x/a.md", true],
    [["*.md"], "a.mdx", false],
    [["/a.md"], "docs/a.md", false],
    [["/a.md"], "a.md", true],
    [["docs/*.md"], "docs/a.md", true],
    [["docs/*.md"], "docs/x/a.md", false],
    [["docs/**/*.md"], "docs/x/y/a.md", true],
    [["docs/**/*.md"], "docs/a.md", true],
    [["**/test/**"], "a/test/b.ts", true],
    [["build/"], "build/x/y", true],
    [["build"], "src/build/x", true],
    [["src/**"], "src", false],
    [["src/**"], "src/a", true],
    [["a?c"], "abc", true],
    [["a?c"], "a/c", false],
    [["[ab].txt"], "b.txt", true],
    [["[!ab].txt"], "b.txt", false],
    [["src/**", "!src/secret/**"], "src/secret/k", false],
    [["src/**", "!src/secret/**", "src/secret/ok"], "src/secret/ok", true],
    [["\\!x"], "!x", true],
    [["a.b"], "aXb", false],
  ];
  for (const [globs, path, want] of cases) assert.equal(compilePathGlobs(globs)(path), want, `${globs} ${path}`);
});

Deno.test("glob: bad patterns are refused with a reason", () => {
  for (const p of ["", "!", "[ab", "a**b", "../x", "a/./b", "x\\"]) {
    assert.throws(() => compilePathGlobs([p]), GlobError, p);
  }
  assert.throws(() => compileToolGlob("a b"), GlobError);
  assert.equal(compileToolGlob("git*__?")("github__x"), true);
  assert.equal(compileToolGlob("read_file")("read_files"), false);
  assert.equal(compileToolGlob("a-b")("a-b"), true);
});

Deno.test("globMayMatchBelow: exact vectors for trees (depth Infinity) and a folder's entries (depth 1)", () => {
  const cases: Array<[string, string, number, boolean]> = [
    ["src/important/**", "src", Infinity, true],
    ["src/important/**", ".", Infinity, true],
    ["src/important/**", "src/important", Infinity, true],
    ["src/important/**", "src/important", 1, true],
    ["src/important/**", "src", 1, false], // "src/important" itself is not inside it
    ["src/important/**", "lib", Infinity, false],
    ["src/important/**", "src/other", Infinity, false],
    ["src/important/**", "src/important/x", Infinity, true], // the folder matches: all of it
    ["src/important/**", "src", 0, false],
    ["/secrets/*", ".", 1, false],
    ["/secrets/*", ".", 2, true],
    ["/secrets/*", "secrets", 1, true],
    ["/secrets/*", "src", Infinity, false],
    ["/secrets", ".", 1, true],
    ["a/**/b", "a/x/y", Infinity, true],
    ["a/**/b", "a", 1, true],
    ["a/**/b", "c", Infinity, false],
    ["**/keep/**", "x/y", Infinity, true],
    ["src/*/gen/**", "src/x", Infinity, true],
    ["src/*/gen/**", "src/x/y", Infinity, false],
    ["src/*/gen/**", "lib/x", Infinity, false],
    ["src/[ab]", "src", 1, true],
    ["src/[ab]", "src", 0, false],
    ["src/[ab]/c", "src/c", Infinity, false],
    ["keep/", "other", Infinity, true], // no slash but the trailing one: a name at any depth
    ["/keep/", "other", Infinity, false],
    ["*.yml", "x", 1, true],
    ["!src/generated/**", "src", Infinity, true], // a negation is judged as its positive part
  ];
  for (const [glob, dir, depth, want] of cases) {
    assert.equal(globMayMatchBelow(glob, dir, depth), want, `${glob} below ${dir} (${depth})`);
  }
});

Deno.test("a pattern list on a tree: may match (floors) and matches all (lowering)", () => {
  const m = compilePathGlobs(["src/**", "!src/generated/**"]);
  assert.equal(m.mayMatchBelow("."), true);
  assert.equal(m.mayMatchBelow("lib"), false);
  assert.equal(m.mayMatchBelow("src/generated"), true); // conservative: negations never take a floor away
  assert.equal(m.matchesAllBelow("src/lib"), true);
  assert.equal(m.matchesAllBelow("src"), false);
  assert.equal(m.matchesAllBelow("src/generated"), false);
  const b = compilePathGlobs(["build", "!build/keep/**"]);
  assert.equal(b.matchesAllBelow("build"), false);
  assert.equal(b.matchesAllBelow("build/out"), true);
  assert.equal(b.matchesAllBelow("build/keep"), false);
  assert.equal(compilePathGlobs(["build"]).matchesAllBelow("build"), true);
});

Deno.test("glob: a pattern and a path that are the same name in Unicode NFC match (red team 12, K2)", () => {
  const nfc = compilePathGlobs(["s\u00e9crets/**", "!s\u00e9crets/pub/**"]);
  assert.equal(nfc("se\u0301crets/k"), true, "NFD path, NFC pattern");
  assert.equal(nfc("s\u00e9crets/k"), true);
  assert.equal(nfc("se\u0301crets/pub/x"), false, "the negation holds in NFC too");
  assert.equal(nfc("s\u00e8crets/k"), false, "another letter");
  assert.equal(nfc.mayMatchBelow("se\u0301crets"), true);
  assert.equal(nfc.matchesAllBelow("se\u0301crets/pub"), false);
  const nfd = compilePathGlobs(["se\u0301crets/**", "\u212aeys/**"]);
  assert.equal(nfd("s\u00e9crets/k"), true, "NFC path, NFD pattern");
  assert.equal(nfd("Keys/k"), true, "KELVIN SIGN in the pattern: its NFC form is K");
  assert.equal(compilePathGlobs(["Keys/**"])("\u212aeys/k"), true, "KELVIN SIGN in the path");
  assert.equal(compilePathGlobs(["secrets/**"])("Secrets/k"), false, "case still counts");
});
