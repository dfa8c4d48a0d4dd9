import assert from "node:assert/strict";
import { checkReadOnly } from "../../src/rules/readonly.ts";
import { analyzeScript } from "../../src/rules/shell.ts";

const ro = (s: string) => checkReadOnly(analyzeScript(s).commands[0]!).readOnly;

Deno.test("readonly: git subcommands, global options and the options that run or write", () => {
  for (
    const s of [
      "git status",
      "git --no-pager log -3",
      "git -P diff --stat",
      "git show HEAD:x",
      "git blame f",
      "git rev-parse HEAD",
      "git ls-files",
    ]
  ) assert.equal(ro(s), true, s);
  for (
    const s of [
      "git push",
      "git -c a=b status",
      "git -C d status",
      "git --git-dir=x log",
      "git --work-tree=/ status",
      "git diff --ext-diff",
      "git show --textconv",
      "git log --output=x",
      "git grep x",
      "git",
      "git $x",
    ]
  ) {
    assert.equal(ro(s), false, s);
  }
});
