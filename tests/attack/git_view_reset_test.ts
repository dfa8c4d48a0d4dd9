/**
 * Red team 5, F1: git indirections a call writes in the workspace (`.git/commondir`, `.git/config.worktree`, the
 * non-repository `.git` placeholder, a `.git` file in a subfolder, a bare-looking folder) must not point a later (or
 * the same) git at a configuration the agent wrote. Every case goes through a spawned `safe-exec serve` (deno run from
 * source, and the Bun binary) inside the real bubblewrap sandbox, and asserts on the world: the canary a
 * `core.fsmonitor` (or hook) of the agent's config would create in the workspace must not exist.
 *
 * Two servers per target: one approves every ASK (`exec:true`) so the write really happens and only the sandbox can
 * stop a later call's git (the view is reset after each call); one refuses every ASK (`deny`), for the one-call forms
 * the sandbox cannot stop (the process that writes `commondir` then runs git itself): the gate must ask for them.
 *
 * Skipped (with a printed reason) when bubblewrap cannot run here.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { sandboxTargets, type Target } from "../_targets.ts";
import type { Msg, Serve } from "../e2e/_serve.ts";
import { mustGit } from "./_host_git.ts";
import { sandboxSkip, serveWorld, stopServersTest } from "./_world.ts";

const SKIP = sandboxSkip("the git view reset attacks");

type Mode = "approve" | "deny";

interface World {
  /** The server runs on Deno, whose node:fs hands over names decoded (U+FFFD): byte names cannot be disabled. */
  deno: boolean;
  base: string;
  ws: string;
  serve: Serve;
}

const worlds = new Map<string, World>();

function world(target: Target, mode: Mode): World {
  const key = `${target.name}:${mode}`;
  let w = worlds.get(key);
  if (w) return w;
  const { base, ws, serve } = serveWorld(target, {
    prefix: "se-gitreset-",
    config: { confirm: mode === "approve" ? "exec:true" : "deny" },
  });
  w = { deno: target.name === "deno src", base, ws, serve };
  worlds.set(key, w);
  return w;
}

function setupRepo(dir: string): void {
  mkdirSync(dir, { recursive: true });
  mustGit(dir, "init", "-q", "-b", "main");
  mustGit(dir, "-c", "user.name=op", "-c", "user.email=op@host", "commit", "-q", "--allow-empty", "-m", "first");
}

/** The agent's config: fsmonitor (run by `git status`) leaves the canary `PWNED` in the workspace. */
const EVIL_CONFIG = '[core]\n\trepositoryformatversion = 0\n\tfsmonitor = "id > PWNED; false #"\n';

/** What the red team's write_file calls make: `evil/config`, `evil/objects/`, `evil/refs/` (no HEAD). */
async function plantEvil(w: World, dir = "evil"): Promise<void> {
  for (
    const [path, content] of [[`${dir}/config`, EVIL_CONFIG], [`${dir}/objects/keep`, ""], [`${dir}/refs/keep`, ""]]
  ) {
    const r = await w.serve.call("write_file", { path, content });
    assert.equal(r.ok, true, JSON.stringify(r).slice(0, 300));
  }
}

async function bash(w: World, cmd: string): Promise<{ r: Msg; out: string }> {
  const r = await w.serve.call("run_bash", { cmd });
  const o = r.output as { stdout?: string; stderr?: string } | null;
  return { r, out: `${o?.stdout ?? ""}${o?.stderr ?? ""} ${JSON.stringify(r).slice(0, 400)}` };
}

/** Empty the workspace (by a shell: names that are not UTF-8 cannot be named from Deno). */
function clean(ws: string): void {
  spawnSync("sh", ["-c", "rm -rf -- ./* ./.[!.]* ./..?*"], { cwd: ws });
  for (const n of readdirSync(ws)) rmSync(join(ws, n), { recursive: true, force: true });
}

