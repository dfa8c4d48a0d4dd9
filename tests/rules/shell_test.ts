import assert from "node:assert/strict";
import { analyzeScript, MAX_NESTING, type SimpleCommand } from "../../src/rules/shell.ts";

const argv = (c: SimpleCommand) => c.argv.map((w) => w.value ?? "?").join(" ");
const cmds = (s: string) => analyzeScript(s).commands.map(argv);

Deno.test("shell: every simple command of lists, pipelines, groups, functions and substitutions", () => {
  assert.deepEqual(cmds("a | b && c || d; e & f"), ["a", "b", "c", "d", "e", "f"]);
  assert.deepEqual(cmds("(a; { b; }) | c"), ["a", "b", "c"]);
  assert.deepEqual(cmds("f() { rm x; }; f"), ["rm x", "f"]);
  assert.deepEqual(cmds("echo $(a $(b)) `c` <(d) >(e)"), ["echo ? ? ? ?", "a ?", "b", "c", "d", "e"]);
  assert.deepEqual(cmds("cat <<EOF\n$(id)\nEOF"), ["cat", "id"]);
  assert.deepEqual(cmds("cat <<'EOF'\n$(id)\nEOF"), ["cat"]);
  assert.deepEqual(cmds("if a; then b; elif c; then d; else e; fi"), ["a", "b", "c", "d", "e"]);
  assert.deepEqual(cmds("for x in $(a); do b; done; while c; do d; done; case $y in z) e;; esac"), [
    "a",
    "b",
    "c",
    "d",
    "e",
  ]);
  assert.deepEqual(cmds("ls # ; rm -rf /"), ["ls"]);
  assert.deepEqual(cmds("l's' \"-l\" \\-a"), ["ls -l -a"]);
});

Deno.test("shell: bash -c, sh -c, eval and trap strings are parsed; opaque ones are dynamic", () => {
  const a = analyzeScript("bash -c 'ls; sh -c \"rm x\"'");
  assert.deepEqual(a.commands.map(argv), ['bash -c ls; sh -c "rm x"', "ls", "sh -c rm x", "rm x"]);
  assert.equal(a.commands[0]!.lookedThrough, true);
  assert.equal(a.commands[3]!.context, "script > bash -c > sh -c");
  assert.match(analyzeScript('bash -c "$X"').commands[0]!.dynamic!, /not known before run time/);
  assert.match(analyzeScript("bash x.sh").commands[0]!.dynamic!, /not part of the parsed script/);
  assert.match(analyzeScript("bash -lc ls").commands[0]!.dynamic!, /option/);
  for (const s of ["bash -c -- 'rm x'", "bash -c -e 'rm x'", "sh -ec - 'rm x'", "bash -c -x -- 'rm x'"]) {
    assert.deepEqual(analyzeScript(s).commands.slice(1).map(argv), ["rm x"], s);
  }
  const e = analyzeScript("eval 'rm x'");
  assert.ok(e.commands[0]!.dynamic);
  assert.equal(argv(e.commands[1]!), "rm x");
  assert.equal(argv(analyzeScript("trap 'rm y' EXIT").commands[1]!), "rm y");
});

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

Deno.test("shell: redirections of compound commands are kept, as a command without words", () => {
  const a = analyzeScript("{ ls; } > a; for f in x; do :; done 2>/dev/null; (pwd) >> b");
  const bare = a.commands.filter((c) => c.argv.length === 0);
  assert.deepEqual(bare.map((c) => c.redirects.map((r) => `${r.kind}:${r.target}`).join()), [
    "write:a",
    "null:/dev/null",
    "write:b",
  ]);
});

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

Deno.test("shell: hazards (arithmetic, indirect and prompt expansion, special loop variables)", () => {
  const h = (s: string) => analyzeScript(s).hazards.length > 0;
  for (
    const s of [
      "echo $((x))",
      "((x++))",
      "echo ${a[i]}",
      "echo ${s:1:2}",
      "echo ${!x}",
      "echo ${x@P}",
      "[[ $x -eq 1 ]]",
      "[[ -v x ]]",
      "for PATH in a; do :; done",
      ": ${IFS:=x}",
    ]
  ) {
    assert.ok(h(s), s);
  }
  for (const s of ["echo $x ${y:-z}", "[[ -f x ]]", "for f in a; do :; done", ": ${x:=1}"]) assert.ok(!h(s), s);
});

Deno.test("shell: parse errors, NUL bytes and nesting limits fail closed", () => {
  for (const s of ["echo 'x", "echo $(ls", "ls;;", "if x; then", "a | | b", "ls\0x"]) {
    assert.equal(analyzeScript(s).ok, false, s);
  }
  let s = "ls";
  for (let i = 0; i <= MAX_NESTING + 1; i++) s = `bash -c ${JSON.stringify(s)}`;
  const a = analyzeScript(s);
  assert.equal(a.ok, false);
  assert.match(a.errors[0]!, /nested more than/);
  for (const depth of [300, 400, 5000]) {
    assert.equal(analyzeScript("echo " + "$(".repeat(depth) + ")".repeat(depth)).ok, false, `depth ${depth}`);
  }
});
