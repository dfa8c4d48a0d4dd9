/**
 * Test helper for the git attack suites: the operator's own `git` on the host, run the way an IDE runs it every few
 * seconds (a clean environment, no global or system config), so that a test can check that what the agent wrote in
 * the workspace does not run or change anything when the operator's git reads it.
 *
 * @example
 * ```ts ignore
 * import assert from "node:assert/strict";
 * import { hostGit, mustGit } from "./_host_git.ts";
 *
 * mustGit("/tmp/repo", "init", "-q");
 * assert.equal(hostGit("/tmp/repo", "status", "--short").status, 0);
 * ```
 *
 * @module
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import process from "node:process";

/** What the host's git answered: its exit status (null when killed) and its stdout then stderr. */
export interface HostGit {
  status: number | null;
  out: string;
}

/** Run the host's `git args…` in `cwd` (20 s at most), with PATH=/usr/bin:/bin, no HOME and no system config. */
export function hostGit(cwd: string, ...args: string[]): HostGit {
  const r = spawnSync("git", args, {
    cwd,
    encoding: "utf8",
    env: { PATH: "/usr/bin:/bin", HOME: "/nonexistent", GIT_CONFIG_NOSYSTEM: "1", LANG: "C" },
    timeout: 20_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** {@link hostGit} that must succeed (else the assertion names the command and its output); its output. */
export function mustGit(cwd: string, ...args: string[]): string {
  const r = hostGit(cwd, ...args);
  assert.equal(r.status, 0, `host git ${args.join(" ")}: ${r.out}`);
  return r.out;
}

/**
 * The operator's `git args…` in `ws` as a person runs it after a session (a commit runs the repository's hooks): as
 * user "op", HOME `home`, no global or system config, this process's PATH (a hook's npx or python is found).
 */
export function operatorGit(ws: string, home: string, args: string[]): { code: number; out: string } {
  const r = _operator(ws, home, args);
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** {@link operatorGit} that must succeed (else the assertion names the command and its output); its stdout, trimmed. */
export function mustOperatorGit(ws: string, home: string, args: string[]): string {
  const r = _operator(ws, home, args);
  assert.equal(r.status, 0, `git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}

function _operator(ws: string, home: string, args: string[]) {
  return spawnSync("git", ["-c", "user.name=op", "-c", "user.email=op@example.com", ...args], {
    cwd: ws,
    encoding: "utf8",
    env: { ...process.env, HOME: home, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" },
  });
}