function attack(name: string, mode: Mode, fn: (w: World) => Promise<void>): void {
  for (const target of sandboxTargets()) {
    Deno.test({
      name: `[${target.name}] git view reset attack (${mode}): ${name}`,
      ignore: SKIP !== null,
      sanitizeOps: false,
      sanitizeResources: false,
      async fn() {
        const w = world(target, mode);
        clean(w.ws);
        try {
          await fn(w);
          assert.ok(!existsSync(join(w.ws, "PWNED")), "the agent's core.fsmonitor ran: PWNED exists");
        } finally {
          clean(w.ws);
        }
      },
    });
  }
}

// Cross-call: the write is approved and runs; a later plain `git status` (low) must not follow it.

attack("a commondir written by one call is gone for the next git status", "approve", async (w) => {
  setupRepo(w.ws);
  await plantEvil(w);
  await bash(w, "echo ../evil > .git/commondir");
  const { out } = await bash(w, "git status --short; ls -a .git");
  assert.ok(!existsSync(join(w.ws, "PWNED")), `git status followed the planted commondir: ${out}`);
  assert.doesNotMatch(out, /commondir/, `the planted commondir is still in the view: ${out}`);
});

attack("a commondir copied from a file by one call is gone for the next git status", "approve", async (w) => {
  setupRepo(w.ws);
  await plantEvil(w);
  assert.equal((await w.serve.call("write_file", { path: "evil/cd", content: "../evil\n" })).ok, true);
  await bash(w, "cat evil/cd > .git/commondir");
  const { out } = await bash(w, "git status --short");
  assert.ok(!existsSync(join(w.ws, "PWNED")), `git status followed the planted commondir: ${out}`);
});

attack("a config.worktree a call adds does not stay in the view", "approve", async (w) => {
  setupRepo(w.ws);
  mustGit(w.ws, "config", "extensions.worktreeConfig", "true");
  await bash(w, `printf '${EVIL_CONFIG.replaceAll("\n", "\\n").replaceAll("\t", "\\t")}' > .git/config.worktree`);
  const { out } = await bash(w, "git status --short; ls -a .git");
  assert.ok(!existsSync(join(w.ws, "PWNED")), `git status read the planted config.worktree: ${out}`);
  assert.doesNotMatch(out, /config\.worktree/, `the planted config.worktree is still in the view: ${out}`);
});

attack("the non-repository placeholder keeps nothing a call wrote into it", "approve", async (w) => {
  await plantEvil(w);
  await bash(w, "echo 'ref: refs/heads/main' > .git/HEAD; echo ../evil > .git/commondir");
  const { out } = await bash(w, "git status --short; ls -a .git");
  assert.ok(!existsSync(join(w.ws, "PWNED")), `git status followed the placeholder's commondir: ${out}`);
  assert.doesNotMatch(out, /commondir/, `the placeholder still holds commondir: ${out}`);
  assert.ok(!existsSync(join(w.ws, ".git", "commondir")), "commondir reached the host's .git");
});

attack("a .git file a call writes in a subfolder is disabled before git runs there", "approve", async (w) => {
  setupRepo(w.ws);
  await plantEvil(w);
  await bash(w, "mkdir -p sub; echo 'ref: refs/heads/main' > evil/HEAD; echo 'gitdir: ../evil' > sub/.git");
  const { out } = await bash(w, "cd sub && git status --short; git -C evil status --short; true");
  assert.ok(!existsSync(join(w.ws, "PWNED")), `git ran the subfolder's gitdir config: ${out}`);
});

attack("a bare-looking folder a call completes is disabled before git -C runs in it", "approve", async (w) => {
  setupRepo(w.ws);
  await plantEvil(w);
  await bash(w, "echo 'ref: refs/heads/main' > evil/HEAD");
  const { out } = await bash(w, "git -C evil status --short; cd evil && git status --short; true");
  assert.ok(!existsSync(join(w.ws, "PWNED")), `git ran the bare-looking folder's config: ${out}`);
});

