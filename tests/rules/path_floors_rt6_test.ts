// Red team 6: path floors missed hard links, link-following readers and non-UTF-8 names left in the workspace
// (F4), and git's pathspec magic and history printed without a pathspec (F6). Judged on a real workspace with the
// gate's own facts (src/gate/_path_facts.ts), as `serve` judges them.
import assert from "node:assert/strict";
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Workspace } from "../../src/fileops/workspace.ts";
import { DENY_MAY_APPLY } from "../../src/rules/engine.ts";
import { compile, workspaceJudge } from "./_floors.ts";

// repro/floor.jsonc of red team 6
const FLOOR = compile([
  { tool: "run_bash", command: ["rm -rf", "sudo", "curl"], decision: "deny" },
  { tool: "*", path: ["secrets/**"], decision: "deny" },
]);
// a pattern without a literal folder cannot be listed cheaply
const ANYWHERE = compile([{ tool: "*", path: ["*.key"], decision: "deny" }]);

function workspace(): { ws: Workspace; at: (p: string) => string; done: () => void } {
  const ws = Workspace.open(mkdtempSync(join(tmpdir(), "se-rt6-")));
  const at = (p: string) => join(ws.root, p);
  mkdirSync(at("secrets"));
  writeFileSync(at("secrets/k"), "TOPSECRET\n");
  writeFileSync(at("README"), "hi\n");
  mkdirSync(at("src"));
  writeFileSync(at("src/a.ts"), "export {};\n");
  return { ws, at, done: () => rmSync(ws.root, { recursive: true, force: true }) };
}

/** Run a bash script in the workspace (names with bytes that are not UTF-8: Deno's node:fs cannot make them). */
function sh(ws: Workspace, script: string): void {
  const r = new Deno.Command("bash", { args: ["-c", script], cwd: ws.root, stderr: "piped" }).outputSync();
  assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
}

function judge(ws: Workspace, rules = FLOOR) {
  return workspaceJudge(rules, ws);
}

Deno.test("rt6 F4: a hard link to a protected file is protected for every reader", () => {
  const { ws, at, done } = workspace();
  try {
    linkSync(at("secrets/k"), at("hard"));
    mkdirSync(at("deep/a"), { recursive: true });
    linkSync(at("secrets/k"), at("deep/a/h2"));
    linkSync(at("README"), at("readme2")); // a hard link, but not to a protected file
    const run = judge(ws);
    for (
      const cmd of [
        "cat hard",
        "base64 hard",
        "sed -n p hard",
        "tail hard",
        "awk 1 hard",
        "od -c hard",
        "strings hard",
        "cat < hard",
        "head -c9 README hard",
        "cat deep/a/h2",
        "cat ./deep/../hard",
      ]
    ) {
      const o = run(cmd);
      assert.equal(o.floor, "deny", `${cmd}: ${o.rationale}`);
    }
    // a recursive reader meets the hard link inside the folder
    for (
      const cmd of ["grep -r TOPSECRET deep", "grep -rn TOPSECRET -- deep", "cp -r deep out", "tar -cf x.tar deep"]
    ) {
      const o = run(cmd);
      assert.equal(o.floor, "deny", `${cmd}: ${o.rationale}`);
    }
    for (const cmd of ["cat readme2", "cat README", "grep -rn TODO src", "wc -l src/a.ts"]) {
      assert.equal(run(cmd).floor, null, cmd);
    }
  } finally {
    done();
  }
});

Deno.test("rt6 F4: with a pattern that cannot be listed, a file with other hard links may be protected", () => {
  const { ws, at, done } = workspace();
  try {
    writeFileSync(at("src/id.key"), "KEY\n");
    linkSync(at("src/id.key"), at("innocent.txt"));
    const run = judge(ws, ANYWHERE);
    const o = run("cat innocent.txt");
    assert.equal(o.floor, "ask", o.rationale);
    assert.match(o.rationale, new RegExp(DENY_MAY_APPLY));
    assert.match(o.rationale, /hard link/);
    assert.equal(run("cat README").floor, null);
  } finally {
    done();
  }
});

