/**
 * Private helper of the sandbox: the mount plan, an allowlist (SPEC §7). {@linkcode gatherFacts} looks at the host
 * (lstat, readlink, realpath of everything that would be bound) and {@linkcode planSandbox} turns those facts into
 * bwrap's arguments, a pure function tested against exact argument vectors.
 *
 * What exists inside: the system folders (`/usr`, and `/bin`, `/sbin`, `/lib*` as the folders or the symlinks
 * they are on the host), read-only; the {@linkcode ETC_ALLOWLIST} of `/etc` (no credentials: never `shadow`,
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
import {
  copyFileSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { isWithin } from "./_gitdirs.ts";

/** What a path is on the host. */
export type FactKind = "dir" | "file" | "symlink" | "other" | "missing";

/** One path on the host, as {@linkcode gatherFacts} found it. */
export interface PathFact {
  /** The path as listed or configured (absolute). */
  path: string;
  /** What the path itself is (lstat). */
  kind: FactKind;
  /** The symlink's text, when `kind` is "symlink". */
  link?: string;
  /** Its real path, or null when it cannot be resolved (dangling, a loop, unreadable). */
  real: string | null;
  /** What the real path is (stat). */
  realKind: FactKind;
  /** Symlinks on the way (lexically, from `/`), for configured paths: the agent must not control any of them. */
  linksOnTheWay?: string[];
  /** Size and change time of the real path (to notice a change). */
  stamp?: string;
}

/** The host facts a plan is computed from. */
export interface HostFacts {
  /** {@linkcode SYSTEM_PATHS}, in order. */
  system: PathFact[];
  /** The entries of {@linkcode ETC_ALLOWLIST} that exist, in order. */
  etc: PathFact[];
  /** The workspace (a real path). */
  workspace: string;
  /** `sandbox.readable`, in order. */
  readable: PathFact[];
  /** `sandbox.writable`, in order. */
  writable: PathFact[];
}

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
  /** The folder shown as `/etc` (built by {@linkcode buildEtc} from {@linkcode planEtc}), or null for none. */
  etc: { dir: string; shown: string[]; leftOut: string[] } | null;
  /** The git views and pins (`_gitview.ts`), bound after the workspace. */
  git: GitMount[];
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

/** The system folders at `/` a program needs. */
export const SYSTEM_PATHS: readonly string[] = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

/** One allowlisted `/etc` entry. */
export interface EtcEntry {
  /** Absolute path under /etc. */
  path: string;
  /** Only with `sandbox.network: true`. */
  network?: boolean;
  /** A symlink leading outside what the sandbox shows still has its content shown (resolv.conf into /run). */
  content?: boolean;
}

/**
 * The parts of `/etc` programs read, without credentials or host identity: the dynamic linker's cache, name service
 * switch, time zone and locale, Debian's alternatives (awk, editor…), TLS roots (public certificates only), protocol
 * and service names, MIME types, OS release, fonts, terminfo, libmagic. With network also the host's `hosts` and
 * `resolv.conf`. `passwd` and `group` are never the host's (safe-exec writes its own).
 */
export const ETC_ALLOWLIST: readonly EtcEntry[] = [
  { path: "/etc/ld.so.cache" },
  { path: "/etc/ld.so.conf" },
  { path: "/etc/ld.so.conf.d" },
  { path: "/etc/nsswitch.conf" },
  { path: "/etc/host.conf" },
  { path: "/etc/gai.conf" },
  { path: "/etc/hosts", network: true, content: true },
  { path: "/etc/resolv.conf", network: true, content: true },
  { path: "/etc/localtime", content: true },
  { path: "/etc/timezone" },
  { path: "/etc/locale.alias" },
  { path: "/etc/locale.conf" },
  { path: "/etc/alternatives" },
  { path: "/etc/ssl/certs" },
  { path: "/etc/ssl/openssl.cnf" },
  { path: "/etc/pki/tls/certs" },
  { path: "/etc/pki/ca-trust/extracted" },
  { path: "/etc/crypto-policies" },
  { path: "/etc/protocols" },
  { path: "/etc/services" },
  { path: "/etc/mime.types" },
  { path: "/etc/os-release" },
  { path: "/etc/lsb-release" },
  { path: "/etc/debian_version" },
  { path: "/etc/redhat-release" },
  { path: "/etc/alpine-release" },
  { path: "/etc/mtab" },
  { path: "/etc/fonts" },
  { path: "/etc/terminfo" },
  { path: "/etc/magic" },
  { path: "/etc/magic.mime" },
];

