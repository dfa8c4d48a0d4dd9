/** The evidence of docs/shell-parser.md stays true: unbash reads every case of the corpus as bash does. */
import assert from "node:assert/strict";
import { compareParsers, SCRIPT_200 } from "../../_tools/parser_compare.ts";

Deno.test("parser comparison: unbash is right on every case, tree-sitter-bash on fewer", async () => {
  assert.equal(SCRIPT_200.length, 200);
  const [unbash, ts] = await compareParsers();
  assert.deepEqual(unbash!.wrong.map((w) => w.script), []);
  assert.ok(ts!.correct < ts!.total, "tree-sitter-bash now reads every case right: update docs/shell-parser.md");
});
