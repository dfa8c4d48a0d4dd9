// Red team 9, H15: under a `secrets/**` deny floor, git's object database still holds every committed version of
// `secrets/k`, reachable by object ids, notes and replace refs (`git notes add -C <blob>` then plain `git log`;
// `git replace <blob of a> <blob of secrets/k>` then `git show HEAD:a`). Judged on a real repository with the
// gate's own facts (src/gate/_path_facts.ts), as `serve` judges them. And H13: jq's `$ ENV` (jq's lexer takes `$`
// and the name as two tokens) and awk's ENVIRON reached another way print the host's environment in hook mode.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Workspace } from "../../src/fileops/workspace.ts";
import { workspaceFacts } from "../../src/gate/_path_facts.ts";
import { DENY_MAY_APPLY, type evaluateRules } from "../../src/rules/engine.ts";
import { git, historyRepo } from "./_history_repo.ts";
import { uncontainedReads } from "../../src/rules/_reads.ts";
import { analyzeScript } from "../../src/rules/shell.ts";
import { lexicalWorkspacePath } from "../../src/rules/workspace_path.ts";

const repo = () => historyRepo("se-rt9-hist-");

function assertAsks(judge: (cmd: string) => ReturnType<typeof evaluateRules>, cmds: readonly string[]) {
  const wrong: string[] = [];
  for (const cmd of cmds) {
    const o = judge(cmd);
    if (o.floor !== "ask" || !o.rationale.includes(DENY_MAY_APPLY)) wrong.push(`${cmd} -> ${o.floor}: ${o.rationale}`);
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

Deno.test("rt9 H15: git commands that make an object show up elsewhere may apply under a path floor", () => {
  const { ids, judge, done } = repo();
  try {
    const { blob, a, commit, tree } = ids;
    assertAsks(judge, [
      // the red team's calls
      `git -c user.name=a -c user.email=b notes add -f -C ${blob}`,
      `git replace -f ${a} ${blob}`,
      `git tag -a t2 -m x ${blob} && git for-each-ref --format='%(contents)' refs/tags`,
      // the same class: notes, replace refs, refs, the index, trees of the floor's folder, abbreviated ids
      `git notes add -f -C ${blob.slice(0, 7)}`,
      `git notes append -C ${blob}`,
      `git notes add -m x && git log -1`,
      `git replace --graft ${commit}`,
      `git update-ref refs/notes/commits ${commit}`,
      `git update-ref refs/replace/${a} ${blob}`,
      `git symbolic-ref refs/notes/commits refs/heads/main`,
      `git update-index --cacheinfo 100644,${blob},a`,
      `git update-index --add --cacheinfo 100644 ${blob} b`,
      `git commit-tree ${tree} -m x`,
      `git mktree < list`,
      `git tag t ${blob}`,
      `git checkout ${tree} -- .`,
      `git checkout HEAD:secrets -- .`,
      `git restore --source=HEAD:secrets k`,
      `git restore --source=${tree} k`,
      `git reset -q ${tree} -- k`,
      `git --config-env=core.notesRef=X log -1`,
      `git fetch . refs/heads/main:refs/notes/commits`,
      `git push . ${commit}:refs/replace/${a}`,
      `git push . ${tree}:refs/tags/t`,
      `git push . +${blob}:refs/tags/t`,
      `git fetch . ${tree}:refs/tags/t`,
      `git log --notes=refs/heads/main -1`,
      `git log --show-notes=refs/heads/x -1`,
      `git -c core.notesRef=refs/heads/main log -1`,
      `git config core.notesRef refs/heads/main`,
      `git fast-import < stream`,
      `git filter-branch --tree-filter true HEAD`,
    ]);
  } finally {
    done();
  }
});

Deno.test("rt9 H15: ordinary git commands keep no floor in a repository without notes or replace refs", () => {
  const { ids, judge, done } = repo();
  try {
    assertNoFloor(judge, [
      "git status",
      "git status --short",
      // (plain `git diff` prints the working tree's changes, protected files' too: it asks, as before)
      "git diff --stat",
      "git log --oneline",
      "git log -1",
      "git log --oneline -5",
      `git log --oneline ${ids.commit}`,
      `git log ${ids.commit.slice(0, 7)} -1`,
      "git ls-tree -r HEAD",
      "git rev-parse HEAD",
      `git rev-parse ${ids.commit}`,
      "git show HEAD:a",
      "git branch -a",
      "git add a",
      "git commit -m 'fix deadbeef 1234'",
      "git switch -c feature",
      "git checkout -b feature",
      `git cherry-pick ${ids.commit}`,
      "git reset --soft HEAD~1",
      "git reset HEAD a",
      "git push origin main:main",
      "git push -u origin feature",
      "git pull --rebase origin main",
      "git fetch origin",
    ]);
  } finally {
    done();
  }
});

Deno.test("rt9 H15: in a repository that holds notes or replace refs, every git command may apply", () => {
  for (const make of ["notes", "replace", "packed"] as const) {
    const { root, ids, judge, done } = repo();
    try {
      if (make === "notes") git(root, "notes", "add", "-f", "-C", ids.blob);
      else if (make === "replace") git(root, "replace", "-f", ids.a, ids.blob);
      else {
        git(root, "notes", "add", "-f", "-C", ids.blob);
        git(root, "pack-refs", "--all");
        rmSync(join(root, ".git/refs/notes"), { recursive: true, force: true });
      }
      // the red team's readers: plain `git log` prints the note, `git show HEAD:a` the replacement
      assertAsks(judge, ["git log -1", "git show HEAD:a", "git status", "git log --oneline", "git cat-file -p HEAD:a"]);
      assertNoFloor(judge, ["cat a", "ls"]);
    } finally {
      done();
    }
  }
});

Deno.test("rt9 H15: a linked worktree's notes are looked up in its common git folder", () => {
  const { root, ids, done } = repo();
  const wt = mkdtempSync(join(tmpdir(), "se-rt9-wt-"));
  try {
    rmSync(wt, { recursive: true });
    git(root, "worktree", "add", "-q", wt);
    git(root, "notes", "add", "-f", "-C", ids.blob);
    const facts = workspaceFacts(Workspace.open(wt));
    assert.equal(facts.gitRepository(), true);
    assert.equal(facts.gitHistoryRefs?.(), "the repository holds refs/notes");
    assert.equal(workspaceFacts(Workspace.open(root)).gitHistoryRefs?.(), "the repository holds refs/notes");
  } finally {
    rmSync(wt, { recursive: true, force: true });
    done();
  }
});

Deno.test("rt9 H13: jq's `$ ENV` with whitespace or a comment, and awk's ENVIRON another way, are not lowered", () => {
  const why = (s: string) => uncontainedReads(analyzeScript(s), (t) => lexicalWorkspacePath(t));
  const wrong: string[] = [];
  for (
    const s of [
      "jq -n '$ ENV'",
      "jq -n '$\tENV'",
      "jq -n '$\nENV'",
      "jq -n '$#x\nENV'",
      "jq -n '$ ENV.HOME'",
      `jq -rn '$ ENV|to_entries[]|.key+"="+.value'`,
      "jq -n '$ __loc__'",
      "jq -n '[env][0]'",
      "gojq -n '$ ENV'",
      "yq -n '$ ENV'",
      `gawk 'BEGIN{print SYMTAB["ENV" "IRON"]["HOME"]}'`,
      `awk 'BEGIN{print ENVIRON ["HOME"]}'`,
    ]
  ) {
    const r = why(s);
    if (r === null || !/environment/.test(r)) wrong.push(`${s}: ${r}`);
  }
  assert.deepEqual(wrong, []);
  assert.notEqual(why("perl -e 'print $ ENV{HOME}'"), null);
  assert.equal(why("jq . package.json"), null);
  assert.equal(why("jq -n '$x' --arg x 1"), null);
  assert.equal(why("awk '{print $1}' README.md"), null);
});
