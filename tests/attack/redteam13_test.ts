/**
 * Red team 13, end to end, against a spawned `safe-exec serve` (deno run from source, and the Bun binary).
 *
 * A path deny floor must hold for every way git prints a tracked file:
 *
 * - L3: `git show <tree-id>:k`, the tree id of `secrets/` taken from `git log --raw -t`, prints `secrets/k`: it must be
 *   denied or asked, never allowed.
 *
 * It asserts on the world: the secret is not printed. It is skipped, with a printed reason, when bubblewrap cannot run
 * here. (L1, L2 and L4 of docs/redteam/13.md, hooks that run the project's own code, are the README's documented class of
 * "hooks that run project code" and have no test here; L5 is tested in tests/attack/object_store_test.ts.)
 */
import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sandboxTargets } from "../_targets.ts";
import { startServe } from "../e2e/_serve.ts";
import { operatorGit } from "./_host_git.ts";
import { sandboxSkip, tempBase } from "./_world.ts";

const SKIP = sandboxSkip("the red team 13 git object read");

/** A repository whose operator's pre-commit hook is `hook`, with `files` committed once on the host. */
function repoWithHook(ws: string, base: string, hook: string, files: Record<string, string>): void {
  mkdirSync(ws, { recursive: true });
  operatorGit(ws, base, ["init", "-q"]);
  writeFileSync(join(ws, ".git", "hooks", "pre-commit"), `#!/bin/sh\n${hook}\n`, { mode: 0o755 });
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(ws, path, ".."), { recursive: true });
    writeFileSync(join(ws, path), content);
  }
  operatorGit(ws, base, ["add", "-A"]);
  operatorGit(ws, base, ["commit", "-q", "--no-verify", "-m", "init"]);
}

function serveArgs(base: string, ws: string): string[] {
  writeFileSync(join(base, "se.json"), "{}");
  return [
    "--workspace",
    ws,
    "--witness",
    join(base, "witness.log"),
    "--config",
    join(base, "se.json"),
    "--confirm",
    "deny",
  ];
}

for (const target of sandboxTargets()) {
  Deno.test({
    name: `[${target.name}] red team 13 L3: git show <tree-id>:k never prints a floored file`,
    ignore: SKIP !== null,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const base = tempBase("se-rt13-l3-");
      const ws = join(base, "ws");
      repoWithHook(ws, base, "true", { "secrets/k": "TOPSECRET\n", "src/a.txt": "hello\n" });
      rmSync(join(ws, ".git", "hooks", "pre-commit"));
      const args = serveArgs(base, ws);
      writeFileSync(
        join(base, "se.json"),
        JSON.stringify({ rules: [{ tool: "*", path: ["secrets/**"], decision: "deny" }] }),
      );
      const serve = startServe(target, base, args);
      const tree = operatorGit(ws, base, ["rev-parse", "HEAD:secrets"]).out.trim();
      try {
        // What the agent learns without approval: the tree ids, from the raw diff of the commit.
        const raw = await serve.call("run_bash", { cmd: "git log --raw -t -1 --format= --no-abbrev" }, 120_000);
        for (const cmd of [`git show ${tree}:k`, `git show ${tree.slice(0, 8)}:k`]) {
          const r = await serve.call("run_bash", { cmd }, 120_000);
          const shown = `${cmd}: ${JSON.stringify(r).slice(0, 600)} (after ${JSON.stringify(raw).slice(0, 200)})`;
          assert.doesNotMatch(JSON.stringify(r.output ?? null), /TOPSECRET/, `the secret was printed: ${shown}`);
          assert.notEqual(r.decision, "allow", shown);
        }
      } finally {
        await serve.close();
        rmSync(base, { recursive: true, force: true });
      }
    },
  });
}