Deno.test("rt6 F4: readers that follow links into a folder meet the floor through the link", () => {
  const { ws, at, done } = workspace();
  try {
    mkdirSync(at("sub"));
    symlinkSync("../secrets", at("sub/up"));
    mkdirSync(at("deep/a"), { recursive: true });
    symlinkSync("../../secrets/k", at("deep/a/l2"));
    symlinkSync("secrets", at("dlnk"));
    const run = judge(ws);
    for (
      const cmd of [
        "grep -R TOPSECRET sub",
        "grep -R TOPSECRET -- sub",
        "grep -Rn TOPSECRET sub",
        "grep --dereference-recursive TOPSECRET sub",
        "grep -R TOPSECRET deep",
        "find -L sub -type f",
        "find sub -follow -type f",
        "ls -LR sub",
        "ls -R -L sub",
        "du -L sub",
        "tree -l sub",
        "cp -rL sub out",
        "cp -RL sub out",
        "tar -chf x.tar sub",
        "tar chf x.tar sub",
        "tar --dereference -cf x.tar sub",
        "rsync -rL sub out",
        "rsync -a --copy-links sub out",
        "diff -r sub deep",
        "zip -r x.zip sub",
        "rg -L TOPSECRET sub",
        "cat dlnk/k",
        "cat sub/up/k",
      ]
    ) {
      const o = run(cmd);
      assert.equal(o.floor, "deny", `${cmd}: ${o.rationale}`);
    }
    // a glob through the link is only known at run time: at least ask
    assert.equal(run("cat sub/*/k").floor, "ask");
    // readers that do not follow links below the folder they are given
    for (const cmd of ["grep -r TOPSECRET sub", "ls -R sub", "find sub -type f", "du sub", "cp -r sub out"]) {
      assert.equal(run(cmd).floor, null, `${cmd}: ${run(cmd).rationale}`);
    }
    assert.equal(run("grep -R TODO src").floor, null);
  } finally {
    done();
  }
});

Deno.test("rt6 F4: a link walk too large, or through a name that is not UTF-8, may apply", () => {
  const { ws, at, done } = workspace();
  try {
    mkdirSync(at("big"));
    sh(ws, "cd big && touch f{0..5099}");
    sh(ws, `mkdir -p "odd/$(printf 'b\\377')"`);
    const run = judge(ws);
    for (
      const [cmd, why] of [["grep -R x big", /more than 5000 entries/], ["grep -R x odd", /not valid UTF-8/]] as const
    ) {
      const o = run(cmd);
      assert.equal(o.floor, "ask", `${cmd}: ${o.rationale}`);
      assert.match(o.rationale, why);
    }
  } finally {
    done();
  }
});

Deno.test("rt6 F4: a name that is not valid UTF-8 is never looked up under another name", () => {
  const { ws, done } = workspace();
  try {
    sh(ws, `ln -s secrets "$(printf 'bad\\377dir')" && ln -s secrets/k "$(printf 'k\\377')"`);
    const run = judge(ws);
    for (
      const cmd of [
        "cat $'bad\\xffdir/k'",
        "cat $'bad\\377dir'/k",
        "cat $'k\\xff'",
        "cat $'k\\377'",
        "grep -r TOPSECRET $'bad\\xffdir/'",
        "echo OVERWRITTEN > $'k\\xff'",
        "cat < $'k\\xff'",
        "cat $'k\\xc3'",
      ]
    ) {
      const o = run(cmd);
      assert.notEqual(o.floor, null, `${cmd}: ${o.rationale}`);
      assert.match(o.rationale, /not valid UTF-8|only known at run time/, cmd);
    }
    // valid UTF-8 escapes stay literal
    assert.equal(run("cat $'R\\x45ADME'").floor, null);
    assert.equal(run("cat $'\\xc3\\xa9t\\xc3\\xa9'").floor, null);
    assert.equal(run("cat $'secrets/\\x6b'").floor, "deny");
  } finally {
    done();
  }
});

function repo(): ReturnType<typeof workspace> {
  const w = workspace();
  const git = (...args: string[]) => {
    const r = new Deno.Command("git", {
      args: ["-c", "user.email=o@p", "-c", "user.name=op", ...args],
      cwd: w.ws.root,
      stdout: "null",
      stderr: "piped",
    }).outputSync();
    assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
  };
  git("init", "-q", ".");
  git("add", "-A");
  git("commit", "-qm", "init");
  return w;
}

