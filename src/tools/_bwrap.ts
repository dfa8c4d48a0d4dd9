/**
 * Private helpers of the bubblewrap sandbox: the mount plan (which host folders are masked, which files hidden),
 * the `bwrap` argument list and the `/bin/sh` prelude that joins the pids cgroup and sets the rlimits.
 *
 * Runtime-free: only `node:` APIs.
 *
 * @module
 */
import { lstatSync } from "node:fs";
import { join } from "node:path";

/** Resource limits for one sandboxed command (each process of it, except `pids`, which counts the whole tree). */
export interface SandboxLimits {
  /** Most processes and threads alive at once in the sandbox (a pids cgroup; RLIMIT_NPROC does not bind root). */
  pids: number;
  /** Largest file a process may write, in bytes (RLIMIT_FSIZE). */
  fileSizeBytes: number;
  /** CPU seconds per process (RLIMIT_CPU). */
  cpuSeconds: number;
  /** Address space per process, in bytes (RLIMIT_AS). */
  addressSpaceBytes: number;
  /** Open files per process (RLIMIT_NOFILE). */
  openFiles: number;
  /** Size of the private /tmp (and /dev/shm) tmpfs, in bytes. */
  tmpBytes: number;
}

/**
 * The default limits: 256 processes, 1 GiB files, 600 CPU seconds, 4 GiB address space, 1024 open files,
 * 256 MiB private /tmp.
 *
 * @example
 * ```ts
 * import { DEFAULT_LIMITS } from "./_bwrap.ts";
 * console.assert(DEFAULT_LIMITS.pids === 256);
 * ```
 */
export const DEFAULT_LIMITS: Readonly<SandboxLimits> = Object.freeze({
  pids: 256,
  fileSizeBytes: 1024 ** 3,
  cpuSeconds: 600,
  addressSpaceBytes: 4 * 1024 ** 3,
  openFiles: 1024,
  tmpBytes: 256 * 1024 ** 2,
});

/**
 * Host folders replaced by an empty tmpfs inside the sandbox (home folders, runtime state, temp folders, mounts).
 * `/tmp` and `/var/tmp` stay writable (private, size-capped); the others are made read-only.
 *
 * @example
 * ```ts
 * import { MASKED_DIRS } from "./_bwrap.ts";
 * console.assert(MASKED_DIRS.includes("/root") && MASKED_DIRS.includes("/home"));
 * ```
 */
export const MASKED_DIRS: readonly string[] = [
  "/root",
  "/home",
  "/run",
  "/var/run",
  "/var/lock",
  "/tmp",
  "/var/tmp",
  "/mnt",
  "/media",
  "/srv",
  "/var/backups",
  "/var/mail",
  "/var/spool",
  "/var/log",
  "/etc/ssl/private",
  "/etc/ssh",
  "/etc/sudoers.d",
];

/**
 * Host files hidden behind `/dev/null` inside the sandbox (password hashes, keys).
 *
 * @example
 * ```ts
 * import { HIDDEN_FILES } from "./_bwrap.ts";
 * console.assert(HIDDEN_FILES.includes("/etc/shadow"));
 * ```
 */
export const HIDDEN_FILES: readonly string[] = [
  "/etc/shadow",
  "/etc/shadow-",
  "/etc/gshadow",
  "/etc/gshadow-",
  "/etc/sudoers",
  "/etc/security/opasswd",
  "/etc/krb5.keytab",
  "/etc/machine-id",
];

const WRITABLE_MASKS = new Set(["/tmp", "/var/tmp"]);

function kind(path: string): "dir" | "file" | "link" | "other" | null {
  try {
    const st = lstatSync(path);
    if (st.isSymbolicLink()) return "link";
    if (st.isDirectory()) return "dir";
    if (st.isFile()) return "file";
    return "other";
  } catch {
    return null;
  }
}

/** What `bwrapArgs` needs. */
export interface BwrapPlan {
  /** The workspace (a real path): the only writable host folder. */
  workspace: string;
  /** Keep the host's network (no network namespace). */
  network: boolean;
  /** Unshare the user namespace too (and block nested ones); decided by the probe. */
  userns: boolean;
  /** Size of the private /tmp. */
  tmpBytes: number;
  /** The only environment inside (after `--clearenv`). */
  env: Record<string, string>;
}

