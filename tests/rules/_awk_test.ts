import assert from "node:assert/strict";
import { awkProgramProblem } from "../../src/rules/_awk.ts";
import { checkReadOnly } from "../../src/rules/readonly.ts";
import { analyzeScript } from "../../src/rules/shell.ts";

const ro = (s: string) => checkReadOnly(analyzeScript(s).commands[0]!).readOnly;

Deno.test("readonly: awk programs", () => {
  for (
    const p of [
      "{print $1}",
      "$3 > 100 {print}",
      "NR==1 || /x/",
      "{ s += $2 } END { print s }",
      'BEGIN { FS=":" } { print $1 "-" $2 }',
    ]
  ) {
    assert.equal(awkProgramProblem(p), null, p);
  }
  for (
    const p of [
      '{system("x")}',
      '{print > "f"}',
      '{printf "%s", $0 >> "f"}',
      '{print | "sh"}',
      '"date" | getline d',
      '@load "x"',
      'BEGIN { f = "system"; @f("x") }',
      '{ print /;/ > "f" }',
      '{ print $1 /;}/ > "f" }',
      '{ print \\\n > "f" }',
      // a quote in a comment or a regex must not hide what follows (redteam3 F6): the raw text is judged
      '# "\nBEGIN{ system("touch p") }',
      '/"/{x=1} BEGIN{ system("touch p") }',
      'BEGIN{ # "\n"touch p" | getline }',
      '/"/{x=1} END{print 1 > "p"}',
      'BEGIN{ sys\\\ntem("x") }',
      'BEGIN{ close("x"); fflush() }',
      '{ print $1 ">" $2 }',
    ]
  ) {
    assert.notEqual(awkProgramProblem(p), null, p);
  }
  assert.equal(ro("awk -F: -v n=1 '{print $n}' f"), true);
  assert.equal(ro("awk -f p.awk f"), false);
  assert.equal(ro("gawk -i inplace '{print}' f"), false);
});