/** Where HOME may go inside (the first that does not meet a bind). */
export const HOME_CANDIDATES: readonly string[] = ["/home/safe-exec", "/tmp/safe-exec-home", "/safe-exec-home"];

function kindOf(st: { isSymbolicLink(): boolean; isDirectory(): boolean; isFile(): boolean } | undefined): FactKind {
  if (!st) return "missing";
  if (st.isSymbolicLink()) return "symlink";
  if (st.isDirectory()) return "dir";
  if (st.isFile()) return "file";
  return "other";
}

/**
 * Look at one host path: what it is, where it really is, and (for configured paths) the symlinks on the way.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { factOf } from "./_plan.ts";
 * assert.equal(factOf("/nonexistent/x").kind, "missing");
 * assert.equal(factOf("/").kind, "dir");
 * ```
 */
export function factOf(path: string, withLinks = false): PathFact {
  const p = resolve(path);
  let st;
  try {
    st = lstatSync(p);
  } catch {
    st = undefined;
  }
  const fact: PathFact = { path: p, kind: kindOf(st), real: null, realKind: "missing" };
  if (fact.kind === "symlink") {
    try {
      fact.link = readlinkSync(p);
    } catch { /* raced away */ }
  }
  try {
    fact.real = realpathSync.native(p);
    const st2 = statSync(fact.real);
    fact.realKind = kindOf(st2);
    fact.stamp = `${st2.size}:${st2.mtimeMs}:${st2.ctimeMs}:${st2.ino}`;
  } catch {
    fact.real = null;
  }
  if (withLinks) {
    const links: string[] = [];
    let cur = "/";
    for (const part of p.split(sep).filter((x) => x !== "")) {
      cur = join(cur, part);
      try {
        if (lstatSync(cur).isSymbolicLink()) links.push(cur);
      } catch {
        break;
      }
    }
    fact.linksOnTheWay = links;
  }
  return fact;
}

/**
 * Gather the facts for a workspace and the configured folders.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gatherFacts } from "./_plan.ts";
 * const f = gatherFacts("/tmp", [], []);
 * assert.equal(f.system[0]?.path, "/usr");
 * ```
 */
export function gatherFacts(workspace: string, readable: readonly string[], writable: readonly string[]): HostFacts {
  return {
    system: SYSTEM_PATHS.map((p) => factOf(p)),
    etc: ETC_ALLOWLIST.map((e) => factOf(e.path)).filter((f) => f.kind !== "missing"),
    workspace,
    readable: readable.map((p) => factOf(p, true)),
    writable: writable.map((p) => factOf(p, true)),
  };
}

/** One step of making safe-exec's `/etc`: what to put at `name` (a path relative to /etc). */
export type EtcStep =
  | { op: "copy"; name: string; from: string }
  | { op: "tree"; name: string; from: string }
  | { op: "symlink"; name: string; to: string }
  | { op: "write"; name: string; text: string };

/** What the sandbox's /etc holds beside the host's allowlisted entries. */
export interface EtcIdentity {
  /** This process's uid and gid (the sandbox runs as them). */
  uid: number;
  gid: number;
  /** HOME inside. */
  home: string;
}

