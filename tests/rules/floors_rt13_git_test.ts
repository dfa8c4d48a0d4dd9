// Red team 13, L3: under a `secrets/**` deny floor, `git show <tree-id>:k` (the tree id of `secrets/`, taken from
// `git log --raw -t`) prints `secrets/k`: git reads `<rev>:<path>` as `path` inside the tree `rev` names, which is the
// commit's root tree only when `rev` names a commit. A revision that may name another tree (an object id, full or
// abbreviated, with or without suffixes; a tag or any ref that is not a branch; a ref or HEAD the agent wrote into
// the git folder by hand) makes a path floor "may apply". Judged on a real repository with the gate's own facts.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DENY_MAY_APPLY, type evaluateRules } from "../../src/rules/engine.ts";
import { git, historyRepo } from "./_history_repo.ts";

function wrongOf(
  judge: (cmd: string) => ReturnType<typeof evaluateRules>,
  cmds: readonly string[],
  ok: (o: ReturnType<typeof evaluateRules>) => boolean,
): string[] {
  const wrong: string[] = [];
  for (const cmd of cmds) {
    const o = judge(cmd);
    if (!ok(o)) wrong.push(`${cmd} -> ${o.floor}: ${o.rationale}`);
  }
  return wrong;
}

const asks = (o: ReturnType<typeof evaluateRules>) =>
  o.floor === "deny" || (o.floor === "ask" && o.rationale.includes(DENY_MAY_APPLY));

Deno.test("rt13 L3: <rev>:<path> where rev may name a tree other than a commit's root may apply", () => {
  const { root, ids, judge, done } = historyRepo("se-rt13-l3-");
  try {
    git(root, "tag", "tt", ids.tree);
    git(root, "tag", "v1");
    const t = ids.tree;
    const s = t.slice(0, 8);
    assert.deepEqual(
      wrongOf(judge, [
        `git show ${t}:k`,
        `git show ${s}:k`,
        `git show ${t.slice(0, 4)}:k`,
        `git show ${s}^{tree}:k`,
        `git show ${s}^{}:k`,
        `git show ${s}~0:k`,
        `git show -s --format= ${s}:k`,
        `git cat-file -p ${s}:k`,
        `git cat-file blob ${s}:k`,
        `git ls-tree ${s}:`,
        `git diff ${s}:k ${ids.a}`,
        `git grep TOP ${s}:`,
        `git archive ${s}: k`,
        `git restore --source=${s}: k`,
        `git checkout ${s}: -- k`,
        `git blame ${s}:k`,
        "git show tt:k",
        "git show tt^{tree}:k",
        "git cat-file -p refs/tags/tt:k",
        "git show v1:a",
        "git show FETCH_HEAD:k",
        "git show @{u}:k",
        "git show origin/main:k",
        "git --no-pager show tt:k",
        // the tree a command reads its paths from, named by a tag or an id
        "git checkout tt -- k",
        "git restore --source=tt k",
        "git restore -s tt k",
        "git restore -stt k",
        "git reset tt -- k",
        "git diff tt -- k",
        "git diff-index tt -- k",
        `git checkout ${s} -- k`,
        "git read-tree --prefix=x/ tt",
        "git grep TOP tt -- k",
        "git grep -e TOP tt -- k",
        "git archive tt k",
        "git merge-tree tt tt tt",
        "git restore --source tt k",
        "git checkout tt k",
      ], asks),
      [],
    );
    // HEAD and a branch name their commit's root tree: the path is read as written
    assert.deepEqual(
      wrongOf(judge, [
        "git show HEAD:secrets/k",
        "git show main:secrets/k",
        "git show HEAD~0:secrets/k",
        "git show HEAD^{tree}:secrets/k",
        "git cat-file -p HEAD:secrets/k",
      ], (o) => o.floor === "deny"),
      [],
    );
    assert.deepEqual(
      wrongOf(judge, [
        "git show HEAD:a",
        "git show main:a",
        "git show HEAD~1:a",
        "git show main^:a",
        "git show HEAD@{1}:a",
        "git show HEAD^{tree}:a",
        "git cat-file -p HEAD:a",
        "git log --format=%h:%s",
        "git push origin main:main",
        "git commit -m 'fix: a'",
        "git show --stat HEAD",
        "git checkout main -- a",
        "git checkout HEAD~1 -- a",
        "git restore --source=HEAD~1 a",
        "git restore -s main a",
        "git checkout -b topic",
        "git checkout -b topic main",
        "git diff main -- a",
        "git diff HEAD~1..main -- a",
        "git reset HEAD a",
        "git reset main -- a",
        "git checkout feature",
        "git checkout --track origin/feature",
        "git reset v1",
        "git restore gone.txt",
        "git grep -C 3 TODO main -- a",
        "git log --grep 'fix: a' -- a",
        "git log --format '%h: %s'",
        "git blame -L 1,2 a",
      ], (o) => o.floor === null),
      [],
    );
  } finally {
    done();
  }
});

Deno.test("rt13 L3: a name that is a tag as well as a branch, or a ref file in the git folder, may apply", () => {
  const { root, ids, judge, done } = historyRepo("se-rt13-l3b-");
  try {
    git(root, "branch", "b");
    git(root, "tag", "b", ids.tree);
    writeFileSync(join(root, ".git", "x"), `${ids.tree}\n`);
    assert.deepEqual(
      wrongOf(judge, [
        "git show b:k",
        "git show x:k",
        // the agent writes a tree id into a branch, HEAD or packed-refs by hand, then shows `main:k`
        `echo ${ids.tree} > .git/refs/heads/main`,
        `echo ${ids.tree} > .git/HEAD`,
        `printf '%s refs/heads/t\\n' ${ids.tree} >> .git/packed-refs`,
        "cp f .git/refs/heads/t",
        "tee .git/ORIG_HEAD < f",
        "echo x > sub/.git/refs/heads/main",
        // another folder, git folder or ref namespace: its branches are not the workspace's
        "git --namespace=x show main:k",
        "git --git-dir=sub/.git show main:k",
        "git -C sub show main:k",
        "git -C src show HEAD:./k",
        "git -C src show :./k",
        "git checkout -p b",
        "git reset -p b",
      ], asks),
      [],
    );
  } finally {
    done();
  }
});

Deno.test("rt13 L3: branches and tags are read from packed-refs too", () => {
  const { root, ids, judge, done } = historyRepo("se-rt13-l3c-");
  try {
    git(root, "tag", "tt", ids.tree);
    git(root, "pack-refs", "--all");
    assert.deepEqual(wrongOf(judge, ["git show tt:k", "git show refs/tags/tt:k"], asks), []);
    assert.equal(judge("git show main:a").floor, null);
    assert.equal(judge("git show main:secrets/k").floor, "deny");
  } finally {
    done();
  }
});
