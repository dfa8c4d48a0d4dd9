/**
 * Whether bubblewrap can build the sandbox here: found in PATH, and able to create the sandbox's namespaces (with a
 * user namespace when it can). Probed once per process, synchronously, at the first process call, `info` or
 * `doctor`.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { delimiter, join } from "node:path";
import process from "node:process";

/** What the bwrap probe found. */
export interface BwrapProbe {
  /** The bash that runs the preludes (it can close any inherited descriptor), when found. */
  bash?: string | null;
  /** bwrap runs a command with the sandbox's namespaces here. */
  available: boolean;
  /** The bwrap binary, when found. */
  path: string | null;
  /** Its version line. */
  version: string | null;
  /** A user namespace works too (used to block nested user namespaces). */
  userns: boolean;
  /** Why (not). */
  reason: string;
}

let cachedProbe: BwrapProbe | undefined;

function findBwrap(): string | null {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/bin", "/usr/local/bin", "/bin"];
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, "bwrap");
    try {
      const st = statSync(p);
      if (st.isFile() && (st.mode & 0o111) !== 0) return p;
    } catch {
      // not here
    }
  }
  return null;
}

function tryRun(bwrap: string, args: string[]): { ok: boolean; detail: string } {
  const r = spawnSync(bwrap, args, { encoding: "utf8", timeout: 10_000, env: { PATH: "/usr/bin:/bin" } });
  if (r.error) return { ok: false, detail: r.error.message };
  return { ok: r.status === 0, detail: (r.stderr || r.stdout || `exit ${r.status}`).trim().split("\n")[0] ?? "" };
}

/**
 * Find bubblewrap and check that it can build the sandbox here (once per process; `fresh` probes again).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { probeBwrap } from "./probe.ts";
 * const p = probeBwrap();
 * assert.equal(typeof p.available, "boolean");
 * assert.ok(p.reason.length > 0);
 * ```
 */
export function probeBwrap(options: { fresh?: boolean } = {}): BwrapProbe {
  if (cachedProbe && !options.fresh) return cachedProbe;
  cachedProbe = doProbe();
  return cachedProbe;
}

function doProbe(): BwrapProbe {
  if (process.platform !== "linux") {
    return {
      available: false,
      path: null,
      version: null,
      userns: false,
      reason: `bubblewrap needs Linux, this is ${process.platform}`,
    };
  }
  const path = findBwrap();
  if (!path) {
    return { available: false, path: null, version: null, userns: false, reason: "bwrap was not found in PATH" };
  }
  const bash = ["/bin/bash", "/usr/bin/bash"].find((b) => {
    try {
      return statSync(b).isFile();
    } catch {
      return false;
    }
  }) ?? null;
  if (!bash) {
    return {
      available: false,
      path,
      version: null,
      userns: false,
      bash: null,
      reason: "no /bin/bash: the sandbox needs it to close inherited descriptors before bwrap",
    };
  }
  const v = tryRun(path, ["--version"]);
  const version = v.ok ? v.detail : null;
  const base = [
    "--ro-bind",
    "/",
    "/",
    "--dev",
    "/dev",
    "--proc",
    "/proc",
    "--tmpfs",
    "/tmp",
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-net",
    "--unshare-uts",
    "--unshare-cgroup-try",
    "--die-with-parent",
    "--new-session",
    "--cap-drop",
    "ALL",
    "--clearenv",
  ];
  const withUser = tryRun(path, [...base, "--unshare-user", "--disable-userns", "--", "/bin/true"]);
  if (withUser.ok) return { available: true, path, version, userns: true, bash, reason: `${version ?? "bwrap"} works` };
  const plain = tryRun(path, [...base, "--", "/bin/true"]);
  if (plain.ok) {
    return {
      available: true,
      path,
      version,
      userns: false,
      bash,
      reason: `${version ?? "bwrap"} works (without a user namespace: ${withUser.detail})`,
    };
  }
  return {
    available: false,
    path,
    version,
    userns: false,
    reason: `bwrap at ${path} cannot create the sandbox's namespaces: ${plain.detail}`,
  };
}
