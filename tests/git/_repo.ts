/**
 * Test helper of the git suites: a fresh temporary folder (its real path) and the host's `git` run in a clean
 * environment (PATH=/usr/bin:/bin, no HOME, no system config), which must succeed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rmSync } from "node:fs";
 * import { git, tmp } from "./_repo.ts";
 * const dir = tmp("se-repo-");
 * git(dir, "init", "-q");
 * assert.equal(git(dir, "rev-parse", "--is-inside-work-tree").trim(), "true");
 * rmSync(dir, { recursive: true });
 * ```
 *
 * @module
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A new temporary folder named `prefix…`, as its real path. */
export function tmp(prefix: string): string {
  return realpathSync(mkdtempSync(join(tmpdir(), prefix)));
}

/** The host's `git args…` in `cwd`; it must succeed (else the assertion names the command and its stderr). */
export function git(cwd: string, ...args: string[]): string {
  const r = spawnSync("git", args, {
    cwd,
    encoding: "utf8",
    env: { PATH: "/usr/bin:/bin", HOME: "/nonexistent", GIT_CONFIG_NOSYSTEM: "1" },
  });
  assert.equal(r.status, 0, `git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}
