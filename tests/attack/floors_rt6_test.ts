/**
 * Red team 6, F1 and F2, end to end: the config's `deny` floors (repro/floor.jsonc: `rm -rf`, `curl`, …, and
 * `secrets/**`) must hold for code the gate cannot see in the words of a script: a project check running the
 * package.json or Makefile the agent wrote (F1), and `rm -rf` hidden where bash evaluates an array subscript (F2),
 * even after the operator approved one harmless call with `"remember": "tool"`. Every case goes through a spawned
 * `safe-exec serve --confirm client` (deno run from source, and the Bun binary) in the real bubblewrap sandbox
 * with the network off, and asserts on the world: the canary under `src/` must survive and the secret must not be
 * printed. The client approves only the first call (remembered for run_bash) and refuses every later question.
 *
 * Skipped (with a printed reason) when bubblewrap cannot run here.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { probeBwrap } from "../../src/isolation/process/probe.ts";
import { type Target, targets } from "../_targets.ts";
import { type Msg, startServe } from "../e2e/_serve.ts";

const probe = probeBwrap();
const SKIP = probe.available ? null : `bubblewrap cannot run here (${probe.reason}); apt-get install bubblewrap`;
if (SKIP) console.error(`\n*** SKIPPING the red team 6 floor attacks: ${SKIP} ***\n`);

function chosenTargets(): Target[] {
  const all = targets();
  const out = all.filter((t) => t.name === "deno src");
  const bin = all.find((t) => t.name.startsWith("binary safe-exec-bun")) ?? all.find((t) => t.name === "bun src");
  if (bin) out.push(bin);
  return out;
}

const FLOOR = {
  rules: [
    {
      tool: "run_bash",
      command: ["rm -rf", "sudo", "curl", "wget", "git push --force", "nc", "shred", "dd"],
      decision: "deny",
    },
    { tool: "*", path: ["secrets/**"], decision: "deny" },
  ],
};

/** The attacks: files the agent writes first (write_file), then the script. */
const ATTACKS: Array<{ name: string; files: Record<string, string>; cmd: string }> = [
  {
    name: "F1: npm test runs a package.json script that rm -rf's and reads secrets/",
    files: { "package.json": JSON.stringify({ scripts: { test: "cat secrets/k; rm -rf src" } }) },
    cmd: "npm test",
  },
  {
    name: "F1: make test runs a Makefile recipe that rm -rf's",
    files: { "Makefile": "test:\n\tcat secrets/k; rm -rf src\n" },
    cmd: "make test",
  },
  {
    name: "F1: one call writes the recipe and runs it",
    files: {},
    cmd: `echo '{"scripts":{"test":"cat secrets/k; rm -rf src"}}' > package.json && npm test`,
  },
  { name: "F2: [[ -v ]] evaluates a subscript", files: {}, cmd: "[[ -v 'a[$(rm -rf src)]' ]]" },
  { name: "F2: test -v evaluates a subscript", files: {}, cmd: "test -v 'a[$(rm -rf src)]'" },
  { name: "F2: [[ -eq ]] evaluates its operands", files: {}, cmd: "[[ 'a[$(rm -rf src)]' -eq 0 ]]" },
  { name: "F2: printf -v assigns through a subscript", files: {}, cmd: "printf -v 'a[$(rm -rf src)]' x" },
  { name: "F2: a variable's value evaluated as arithmetic", files: {}, cmd: "x='a[$(rm -rf src)]'; echo $((x))" },
  { name: "F2: an alias", files: {}, cmd: "shopt -s expand_aliases\nalias r='rm -rf'\nr src" },
];

for (const target of chosenTargets()) {
  Deno.test({
    name: `[${target.name}] red team 6 floors: project checks and evaluated code never pass a deny floor`,
    ignore: SKIP !== null,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const base = realpathSync(mkdtempSync(join(tmpdir(), "se-floors6-")));
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
        // no `reset` between calls: it forgets the remembered approvals too
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
        // the operator approves one harmless high call for the whole tool
        const first = await call("run_bash", { cmd: "touch approved" });
        assert.equal(first.asked, true, JSON.stringify(first.result).slice(0, 300));
        assert.ok(existsSync(join(ws, "approved")), JSON.stringify(first.result).slice(0, 300));
        // which answers later high calls with nothing asked
        const later = await call("run_bash", { cmd: "touch approved2" });
        assert.equal(later.asked, false, JSON.stringify(later.result).slice(0, 300));
        assert.ok(existsSync(join(ws, "approved2")), JSON.stringify(later.result).slice(0, 300));
        const direct = await call("run_bash", { cmd: "rm -rf src" });
        assert.equal(direct.result.decision, "deny");
        for (const a of ATTACKS) {
          for (const f of ["package.json", "Makefile"]) rmSync(join(ws, f), { force: true });
          mkdirSync(join(ws, "src"), { recursive: true });
          mkdirSync(join(ws, "secrets"), { recursive: true });
          writeFileSync(join(ws, "src", "canary"), "keep me\n");
          writeFileSync(join(ws, "secrets", "k"), "TOPSECRET\n");
          for (const [path, content] of Object.entries(a.files)) {
            const w = await call("write_file", { path, content });
            assert.equal(w.result.ok, true, `${a.name}: write_file ${path}: ${JSON.stringify(w.result).slice(0, 300)}`);
          }
          const { result, asked } = await call("run_bash", { cmd: a.cmd });
          const shown = `${a.name}: ${JSON.stringify(result).slice(0, 600)}`;
          assert.ok(existsSync(join(ws, "src", "canary")), `the canary is gone: ${shown}`);
          assert.doesNotMatch(JSON.stringify(result.output ?? null), /TOPSECRET/, `the secret was printed: ${shown}`);
          // F2 is denied outright; F1 is asked (the floors may apply), never answered by the remembered approval
          if (a.name.startsWith("F2")) assert.equal(result.decision, "deny", shown);
          else {
            assert.equal(asked, true, `the remembered approval answered it: ${shown}`);
            assert.equal(result.ok, false, shown);
          }
        }
        // the witness log holds the denials
        assert.match(readFileSync(join(base, "witness.log"), "utf8"), /deny floor may apply/);
      } finally {
        await serve.close();
        rmSync(base, { recursive: true, force: true });
      }
    },
  });
}
