// Red team 14 (docs/redteam/14.md): under a `secrets/**` deny floor, git printed or copied the floored file through
// options and subcommands the floors did not know: `git status -v` and `git log --check` (M1, M2), a work tree moved
// elsewhere (`git --work-tree=src/out checkout master`, M3), `difftool`, `add -p`, `merge-tree` (M4) and
// `pack-objects` (M5). The class: a git command's options and subcommand are judged against what is known to print
// no file contents, and anything else may apply unless a pathspec limits it. Judged on a real repository with the
// gate's own facts.
import assert from "node:assert/strict";
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { DENY_MAY_APPLY, type evaluateRules } from "../../src/rules/engine.ts";
import { git, historyRepo } from "./_history_repo.ts";

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

/** What red team 14 ran (and the same class around it): each must at least ask as a floor. */
export const RT14_LEAKS: readonly string[] = [
  // M1: status -v prints the staged and unstaged diff
  "git status -v",
  "git status -vv",
  "git status --verbose --verbose",
  "git status --verbose",
  "git status -sv",
  "git status --verb",
  "git -c core.pager=cat -c pager.status=true status -vv",
  "git commit -v",
  "git commit --dry-run -v",
  // M2: --check prints every line with a whitespace error
  "git log --check",
  "git log --check --format=%h",
  "git log --check --all",
  "git log --format=%h --check",
  "git whatchanged --check",
  "git reflog --check",
  "git show --stat --check",
  "git diff --stat --check",
  "git diff --name-only --check",
  // M3: a work tree elsewhere receives every tracked file
  "git --work-tree=src/out checkout -q master",
  "git --work-tree src/out checkout main",
  "git --work-tree=src/empty add -A",
  "git --work-tree=src status -vv",
  "git -c core.worktree=src/out checkout main",
  "GIT_WORK_TREE=src/out git checkout main",
  "git --git-dir=.git --work-tree=src/out reset -q main",
  "export GIT_WORK_TREE=src/out; git checkout main",
  "declare -x GIT_WORK_TREE=src/out && git checkout main",
  "set -a; GIT_WORK_TREE=src/out; git checkout main",
  "GIT_INDEX_FILE=src/i git checkout main",
  "env GIT_DIR=.git GIT_WORK_TREE=src/out git checkout main",
  "git --git-dir=.git checkout main",
  "git worktree add src/x main",
  "git clone . src/x",
  "git bundle create b.b HEAD -- a",
  "git config core.worktree src/out",
  "git config set core.worktree src/out",
  "git config alias.st 'show HEAD:secrets/k'",
  "git config commit.verbose true",
  "git config --blob HEAD:a --list",
  "git for-each-ref --format='%(raw)'",
  "git branch --format='%(contents)'",
  // a patch file names the paths it renames (`rename from secrets/k`), not the script
  "git apply x.diff",
  "git apply --index x.diff",
  // M4: programs and interactive modes that print diffs
  "git difftool -y -x cat HEAD~1",
  "git difftool --extcmd=cat HEAD",
  "git difftool -y HEAD",
  "git add -p",
  "git add --patch",
  "git add -i",
  "git add -e",
  "git checkout -p",
  "git restore -p",
  "git reset -p",
  "git stash -p",
  "git commit -p",
  "git commit --interactive",
  "git merge-tree HEAD~1 HEAD~1 HEAD",
  "git merge-tree --write-tree main main",
  "git merge-tree main main a",
  "git request-pull -p HEAD . HEAD",
  // M5: object readers that hand out packs and archives
  "git pack-objects --stdout --all",
  "git pack-objects --revs --stdout",
  "git upload-pack .",
  "git upload-archive .",
  "git fsck --lost-found",
  // subcommands the gate does not know (an alias in the repository's config, a new git command)
  "git st",
  "git frobnicate",
];

