import assert from "node:assert/strict";
import { analyzeScript } from "../../src/rules/shell.ts";
import type { SimpleCommand } from "../../src/rules/shell_types.ts";

const argv = (c: SimpleCommand) => c.argv.map((w) => w.value ?? "?").join(" ");

Deno.test("shell: wrappers are looked through, with their options", () => {
  const one = (s: string) => analyzeScript(s).commands[0]!;
  assert.deepEqual(one("timeout -s KILL -k 5 10 nice -n 3 stdbuf -oL command ls -l").wrappers, [
    "timeout",
    "nice",
    "stdbuf",
    "command",
  ]);
  assert.equal(argv(one("timeout 10 nice -5 nohup ls -l")), "ls -l");
  assert.equal(argv(one("/usr/bin/env ls")), "ls");
  assert.deepEqual(one("env A=1 -u B ls").assignments, ["A=1", "(unset B)"]);
  assert.equal(one("xargs -0 -n 1 grep x").extraArgs, true);
  assert.equal(argv(one("xargs")), "echo");
  assert.equal(argv(one("xargs -I{} cp {} dst")), "cp ? dst");
  assert.equal(argv(one("xargs --eof rm x")), "rm x", "--eof[=E] takes no next word");
  assert.equal(argv(one("xargs --replace rm {}")), "rm ?", "--replace alone means {}");
  assert.match(one("timeout --frobnicate 5 ls").dynamic!, /not judged/);
  assert.match(one("env -S 'rm x'").dynamic!, /-S/);
  assert.equal(analyzeScript("env -C /tmp ls").cwdChanged, true);
  assert.equal(analyzeScript("cd x; ls").cwdChanged, true);
  const f = analyzeScript("find . -exec timeout 5 rm {} \\;");
  assert.equal(argv(f.commands[1]!), "rm ?");
  assert.deepEqual(f.commands[1]!.wrappers, ["timeout"]);
  assert.equal(one("time -o x ls").argv[0]!.value, "-o", "bash's time keyword takes only -p");
  assert.deepEqual(one("command time -o t.txt ls").writes, ["t.txt"]);
});
