/**
 * Private helper of the sandbox: a pids cgroup that caps how many processes a sandboxed command may have.
 *
 * RLIMIT_NPROC does not bind uid 0 (the kernel exempts root), and safe-exec often runs as root in containers and
 * CI, so a fork bomb is stopped by a cgroup instead: one folder per server, `pids.max` set, and the `/bin/sh`
 * prelude writes its own pid into `cgroup.procs` before it `exec`s bwrap. Works with the cgroup v1 `pids`
 * hierarchy (tested here) and with cgroup v2 when the root's `cgroup.subtree_control` has `pids` (untested here).
 *
 * Deno refuses `/sys` and `/proc` paths without `--allow-all`, so the folder is made and removed by a small
 * `/bin/sh` script (run once at set-up and once at close), never through `node:fs`. Runtime-free: `node:` APIs only.
 *
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import process from "node:process";

/** A pids cgroup owned by this process. */
export interface PidsCgroup {
  /** Its folder. */
  dir: string;
  /** Its `cgroup.procs` file (write a pid to move that process in). */
  procs: string;
  /** Its limit. */
  max: number;
  /** Kill what is left in it, then remove the folder (errors are ignored; a later server sweeps it). */
  remove(): void;
}

/** What the set-up script found. */
export interface CgroupSetup {
  /** The effective uid of this process (-1 when unknown). */
  uid: number;
  /** The cgroup, or why there is none. */
  cgroup: PidsCgroup | { error: string };
}

const SETUP = `
echo "uid $(id -u)"
max=$1; name=$2
if [ -e /sys/fs/cgroup/pids/cgroup.procs ]; then base=/sys/fs/cgroup/pids
elif grep -qw pids /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then base=/sys/fs/cgroup
else echo "error no pids cgroup controller (neither /sys/fs/cgroup/pids nor cgroup v2 with pids)"; exit 0; fi
for d in "$base"/safe-exec-*; do
  [ -d "$d" ] || continue
  p=\${d##*/safe-exec-}; p=\${p%%-*}
  [ -d "/proc/$p" ] && continue
  for c in "$d"/c*; do [ -d "$c" ] && rmdir "$c" 2>/dev/null; done
  rmdir "$d" 2>/dev/null
done
dir=$base/$name
if ! err=$(mkdir "$dir" 2>&1); then echo "error cannot create a pids cgroup in $base: $err"; exit 0; fi
if ! err=$( (echo "$max" > "$dir/pids.max") 2>&1); then rmdir "$dir"; echo "error cannot set pids.max: $err"; exit 0; fi
echo "cgroup $dir"
`;

// With cgroup v2 the calls' memory cgroups (`_memcg.ts`) are folders c<pid> inside this one: they go first.
const REMOVE = `
for p in $(cat "$1/cgroup.procs" "$1"/c*/cgroup.procs 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
i=0
while [ "$i" -lt 500 ]; do
  for c in "$1"/c*; do [ -d "$c" ] && rmdir "$c" 2>/dev/null; done
  rmdir "$1" 2>/dev/null && exit 0; sleep 0.01; i=$((i+1))
done
`;

function sh(script: string, args: string[]): string {
  const r = spawnSync("/bin/sh", ["-c", script, "sh", ...args], {
    encoding: "utf8",
    timeout: 10_000,
    env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
  });
  if (r.error) throw r.error;
  return r.stdout ?? "";
}

/**
 * Create a pids cgroup limited to `max` processes (or say why not), and find this process's uid. Also removes
 * empty folders left by servers that are gone.
 *
 * @example
 * ```ts ignore
 * import { setupPidsCgroup } from "./_cgroup.ts";
 * const s = setupPidsCgroup(64);
 * if ("dir" in s.cgroup) s.cgroup.remove();
 * ```
 */
export function setupPidsCgroup(max: number): CgroupSetup {
  const rand = Array.from(crypto.getRandomValues(new Uint8Array(4)), (b) => b.toString(16).padStart(2, "0")).join("");
  let out: string;
  try {
    out = sh(SETUP, [String(Math.max(1, Math.floor(max))), `safe-exec-${process.pid}-${rand}`]);
  } catch (e) {
    return { uid: -1, cgroup: { error: `cannot run /bin/sh: ${(e as Error).message}` } };
  }
  const uid = Number(/^uid (\d+)$/m.exec(out)?.[1] ?? -1);
  const dir = /^cgroup (.+)$/m.exec(out)?.[1];
  if (!dir) {
    const error = /^error (.+)$/m.exec(out)?.[1] ?? `the cgroup set-up script said ${JSON.stringify(out.trim())}`;
    return { uid, cgroup: { error } };
  }
  let removed = false;
  return {
    uid,
    cgroup: {
      dir,
      procs: `${dir}/cgroup.procs`,
      max,
      remove() {
        if (removed) return;
        removed = true;
        try {
          // Whatever still runs in it (a standby prelude, a straggler) is ours: kill it, then remove the folder.
          // In the background and detached: the killed processes are our children and are reaped only once this
          // process's event loop runs again, and until then the kernel keeps the cgroup busy.
          const child = spawn(
            "/bin/sh",
            ["-c", REMOVE, "sh", dir],
            { detached: true, stdio: "ignore", env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" } },
          );
          child.on("error", () => {/* a later server sweeps it */});
          child.unref();
        } catch {
          // a later server sweeps it
        }
      },
    },
  };
}

const WAIT_EMPTY = `
i=0
while [ "$i" -lt "$2" ]; do [ -z "$(cat "$1" 2>/dev/null)" ] && exit 0; sleep 0.01; i=$((i+1)); done
exit 1
`;

/**
 * Wait (blocking, at most `timeoutMs`) until no process is left in a cgroup: after a sandbox was killed, its
 * PID namespace empties a moment later than bwrap itself exits. Returns whether it is empty.
 *
 * @example
 * ```ts ignore
 * import { waitCgroupEmpty } from "./_cgroup.ts";
 * waitCgroupEmpty("/sys/fs/cgroup/pids/safe-exec-1-ab/cgroup.procs", 2000);
 * ```
 */
export function waitCgroupEmpty(procs: string, timeoutMs: number): boolean {
  try {
    const r = spawnSync("/bin/sh", ["-c", WAIT_EMPTY, "sh", procs, String(Math.max(1, Math.ceil(timeoutMs / 10)))], {
      timeout: timeoutMs + 2000,
      env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
      stdio: "ignore",
    });
    return r.status === 0;
  } catch {
    return false;
  }
}
