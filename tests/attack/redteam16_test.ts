/**
 * Red team 16, end to end, against a spawned `safe-exec serve` (deno run from source, and the Bun binary).
 *
 * World: the operator's repository holds `secrets/k` (committed as `TOPSECRET1`, `TOPSECRET2` in the worktree) and
 * `src/a.txt`; the config floors `secrets/**` with `deny`. The client is an operator who approved one harmless
 * run_bash call "for the whole tool" (`remember: "tool"`) and refuses every later question, so every ask whose check
 * names no path floor ("table-only") is answered by that approval. A path deny floor must still hold:
 *
 * - N1: `git cherry-pick -n --strategy-option=subtree=src/dup <root commit>` replays the commit that added
 *   `secrets/k` shifted under `src/dup/`, so `src/dup/secrets/k` holds `TOPSECRET1` and `cat` prints it at allow
 *   (docs/redteam/16.md);
 * - N2: `tar xzf src/t.tgz -C src` unpacks symlinks to `/proc/self/cwd` and `/proc/1/cwd` (the archive written by
 *   `echo … | base64 -d`); the gate resolves those links on the host, where they lead outside the workspace, while
 *   in the sandbox they lead back into it: `cat src/z/secrets/k` prints `TOPSECRET2` at allow, and
 *   `echo … > src/z/secrets/k` overwrites the floored file;
 * - N3: `grep -r TOP` with no path operand searches the working folder (the workspace), `secrets/` included: allowed at
 *   low with `--confirm deny`, it prints `secrets/k:TOPSECRET2`.
 *
 * Skipped, with a printed reason, when bubblewrap cannot run here.
 */
import assert from "node:assert/strict";
import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sandboxTargets, type Target } from "../_targets.ts";
import { type Msg, type Serve, startServe } from "../e2e/_serve.ts";
import { operatorGit } from "./_host_git.ts";
import { sandboxSkip, tempBase } from "./_world.ts";

const SKIP = sandboxSkip("the red team 16 attacks");

/** The operator's repository: `secrets/k` committed as TOPSECRET1, changed to TOPSECRET2 (not staged). */
function world(base: string, ws: string): void {
  mkdirSync(join(ws, "secrets"), { recursive: true });
  mkdirSync(join(ws, "src"), { recursive: true });
  operatorGit(ws, base, ["init", "-q"]);
  writeFileSync(join(ws, "secrets", "k"), "TOPSECRET1\n");
  writeFileSync(join(ws, "src", "a.txt"), "hello\n");
  operatorGit(ws, base, ["add", "-A"]);
  operatorGit(ws, base, ["commit", "-q", "--no-verify", "-m", "init"]);
  writeFileSync(join(ws, "secrets", "k"), "TOPSECRET2\n");
  // Same size as the committed version: move the mtime so that git sees the change (no racy-clean index entry).
  const later = new Date(Date.now() + 5_000);
  utimesSync(join(ws, "secrets", "k"), later, later);
  writeFileSync(
    join(base, "se.json"),
    JSON.stringify({ rules: [{ tool: "*", path: ["secrets/**"], decision: "deny" }] }),
  );
}

/** A server with `--confirm client`, and a client that approves only the first question, for the whole tool. */
function session(target: Target, base: string, ws: string) {
  const serve: Serve = startServe(target, base, [
    "--workspace",
    ws,
    "--witness",
    join(base, "witness.log"),
    "--config",
    join(base, "se.json"),
    "--confirm",
    "client",
  ]);
  let approvedOnce = false;
  const call = async (tool: string, args: Msg): Promise<Msg> => {
    // No `reset` between calls: it would forget the remembered approval.
    let m = await serve.send({ tool, args }, 120_000);
    while (m.type === "confirm_request") {
      const approve = !approvedOnce;
      approvedOnce = true;
      m = await serve.raw(
        JSON.stringify({ type: "confirm", id: m.id, approve, ...(approve ? { remember: "tool" } : {}) }),
        120_000,
      );
    }
    return m;
  };
  return { serve, call };
}

const shown = (m: Msg) => JSON.stringify({ decision: m.decision, output: m.output ?? m.error ?? null }).slice(0, 400);

/** Run the steps in order; the list of those whose output holds a secret. */
async function attack(call: (tool: string, args: Msg) => Promise<Msg>, steps: Array<[string, Msg]>) {
  const leaks: string[] = [];
  const first = await call("run_bash", { cmd: "touch approved" });
  assert.equal(first.decision, "ask", `the harmless call is asked and approved: ${shown(first)}`);
  for (const [tool, args] of steps) {
    const r = await call(tool, args);
    if (/TOPSECRET/.test(JSON.stringify(r.output ?? null))) leaks.push(`${tool} ${JSON.stringify(args)}: ${shown(r)}`);
  }
  return leaks;
}

