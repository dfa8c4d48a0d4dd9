// Red team 6: project checks past the deny floors (F1), code bash or a program evaluates from its arguments (F2),
// and option synonyms the floors missed (F3). The config is red team 6's repro/floor.jsonc.
import assert from "node:assert/strict";
import { DENY_MAY_APPLY, evaluateRules } from "../../src/rules/engine.ts";
import { bash, CMD_ONLY, compile, PATH_ONLY, SANDBOXED } from "./_floors.ts";

/** repro/floor.jsonc */
const FLOOR = compile([
  {
    tool: "run_bash",
    command: ["rm -rf", "sudo", "curl", "wget", "git push --force", "nc", "shred", "dd"],
    decision: "deny",
  },
  { tool: "*", path: ["secrets/**"], decision: "deny" },
]);
const ASK_ONLY = compile([{ tool: "run_bash", command: ["curl"], decision: "ask" }]);

Deno.test("floors rt6 F1: a project check is not lowered past a deny floor, which may apply to it", () => {
  for (
    const cmd of [
      "npm test",
      "make test",
      "pytest",
      "npx tsc --noEmit",
      "cargo build",
      "go test ./...",
      "deno test",
      'echo \'{"scripts":{"test":"rm -rf src"}}\' > package.json && npm test',
      "printf 'all:\\n\\trm -rf src\\n' > Makefile; make test",
    ]
  ) {
    for (const [name, rules] of [["floor.jsonc", FLOOR], ["command floor", CMD_ONLY], ["path floor", PATH_ONLY]]) {
      const o = evaluateRules(rules as typeof FLOOR, bash(cmd), SANDBOXED);
      assert.equal(o.risk, "high", `${name}: ${cmd}: ${o.rationale}`);
      assert.notEqual(o.floor, null, `${name}: ${cmd}: ${o.rationale}`);
      assert.ok(
        o.matched.some((m) => m.summary.includes(DENY_MAY_APPLY)),
        `${name}: ${cmd}: a remembered approval must not answer it: ${o.rationale}`,
      );
    }
  }
  // a project check that is not lowered anyway (no sandbox fact) still runs code nobody inspected
  const plain = evaluateRules(FLOOR, bash("npm test"), {});
  assert.equal(plain.floor, "ask", plain.rationale);
  assert.match(plain.rationale, new RegExp(DENY_MAY_APPLY));
  // what runs project code but is no accepted project check shape meets the floors the same way
  for (const cmd of ["npm run clean", "make all", "npm install", "python3 -m pip list"]) {
    const o = evaluateRules(FLOOR, bash(cmd), SANDBOXED);
    assert.equal(o.floor, "ask", `${cmd}: ${o.rationale}`);
    assert.match(o.rationale, new RegExp(DENY_MAY_APPLY), cmd);
  }
  // the literal rm -rf of the same script is still denied outright
  assert.equal(evaluateRules(FLOOR, bash("npm test; rm -rf src"), SANDBOXED).floor, "deny");
});

Deno.test("floors rt6 F1: without deny floors a project check stays medium, an ask floor is not applied", () => {
  const none = evaluateRules([], bash("npm test"), SANDBOXED);
  assert.equal(none.risk, "medium");
  assert.equal(none.floor, null);
  const ask = evaluateRules(ASK_ONLY, bash("npm test"), SANDBOXED);
  assert.equal(ask.risk, "medium", ask.rationale);
  assert.equal(ask.floor, null, ask.rationale);
  const pathAsk = evaluateRules(compile([{ tool: "*", path: ["secrets/**"], decision: "ask" }]), bash("npm test"), {
    ...SANDBOXED,
  });
  assert.deepEqual([pathAsk.risk, pathAsk.floor], ["medium", null], pathAsk.rationale);
  // read-only scripts are not touched by the project-check rule
  const ls = evaluateRules(FLOOR, bash("ls -la src"), SANDBOXED);
  assert.deepEqual([ls.risk, ls.floor], ["low", null]);
});