attack(
  "a workspace made a bare repository by one call is disabled before the next git status",
  "approve",
  async (w) => {
    // No .git: git, finding the empty placeholder no repository, takes the workspace itself for a bare one.
    for (const [path, content] of [["config", EVIL_CONFIG], ["objects/keep", ""], ["refs/keep", ""]]) {
      assert.equal((await w.serve.call("write_file", { path, content })).ok, true);
    }
    await bash(w, "echo 'ref: refs/heads/main' > HEAD");
    const { out } = await bash(w, "git status --short; true");
    assert.ok(!existsSync(join(w.ws, "PWNED")), `git took the workspace for a bare repository: ${out}`);
  },
);

attack("objects/info/alternates a call rewrites is the sandbox's own again for the next call", "approve", async (w) => {
  setupRepo(w.ws);
  const before = await bash(w, "cat .git/objects/info/alternates");
  await bash(w, "echo ../../evil/objects >> .git/objects/info/alternates");
  const after = await bash(w, "cat .git/objects/info/alternates");
  assert.doesNotMatch(after.out.split(" {")[0]!, /evil/, `the planted alternate stayed: ${after.out}`);
  assert.match(before.out, /objects/, before.out);
});

// Red team 6, F0: git's is_git_directory() only asks access(X_OK) of objects and refs (a file passes), and HEAD may be
// a symlink; F0b: names are bytes, not UTF-8. The canary is what the operator's own git status on the host leaves.

/** The host's git status in `rel` (a shell word, so byte names work), as the operator would run it. */
function hostGitStatus(w: World, rel: string): void {
  spawnSync("sh", ["-c", `cd ${rel} && git status >/dev/null 2>&1; true`], {
    cwd: w.ws,
    env: { PATH: "/usr/bin:/bin", HOME: "/nonexistent", GIT_CONFIG_NOSYSTEM: "1", LANG: "C" },
    timeout: 20_000,
  });
}

/** A config that makes git treat the folder as a worktree of itself and run fsmonitor (canary in the workspace). */
function rootedConfig(w: World): string {
  return `[core]\n\trepositoryformatversion = 0\n\tbare = false\n\tworktree = .\n\tfsmonitor = "id > ${w.ws}/PWNED; false #"\n`;
}

for (
  const [name, shape] of [
    [
      "executable files for objects and refs",
      "touch objects refs; chmod +x objects refs; echo 'ref: refs/heads/main' > HEAD",
    ],
    ["a symlinked HEAD and executable files", "touch objects refs; chmod 755 objects refs; ln -s refs/heads/main HEAD"],
    ["FIFOs with an x bit for objects and refs", "mkfifo -m 755 objects refs; echo 'ref: refs/heads/main' > HEAD"],
    [
      "symlinks to an executable file",
      "touch x; chmod +x x; ln -s x objects; ln -s x refs; echo 'ref: refs/heads/x' > HEAD",
    ],
  ] as const
) {
  attack(`a sub-folder made a bare repository with ${name} is disabled before the host's git`, "approve", async (w) => {
    setupRepo(w.ws);
    const cfg = rootedConfig(w).replaceAll("\n", "\\n").replaceAll("\t", "\\t");
    const { out } = await bash(w, `mkdir -p src && cd src && printf '${cfg}' > config && ${shape}; ls -la`);
    hostGitStatus(w, "src");
    assert.ok(!existsSync(join(w.ws, "PWNED")), `the host's git status in src ran the agent's config: ${out}`);
  });
}

attack(
  "a workspace made a bare repository with executable files is disabled before the host's git",
  "approve",
  async (w) => {
    const cfg = rootedConfig(w).replaceAll("\n", "\\n").replaceAll("\t", "\\t");
    const { out } = await bash(
      w,
      `printf '${cfg}' > config && touch objects refs && chmod +x objects refs && echo 'ref: refs/heads/main' > HEAD`,
    );
    hostGitStatus(w, ".");
    assert.ok(
      !existsSync(join(w.ws, "PWNED")),
      `the host's git status in the workspace ran the agent's config: ${out}`,
    );
    const next = await bash(w, "git status --short; true");
    assert.ok(!existsSync(join(w.ws, "PWNED")), `a later call's git ran the agent's config: ${next.out}`);
  },
);

