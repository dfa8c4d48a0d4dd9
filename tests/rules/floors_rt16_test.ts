// Red team 16 (docs/redteam/16.md): under a `secrets/**` deny floor, N1: a merge strategy that moves committed
// contents under another folder (`git cherry-pick -n --strategy-option=subtree=src/dup HEAD~1`, `git merge -s
// subtree`) was asked without the floor; N2: a link into /proc or /dev/fd, judged on the host, led back into the
// workspace in the sandbox (`src/z -> /proc/1/cwd`, `cat src/z/secrets/k` allowed); N3: a reader with no path operand reads its folder (`grep -r TOP` printed
// `secrets/k` at allow). The classes: a strategy or strategy option that relocates paths may apply; a recursive
// reader or walker with no path operand names `.`. Judged on a real repository with the gate's own facts.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DENY_MAY_APPLY, type evaluateRules } from "../../src/rules/engine.ts";
import { historyRepo } from "./_history_repo.ts";

type Outcome = ReturnType<typeof evaluateRules>;

function wrongOf(judge: (cmd: string) => Outcome, cmds: readonly string[], ok: (o: Outcome) => boolean): string[] {
  return cmds.flatMap((cmd) => {
    const o = judge(cmd);
    return ok(o) ? [] : [`${cmd} -> ${o.floor}: ${o.rationale}`];
  });
}

const asks = (o: Outcome) => o.floor === "deny" || (o.floor === "ask" && o.rationale.includes(DENY_MAY_APPLY));
const clear = (o: Outcome) => o.floor === null;

/** N1 and its class: merge-family strategies that write committed contents under other names. */
const N1_LEAKS: readonly string[] = [
  "git cherry-pick -n --strategy-option=subtree=src/dup HEAD~1",
  "git cherry-pick -n --strategy-option subtree=src/dup HEAD~1",
  "git cherry-pick --strategy=subtree HEAD~1",
  "git merge -Xsubtree=src/dup topic",
  "git merge -X subtree=src/dup topic",
  "git merge -s subtree topic",
  "git merge -ssubtree topic",
  "git merge --strategy subtree topic",
  "git merge --strategy=subtree topic",
  "git merge -n -s subtree topic",
  "git merge -ns subtree topic",
  "git merge --strategy=$S topic",
  "git rebase --strategy-option=subtree=src/dup main",
  "git rebase -X subtree=src main",
  "git rebase -s subtree main",
  "git rebase -ms subtree main",
  "git cherry-pick -nXsubtree=src HEAD~1",
  "git revert -n --strategy-option=subtree=src/dup HEAD",
  "git revert --strategy subtree HEAD",
  "git merge -s frobnicate topic",
];

/** Strategies that keep every path where it is: clear, as before. */
const N1_ORDINARY: readonly string[] = [
  "git merge topic",
  "git merge -s ours topic",
  "git merge -X ours topic",
  "git merge -Xtheirs topic",
  "git merge --strategy=ort -X patience topic",
  "git merge --strategy-option=diff-algorithm=histogram topic",
  "git rebase -X theirs main",
  "git cherry-pick abc",
  "git cherry-pick -s abc",
  "git cherry-pick -X ours abc",
  "git revert -s HEAD",
  "git revert --no-edit HEAD",
  "git merge -m 'subtree fix' topic",
  "git cherry-pick -m 1 abc",
];

/** N3 and its class: a recursive reader or walker with no path operand reads its folder. */
const N3_LEAKS: readonly string[] = [
  "grep -r TOP",
  "grep -rh ^",
  "grep -r -e ''",
  "grep -d recurse TOP",
  "grep --directories=recurse TOP",
  "grep --recursive -e TOP",
  "grep -Rr TOP",
  "grep -R TOP",
  "grep -rl TOP --",
  "egrep -r TOP",
  "fgrep -r TOP",
  "rg TOP",
  "rg -uu TOP",
  "ag TOP",
  "find -type f",
  "find",
  "find -name k -exec cat {} +",
  "ls -R",
  "ls -laR",
  "tree",
  "du -a",
  "cd src && grep -r TOP",
  "env grep -r TOP",
  "timeout 5 grep -r TOP",
  "cat a | grep -r x",
  "fd k",
  "fd",
  "/usr/bin/grep -r TOP",
];

/** Readers with a path operand, or that do not walk: as before (clear, or asked by what they name). */
const N3_ORDINARY: readonly string[] = [
  "grep -r TOP a",
  "grep TOP a",
  "grep -r TOP src",
  "rg TOP a",
  "find a -name x",
  "ls",
  "ls -la",
  "ls -R a",
  "tree a",
  "du -sh a",
  "echo x | grep x",
  "git log --oneline | grep x",
];

Deno.test("rt16 N1: a merge strategy that moves paths may apply; the others stay clear", () => {
  const { judge, done } = historyRepo("se-rt16-n1-");
  try {
    assert.deepEqual(wrongOf(judge, N1_LEAKS, asks), []);
    assert.deepEqual(wrongOf(judge, N1_ORDINARY, clear), []);
  } finally {
    done();
  }
});

Deno.test("rt16 N3: a recursive reader with no path operand reads its folder; with a path it is judged by it", () => {
  const { judge, done } = historyRepo("se-rt16-n3-");
  try {
    assert.deepEqual(wrongOf(judge, N3_LEAKS, asks), []);
    assert.deepEqual(wrongOf(judge, N3_ORDINARY, clear), []);
  } finally {
    done();
  }
});

Deno.test("rt16 N2: a name through a link that leaves the workspace (into /proc, /dev/fd) may apply", () => {
  const { root, judge, done } = historyRepo("se-rt16-n2-");
  try {
    mkdirSync(join(root, "src"));
    writeFileSync(join(root, "src/a.txt"), "a\n");
    const links: Record<string, string> = {
      z: "/proc/self/cwd",
      y: "/proc/1/cwd",
      x: "/proc/2/cwd",
      w: "/proc/thread-self/cwd",
      v: "/dev/fd/../cwd",
      u: "/proc/self/root/proc/self/cwd",
      env: "/usr/bin/env",
      same: "a.txt",
    };
    for (const [name, target] of Object.entries(links)) Deno.symlinkSync(target, join(root, "src", name));
    const leaks = ["z", "y", "x", "w", "v", "u"].flatMap((l) => [
      `cat src/${l}/secrets/k`,
      `echo PWNED > src/${l}/secrets/k`,
      `cp src/a.txt src/${l}/secrets/k`,
      `grep -r TOP src/${l}/secrets`,
      `cat src/${l}/../ws/secrets/k`,
    ]);
    assert.deepEqual(wrongOf(judge, leaks, asks), []);
    // a link inside the workspace is judged by where it leads; a plain file name stays clear
    assert.deepEqual(wrongOf(judge, ["cat src/same", "cat src/a.txt", "ls src"], clear), []);
    // a link out to a system folder the sandbox shows as the host has it is judged where it leads: clear
    assert.deepEqual(wrongOf(judge, ["cat src/env"], clear), []);
  } finally {
    done();
  }
});
