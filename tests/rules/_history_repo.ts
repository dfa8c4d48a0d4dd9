/**
 * What the git floor tests share (floors_rt9_history_test.ts, floors_rt10_git_test.ts): a real repository whose one
 * commit holds the floored `secrets/k` and `a` (red team 9's wsN), the object names of its commit, and a judge of
 * run_bash scripts in it under an `rm -rf` command floor and a `secrets/**` path floor.
 *
 * @module
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Workspace } from "../../src/fileops/workspace.ts";
import { compile, workspaceJudge } from "./_floors.ts";

/** An `rm -rf` command floor and a `secrets/**` path floor, both deny. */
export const FLOOR = compile([
  { tool: "run_bash", command: ["rm -rf"], decision: "deny" },
  { tool: "*", path: ["secrets/**"], decision: "deny" },
]);

/** Run git in `root` (as a user with a name and address); its trimmed output. */
export function git(root: string, ...args: string[]): string {
  const r = new Deno.Command("git", {
    args: ["-c", "user.name=o", "-c", "user.email=o@x", ...args],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
  return new TextDecoder().decode(r.stdout).trim();
}

/** A repository whose one commit holds `secrets/k` and `a`, in a temporary folder named with `prefix`. */
export function historyRepo(prefix: string) {
  const ws = Workspace.open(mkdtempSync(join(tmpdir(), prefix)));
  const root = ws.root;
  mkdirSync(join(root, "secrets"));
  writeFileSync(join(root, "secrets/k"), "TOPSECRET\n");
  writeFileSync(join(root, "a"), "a\n");
  git(root, "init", "-q", "-b", "main");
  git(root, "add", "a", "secrets");
  git(root, "commit", "-qm", "i");
  const ids = {
    blob: git(root, "rev-parse", "HEAD:secrets/k"),
    a: git(root, "rev-parse", "HEAD:a"),
    commit: git(root, "rev-parse", "HEAD"),
    tree: git(root, "rev-parse", "HEAD:secrets"),
  };
  const judge = workspaceJudge(FLOOR, ws, "low");
  return { root, ids, judge, done: () => rmSync(root, { recursive: true, force: true }) };
}
