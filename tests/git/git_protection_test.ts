/**
 * Git's files wherever `.git` points: the discovery (`_gitdirs.ts`), the index scan for submodule entries
 * (`_gitindex.ts`, against indexes written by the real git), the file tools' refusals (`_protected.ts`) and the
 * sandbox's views (`_gitview.ts`: what a call may change reaches the host only as git's data, validated). The same
 * protections are attacked end to end through the server in tests/attack/isolation_test.ts.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { inspectGit, parseGitConfigPaths } from "../../src/git/dirs.ts";
import { scanGitlinks } from "../../src/git/gitlinks.ts";
import { GitViews } from "../../src/isolation/process/_gitview.ts";
import { checkProtected } from "../../src/fileops/git_protected.ts";
import { git, tmp } from "./_repo.ts";

function repo(): string {
  const ws = tmp("se-git-");
  git(ws, "init", "-q", "-b", "main");
  git(ws, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "one");
  return ws;
}

function refused(fn: () => void, re = /git reads it/): void {
  assert.throws(fn, (e: unknown) => {
    assert.equal((e as { code?: string }).code, "path_outside_workspace");
    assert.match((e as Error).message, re);
    return true;
  });
}

Deno.test("scanGitlinks reads the gitlinks of real indexes (versions 2, 3 and 4)", () => {
  const ws = repo();
  try {
    writeFileSync(join(ws, "a.txt"), "a");
    mkdirSync(join(ws, "deep", "er"), { recursive: true });
    writeFileSync(join(ws, "deep", "er", "b.txt"), "b");
    git(ws, "add", "a.txt", "deep");
    const head = git(ws, "rev-parse", "HEAD").trim();
    git(ws, "update-index", "--add", "--cacheinfo", `160000,${head},deep/sub`);
    git(ws, "update-index", "--add", "--cacheinfo", `160000,${head},zz`);
    for (const version of ["2", "3", "4"]) {
      git(ws, "update-index", "--index-version", version);
      if (version === "3") {
        writeFileSync(join(ws, "ita.txt"), "x");
        git(ws, "add", "-N", "ita.txt"); // intent-to-add: an extended flag
      }
      const scan = scanGitlinks(readFileSync(join(ws, ".git", "index")));
      assert.ok(scan.ok, `version ${version}: ${!scan.ok && scan.reason}`);
      assert.deepEqual([...scan.gitlinks].sort(), ["deep/sub", "zz"], `version ${version}`);
    }
    assert.equal(scanGitlinks(new TextEncoder().encode("garbage")).ok, false);
  } finally {
    rmSync(ws, { recursive: true });
  }
});

Deno.test("parseGitConfigPaths: hooksPath, fsmonitor, includes, object format; sections and quoting", () => {
  const c = parseGitConfigPaths(
    '[core]\n\thooksPath = .husky\n\tfsmonitor = "./tools/fsm.sh"  ; comment\n[Include]\n\tpath = one.cfg\n' +
      '[includeIf "gitdir:/x/"]\n\tpath = "two words.cfg"\n[extensions]\n\tobjectFormat = sha256\n\tworktreeConfig\n' +
      '[core "sub"]\n\thooksPath = not-this\n',
  );
  assert.deepEqual(c.hooksPath, [".husky"]);
  assert.deepEqual(c.fsmonitor, ["./tools/fsm.sh"]);
  assert.deepEqual(c.includes, ["one.cfg", "two words.cfg"]);
  assert.equal(c.objectFormat, "sha256");
  assert.equal(c.worktreeConfig, true);
});

Deno.test("inspectGit: a .git folder, its commondir, a hooks symlink, core.hooksPath and includes", () => {
  const ws = repo();
  try {
    mkdirSync(join(ws, "common"));
    writeFileSync(join(ws, ".git", "commondir"), "../common\n");
    rmSync(join(ws, ".git", "hooks"), { recursive: true });
    mkdirSync(join(ws, "myhooks"));
    symlinkSync("../myhooks", join(ws, ".git", "hooks"));
    mkdirSync(join(ws, ".husky"));
    writeFileSync(join(ws, "extra.cfg"), "[core]\n");
    writeFileSync(join(ws, ".git", "config"), "[core]\n\thooksPath = .husky\n[include]\n\tpath = ../extra.cfg\n", {
      flag: "a",
    });
    const info = inspectGit(ws, [ws]);
    assert.equal(info.refuse, null);
    assert.deepEqual(info.gitDirs, [join(ws, ".git"), join(ws, "common")]);
    const pins = info.pins.map((p) => p.path).sort();
    assert.deepEqual(pins, [join(ws, ".husky"), join(ws, "extra.cfg"), join(ws, "myhooks")]);
    for (const t of [join(ws, ".git"), join(ws, "common"), join(ws, "myhooks"), join(ws, ".husky")]) {
      assert.ok(info.trees.includes(t), t);
    }
  } finally {
    rmSync(ws, { recursive: true });
  }
});

Deno.test("inspectGit: refuses a .git symlink, a dangling protected link and a missing hooksPath", () => {
  const ws = tmp("se-git-");
  try {
    symlinkSync("/nonexistent/x", join(ws, ".git"));
    assert.match(inspectGit(ws, [ws]).refuse ?? "", /"\.git" is a symlink \(to "\/nonexistent\/x"\)/);
    rmSync(join(ws, ".git"));
    mkdirSync(join(ws, ".git"));
    writeFileSync(join(ws, ".git", "HEAD"), "ref: refs/heads/main\n");
    symlinkSync("../nothere", join(ws, ".git", "hooks"));
    assert.match(inspectGit(ws, [ws]).refuse ?? "", /which does not exist/);
    rmSync(join(ws, ".git", "hooks"));
    writeFileSync(join(ws, ".git", "config"), "[core]\n\thooksPath = .husky\n");
    const husky = inspectGit(ws, [ws]);
    assert.equal(husky.refuse, null);
    assert.deepEqual(husky.pins.filter((p) => p.create).map((p) => p.path), [join(ws, ".husky")], "made, then pinned");
    writeFileSync(join(ws, ".git", "config"), "[include]\n\tpath = ../extra.cfg\n");
    assert.match(inspectGit(ws, [ws]).refuse ?? "", /an include in .* names "extra\.cfg", which does not exist/);
    writeFileSync(join(ws, ".git", "config"), "[core]\n\thooksPath = /usr/share/hooks\n");
    assert.equal(inspectGit(ws, [ws]).refuse, null, "a hooks folder the sandbox cannot write is the host's business");
  } finally {
    rmSync(ws, { recursive: true });
  }
});

Deno.test("inspectGit: a .git file's gitdir and the .git of each submodule in the index", () => {
  const ws = tmp("se-git-");
  try {
    git(ws, "init", "-q", "--separate-git-dir", join(ws, ".store"));
    git(ws, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "one");
    mkdirSync(join(ws, "sub"));
    writeFileSync(join(ws, "sub", ".git"), "gitdir: ../planted\n");
    mkdirSync(join(ws, "planted"));
    const head = git(ws, "rev-parse", "HEAD").trim();
    git(ws, "update-index", "--add", "--cacheinfo", `160000,${head},sub`);
    const info = inspectGit(ws, [ws]);
    assert.equal(info.refuse, null);
    assert.deepEqual(info.gitDirs, [join(ws, ".store")]);
    assert.deepEqual(info.gitlinks, ["sub"]);
    const pins = info.pins.map((p) => p.path).sort();
    assert.deepEqual(pins, [join(ws, ".git"), join(ws, "planted"), join(ws, "sub", ".git")]);
  } finally {
    rmSync(ws, { recursive: true });
  }
});

Deno.test("checkProtected: the file tools never touch git's files, judged by real paths", () => {
  const ws = repo();
  try {
    mkdirSync(join(ws, "myhooks"));
    rmSync(join(ws, ".git", "hooks"), { recursive: true });
    symlinkSync("../myhooks", join(ws, ".git", "hooks"));
    mkdirSync(join(ws, "src"));
    symlinkSync(".git", join(ws, "alias"));
    for (
      const path of [
        ".git/commondir",
        ".git/config",
        ".git/index",
        ".git/modules/x/config",
        ".GIT/config",
        "src/.git",
        "src/.git/config",
        "myhooks/pre-commit",
        "alias/config",
        ".git/hooks/pre-commit",
      ]
    ) {
      refused(() => checkProtected(ws, "write_file", { path, content: "x" }));
      refused(() => checkProtected(ws, "append_file", { path, content: "x" }));
    }
    writeFileSync(join(ws, "f.txt"), "x");
    refused(() => checkProtected(ws, "copy_file", { src: "f.txt", dst: ".git/config" }));
    mkdirSync(join(ws, "dst"));
    writeFileSync(join(ws, "dst", "x"), "");
    checkProtected(ws, "copy_file", { src: "f.txt", dst: "dst" });
    refused(() => checkProtected(ws, "delete_dir", { path: "myhooks" }));
    refused(() => checkProtected(ws, "delete_file", { path: ".git/HEAD" }));
    checkProtected(ws, "delete_file", { path: "alias" }); // a symlink itself may always go
    checkProtected(ws, "write_file", { path: "src/main.ts", content: "x" });
    checkProtected(ws, "delete_dir", { path: "src" });
    checkProtected(ws, "read_file", { path: ".git/config" });
  } finally {
    rmSync(ws, { recursive: true });
  }
});

Deno.test("checkProtected: a .git symlink may be deleted (never its target); a .git file may not", () => {
  const ws = tmp("se-git-");
  try {
    mkdirSync(join(ws, "real"));
    symlinkSync("real", join(ws, ".git"));
    checkProtected(ws, "delete_file", { path: ".git" });
    refused(() => checkProtected(ws, "write_file", { path: "real/config", content: "x" }));
    rmSync(join(ws, ".git"));
    writeFileSync(join(ws, ".git"), "gitdir: real\n");
    refused(() => checkProtected(ws, "delete_file", { path: ".git" }));
  } finally {
    rmSync(ws, { recursive: true });
  }
});

/** Where a view is: the source of the mount whose destination is the git dir. */
function viewOf(mounts: { src: string; dest: string }[], gitDir: string): string {
  const m = mounts.find((x) => x.dest === gitDir);
  assert.ok(m, `a view is mounted at ${gitDir}`);
  return m.src;
}