/**
 * How to make the sandbox's `/etc` from the host's allowlisted entries (a pure function of the facts): regular
 * files and folders are copied, a symlink into the system folders stays a symlink to its real target, one into
 * `/proc` keeps its text (it then names the sandbox's own /proc), a symlink elsewhere is copied for its content only
 * where the entry allows it (`resolv.conf`, `hosts`, `localtime`), else left out. `passwd` and `group` are written
 * by safe-exec (root, nobody and this user), and so is `hosts` without network.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { planEtc } from "./_plan.ts";
 * const p = planEtc([{ path: "/etc/mtab", kind: "symlink", link: "../proc/self/mounts", real: "/proc/9/mounts", realKind: "file" }], ["/usr"], false, { uid: 0, gid: 0, home: "/home/safe-exec" });
 * assert.deepEqual(p.steps[0], { op: "symlink", name: "mtab", to: "../proc/self/mounts" });
 * ```
 */
export function planEtc(
  etc: readonly PathFact[],
  systemDirs: readonly string[],
  network: boolean,
  id: EtcIdentity,
): { steps: EtcStep[]; shown: string[]; leftOut: string[] } {
  const steps: EtcStep[] = [];
  const shown: string[] = [];
  const leftOut: string[] = [];
  const inSystem = (p: string) => systemDirs.some((d) => isWithin(p, d));
  for (const f of etc) {
    const entry = ETC_ALLOWLIST.find((e) => e.path === f.path);
    if (!entry || (entry.network && !network)) continue;
    const name = f.path.slice("/etc/".length);
    if ((f.kind === "file" || f.kind === "dir") && f.real !== null) {
      steps.push({ op: f.kind === "file" ? "copy" : "tree", name, from: f.real });
      shown.push(name);
    } else if (f.kind === "symlink") {
      const text = f.link ?? "";
      const lexical = resolve(dirname(f.path), text);
      if (lexical === "/proc" || lexical.startsWith("/proc/")) {
        steps.push({ op: "symlink", name, to: text });
        shown.push(`${name} -> ${text}`);
      } else if (f.real !== null && (f.realKind === "file" || f.realKind === "dir") && inSystem(f.real)) {
        steps.push({ op: "symlink", name, to: f.real });
        shown.push(`${name} -> ${f.real}`);
      } else if (f.real !== null && f.realKind === "file" && entry.content) {
        steps.push({ op: "copy", name, from: f.real });
        shown.push(`${name} (the content of ${f.real})`);
      } else leftOut.push(`${f.path}: a symlink to ${f.real ?? text}, outside what the sandbox shows`);
    }
  }
  const passwd = [`root:x:0:0:root:${id.uid === 0 ? id.home : "/root"}:/bin/bash`];
  const group = ["root:x:0:"];
  if (id.uid !== 0) passwd.push(`sandbox:x:${id.uid}:${id.gid}:safe-exec sandbox:${id.home}:/bin/bash`);
  if (id.gid !== 0) group.push(`sandbox:x:${id.gid}:`);
  passwd.push("nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin");
  group.push("nogroup:x:65534:");
  steps.push({ op: "write", name: "passwd", text: passwd.join("\n") + "\n" });
  steps.push({ op: "write", name: "group", text: group.join("\n") + "\n" });
  shown.push("passwd and group (safe-exec's own)");
  if (!network) {
    steps.push({
      op: "write",
      name: "hosts",
      text: "127.0.0.1\tlocalhost safe-exec\n::1\tlocalhost ip6-localhost ip6-loopback\n",
    });
    shown.push("hosts (safe-exec's own: localhost)");
  }
  return { steps, shown, leftOut };
}

/** Most files and bytes one copied /etc folder may hold; beyond, it is left out. */
const ETC_TREE_LIMITS = { entries: 20_000, bytes: 64 * 1024 * 1024 };

/**
 * Carry out {@linkcode planEtc}'s steps into `dir` (a new, private folder); returns what had to be left out.
 * Inside a copied folder, symlinks are recreated as they are (their targets resolve in the sandbox, where only
 * what is shown exists).
 */
