/**
 * Red team 10, J4: an index a sandboxed call writes must not make the host's git look away from files. The agent
 * marks a tracked file assume-unchanged or skip-worktree (or forges the fsmonitor and untracked-cache extensions)
 * and then changes it: without the copy-back's check the host's `git status` shows nothing, and the operator
 * commits on top of a change they never saw. Each case runs `run_bash` through a spawned `safe-exec serve` in the
 * real bubblewrap sandbox and asserts with the host's own git afterwards. An operator's own bits stay.
 *
 * Skipped (with a printed reason) when bubblewrap cannot run here.
 */
import assert from "node:assert/strict";
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sandboxTargets, type Target } from "../_targets.ts";
import type { Serve } from "../e2e/_serve.ts";
import { mustGit } from "./_host_git.ts";
import { sandboxSkip, serveWorld, stopServersTest } from "./_world.ts";

const SKIP = sandboxSkip("the git index attacks");

const worlds = new Map<string, { base: string; ws: string; serve: Serve }>();

function world(target: Target): { ws: string; serve: Serve } {
  let w = worlds.get(target.name);
  if (!w) {
    const { base, ws, serve } = serveWorld(target, { prefix: "se-gitindex-", config: { confirm: "exec:true" } });
    w = { base, ws, serve };
    worlds.set(target.name, w);
  }
  for (const n of readdirSync(w.ws)) rmSync(join(w.ws, n), { recursive: true, force: true });
  mustGit(w.ws, "init", "-q", "-b", "main");
  for (const f of ["app.js", "lib.js", "own.js"]) writeFileSync(join(w.ws, f), `// ${f}\n`);
  mustGit(w.ws, "add", ".");
  mustGit(w.ws, "-c", "user.name=op", "-c", "user.email=op@host", "commit", "-q", "-m", "first");
  return w;
}

async function bash(serve: Serve, cmd: string): Promise<string> {
  const r = await serve.call("run_bash", { cmd });
  assert.equal(r.ok, true, JSON.stringify(r).slice(0, 400));
  return JSON.stringify(r.output).slice(0, 600);
}

for (const target of sandboxTargets()) {
  const t = (name: string, fn: () => Promise<void>) =>
    Deno.test({
      name: `[${target.name}] git index attack (J4): ${name}`,
      ignore: SKIP !== null,
      sanitizeOps: false,
      sanitizeResources: false,
      fn,
    });

  t("assume-unchanged and skip-worktree set in the sandbox do not hide a change from the host", async () => {
    const { ws, serve } = world(target);
    const out = await bash(
      serve,
      "git update-index --assume-unchanged app.js && git update-index --skip-worktree lib.js && " +
        "echo 'evil()' >> app.js && echo 'evil()' >> lib.js && git status --porcelain",
    );
    assert.equal(mustGit(ws, "ls-files", "-v"), "H app.js\nH lib.js\nH own.js\n", out);
    assert.equal(mustGit(ws, "status", "--porcelain"), " M app.js\n M lib.js\n", out);
    assert.match(out, /assume-unchanged and skip-worktree bits of 2 files were cleared/);
  });

  t("the operator's own assume-unchanged bit stays", async () => {
    const { ws, serve } = world(target);
    mustGit(ws, "update-index", "--assume-unchanged", "own.js");
    await bash(serve, "echo more >> app.js && git add app.js");
    assert.equal(mustGit(ws, "ls-files", "-v"), "H app.js\nH lib.js\nh own.js\n");
    assert.equal(mustGit(ws, "diff", "--cached", "--name-only"), "app.js\n");
  });
}

stopServersTest("git index attacks: stop the servers", SKIP, () => [...worlds.values()]);