Deno.test("GitViews: data flows back, configuration never does; a gitlink or a bad HEAD is kept out", () => {
  const ws = repo();
  const state = tmp("se-git-");
  const views = new GitViews(state);
  try {
    const g = join(ws, ".git");
    const call = views.prepare([ws], []);
    const v = viewOf(call.mounts, g);
    const modes = Object.fromEntries(
      call.mounts.filter((m) => m.dest !== g).map((m) => [m.dest.slice(g.length + 1), m.mode]),
    );
    // objects/, refs/, logs/ are the view's own (private copies; the host's objects/ read-only beside them)
    assert.equal(modes.objects, undefined);
    assert.equal(modes.refs, undefined);
    assert.equal(modes.logs, undefined);
    assert.equal(modes[".safe-exec-objects"], "ro");
    assert.ok(existsSync(join(v, "refs", "heads", "main")), "refs are copied in");
    assert.deepEqual(modes.config, "ro");
    assert.deepEqual(modes.hooks, "ro");
    assert.deepEqual(modes.info, "ro");
    assert.equal(readFileSync(join(v, "HEAD"), "utf8"), "ref: refs/heads/main\n", "data files are copied in");
    // "the sandbox" writes into the view
    writeFileSync(join(v, "HEAD"), "ref: refs/heads/feature\n");
    writeFileSync(join(v, "ORIG_HEAD"), git(ws, "rev-parse", "HEAD"));
    writeFileSync(join(v, "commondir"), "../evil\n");
    mkdirSync(join(v, "modules", "x"), { recursive: true });
    writeFileSync(join(v, "modules", "x", "config"), "[core]\n\tfsmonitor = evil\n");
    assert.match(call.finish().join("\n"), /"commondir", "modules" added to \.git by this call were removed/);
    assert.ok(!existsSync(join(v, "commondir")) && !existsSync(join(v, "modules")), "nor kept in the view (F1)");
    assert.equal(readFileSync(join(g, "HEAD"), "utf8"), "ref: refs/heads/feature\n");
    assert.ok(existsSync(join(g, "ORIG_HEAD")));
    assert.ok(!existsSync(join(g, "commondir")) && !existsSync(join(g, "modules")));
    // the next call: a bad HEAD and an index with a new gitlink stay in the view
    const call2 = views.prepare([ws], []);
    const v2 = viewOf(call2.mounts, g);
    assert.ok(!existsSync(join(v2, "commondir")), "what a call added is not there for the next (red team 5, F1)");
    writeFileSync(join(v2, "HEAD"), "../../../etc/passwd\n");
    const other = repo();
    const head = git(other, "rev-parse", "HEAD").trim();
    git(other, "update-index", "--add", "--cacheinfo", `160000,${head},planted`);
    writeFileSync(join(v2, "index"), readFileSync(join(other, ".git", "index")));
    rmSync(other, { recursive: true });
    const notes = call2.finish().join("\n");
    assert.match(notes, /HEAD was not copied back to the host: it is not a ref/);
    assert.match(notes, /index was not copied back to the host: it adds submodule entries \("planted"\)/);
    assert.equal(readFileSync(join(g, "HEAD"), "utf8"), "ref: refs/heads/feature\n");
    assert.ok(!git(ws, "ls-files", "-s").includes("160000"));
    // a host lock is respected
    const call3 = views.prepare([ws], []);
    writeFileSync(join(viewOf(call3.mounts, g), "HEAD"), "ref: refs/heads/main\n");
    writeFileSync(join(g, "HEAD.lock"), "");
    assert.match(call3.finish().join("\n"), /holds .*HEAD\.lock/);
    rmSync(join(g, "HEAD.lock"));
  } finally {
    views.close();
    rmSync(ws, { recursive: true });
    rmSync(state, { recursive: true });
  }
});