/** Scripts that run `rm -rf src` through code bash (or a program) evaluates from an argument. */
const EVALUATED = [
  // bash evaluates array subscripts as arithmetic, with command substitution
  "[[ -v 'a[$(rm -rf src)]' ]]",
  "test -v 'a[$(rm -rf src)]'",
  "[ -v 'a[$(rm -rf src)]' ]",
  "[[ 'a[$(rm -rf src)]' -eq 0 ]]",
  "printf -v 'a[$(rm -rf src)]' x",
  "declare -n r='a[$(rm -rf src)]'; : $r",
  "declare 'a[$(rm -rf src)]=1'",
  "local -n r='a[$(rm -rf src)]'",
  "typeset -i x='a[$(rm -rf src)]'",
  "readonly 'a[$(rm -rf src)]=1'",
  "export 'a[$(rm -rf src)]=1'",
  "unset 'a[$(rm -rf src)]'",
  "read 'a[$(rm -rf src)]' <<< 1",
  "let 'a[$(rm -rf src)]'",
  "x='a[$(rm -rf src)]'; echo $((x))",
  "x='a[$(rm -rf src)]'; (( x ))",
  "x='a[$(rm -rf src)]'; echo ${y:x}",
  "x='a[$(rm -rf src)]'; echo ${y[x]}",
  "x='a[$(rm -rf src)]'; for ((i=x; i<1; i++)); do :; done",
  "x='a[$(rm -rf src)]'; ulimit -t x",
  "mapfile -C 'rm -rf src' -c 1 a < f",
  "compgen -C 'rm -rf src' x",
  // the shell runs code named by a value
  "alias r='rm -rf'; r src",
  "hash -p /bin/rm ls; ls -rf src",
  "enable -f ./x.so x",
  "BASH_ENV=./x bash -c ls",
  "export BASH_ENV=./x; bash -c ls",
  "ENV=./x sh -c ls",
  "PS4='$(rm -rf src)'; set -x; ls",
  "env 'BASH_FUNC_ls%%=() { rm -rf src; }' bash -c ls",
  "GIT_PAGER='rm -rf src' git log",
  "PAGER='rm -rf src' man ls",
  'eval "$(cat cmd.txt)"',
  ". ./cmd.txt",
  "source ./cmd.txt",
  // programs that run a command string or code
  "busybox sh -c 'rm -rf src'",
  "busybox rm -rf src",
  "busybox ash -c 'rm -rf src'",
  "expect -c 'spawn rm -rf src'",
  "at now <<< 'rm -rf src'",
  "batch <<< 'rm -rf src'",
  "ssh host 'rm -rf src'",
  "ssh -p 22 host 'rm -rf src'",
  "ssh -o ProxyCommand='rm -rf src' host",
  "make --eval=$'a:\\n\\trm -rf src' a",
  "make -E 'a: ; rm -rf src' a",
  "parallel ::: 'rm -rf src'",
  "parallel 'rm -rf {}' ::: src",
  "watch 'rm -rf src'",
  "script -c 'rm -rf src' /dev/null",
  "su -c 'rm -rf src'",
  "runuser -u x -- bash -c 'rm -rf src'",
  "flock /tmp/l rm -rf src",
  "flock /tmp/l -c 'rm -rf src'",
  "timeout 5 bash -c 'rm -rf src'",
  "nice sh -c 'rm -rf src'",
  "nohup rm -rf src",
  "env -S 'rm -rf src'",
  "xargs sh -c 'rm -rf src' <<< x",
  "find . -exec sh -c 'rm -rf src' \\;",
  "perl -e 'system(\"rm -rf src\")'",
  "python3 -c 'import os; os.system(\"rm -rf src\")'",
  'node -e \'require("child_process").execSync("rm -rf src")\'',
  "ruby -e 'system(\"rm -rf src\")'",
  "vim -c '!rm -rf src' -c q",
  "vim '+!rm -rf src' +q",
  "gdb -batch -ex 'shell rm -rf src'",
  "sqlite3 :memory: '.shell rm -rf src'",
  "lua -e 'os.execute(\"rm -rf src\")'",
  "php -r 'system(\"rm -rf src\");'",
];

