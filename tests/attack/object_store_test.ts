/**
 * Red team 13, L5, through serve and the bubblewrap sandbox: under a `secrets/**` deny floor with `secrets/k`
 * committed, run_bash reads of the repository's object store — the host's `.git/objects/…` and the sandbox's own view
 * of it, `.git/.safe-exec-objects/…` (named by the view's `objects/info/alternates`) — are never allowed without an
 * approval (`--confirm deny`: none is given), so the zlib object of the floored file is never printed. Plain
 * `git status` stays allowed. Skipped, with a printed reason, where bubblewrap cannot run.
 */
import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sandboxTargets } from "../_targets.ts";
import { startServe } from "../e2e/_serve.ts";
import { mustOperatorGit } from "./_host_git.ts";
import { sandboxSkip, tempBase } from "./_world.ts";

const SKIP = sandboxSkip("the git object store reads (L5)");

for (const target of sandboxTargets()) {
  Deno.test({
    name: `[${target.name}] L5: run_bash never prints a git object of a floored file without approval`,
    ignore: SKIP !== null,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const base = tempBase("se-l5-");
      const ws = join(base, "ws");
      mkdirSync(join(ws, "secrets"), { recursive: true });
      writeFileSync(join(ws, "secrets", "k"), "TOPSECRET\n");
      mustOperatorGit(ws, base, ["init", "-q"]);
      mustOperatorGit(ws, base, ["add", "-A"]);
      mustOperatorGit(ws, base, ["commit", "-q", "-m", "init"]);
      const blob = mustOperatorGit(ws, base, ["rev-parse", "HEAD:secrets/k"]);
      const obj = `${blob.slice(0, 2)}/${blob.slice(2)}`;
      const config = join(base, "se.json");
      writeFileSync(config, JSON.stringify({ rules: [{ tool: "*", path: ["secrets/**"], decision: "deny" }] }));
      const serve = startServe(target, base, [
        "--workspace",
        ws,
        "--witness",
        join(base, "witness.log"),
        "--config",
        config,
        "--confirm",
        "deny",
      ]);
      try {
        for (
          const cmd of [
            `base64 .git/objects/${obj}`,
            `od -An -tx1 ${ws}/.git/objects/${obj}`,
            `base64 .git/.safe-exec-objects/${obj}`,
            `base64 ${ws}/.git/.safe-exec-objects/${obj}`,
            `tail -c +3 .git/.safe-exec-objects/${obj} > src.bin`,
          ]
        ) {
          const r = await serve.call("run_bash", { cmd }, 120_000);
          const shown = `${cmd}: ${JSON.stringify(r).slice(0, 600)}`;
          assert.notEqual(r.decision, "allow", shown);
          assert.doesNotMatch(JSON.stringify(r.output ?? null), /eAFLyslPUjA0YAjxDwh2dQ5yDeECADHXBOQ=|78 01/, shown);
        }
        const status = await serve.call("run_bash", { cmd: "git status --short" }, 120_000);
        assert.equal(status.decision, "allow", JSON.stringify(status).slice(0, 600));
      } finally {
        await serve.close();
        rmSync(base, { recursive: true, force: true });
      }
    },
  });
}
