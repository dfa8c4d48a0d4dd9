// A second set of red team 16's variants, written apart from the fix (floors_rt16_test.ts holds the first).
// Red team 16 (docs/redteam/16.md): under a `secrets/**` deny floor, a walker given no path operand read the folder
// it runs in (`grep -r TOP`, `rg TOP`, `find -type f`, `ls -R`: N3), and a subtree merge strategy wrote committed
// floored files under other names (`git cherry-pick -n --strategy-option=subtree=src/dup HEAD~1`: N1). The classes:
// a walker with no path operand names `.`; a merge strategy or strategy option is not known to leave paths alone.
// Judged on a real repository with the gate's own facts (RT14_ORDINARY stays clear: floors_rt14_git_test.ts).
import assert from "node:assert/strict";
import { DENY_MAY_APPLY, type evaluateRules } from "../../src/rules/engine.ts";
import { historyRepo } from "./_history_repo.ts";

type Outcome = ReturnType<typeof evaluateRules>;

function wrongOf(judge: (cmd: string) => Outcome, cmds: readonly string[], ok: (o: Outcome) => boolean): string[] {
  const wrong: string[] = [];
  for (const cmd of cmds) {
    const o = judge(cmd);
    if (!ok(o)) wrong.push(`${cmd} -> ${o.floor}: ${o.rationale}`);
  }
  return wrong;
}

const asks = (o: Outcome) => o.floor === "deny" || (o.floor === "ask" && o.rationale.includes(DENY_MAY_APPLY));
const clear = (o: Outcome) => o.floor === null;

/** N3: a program that reads or walks the command's folder when given no path operand. */
export const RT16_WALKS: readonly string[] = [
  "grep -r TOP",
  "grep -rh ^",
  "grep -r -e ''",
  "grep -d recurse TOP",
  "grep --directories=recurse TOP",
  "grep --recursive -e TOP",
  "grep --recur TOP",
  "grep -Rr TOP",
  "grep -R TOP",
  "grep -r TOP --include=k",
  "grep -r -Z TOP",
  "grep -r TOP --",
  "grep -rl TOP -- ",
  "grep -r -f pats",
  "grep -r -A 2 TOP",
  "egrep -r TOP",
  "fgrep -r TOP",
  "rgrep TOP",
  "rg TOP",
  "rg -uu TOP",
  "rg -e TOP",
  "rg --files",
  "ag TOP",
  "ack TOP",
  "find",
  "find -type f",
  "find -name k -print0",
  "find -L -type f",
  "ls -R",
  "ls -laR",
  "ls --recursive",
  "tree",
  "tree -a",
  "du -a",
  "du",
  // wrappers the judge unwraps
  "env grep -r TOP",
  "command grep -r TOP",
  "nice grep -r TOP",
  "timeout 5 grep -r TOP",
  "sh -c 'grep -r TOP'",
  "bash -c 'rg TOP'",
  "grep -r TOP | head",
  "true && find -type f",
  // a change of folder, arguments added at run time
  "cd src && grep -r TOP",
  "cd .. && grep -r TOP",
  "echo x | xargs grep -r TOP",
];

/** N1: a merge strategy or strategy option may write committed contents under other names. */
export const RT16_GIT: readonly string[] = [
  "git cherry-pick -n --strategy-option=subtree=src/dup HEAD~1",
  "git cherry-pick -n --strategy-option subtree=src/dup HEAD~1",
  "git cherry-pick -n -Xsubtree=src/dup HEAD~1",
  "git cherry-pick -n --strategy=subtree HEAD~1",
  "git cherry-pick -n --strategy subtree HEAD~1",
  "git merge -Xsubtree=src main",
  "git merge -X subtree=src main",
  "git merge --strategy-option=subtree=src/dup main",
  "git merge -s subtree main",
  "git merge -ssubtree main",
  "git merge -qs subtree main",
  "git merge --strategy=subtree main",
  "git merge --strat=subtree main",
  "git rebase --strategy-option=subtree=src main",
  "git rebase -Xsubtree=src main",
  "git rebase -s subtree main",
  "git revert -n --strategy-option=subtree=src/dup HEAD",
  "git revert -n --strategy=subtree HEAD",
  "git pull -Xsubtree=src/dup . main",
  "git pull -X subtree=src origin main",
  "git pull --strategy-option=subtree=src origin main",
  "git pull -s subtree origin main",
  "git -c pull.twohead=subtree pull origin main",
  // other options that write committed contents under other names
  "git read-tree --prefix=src/dup/ HEAD",
  "git checkout-index -a --prefix=src/dup/",
  "git archive --prefix=src/dup/ HEAD",
  "git apply --directory=src/dup x.diff",
  "git --work-tree=src/out checkout main",
];

/** Ordinary use that stays clear. */
export const RT16_ORDINARY: readonly string[] = [
  "grep -r x src",
  "grep -rn TODO src",
  "grep -r -e x src",
  "grep x a",
  "grep -n x a",
  "grep x",
  "grep -e x -- a",
  "ls",
  "ls -la",
  "ls -R src",
  "ls src",
  "find src -name k",
  "tree src",
  "du -sh src",
  "rg x src",
  "rg -e x src",
  "cat a | grep x",
  "git merge feature",
  "git merge --ff-only feature",
  "git merge --no-ff feature",
  "git cherry-pick abc",
  "git cherry-pick -n abc",
  "git rebase main",
  "git revert HEAD",
];

Deno.test("rt16 N3: a walker given no path operand names the command's folder", () => {
  const { judge, done } = historyRepo("se-rt16-w-");
  try {
    assert.deepEqual(wrongOf(judge, RT16_WALKS, asks), []);
  } finally {
    done();
  }
});

Deno.test("rt16 N1: git options that write committed contents under other names may apply", () => {
  const { judge, done } = historyRepo("se-rt16-g-");
  try {
    assert.deepEqual(wrongOf(judge, RT16_GIT, asks), []);
  } finally {
    done();
  }
});

Deno.test("rt16: ordinary use stays clear of a path floor", () => {
  const { judge, done } = historyRepo("se-rt16-o-");
  try {
    assert.deepEqual(wrongOf(judge, RT16_ORDINARY, clear), []);
  } finally {
    done();
  }
});
