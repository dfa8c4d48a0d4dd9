// Red team 7: deny floors that failed open for code the gate cannot judge. F2: programs that run their operands
// (`valgrind rm -rf x`); F8: code from files the agent can write (`./s.sh`, `node s.js`, `rake`); F10: code handed
// to programs through the environment (`GIT_CONFIG_PARAMETERS=… git q`, `TAR_OPTIONS=…`, `export …`); F3: links
// made earlier in the same call (`tar xf t.tar && cat h`). The config is red team 7's repro/cfg_floors_noask.jsonc.
import assert from "node:assert/strict";
import { DENY_MAY_APPLY, evaluateRules } from "../../src/rules/engine.ts";
import {
  assertMetNotLowered as assertMet,
  assertUntouched,
  bash,
  CMD_ONLY,
  compile,
  NOASK_FLOOR as FLOOR,
  PATH_ONLY,
  SANDBOXED,
} from "./_floors.ts";

const ASK_RM = compile([{ tool: "run_bash", command: ["rm -rf"], decision: "ask" }]);
const PUSH = compile([{ tool: "run_bash", command: ["git push --force"], decision: "deny" }]);

/** F2: programs that run the words after them as a command. */
const RUNS_OPERANDS = [
  "valgrind -q rm -rf v3",
  "valgrind rm -rf v3",
  "fakeroot rm -rf v4",
  "unbuffer rm -rf x",
  "chronic rm -rf x",
  "numactl -a rm -rf x",
  "catchsegv rm -rf x",
  "dbus-run-session rm -rf x",
  "xvfb-run rm -rf x",
  "cgexec -g cpu:x rm -rf x",
  "perf stat rm -rf x",
  "perf record -- rm -rf x",
  "rlwrap rm -rf x",
  "proot rm -rf x",
  "start-stop-daemon -S -x /bin/rm -- -rf x",
  "chpst rm -rf x",
  "softlimit rm -rf x",
  "setuidgid root rm -rf x",
  "s6-setuidgid root rm -rf x",
  "pkexec rm -rf x",
  "ssh-agent rm -rf x",
  "toybox rm -rf x",
  "capsh -- -c 'rm -rf x'",
  "sg root -c 'rm -rf x'",
  "gdbserver :1 rm -rf x",
  "nice valgrind rm -rf x",
  "timeout 5 fakeroot rm -rf x",
];

Deno.test("floors rt7 F2: a program that may run its operands meets the command floor", () => {
  for (const cmd of RUNS_OPERANDS) {
    assertMet(CMD_ONLY, cmd, /may run the words after it as a command|the rule names/);
    assertMet(FLOOR, cmd);
    // an ask floor may apply too: asked
    const ask = evaluateRules(ASK_RM, bash(cmd), SANDBOXED);
    assert.equal(ask.floor, "ask", `${cmd}: ${ask.rationale}`);
  }
  // a long command: past 32 places where the prefix could start, the program may run it (linear, not quadratic)
  const long = evaluateRules(CMD_ONLY, bash(`valgrind ${"rm x ".repeat(20_000)}`), SANDBOXED);
  assert.match(long.rationale, /valgrind may run the words after it as a command/);
  assertUntouched(CMD_ONLY, `echo ${"rm x ".repeat(2_000)}`);
  // the rationale says which program and why
  const o = evaluateRules(CMD_ONLY, bash("valgrind -q rm -rf v3"), SANDBOXED);
  assert.match(o.rationale, /deny floor may apply: valgrind may run the words after it as a command/);
});

Deno.test("floors rt7 F2: long spellings and builtins that run or evaluate their words", () => {
  for (
    const cmd of [
      "env --split-string='rm -rf v2'",
      "env --split-string 'rm -rf v2'",
      "env --split-s='rm -rf v2'",
      "env -i --split-string='rm -rf v2'",
      "jobs -x rm -rf v1",
      "jobs -x /bin/rm -rf v1",
      "caller 'a[$(rm -rf x)]'",
    ]
  ) {
    const o = evaluateRules(CMD_ONLY, bash(cmd), SANDBOXED);
    assert.equal(o.floor, "deny", `${cmd}: ${o.rationale}`);
  }
  // known programs whose words are data, not a command, stay untouched
  for (
    const cmd of [
      "echo rm -rf x",
      "printf '%s\\n' rm -rf x",
      "grep -rn 'rm -rf' src",
      "git commit -m 'rm -rf x'",
      "jobs -l",
      "caller 0",
      "env LANG=C ls",
    ]
  ) assertUntouched(CMD_ONLY, cmd);
});

