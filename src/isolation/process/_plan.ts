/**
 * Private helper of the sandbox: the mount plan, an allowlist (SPEC §7). `_facts.ts` looks at the host (lstat,
 * readlink, realpath of everything that would be bound) and {@linkcode planSandbox} turns those facts into bwrap's
 * arguments: pure (it never touches the file system), tested against exact argument vectors.
 *
 * What exists inside: the system folders (`/usr`, and `/bin`, `/sbin`, `/lib*` as the folders or the symlinks
 * they are on the host), read-only; the allowlist of `/etc` (`_etc.ts`) (no credentials: never `shadow`,
 * `sudoers`, `ssh/`, `ssl/private`, `machine-id`, `pip.conf`, `npmrc`, `gitconfig`, `ld.so.preload`), read-only,
 * with a `passwd`, `group` (and without network a `hosts`) written by safe-exec instead of the host's; fresh `/dev`
 * and `/proc`; a private `/tmp`, `/dev/shm` and HOME (tmpfs, size-capped, gone with the call); the configured
 * `sandbox.readable` (read-only) and `sandbox.writable` folders; the workspace, read-write; then git's views and
 * pins (`_gitview.ts`). The root itself is an empty tmpfs made read-only at the end, so nothing else of the host
 * exists: not the workspace's parent (only the empty folders leading to it), `/root`, `/home`, `/run`, `/var`,
 * `/opt`, `/srv`, `/mnt`, `/sys`.
 *
 * No symlink is followed when the sandbox is set up: every source handed to bwrap is a real path (resolved here),
 * and a symlink in the plan is either recreated as a symlink whose target is inside what the sandbox shows, or left
 * out (a configured path that passes through a symlink the agent could change is left out too).
 *
 * Runtime-free: only `node:` APIs.
 *
 * @module
 */
import { sep } from "node:path";
import { isWithin } from "../../_util/paths.ts";
import { DEVICE_NODES } from "./_devices.ts";
import { HOME_CANDIDATES } from "./_etc.ts";
import type { HostFacts, PathFact } from "./_facts.ts";

/** One bind of the git protection (after the workspace). */
export interface GitMount {
  /** `rw`: a writable bind; `ro`: read-only. */
  mode: "rw" | "ro";
  /** The host path (real). */
  src: string;
  /** The path inside (inside the workspace or a writable folder; no symlink on the way). */
  dest: string;
}

/** How to build the plan beyond the facts. */
export interface PlanOptions {
  /** Keep the host's network (no network namespace). */
  network: boolean;
  /** Unshare the user namespace too (and block nested ones). */
  userns: boolean;
  /** Size of the private /tmp and of HOME; /dev/shm gets at most 64 MiB. */
  tmpBytes: number;
  /** The environment inside (HOME is set by the plan). */
  env: Record<string, string>;
  /** The descriptor the compiled seccomp filter is open on (`bwrap --seccomp FD`), or null for none. */
  seccompFd: number | null;
  /** The folder shown as `/etc` (built by `buildEtc` from `planEtc`, `_etc.ts`), or null for none. */
  etc: { dir: string; shown: string[]; leftOut: string[] } | null;
  /** The git views and pins (`_gitview.ts`), bound after the workspace. */
  git: GitMount[];
  /**
   * A folder of private device nodes (`_devices.ts`: `null`, `zero`, … owned by nobody) bound over the host's that
   * bwrap's `--dev` shows, or absent/null to keep the host's (when the sandbox does not own them).
   */
  devices?: string | null;
  /**
   * More read-only binds, each from a real host path to a path inside (a sandboxed upstream server's program and
   * packages, `_program.ts`), ordered with the configured folders, parents first.
   */
  binds?: readonly { src: string; dest: string }[];
  /** The working directory inside (default: the workspace); it must be something the plan shows. */
  chdir?: string;
}

/** A plan: bwrap's options (everything before `--`) and what they show, for `doctor`. */
export interface SandboxPlan {
  /** The options. */
  args: string[];
  /** HOME inside. */
  home: string;
  /** What is visible read-only (host paths, or a description). */
  readOnly: string[];
  /** What is writable and outlives the call. */
  readWrite: string[];
  /** What is private to the call. */
  private: string[];
  /** Paths left out, and why. */
  leftOut: string[];
}

function depth(p: string): number {
  return p === "/" ? 0 : p.split(sep).length - 1;
}

/**
 * The bwrap options of one sandboxed call, from host facts. Throws nothing: what cannot be shown is left out and
 * said in `leftOut`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { planSandbox } from "./_plan.ts";
 * const plan = planSandbox(
 *   {
 *     system: [{ path: "/usr", kind: "dir", real: "/usr", realKind: "dir" }],
 *     etc: [],
 *     workspace: "/srv/ws",
 *     readable: [],
 *     writable: [],
 *   },
 *   { network: false, userns: false, tmpBytes: 1 << 20, env: {}, seccompFd: 4, etc: null, git: [] },
 * );
 * assert.ok(plan.args.join(" ").includes("--ro-bind /usr /usr"));
 * assert.ok(plan.args.join(" ").includes("--bind /srv/ws /srv/ws --remount-ro /"));
 * assert.equal(plan.home, "/home/safe-exec");
 * ```
 */
