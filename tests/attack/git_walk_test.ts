/**
 * The walk for repositories a call made, against red team 7 (F6, F7): every way to cut the walk short or stretch it.
 * Each case runs one `run_bash` through a spawned `safe-exec serve` (deno run from source, and the Bun binary) and
 * then the operator's own `git status` on the host in the folders the call made repositories in, each with a
 * `core.fsmonitor` that leaves a canary beside the workspace: the canary must never appear.
 *
 * - F6: a call that makes more folders than the walk's bound (made small for the test with
 *   `SAFE_EXEC_GIT_WALK_MAX_DIRS`) must still disable the repositories at the workspace's top, those beside the
 *   bound, and those at the folders the walk did not enter (their own `.git`); later calls are refused, naming the
 *   folders the walk did not finish.
 * - F7: a folder chain 8,000 levels deep must not keep the walk busy for minutes (the call answers within a generous
 *   minute), and a repository at its bottom is disabled too.
 * - Symlink loops neither stop nor stretch the walk.
 *
 * Skipped (with a printed reason) when bubblewrap cannot run here.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { sandboxTargets, type Target } from "../_targets.ts";
import type { Msg } from "../e2e/_serve.ts";
import { hostGit, mustGit } from "./_host_git.ts";
import { sandboxSkip, type ServeWorld, serveWorld, stopServersTest } from "./_world.ts";

const SKIP = sandboxSkip("the git walk attack suite");

const worlds: ServeWorld[] = [];

function world(target: Target, env: Record<string, string> = {}): ServeWorld {
  const w = serveWorld(target, { prefix: "se-gitwalk-", config: { confirm: "exec:true" }, env });
  worlds.push(w);
  return w;
}

/** A shell line that makes a repository at `dir` whose fsmonitor leaves `<base>/CANARY_<tag>` on the host. */
function repoAt(base: string, dir: string, tag: string): string {
  return `mkdir -p ${dir} && (cd ${dir} && git init -q && git config core.fsmonitor 'touch ${base}/CANARY_${tag}; false')`;
}

async function bash(w: ServeWorld, cmd: string, timeoutMs = 120_000): Promise<{ r: Msg; out: string }> {
  const r = await w.serve.call("run_bash", { cmd, timeoutMs: 110_000 }, timeoutMs);
  const o = r.output as { stdout?: string; stderr?: string } | null;
  return { r, out: `${o?.stdout ?? ""}${o?.stderr ?? ""}${JSON.stringify(r.error ?? "")}` };
}

/** The host's git status in `ws/dir` must not run the agent's fsmonitor. */
function hostSafe(w: ServeWorld, dir: string, tag: string, why: string): void {
  const canary = join(w.base, `CANARY_${tag}`);
  hostGit(join(w.ws, dir), "status", "--short");
  assert.ok(!existsSync(canary), `host git status in ${dir} ran the agent's fsmonitor (${why})`);
}

function attack(name: string, fn: (target: Target) => Promise<void>): void {
  for (const target of sandboxTargets()) {
    Deno.test({
      name: `[${target.name}] git walk attack: ${name}`,
      ignore: SKIP !== null,
      sanitizeOps: false,
      sanitizeResources: false,
      fn: () => fn(target),
    });
  }
}

