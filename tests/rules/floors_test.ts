// Red team 5: config floors bypassed by commands embedded in arguments (F8), files opened by a program's own text
// (F2, F3), option synonyms (F5) and xargs-supplied options (F4).
import assert from "node:assert/strict";
import { evaluateRules } from "../../src/rules/engine.ts";
import { bash, compile, expectFloor, expectRisk } from "./_floors.ts";

// cfg/c5.jsonc of red team 5: the operator trusts git, with floors on the dangerous parts
const C5 = compile([
  { tool: "run_bash", command: ["git"], risk: "low" },
  { tool: "run_bash", command: ["git push"], decision: "ask" },
  { tool: "run_bash", command: ["git reset --hard", "rm -rf"], decision: "deny" },
]);
// cfg/c1.jsonc
const C1 = compile([
  { tool: "run_bash", command: ["rm -rf", "sudo"], decision: "deny" },
  { tool: "run_bash", command: ["git push"], decision: "ask" },
  { tool: "*", path: ["secrets/**"], decision: "deny" },
]);
const RMRF = compile([{ tool: "run_bash", command: ["rm -rf"], decision: "deny" }]);

Deno.test("floors F8: a command embedded in a program's arguments is judged against deny floors", () => {
  expectFloor(C5, "deny", [
    "git -c alias.x='!rm -rf victim' x",
    "git -c alias.x='reset --hard' x",
    "git -c alias.x='!git reset --hard' x",
    "xargs git reset <<< --hard",
    "git submodule foreach rm -rf victim",
    "git submodule foreach 'rm -rf victim'",
    "git rebase --exec 'rm -rf victim' HEAD~1",
    "git rebase -x 'rm -rf victim' HEAD~1",
    "git bisect run rm -rf victim",
  ], { trustGitConfig: true });
  expectFloor(RMRF, "deny", [
    "git -c alias.x='!rm -rf victim' x",
    "sed -n '1e rm -rf victim' f",
    "sed -n -e p -e '1e rm -rf victim' f",
    "awk 'BEGIN{system(\"rm -rf victim\")}'",
    "tar -cf /dev/null --checkpoint=1 --checkpoint-action=exec='rm -rf victim' f",
    "tar -cf /dev/null --checkpoint=1 --checkpoint-action exec='rm -rf victim' f",
    "tar --to-command='rm -rf victim' -xf a.tar",
    "tar -I 'rm -rf victim' -cf x.tar f",
    "su -c 'rm -rf victim'",
    "su root -c 'rm -rf victim'",
    "runuser -u x --command='rm -rf victim'",
    "script -qc 'rm -rf victim' /dev/null",
    "script -c 'rm -rf victim' /dev/null",
    "flock /tmp/l -c 'rm -rf victim'",
    "watch -n 1 'rm -rf victim'",
    "sudo -u x bash -c 'rm -rf victim'",
  ]);
});

Deno.test("floors F8: an embedded command that cannot be extracted keeps the floor's decision", () => {
  expectFloor(RMRF, "deny", [
    'git -c "alias.x=!$c" x',
    "git --config-env=alias.x=EVIL x",
    "git $x log",
    "git rebase $x HEAD~1",
    "sed -n '1e' f", // runs the pattern space
    "sed 's/.*/rm -rf victim/e' f",
    "sed -f prog.sed f",
    "awk 'BEGIN{system(c)}'",
    "awk '{print | \"sh\"}'",
    'tar --checkpoint-action=exec="$c" -cf x f',
  ]);
  // the summary says why code the gate cannot read meets the floor; one that names the command does not need to
  assert.match(
    evaluateRules(RMRF, bash("python3 -c 'print(1)'")).rationale,
    /deny by rules\[0\] \(run_bash rm -rf \(python3 -c runs a Python program, which may run what the rule names\)\)/,
  );
  assert.match(evaluateRules(RMRF, bash("rm -rf victim")).rationale, /deny by rules\[0\] \(run_bash rm -rf\)$/);
  // nothing embedded: no floor (git's words after a subcommand that runs nothing cannot be a global -c)
  expectFloor(RMRF, null, [
    "sed -n 1p f",
    "awk '{print $1}' f",
    "tar -cf x.tar f",
    "git -c color.ui=never log",
    "git log $f",
  ]);
});

