/**
 * Private helper of the sandbox: the host facts its plan is computed from. {@linkcode gatherFacts} looks at the host
 * (lstat, readlink, realpath of everything that would be bound: the system folders, the allowlisted `/etc` entries,
 * the configured `sandbox.readable`/`writable` paths); `_plan.ts` turns the facts into bwrap's arguments without
 * touching the file system.
 *
 * @module
 */
import { lstatSync, readlinkSync, realpathSync, statSync } from "node:fs";
import { join, resolve, sep } from "node:path";

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

/** The system folders at `/` a program needs. */
export const SYSTEM_PATHS: readonly string[] = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

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
 * import { factOf } from "./_facts.ts";
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
 * import { gatherFacts } from "./_facts.ts";
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

/** A stamp of the /etc facts: when it changes, the sandbox's /etc is made again. */
export function etcStamp(etc: readonly PathFact[]): string {
  return etc.map((f) => `${f.path}|${f.kind}|${f.link ?? ""}|${f.real ?? ""}|${f.stamp ?? ""}`).join("\n");
}

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
