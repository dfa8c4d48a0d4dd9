/**
 * Git's files against the red team's report 1 (findings 1–7, 9 and the lower git items): every attack goes through
 * the real JSON-lines protocol of a spawned `safe-exec serve` (deno run from source, and the Bun binary), with
 * `confirm: "exec:true"` so each ASK is approved and the attack really runs, using only tool arguments. Each case
 * asserts on the world outside: a folder beside the workspace that must stay empty, a canary the operator's own
 * `git status` / `git commit` would create through `core.fsmonitor`, a hook or an alias, the host's config bytes.
 *
 * Skipped (with a printed reason) when bubblewrap cannot run here.
 */
import assert from "node:assert/strict";
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { sandboxTargets, type Target } from "../_targets.ts";
import type { Msg, Serve } from "../e2e/_serve.ts";
import { hostGit, mustGit } from "./_host_git.ts";
import { sandboxSkip, serveWorld, stopServersTest } from "./_world.ts";

const SKIP = sandboxSkip("the git attack suite");

/** One server per target over one base folder: the workspace, a folder beside it, the canary's place. */
interface World {
  base: string;
  ws: string;
  /** A folder outside the workspace the agent names (a stand-in for /etc/cron.d). */
  outside: string;
  /** The canary: exists only if the agent's payload ran on the host. */
  pwned: string;
  serve: Serve;
}

const worlds = new Map<string, World>();

function world(target: Target): World {
  let w = worlds.get(target.name);
  if (w) return w;
  const { base, ws, serve } = serveWorld(target, {
    prefix: "se-gitatk-",
    config: { confirm: "exec:true" },
    dirs: ["outside"],
  });
  w = { base, ws, outside: join(base, "outside"), pwned: join(base, "PWNED"), serve };
  worlds.set(target.name, w);
  return w;
}

const ID = ["-c", "user.name=op", "-c", "user.email=op@host"];

function setupRepo(dir: string, ...init: string[]): void {
  mkdirSync(dir, { recursive: true });
  mustGit(dir, "init", "-q", "-b", "main", ...init);
  mustGit(dir, ...ID, "commit", "-q", "--allow-empty", "-m", "first");
}

async function bash(w: World, cmd: string): Promise<{ r: Msg; out: string }> {
  const r = await w.serve.call("run_bash", { cmd });
  const o = r.output as { stdout?: string; stderr?: string } | null;
  return { r, out: `${o?.stdout ?? ""}${o?.stderr ?? ""}` };
}

/**
 * Wait past the file system clock's second: a repository made by the operator in the same second as a call starts is
 * taken for the call's own (Deno reports change times in whole seconds).
 */
function settle(): Promise<void> {
  return new Promise((r) => setTimeout(r, 1100));
}

/** The payload: a shell command that leaves the canary. */
function pay(w: World): string {
  return `touch ${w.pwned}; false`;
}

