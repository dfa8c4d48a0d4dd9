import assert from "node:assert/strict";
import { compilePathGlobs, compileToolGlob, GlobError } from "../../src/rules/glob.ts";

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
