import assert from "node:assert/strict";
import { analyzeScript } from "../../src/rules/shell.ts";

Deno.test("shell: non-literal words and what they may expand to", () => {
  const w = analyzeScript("x $a src/$b *.ts src/*.ts ~/x {a,b} -$c").commands[0]!.argv.slice(1);
  assert.deepEqual(w.map((x) => [x.value, x.mayBeOption, x.expands]), [
    [null, true, false],
    [null, false, false],
    [null, true, true],
    [null, false, true],
    [null, false, false],
    [null, true, true],
    [null, true, false],
  ]);
  assert.match(analyzeScript("$X a").commands[0]!.dynamic!, /\$X/);
  assert.match(analyzeScript("`echo rm` a").commands[0]!.dynamic!, /not known/);
});