/** Ordinary git use under a path floor: it must stay clear of the floor. */
export const RT14_ORDINARY: readonly string[] = [
  "git status",
  "git status -s",
  "git status -sb",
  "git status --short --branch",
  "git status --porcelain",
  "git status --porcelain=v2 --branch",
  "git status -uno",
  "git status --untracked-files=no",
  "git status --ignored",
  "git status -v -- a",
  "git log --oneline",
  "git log --oneline -5",
  "git log -n 3 --format=%h",
  "git log --graph --decorate --all --oneline",
  "git log --stat",
  "git log --name-only",
  "git log --author=x --since=2.weeks",
  "git log -1 --pretty=format:%s",
  "git log --format '%h: %s'",
  "git log --check -- a",
  "git log -p -- a",
  "git shortlog -sn",
  "git rev-list --count HEAD",
  "git rev-parse HEAD",
  "git rev-parse --abbrev-ref HEAD",
  "git rev-parse --show-toplevel",
  "git branch",
  "git branch -a",
  "git branch -vv",
  "git branch --show-current",
  "git branch -d old",
  "git branch new",
  "git checkout -b topic",
  "git checkout main",
  "git switch -c topic",
  "git switch main",
  "git add a",
  "git add -p -- a",
  "git commit -m x",
  "git commit -am x",
  "git commit --amend --no-edit",
  "git push",
  "git push origin main",
  "git push -u origin topic",
  "git pull",
  "git pull --rebase",
  "git fetch",
  "git fetch origin",
  "git remote -v",
  "git stash list",
  "git tag",
  "git tag -l",
  "git diff --stat",
  "git diff --name-only",
  "git diff -- a",
  "git diff HEAD -- a",
  "git diff --check -- a",
  "git show --stat HEAD",
  "git show -s --format=%s HEAD",
  "git blame a",
  "git ls-files",
  "git init",
  "git config user.name x",
  "git config --get user.name",
  "git merge topic",
  "git rebase main",
  "git describe --tags",
  "git clean -n",
  "git rm a",
  "git mv a b",
  "git restore a",
  "git restore --staged a",
  "git reset HEAD a",
  "git reset --soft HEAD~1",
  "git --no-pager log --oneline -3",
  "git --version",
  "git -C src status --short",
  "git -c color.ui=never status",
  "git apply --stat x.diff",
  "git format-patch -1 -- a",
  "git cat-file -p HEAD:a",
  "git grep TODO -- a",
  "git config pull.rebase true",
  "git config --list",
];

Deno.test("rt14: git options and subcommands that print or copy file contents may apply", () => {
  const { judge, done } = historyRepo("se-rt14-m-");
  try {
    assert.deepEqual(wrongOf(judge, RT14_LEAKS, asks), []);
  } finally {
    done();
  }
});

Deno.test("rt14: ordinary git use stays clear of a path floor", () => {
  const { judge, done } = historyRepo("se-rt14-o-");
  try {
    assert.deepEqual(wrongOf(judge, RT14_ORDINARY, clear), []);
  } finally {
    done();
  }
});

Deno.test("rt14 M3: a work tree or alias the repository's config sets may apply to every git command", () => {
  const { root, judge, done } = historyRepo("se-rt14-c-");
  try {
    assert.equal(judge("git checkout main").floor, null);
    mkdirSync(join(root, "src"));
    git(root, "config", "core.worktree", join(root, "src"));
    assert.deepEqual(wrongOf(judge, ["git checkout main", "git status", "git log --oneline"], asks), []);
  } finally {
    done();
  }
});

Deno.test("rt14: a persisted alias is judged as an unknown subcommand", () => {
  const { root, judge, done } = historyRepo("se-rt14-a-");
  try {
    appendFileSync(join(root, ".git", "config"), "[alias]\n\tst = show HEAD:secrets/k\n");
    assert.ok(asks(judge("git st")), judge("git st").rationale);
  } finally {
    done();
  }
});
