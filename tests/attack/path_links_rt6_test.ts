/**
 * Red team 6, finding 4, end to end: links left in the workspace by an earlier call (a hard link to the protected
 * file, a folder holding a symlink to the protected folder, a symlink whose name is not valid UTF-8) must not let a
 * later low script read `secrets/**` past the `deny` floor. An approving server (`--confirm exec:true`, no floor)
 * makes the links inside the bubblewrap sandbox; a second server on the same workspace, with red team 6's floor and
 * `--confirm deny`, runs the reads. Asserted on what comes back: the protected content never does, while an
 * ordinary read still works. Skipped (with the reason printed) where bubblewrap cannot run.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { probeBwrap } from "../../src/isolation/process/probe.ts";
import { type Target, targets } from "../_targets.ts";
import { type Msg, startServe } from "../e2e/_serve.ts";

const probe = probeBwrap();
const SKIP = probe.available ? null : `bubblewrap cannot run here (${probe.reason}); apt-get install bubblewrap`;
if (SKIP) console.error(`\n*** SKIPPING the path-floor link attacks (red team 6 F4): ${SKIP} ***\n`);

/** `deno run` from source, and the Bun binary (else Bun from source). */
function chosenTargets(): Target[] {
  const all = targets();
  const out = all.filter((t) => t.name === "deno src");
  const bun = all.find((t) => t.name.startsWith("binary safe-exec-bun")) ?? all.find((t) => t.name === "bun src");
  if (bun) out.push(bun);
  return out;
}

const FLOOR = {
  rules: [
    { tool: "run_bash", command: ["rm -rf", "sudo", "curl"], decision: "deny" },
    { tool: "*", path: ["secrets/**"], decision: "deny" },
  ],
};

function serve(target: Target, base: string, name: string, config: Record<string, unknown>, confirm: string) {
  writeFileSync(join(base, `${name}.jsonc`), JSON.stringify(config));
  return startServe(target, base, [
    "--workspace",
    join(base, "ws"),
    "--witness",
    join(base, `${name}.witness.log`),
    "--config",
    join(base, `${name}.jsonc`),
    "--confirm",
    confirm,
  ]);
}

const out = (r: Msg) => {
  const o = r.output as { stdout?: string; stderr?: string } | null;
  return `${o?.stdout ?? ""}${o?.stderr ?? ""}`;
};

for (const target of chosenTargets()) {
  Deno.test({
    name: `[${target.name}] attack (rt6 F4): links left by an earlier call do not read secrets/** at low`,
    ignore: SKIP !== null,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const base = realpathSync(mkdtempSync(join(tmpdir(), "se-rt6-links-")));
      try {
        const ws = join(base, "ws");
        mkdirSync(join(ws, "secrets"), { recursive: true });
        mkdirSync(join(ws, "sub"));
        writeFileSync(join(ws, "secrets", "k"), "TOPSECRET\n");
        writeFileSync(join(ws, "README"), "hello\n");
        // an earlier call (approved, no floor) leaves the links
        const maker = serve(target, base, "maker", {}, "exec:true");
        const made = await maker.call("run_bash", {
          cmd: `ln secrets/k hard && ln -s ../secrets sub/up && ln -s secrets/k "$(printf 'k\\377')" && ` +
            `ln -s secrets "$(printf 'bad\\377dir')" && echo linked`,
        });
        assert.match(out(made), /linked/, JSON.stringify(made).slice(0, 600));
        assert.equal(await maker.close(), 0);
        assert.ok(readdirSync(join(ws, "sub")).includes("up"));

        const s = serve(target, base, "reader", FLOOR, "deny");
        try {
          const ok = await s.call("run_bash", { cmd: "cat README" });
          assert.equal(ok.decision, "allow", JSON.stringify(ok).slice(0, 400));
          if (target.name === "deno src") {
            // Deno's node:fs cannot name the entries that are not UTF-8: the repository walk fails closed and
            // process tools are refused there (the Bun binary walks them by their bytes)
            assert.equal(ok.errorCode, "sandbox_unavailable", JSON.stringify(ok).slice(0, 600));
            assert.match(String(ok.error), /not UTF-8/);
          } else assert.equal(out(ok), "hello\n", JSON.stringify(ok).slice(0, 600));
          for (
            const cmd of [
              "cat hard",
              "base64 hard",
              "sed -n p hard",
              "grep -R TOPSECRET sub",
              "grep -R TOPSECRET -- sub",
              "find -L sub -type f",
              "ls -LR sub",
              "cat $'k\\xff'",
              "cat $'bad\\xffdir/k'",
              "grep -r TOPSECRET $'bad\\xffdir/'",
            ]
          ) {
            const r = await s.call("run_bash", { cmd });
            assert.notEqual(r.decision, "allow", `${cmd}: ${JSON.stringify(r).slice(0, 500)}`);
            const text = out(r);
            assert.doesNotMatch(text, /TOPSECRET|VE9QU0VDUkVU|up\/k/, `${cmd} leaked: ${text.slice(0, 500)}`);
          }
          // the file tools refuse the same hard link
          const rf = await s.call("read_file", { path: "hard" });
          assert.doesNotMatch(JSON.stringify(rf), /TOPSECRET/);
        } finally {
          await s.close();
        }
      } finally {
        rmSync(base, { recursive: true, force: true });
      }
    },
  });
}