export function planSandbox(facts: HostFacts, options: PlanOptions): SandboxPlan {
  const readOnly: string[] = [];
  const readWrite: string[] = [];
  const priv: string[] = [];
  const leftOut: string[] = [];
  const writableRoots = [facts.workspace];
  for (const w of facts.writable) if (w.real !== null) writableRoots.push(w.real);

  // Namespaces and the process's start.
  const a: string[] = [];
  if (options.userns) a.push("--unshare-user", "--disable-userns");
  a.push("--unshare-pid", "--unshare-ipc", "--unshare-uts", "--hostname", "safe-exec", "--unshare-cgroup-try");
  if (!options.network) a.push("--unshare-net");
  a.push("--die-with-parent", "--new-session", "--cap-drop", "ALL");
  if (options.seccompFd !== null) a.push("--seccomp", String(options.seccompFd));

  // The system folders: real folders read-only; symlinks recreated when they lead into one of them.
  const systemDirs = facts.system.filter((f) => f.kind === "dir" && f.real !== null).map((f) => f.real as string);
  const shown = (p: string) => systemDirs.some((d) => isWithin(p, d));
  for (const f of facts.system) {
    if (f.kind === "dir" && f.real !== null) {
      a.push("--ro-bind", f.real, f.path);
      readOnly.push(f.path);
    } else if (f.kind === "symlink") {
      if (f.real !== null && f.realKind === "dir" && shown(f.real)) {
        a.push("--symlink", f.real, f.path);
        readOnly.push(`${f.path} -> ${f.real}`);
      } else leftOut.push(`${f.path}: a symlink to ${f.real ?? f.link ?? "?"}, outside the system folders`);
    }
  }

  // /etc: one read-only folder, safe-exec's copy of the allowlist.
  if (options.etc) {
    a.push("--ro-bind", options.etc.dir, "/etc");
    readOnly.push(`/etc (a copy of: ${options.etc.shown.join(", ")})`);
    leftOut.push(...options.etc.leftOut);
  }

  // Fresh /dev and /proc, private /dev/shm, /tmp and HOME.
  const shm = Math.min(options.tmpBytes, 64 << 20);
  // /proc/sys read-only: the sandbox's uid 0 is the host's, and the kernel lets global root write a 0644 sysctl
  // without any capability (kernel.core_pattern, kernel.modprobe: code run as root on the host). bwrap covers it only
  // when the folder itself looks writable, which it does not (0555).
  a.push("--dev", "/dev");
  // The host's device nodes are bound read-write by --dev; the sandbox's root would own them (see _devices.ts).
  if (options.devices) { for (const d of DEVICE_NODES) a.push("--dev-bind", `${options.devices}/${d}`, `/dev/${d}`); }
  a.push("--proc", "/proc", "--ro-bind", "/proc/sys", "/proc/sys");
  a.push("--size", String(shm), "--tmpfs", "/dev/shm");
  a.push("--size", String(options.tmpBytes), "--tmpfs", "/tmp");
  priv.push(
    `/dev (fresh: null, zero, full, random, urandom, tty ${options.devices ? "(private nodes)" : "(the host's)"}, pts)`,
    "/proc (the call's own processes; /proc/sys read-only)",
    "/dev/shm",
    "/tmp",
  );

  // The configured folders and the workspace, parents before children.
  const binds: { mode: "ro" | "rw"; path: string; what: string; src?: string }[] = [];
  const configured = (f: PathFact, mode: "ro" | "rw", key: string) => {
    if (f.real === null || (f.realKind !== "dir" && f.realKind !== "file")) {
      leftOut.push(`${f.path} (sandbox.${key}): ${f.kind === "missing" ? "does not exist" : "cannot be resolved"}`);
      return;
    }
    const agentLink = (f.linksOnTheWay ?? []).find((l) => writableRoots.some((w) => isWithin(l, w) && l !== w));
    if (agentLink !== undefined) {
      leftOut.push(
        `${f.path} (sandbox.${key}): it passes through ${agentLink}, a symlink a sandboxed process can change`,
      );
      return;
    }
    binds.push({ mode, path: f.real, what: f.real === f.path ? f.path : `${f.real} (${f.path})` });
  };
  for (const f of facts.readable) configured(f, "ro", "readable");
  for (const f of facts.writable) configured(f, "rw", "writable");
  binds.push({ mode: "rw", path: facts.workspace, what: `${facts.workspace} (the workspace)` });
  for (const b of options.binds ?? []) {
    binds.push({ mode: "ro", path: b.dest, src: b.src, what: b.src === b.dest ? b.src : `${b.src} (at ${b.dest})` });
  }
  const ordered = binds.map((b, i) => ({ ...b, i })).sort((x, y) => depth(x.path) - depth(y.path) || x.i - y.i);

  const dests = [...ordered.map((b) => b.path), ...options.git.map((g) => g.dest)];
  const home = HOME_CANDIDATES.find((h) => !dests.some((d) => isWithin(d, h) || isWithin(h, d))) ??
    "/safe-exec-home-" + String(dests.length);
  a.push("--size", String(options.tmpBytes), "--tmpfs", home);
  priv.push(`${home} (HOME)`);

  for (const b of ordered) {
    a.push(b.mode === "rw" ? "--bind" : "--ro-bind", b.src ?? b.path, b.path);
    (b.mode === "rw" ? readWrite : readOnly).push(b.what);
  }
  for (const g of options.git) a.push(g.mode === "rw" ? "--bind" : "--ro-bind", g.src, g.dest);

  a.push("--remount-ro", "/", "--clearenv");
  for (const [k, v] of Object.entries(options.env)) if (k !== "HOME") a.push("--setenv", k, v);
  a.push("--setenv", "HOME", home, "--chdir", options.chdir ?? facts.workspace);
  return { args: a, home, readOnly, readWrite, private: priv, leftOut };
}
