/**
 * Git's data folders against red-team report 2: symlinks and special files planted in `.git/objects/`, `refs/`,
 * `logs/` (F1, after the call; F2, during it, while the operator's git runs on the host) and unchecked top-level
 * data files (`shallow`, `MERGE_HEAD`: F3). Every attack goes through a spawned `safe-exec serve` (deno run from
 * source) with only tool arguments; each case asserts on the world outside the workspace: a folder beside it that
 * must stay empty, a canary file that must keep its bytes, the host's git that must answer and stay a plain history.
 * The last case checks that ordinary git work in the sandbox (add, commit, branch, checkout -b, stash, gc, repack)
 * still reaches the host.
 *
 * Skipped (with a printed reason) when bubblewrap cannot run here.
 */
import assert from "node:assert/strict";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { targets } from "../_targets.ts";
import type { Msg, Serve } from "../e2e/_serve.ts";
import { hostGit, mustGit } from "./_host_git.ts";
import { sandboxSkip, serveWorld, stopServersTest } from "./_world.ts";

const SKIP = sandboxSkip("the git data attack suite");

interface World {
  base: string;
  ws: string;
  outside: string;
  canary: string;
  serve: Serve;
}
let shared: World | null = null;

function world(): World {
  if (shared) return shared;
  const target = targets().find((t) => t.name === "deno src")!;
  const { base, ws, serve } = serveWorld(target, {
    prefix: "se-gitdata-",
    config: { confirm: "exec:true" },
    dirs: ["outside"],
  });
  shared = { base, ws, outside: join(base, "outside"), canary: join(base, "bashrc"), serve };
  return shared;
}

const ID = ["-c", "user.name=op", "-c", "user.email=op@host"];
const AID = "-c user.name=a -c user.email=a@b";

async function bash(w: World, cmd: string, timeoutMs = 60_000): Promise<{ r: Msg; out: string }> {
  const r = await w.serve.call("run_bash", { cmd, timeoutMs }, timeoutMs + 30_000);
  const o = r.output as { stdout?: string; stderr?: string } | null;
  return { r, out: `${o?.stdout ?? ""}${o?.stderr ?? ""}` };
}

/** Every symlink, FIFO or other special file under `dir`. */
function specials(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else if (!st.isFile()) out.push(p);
    }
  };
  walk(dir);
  return out;
}

function attack(name: string, fn: (w: World) => Promise<void>): void {
  Deno.test({
    name: `git data attack: ${name}`,
    ignore: SKIP !== null,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const w = world();
      for (const d of [w.ws, w.outside]) {
        for (const n of readdirSync(d)) rmSync(join(d, n), { recursive: true, force: true });
      }
      writeFileSync(w.canary, "# the operator's bashrc\n");
      mkdirSync(w.ws, { recursive: true });
      mustGit(w.ws, "init", "-q", "-b", "main");
      mustGit(w.ws, ...ID, "commit", "-q", "--allow-empty", "-m", "first");
      await fn(w);
      assert.deepEqual(readdirSync(w.outside), [], "the host's git wrote outside the workspace");
      assert.equal(readFileSync(w.canary, "utf8"), "# the operator's bashrc\n", "the canary outside was written");
      assert.deepEqual(specials(join(w.ws, ".git")), [], "symlinks or special files were left in .git");
    },
  });
}

// F1: what the call plants in objects/ must not redirect the operator's later commit / repack.
attack("F1: symlinks and alternates planted in objects/ do not survive the call", async (w) => {
  const { out } = await bash(
    w,
    "cd .git/objects; for i in $(seq 0 255); do p=$(printf %02x $i); [ -e $p ] || ln -s " + w.outside +
      " $p; done; rm -rf pack && ln -s " + w.outside + " pack; mkdir -p info; echo " + w.outside +
      " > info/alternates; echo " + w.outside + " > info/http-alternates; ln -sf " + w.outside +
      "/cg info/commit-graph; echo planted",
  );
  assert.match(out, /planted/, out);
  writeFileSync(join(w.ws, "b.txt"), "operator work\n");
  mustGit(w.ws, "add", "b.txt");
  mustGit(w.ws, ...ID, "commit", "-q", "-m", "operator");
  mustGit(w.ws, "repack", "-q", "-a", "-d");
  assert.doesNotMatch(mustGit(w.ws, "count-objects", "-v"), /alternate/);
  mustGit(w.ws, "fsck", "--no-progress");
});