/** F8: scripts and programs that run a file the agent can write, or the project's code. */
const RUNS_FILES = [
  "./s.sh",
  "printf '#!/bin/sh\\nrm -rf v1\\n' > s.sh && chmod +x s.sh && ./s.sh",
  "sub/x",
  "exec ./x",
  "timeout 5 ./x.sh",
  "nohup ./x &",
  "env x.sh",
  "ld.so ./x",
  "/lib64/ld-linux-x86-64.so.2 ./x",
  "/tmp/x",
  "node s.js",
  "nice node s.js",
  "perl s.pl",
  "ruby x.rb",
  "php x.php",
  "lua x.lua",
  "Rscript x.R",
  "tsx x.ts",
  "ts-node x.ts",
  "deno run x.ts",
  "bun x.ts",
  "jest",
  "vitest run",
  "mocha",
  "rake",
  "gradle test",
  "./gradlew test",
  "mvn test",
  "ninja",
  "cmake --build .",
  "tox",
  "nox",
  "poetry run x",
  "uv run x",
  "pipenv run x",
  "just",
  "task",
  "gmake test",
  "pre-commit run",
  "cargo run",
  "go run .",
  "xargs ./x < list",
  "find . -name x -exec ./x {} \\;",
  "f() { ./x; }; f",
];

Deno.test("floors rt7 F8: code from a file the agent can write meets every deny floor (may apply)", () => {
  for (const cmd of RUNS_FILES) {
    for (const [name, rules] of [["command floor", CMD_ONLY], ["path floor", PATH_ONLY], ["both", FLOOR]] as const) {
      const o = evaluateRules(rules, bash(cmd), SANDBOXED);
      assert.equal(o.floor, "ask", `${name}: ${cmd}: ${o.rationale}`);
      assert.match(o.rationale, new RegExp(DENY_MAY_APPLY), `${name}: ${cmd}`);
      assert.equal(o.risk, "high", `${name}: ${cmd}`);
    }
  }
  const o = evaluateRules(CMD_ONLY, bash("node s.js"), SANDBOXED);
  assert.match(o.rationale, /node .*(file|code)/, o.rationale);
  // a shell given a script file stays denied (red team 5, F8)
  for (const cmd of ["bash s.sh", "sh x.sh", "source x.sh"]) {
    assert.equal(evaluateRules(CMD_ONLY, bash(cmd), SANDBOXED).floor, "deny", cmd);
  }
  // an ask floor is left to the command it names, as for project checks
  assertUntouched(compile([{ tool: "run_bash", command: ["curl"], decision: "ask" }]), "node s.js");
});

Deno.test("floors rt7 F8: read-only commands and plain known programs are not touched", () => {
  for (
    const cmd of [
      "ls -la",
      "cat README.md",
      "grep -rn x src",
      "ls && cat README.md | head -5",
      "mkdir -p a && touch a/b",
      "git status",
      "git log --oneline -5",
      "echo hi > out.txt",
      "cp a b",
      "mv a b",
      "rm -f x",
      "chmod +x s.sh",
      "tar cf t.tar src",
      "sed -n 1,5p README.md",
      "diff a b",
      "sort -u a",
    ]
  ) {
    assertUntouched(FLOOR, cmd);
    assertUntouched(FLOOR, cmd, {} as typeof SANDBOXED);
  }
});

/** F10: variables a program reads as code or options, set in front of it or exported. */
const ENV_CODE = [
  "GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=alias.p GIT_CONFIG_VALUE_0='!rm -rf v1' git p",
  "GIT_CONFIG_PARAMETERS=\"'alias.q=!rm -rf v2'\" git q",
  "echo x > f; tar cf t.tar f; TAR_OPTIONS=\"--to-command='rm -rf v3'\" tar xf t.tar",
  "GIT_CONFIG_GLOBAL=./g git status",
  "GIT_CONFIG=./g git status",
  "GIT_EXEC_PATH=. git status",
  "GIT_TEMPLATE_DIR=./t git init x",
  "GIT_DIR=./x git log",
  "FCEDIT='rm -rf x' fc",
  "NODE_OPTIONS='--require ./x.js' node -v",
  "PERL5OPT=-Mx perl -v",
  "PERL5LIB=. perl -v",
  "RUBYOPT=-rx ruby -v",
  "PYTHONSTARTUP=x python3",
  "PYTHONPATH=. python3 -V",
  "LD_PRELOAD=./x.so ls",
  "LD_LIBRARY_PATH=. ls",
  "PATH=. ls",
  "PATH=.:$PATH ls",
  "GZIP=-S.x gzip f",
  "XZ_OPT=-T0 xz f",
  "ZSTD_CLEVEL=3 zstd f",
  "env GIT_CONFIG_PARAMETERS=\"'alias.q=!rm -rf v2'\" git q",
  "env -i PATH=. ls",
  "some_unknown_name=1 ls",
  "export GIT_CONFIG_PARAMETERS=\"'alias.q=!rm -rf v2'\"; git q",
  "export TAR_OPTIONS; tar xf t.tar",
  "export PATH=.:$PATH; ls",
  "declare -x GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=alias.p GIT_CONFIG_VALUE_0='!rm -rf v1'; git p",
  "typeset -x LD_PRELOAD=./x.so; ls",
  "set -a; GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=alias.p GIT_CONFIG_VALUE_0='!rm -rf v1'; git p",
  "set -o allexport; NODE_OPTIONS='--require ./x.js'; node -v",
];

