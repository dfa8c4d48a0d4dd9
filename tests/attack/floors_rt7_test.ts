/**
 * Red team 7, F2, F8, F10 and F3, end to end: the config's `deny` floors (repro/cfg_floors.jsonc: `rm -rf`,
 * `curl`, `git push --force`, `wget`, and `secrets/**`) must hold for code the gate cannot judge: a program that runs its operands
 * (`valgrind rm -rf src`, `jobs -x`, `env --split-string=`; F2), a script the agent wrote and runs by path or through
 * node/perl (F8), git aliases and tar options handed over in the environment (F10), and links a tar archive plants
 * in the same call (F3) — even after the operator approved one harmless call with `"remember": "tool"`. Every case
 * goes through a spawned `safe-exec serve --confirm client` (deno run from source, and the Bun binary) in the real
 * bubblewrap sandbox, and asserts on the world: the canary under `src/` must survive and the secret must not be
 * printed. The client approves only the first call (remembered for run_bash) and refuses every later question.
 *
 * Skipped (with a printed reason) when bubblewrap cannot run here.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Target, targets } from "../_targets.ts";
import { type Msg, startServe } from "../e2e/_serve.ts";
import { sandboxSkip, tempBase } from "./_world.ts";

const SKIP = sandboxSkip("the red team 7 floor attacks");

function chosenTargets(): Target[] {
  const all = targets();
  const out = all.filter((t) => t.name === "deno src");
  const bin = all.find((t) => t.name.startsWith("binary safe-exec-bun")) ?? all.find((t) => t.name === "bun src");
  if (bin) out.push(bin);
  return out;
}

const FLOOR = {
  rules: [
    { tool: "run_bash", command: ["rm -rf", "curl", "git push --force", "wget"], decision: "deny" },
    { tool: "*", path: ["secrets/**"], decision: "deny" },
  ],
};

/** A tar archive holding a symlink `h` and a hard link `hh`, both to `secrets/k`, but not the file itself. */
function linkTar(base: string): Buffer {
  const d = join(base, "tarsrc");
  mkdirSync(join(d, "secrets"), { recursive: true });
  writeFileSync(join(d, "secrets", "k"), "dummy\n");
  symlinkSync("secrets/k", join(d, "h"));
  linkSync(join(d, "secrets", "k"), join(d, "hh"));
  execFileSync("tar", ["cf", "t.tar", "secrets/k", "h", "hh"], { cwd: d });
  execFileSync("tar", ["--delete", "-f", "t.tar", "secrets/k"], { cwd: d });
  return readFileSync(join(d, "t.tar"));
}

/** The attacks: files the agent writes first (write_file), then the script; `deny`: denied outright, else asked. */
const ATTACKS: Array<{ name: string; files: Record<string, string>; cmd: string; deny?: boolean; tar?: boolean }> = [
  { name: "F2: jobs -x runs its operands", files: {}, cmd: "jobs -x rm -rf src", deny: true },
  { name: "F2: env --split-string=", files: {}, cmd: "env --split-string='rm -rf src'", deny: true },
  { name: "F2: valgrind runs its operands", files: {}, cmd: "valgrind -q rm -rf src" },
  { name: "F2: fakeroot runs its operands", files: {}, cmd: "fakeroot rm -rf src" },
  {
    name: "F8: a script written and run by path in one call",
    files: {},
    cmd: "printf '#!/bin/sh\\ncat secrets/k\\nrm -rf src\\n' > s.sh && chmod +x s.sh && ./s.sh",
  },
  {
    name: "F8: node runs a file the agent wrote",
    files: {
      "s.js": 'const fs = require("fs"); console.log(fs.readFileSync("secrets/k", "utf8")); ' +
        'fs.rmSync("src", { recursive: true });',
    },
    cmd: "node s.js",
  },
  {
    name: "F8: perl runs a file the agent wrote",
    files: { "s.pl": 'system("cat secrets/k; rm -rf src");' },
    cmd: "perl s.pl",
  },
  {
    name: "F10: a git alias through GIT_CONFIG_COUNT/KEY/VALUE",
    files: {},
    cmd: "git init -q . 2>/dev/null; GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=alias.p " +
      "GIT_CONFIG_VALUE_0='!cat secrets/k; rm -rf src' git p",
  },
  {
    name: "F10: a git alias through an exported GIT_CONFIG_PARAMETERS",
    files: {},
    cmd: "git init -q . 2>/dev/null; export GIT_CONFIG_PARAMETERS=\"'alias.q=!cat secrets/k; rm -rf src'\"; git q",
  },
  {
    name: "F10: tar --to-command through TAR_OPTIONS",
    files: {},
    cmd: "echo x > f; tar cf t2.tar f; TAR_OPTIONS=\"--to-command='rm -rf src'\" tar xf t2.tar",
  },
  { name: "F3: links planted by tar, read in the same call", files: {}, cmd: "tar xf t.tar && cat h hh", tar: true },
];

