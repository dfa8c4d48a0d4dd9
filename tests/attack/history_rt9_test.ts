/**
 * Red team 9, H15, end to end: with `secrets/k` committed under a `secrets/**` deny floor, git's object database
 * still holds it. A note made of its blob (`git notes add -C <blob>`, then plain `git log -1`) and a replace ref
 * (`git replace <blob of a> <blob of secrets/k>`, then `git show HEAD:a`) printed TOPSECRET at low. Run through the
 * real server and run_bash in the bubblewrap sandbox, `--confirm deny`: the making calls are asked (so refused),
 * a repository the operator already gave notes or replace refs makes every git reader ask, and the protected
 * content never comes back, while `git log --oneline` and `git status` still run. Skipped (with the reason
 * printed) where bubblewrap cannot run.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { probeBwrap } from "../../src/isolation/process/probe.ts";
import { type Target, targets } from "../_targets.ts";
import { type Msg, startServe } from "../e2e/_serve.ts";

const probe = probeBwrap();
const SKIP = probe.available ? null : `bubblewrap cannot run here (${probe.reason}); apt-get install bubblewrap`;
if (SKIP) console.error(`\n*** SKIPPING the git history attacks (red team 9 H15): ${SKIP} ***\n`);

/** The Bun binary (else Bun from source), as the red team ran it. */
function chosenTarget(): Target {
  const all = targets();
  return all.find((t) => t.name.startsWith("binary safe-exec-bun")) ?? all.find((t) => t.name === "bun src") ??
    all[0]!;
}

const FLOOR = {
  policy: { alwaysAskHigh: false },
  rules: [
    { tool: "run_bash", command: ["rm -rf"], decision: "deny" },
    { tool: "*", path: ["secrets/**"], decision: "deny" },
  ],
};

function git(root: string, ...args: string[]): string {
  const r = new Deno.Command("git", {
    args: ["-c", "user.name=o", "-c", "user.email=o@x", ...args],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
  return new TextDecoder().decode(r.stdout).trim();
}

const out = (r: Msg) => {
  const o = r.output as { stdout?: string; stderr?: string } | null;
  return `${o?.stdout ?? ""}${o?.stderr ?? ""}`;
};

/** A workspace whose one commit holds `secrets/k` and `a`, and a server with the floor on it. */
function setup(base: string, name: string) {
  const ws = join(base, name);
  mkdirSync(join(ws, "secrets"), { recursive: true });
  writeFileSync(join(ws, "secrets", "k"), "TOPSECRET\n");
  writeFileSync(join(ws, "a"), "a\n");
  git(ws, "init", "-q", "-b", "main");
  git(ws, "add", "a", "secrets");
  git(ws, "commit", "-qm", "i");
  writeFileSync(join(base, `${name}.jsonc`), JSON.stringify(FLOOR));
  const serve = () =>
    startServe(chosenTarget(), base, [
      "--workspace",
      ws,
      "--witness",
      join(base, `${name}.witness.log`),
      "--config",
      join(base, `${name}.jsonc`),
      "--confirm",
      "deny",
    ]);
  return { ws, blob: git(ws, "rev-parse", "HEAD:secrets/k"), a: git(ws, "rev-parse", "HEAD:a"), serve };
}

Deno.test({
  name: `[${chosenTarget().name}] attack (rt9 H15): notes and replace refs do not print a protected committed file`,
  ignore: SKIP !== null,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const base = realpathSync(mkdtempSync(join(tmpdir(), "se-rt9-hist-")));
    try {
      // the agent makes the note and the replace ref itself: asked, refused, nothing printed later
      const agent = setup(base, "agent");
      const s = agent.serve();
      try {
        for (
          const cmd of [
            `git -c user.name=a -c user.email=b notes add -f -C ${agent.blob}`,
            `git replace -f ${agent.a} ${agent.blob}`,
            `git -c user.name=a -c user.email=b notes add -f -C ${agent.blob} && git log -1`,
            `git replace -f ${agent.a} ${agent.blob} && git show HEAD:a`,
          ]
        ) {
          const r = await s.call("run_bash", { cmd });
          assert.notEqual(r.decision, "allow", `${cmd}: ${JSON.stringify(r).slice(0, 500)}`);
          assert.doesNotMatch(out(r), /TOPSECRET/);
        }
        for (const cmd of ["git log -1", "git show HEAD:a", "git log --oneline", "git status --short"]) {
          const r = await s.call("run_bash", { cmd });
          assert.equal(r.decision, "allow", `${cmd}: ${JSON.stringify(r).slice(0, 500)}`);
          assert.doesNotMatch(out(r), /TOPSECRET/, `${cmd} leaked`);
        }
      } finally {
        await s.close();
      }
      assert.equal(git(agent.ws, "notes", "list"), "", "no note was made");
      assert.equal(git(agent.ws, "replace", "-l"), "", "no replace ref was made");

      // a repository that already holds them (made on the host): every git reader asks
      const host = setup(base, "host");
      git(host.ws, "notes", "add", "-f", "-C", host.blob);
      git(host.ws, "replace", "-f", host.a, host.blob);
      assert.equal(git(host.ws, "show", "HEAD:a"), "TOPSECRET", "the replace ref is in place");
      const h = host.serve();
      try {
        for (const cmd of ["git log -1", "git show HEAD:a", "git log -p -1 -- a", "git cat-file -p HEAD:a"]) {
          const r = await h.call("run_bash", { cmd });
          assert.notEqual(r.decision, "allow", `${cmd}: ${JSON.stringify(r).slice(0, 500)}`);
          assert.doesNotMatch(out(r), /TOPSECRET/, `${cmd} leaked`);
        }
        const ok = await h.call("run_bash", { cmd: "cat a" });
        assert.equal(ok.decision, "allow", JSON.stringify(ok).slice(0, 500));
        assert.equal(out(ok), "a\n");
      } finally {
        await h.close();
      }
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  },
});
