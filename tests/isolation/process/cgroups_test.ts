/**
 * The server's two cgroups made by one `/bin/sh` (`_cgroups.ts`): the same folders, limit and uid as the pids and
 * memory set-ups run one after the other, removed at close (or skipped with the reason the host gives).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { readPidsSetup, setupPidsCgroup } from "../../../src/isolation/process/_cgroup.ts";
import { setupCgroups } from "../../../src/isolation/process/_cgroups.ts";
import { readMemorySetup, setupMemoryCgroup } from "../../../src/isolation/process/_memcg.ts";

// Deno refuses /sys paths without --allow-all: the folders are looked at through the shell, as the sandbox does.
const sh = (script: string, ...args: string[]) =>
  spawnSync("/bin/sh", ["-c", script, "sh", ...args], { encoding: "utf8" }).stdout.trim();
const exists = (dir: string) => sh('[ -d "$1" ] && echo yes || echo no', dir) === "yes";

async function gone(dir: string): Promise<boolean> {
  for (let i = 0; i < 150 && exists(dir); i++) await new Promise((r) => setTimeout(r, 20));
  return !exists(dir);
}

Deno.test("setupCgroups: what the two set-ups one after the other give, each folder removed at close", async () => {
  const both = setupCgroups(37);
  const pids = setupPidsCgroup(37);
  const memory = setupMemoryCgroup("dir" in pids.cgroup ? pids.cgroup.dir : null);
  try {
    assert.equal(both.pids.uid, pids.uid);
    assert.equal(both.pids.uid, Number(sh("id -u")));
    assert.equal("dir" in both.pids.cgroup, "dir" in pids.cgroup, JSON.stringify([both.pids, pids]));
    assert.equal("dir" in both.memory, "dir" in memory, JSON.stringify([both.memory, memory]));
    if ("error" in both.pids.cgroup && "error" in pids.cgroup) {
      assert.equal(both.pids.cgroup.error, pids.cgroup.error);
      console.error(`  SKIPPED the folders here: no pids cgroup (${both.pids.cgroup.error})`);
    }
    if ("dir" in both.pids.cgroup && "dir" in pids.cgroup) {
      const dir = both.pids.cgroup.dir;
      assert.notEqual(dir, pids.cgroup.dir);
      assert.equal(dir.slice(0, dir.lastIndexOf("/")), pids.cgroup.dir.slice(0, pids.cgroup.dir.lastIndexOf("/")));
      assert.match(dir, new RegExp(`/safe-exec-${process.pid}-[0-9a-f]{8}$`));
      assert.equal(sh('cat "$1/pids.max"', dir), "37");
      assert.equal(both.pids.cgroup.max, 37);
    }
    if ("error" in both.memory && "error" in memory) {
      assert.equal(both.memory.error, memory.error);
      console.error(`  SKIPPED the memory folder here: no memory cgroup (${both.memory.error})`);
    }
    if ("dir" in both.memory && "dir" in memory) {
      assert.equal(both.memory.version, memory.version);
      const dir = both.memory.dir;
      assert.notEqual(dir, memory.dir);
      assert.equal(dir.slice(0, dir.lastIndexOf("/")), memory.dir.slice(0, memory.dir.lastIndexOf("/")));
      assert.ok(exists(dir), `${dir} exists`);
    }
  } finally {
    for (const m of [both.memory, memory]) if ("dir" in m) m.remove();
    for (const c of [both.pids.cgroup, pids.cgroup]) if ("dir" in c) c.remove();
  }
  for (const d of [both.memory, both.pids.cgroup]) if ("dir" in d) assert.ok(await gone(d.dir), `${d.dir} was removed`);
});

Deno.test("readPidsSetup, readMemorySetup: the folder, or the script's own reason, or what it said", () => {
  const ok = readPidsSetup("uid 1000\ncgroup /sys/fs/cgroup/pids/safe-exec-1-ab\n", 8);
  assert.equal(ok.uid, 1000);
  assert.ok("dir" in ok.cgroup && ok.cgroup.dir === "/sys/fs/cgroup/pids/safe-exec-1-ab" && ok.cgroup.max === 8);
  assert.deepEqual(readPidsSetup("garbage", 8), {
    uid: -1,
    cgroup: { error: 'the cgroup set-up script said "garbage"' },
  });
  const m = readMemorySetup("cgroup 2 /sys/fs/cgroup/safe-exec-1-ab\n");
  assert.ok("dir" in m && m.dir === "/sys/fs/cgroup/safe-exec-1-ab" && m.version === 2);
  assert.deepEqual(readMemorySetup("error cannot create a memory cgroup in /x: denied"), {
    error: "cannot create a memory cgroup in /x: denied",
  });
});