function attack(name: string, fn: (w: World) => Promise<void> | void): void {
  for (const target of sandboxTargets()) {
    Deno.test({
      name: `[${target.name}] git attack: ${name}`,
      ignore: SKIP !== null,
      sanitizeOps: false,
      sanitizeResources: false,
      async fn() {
        const w = world(target);
        for (const d of [w.ws, w.outside]) {
          for (const n of readdirSync(d)) rmSync(join(d, n), { recursive: true, force: true });
        }
        rmSync(w.pwned, { force: true });
        try {
          await fn(w);
        } finally {
          for (const n of readdirSync(w.ws)) rmSync(join(w.ws, n), { recursive: true, force: true });
        }
        assert.ok(!existsSync(w.pwned), `the agent's payload ran on the host: ${w.pwned} exists`);
      },
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// 1 (CRITICAL): copy-back through an ancestor the sandbox swapped for a symlink

attack("1: git data is never copied back through a swapped ancestor of the git dir", async (w) => {
  mkdirSync(join(w.ws, "meta"));
  setupRepo(w.ws, `--separate-git-dir=${join(w.ws, "meta", "repo")}`);
  writeFileSync(join(w.outside, "MERGE_MSG"), "the host's own file\n");
  const { out } = await bash(
    w,
    "printf '* * * * * root touch /tmp/pwn\\n' > meta/repo/FETCH_HEAD; printf 'X\\n' > meta/repo/description; " +
      "cp meta/repo/FETCH_HEAD meta/repo/MERGE_MSG; cp meta/repo/FETCH_HEAD meta/repo/ORIG_HEAD; " +
      `mv meta meta.old 2>&1 && mkdir meta && ln -s ${w.outside} meta/repo 2>&1; echo done`,
  );
  assert.deepEqual(readdirSync(w.outside), ["MERGE_MSG"], `files appeared outside the workspace: ${out}`);
  assert.equal(readFileSync(join(w.outside, "MERGE_MSG"), "utf8"), "the host's own file\n");
  assert.ok(!lstatSync(join(w.ws, "meta", "repo")).isSymbolicLink(), `meta/repo was swapped: ${out}`);
  mustGit(w.ws, "status");
});

// ---------------------------------------------------------------------------------------------------------------
// 2 (HIGH): renaming a parent folder moves a protected mount away

attack("2: renaming the parent of a submodule's .git cannot plant a git dir", async (w) => {
  setupRepo(join(w.base, "subsrc"));
  setupRepo(w.ws);
  mustGit(w.ws, "-c", "protocol.file.allow=always", "submodule", "add", "-q", join(w.base, "subsrc"), "lib");
  mustGit(w.ws, ...ID, "commit", "-q", "-m", "sub");
  const { out } = await bash(
    w,
    "mv lib lib.old 2>&1; mkdir -p lib evil/objects evil/refs/heads; printf 'ref: refs/heads/master\\n' > evil/HEAD; " +
      `printf '[core]\\n\\tfsmonitor = "${pay(w)}"\\n' > evil/config; echo 'gitdir: ../evil' > lib/.git 2>&1; true`,
  );
  hostGit(w.ws, "status");
  assert.ok(!existsSync(w.pwned), out);
  rmSync(join(w.base, "subsrc"), { recursive: true, force: true });
});

attack("2: renaming the parent of a nested git dir cannot plant a git dir", async (w) => {
  mkdirSync(join(w.ws, "meta"));
  setupRepo(w.ws, `--separate-git-dir=${join(w.ws, "meta", "repo")}`);
  const { out } = await bash(
    w,
    "mv meta meta.old 2>&1; mkdir -p meta/repo/objects meta/repo/refs/heads; " +
      "printf 'ref: refs/heads/main\\n' > meta/repo/HEAD; " +
      `printf '[core]\\n\\tfsmonitor = "${pay(w)}"\\n' > meta/repo/config; true`,
  );
  hostGit(w.ws, "status");
  assert.ok(!existsSync(w.pwned), out);
});

attack("2: renaming the parent of core.hooksPath (.husky/_) cannot plant a hook", async (w) => {
  setupRepo(w.ws);
  mkdirSync(join(w.ws, ".husky", "_"), { recursive: true });
  mustGit(w.ws, "config", "core.hooksPath", ".husky/_");
  const { out } = await bash(
    w,
    `mv .husky .husky.old 2>&1; mkdir -p .husky/_; printf '#!/bin/sh\\n${pay(w)}\\n' > .husky/_/pre-commit; ` +
      "chmod +x .husky/_/pre-commit; true",
  );
  hostGit(w.ws, ...ID, "commit", "-q", "--allow-empty", "-m", "op");
  assert.ok(!existsSync(w.pwned), out);
});

attack("2: renaming the parent of an included config cannot plant an alias", async (w) => {
  setupRepo(w.ws);
  mkdirSync(join(w.ws, "conf"));
  writeFileSync(join(w.ws, "conf", "extra.gitconfig"), "[user]\n\tname = op\n");
  mustGit(w.ws, "config", "include.path", "../conf/extra.gitconfig");
  const { out } = await bash(
    w,
    `mv conf conf.old 2>&1; mkdir conf; printf '[alias]\\n\\tst = "!${pay(w)}"\\n' > conf/extra.gitconfig; true`,
  );
  hostGit(w.ws, "st");
  assert.ok(!existsSync(w.pwned), out);
  assert.equal(readFileSync(join(w.ws, "conf", "extra.gitconfig"), "utf8"), "[user]\n\tname = op\n");
});

// ---------------------------------------------------------------------------------------------------------------
// 3 (HIGH): nested repositories that are not submodules

attack("3: nested repositories at any depth are protected like the workspace's own", async (w) => {
  setupRepo(w.ws);
  for (const d of ["plain", "vendor/foo", "deep/a/b/c/r"]) setupRepo(join(w.ws, d));
  await settle();
  await bash(w, "true"); // the walk after a call learns the repositories there; from the next call on they are viewed
  const before = ["plain", "vendor/foo", "deep/a/b/c/r"].map((d) =>
    readFileSync(join(w.ws, d, ".git", "config"), "utf8")
  );
  const { out } = await bash(
    w,
    ["plain", "vendor/foo", "deep/a/b/c/r"].map((d) =>
      `printf '[core]\\n\\tfsmonitor = "${pay(w)}"\\n' >> ${d}/.git/config 2>&1; ` +
      `printf '#!/bin/sh\\n${pay(w)}\\n' > ${d}/.git/hooks/pre-commit 2>&1; chmod +x ${d}/.git/hooks/pre-commit; ` +
      `git -C ${d} config alias.st '!${pay(w)}' 2>&1`
    ).join("; ") + "; true",
  );
  for (const [i, d] of ["plain", "vendor/foo", "deep/a/b/c/r"].entries()) {
    assert.deepEqual(
      readFileSync(join(w.ws, d, ".git", "config"), "utf8"),
      before[i],
      `${d}/.git/config changed: ${out}`,
    );
    hostGit(join(w.ws, d), "status");
    hostGit(join(w.ws, d), ...ID, "commit", "-q", "--allow-empty", "-m", "op");
    hostGit(join(w.ws, d), "st");
  }
  for (const path of ["plain/.git/config", "deep/a/b/c/r/.git/hooks/pre-commit"]) {
    const r = await w.serve.call("write_file", { path, content: "x" });
    assert.equal(r.errorCode, "path_outside_workspace", path);
  }
});

attack("3: a nested repository made between two calls and changed by the next one is disabled", async (w) => {
  setupRepo(w.ws);
  await bash(w, "true");
  setupRepo(join(w.ws, "late"));
  const { out } = await bash(
    w,
    `git -C late config core.fsmonitor '${pay(w)}' && printf '#!/bin/sh\n${pay(w)}\n' > late/.git/hooks/pre-commit ` +
      "&& chmod +x late/.git/hooks/pre-commit",
  );
  assert.match(out, /late\/\.git .*renamed/, out);
  hostGit(join(w.ws, "late"), "status");
  hostGit(join(w.ws, "late"), ...ID, "commit", "-q", "--allow-empty", "-m", "op");
  // one the call left alone is kept and protected from then on
  setupRepo(join(w.ws, "late2"));
  const cfg = readFileSync(join(w.ws, "late2", ".git", "config"), "utf8");
  await settle();
  await bash(w, "true");
  await bash(w, `git -C late2 config core.fsmonitor '${pay(w)}' 2>&1; true`);
  assert.equal(readFileSync(join(w.ws, "late2", ".git", "config"), "utf8"), cfg);
});

// ---------------------------------------------------------------------------------------------------------------
// 4 (HIGH): a linked worktree's .git file

attack("4: a linked worktree's .git file cannot be pointed at a planted git dir", async (w) => {
  setupRepo(w.ws);
  mustGit(w.ws, "worktree", "add", "-q", "wt/feature");
  await settle();
  await bash(w, "true");
  const gitFile = readFileSync(join(w.ws, "wt", "feature", ".git"), "utf8");
  const { out } = await bash(
    w,
    "mkdir -p evil/objects evil/refs/heads; printf 'ref: refs/heads/master\\n' > evil/HEAD; " +
      `printf '[core]\\n\\tfsmonitor = "${pay(w)}"\\n' > evil/config; ` +
      "echo 'gitdir: ../../evil' > wt/feature/.git 2>&1; mv wt wt.old 2>&1; mkdir -p wt/feature; " +
      "echo 'gitdir: ../../evil' > wt/feature/.git 2>&1; true",
  );
  assert.equal(readFileSync(join(w.ws, "wt", "feature", ".git"), "utf8"), gitFile, out);
  hostGit(join(w.ws, "wt", "feature"), "status");
});

// ---------------------------------------------------------------------------------------------------------------
// 5 (HIGH): new repositories the agent makes outside .git

attack("5: write_file cannot turn the workspace (or a folder) into a bare repository", async (w) => {
  const files: Array<[string, string]> = [
    ["HEAD", "ref: refs/heads/master\n"],
    ["config", `[core]\n\trepositoryformatversion = 0\n\tbare = false\n\tworktree = .\n\tfsmonitor = "${pay(w)}"\n`],
    ["objects/.keep", ""],
    ["refs/heads/.keep", ""],
  ];
  for (const prefix of ["", "sub/"]) {
    const answers = [];
    for (const [path, content] of files) {
      answers.push(await w.serve.call("write_file", { path: prefix + path, content }));
    }
    assert.ok(answers.some((a) => a.errorCode === "path_outside_workspace"), JSON.stringify(answers).slice(0, 600));
    hostGit(join(w.ws, prefix), "status");
  }
});

attack(
  "5: a repository run_bash makes (git init, a gitdir file, a bare repo) never runs its config on the host",
  async (w) => {
    mkdirSync(join(w.ws, "s3"));
    const { r, out } = await bash(
      w,
      [
        `git init -q sub && git -C sub config core.fsmonitor '${pay(w)}'`,
        `git init -q --bare emb && git --git-dir=emb config core.bare false && git --git-dir=emb config core.worktree ../s3 && ` +
        `git --git-dir=emb config core.fsmonitor '${pay(w)}' && echo 'gitdir: ../emb' > s3/.git`,
        `git init -q --bare bare/r.git && git --git-dir=bare/r.git config core.bare false && ` +
        `git --git-dir=bare/r.git config core.worktree .. && git --git-dir=bare/r.git config core.fsmonitor '${
          pay(w)
        }'`,
        `git init -q deep/x/y && git -C deep/x/y config alias.st '!${pay(w)}'`,
      ].join(" && "),
    );
    assert.equal(r.ok, true, out);
    for (const d of ["sub", "s3", "bare/r.git", "emb", "deep/x/y"]) hostGit(join(w.ws, d), "status");
    hostGit(join(w.ws, "deep/x/y"), "st");
    assert.ok(!existsSync(w.pwned), out);
    assert.match(out, /safe-exec: .*(repositor)/i, `the call's result does not say what was disabled: ${out}`);
  },
);

// ---------------------------------------------------------------------------------------------------------------
// 6 (HIGH): a gitlink committed through objects/ and refs/

attack("6: a gitlink committed through objects and refs cannot make the host's git run a planted repo", async (w) => {
  setupRepo(w.ws);
  const { out } = await bash(
    w,
    "git init -q sub && git -C sub -c user.email=x@y -c user.name=x commit -q --allow-empty -m s && " +
      `git -C sub config core.fsmonitor '${pay(w)}' && ` +
      "git update-index --add --cacheinfo 160000,$(git -C sub rev-parse HEAD),sub && " +
      "git -c user.email=x@y -c user.name=x commit -qm 'update docs'; git log --oneline | head -3",
  );
  // What the operator does next: take the branch as it is, then look.
  hostGit(w.ws, "reset", "-q", "--hard");
  hostGit(w.ws, "checkout", "-q", ".");
  hostGit(w.ws, "status");
  hostGit(w.ws, "submodule", "status");
  assert.ok(!existsSync(w.pwned), out);
});

// ---------------------------------------------------------------------------------------------------------------
// 7 (git half): files written earlier act as a later call's hidden configuration

attack("7: a repository planted by an earlier call is not honoured by git in a later call", async (w) => {
  const inside = join(w.ws, "ran-inside");
  await bash(
    w,
    "printf 'ref: refs/heads/master\\n' > HEAD; mkdir -p objects refs/heads; " +
      `printf '[core]\\n\\tbare = false\\n\\tworktree = .\\n\\tfsmonitor = "touch ${inside}; false"\\n' > config; true`,
  );
  const { out } = await bash(w, "git status --short 2>&1; git config --get safe.bareRepository; true");
  assert.ok(!existsSync(inside), `git inside the sandbox ran the planted fsmonitor: ${out}`);
  assert.match(out, /explicit/, out);
  hostGit(w.ws, "status");
});

// ---------------------------------------------------------------------------------------------------------------
// 9: files protected hooks execute (husky, pre-commit, lefthook)

attack("9: husky's hook scripts (.husky/*), run by the protected stub, are protected too", async (w) => {
  setupRepo(w.ws);
  mkdirSync(join(w.ws, ".husky", "_"), { recursive: true });
  // husky v9's layout: core.hooksPath = .husky/_, whose stubs run .husky/<hook>
  writeFileSync(
    join(w.ws, ".husky", "_", "h"),
    '#!/usr/bin/env sh\nn=$(basename "$0")\ns=$(dirname "$(dirname "$0")")/$n\n[ ! -f "$s" ] && exit 0\nsh -e "$s"\n',
  );
  writeFileSync(join(w.ws, ".husky", "_", "pre-commit"), '#!/usr/bin/env sh\n. "$(dirname "$0")/h"\n');
  chmodSync(join(w.ws, ".husky", "_", "pre-commit"), 0o755);
  writeFileSync(join(w.ws, ".husky", "pre-commit"), "true\n");
  mustGit(w.ws, "config", "core.hooksPath", ".husky/_");
  for (const path of [".husky/pre-commit", ".husky/commit-msg"]) {
    const r = await w.serve.call("write_file", { path, content: `${pay(w)}\n` });
    assert.equal(r.errorCode, "path_outside_workspace", `${path}: ${JSON.stringify(r).slice(0, 300)}`);
  }
  const { out } = await bash(
    w,
    `printf '${pay(w)}\\n' > .husky/pre-commit 2>&1; printf '${pay(w)}\\n' > .husky/commit-msg 2>&1; true`,
  );
  hostGit(w.ws, ...ID, "commit", "-q", "--allow-empty", "-m", "op");
  assert.ok(!existsSync(w.pwned), out);
});

attack("9: pre-commit's and lefthook's configs, named by a protected hook, are protected", async (w) => {
  setupRepo(w.ws);
  writeFileSync(
    join(w.ws, ".git", "hooks", "pre-commit"),
    "#!/usr/bin/env bash\n# File generated by pre-commit: https://pre-commit.com\nARGS=(hook-impl --config=.pre-commit-config.yaml --hook-type=pre-commit)\nexit 0\n",
  );
  writeFileSync(
    join(w.ws, ".git", "hooks", "pre-push"),
    '#!/bin/sh\ncall_lefthook()\n{\n  lefthook "$@"\n}\ncall_lefthook run "pre-push" "$@"\n',
  );
  writeFileSync(join(w.ws, ".pre-commit-config.yaml"), "repos: []\n");
  for (const path of [".pre-commit-config.yaml", "lefthook.yml", ".lefthook.yml"]) {
    const r = await w.serve.call("write_file", {
      path,
      content: `pre-push:\n  commands:\n    x:\n      run: ${pay(w)}\n`,
    });
    assert.equal(r.errorCode, "path_outside_workspace", `${path}: ${JSON.stringify(r).slice(0, 300)}`);
  }
  await bash(w, "echo 'repos: [evil]' > .pre-commit-config.yaml 2>&1; echo 'pre-push: evil' > lefthook.yml 2>&1; true");
  assert.equal(readFileSync(join(w.ws, ".pre-commit-config.yaml"), "utf8"), "repos: []\n");
  assert.ok(!existsSync(join(w.ws, "lefthook.yml")), "lefthook.yml was created on the host");
});

attack("9: husky v4's and yorkie's configs in package.json, run by their hooks, are protected (RT10 J6)", async (w) => {
  setupRepo(w.ws);
  // husky v4 installs stubs in .git/hooks that source husky.sh, which runs the hooks package.json's "husky" names;
  // yorkie's stubs run node_modules/yorkie's runner, which runs package.json's "gitHooks"
  writeFileSync(
    join(w.ws, ".git", "hooks", "pre-commit"),
    "#!/bin/sh\n# husky\n\n# Created by Husky v4.3.8 (https://github.com/typicode/husky#readme)\n" +
      '. "$(dirname "$0")/husky.sh"\n',
  );
  writeFileSync(
    join(w.ws, ".git", "hooks", "commit-msg"),
    '#!/bin/sh\n#yorkie 2.0.0\n\nnode "./node_modules/yorkie/src/runner.js" commit-msg || exit 1\n',
  );
  writeFileSync(join(w.ws, "package.json"), '{"name": "app", "husky": {"hooks": {"pre-commit": "true"}}}\n');
  const evil = JSON.stringify({
    name: "app",
    husky: { hooks: { "pre-commit": pay(w) } },
    gitHooks: { "commit-msg": pay(w) },
  });
  for (const path of ["package.json", ".huskyrc", ".huskyrc.json", "husky.config.js"]) {
    const r = await w.serve.call("write_file", { path, content: evil });
    assert.equal(r.errorCode, "path_outside_workspace", `${path}: ${JSON.stringify(r).slice(0, 300)}`);
  }
  const { out } = await bash(w, `printf '%s' '${evil}' > package.json 2>&1; echo '${evil}' > .huskyrc 2>&1; true`);
  assert.equal(
    readFileSync(join(w.ws, "package.json"), "utf8"),
    '{"name": "app", "husky": {"hooks": {"pre-commit": "true"}}}\n',
    out,
  );
  assert.ok(!existsSync(join(w.ws, ".huskyrc")), `.huskyrc was created on the host: ${out}`);
});

attack("9: package.json stays writable where no hook manager reads it", async (w) => {
  setupRepo(w.ws);
  writeFileSync(join(w.ws, ".git", "hooks", "pre-commit"), "#!/bin/sh\nexit 0\n");
  const r = await w.serve.call("write_file", { path: "package.json", content: '{"name": "app"}\n' });
  assert.equal(r.ok, true, JSON.stringify(r).slice(0, 300));
});

// ---------------------------------------------------------------------------------------------------------------
// Lower: symlinks planted in git's data folders; a workspace that is a linked worktree

attack("symlinks planted in .git/logs or .git/refs never make the host's git write elsewhere", async (w) => {
  setupRepo(w.ws);
  const config = readFileSync(join(w.ws, ".git", "config"), "utf8");
  const { out } = await bash(
    w,
    `ln -sf ../config .git/logs/HEAD 2>&1; ln -sf ${join(w.outside, "cron")} .git/logs/refs/heads/main 2>&1; ` +
      `mkdir -p .git/refs/heads/x; ln -s ${join(w.outside, "ref")} .git/refs/heads/evil 2>&1; ls -la .git/logs; true`,
  );
  hostGit(w.ws, ...ID, "commit", "-q", "--allow-empty", "-m", "op");
  hostGit(w.ws, "branch", "-q", "-f", "evil");
  assert.deepEqual(
    readFileSync(join(w.ws, ".git", "config"), "utf8"),
    config,
    `the host's .git/config changed: ${out}`,
  );
  assert.deepEqual(readdirSync(w.outside), [], out);
});

attack("RT7 F16: a core.fsmonitor script the config names but that is missing cannot be created", async (w) => {
  setupRepo(w.ws);
  mustGit(w.ws, "config", "core.fsmonitor", "./fsmon.sh");
  writeFileSync(join(w.ws, "build.sh"), `#!/bin/sh\n${pay(w)}\n`);
  chmodSync(join(w.ws, "build.sh"), 0o755);
  await settle();
  // the file tools refuse to create it, by any of their ways of writing
  for (
    const [tool, args] of [
      ["write_file", { path: "fsmon.sh", content: `#!/bin/sh\n${pay(w)}\n` }],
      ["copy_file", { src: "build.sh", dst: "fsmon.sh" }],
    ] as const
  ) {
    const r = await w.serve.call(tool, args);
    assert.equal(r.ok, false, `${tool} created the fsmonitor script: ${JSON.stringify(r)}`);
    assert.match(String(r.error), /git reads it as configuration or runs it as code/);
  }
  // a process call that makes it: taken away after the call
  const { out } = await bash(w, `printf '#!/bin/sh\\n${pay(w)}\\n' > fsmon.sh && chmod +x fsmon.sh; true`);
  assert.equal(existsSync(join(w.ws, "fsmon.sh")), false, `fsmon.sh is still there after the call: ${out}`);
  hostGit(w.ws, "status", "--short");
});

attack("RT7 F15: the files a lefthook config extends and its source_dir are protected", async (w) => {
  setupRepo(w.ws);
  // what `lefthook install` leaves: a hook that runs lefthook, and the operator's config
  writeFileSync(join(w.ws, ".git", "hooks", "pre-commit"), '#!/bin/sh\nexec lefthook run pre-commit "$@"\n');
  chmodSync(join(w.ws, ".git", "hooks", "pre-commit"), 0o755);
  writeFileSync(join(w.ws, "lefthook.yml"), "extends:\n  - hooks/extra.yml\nsource_dir: .hooks-src\n");
  mkdirSync(join(w.ws, "hooks"));
  writeFileSync(join(w.ws, "hooks", "base.yml"), "pre-commit: {}\n");
  await settle();
  const payload = `pre-commit:\n  commands:\n    agent:\n      run: ${pay(w)}\n`;
  for (
    const [tool, args] of [
      ["write_file", { path: "hooks/extra.yml", content: payload }],
      ["copy_file", { src: "hooks/base.yml", dst: "hooks/extra.yml" }],
      ["write_file", { path: ".hooks-src/pre-commit/x.sh", content: `#!/bin/sh\n${pay(w)}\n` }],
    ] as const
  ) {
    const r = await w.serve.call(tool, args);
    assert.equal(r.ok, false, `${tool} ${JSON.stringify(args)} was written: ${JSON.stringify(r)}`);
    assert.match(String(r.error), /git reads it as configuration or runs it as code/);
  }
  // a process call that makes the extended file: taken away after the call
  const { out } = await bash(w, `printf '${payload.replaceAll("\n", "\\n")}' > hooks/extra.yml; true`);
  assert.equal(existsSync(join(w.ws, "hooks", "extra.yml")), false, `hooks/extra.yml is still there: ${out}`);
  // the folder's other files are the agent's to write
  const ok = await w.serve.call("write_file", { path: "hooks/notes.md", content: "x" });
  assert.equal(ok.ok, true, JSON.stringify(ok));
});

attack("RT8 G4: a core.fsmonitor that runs its script through an interpreter protects the script", async (w) => {
  setupRepo(w.ws);
  mkdirSync(join(w.ws, "tools"));
  const cases: Array<[string, string]> = [["sh tools/fsmon.sh", "tools/fsmon.sh"], [
    '"$PWD"/tools/fs2.sh',
    "tools/fs2.sh",
  ]];
  for (const [value, script] of cases) {
    writeFileSync(join(w.ws, script), "#!/bin/sh\nexit 1\n");
    mustGit(w.ws, "config", "core.fsmonitor", value);
    await settle();
    const r = await w.serve.call("write_file", { path: script, content: `#!/bin/sh\n${pay(w)}\n` });
    assert.equal(r.ok, false, `${value}: write_file ${script} was allowed: ${JSON.stringify(r)}`);
    hostGit(w.ws, "status", "--short");
  }
});

attack("RT8 G6: the files a lefthook extends glob matches are protected", async (w) => {
  setupRepo(w.ws);
  writeFileSync(join(w.ws, ".git", "hooks", "pre-commit"), '#!/bin/sh\nexec lefthook run pre-commit "$@"\n');
  chmodSync(join(w.ws, ".git", "hooks", "pre-commit"), 0o755);
  writeFileSync(join(w.ws, "lefthook.yml"), "extends:\n  - hooks/*.yml\n  - top-*.yml\n");
  writeFileSync(join(w.ws, "top-a.yml"), "pre-commit: {}\n");
  await settle();
  const payload = `pre-commit:\n  commands:\n    agent:\n      run: ${pay(w)}\n`;
  for (const path of ["hooks/evil.yml", "top-a.yml"]) {
    const r = await w.serve.call("write_file", { path, content: payload });
    assert.equal(r.ok, false, `write_file ${path} was allowed: ${JSON.stringify(r)}`);
  }
  // the rest of the worktree stays writable
  const ok = await w.serve.call("write_file", { path: "notes.md", content: "x" });
  assert.equal(ok.ok, true, JSON.stringify(ok));
});

/** The fsmonitor payloads of red team 9's H3, per interpreter: each leaves the canary and fails. */
function payloads(w: World): { node: string; python: string; sh: string } {
  return {
    node: `require("fs").writeFileSync(${JSON.stringify(w.pwned)}, "x"); process.exit(1)\n`,
    python: `open(${JSON.stringify(w.pwned)}, "w"); exit(1)\n`,
    sh: `touch ${w.pwned}; exit 1\n`,
  };
}

attack("RT9 H3: a core.fsmonitor's words protect the folders the interpreter resolves them in", async (w) => {
  const p = payloads(w);
  // [core.fsmonitor, the file the interpreter runs, its payload]
  const cases: Array<[string, string, string]> = [
    ["node tools/fsmon", "tools/fsmon.js", p.node],
    ["node tools", "tools/index.js", p.node],
    ["node tools", "tools/package.json", `{"main": "lib/m.js"}`],
    ["python3 tools", "tools/__main__.py", p.python],
    ["python3 -m tools.fsmon", "tools/fsmon.py", p.python],
    ["cd tools && sh fsmon.sh", "tools/fsmon.sh", p.sh],
    ["node fsmon", "fsmon.js", p.node],
    ["sh -c 'cd lib && sh run.sh'", "lib/run.sh", p.sh],
  ];
  for (const [value, script, payload] of cases) {
    for (const n of readdirSync(w.ws)) rmSync(join(w.ws, n), { recursive: true, force: true });
    setupRepo(w.ws);
    mkdirSync(join(w.ws, "tools"));
    mustGit(w.ws, "config", "core.fsmonitor", value);
    await settle();
    const r = await w.serve.call("write_file", { path: script, content: payload });
    assert.equal(r.ok, false, `${value}: write_file ${script} was allowed: ${JSON.stringify(r).slice(0, 300)}`);
    assert.match(String(r.error), /git reads it as configuration or runs it as code/, value);
    // a process call that writes it (red team 9's run_bash variant): the file never reaches the host's git
    const { out } = await bash(
      w,
      `mkdir -p "$(dirname ${script})" 2>&1; printf '%s' '${payload}' > ${script} 2>&1; true`,
    );
    hostGit(w.ws, "status", "--short");
    assert.ok(!existsSync(w.pwned), `${value}: the host's git status ran ${script}: ${out}`);
  }
  // the rest of the workspace stays the agent's
  for (const path of ["src/a.ts", "notes.md", "toolsx/a.js"]) {
    const ok = await w.serve.call("write_file", { path, content: "x" });
    assert.equal(ok.ok, true, `${path}: ${JSON.stringify(ok).slice(0, 300)}`);
  }
});

attack("RT9 H3: core.fsmonitor = true (the built-in daemon) protects nothing in the worktree", async (w) => {
  setupRepo(w.ws);
  mustGit(w.ws, "config", "core.fsmonitor", "true");
  await settle();
  for (const path of ["true.js", "tools/a.js", "notes.md"]) {
    const ok = await w.serve.call("write_file", { path, content: "x" });
    assert.equal(ok.ok, true, `${path}: ${JSON.stringify(ok).slice(0, 300)}`);
  }
});

attack("RT9 H3: a core.fsmonitor whose words cannot be read refuses changes (fails closed)", async (w) => {
  setupRepo(w.ws);
  mustGit(w.ws, "config", "core.fsmonitor", 'sh "$FSMON_SCRIPT"');
  await settle();
  const r = await w.serve.call("write_file", { path: "any.sh", content: `${pay(w)}\n` });
  assert.equal(r.ok, false, JSON.stringify(r).slice(0, 300));
  assert.match(String(r.error), /cannot be read/);
  const b = await w.serve.call("run_bash", { cmd: "echo hi" });
  assert.equal(b.ok, false, JSON.stringify(b).slice(0, 300));
  assert.match(String(b.error), /core\.fsmonitor/);
});

/** A lefthook executable for the real `git commit` (on PATH, or named by SAFE_EXEC_LEFTHOOK), or null. */
function lefthookDir(): string | null {
  const named = Deno.env.get("SAFE_EXEC_LEFTHOOK");
  if (named) return named.replace(/\/lefthook$/, "");
  for (const d of (Deno.env.get("PATH") ?? "").split(":")) if (d && existsSync(join(d, "lefthook"))) return d;
  return null;
}

attack("RT9 H9: lefthook's rc file (sourced before each command) is protected", async (w) => {
  setupRepo(w.ws);
  writeFileSync(
    join(w.ws, ".git", "hooks", "pre-commit"),
    '#!/bin/sh\ncall_lefthook()\n{\n  lefthook "$@"\n}\ncall_lefthook run "pre-commit" "$@"\n',
  );
  chmodSync(join(w.ws, ".git", "hooks", "pre-commit"), 0o755);
  writeFileSync(
    join(w.ws, "lefthook.yml"),
    'rc: ./.lefthookrc\npre-commit:\n  commands:\n    l:\n      run: "true"\n',
  );
  writeFileSync(join(w.ws, "lefthook-local.yml"), "rc: conf/lh.rc\n");
  await settle();
  for (const path of [".lefthookrc", "conf/lh.rc"]) {
    const r = await w.serve.call("write_file", { path, content: `${pay(w)}\n` });
    assert.equal(r.ok, false, `write_file ${path} was allowed: ${JSON.stringify(r).slice(0, 300)}`);
  }
  const { out } = await bash(w, `printf '${pay(w)}\\n' > .lefthookrc 2>&1; true`);
  assert.equal(existsSync(join(w.ws, ".lefthookrc")), false, `.lefthookrc is still there: ${out}`);
  const ok = await w.serve.call("write_file", { path: "notes.md", content: "x" });
  assert.equal(ok.ok, true, JSON.stringify(ok).slice(0, 300));
  const lh = lefthookDir();
  if (lh === null) {
    console.log("  (RT9 H9: no lefthook here: the operator's real git commit is not run; set SAFE_EXEC_LEFTHOOK)");
    return;
  }
  writeFileSync(join(w.ws, "a"), "a\n");
  const r = spawnSync("sh", ["-c", "git add a && git -c user.name=o -c user.email=o@x commit -qm x"], {
    cwd: w.ws,
    encoding: "utf8",
    env: { PATH: `${lh}:/usr/bin:/bin`, HOME: "/nonexistent", GIT_CONFIG_NOSYSTEM: "1" },
    timeout: 30_000,
  });
  assert.ok(!existsSync(w.pwned), `the operator's git commit ran the agent's rc: ${r.stdout}${r.stderr}`);
});

Deno.test({
  name: "git attack suite: a workspace that is a linked worktree of a repository outside it works in the sandbox",
  ignore: SKIP !== null,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    for (const target of sandboxTargets()) {
      const w = world(target);
      for (const n of readdirSync(w.ws)) rmSync(join(w.ws, n), { recursive: true, force: true });
      const main = join(w.outside, "main");
      setupRepo(main);
      mustGit(main, "worktree", "add", "-q", "-b", "agent", w.ws);
      const config = readFileSync(join(main, ".git", "config"), "utf8");
      const { r, out } = await bash(
        w,
        "echo hi > f.txt && git add f.txt && git -c user.name=a -c user.email=a@b commit -q -m agent-work && " +
          `git log --format=%s -1; git config core.fsmonitor '${pay(w)}' 2>&1; true`,
      );
      assert.equal(r.ok, true, out);
      assert.match(out, /agent-work/, out);
      assert.equal(mustGit(main, "log", "--format=%s", "-1", "agent").trim(), "agent-work");
      assert.deepEqual(readFileSync(join(main, ".git", "config"), "utf8"), config);
      hostGit(w.ws, "status");
      assert.ok(!existsSync(w.pwned));
      mustGit(main, "worktree", "remove", "--force", w.ws);
      mkdirSync(w.ws, { recursive: true });
      rmSync(main, { recursive: true, force: true });
    }
  },
});

stopServersTest("git attack suite: stop the servers", SKIP, () => worlds.values());