// F2: during a long call, the host's git must not write through what the call planted.
attack("F2: links planted during a running call are not followed by the host's git", async (w) => {
  const marker = join(w.ws, "planted");
  const running = bash(
    w,
    "cd .git && rm -f logs/HEAD && ln -s " + w.canary + " logs/HEAD && rm -rf refs/tags && ln -s " + w.outside +
      " refs/tags && mkdir -p logs/refs && rm -rf logs/refs/heads && ln -s " + w.outside + " logs/refs/heads && " +
      "for i in $(seq 0 255); do p=$(printf %02x $i); [ -e objects/$p ] || ln -s " + w.outside + " objects/$p; done; " +
      "echo ok > ../planted; sleep 8; echo slept",
    30_000,
  );
  const until = Date.now() + 20_000;
  while (!existsSync(marker) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  assert.ok(existsSync(marker), "the call did not plant in time");
  writeFileSync(join(w.ws, "c.txt"), "during the call\n");
  mustGit(w.ws, "add", "c.txt");
  mustGit(w.ws, ...ID, "commit", "-q", "-m", "operator during the call");
  mustGit(w.ws, "branch", "x;touch${IFS}/tmp/pwn;#");
  mustGit(w.ws, "tag", "v1");
  mustGit(w.ws, "checkout", "-q", "x;touch${IFS}/tmp/pwn;#");
  assert.deepEqual(readdirSync(w.outside), [], "written outside during the call");
  assert.equal(readFileSync(w.canary, "utf8"), "# the operator's bashrc\n", "the canary was appended to");
  const { out } = await running;
  assert.match(out, /slept/, out);
  mustGit(w.ws, "checkout", "-q", "main");
  assert.match(mustGit(w.ws, "log", "--format=%s", "-1"), /operator during the call/);
  mustGit(w.ws, "fsck", "--no-progress");
});

// F3: FIFOs and garbage data files must not hang or bend the host's git.
attack("F3: FIFOs, shallow and MERGE_HEAD left by the call do not hang or bend the host's git", async (w) => {
  const { out } = await bash(
    w,
    "cd .git && mkfifo refs/heads/fifo && mkdir -p logs/refs/heads && mkfifo logs/refs/heads/fifo2 && " +
      "mkdir -p objects/info && mkfifo objects/info/fifo3 && echo hi > shallow && " +
      "echo 1111111111111111111111111111111111111111 > MERGE_HEAD && echo 'evil merge' > MERGE_MSG && echo planted",
  );
  assert.match(out, /planted/, out);
  const br = hostGit(w.ws, "branch", "--list");
  assert.equal(br.status, 0, `host git branch: ${br.out}`);
  mustGit(w.ws, "log", "--all", "--format=%s");
  assert.ok(!existsSync(join(w.ws, ".git", "shallow")), "a garbage shallow was copied back");
  assert.ok(!existsSync(join(w.ws, ".git", "MERGE_HEAD")), "a MERGE_HEAD of a missing object was copied back");
  writeFileSync(join(w.ws, "d.txt"), "x\n");
  mustGit(w.ws, "add", "d.txt");
  mustGit(w.ws, ...ID, "commit", "-q", "-m", "plain");
  assert.equal(mustGit(w.ws, "rev-list", "--parents", "-1", "HEAD").trim().split(" ").length, 2, "not a plain commit");
});

// F1 class: a nested repository the operator makes between two calls is not viewed during the next call; if that
// call plants links in its objects/, the walk after it must not adopt it (the host's git would write through them).
attack("F1: links planted in a nested repository made between calls do not stay for the host's git", async (w) => {
  await bash(w, "true"); // the walk of this workspace is done: "sub" below is new to it
  const sub = join(w.ws, "sub");
  mkdirSync(sub);
  mustGit(sub, "init", "-q", "-b", "main");
  mustGit(sub, ...ID, "commit", "-q", "--allow-empty", "-m", "sub");
  await new Promise((r) => setTimeout(r, 1100)); // past the file system clock's second
  const { out } = await bash(
    w,
    "cd sub/.git/objects; for i in $(seq 0 255); do p=$(printf %02x $i); [ -e $p ] || ln -s " + w.outside +
      " $p; done; echo planted",
  );
  assert.match(out, /planted/, out);
  writeFileSync(join(sub, "e.txt"), "x\n");
  hostGit(sub, "add", "e.txt");
  hostGit(sub, ...ID, "commit", "-q", "-m", "operator in sub");
  rmSync(sub, { recursive: true, force: true });
});

// Legitimate work: the sandbox's git writes and its results reach the host after the call.
attack("ordinary git work in the sandbox reaches the host (add, commit, branch, checkout -b, stash, gc)", async (w) => {
  const { r, out } = await bash(
    w,
    `set -e; echo one > a.txt; git add a.txt; git ${AID} commit -q -m agent-one; git branch feature; ` +
      `git checkout -q -b topic; echo two > b.txt; git add b.txt; git ${AID} commit -q -m agent-two; ` +
      `echo wip >> a.txt; git ${AID} stash -q; git gc -q; git repack -q -a -d; git ${AID} tag -a t1 -m tag; ` +
      `git checkout -q main; git log --format=%s -1; echo done`,
  );
  assert.equal(r.ok, true, out);
  assert.match(out, /done/, out);
  assert.equal(mustGit(w.ws, "log", "--format=%s", "-1", "topic").trim(), "agent-two");
  assert.equal(mustGit(w.ws, "log", "--format=%s", "-1", "feature").trim(), "agent-one");
  assert.equal(mustGit(w.ws, "symbolic-ref", "HEAD").trim(), "refs/heads/main");
  assert.match(mustGit(w.ws, "stash", "list"), /stash@\{0\}/);
  assert.match(mustGit(w.ws, "tag", "-l"), /t1/);
  assert.match(mustGit(w.ws, "reflog", "topic"), /agent-two/);
  mustGit(w.ws, "fsck", "--no-progress", "--strict");
  mustGit(w.ws, "branch", "-D", "feature");
  const second = await bash(w, "git branch -a; git stash list; git log --format=%s topic -1");
  assert.doesNotMatch(second.out, /feature/, second.out);
  assert.match(second.out, /agent-two/, second.out);
  const third = await bash(w, "git branch -D topic && git stash drop -q && echo dropped");
  assert.match(third.out, /dropped/, third.out);
  assert.doesNotMatch(mustGit(w.ws, "branch", "--list"), /topic/);
  assert.equal(mustGit(w.ws, "stash", "list").trim(), "");
  mustGit(w.ws, "fsck", "--no-progress");
});

stopServersTest("git data attack: stop the server", SKIP, () => shared ? [shared] : []);
