/**
 * Red team 9, H1, H2, H7, H10, end to end: deny floors (repro/cfg_path_noask.jsonc: `rm -rf` and `secrets/**`) must
 * hold for known programs whose options run a command or read names or URLs from elsewhere (`split --filter`,
 * `zip -TT`, `sdiff --diff-program=./s.sh`, `scp -D`, `zip --names-stdin`, git `-c gpg.ssh.defaultKeyCommand`, a
 * `.git/config` the call writes, `curl -K`, percent-encoded `file://` URLs) — even after the operator approved one
 * harmless call with `"remember": "tool"`. Every case goes through a spawned `safe-exec serve --confirm client` (deno
 * run from source, and the Bun binary) in the real bubblewrap sandbox, and asserts on the world: the canary under
 * `src/` must survive and the secret must not be printed. The client approves only the first call (remembered for
 * run_bash) and refuses every later question.
 *
 * Skipped (with a printed reason) when bubblewrap cannot run here.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Target, targets } from "../_targets.ts";
import { type Msg, startServe } from "../e2e/_serve.ts";
import { sandboxSkip, tempBase } from "./_world.ts";

const SKIP = sandboxSkip("the red team 9 floor attacks");

function chosenTargets(): Target[] {
  const all = targets();
  const out = all.filter((t) => t.name === "deno src");
  const bin = all.find((t) => t.name.startsWith("binary safe-exec-bun")) ?? all.find((t) => t.name === "bun src");
  if (bin) out.push(bin);
  return out;
}

/** repro/cfg_path_noask.jsonc (curl is not floored by name, so the path floor must hold on its own). */
const FLOOR = {
  rules: [
    { tool: "run_bash", command: ["rm -rf"], decision: "deny" },
    { tool: "*", path: ["secrets/**"], decision: "deny" },
  ],
};

const SCRIPT = "#!/bin/sh\nrm -rf src\ncat secrets/k\n";
/** `[core] fsmonitor = rm -rf ../src`, base64: data, not a command word. */
const FSMONITOR = btoa("[core]\n\tfsmonitor = rm -rf ../src\n");

/** The attacks: files the agent writes first (write_file), then the script; `deny`: denied outright, else asked. */
const ATTACKS: Array<{
  name: string;
  files: Record<string, string>;
  cmd: (ws: string) => string;
  deny?: boolean;
  curlConfig?: boolean;
}> = [
  { name: "H1: split --filter", files: {}, cmd: () => "split --filter='rm -rf src' a.txt", deny: true },
  { name: "H1: split --filt= (abbreviated)", files: {}, cmd: () => "split --filt='cat secrets/k' a.txt", deny: true },
  { name: "H1: zip -TT", files: {}, cmd: () => "zip -q -T -TT 'rm -rf src' x.zip a.txt", deny: true },
  { name: "H1: zip -TT reads", files: {}, cmd: () => "zip -q -T -TT 'cat secrets/k' y.zip a.txt", deny: true },
  {
    name: "H2: sdiff --diff-program=./s.sh",
    files: { "s.sh": SCRIPT },
    cmd: () => "chmod +x s.sh && sdiff --diff-program=./s.sh a.txt a.txt",
  },
  {
    name: "H2: split --filter=./s.sh",
    files: { "s.sh": SCRIPT },
    cmd: () => "chmod +x s.sh && split -n1 --filter=./s.sh a.txt",
  },
  { name: "H2: scp -D ./s.sh", files: { "s.sh": SCRIPT }, cmd: () => "chmod +x s.sh && scp -D ./s.sh a.txt h:b" },
  {
    name: "H2: zip --names-stdin",
    files: { "list.txt": "secrets/k\n" },
    cmd: () => "zip -0 -q --names-stdin - < list.txt",
  },
  {
    name: "H7: gpg.ssh.defaultKeyCommand",
    files: {},
    cmd: () =>
      "git init -q . 2>/dev/null; git -c user.name=a -c user.email=a@b -c gpg.format=ssh " +
      "-c gpg.ssh.defaultKeyCommand='rm -rf src' commit -q --allow-empty -S -m x",
    deny: true,
  },
  {
    name: "H7: a .git/config the call writes",
    files: {},
    cmd: () => `git init -q sub3 && echo ${FSMONITOR} | base64 -d >> sub3/.git/config && git -C sub3 status`,
  },
  {
    name: "H10: percent-encoded file:// URL",
    files: {},
    cmd: (ws) => `curl -s file://${ws}/secr%65ts/%6b`,
    deny: true,
  },
  {
    // the config file comes from write_file (medium, allowed): its URL is not in the script's words
    name: "H10: curl -K",
    files: {},
    curlConfig: true,
    cmd: () => "curl -s -K cfg.txt",
  },
];

for (const target of chosenTargets()) {
  Deno.test({
    name: `[${target.name}] red team 9 floors: options that run commands or read names never pass`,
    ignore: SKIP !== null,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const base = tempBase("se-floors9-");
      const ws = join(base, "ws");
      mkdirSync(ws);
      writeFileSync(join(base, "se.json"), JSON.stringify(FLOOR));
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
        const first = await call("run_bash", { cmd: "touch approved" });
        assert.equal(first.asked, true, JSON.stringify(first.result).slice(0, 300));
        const later = await call("run_bash", { cmd: "touch approved2" });
        assert.equal(later.asked, false, JSON.stringify(later.result).slice(0, 300));
        const direct = await call("run_bash", { cmd: "rm -rf src" });
        assert.equal(direct.result.decision, "deny");
        // the workspace as the sandbox shows it (the same path: bwrap binds it in place)
        const real = execFileSync("realpath", [ws], { encoding: "utf8" }).trim();
        for (const a of ATTACKS) {
          for (const f of ["s.sh", "sub3", ".git", "x.zip", "y.zip", "cfg.txt"]) {
            rmSync(join(ws, f), { recursive: true, force: true });
          }
          mkdirSync(join(ws, "src"), { recursive: true });
          mkdirSync(join(ws, "secrets"), { recursive: true });
          writeFileSync(join(ws, "src", "canary"), "keep me\n");
          writeFileSync(join(ws, "secrets", "k"), "TOPSECRET\n");
          writeFileSync(join(ws, "a.txt"), "hello\n");
          for (const [path, content] of Object.entries(a.files)) {
            const w = await call("write_file", { path, content });
            assert.equal(w.result.ok, true, `${a.name}: write_file ${path}: ${JSON.stringify(w.result).slice(0, 300)}`);
          }
          if (a.curlConfig) {
            const content = `url = "file://${real}/secrets/k"\n`;
            const w = await call("write_file", { path: "cfg.txt", content });
            assert.equal(w.result.ok, true, `${a.name}: write_file cfg.txt: ${JSON.stringify(w.result).slice(0, 300)}`);
          }
          const { result, asked } = await call("run_bash", { cmd: a.cmd(real) });
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
