import assert from "node:assert/strict";
import { analyzeScript, MAX_NESTING } from "../../src/rules/shell.ts";
import { validateRules } from "../../src/rules/config.ts";
import { evaluateRules } from "../../src/rules/engine.ts";
import type { SimpleCommand } from "../../src/rules/shell_types.ts";

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

Deno.test("shell: redirections of compound commands are kept, as a command without words", () => {
  const a = analyzeScript("{ ls; } > a; for f in x; do :; done 2>/dev/null; (pwd) >> b");
  const bare = a.commands.filter((c) => c.argv.length === 0);
  assert.deepEqual(bare.map((c) => c.redirects.map((r) => `${r.kind}:${r.target}`).join()), [
    "write:a",
    "null:/dev/null",
    "write:b",
  ]);
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

Deno.test("shell: redteam3 classes: xargs-supplied commands, non-bash -c strings, quoted ${…} words", () => {
  for (const s of ["xargs env", "xargs timeout 1", "xargs xargs", "xargs -0 nice", "xargs timeout 1 nice"]) {
    assert.match(analyzeScript(s).commands[0]!.dynamic ?? "", /only supplied at run time/, s);
  }
  assert.equal(analyzeScript("xargs env ls").commands[0]!.dynamic, null); // the command is literal and judged
  for (const s of ["sh -c ls", "dash -c ls", "/bin/sh -c ls", "ksh -c ls", "zsh -c ls"]) {
    assert.match(analyzeScript(s).commands[0]!.dynamic ?? "", /grammar is not bash's/, s);
  }
  assert.equal(analyzeScript("bash -c ls").commands[0]!.dynamic, null);
  for (const s of ["echo \"${x:-$'$(touch p)'}\"", "cat <<EOF\n${x:-'$(touch p)'}\nEOF", "echo ${x:-\\}'a'}"]) {
    assert.equal(analyzeScript(s).hazards.length, 1, s);
  }
  assert.deepEqual(analyzeScript('echo "${x:-default}" ${#y}').hazards, []);
  // `command -v` is a lookup only when -v comes before the name
  assert.equal(analyzeScript("command -v printf").commands[0]!.argv[0]!.value, "command");
  assert.equal(analyzeScript("command printf -v x y").commands[0]!.argv[0]!.value, "printf");
});

Deno.test("shell: crafted scripts are judged in bounded time and fail closed (red team 7, F11)", () => {
  const rules = validateRules([{ tool: "run_bash", command: ["rm -rf"], decision: "deny" }]).rules;
  const cases = [
    "#" + "${".repeat(100_000) + "\nrm -rf x", // was one scan per `${` to the end: 57 s for 200 KB
    "echo " + "$(".repeat(100_000) + "\nrm -rf x", // a hundred thousand unclosed substitutions
    'echo "' + "$(".repeat(50_000) + '"\nls',
  ];
  for (const cmd of cases) {
    const t0 = performance.now();
    const o = evaluateRules(rules, { tool: "run_bash", tableRisk: "high", args: { cmd } }, { readOnlyCommands: true });
    const ms = performance.now() - t0;
    assert.equal(o.floor, "deny", `${cmd.slice(0, 12)}…: ${o.rationale}`);
    // generous: the hook's agents give up after 30 s, and an unanswered hook lets the tool run ungated
    assert.ok(ms < 10_000, `${cmd.slice(0, 12)}… took ${Math.round(ms)} ms`);
  }
  const a = analyzeScript("echo " + "$(".repeat(100_000));
  assert.equal(a.ok, false);
});