Deno.test("floors rt6 F2: code bash or a program evaluates from its arguments meets the deny floor", () => {
  for (const cmd of EVALUATED) {
    const o = evaluateRules(CMD_ONLY, bash(cmd), SANDBOXED);
    assert.equal(o.floor, "deny", `${cmd}: ${o.rationale}`);
    assert.ok(!o.notes.includes("the script runs no command"), `${cmd}: ${o.notes}`);
    assert.notEqual(o.risk, "low", cmd);
  }
});

Deno.test("floors rt6 F2: an extracted command meets floors with its own decision, not every floor", () => {
  // the string is extracted and parsed: a harmless one does not meet the rm -rf floor
  for (
    const cmd of [
      "busybox ls src",
      "busybox bash -c 'ls src'",
      "ssh host 'ls src'",
      "alias l='ls -la'",
      "GIT_PAGER=cat git log",
      "[[ -v a ]]",
      "[[ 1 -eq 1 ]]",
      "echo $((1 + 2))",
      "(( 3 > 2 ))",
      "printf -v out '%s' x",
      "declare -r x=1",
    ]
  ) {
    const o = evaluateRules(CMD_ONLY, bash(cmd), SANDBOXED);
    assert.equal(o.floor, null, `${cmd}: ${o.rationale}`);
  }
  // and a path floor sees the paths inside it
  assert.equal(evaluateRules(PATH_ONLY, bash("ssh host 'cat secrets/k'"), SANDBOXED).floor, "deny");
  // arithmetic on a variable: the value is evaluated as code, which is not known
  const v = evaluateRules(CMD_ONLY, bash("echo $((n + 1))"), SANDBOXED);
  assert.equal(v.floor, "deny", v.rationale);
});

Deno.test("floors rt6 F2: the gate never says such a script runs no command", () => {
  for (const cmd of ["[[ -v 'a[$(rm -rf src)]' ]]", "(( x ))", "[[ $x -eq 1 ]]"]) {
    const o = evaluateRules([], bash(cmd), SANDBOXED);
    assert.equal(o.risk, "high", cmd);
    assert.ok(!o.notes.includes("the script runs no command"), `${cmd}: ${o.notes}`);
  }
});

Deno.test("floors rt6 F3: force-push and rm -rf synonyms meet the floor", () => {
  const push = compile([{ tool: "run_bash", command: ["git push --force"], decision: "deny" }]);
  for (
    const cmd of [
      "git push origin +main",
      "git push origin +HEAD:main",
      "git push origin '+main:main'",
      'git push origin "+main"',
      "git push --mirror",
      "git push --mirr",
      "git push origin -f main",
      "git push --force-with-lease origin main",
    ]
  ) {
    assert.equal(evaluateRules(push, bash(cmd), {}).floor, "deny", cmd);
  }
  const del = compile([{ tool: "run_bash", command: ["git push --delete"], decision: "deny" }]);
  for (const cmd of ["git push origin :main", "git push origin --delete main", "git push -d origin main"]) {
    assert.equal(evaluateRules(del, bash(cmd), {}).floor, "deny", cmd);
  }
  for (
    const cmd of [
      "rm -r --interactive=never src",
      "rm -r --interactive=no src",
      "rm -r --interactive=none src",
      "rm -r --inter=never src",
      "rm --rec --forc src",
      "rm -dfr src",
      "rm -R --no-preserve-root --force /",
      "rm -r -- -f",
      "rm --interactive=never -R src",
      "rm -r --interactive=never --interactive=never src",
    ]
  ) {
    const o = evaluateRules(CMD_ONLY, bash(cmd), {});
    assert.equal(o.floor, "deny", `${cmd}: ${o.rationale}`);
  }
  // not synonyms: not recursive, not forced
  // (`rm -r` alone stays a look-alike, as floors_test.ts says, though run_bash's stdin is no terminal)
  for (
    const cmd of [
      "rm -f x",
      "rm x",
      "rm -r --interactive=always src",
      "git push origin main",
      "git push origin main:main",
      "git push --dry-run",
    ]
  ) {
    const o = evaluateRules(
      compile([
        { tool: "run_bash", command: ["rm -rf"], decision: "deny" },
        { tool: "run_bash", command: ["git push --force"], decision: "deny" },
      ]),
      bash(cmd),
      {},
    );
    assert.equal(o.floor, null, `${cmd}: ${o.rationale}`);
  }
});
