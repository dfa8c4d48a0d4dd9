/**
 * Private helper of the sandbox: the server's pids cgroup (`_cgroup.ts`) and memory cgroup (`_memcg.ts`) set up by
 * one `/bin/sh` instead of two, and on cgroup v1 side by side (the memory folder sits below this process's own memory
 * cgroup, not in the pids one). Making a cgroup folder is slow in the kernel (5–15 ms each here), and both are made
 * before the first `info` answer or process call. On cgroup v2, where the memory folder is the pids one, the memory
 * set-up runs after it, as {@linkcode setupMemoryCgroup} does alone.
 *
 * Runtime-free: `node:` APIs only.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { type CgroupSetup, PIDS_SETUP, pidsSetupArgs, readPidsSetup } from "./_cgroup.ts";
import { MEMORY_SETUP, type MemoryCgroup, memoryCgroupName, readMemorySetup, setupMemoryCgroup } from "./_memcg.ts";

/** Both cgroups of a server, or why not. */
export interface CgroupsSetup {
  /** The pids cgroup and this process's uid. */
  pids: CgroupSetup;
  /** The memory cgroup. */
  memory: MemoryCgroup | { error: string };
}

// $1 the pids limit, $2 the pids folder's name, $3 the memory folder's name. The memory script's lines come back
// prefixed with "memory "; "memory later" says it did not run (cgroup v2: it needs the pids folder first).
const BOTH = `
v1=/sys/fs/cgroup/memory
if [ -e "$v1/cgroup.procs" ] && [ -e "$v1/memory.limit_in_bytes" ]; then
  ( set -- "$3" ""
${MEMORY_SETUP}
  ) | while IFS= read -r line; do echo "memory $line"; done &
  (
${PIDS_SETUP}
  )
  wait
else
  (
${PIDS_SETUP}
  )
  echo "memory later"
fi
`;

/**
 * Set up the pids cgroup limited to `max` processes and the memory cgroup (each, or why not), as
 * {@linkcode setupPidsCgroup} then {@linkcode setupMemoryCgroup} would.
 *
 * @example
 * ```ts ignore
 * import { setupCgroups } from "./_cgroups.ts";
 * const { pids, memory } = setupCgroups(64);
 * if ("dir" in memory) memory.remove();
 * if ("dir" in pids.cgroup) pids.cgroup.remove();
 * ```
 */
export function setupCgroups(max: number): CgroupsSetup {
  let out: string;
  try {
    const r = spawnSync("/bin/sh", ["-c", BOTH, "sh", ...pidsSetupArgs(max), memoryCgroupName()], {
      encoding: "utf8",
      timeout: 10_000,
      env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
    });
    if (r.error) throw r.error;
    out = r.stdout ?? "";
  } catch (e) {
    const error = `cannot run /bin/sh: ${(e as Error).message}`;
    return { pids: { uid: -1, cgroup: { error } }, memory: { error } };
  }
  const own: string[] = [];
  const memory: string[] = [];
  for (const line of out.split("\n")) {
    if (line.startsWith("memory ")) memory.push(line.slice("memory ".length));
    else own.push(line);
  }
  const pids = readPidsSetup(own.join("\n"), max);
  if (memory.includes("later")) {
    return { pids, memory: setupMemoryCgroup("dir" in pids.cgroup ? pids.cgroup.dir : null) };
  }
  return { pids, memory: readMemorySetup(memory.join("\n")) };
}