Deno.test("rt6 F6: every git pathspec magic is read as git reads it, or the floor may apply", () => {
  const { ws, done } = repo();
  try {
    const run = judge(ws);
    for (
      const cmd of [
        "git log -p -- ':!README'",
        "git log -p -- ':^README'",
        "git log -p -- ':(exclude)README'",
        "git log -p -- ':(top,exclude)README'",
        "git log -p -- ':!/README'",
        "git log -p -- ':(top)'",
        "git log -p -- ':/'",
        "git log -p -- ''",
        "git log -p -- .",
        "git show HEAD -- ':!x'",
        "git diff HEAD~1 -- ':!x'",
        "git log -p -- ':(glob)secret*/*'",
        "git log -p -- ':(icase)SECRETS/K'",
        "git log -p -- ':(attr:diff)'",
        "git log -p -- ':(prefix:0)secrets'",
        "git log -p -- ':(bogus)x'",
        "git log -p -- ':(top'",
        "git log -p -- ':#x'",
        "git log -p -- 'secret?/k'",
        "git log -p -- 'secret\\s/k'",
        "git --glob-pathspecs log -p -- 'secrets'",
        "git --icase-pathspecs log -p -- 'SECRETS'",
        "git log -p ':!README'",
        "git log -p -- src ':!README' ':(top)secrets'",
      ]
    ) {
      const o = run(cmd);
      assert.notEqual(o.floor, null, `${cmd}: ${o.rationale}`);
    }
    for (
      const cmd of [
        "git log -p -- ':(top)secrets/k'",
        "git log -p -- ':/secrets/k'",
        "git log -p -- '::secrets/k'",
        "git log -p -- ':(literal)secrets/k'",
        "git --literal-pathspecs log -p -- 'secrets/k'",
        "git show HEAD:secrets/k",
        "git show :secrets/k",
      ]
    ) {
      const o = run(cmd);
      assert.equal(o.floor, "deny", `${cmd}: ${o.rationale}`);
    }
    // an exclude names nothing it reads, and what the includes select is judged on its own
    for (
      const cmd of [
        "git log -p -- src ':!src/a.ts'",
        "git log -p -- ':(top)src'",
        "git log -p -- ':(literal)README'",
        "git --literal-pathspecs log -p -- ':!README'",
      ]
    ) {
      const o = run(cmd);
      assert.equal(o.floor, null, `${cmd}: ${o.rationale}`);
    }
  } finally {
    done();
  }
});

Deno.test("rt6 F6: git printing contents from history without a pathspec may meet the floor", () => {
  const { ws, done } = repo();
  try {
    const run = judge(ws);
    for (
      const cmd of [
        "git show",
        "git show HEAD",
        "git show HEAD~1",
        "git --no-pager show HEAD",
        "git show 3b18e512dba79e4c8300dd08aeb37f8e728b8dad",
        "git show v1 -- README",
        "git show --stat 3b18e512",
        "git log -p",
        "git log --all -p",
        "git log -U3",
        "git log --word-diff",
        "git log -S TOPSECRET",
        "git log -G TOP",
        "git log -p --full-diff -- README",
        "git whatchanged -p",
        "git reflog -p",
        "git diff",
        "git diff HEAD~1 HEAD",
        "git diff --cached",
        "git diff-tree -p HEAD",
        "git cat-file -p 3b18e512",
        "git cat-file blob 3b18e512",
        "git cat-file --batch",
        "git archive HEAD",
        "git archive --format=tar HEAD",
        "git grep TOPSECRET",
        "git grep TOPSECRET HEAD",
        "git stash show -p",
        "git stash show",
        "git stash list -p",
        "git format-patch -1 --stdout",
        "git fast-export --all",
        "git worktree add w",
        // an option's value that names a file is no pathspec
        "git grep -f README",
        "git format-patch -o src HEAD~1",
        "git show -s 3b18e512",
        "git archive --output README HEAD",
      ]
    ) {
      const o = run(cmd);
      assert.equal(o.floor, "ask", `${cmd}: ${o.rationale}`);
      assert.match(o.rationale, new RegExp(DENY_MAY_APPLY), cmd);
    }
    for (
      const cmd of [
        "git status",
        "git log --oneline",
        "git log --stat",
        "git log -5 --format=%s",
        "git show --stat HEAD",
        "git show -s HEAD",
        "git show HEAD -- README",
        "git show HEAD~2 -- src",
        "git show HEAD:README",
        "git diff --stat",
        "git diff -- README",
        "git diff README",
        "git diff HEAD~1 -- src",
        "git log -p -- README",
        "git grep TODO -- src",
        "git grep TODO src",
        "git grep -n TODO src",
        "git diff --cached README",
        "git cat-file -t 3b18e512",
        "git cat-file -p HEAD:README",
        "git ls-files",
        "git rev-parse HEAD",
        "git blame README",
      ]
    ) {
      const o = run(cmd);
      assert.equal(o.floor, null, `${cmd}: ${o.rationale}`);
    }
  } finally {
    done();
  }
});

Deno.test("rt6 F6: without a repository, git prints nothing from history", () => {
  const { ws, done } = workspace();
  try {
    const run = judge(ws);
    for (const cmd of ["git show HEAD", "git log -p", "git cat-file -p 3b18e512"]) {
      assert.equal(run(cmd).floor, null, cmd);
    }
    assert.equal(run("git log -p -- ':!README'").floor, "ask"); // the whole tree, as a pathspec
  } finally {
    done();
  }
});