/** The `.git` paths that were protected for one call, for tests and the witness log. */
export interface GitProtection {
  /** Arguments for bwrap. */
  args: string[];
  /** Human-readable list of what was protected. */
  protected: string[];
}

/**
 * Read-only binds for the paths in the workspace that make code run later on the host: `.git/hooks` and
 * `.git/config`. `.git` itself is bound onto itself, which makes it a mount point that cannot be renamed or
 * removed (so it cannot be swapped for a fresh one with hooks). A missing `.git/hooks` under an existing `.git`
 * becomes an empty read-only tmpfs (bwrap creates the empty folder as its mount point); a missing `.git/config`
 * becomes `/dev/null` (an empty file is created as its mount point). A `.git` file (worktree link) or symlink is
 * bound read-only as a whole. Without `.git` nothing is bound (see the residual risks in `sandbox.ts`).
 *
 * @example
 * ```ts
 * import { gitProtection } from "./_bwrap.ts";
 * import { mkdtempSync, mkdirSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * const ws = mkdtempSync(join(tmpdir(), "ws-"));
 * console.assert(gitProtection(ws).args.length === 0);
 * mkdirSync(join(ws, ".git", "hooks"), { recursive: true });
 * console.assert(gitProtection(ws).args.includes("--ro-bind"));
 * ```
 */
export function gitProtection(workspace: string): GitProtection {
  const git = join(workspace, ".git");
  const k = kind(git);
  if (k === null) return { args: [], protected: [] };
  if (k !== "dir") return { args: ["--ro-bind", git, git], protected: [".git (read-only)"] };
  const hooks = join(git, "hooks");
  const config = join(git, "config");
  const args = ["--bind", git, git];
  const done = [".git (pinned)"];
  const hk = kind(hooks);
  if (hk === "dir" || hk === "link") args.push("--ro-bind", hooks, hooks);
  else if (hk === null) args.push("--size", "4096", "--tmpfs", hooks, "--remount-ro", hooks);
  else args.push("--ro-bind", hooks, hooks);
  done.push(".git/hooks (read-only)");
  const ck = kind(config);
  if (ck === null) args.push("--ro-bind", "/dev/null", config);
  else args.push("--ro-bind", config, config);
  done.push(".git/config (read-only)");
  return { args, protected: done };
}

/**
 * The mounts and namespaces of one sandboxed call (everything before `--`). Order matters: the host is bound
 * read-only, secrets are masked, then the workspace is bound read-write (so it stays visible when it lives under
 * a masked folder such as /tmp or /home), then `.git` is protected inside it.
 *
 * @example
 * ```ts
 * import { bwrapArgs } from "./_bwrap.ts";
 * const a = bwrapArgs({ workspace: "/srv/ws", network: false, userns: true, tmpBytes: 1 << 20, env: { PATH: "/usr/bin:/bin" } });
 * console.assert(a.includes("--unshare-net") && a.includes("--die-with-parent"));
 * console.assert(a.lastIndexOf("/srv/ws") > a.indexOf("/srv"));
 * ```
 */
