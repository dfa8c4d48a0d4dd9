/**
 * Private helper of the sandbox: a memory cgroup per call, so one call cannot take the host's memory however many
 * processes it starts (RLIMIT_AS is per process: 256 processes × 4 GiB is more than most hosts have, and the OOM
 * killer would then pick among the host's processes, the server included).
 *
 * One folder per server where this process may make cgroups with the memory controller:
 * - cgroup v1: `safe-exec-mem-<pid>-<rand>` below this process's own memory cgroup (so a limit put on safe-exec, a
 *   container's, still holds);
 * - cgroup v2, where a process is in one cgroup only: the server's pids cgroup (`_cgroup.ts`, at the root), with
 *   `+memory` enabled below it; the calls' folders then sit inside it and its `pids.max` counts them all, as before.
 *   Without a v2 pids cgroup (not root, no delegation) there is no memory limit, and the sandbox says so.
 * Each call's standby prelude (`_standby.ts`) makes `c<its pid>` in it, writes the limit (`memory.max` and
 * `memory.swap.max` 0, or v1 `memory.limit_in_bytes` and `memory.memsw.limit_in_bytes`) and joins it before it
 * `exec`s bwrap; the kernel's OOM killer then picks inside the call only. Folders of finished calls (their pid gone)
 * are removed by the next prelude, the rest at close.
 *
 * Deno refuses `/sys` and `/proc` paths without `--allow-all`, so everything goes through small `/bin/sh` scripts.
 * Runtime-free: `node:` APIs only.
 *
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import process from "node:process";

/** A memory cgroup folder owned by this server; each call gets its own child in it. */
export interface MemoryCgroup {
  /** The server's folder (calls make `c<pid>` in it). */
  dir: string;
  /** cgroup v2 (`memory.max`) or v1 (`memory.limit_in_bytes`). */
  version: 1 | 2;
  /** Kill what is left in it, then remove it (errors are ignored). */
  remove(): void;
}

const SETUP = `
name=$1
sweep() { # folders of servers that are gone
  for d in "$1"/safe-exec-mem-*; do
    [ -d "$d" ] || continue
    p=\${d##*/safe-exec-mem-}; p=\${p%%-*}
    [ -d "/proc/$p" ] && continue
    for c in "$d"/c*; do [ -d "$c" ] && rmdir "$c" 2>/dev/null; done
    rmdir "$d" 2>/dev/null
  done
}
v1=/sys/fs/cgroup/memory
if [ -e "$v1/cgroup.procs" ] && [ -e "$v1/memory.limit_in_bytes" ]; then
  own=$(sed -n 's/^[0-9]*:memory:\\(.*\\)$/\\1/p' /proc/self/cgroup)
  base=$v1\${own%/}
  [ -d "$base" ] || { echo "error this process's memory cgroup $base is not visible"; exit 0; }
  sweep "$base"
  err=$(mkdir "$base/$name" 2>&1) || { echo "error cannot create a memory cgroup in $base: $err"; exit 0; }
  echo "cgroup 1 $base/$name"; exit 0
fi
pids=$2
if [ -e /sys/fs/cgroup/cgroup.subtree_control ]; then
  [ -n "$pids" ] || { echo "error cgroup v2 without a pids cgroup of safe-exec's to put the memory controller in"; exit 0; }
  err=$( (echo +memory > "$pids/cgroup.subtree_control") 2>&1) ||
    { echo "error cannot enable the memory controller below $pids: $err"; exit 0; }
  echo "cgroup 2 $pids"; exit 0
fi
echo "error no memory cgroup controller (neither cgroup v1 /sys/fs/cgroup/memory nor cgroup v2)"
`;

const REMOVE = `
for c in "$1"/c*; do
  [ -d "$c" ] || continue
  for p in $(cat "$c/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
done
i=0
while [ "$i" -lt 500 ]; do
  for c in "$1"/c*; do [ -d "$c" ] && rmdir "$c" 2>/dev/null; done
  rmdir "$1" 2>/dev/null && exit 0
  sleep 0.01; i=$((i+1))
done
`;

