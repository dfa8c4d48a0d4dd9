/**
 * The per-call memory cgroup (`_memcg.ts`): the prelude lines against exact vectors for cgroup v1 and v2, and the
 * server's folder on this host (made and removed, or skipped with the reason the host gives).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { memoryPrelude, setupMemoryCgroup } from "../../../src/isolation/process/_memcg.ts";
import { DEFAULT_LIMITS, limitPrelude } from "../../../src/isolation/process/_standby.ts";

Deno.test("memoryPrelude: the exact lines for cgroup v2 and v1 (a quote in the folder name stays quoted)", () => {
  assert.deepEqual(memoryPrelude({ dir: "/sys/fs/cgroup/safe-exec-1-ab", version: 2 }, 2 ** 31), [
    "mg='/sys/fs/cgroup/safe-exec-1-ab'; m=$mg/c$$",
    'for d in "$mg"/c*; do p=${d##*/c}; [ -d "$d" ] && [ ! -d "/proc/$p" ] && rmdir "$d" 2>/dev/null; done',
    '{ mkdir "$m" && echo 2147483648 > "$m/memory.max" && { [ ! -e "$m/memory.swap.max" ] || echo 0 > ' +
    '"$m/memory.swap.max"; } && echo $$ > "$m/cgroup.procs"; } 2>/dev/null || ' +
    '{ echo "safe-exec: cannot join a memory cgroup in $mg" >&2; exit 126; }',
  ]);
  const v1 = memoryPrelude({ dir: "/sys/fs/cgroup/memory/it's", version: 1 }, 1 << 30);
  assert.equal(v1[0], "mg='/sys/fs/cgroup/memory/it'\\''s'; m=$mg/c$$");
  assert.match(v1[2]!, /echo 1073741824 > "\$m\/memory\.limit_in_bytes"/);
  assert.match(v1[2]!, /echo 1073741824 > "\$m\/memory\.memsw\.limit_in_bytes"/);
});

Deno.test("limitPrelude: joins the memory cgroup after the pids cgroup, before the filter opens", () => {
  const p = limitPrelude(DEFAULT_LIMITS, false, { dir: "/cg/x", version: 1 });
  const pids = p.indexOf('echo $$ > "$1"');
  const mem = p.indexOf("mg='/cg/x'");
  assert.ok(pids > 0 && mem > pids && p.indexOf("exec 4<") > mem, p);
  assert.ok(!limitPrelude(DEFAULT_LIMITS, false).includes("mg="));
});

Deno.test("setupMemoryCgroup: a folder this process can limit, removed at close (or why not)", async () => {
  const m = setupMemoryCgroup(null);
  if ("error" in m) {
    console.error(`  SKIPPED here: no memory cgroup (${m.error})`);
    return;
  }
  const ls = (d: string) => spawnSync("ls", [d], { encoding: "utf8" });
  assert.equal(ls(m.dir).status, 0, `${m.dir} exists`);
  m.remove();
  for (let i = 0; i < 100 && ls(m.dir).status === 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.notEqual(ls(m.dir).status, 0, `${m.dir} was removed`);
});
