/**
 * Red team 14, end to end, against a spawned `safe-exec serve` (deno run from source, and the Bun binary).
 *
 * A path deny floor must hold for every way git prints a tracked file (docs/redteam/14.md):
 *
 * - M1: `git status -v` / `-vv` prints the staged and unstaged diff of a floored file, allowed at low;
 * - M2: `git log --check` prints every floored line with a whitespace error (each line of a CRLF file), allowed at low.
 *
 * Both run with `--confirm deny`: nothing is approved, so the secret must not be printed. Skipped, with a printed
 * reason, when bubblewrap cannot run here.
 */
import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sandboxTargets } from "../_targets.ts";
import { startServe } from "../e2e/_serve.ts";
import { operatorGit } from "./_host_git.ts";
import { sandboxSkip, tempBase } from "./_world.ts";

const SKIP = sandboxSkip("the red team 14 git status/log attacks");

/** Two commits by the operator: `secrets/k` made, then changed to a CRLF line; then an unstaged edit of it. */
function world(base: string, ws: string): void {
  mkdirSync(join(ws, "secrets"), { recursive: true });
  mkdirSync(join(ws, "src"), { recursive: true });
  operatorGit(ws, base, ["init", "-q"]);
  writeFileSync(join(ws, "secrets", "k"), "OLD\n");
  writeFileSync(join(ws, "src", "a.txt"), "hello\n");
  operatorGit(ws, base, ["add", "-A"]);
  operatorGit(ws, base, ["commit", "-q", "--no-verify", "-m", "init"]);
  writeFileSync(join(ws, "secrets", "k"), "TOPSECRET1\r\n");
  operatorGit(ws, base, ["commit", "-q", "--no-verify", "-am", "two"]);
  writeFileSync(join(ws, "secrets", "k"), "TOPSECRET2\n");
  writeFileSync(
    join(base, "se.json"),
    JSON.stringify({ rules: [{ tool: "*", path: ["secrets/**"], decision: "deny" }] }),
  );
}

const CMDS = [
  "git status -vv",
  "git status --verbose --verbose",
  "git log --check --format=%h",
  "git log --check --all",
];

for (const target of sandboxTargets()) {
  Deno.test({
    name: `[${target.name}] red team 14 M1/M2: git status -v and git log --check never print a floored file`,
    ignore: SKIP !== null,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const base = tempBase("se-rt14-m-");
      const ws = join(base, "ws");
      world(base, ws);
      const serve = startServe(target, base, [
        "--workspace",
        ws,
        "--witness",
        join(base, "witness.log"),
        "--config",
        join(base, "se.json"),
        "--confirm",
        "deny",
      ]);
      try {
        const failures: string[] = [];
        for (const cmd of CMDS) {
          const r = await serve.call("run_bash", { cmd }, 120_000);
          if (/TOPSECRET/.test(JSON.stringify(r.output ?? null))) {
            failures.push(`${cmd}: ${r.decision}: ${JSON.stringify(r.output).slice(0, 300)}`);
          }
        }
        assert.deepEqual(failures, [], `the secret was printed:\n${failures.join("\n")}`);
      } finally {
        await serve.close();
        rmSync(base, { recursive: true, force: true });
      }
    },
  });
}