Deno.test("GitViews: without .git, a private view whose repository reaches the host with data only", () => {
  const ws = tmp("se-git-");
  const state = tmp("se-git-");
  const views = new GitViews(state);
  try {
    const call = views.prepare([ws], []);
    const v = viewOf(call.mounts, join(ws, ".git"));
    assert.ok(lstatSync(join(ws, ".git")).isDirectory(), "its mount point");
    assert.deepEqual(call.finish(), []);
    assert.ok(!existsSync(join(ws, ".git")), "an unused mount point is removed");
    // a call that runs git init (simulated in the view: the real git, pointed at it)
    const call2 = views.prepare([ws], []);
    const v2 = viewOf(call2.mounts, join(ws, ".git"));
    assert.notEqual(v2, undefined);
    spawnSync("git", ["init", "-q", "-b", "main", "--bare", v2], {
      env: { PATH: "/usr/bin:/bin", HOME: "/nonexistent" },
    });
    writeFileSync(join(v2, "config"), "[core]\n\tbare = false\n\tfsmonitor = /tmp/evil\n");
    writeFileSync(join(v2, "hooks", "pre-commit"), "#!/bin/sh\nevil\n");
    const notes = call2.finish().join("\n");
    assert.match(notes, /copied to the host with its data only/);
    const config = readFileSync(join(ws, ".git", "config"), "utf8");
    assert.ok(!config.includes("fsmonitor") && config.includes("bare = false"), config);
    assert.ok(!existsSync(join(ws, ".git", "hooks")));
    assert.equal(readFileSync(join(ws, ".git", "HEAD"), "utf8"), "ref: refs/heads/main\n");
    void v;
  } finally {
    views.close();
    rmSync(ws, { recursive: true });
    rmSync(state, { recursive: true });
  }
});

Deno.test("GitViews: what the sandbox adds to a view is kept within a budget, and dropped past it", () => {
  const ws = repo();
  const state = tmp("se-git-");
  const views = new GitViews(state, 10_000);
  try {
    const g = join(ws, ".git");
    const call = views.prepare([ws], []);
    const v = viewOf(call.mounts, g);
    mkdirSync(join(v, "rebase-merge"));
    writeFileSync(join(v, "rebase-merge", "todo"), "pick 1\n");
    assert.deepEqual(call.finish(), []);
    const call2 = views.prepare([ws], []);
    const v2 = viewOf(call2.mounts, g);
    assert.ok(existsSync(join(v2, "rebase-merge", "todo")), "kept for the next call");
    writeFileSync(join(v2, "big"), new Uint8Array(20_000));
    assert.match(call2.finish().join("\n"), /grew past 10000 bytes and was dropped/);
    assert.ok(!existsSync(join(v2, "big")) && !existsSync(join(v2, "rebase-merge")));
    assert.ok(existsSync(join(v2, "HEAD")), "git's data stays");
  } finally {
    views.close();
    rmSync(ws, { recursive: true });
    rmSync(state, { recursive: true });
  }
});
