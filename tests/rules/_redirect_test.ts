import assert from "node:assert/strict";
import { analyzeScript } from "../../src/rules/shell.ts";

Deno.test("shell: redirections are classified", () => {
  const r = analyzeScript("ls >a 2>&1 >>b &>/dev/null <c 3<>d >&- 1>&2 >|e >/dev/tcp/h/1 <<<x").commands[0]!.redirects;
  assert.deepEqual(r.map((x) => `${x.kind}:${x.target}`), [
    "write:a",
    "dup:1",
    "write:b",
    "null:/dev/null",
    "read:c",
    "write:d",
    "dup:-",
    "dup:2",
    "write:e",
    "write:/dev/tcp/h/1",
    "read:null",
  ]);
  assert.equal(analyzeScript("ls > $F").commands[0]!.redirects[0]!.target, null);
});
