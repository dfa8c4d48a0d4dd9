/**
 * Private helper of the gateway: where an upstream server may resolve a path string it is given, for the path
 * floors (gate/_rules.ts). server-filesystem resolves a relative path against each folder its command line names
 * (`["src", "."]`: `../secrets/k` from `src`, red team 12, K3) and expands `~/…` to the home folder of the user it
 * runs as (K8); the folder it runs in is a base too (red team 9, H4).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * import { serverPaths } from "./_server_paths.ts";
 * const ws = mkdtempSync(join(tmpdir(), "se-sp-"));
 * mkdirSync(join(ws, "src"));
 * const config = { transport: "stdio" as const, argv: ["node", "server.js", "src", "."], env: {}, cwd: ws, sandbox: false };
 * const p = serverPaths(config, "/", { HOME: "/home/u" });
 * assert.deepEqual(p.bases, [ws, join(ws, "src")]);
 * assert.deepEqual(p.homes, ["/home/u"]);
 * assert.deepEqual(serverPaths({ ...config, sandbox: true }, "/", { HOME: "/home/u" }).homes, []); // a private HOME
 * rmSync(ws, { recursive: true });
 * ```
 *
 * @module
 */
import { statSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { upstreamEnv } from "./env.ts";

/** What of a server's config says where it resolves paths. */
export type ServerPathConfig =
  | { transport: "http" }
  | { transport: "stdio"; argv: readonly string[]; env: Record<string, string>; cwd?: string; sandbox: boolean };

/** Where a server resolves a path string. */
export interface ServerPaths {
  /**
   * Folders it resolves a relative path against: the folder it runs in, then each argument of its command line
   * (or `--opt=` value) that is a folder, absolute or relative to that folder. A sandboxed server without `cwd` runs
   * in the workspace: its relative folder arguments are given relative (the caller resolves them there).
   */
  readonly bases: string[];
  /** The home folders its `~` may stand for (none for a sandboxed server: its HOME is private and empty). */
  readonly homes: string[];
}

/** Where the server of `config` resolves paths; `defaultCwd` is where a server without `cwd` runs. */
export function serverPaths(
  config: ServerPathConfig,
  defaultCwd: string,
  hostEnv: Readonly<Record<string, string | undefined>>,
): ServerPaths {
  if (config.transport !== "stdio") {
    // a remote server: where it runs is not known here; its `~` may be this user's when it runs on this host
    const home = _home(hostEnv.HOME);
    return { bases: [], homes: home === null ? [] : [home] };
  }
  const home = config.sandbox ? null : _home(upstreamEnv(hostEnv, config.env).HOME);
  const cwd = config.cwd ?? (config.sandbox ? null : defaultCwd);
  const bases: string[] = cwd === null ? [] : [cwd];
  for (const arg of config.argv.slice(1)) {
    const eq = arg.startsWith("-") ? arg.indexOf("=") : -1;
    const value = eq >= 0 ? arg.slice(eq + 1) : arg;
    if (value === "" || value.includes("\0")) continue;
    let folder: string | null;
    if (value === "~" || value.startsWith("~/")) folder = home === null ? null : join(home, value.slice(1));
    else if (isAbsolute(value)) folder = resolve(value);
    else if (cwd !== null) folder = resolve(cwd, value);
    else folder = value.startsWith("-") ? null : value; // the workspace's, resolved by the caller
    if (folder === null || bases.includes(folder)) continue;
    if (isAbsolute(folder) && !_isFolder(folder)) continue;
    bases.push(folder);
  }
  return { bases, homes: home === null ? [] : [home] };
}

/** `HOME` when it is an absolute path, else the account's home folder (what `os.homedir()` gives), else null. */
function _home(home: string | undefined): string | null {
  if (home !== undefined && home.startsWith("/")) return home;
  try {
    const h = homedir();
    return h.startsWith("/") ? h : null;
  } catch {
    return null;
  }
}

function _isFolder(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
