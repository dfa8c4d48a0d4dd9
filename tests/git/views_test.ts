/**
 * The parts of git's protection that red-team report 1 led to: the repository walk (`scan.ts`), the files hooks
 * hand over to (`delegates.ts`), the pinned ancestors (`_gitpins.ts`), copy-back through a descriptor pinned before
 * the call (`_gitview_io.ts`, `_gitview.ts`), disabling what a call made (`_gitnew.ts`), and the file tools'
 * refusal of bare-repository shapes (`git_protected.ts`). End to end through the server: tests/attack/git_test.ts.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { RepoScanner } from "../../src/git/scan.ts";
import { hookDelegates } from "../../src/git/delegates.ts";
import { inspectGit } from "../../src/git/dirs.ts";
import { withAncestors } from "../../src/isolation/process/_gitpins.ts";
import { GitViews } from "../../src/isolation/process/_gitview.ts";
import { checkProtected } from "../../src/fileops/git_protected.ts";
import { git, tmp } from "./_repo.ts";

Deno.test("RepoScanner: .git entries at any depth and bare shapes; no symlink followed; changes never missed", () => {
  const ws = tmp("se-gitv-");
  const other = tmp("se-gitv-");
  try {
    git(ws, "init", "-q");
    git(ws, "init", "-q", "a/b/c");
    mkdirSync(join(ws, "bare", "objects"), { recursive: true });
    mkdirSync(join(ws, "bare", "refs"));
    writeFileSync(join(ws, "bare", "HEAD"), "ref: refs/heads/main\n");
    mkdirSync(join(other, "x", ".git"), { recursive: true });
    symlinkSync(other, join(ws, "link"));
    const s = new RepoScanner();
    const first = s.scan(ws);
    assert.deepEqual(first.entries, [join(ws, "a/b/c/.git")]);
    assert.deepEqual(first.bare, [join(ws, "bare")]);
    // a new repository deep in a folder the cache knows, made right away (same clock tick), is found
    mkdirSync(join(ws, "a", "b", "d"));
    writeFileSync(join(ws, "a", "b", "d", ".git"), "gitdir: ../../../bare\n");
    assert.deepEqual(s.scan(ws).entries, [join(ws, "a/b/c/.git"), join(ws, "a/b/d/.git")]);
    // a folder swapped for another of the same name is read again
    renameSync(join(ws, "a", "b"), join(ws, "b-old"));
    mkdirSync(join(ws, "a", "b"));
    assert.deepEqual(s.scan(ws).entries, [join(ws, "b-old/c/.git"), join(ws, "b-old/d/.git")]);
    assert.equal(new RepoScanner(2).scan(ws).truncated, true);
  } finally {
    rmSync(ws, { recursive: true });
    rmSync(other, { recursive: true });
  }
});

Deno.test("RepoScanner: git's is_git_directory shapes (red team 6, F0): objects and refs need only access(X_OK)", () => {
  const ws = tmp("se-gitv-");
  try {
    const shape = (dir: string, script: string) => {
      mkdirSync(join(ws, dir));
      const r = spawnSync("sh", ["-c", script], { cwd: join(ws, dir) });
      assert.equal(r.status, 0, `${dir}: ${r.stderr}`);
    };
    const head = "echo 'ref: refs/heads/main' > HEAD";
    shape("exec-files", `${head}; touch objects refs; chmod 700 objects refs`);
    shape("other-x-only", `${head}; touch objects refs; chmod 001 objects refs`);
    shape("link-head", "ln -s refs/heads/main HEAD; touch objects refs; chmod +x objects refs");
    shape("fifos", `${head}; mkfifo -m 711 objects refs`);
    shape("dangling-links", `${head}; ln -s /nonexistent/o objects; ln -s /nonexistent/r refs`);
    shape("commondir", `${head}; echo ../x > commondir`);
    shape("hash-head", "echo 0123456789012345678901234567890123456789 > HEAD; mkdir objects refs");
    // not repositories to git: plain data files, a HEAD folder, a missing refs
    shape("data-files", `${head}; touch objects refs; chmod 644 objects refs`);
    shape("head-dir", "mkdir HEAD objects refs");
    shape("no-refs", `${head}; mkdir objects`);
    const found = new RepoScanner().scan(ws).bare.map((b) => b.slice(ws.length + 1));
    assert.deepEqual(found, [
      "commondir",
      "dangling-links",
      "exec-files",
      "fifos",
      "hash-head",
      "link-head",
      "other-x-only",
    ]);
    // what the scanner takes for a repository, the host's git does too (a HEAD file, executable files)
    const r = spawnSync("git", ["rev-parse", "--git-dir"], {
      cwd: join(ws, "exec-files"),
      encoding: "utf8",
      env: { PATH: "/usr/bin:/bin", HOME: "/nonexistent", GIT_CONFIG_NOSYSTEM: "1" },
    });
    assert.equal(r.stdout.trim(), ".", `git does not see exec-files as a repository: ${r.stderr}`);
  } finally {
    rmSync(ws, { recursive: true });
  }
});

Deno.test("RepoScanner: names are bytes; a name this runtime cannot name fails closed (red team 6, F0b)", () => {
  const ws = tmp("se-gitv-");
  try {
    const r = spawnSync("sh", ["-c", "d=$(printf 'bad\\377dir')/r; mkdir -p \"$d/.git\" && echo ok"], { cwd: ws });
    assert.equal(r.status, 0, String(r.stderr));
    const s = new RepoScanner().scan(ws);
    assert.deepEqual(s.entries, []);
    const bytesNamed = s.unnamed.length > 0;
    if (bytesNamed) {
      // Bun, Node: the name's bytes are kept and the repository below is found by them
      assert.deepEqual(s.unnamed.map((u) => [u.kind, u.shown]), [["entry", `${ws}/bad\\xffdir/r/.git`]]);
      assert.deepEqual([...s.unnamed[0]!.bytes.subarray(ws.length + 1)], [
        ...new TextEncoder().encode("bad"),
        0xff,
        ...new TextEncoder().encode("dir/r/.git"),
      ]);
    } else {
      // Deno's node:fs decodes names (U+FFFD): the folder cannot be named, and the walk says it was cut short
      assert.ok(s.cutShort.some((c) => /not UTF-8/.test(c)), JSON.stringify(s));
    }
  } finally {
    spawnSync("rm", ["-rf", ws]);
  }
});

Deno.test("RepoScanner: a repository nested past PATH_MAX is found, or the walk says it was cut short", () => {
  const ws = tmp("se-gitv-");
  try {
    const long = "d".repeat(200);
    const py = `import os\nfor i in range(25):\n    os.mkdir("${long}"); os.chdir("${long}")\nos.mkdir(".git")\n`;
    const r = spawnSync("python3", ["-c", py], { cwd: ws });
    assert.equal(r.status, 0, String(r.stderr));
    const s = new RepoScanner().scan(ws);
    if (s.cutShort.length > 0) {
      // Deno without --allow-all refuses /proc/self/fd paths: the walk then says it was cut short (fail closed)
      assert.match(s.cutShort[0]!, /cannot be looked at|cannot be listed/);
      assert.deepEqual(s.unnamed, []);
      return;
    }
    // found by bytes through descriptors (Bun), or by its text where the runtime takes such a path (Deno -A)
    const lengths = [...s.unnamed.map((u) => u.bytes.length), ...s.entries.map((e) => e.length)];
    assert.deepEqual(lengths, [ws.length + 25 * 201 + 5], JSON.stringify(s).slice(0, 300));
  } finally {
    spawnSync("rm", ["-rf", ws]);
  }
});

Deno.test("RepoScanner: a walk cut at its bound has looked at every shallow folder, and at the edge's own .git", () => {
  const ws = tmp("se-gitv-");
  try {
    // 30 folders of 50 under big/ (1,531 folders), repositories at the top (walked last depth first: "zzz" pops
    // first, so "aaa" came after big/ in the old order), at the second level and at the third (past the bound).
    for (let i = 0; i < 30; i++) {
      for (let j = 0; j < 50; j++) mkdirSync(join(ws, "big", `${i}`, `${j}`), { recursive: true });
    }
    for (const d of ["aaa", "zzz", "big/0", "big/29/49", "big/15/7"]) {
      mkdirSync(join(ws, d, ".git"), { recursive: true });
    }
    mkdirSync(join(ws, "big", "29", "48", "objects"));
    mkdirSync(join(ws, "big", "29", "48", "refs"));
    writeFileSync(join(ws, "big", "29", "48", "HEAD"), "ref: refs/heads/main\n");
    const s = new RepoScanner(400).scan(ws);
    assert.equal(s.truncated, true);
    assert.equal(s.dirs, 400);
    const rel = (p: string) => p.slice(ws.length + 1);
    assert.deepEqual(s.entries.map(rel), ["aaa/.git", "big/0/.git", "big/15/7/.git", "big/29/49/.git", "zzz/.git"]);
    assert.deepEqual(s.bare.map(rel), ["big/29/48"]);
    assert.equal(s.cutShort.length, 1, s.cutShort.join("\n"));
    assert.match(s.cutShort[0]!, /stopped at 400 folders: 1134 folders below were not walked/);
    assert.match(s.cutShort[0]!, /do not run the host's git inside them/);
    // a second bound: the edge looks at four times the bound's folders at most
    const t = new RepoScanner(40).scan(ws);
    assert.match(t.cutShort[0]!, /not even that/);
    for (const e of ["aaa/.git", "big/0/.git", "zzz/.git"]) assert.ok(t.entries.map(rel).includes(e), e);
  } finally {
    rmSync(ws, { recursive: true });
  }
});

Deno.test("RepoScanner: symlink loops are not followed; the walk is not cut short by them", () => {
  const ws = tmp("se-gitv-");
  try {
    mkdirSync(join(ws, "l", "a", "r", ".git"), { recursive: true });
    symlinkSync("..", join(ws, "l", "a", "up"));
    symlinkSync(".", join(ws, "l", "self"));
    symlinkSync("loop2", join(ws, "l", "loop1"));
    symlinkSync("loop1", join(ws, "l", "loop2"));
    const s = new RepoScanner().scan(ws);
    assert.deepEqual(s.entries, [join(ws, "l/a/r/.git")]);
    assert.deepEqual(s.cutShort, []);
    assert.equal(s.dirs, 4);
  } finally {
    rmSync(ws, { recursive: true });
  }
});

Deno.test("GitViews: a walk cut short refuses process calls until it is fixed; byte names are never viewed", () => {
  const ws = tmp("se-gitv-");
  const state = tmp("se-gitv-");
  const views = new GitViews(state);
  try {
    const r = spawnSync("sh", ["-c", 'd=$(printf \'op\\377\')/r; mkdir -p "$d" && git init -q "$d"'], { cwd: ws });
    assert.equal(r.status, 0, String(r.stderr));
    assert.throws(() => views.prepare([ws], []), (e: Error & { code?: string }) => {
      assert.equal(e.code, "sandbox_unavailable");
      assert.match(e.message, /op\\x(ff|\?\?)|not UTF-8/);
      return true;
    });
    spawnSync("sh", ["-c", "rm -rf op*"], { cwd: ws });
    const call = views.prepare([ws], []);
    call.finish();
  } finally {
    views.close();
    spawnSync("rm", ["-rf", ws, state]);
  }
});

Deno.test("GitViews: a repository the walk could not see when its call ended is disabled once it can", () => {
  const ws = tmp("se-gitv-");
  const state = tmp("se-gitv-");
  const views = new GitViews(state);
  try {
    const call = views.prepare([ws], []);
    const r = spawnSync("sh", ["-c", 'd=$(printf \'ag\\377\')/r; mkdir -p "$d" && git init -q "$d"'], { cwd: ws });
    assert.equal(r.status, 0, String(r.stderr));
    const notes = call.finish();
    // Bun: disabled by its bytes now; Deno: cut short (refused) until the folder can be named
    spawnSync("sh", ["-c", "mv ag* fixed"], { cwd: ws });
    const next = views.prepare([ws], []);
    const later = next.finish();
    assert.ok(!existsSync(join(ws, "fixed", "r", ".git")), [...notes, ...later].join("\n"));
    assert.ok(readdirSync(join(ws, "fixed", "r")).some((n) => n.startsWith(".git.safe-exec-disabled-")));
  } finally {
    views.close();
    spawnSync("rm", ["-rf", ws, state]);
  }
});

Deno.test("GitViews: a repository made inside a .git a call made is disabled in the same walk", () => {
  const ws = tmp("se-gitv-");
  const state = tmp("se-gitv-");
  const views = new GitViews(state);
  try {
    const call = views.prepare([ws], []);
    git(ws, "init", "-q", "sub");
    git(join(ws, "sub", ".git"), "init", "-q", "--bare", "inner");
    const notes = call.finish();
    const disabled = readdirSync(join(ws, "sub")).find((n) => n.startsWith(".git.safe-exec-disabled-"));
    assert.ok(disabled, notes.join("\n"));
    assert.ok(!existsSync(join(ws, "sub", disabled, "inner", "HEAD")), notes.join("\n"));
    views.prepare([ws], []).finish();
  } finally {
    views.close();
    rmSync(ws, { recursive: true });
    rmSync(state, { recursive: true });
  }
});

Deno.test("hookDelegates: husky's scripts, pre-commit's --config, lefthook's configs", () => {
  const ws = tmp("se-gitv-");
  try {
    mkdirSync(join(ws, "hooks"));
    writeFileSync(join(ws, "hooks", "pre-commit"), "#!/bin/sh\nARGS=(hook-impl --config=ci/pc.yaml)\n# pre-commit\n");
    writeFileSync(join(ws, "hooks", "pre-push"), "#!/bin/sh\nlefthook run pre-push\n");
    writeFileSync(join(ws, "hooks", "post-merge.sample"), "lefthook\n");
    const d = hookDelegates(ws, [join(ws, "hooks"), join(ws, ".husky", "_")]).map((x) => x.path);
    assert.ok(d.includes(join(ws, ".husky")));
    assert.ok(d.includes(join(ws, "ci", "pc.yaml")));
    assert.ok(d.includes(join(ws, "lefthook.yml")) && d.includes(join(ws, ".lefthook")));
    assert.ok(!d.includes(join(ws, ".pre-commit-config.yaml")));
    // inspectGit: an existing delegate is pinned, a missing one watched
    git(ws, "init", "-q");
    writeFileSync(join(ws, ".git", "hooks", "pre-commit"), "pre-commit hook-impl\n");
    writeFileSync(join(ws, ".pre-commit-config.yaml"), "repos: []\n");
    writeFileSync(join(ws, ".git", "hooks", "pre-push"), "lefthook\n");
    const info = inspectGit(ws, [ws]);
    assert.ok(info.pins.some((p) => p.path === join(ws, ".pre-commit-config.yaml")));
    assert.ok(info.watch.some((p) => p.path === join(ws, "lefthook.yml")));
    assert.ok(info.trees.includes(join(ws, "lefthook.yml")));
  } finally {
    rmSync(ws, { recursive: true });
  }
});

Deno.test("withAncestors: nothing inside a read-only pin or a view is bound writable again", () => {
  const out = withAncestors(
    [
      { mode: "ro", src: "/ws/.husky", dest: "/ws/.husky" },
      { mode: "ro", src: "/ws/.husky/_/x", dest: "/ws/.husky/_/x" },
      { mode: "rw", src: "/v/1", dest: "/ws/a/.git" },
      { mode: "ro", src: "/ws/a/.git/modules/m/config", dest: "/ws/a/.git/modules/m/config" },
      { mode: "ro", src: "/out/x", dest: "/out/x/y" },
    ],
    ["/ws"],
  );
  assert.deepEqual(out.map((m) => `${m.mode} ${m.dest}`), [
    "rw /ws/a",
    "ro /ws/.husky",
    "rw /ws/a/.git",
    "ro /out/x/y",
    "ro /ws/.husky/_/x",
    "ro /ws/a/.git/modules/m/config",
  ]);
});

Deno.test("GitViews: copy-back never goes through an ancestor swapped for a symlink during the call", () => {
  const base = tmp("se-gitv-");
  const state = tmp("se-gitv-");
  const ws = join(base, "ws");
  const outside = join(base, "outside");
  mkdirSync(join(ws, "meta"), { recursive: true });
  mkdirSync(outside);
  const views = new GitViews(state);
  try {
    git(ws, "init", "-q", `--separate-git-dir=${join(ws, "meta", "repo")}`);
    const call = views.prepare([ws], []);
    const view = call.mounts.find((m) => m.dest === join(ws, "meta", "repo"))!.src;
    assert.ok(call.mounts.some((m) => m.dest === join(ws, "meta") && m.src === m.dest), "meta is pinned");
    // What a process could do without the pin: the call writes data files, then swaps the parent.
    writeFileSync(join(view, "FETCH_HEAD"), "* * * * * root touch /tmp/pwn\n");
    writeFileSync(join(view, "description"), "X\n");
    renameSync(join(ws, "meta"), join(ws, "meta.old"));
    mkdirSync(join(ws, "meta"));
    symlinkSync(outside, join(ws, "meta", "repo"));
    const notes = call.finish();
    assert.deepEqual(readdirSync(outside), [], JSON.stringify(notes));
  } finally {
    views.close();
    rmSync(base, { recursive: true });
    rmSync(state, { recursive: true });
  }
});

Deno.test("GitViews: a repository a call made is disabled after it; one the call left alone is kept", async () => {
  const ws = tmp("se-gitv-");
  const state = tmp("se-gitv-");
  const views = new GitViews(state);
  try {
    git(ws, "init", "-q", "old");
    await new Promise((r) => setTimeout(r, 1100)); // the file system clock's second (Deno: whole seconds)
    const call = views.prepare([ws], []);
    git(ws, "init", "-q", "new"); // as the sandboxed process would
    mkdirSync(join(ws, "b", "objects"), { recursive: true });
    mkdirSync(join(ws, "b", "refs"));
    writeFileSync(join(ws, "b", "HEAD"), "ref: refs/heads/main\n");
    const notes = call.finish();
    assert.ok(existsSync(join(ws, "old", ".git")), notes.join("\n"));
    assert.ok(!existsSync(join(ws, "new", ".git")) && !existsSync(join(ws, "b", "HEAD")), notes.join("\n"));
    assert.equal(notes.filter((n) => /renamed to/.test(n)).length, 2, notes.join("\n"));
    assert.ok(readdirSync(join(ws, "new")).some((n) => n.startsWith(".git.safe-exec-disabled-")));
    // the next call protects the old one (its git dir is a view)
    const next = views.prepare([ws], []);
    assert.ok(next.mounts.some((m) => m.dest === join(ws, "old", ".git") && m.src !== m.dest));
    next.finish();
  } finally {
    views.close();
    rmSync(ws, { recursive: true });
    rmSync(state, { recursive: true });
  }
});

/** Whether `chattr +i` works in a temporary folder here (root on ext4 and the like), else why not. */
function immutableSkip(): string | null {
  const d = tmp("se-gitv-");
  try {
    const r = spawnSync("chattr", ["+i", d], { encoding: "utf8" });
    if (r.status !== 0) return `chattr +i does not work here (${(r.stderr ?? String(r.error)).trim()})`;
    spawnSync("chattr", ["-i", d]);
    return null;
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
}
const IMMUTABLE_SKIP = immutableSkip();
if (IMMUTABLE_SKIP) console.log(`skipping the immutable-folder test: ${IMMUTABLE_SKIP}`);

Deno.test({
  name: "GitViews: a repository whose .git cannot be renamed is disabled from inside (HEAD, config aside)",
  ignore: IMMUTABLE_SKIP !== null,
  async fn() {
    const ws = tmp("se-gitv-");
    const state = tmp("se-gitv-");
    const views = new GitViews(state);
    try {
      await new Promise((r) => setTimeout(r, 1100));
      const call = views.prepare([ws], []);
      git(ws, "init", "-q", "r"); // as the sandboxed process would
      git(join(ws, "r"), "config", "core.fsmonitor", `touch ${join(state, "CANARY")}; false`);
      assert.equal(spawnSync("chattr", ["+i", join(ws, "r")]).status, 0);
      let notes: string[];
      try {
        notes = call.finish();
      } finally {
        spawnSync("chattr", ["-i", join(ws, "r")]);
      }
      assert.ok(existsSync(join(ws, "r", ".git")), "the .git folder could not have been renamed");
      assert.ok(!existsSync(join(ws, "r", ".git", "HEAD")) && !existsSync(join(ws, "r", ".git", "config")));
      assert.match(notes.join("\n"), /could not be renamed .*renamed aside instead/, notes.join("\n"));
      spawnSync("git", ["status"], {
        cwd: join(ws, "r"),
        env: { PATH: "/usr/bin:/bin", HOME: "/nonexistent", GIT_CONFIG_NOSYSTEM: "1", GIT_CEILING_DIRECTORIES: ws },
      });
      assert.ok(!existsSync(join(state, "CANARY")), "the host's git ran the repository's fsmonitor");
      // nothing left the walk could not vouch for: the next call runs
      views.prepare([ws], []).finish();
    } finally {
      views.close();
      rmSync(ws, { recursive: true });
      rmSync(state, { recursive: true });
    }
  },
});

Deno.test("checkProtected: no write completes or enters a bare repository; a nested repo's hooks path is kept", () => {
  const ws = tmp("se-gitv-");
  try {
    const refusedWrite = (path: string) =>
      assert.throws(() => checkProtected(ws, "write_file", { path, content: "x" }), /git/, path);
    checkProtected(ws, "write_file", { path: "HEAD", content: "ref: refs/heads/main\n" });
    writeFileSync(join(ws, "HEAD"), "ref: refs/heads/main\n");
    checkProtected(ws, "write_file", { path: "objects/.keep", content: "" });
    mkdirSync(join(ws, "objects"));
    refusedWrite("refs/heads/.keep");
    refusedWrite("commondir"); // HEAD with commondir is a repository too
    checkProtected(ws, "write_file", { path: "sub/commondir", content: "" }); // sub has no HEAD
    checkProtected(ws, "write_file", { path: "sub/a.txt", content: "" });
    rmSync(join(ws, "HEAD"));
    mkdirSync(join(ws, "r", "objects"), { recursive: true });
    mkdirSync(join(ws, "r", "refs"));
    writeFileSync(join(ws, "r", "HEAD"), "ref: refs/heads/main\n");
    refusedWrite("r/config");
    refusedWrite("r/hooks/pre-commit");
    git(ws, "init", "-q", "nested");
    git(join(ws, "nested"), "config", "core.hooksPath", ".husky");
    mkdirSync(join(ws, "nested", ".husky"));
    refusedWrite("nested/.husky/pre-commit");
    checkProtected(ws, "write_file", { path: "nested/src.txt", content: "" });
  } finally {
    rmSync(ws, { recursive: true });
  }
});

Deno.test("GitViews: links and FIFOs a call plants in refs/ or logs/ never reach the host; its reflog lines do", () => {
  const ws = tmp("se-gitv-");
  const state = tmp("se-gitv-");
  const views = new GitViews(state);
  try {
    git(ws, "init", "-q");
    git(ws, "-c", "user.name=a", "-c", "user.email=a@b", "commit", "-q", "--allow-empty", "-m", "one");
    const g = join(ws, ".git");
    const call = views.prepare([ws], []);
    const v = call.mounts.find((m) => m.dest === g)!.src;
    const before = readFileSync(join(g, "logs", "HEAD"), "utf8");
    writeFileSync(join(v, "logs", "HEAD"), before + "x y z\tthe call's line\n");
    symlinkSync("../config", join(v, "logs", "HEAD.tmp"));
    symlinkSync("/etc", join(v, "refs", "tags2"));
    spawnSync("mkfifo", [join(v, "refs", "heads", "fifo")]);
    const notes = call.finish().join("\n");
    assert.match(notes, /were not copied back/, notes);
    assert.equal(readFileSync(join(g, "logs", "HEAD"), "utf8"), before + "x y z\tthe call's line\n");
    assert.ok(!existsSync(join(g, "logs", "HEAD.tmp")) && !existsSync(join(g, "refs", "tags2")));
    assert.ok(!existsSync(join(g, "refs", "heads", "fifo")));
    const config = readFileSync(join(g, "config"), "utf8");
    git(ws, "-c", "user.name=a", "-c", "user.email=a@b", "commit", "-q", "--allow-empty", "-m", "two");
    assert.equal(readFileSync(join(g, "config"), "utf8"), config);
  } finally {
    views.close();
    rmSync(ws, { recursive: true });
    rmSync(state, { recursive: true });
  }
});

Deno.test("GitViews: while a long-lived sandbox lives, a repository that appears is the agent's (red team 8, G3)", async () => {
  const ws = tmp("se-gitv-");
  const states = [tmp("se-gitv-"), tmp("se-gitv-")];
  const server = new GitViews(states[0]!); // a sandboxed MCP server's sandbox
  const shell = new GitViews(states[1]!); // run_bash's
  const lateShape = (dir: string) => {
    git(ws, "init", "-q", dir);
    writeFileSync(join(ws, dir, ".git", "config"), '[core]\n\tfsmonitor = "touch /nonexistent/x; false"\n');
  };
  try {
    git(ws, "init", "-q", "op"); // the operator's, before the session
    shell.prepare([ws], []).finish();
    await new Promise((r) => setTimeout(r, 1100)); // the file system clock's second (Deno: whole seconds)
    const life = server.prepare([ws], [], { longLived: true });
    assert.ok(life.mounts.some((m) => m.dest === join(ws, "op", ".git") && m.src !== m.dest), "op is viewed");
    const since = Date.now();
    life.checkpoint(since); // after its first call: nothing yet
    lateShape("late"); // its background job, after the call's walk
    await new Promise((r) => setTimeout(r, 1100)); // long before the next calls start
    // run_bash's next call: the repository was not made during it, but a sandboxed server could write meanwhile
    const notes = shell.prepare([ws], []).finish();
    assert.ok(!existsSync(join(ws, "late", ".git")), notes.join("\n"));
    assert.ok(readdirSync(join(ws, "late")).some((n) => n.startsWith(".git.safe-exec-disabled-")));
    assert.match(notes.join("\n"), /late\/\.git .*while a sandboxed process/);
    // the server's own walks: the same, for a repository that appears between two of its calls
    lateShape("late2");
    await new Promise((r) => setTimeout(r, 1100));
    life.checkpoint(Date.now());
    assert.ok(!existsSync(join(ws, "late2", ".git")));
    // a known repository replaced meanwhile (its view in the server's sandbox is gone with the old folder; ext4 gives
    // the new folder the old inode number at once)
    rmSync(join(ws, "op", ".git"), { recursive: true });
    git(ws, "init", "-q", "op");
    shell.prepare([ws], []).finish();
    assert.ok(!existsSync(join(ws, "op", ".git")), "a replaced .git is not the one the server was shown");
    git(ws, "init", "-q", "op2");
    await new Promise((r) => setTimeout(r, 1100));
    shell.prepare([ws], []).finish();
    assert.ok(!existsSync(join(ws, "op2", ".git")), "the operator's repository made while the server lives goes too");
    // the server exits: its exit walk; from then on a repository the operator makes is the operator's again
    life.finish();
    git(ws, "init", "-q", "op3");
    await new Promise((r) => setTimeout(r, 1100));
    shell.prepare([ws], []).finish();
    assert.ok(existsSync(join(ws, "op3", ".git")), "kept once no sandboxed server lives");
    // a new start of the server shows it through a view (the walk at its start)
    git(ws, "init", "-q", "op4");
    const again = server.prepare([ws], [], { longLived: true });
    assert.ok(again.mounts.some((m) => m.dest === join(ws, "op3", ".git") && m.src !== m.dest), "op3 is viewed");
    assert.ok(again.mounts.some((m) => m.dest === join(ws, "op4", ".git") && m.src !== m.dest), "op4 is viewed");
    again.finish();
    assert.ok(existsSync(join(ws, "op4", ".git")), "what was there at its start is kept at its exit");
  } finally {
    server.close();
    shell.close();
    for (const d of [ws, ...states]) rmSync(d, { recursive: true, force: true });
  }
});

Deno.test("GitViews: a live sandbox must stop when a repository is made again where one was disabled (J5)", () => {
  const ws = tmp("se-gitv-");
  const states = [tmp("se-gitv-"), tmp("se-gitv-")];
  const server = new GitViews(states[0]!);
  const shell = new GitViews(states[1]!); // run_bash's
  const bare = (dir: string) => {
    mkdirSync(join(ws, dir, "objects"), { recursive: true });
    mkdirSync(join(ws, dir, "refs"));
    writeFileSync(join(ws, dir, "HEAD"), "ref: refs/heads/main\n");
  };
  try {
    // the workspace is the operator's repository, whose pre-commit hook runs lefthook (lefthook.yml is watched)
    git(ws, "init", "-q");
    writeFileSync(join(ws, ".git", "hooks", "pre-commit"), "#!/bin/sh\nlefthook run pre-commit\n");
    const life = server.prepare([ws], [], { longLived: true });
    assert.equal(life.stopReason(), null);
    life.checkpoint(Date.now());
    assert.equal(life.stopReason(), null, "nothing made, nothing to stop");
    git(ws, "init", "-q", "sub");
    life.checkpoint(Date.now());
    assert.ok(!existsSync(join(ws, "sub", ".git")));
    git(ws, "init", "-q", "other"); // another folder: not a re-creation
    writeFileSync(join(ws, "lefthook.yml"), "pre-commit:\n  commands:\n    x:\n      run: touch /nonexistent/x\n");
    life.checkpoint(Date.now());
    assert.ok(!existsSync(join(ws, "other", ".git")) && !existsSync(join(ws, "lefthook.yml")));
    assert.equal(life.stopReason(), null, "one repository (or watched file) per folder is disabled, not stopped");
    // the same folder again, as a bare shape this time: the folder counts, not the shape
    bare("sub");
    life.checkpoint(Date.now());
    assert.ok(!existsSync(join(ws, "sub", "HEAD")));
    assert.match(life.stopReason() ?? "", /made again at sub after the one there was renamed aside/);
    life.finish();
    assert.equal(life.stopReason(), null, "once its exit walk ran there is nothing left to stop");

    // any walk counts: run_bash's walk disabling a repository again in the next life's folders stops it too
    const next = server.prepare([ws], [], { longLived: true });
    git(ws, "init", "-q", "sub");
    shell.prepare([ws], []).finish();
    assert.ok(!existsSync(join(ws, "sub", ".git")));
    assert.equal(next.stopReason(), null, "a new life starts afresh");
    git(ws, "init", "-q", "sub");
    shell.prepare([ws], []).finish();
    assert.match(next.stopReason() ?? "", /made again at sub /);
    next.finish();

    // a watched file made again
    const third = server.prepare([ws], [], { longLived: true });
    for (let i = 0; i < 2; i++) {
      writeFileSync(join(ws, "lefthook.yml"), "pre-commit:\n  commands:\n    x:\n      run: touch /nonexistent/x\n");
      third.checkpoint(Date.now());
      assert.ok(!existsSync(join(ws, "lefthook.yml")));
    }
    assert.match(third.stopReason() ?? "", /made again at lefthook\.yml/);
    third.finish();
  } finally {
    server.close();
    shell.close();
    for (const d of [ws, ...states]) rmSync(d, { recursive: true, force: true });
  }
});

Deno.test("GitViews: a live sandbox must stop when a walk of its folders passes its bounds (J5)", () => {
  const ws = tmp("se-gitv-");
  const state = tmp("se-gitv-");
  const server = new GitViews(state);
  try {
    for (let i = 0; i < 30; i++) mkdirSync(join(ws, `d${i}`));
    const life = server.prepare([ws], [], { longLived: true, liveWalk: { maxDirs: 40 } });
    life.checkpoint(Date.now());
    assert.equal(life.stopReason(), null, "31 folders, under the bound of 40");
    for (let i = 0; i < 10; i++) mkdirSync(join(ws, `d${i}`, "x"));
    life.checkpoint(Date.now());
    assert.match(life.stopReason() ?? "", new RegExp(`walk of ${ws} looked at 41 folders, past the bound of 40`));
    life.finish();
    // the time bound: a walk that takes longer than maxMs (here: any walk)
    const slow = server.prepare([ws], [], { longLived: true, liveWalk: { maxMs: 0 } });
    slow.checkpoint(Date.now());
    assert.match(slow.stopReason() ?? "", /took \d+ ms, past the bound of 0 ms/);
    slow.finish();
    // the defaults: a workspace of ordinary size is far from them
    const plain = server.prepare([ws], [], { longLived: true });
    plain.checkpoint(Date.now());
    assert.equal(plain.stopReason(), null);
    plain.finish();
  } finally {
    server.close();
    for (const d of [ws, state]) rmSync(d, { recursive: true, force: true });
  }
});