for (const target of chosenTargets()) {
  Deno.test({
    name: `[${target.name}] red team 7 floors: operands, scripts, the environment and new links never pass`,
    ignore: SKIP !== null,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const base = tempBase("se-floors7-");
      const ws = join(base, "ws");
      mkdirSync(ws);
      writeFileSync(join(base, "se.json"), JSON.stringify(FLOOR));
      const tar = linkTar(base);
      const serve = startServe(target, base, [
        "--workspace",
        ws,
        "--witness",
        join(base, "witness.log"),
        "--config",
        join(base, "se.json"),
        "--confirm",
        "client",
      ]);
      /** One call: every question is refused but the first, which is approved for the whole tool. */
      let approvedOnce = false;
      const call = async (tool: string, args: Msg): Promise<{ result: Msg; asked: boolean }> => {
        let m = await serve.send({ tool, args }, 120_000);
        let asked = false;
        while (m.type === "confirm_request") {
          asked = true;
          const approve = !approvedOnce;
          approvedOnce = true;
          m = await serve.raw(
            JSON.stringify({ type: "confirm", id: m.id, approve, ...(approve ? { remember: "tool" } : {}) }),
            120_000,
          );
        }
        return { result: m, asked };
      };
      try {
        // the operator approves one harmless high call for the whole tool, which answers later plain high calls
        const first = await call("run_bash", { cmd: "touch approved" });
        assert.equal(first.asked, true, JSON.stringify(first.result).slice(0, 300));
        assert.ok(existsSync(join(ws, "approved")), JSON.stringify(first.result).slice(0, 300));
        const later = await call("run_bash", { cmd: "touch approved2" });
        assert.equal(later.asked, false, JSON.stringify(later.result).slice(0, 300));
        const direct = await call("run_bash", { cmd: "rm -rf src" });
        assert.equal(direct.result.decision, "deny");
        for (const a of ATTACKS) {
          for (const f of ["h", "hh", "s.sh", ".git"]) rmSync(join(ws, f), { recursive: true, force: true });
          mkdirSync(join(ws, "src"), { recursive: true });
          mkdirSync(join(ws, "secrets"), { recursive: true });
          writeFileSync(join(ws, "src", "canary"), "keep me\n");
          writeFileSync(join(ws, "secrets", "k"), "TOPSECRET\n");
          if (a.tar) writeFileSync(join(ws, "t.tar"), tar);
          for (const [path, content] of Object.entries(a.files)) {
            const w = await call("write_file", { path, content });
            assert.equal(w.result.ok, true, `${a.name}: write_file ${path}: ${JSON.stringify(w.result).slice(0, 300)}`);
          }
          const { result, asked } = await call("run_bash", { cmd: a.cmd });
          const shown = `${a.name}: ${JSON.stringify(result).slice(0, 600)}`;
          assert.ok(existsSync(join(ws, "src", "canary")), `the canary is gone: ${shown}`);
          assert.doesNotMatch(JSON.stringify(result.output ?? null), /TOPSECRET/, `the secret was printed: ${shown}`);
          assert.equal(result.ok, false, shown);
          if (a.deny) assert.equal(result.decision, "deny", shown);
          else assert.equal(asked, true, `not asked (or the remembered approval answered it): ${shown}`);
        }
        assert.match(readFileSync(join(base, "witness.log"), "utf8"), /deny floor may apply/);
      } finally {
        await serve.close();
        rmSync(base, { recursive: true, force: true });
      }
    },
  });
}