Deno.test("floors F8: a user lowering rule never lowers a command whose options run code", () => {
  for (
    const cmd of [
      "git -c alias.x=push x",
      "git -c alias.x='!git push' x",
      "git -c core.pager=id log",
      "git --config-env=core.pager=P log",
      "git --exec-path=. status",
      "git submodule foreach 'git push'",
      "git rebase --exec 'make' HEAD~1",
    ]
  ) {
    const o = evaluateRules(C5, bash(cmd), { trustGitConfig: true });
    assert.notEqual(o.risk, "low", `${cmd}: ${o.rationale}`);
    assert.ok(o.floor !== null || o.risk === "high", `${cmd}: ${o.rationale}`);
  }
  const sed = compile([{ tool: "run_bash", command: ["sed", "awk", "tar", "find"], risk: "low" }]);
  expectRisk(sed, "high", [
    "sed -n '1e id' f",
    "sed 's/x/id/e' f",
    "awk 'BEGIN{system(\"id\")}'",
    "tar --checkpoint-action=exec=id -cf x f",
    "find . -exec id \\;",
  ], { readOnlyCommands: false });
  // the rule still lowers what runs nothing
  expectRisk(C5, "low", ["git commit -m x"], { trustGitConfig: true });
  expectRisk(sed, "low", ["sed -i s/a/b/ f"], { readOnlyCommands: false });
  // and the floors see the aliased subcommand
  expectFloor(C5, "ask", ["git -c alias.x=push x"]);
  // xargs may supply any git subcommand (`reset --hard` too): every floor on git keeps its decision
  expectFloor(C5, "deny", ["xargs git <<< push"]);
});

Deno.test("floors F2: a path floor may apply to files a program opens from its own text or from data", () => {
  for (
    const cmd of [
      "jq -n 'import \"secrets/prod\" as $c; $c'",
      "jq -n 'import \"secre\\u0074s/prod\" as $c; $c'",
      "echo '{}' | jq 'include \"x\"; .'",
      "jq --run-tests notes.test",
      "jq -f prog.jq in.json",
      "jq --from-file prog.jq",
      "jq -n --rawfile c notes .",
      "jq -n --slurpfile c notes .",
      "jq -L lib -n 'import \"m\" as m; 1'",
      'awk \'BEGIN{ARGV[1]="secre" "ts/k";ARGC=2} 1\'',
      "awk 'BEGIN{ARGV[ARGC++]=\"x\"} 1'",
      "mawk 'BEGIN{ARGV[1]=\"x\";ARGC=2} {print}'",
      "awk 'BEGIN{while ((getline l < \"x\") > 0) print l}'",
      "strings @names",
      "git show HEAD~1 -- ':(icase)SECRETS/k'",
      "git show HEAD~1 -- 'secret?/k'",
      "git log -p --format=%h -- 's*'",
      "git log -p -- '*/k'",
      "git log -p -- ':(glob)s*/**'",
      "git log -p -- ':(top,icase)SECRETS'",
      "git log -p -- '[s]ecrets'",
    ]
  ) {
    const o = evaluateRules(C1, bash(cmd));
    assert.ok(o.floor !== null, `${cmd}: ${o.rationale}`);
  }
  expectFloor(C1, null, [
    "jq -n '1+1'",
    "jq .a in.json",
    "awk '{print $1}' f",
    "strings a.out",
    "git show HEAD -- src",
  ]);
});

Deno.test("floors F5: option synonyms match the floor written with one spelling", () => {
  expectFloor(RMRF, "deny", [
    "rm -R -f victim",
    "rm -Rf victim",
    "rm -r --force victim",
    "rm --recursive --force victim",
    "rm --recursive -f victim",
    "rm -r --fo victim",
    "rm --rec -f victim",
    "/bin/rm -fR victim",
  ]);
  expectFloor(RMRF, null, ["rm -f victim", "rm -R victim"]);
  const push = compile([{ tool: "run_bash", command: ["git push --force"], decision: "deny" }]);
  expectFloor(push, "deny", [
    "git push -f",
    "git push --force",
    "git push --force-with-lease",
    "git push -uf origin x",
  ]);
  expectFloor(push, null, ["git push origin x"]);
  const pushf = compile([{ tool: "run_bash", command: ["git push -f"], decision: "deny" }]);
  expectFloor(pushf, "deny", ["git push --force origin"]);
});

Deno.test("floors F4: options xargs supplies keep a deny floor on the command it runs", () => {
  expectFloor(RMRF, "deny", [
    "xargs rm < opts",
    "xargs -a opts rm",
    "echo '-rf victim' | xargs rm",
    "printf '%s\\0' -rf victim | xargs -0 rm",
    "xargs rm <<EOF\n-rf victim\nEOF",
  ]);
  expectFloor(RMRF, null, ["xargs cat < list"]);
});

Deno.test("floors: git -c settings that make a push a forced one meet a git push --force floor (red team 7, F10)", () => {
  const force = compile([{ tool: "run_bash", command: ["git push --force"], decision: "deny" }]);
  expectFloor(force, "deny", [
    "git -c remote.origin.mirror=true push",
    "git -c remote.origin.mirror push origin",
    "git -c remote.origin.push=+refs/heads/*:refs/heads/* push",
  ]);
  expectFloor(force, null, ["git push origin main", "git -c color.ui=never push origin main"]);
});
