/**
 * Private helpers of the bubblewrap sandbox: its resource limits and the `/bin/sh` preludes that join the pids
 * cgroup, set the rlimits and open the seccomp filter on descriptor 4 before `exec`ing bwrap (the mount plan is
 * in `_plan.ts`, the filter in `_seccomp.ts`).
 *
 * Runtime-free: only `node:` APIs.
 *
 * @module
 */
import { chmodSync, mkdtempSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import { type MemoryCgroup, memoryPrelude } from "./_memcg.ts";

/**
 * A new private folder (mode 0700) for the sandbox's own files (its seccomp filter, its /etc, git's views), in the
 * first of the temp folder, /var/tmp and /dev/shm that lies outside every path in `exclude` (the workspace and what
 * the sandbox may read or write): a sandboxed process that could write there could swap the filter. Null when all
 * of them are excluded.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rmSync } from "node:fs";
 * import { privateDir } from "./_standby.ts";
 * const d = privateDir("safe-exec-doc-", ["/nonexistent"]);
 * assert.ok(d !== null);
 * rmSync(d, { recursive: true });
 * ```
 */
export function privateDir(prefix: string, exclude: readonly string[]): string | null {
  const inside = (p: string, parent: string) =>
    p === parent || p.startsWith(parent.endsWith(sep) ? parent : parent + sep);
  for (const base of [tmpdir(), "/var/tmp", "/dev/shm"]) {
    let real: string;
    try {
      real = realpathSync(base);
    } catch {
      continue;
    }
    if (exclude.some((x) => inside(real, x) || inside(join(real, prefix), x))) continue;
    try {
      const dir = realpathSync(mkdtempSync(join(real, prefix)));
      chmodSync(dir, 0o700);
      return dir;
    } catch {
      continue;
    }
  }
  return null;
}

/** The descriptor the preludes open the compiled seccomp filter on (`bwrap --seccomp 4`). */
export const SECCOMP_FD = 4;

/** Resource limits for one sandboxed command (each process of it, except `pids`, which counts the whole tree). */
export interface SandboxLimits {
  /** Most processes and threads alive at once in the sandbox (a pids cgroup; RLIMIT_NPROC does not bind root). */
  pids: number;
  /** Largest file a process may write, in bytes (RLIMIT_FSIZE). */
  fileSizeBytes: number;
  /** CPU seconds per process (RLIMIT_CPU); Infinity sets none (a long-lived server). */
  cpuSeconds: number;
  /** Address space per process, in bytes (RLIMIT_AS). */
  addressSpaceBytes: number;
  /** Open files per process (RLIMIT_NOFILE). */
  openFiles: number;
  /** Size of the private /tmp (and /dev/shm) tmpfs, in bytes. */
  tmpBytes: number;
  /**
   * Memory of one call, all its processes together (and its tmpfs pages), in bytes: a memory cgroup per call
   * (`_memcg.ts`) when this host offers one; past it the kernel's OOM killer picks a process of that call.
   */
  memoryBytes?: number;
}

/**
 * The default limits: 256 processes, 1 GiB files, 600 CPU seconds, 4 GiB address space, 1024 open files,
 * 256 MiB private /tmp, 2 GiB of memory per call.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_LIMITS } from "./_standby.ts";
 * assert.equal(DEFAULT_LIMITS.pids, 256);
 * ```
 */
export const DEFAULT_LIMITS: Readonly<SandboxLimits> = Object.freeze({
  pids: 256,
  fileSizeBytes: 1024 ** 3,
  cpuSeconds: 600,
  addressSpaceBytes: 4 * 1024 ** 3,
  openFiles: 1024,
  tmpBytes: 256 * 1024 ** 2,
  memoryBytes: 2 * 1024 ** 3,
});

/**
 * Inside the sandbox, rebuilds the command's argv from `SE_ARGC` and `SE_ARG0…` (set with `--setenv` through
 * `bwrap --args`), removes those variables and `exec`s it: the command sees exactly its argv and the allowlisted
 * environment.
 */
export const STANDBY_TRAMPOLINE =
  'i=0; set --; while [ "$i" -lt "$SE_ARGC" ]; do eval "set -- \\"\\$@\\" \\"\\$SE_ARG$i\\""; unset "SE_ARG$i"; ' +
  'i=$((i+1)); done; unset SE_ARGC; exec "$@"';

/**
 * The bash script of a standby: like {@linkcode limitPrelude} (closes inherited descriptors, joins the pids
 * cgroup, sets the rlimits, opens the seccomp filter on fd 4), but started before the call is known. It then waits for the call's bwrap options on
 * its stdin (NUL-separated, read by `bwrap --args 3` once the pipe is moved to fd 3), gives the command /dev/null as
 * stdin, and `exec`s `bwrap … -- /bin/sh -c TRAMPOLINE`. So the cgroup migration, the shell start and the filter's
 * open are paid before the call. Arguments: `$1` cgroup.procs (or `-`), `$2` the filter file, `$3` bwrap, `$4` the
 * trampoline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_LIMITS, standbyPrelude } from "./_standby.ts";
 * assert.ok(standbyPrelude(DEFAULT_LIMITS, false).includes("--args 3"));
 * ```
 */
export function standbyPrelude(
  limits: SandboxLimits,
  nprocRlimit: boolean,
  memory: Pick<MemoryCgroup, "dir" | "version"> | null = null,
): string {
  return limitPrelude(limits, nprocRlimit, memory).replace(
    'shift 2\nexec "$@"',
    'shift 2\nexec 3<&0 0</dev/null\nexec "$1" --args 3 -- /bin/sh -c "$2" safe-exec',
  );
}

/**
 * The bash script run on the host before `bwrap`: closes every inherited descriptor but stdin, stdout and stderr,
 * joins the pids cgroup (when `$1` is not `-`) and a memory cgroup of its own (when `memory` is given), opens the seccomp filter `$2` on fd 4, sets the rlimits (inherited by bwrap and everything in the sandbox), then `exec`s the
 * rest of its arguments.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_LIMITS, limitPrelude } from "./_standby.ts";
 * assert.ok(limitPrelude(DEFAULT_LIMITS, false).includes("ulimit -f 1048576"));
 * ```
 */
export function limitPrelude(
  limits: SandboxLimits,
  nprocRlimit: boolean,
  memory: Pick<MemoryCgroup, "dir" | "version"> | null = null,
): string {
  const n = (x: number) => String(Math.max(1, Math.floor(x)));
  const lines = [
    // Descriptors this process inherited from its parent (an agent harness's pipes, an open folder) must not reach
    // the sandbox: a descriptor of a host folder leads out of any mount namespace. bash closes any number (dash
    // only 0-9).
    'for fd in /proc/self/fd/*; do fd=${fd##*/}; case $fd in 0|1|2) ;; *) eval "exec $fd>&-" ;; esac; done',
    `if [ "$1" != - ]; then echo $$ > "$1" || { echo "safe-exec: cannot join the pids cgroup $1" >&2; exit 126; }; fi`,
    ...(memory ? memoryPrelude(memory, limits.memoryBytes ?? DEFAULT_LIMITS.memoryBytes as number) : []),
    `exec ${SECCOMP_FD}<"$2" || { echo "safe-exec: cannot open the seccomp filter $2" >&2; exit 126; }`,
    "ulimit -c 0",
    // A long-lived server (cpuSeconds: Infinity) keeps the host's CPU-time limit (none, usually).
    ...(Number.isFinite(limits.cpuSeconds) ? [`ulimit -t ${n(limits.cpuSeconds)}`] : []),
    `ulimit -f ${n(limits.fileSizeBytes / 1024)}`, // bash counts 1024-byte blocks
    `ulimit -v ${n(limits.addressSpaceBytes / 1024)}`,
    `ulimit -n ${n(limits.openFiles)}`,
  ];
  if (nprocRlimit) lines.push(`ulimit -u ${n(limits.pids)}`);
  lines.push("shift 2", 'exec "$@"');
  return lines.join("\n");
}
