import assert from "node:assert/strict";
import { checkReadOnly, READ_ONLY_COMMANDS } from "../../src/rules/readonly.ts";
import { analyzeScript } from "../../src/rules/shell.ts";

const verdict = (s: string) => checkReadOnly(analyzeScript(s).commands[0]!);
const ro = (s: string) => verdict(s).readOnly;

Deno.test("readonly: the documented set is what the code knows", () => {
  const doc = Deno.readTextFileSync(new URL("../../docs/rules.md", import.meta.url));
  for (const name of READ_ONLY_COMMANDS) assert.ok(doc.includes(`\`${name}\``), `docs/rules.md does not list ${name}`);
});

Deno.test("readonly: GNU long-option abbreviations and short-option clusters are refused like the full option", () => {
  for (
    const s of [
      "sort --output=x",
      "sort --out x",
      "sort --o=x",
      "sort -rno x",
      "sort --compress=sh",
      "sed --in-pl s/a/b/",
      "sed -ni p f",
      "rg --pr=x y",
      "git diff --outp=x",
      "git log --ext",
      "date --se=now",
      "tree -ao x",
    ]
  ) {
    assert.equal(ro(s), false, s);
  }
  for (
    const s of [
      "sort -rn",
      "sort -t o -k 2",
      "sort -to",
      "rg --pretty x",
      "git log --oneline",
      "sed -n -e p f",
      "date -d tomorrow +%F",
    ]
  ) {
    assert.equal(ro(s), true, s);
  }
});

Deno.test("readonly: arguments only known at run time are refused where an option could hide", () => {
  assert.equal(ro("cat $f"), true, "cat has no option that writes");
  assert.equal(ro("sort $f"), false);
  assert.equal(ro("sort -- $f"), true, "after -- it is an operand");
  assert.equal(ro("sort src/$f"), true, "a literal prefix cannot start an option");
  assert.equal(ro("find *"), false);
  assert.equal(ro("find src/*"), true);
  assert.equal(checkReadOnly(analyzeScript("ls | xargs sort").commands[1]!).readOnly, false);
  assert.equal(checkReadOnly(analyzeScript("ls | xargs sort --").commands[1]!).readOnly, true);
  assert.equal(checkReadOnly(analyzeScript("ls | xargs wc -l").commands[1]!).readOnly, true);
});

Deno.test("readonly: assignments, paths and shells", () => {
  assert.equal(ro("x=1"), true);
  assert.equal(ro("PATH=x"), false);
  assert.equal(ro("a[1]=x"), false);
  assert.equal(ro("X=1 ls"), false);
  assert.equal(ro("./ls"), false);
  assert.equal(ro("/bin/ls"), false);
  assert.equal(ro("bash -c ls"), true, "the nested script is judged on its own");
  assert.equal(ro("BASH_ENV=x bash -c ls"), false);
  assert.equal(ro("read -r line"), true);
  assert.equal(ro("read IFS"), false);
  assert.deepEqual(verdict("tee -a a.txt b.txt").writes, ["a.txt", "b.txt"]);
  assert.equal(ro("printf -v x y"), false);
  assert.equal(ro("test -v x"), false);
  assert.equal(ro("[ -f x ]"), true);
  assert.equal(ro("set -euo pipefail"), true);
  assert.equal(ro("set -a"), false);
  assert.equal(ro("date 0101"), false);
  assert.equal(ro("hostname x"), false);
  assert.equal(ro("uniq a b"), false);
});

Deno.test("readonly: array assignments and command's builtins (redteam3 F8, F9)", () => {
  const ro = (s: string) => analyzeScript(s).commands.every((c) => checkReadOnly(c).readOnly);
  for (const s of ["x=([y]=1)", "x+=([y]=1)", "x=(a b)", "x=([$y]=1)"]) assert.equal(ro(s), false, s);
  assert.equal(ro("x=1; y+=2"), true);
  for (
    const s of ["command printf -v x y", "command -- test -v x", "command [ -v x ]", "builtin command printf -v x y"]
  ) {
    assert.equal(ro(s), false, s);
  }
  assert.equal(ro("command -v printf"), true);
});