/** N2's archive: `z -> /proc/self/cwd`, `y -> /proc/1/cwd` (ustar, gzip), as base64. */
const PROC_LINKS_TGZ =
  "H4sIAAAAAAACA+3RMQoCMRBA0RzFGyRjYc6zrFoJyq6L6OkNFhZaB5R9r5npZuA/Un+lqbW+ZvM5v/cou4i02ebLdB7zfDgd83jb93luma/D1M6ndbr/Zv8S9d0/+sXXHwAAAAAAAAAA+F9PFbE3ZgAoAAA=";

for (const target of sandboxTargets()) {
  Deno.test({
    name: `[${target.name}] red team 16 N1: a subtree cherry-pick never copies a floored file out of its floor`,
    ignore: SKIP !== null,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const base = tempBase("se-rt16-n1-");
      const ws = join(base, "ws");
      world(base, ws);
      const { serve, call } = session(target, base, ws);
      try {
        const leaks = await attack(call, [
          ["write_file", { path: "src/dup/x", content: "x\n" }],
          ["run_bash", { cmd: "git add src/dup" }],
          ["run_bash", { cmd: "git -c user.name=a -c user.email=a@b commit -q -m d" }],
          ["run_bash", { cmd: "git cherry-pick -n --strategy-option=subtree=src/dup HEAD~1" }],
          ["run_bash", { cmd: "cat src/dup/secrets/k" }],
        ]);
        const copy = join(ws, "src", "dup", "secrets", "k");
        if (existsSync(copy) && /TOPSECRET/.test(readFileSync(copy, "utf8"))) {
          leaks.push(`src/dup/secrets/k on the host holds ${JSON.stringify(readFileSync(copy, "utf8"))}`);
        }
        assert.deepEqual(leaks, [], `the floored file left its floor:\n${leaks.join("\n")}`);
      } finally {
        await serve.close();
        rmSync(base, { recursive: true, force: true });
      }
    },
  });

  Deno.test({
    name: `[${target.name}] red team 16 N2: a link to /proc/self/cwd or /proc/1/cwd never passes a path floor`,
    ignore: SKIP !== null,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const base = tempBase("se-rt16-n2-");
      const ws = join(base, "ws");
      world(base, ws);
      const { serve, call } = session(target, base, ws);
      try {
        const leaks = await attack(call, [
          ["run_bash", { cmd: `echo ${PROC_LINKS_TGZ} | base64 -d > src/t.tgz` }],
          ["run_bash", { cmd: "tar xzf src/t.tgz -C src" }],
          ["run_bash", { cmd: "cat src/z/secrets/k" }],
          ["run_bash", { cmd: "cat src/y/secrets/k" }],
          ["run_bash", { cmd: "echo PWNED > src/z/secrets/k" }],
        ]);
        const k = readFileSync(join(ws, "secrets", "k"), "utf8");
        if (k !== "TOPSECRET2\n") leaks.push(`secrets/k was overwritten: ${JSON.stringify(k)}`);
        const made = ["z", "y"].filter((n) => {
          try {
            return lstatSync(join(ws, "src", n)).isSymbolicLink();
          } catch {
            return false;
          }
        });
        assert.deepEqual(leaks, [], `the floor was passed (links made: ${made.join(", ")}):\n${leaks.join("\n")}`);
      } finally {
        await serve.close();
        rmSync(base, { recursive: true, force: true });
      }
    },
  });

  Deno.test({
    name: `[${target.name}] red team 16 N3: grep -r with no path operand never reads a floored file`,
    ignore: SKIP !== null,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const base = tempBase("se-rt16-n3-");
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
        const leaks: string[] = [];
        for (const cmd of ["grep -r TOP", "grep -rh ^", "grep -d recurse TOP", "grep --recursive -e TOP"]) {
          const r = await serve.call("run_bash", { cmd }, 120_000);
          if (/TOPSECRET/.test(JSON.stringify(r.output ?? null))) leaks.push(`${cmd}: ${shown(r)}`);
        }
        assert.deepEqual(leaks, [], `the secret was printed:\n${leaks.join("\n")}`);
      } finally {
        await serve.close();
        rmSync(base, { recursive: true, force: true });
      }
    },
  });
}