/**
 * Create this server's memory cgroup folder, or say why there is none (the sandbox then says "memory: NOT limited"
 * and why). Also removes folders left by servers that are gone.
 *
 * @example
 * ```ts ignore
 * import { setupMemoryCgroup } from "./_memcg.ts";
 * const m = setupMemoryCgroup(null);
 * if ("dir" in m) m.remove();
 * ```
 */
export function setupMemoryCgroup(pidsDir: string | null): MemoryCgroup | { error: string } {
  const rand = Array.from(crypto.getRandomValues(new Uint8Array(4)), (b) => b.toString(16).padStart(2, "0")).join("");
  let out: string;
  try {
    const r = spawnSync("/bin/sh", ["-c", SETUP, "sh", `safe-exec-mem-${process.pid}-${rand}`, pidsDir ?? ""], {
      encoding: "utf8",
      timeout: 10_000,
      env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
    });
    if (r.error) throw r.error;
    out = r.stdout ?? "";
  } catch (e) {
    return { error: `cannot run /bin/sh: ${(e as Error).message}` };
  }
  const m = /^cgroup ([12]) (.+)$/m.exec(out);
  if (!m) return { error: /^error (.+)$/m.exec(out)?.[1] ?? `the memory cgroup script said ${JSON.stringify(out)}` };
  const dir = m[2] as string;
  const version = m[1] === "2" ? 2 : 1;
  let removed = false;
  return {
    dir,
    version,
    remove() {
      // v2: the folder is the pids cgroup's, which removes it with the calls' folders in it.
      if (removed || version === 2) return;
      removed = true;
      try {
        // Detached, like the pids cgroup's removal: the killed processes are reaped once this event loop runs.
        const child = spawn("/bin/sh", ["-c", REMOVE, "sh", dir], {
          detached: true,
          stdio: "ignore",
          env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
        });
        child.on("error", () => {/* a later server sweeps it */});
        child.unref();
      } catch {
        // a later server sweeps it
      }
    },
  };
}

/** Quote one word for the shell. */
function quote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/**
 * The prelude lines that put the calling shell into a memory cgroup of its own below `cg` (`c$$`), limited to
 * `bytes` (no swap beyond it), after removing the folders of finished calls. Exits 126 with a message when it cannot.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { memoryPrelude } from "./_memcg.ts";
 * const lines = memoryPrelude({ dir: "/sys/fs/cgroup/safe-exec-mem-1-ab", version: 2 }, 1 << 30).join("\n");
 * assert.match(lines, /echo 1073741824 > "\$m\/memory\.max"/);
 * assert.match(lines, /echo \$\$ > "\$m\/cgroup\.procs"/);
 * ```
 */
export function memoryPrelude(cg: Pick<MemoryCgroup, "dir" | "version">, bytes: number): string[] {
  const n = String(Math.max(1 << 20, Math.floor(bytes)));
  const [limit, swap, swapValue] = cg.version === 2
    ? ["memory.max", "memory.swap.max", "0"]
    : ["memory.limit_in_bytes", "memory.memsw.limit_in_bytes", n];
  return [
    `mg=${quote(cg.dir)}; m=$mg/c$$`,
    'for d in "$mg"/c*; do p=${d##*/c}; [ -d "$d" ] && [ ! -d "/proc/$p" ] && rmdir "$d" 2>/dev/null; done',
    `{ mkdir "$m" && echo ${n} > "$m/${limit}" && { [ ! -e "$m/${swap}" ] || echo ${swapValue} > "$m/${swap}"; } && ` +
    `echo $$ > "$m/cgroup.procs"; } 2>/dev/null || ` +
    `{ echo "safe-exec: cannot join a memory cgroup in $mg" >&2; exit 126; }`,
  ];
}
