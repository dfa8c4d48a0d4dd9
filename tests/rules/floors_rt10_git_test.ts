// Red team 10, J12 and J9: under a `secrets/**` deny floor, git commands that take paths or objects from stdin or
// from a file the gate does not read (checkout-index --stdin, update-index --index-info, hash-object --stdin-paths,
// cat-file --batch, unpack-objects, index-pack, fast-import, update-ref --stdin, --pathspec-from-file) and the
// commands that overwrite or delete the whole tree's files (clean -x/-X, stash -u/-a, reset --hard, checkout -f,
// checkout -- ., restore .) read, overwrite or delete floored files while the gate said allow. Judged on a real
// repository with the gate's own facts, as `serve` judges them.
import assert from "node:assert/strict";
import { DENY_MAY_APPLY, type evaluateRules } from "../../src/rules/engine.ts";
import { historyRepo } from "./_history_repo.ts";

const repo = () => historyRepo("se-rt10-git-");

function assertAsks(judge: (cmd: string) => ReturnType<typeof evaluateRules>, cmds: readonly string[]) {
  const wrong: string[] = [];
  for (const cmd of cmds) {
    const o = judge(cmd);
    if (o.floor !== "deny" && (o.floor !== "ask" || !o.rationale.includes(DENY_MAY_APPLY))) {
      wrong.push(`${cmd} -> ${o.floor}: ${o.rationale}`);
    }
  }
  assert.deepEqual(wrong, []);
}

function assertNoFloor(judge: (cmd: string) => ReturnType<typeof evaluateRules>, cmds: readonly string[]) {
  const wrong: string[] = [];
  for (const cmd of cmds) {
    const o = judge(cmd);
    if (o.floor !== null) wrong.push(`${cmd} -> ${o.floor}: ${o.rationale}`);
  }
  assert.deepEqual(wrong, []);
}

Deno.test("rt10 J12: git commands that take paths or objects from stdin or a file may apply under a path floor", () => {
  const { judge, done } = repo();
  try {
    assertAsks(judge, [
      "echo secrets/k | git checkout-index --stdin -f",
      "git checkout-index -f --stdin < list",
      "git update-index --index-info < list",
      "git update-index --stdin < list",
      "echo secrets/k | git hash-object --stdin-paths",
      "git hash-object -w --stdin-paths < list",
      "git cat-file --batch < ids",
      "git unpack-objects < pack",
      "git index-pack --stdin < pack",
      "git index-pack p.pack",
      "git fast-import < stream",
      "git update-ref --stdin < cmds",
      "git mktree < list",
      "git read-tree HEAD && git checkout-index -a -f",
      "git restore --pathspec-from-file=list",
      "git restore --pathspec-from-file list",
      "git add --pathspec-from-file=list",
      "git add --pathspec-from-file=- --pathspec-file-nul < list",
      "git checkout --pathspec-from-file=list",
      "git reset --pathspec-from-file=list",
      "git rm --pathspec-from-file=list",
      "git commit --pathspec-from-file=list -m x",
      "git stash push --pathspec-from-file=list",
    ]);
  } finally {
    done();
  }
});

Deno.test("rt10 J9: git commands that delete or overwrite the whole tree may apply under a path floor", () => {
  const { judge, done } = repo();
  try {
    assertAsks(judge, [
      "git clean -X -f",
      "git clean -x -f",
      "git clean -fdx",
      "git clean -fdX",
      "git clean -ffdx .",
      "git clean -fdx secrets",
      "git stash -a",
      "git stash --all",
      "git stash -u",
      "git stash push --include-untracked",
      "git stash push -u -- secrets",
      "git reset --hard",
      "git reset --hard HEAD~0",
      "git checkout -- .",
      "git checkout -f",
      "git checkout -f main",
      "git checkout HEAD -- secrets",
      "git restore .",
      "git restore secrets/k",
      "git restore --source=HEAD -- .",
      "git checkout .",
    ]);
    // ordinary work: no floor (a branch switch keeps local files; a clean without -x keeps ignored ones...)
    assertNoFloor(judge, [
      "git status",
      "git checkout -b topic",
      "git switch -c topic",
      "git stash list",
      "git clean -n",
      "git restore a",
      "git checkout -- a",
      "git reset HEAD a",
      "git reset --soft HEAD",
      "git checkout main",
      "git switch main",
      "git clean -fdx build",
      "git stash show -p -- a",
    ]);
  } finally {
    done();
  }
});