export function bwrapArgs(plan: BwrapPlan): string[] {
  const a: string[] = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"];
  const readOnlyMasks: string[] = [];
  for (const dir of MASKED_DIRS) {
    if (kind(dir) !== "dir") continue; // a symlink (/var/run -> /run) is covered by its target
    const size = WRITABLE_MASKS.has(dir) ? (dir === "/tmp" ? plan.tmpBytes : Math.min(plan.tmpBytes, 64 << 20)) : 4096;
    a.push("--size", String(size), "--tmpfs", dir);
    if (!WRITABLE_MASKS.has(dir)) readOnlyMasks.push(dir);
  }
  a.push("--size", String(Math.min(plan.tmpBytes, 64 << 20)), "--tmpfs", "/dev/shm");
  for (const file of HIDDEN_FILES) {
    if (kind(file) === "file") a.push("--ro-bind", "/dev/null", file);
  }
  if (plan.network) {
    // Name resolution often lives under /run (systemd-resolved); give it back read-only.
    for (const dir of ["/run/systemd/resolve", "/run/resolvconf_"]) {
      if (kind(dir) === "dir") a.push("--ro-bind", dir, dir);
    }
  }
  a.push("--bind", plan.workspace, plan.workspace);
  // Masks become read-only only now, after the workspace's mount point was created inside them.
  // (`--remount-ro` is not recursive: the workspace bind below a mask stays writable.)
  for (const dir of readOnlyMasks) a.push("--remount-ro", dir);
  a.push(...gitProtection(plan.workspace).args);
  if (plan.userns) a.push("--unshare-user", "--disable-userns");
  a.push("--unshare-pid", "--unshare-ipc", "--unshare-uts", "--hostname", "safe-exec", "--unshare-cgroup-try");
  if (!plan.network) a.push("--unshare-net");
  a.push("--die-with-parent", "--new-session", "--cap-drop", "ALL", "--clearenv");
  for (const [k, v] of Object.entries(plan.env)) a.push("--setenv", k, v);
  a.push("--chdir", plan.workspace);
  return a;
}

/**
 * Inside the sandbox, rebuilds the command's argv from `SE_ARGC` and `SE_ARG0…` (set with `--setenv` through
 * `bwrap --args`), removes those variables and `exec`s it: the command sees exactly its argv and the allowlisted
 * environment.
 */
export const STANDBY_TRAMPOLINE =
  'i=0; set --; while [ "$i" -lt "$SE_ARGC" ]; do eval "set -- \\"\\$@\\" \\"\\$SE_ARG$i\\""; unset "SE_ARG$i"; ' +
  'i=$((i+1)); done; unset SE_ARGC; exec "$@"';

/**
 * The `/bin/sh` script of a standby: like {@linkcode limitPrelude} (joins the pids cgroup, sets the rlimits), but
 * started before the call is known. It then waits for the call's bwrap options on its stdin (NUL-separated, read by
 * `bwrap --args 3` once the pipe is moved to fd 3), gives the command /dev/null as stdin, and `exec`s
 * `bwrap … -- /bin/sh -c TRAMPOLINE`. So the cgroup migration and the shell start are paid before the call.
 * Arguments: `$1` cgroup.procs (or `-`), `$2` bwrap, `$3` the trampoline.
 *
 * @example
 * ```ts
 * import { DEFAULT_LIMITS, standbyPrelude } from "./_bwrap.ts";
 * console.assert(standbyPrelude(DEFAULT_LIMITS, false).includes('--args 3'));
 * ```
 */
export function standbyPrelude(limits: SandboxLimits, nprocRlimit: boolean): string {
  return limitPrelude(limits, nprocRlimit).replace(
    'shift\nexec "$@"',
    'shift\nexec 3<&0 0</dev/null\nexec "$1" --args 3 -- /bin/sh -c "$2" safe-exec',
  );
}

/**
 * The `/bin/sh` script run on the host before `bwrap`: joins the pids cgroup (when `$1` is not `-`), sets the
 * rlimits (inherited by bwrap and everything in the sandbox), then `exec`s the rest of its arguments.
 *
 * @example
 * ```ts
 * import { DEFAULT_LIMITS, limitPrelude } from "./_bwrap.ts";
 * console.assert(limitPrelude(DEFAULT_LIMITS, false).includes("ulimit -f 2097152"));
 * ```
 */
export function limitPrelude(limits: SandboxLimits, nprocRlimit: boolean): string {
  const n = (x: number) => String(Math.max(1, Math.floor(x)));
  const lines = [
    `if [ "$1" != - ]; then echo $$ > "$1" || { echo "safe-exec: cannot join the pids cgroup $1" >&2; exit 126; }; fi`,
    "ulimit -c 0",
    `ulimit -t ${n(limits.cpuSeconds)}`,
    `ulimit -f ${n(limits.fileSizeBytes / 512)}`,
    `ulimit -v ${n(limits.addressSpaceBytes / 1024)}`,
    `ulimit -n ${n(limits.openFiles)}`,
  ];
  if (nprocRlimit) lines.push(`ulimit -u ${n(limits.pids)}`);
  lines.push("shift", 'exec "$@"');
  return lines.join("\n");
}