Deno.test("floors rt7 F10: code through the environment meets the command floors (may apply)", () => {
  for (const cmd of ENV_CODE) {
    assertMet(CMD_ONLY, cmd);
    assertMet(CMD_ONLY, cmd, undefined, {} as typeof SANDBOXED);
    // also an ask floor: the variable may make the program run what the floor names
    assert.equal(evaluateRules(ASK_RM, bash(cmd), SANDBOXED).floor, "ask", cmd);
  }
  const o = evaluateRules(CMD_ONLY, bash(ENV_CODE[1]!), SANDBOXED);
  assert.match(o.rationale, /deny floor may apply: GIT_CONFIG_PARAMETERS=/, o.rationale);
  // the code may read any file too: a path deny floor may apply
  assertMet(PATH_ONLY, "GIT_CONFIG_PARAMETERS=\"'alias.q=!cat secrets/k'\" git q");
  // `git -c` stays denied outright
  assert.equal(evaluateRules(CMD_ONLY, bash("git -c alias.p='!rm -rf v1' p"), SANDBOXED).floor, "deny");
});

Deno.test("floors rt7 F10: inert variables and plain shell variables are not touched", () => {
  for (
    const cmd of [
      "n=1; echo $n",
      "x=1; y=$x; echo $y",
      "LANG=C ls",
      "LC_ALL=C sort f",
      "LC_COLLATE=C ls",
      "TZ=UTC date",
      "TERM=dumb ls",
      "NO_COLOR=1 git status",
      "FORCE_COLOR=0 ls",
      "CI=true ls",
      "COLUMNS=80 ls",
      "export LANG=C; ls",
    ]
  ) assertUntouched(CMD_ONLY, cmd);
});

Deno.test("floors rt7 F10: git send-pack is a push under a git push --force floor", () => {
  for (
    const cmd of [
      "git send-pack --force origin main",
      "git send-pack origin +main",
      "git send-pack --mirror origin",
      "git -C . send-pack --force origin main",
    ]
  ) {
    const o = evaluateRules(PUSH, bash(cmd), {});
    assert.equal(o.floor, "deny", `${cmd}: ${o.rationale}`);
  }
  assertUntouched(PUSH, "git send-pack origin main", {} as typeof SANDBOXED);
});

/** F3: an earlier command of the call may create links that a later literal read follows. */
const LINKS_MADE = [
  "base64 -d t.b64 > t.tar && tar xf t.tar && cat h hh",
  "tar xf t.tar; cat h",
  "tar -xf t.tar && head -1 h",
  "unzip -o z.zip && cat h",
  "cpio -i < a.cpio; cat h",
  "git apply p.diff && cat h",
  "git checkout x -- h; cat h",
  "git stash pop; cat h",
  "ln -s secr*/k h; cat h",
  "cp -a src dst && cat dst/h",
  "mv a b; cat b",
  "rsync -a a/ b/; cat b/h",
  "patch -p1 < p.diff; cat h",
  "some-tool; cat h",
  "tar xf t.tar; cat < h",
];

Deno.test("floors rt7 F3: a read after a command that may create links may meet the path floor", () => {
  for (const cmd of LINKS_MADE) {
    for (const opts of [SANDBOXED, {}]) {
      const o = evaluateRules(PATH_ONLY, bash(cmd), opts);
      assert.equal(o.floor, "ask", `${cmd}: ${o.rationale}`);
      assert.match(o.rationale, new RegExp(DENY_MAY_APPLY), cmd);
    }
  }
  const o = evaluateRules(PATH_ONLY, bash(LINKS_MADE[0]!), SANDBOXED);
  // (since red team 10, J7, the extraction itself meets the floor first: its members' names are not seen)
  assert.match(o.rationale, /tar xf t\.tar may create links|archive's members/, o.rationale);
  // the literal read of the protected path is still denied
  assert.equal(evaluateRules(PATH_ONLY, bash("tar xf t.tar; cat secrets/k"), SANDBOXED).floor, "deny");
});

Deno.test("floors rt7 F3: read-only scripts and reads before any change are not touched", () => {
  for (
    const cmd of [
      "cat README.md",
      "ls",
      "grep -rn x src",
      "cat a && head -3 b | wc -l",
      "echo x > f && cat f",
      "mkdir -p d && ls d",
      "touch f; cat f",
      // an extraction confined to a folder no floor touches (`tar xf` in the workspace meets the floor: rt10b J7)
      "cat h; tar -C build -xf t.tar",
      "tar -C build -xf t.tar",
      "rm -f h; ls",
    ]
  ) {
    assertUntouched(PATH_ONLY, cmd);
  }
});