export function buildEtc(dir: string, steps: readonly EtcStep[]): string[] {
  const leftOut: string[] = [];
  for (const step of steps) {
    const dest = join(dir, step.name);
    try {
      mkdirSync(dirname(dest), { recursive: true });
      if (step.op === "copy") copyFileSync(step.from, dest);
      else if (step.op === "symlink") symlinkSync(step.to, dest);
      else if (step.op === "write") writeFileSync(dest, step.text, { mode: 0o644 });
      else {
        const budget = { ...ETC_TREE_LIMITS };
        copyEtcTree(step.from, dest, budget, 0);
        if (budget.entries < 0 || budget.bytes < 0) {
          rmSync(dest, { recursive: true, force: true });
          leftOut.push(`/etc/${step.name}: larger than ${ETC_TREE_LIMITS.entries} entries or 64 MiB`);
        }
      }
    } catch (e) {
      rmSync(dest, { recursive: true, force: true });
      leftOut.push(`/etc/${step.name}: ${(e as Error).message}`);
    }
  }
  return leftOut;
}

function copyEtcTree(src: string, dst: string, budget: { entries: number; bytes: number }, level: number): void {
  mkdirSync(dst, { recursive: true });
  for (const name of readdirSync(src)) {
    if (--budget.entries < 0) return;
    const s = join(src, name);
    const d = join(dst, name);
    const st = lstatSync(s);
    if (st.isSymbolicLink()) symlinkSync(readlinkSync(s), d);
    else if (st.isDirectory() && level < 16) copyEtcTree(s, d, budget, level + 1);
    else if (st.isFile()) {
      budget.bytes -= st.size;
      if (budget.bytes < 0) return;
      copyFileSync(s, d);
    }
  }
}

/** A stamp of the /etc facts: when it changes, the sandbox's /etc is made again. */
export function etcStamp(etc: readonly PathFact[]): string {
  return etc.map((f) => `${f.path}|${f.kind}|${f.link ?? ""}|${f.real ?? ""}|${f.stamp ?? ""}`).join("\n");
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
  a.push("--dev", "/dev", "--proc", "/proc", "--ro-bind", "/proc/sys", "/proc/sys");
  a.push("--size", String(shm), "--tmpfs", "/dev/shm");
  a.push("--size", String(options.tmpBytes), "--tmpfs", "/tmp");
  priv.push(
    "/dev (fresh: null, zero, random, tty, pts)",
    "/proc (the call's own processes; /proc/sys read-only)",
    "/dev/shm",
    "/tmp",
  );

  // The configured folders and the workspace, parents before children.
  const binds: { mode: "ro" | "rw"; path: string; what: string }[] = [];
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
  const ordered = binds.map((b, i) => ({ ...b, i })).sort((x, y) => depth(x.path) - depth(y.path) || x.i - y.i);

  const dests = [...ordered.map((b) => b.path), ...options.git.map((g) => g.dest)];
  const home = HOME_CANDIDATES.find((h) => !dests.some((d) => isWithin(d, h) || isWithin(h, d))) ??
    "/safe-exec-home-" + String(dests.length);
  a.push("--size", String(options.tmpBytes), "--tmpfs", home);
  priv.push(`${home} (HOME)`);

  for (const b of ordered) {
    a.push(b.mode === "rw" ? "--bind" : "--ro-bind", b.path, b.path);
    (b.mode === "rw" ? readWrite : readOnly).push(b.what);
  }
  for (const g of options.git) a.push(g.mode === "rw" ? "--bind" : "--ro-bind", g.src, g.dest);

  a.push("--remount-ro", "/", "--clearenv");
  for (const [k, v] of Object.entries(options.env)) if (k !== "HOME") a.push("--setenv", k, v);
  a.push("--setenv", "HOME", home, "--chdir", facts.workspace);
  return { args: a, home, readOnly, readWrite, private: priv, leftOut };
}
