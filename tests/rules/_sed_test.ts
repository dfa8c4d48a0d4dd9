import assert from "node:assert/strict";
import { checkReadOnly } from "../../src/rules/readonly.ts";
import { sedScriptProblem } from "../../src/rules/_sed.ts";
import { analyzeScript } from "../../src/rules/shell.ts";

const ro = (s: string) => checkReadOnly(analyzeScript(s).commands[0]!).readOnly;

Deno.test("readonly: sed scripts", () => {
  for (
    const s of [
      "p",
      "1,20p",
      "$p",
      "/x/d; s/a/b/g",
      "s|a|b|2",
      "y/abc/xyz/",
      "/^#/!p",
      "1~2p",
      "s/a\\/b/c/gI",
      "/a/,/b/{p;d}",
      "a text",
      ":a;N;$!ba;s/\\n/ /g",
      "s/[0-9]*/x/g",
      "s/[]x]/y/;p",
      "/^[[:space:]]*$/d",
    ]
  ) {
    assert.equal(sedScriptProblem(s), null, s);
  }
  for (
    const s of [
      ":x e ls",
      "t x e ls",
      "b x\te ls",
      "s/a[/]b/c/w f",
      "/x[/]/w f",
      "s/[[:alpha:]/]/x/w f",
      "s/[/x/",
      "e ls",
      "1e ls",
      "s/a/b/e",
      "s/a/b/w x",
      "s/a/b/gw x",
      "w x",
      "W x",
      "r x",
      "R x",
      "s/a/b",
      "/x",
      "v",
    ]
  ) {
    assert.notEqual(sedScriptProblem(s), null, s);
  }
  // --sandbox only covers the scripts after it (redteam3 F15): it is ignored and the script judged
  assert.equal(ro("sed --sandbox 'w x' f"), false);
  assert.equal(ro("sed -e '1e touch p' --sandbox x"), false);
  assert.equal(ro("sed --sandbox -n '1,5p' f"), true);
  assert.equal(ro("sed -f s.sed --sandbox f"), false);
  assert.equal(ro("sed -f s.sed f"), false);
});