attack("a call past the folder bound leaves no repository it made live at the top (F6)", async (target) => {
  const w = world(target, { SAFE_EXEC_GIT_WALK_MAX_DIRS: "1500" });
  // 40 folders of 100 under big/ (4,040 folders), and repositories around them: aaa and zzz at the top (the red
  // team's), big/000 at the second level, big/039/099 and big/020/050 at the third (past the bound).
  const made = [
    ["aaa", "aaa"],
    ["zzz", "zzz"],
    ["big/000", "big000"],
    ["big/020/050", "big020050"],
    ["big/039/099", "big039099"],
  ];
  const { out } = await bash(
    w,
    `for i in $(seq -w 0 39); do mkdir -p big/0$i && (cd big/0$i && mkdir $(seq -w 0 99)); done && ` +
      made.map(([d, t]) => repoAt(w.base, d!, t!)).join(" && ") + " && echo made",
  );
  assert.match(out, /made/, out);
  assert.match(out, /stopped at 1500 folders/, out);
  for (const [d, t] of made) hostSafe(w, d!, t!, out);
  // Later process calls are refused, naming the folders the walk did not finish.
  const next = await bash(w, "echo again");
  assert.match(next.out, /The sandbox cannot protect git's files/, next.out);
  assert.match(next.out, /not walked .*do not run the host's git inside them/, next.out);
});

attack("a folder chain 8,000 deep is walked in seconds and its bottom repository disabled (F7)", async (target) => {
  const w = world(target);
  const started = performance.now();
  const { out } = await bash(
    w,
    `${repoAt(w.base, "aaa", "deep_aaa")} && python3 -I -c 'import os\nos.mkdir("mmm"); os.chdir("mmm")\n` +
      `for i in range(8000):\n  os.mkdir("d"); os.chdir("d")\n` +
      `os.makedirs(".git/objects"); os.mkdir(".git/refs"); open(".git/HEAD", "w").write("ref: refs/heads/main\\n")\n` +
      `open(".git/config", "w").write("[core]\\n\\tfsmonitor = touch ${w.base}/CANARY_deep_bottom\\n")\n` +
      `' && echo made`,
    90_000,
  );
  const seconds = (performance.now() - started) / 1000;
  assert.match(out, /made/, out);
  assert.ok(seconds < 60, `the call with an 8,000-deep chain took ${seconds.toFixed(1)} s (its walk is superlinear)`);
  hostSafe(w, "aaa", "deep_aaa", out);
  // The bottom repository is past PATH_MAX (the host's git cannot even start there): the walk renamed it aside, or,
  // under Deno without --allow-all (no /proc/self/fd paths), said it could not look that deep (fail closed).
  if (target.name === "deno src" && /could not vouch/.test(out)) {
    assert.match(out, /cannot be looked at \(Requires all access/, out.slice(-600));
  } else {
    assert.match(
      out,
      /d\/\.git \(a git repository this call made, at a path the sandbox cannot name.*\) was renamed to/,
      out.slice(-2000),
    );
    assert.doesNotMatch(out, /could not vouch/, out.slice(-2000));
  }
  assert.equal(spawnSync("rm", ["-rf", join(w.ws, "mmm")]).status, 0);
});

attack("symlink loops neither stop the walk nor hide a repository", async (target) => {
  const w = world(target);
  const { out } = await bash(
    w,
    `mkdir -p l/a && ln -s .. l/a/up && ln -s . l/self && ln -s loop2 l/loop1 && ln -s loop1 l/loop2 && ` +
      `${repoAt(w.base, "l/a/r", "loop")} && echo made`,
  );
  assert.match(out, /made/, out);
  hostSafe(w, "l/a/r", "loop", out);
  assert.doesNotMatch(out, /could not vouch/, out);
  const next = await bash(w, "echo again");
  assert.match(next.out, /again/, next.out);
});

attack("the operator's repository at a long (deep) path is kept and protected, not disabled", async (target) => {
  const w = world(target);
  const deep = join(w.ws, ...Array.from({ length: 12 }, (_, i) => `${i}`.padEnd(180, "x")));
  mkdirSync(deep, { recursive: true });
  mustGit(deep, "init", "-q");
  await new Promise((r) => setTimeout(r, 1100)); // past the file system clock's second
  const { out } = await bash(w, "echo hi");
  assert.match(out, /hi/, out);
  assert.doesNotMatch(out, /renamed|could not vouch/, out);
  assert.ok(existsSync(join(deep, ".git", "HEAD")), "the operator's deep repository was disabled");
  const again = await bash(w, `cd ${deep} && git status --short && echo still`);
  assert.match(again.out, /still/, again.out);
  assert.ok(existsSync(join(deep, ".git", "HEAD")), "the operator's deep repository was disabled");
});

stopServersTest("git walk attack suite: stop the servers", SKIP, () => worlds, () => {
  for (const w of worlds) spawnSync("rm", ["-rf", w.base]);
});