for (
  const [name, dir] of [
    ["a folder named with an invalid byte", "$(printf 'bad\\377dir')/r"],
    ["an overlong UTF-8 name at depth 1", "$(printf 'x\\300\\200y')"],
    ["a name with a newline and an invalid byte", "$(printf 'n\\nl\\377')/deep/er"],
  ] as const
) {
  attack(`a repository under ${name} is disabled before the host's git`, "approve", async (w) => {
    const { out } = await bash(
      w,
      `d=${dir}; mkdir -p "$d" && git init -q "$d" && git -C "$d" config core.fsmonitor 'id > ${w.ws}/PWNED; false #'` +
        ` && echo made`,
    );
    assert.match(out, /made/, out);
    if (w.deno) {
      // Deno's node:fs decodes such names (U+FFFD): they cannot be renamed from it. It fails closed instead: the
      // call says so and later process calls are refused until the folder is renamed.
      assert.match(out, /could not vouch/, out);
      const next = await bash(w, "echo ran");
      assert.equal(next.r.errorCode, "sandbox_unavailable", next.out);
      console.error(`note: on Deno the repository under ${name} is refused, not disabled (names are decoded)`);
      return;
    }
    assert.match(out, /the sandbox cannot name as text \(not UTF-8, or past PATH_MAX\)/, out);
    hostGitStatus(w, `"${dir}"`);
    assert.ok(!existsSync(join(w.ws, "PWNED")), `the host's git status ran the agent's config: ${out}`);
    const next = await bash(w, "echo ran");
    assert.equal(next.r.ok, true, `a later call was refused although the repository was disabled: ${next.out}`);
  });
}

attack("a bare repository made inside a .git the call makes is disabled too", "approve", async (w) => {
  const cfg = rootedConfig(w).replaceAll("\n", "\\n").replaceAll("\t", "\\t");
  const { out } = await bash(
    w,
    `git init -q sub && mkdir -p sub/.git/inner/objects sub/.git/inner/refs && cd sub/.git/inner && ` +
      `printf '${cfg}' > config && echo 'ref: refs/heads/main' > HEAD && echo made`,
  );
  assert.match(out, /made/, out);
  hostGitStatus(w, "sub/.git*/inner");
  assert.ok(!existsSync(join(w.ws, "PWNED")), `the host's git status in the inner repository ran: ${out}`);
});

// In one call: the sandbox cannot stop a process that writes commondir and then runs git; the gate must ask.

for (
  const [name, script] of [
    ["echo > .git/commondir; git status", "echo ../evil > .git/commondir; git status --short"],
    ["cat > .git/commondir; git status", "cat evil/cd > .git/commondir; git status --short"],
    ["tee .git/commondir; git status", "echo ../evil | tee .git/commondir >/dev/null; git status --short"],
  ] as const
) {
  attack(`${name} in one call is asked (and refused), not run`, "deny", async (w) => {
    setupRepo(w.ws);
    await plantEvil(w);
    assert.equal((await w.serve.call("write_file", { path: "evil/cd", content: "../evil\n" })).ok, true);
    const { r, out } = await bash(w, script);
    assert.equal(r.ok, false, `the gate ran it: ${out}`);
    assert.ok(!existsSync(join(w.ws, ".git", "commondir")), `commondir was written: ${out}`);
  });
}

attack("the non-repository placeholder written in one call with git status is asked", "deny", async (w) => {
  await plantEvil(w);
  const { r, out } = await bash(
    w,
    "echo 'ref: refs/heads/main' > .git/HEAD; echo ../evil > .git/commondir; git status --short",
  );
  assert.equal(r.ok, false, `the gate ran it: ${out}`);
});

stopServersTest("git view reset attacks: stop the servers", SKIP, () => worlds.values());
