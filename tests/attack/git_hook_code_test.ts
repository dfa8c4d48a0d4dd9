/**
 * Red team 9, H12 and H16: code an installed git hook runs out of the workspace, and refs that change what the
 * host's git reads. Through the real JSON-lines protocol of a spawned `safe-exec serve` (deno from source, and the
 * Bun binary), with `confirm: "exec:true"` so each ASK is approved. Each case asserts on the world outside: the
 * operator's own `git commit` / `git checkout` on the host must not run what the agent wrote (a canary beside the
 * workspace must not appear), and ordinary work (source files, `git commit` inside run_bash) still lands.
 *
 * - H12: lefthook's hook stub (what `lefthook install` writes when installed by npm) runs
 *   `$dir/node_modules/lefthook-<os>-<arch>/bin/lefthook` and three other `node_modules` fall-backs; a hand-written
 *   hook runs `./scripts/check.sh`. Every worktree path a hook script names is protected (`hook_scripts.ts`).
 * - H16: `git replace` in the sandbox made `refs/replace/<blob>`, merged into the host's repository: the operator's
 *   next checkout of the committed `core.hooksPath` hook wrote the agent's hook. Replace refs never reach the host.
 *
 * Skipped (with a printed reason) when bubblewrap cannot run here.
 *
 * @module
 */
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { sandboxTargets, type Target } from "../_targets.ts";
import type { Msg, Serve } from "../e2e/_serve.ts";
import { hostGit, mustGit } from "./_host_git.ts";
import { sandboxSkip, serveWorld, stopServersTest } from "./_world.ts";

const SKIP = sandboxSkip("the hook-code attack suite");

interface World {
  base: string;
  ws: string;
  pwned: string;
  serve: Serve;
}

const worlds = new Map<string, World>();

function world(target: Target): World {
  let w = worlds.get(target.name);
  if (w) return w;
  const { base, ws, serve } = serveWorld(target, { prefix: "se-hookcode-", config: { confirm: "exec:true" } });
  w = { base, ws, pwned: join(base, "PWNED"), serve };
  worlds.set(target.name, w);
  return w;
}

const ID = ["-c", "user.name=op", "-c", "user.email=op@host"];

async function bash(w: World, cmd: string): Promise<{ r: Msg; out: string }> {
  const r = await w.serve.call("run_bash", { cmd });
  const o = r.output as { stdout?: string; stderr?: string } | null;
  return { r, out: `${o?.stdout ?? ""}${o?.stderr ?? ""}` };
}

/** Past the file system clock's second (a repository made in the same second as a call is taken for the call's). */
function settle(): Promise<void> {
  return new Promise((r) => setTimeout(r, 1100));
}

function attack(name: string, fn: (w: World) => Promise<void>): void {
  for (const target of sandboxTargets()) {
    Deno.test({
      name: `[${target.name}] hook code: ${name}`,
      ignore: SKIP !== null,
      sanitizeOps: false,
      sanitizeResources: false,
      async fn() {
        const w = world(target);
        for (const n of readdirSync(w.ws)) rmSync(join(w.ws, n), { recursive: true, force: true });
        rmSync(w.pwned, { force: true });
        try {
          await fn(w);
        } finally {
          for (const n of readdirSync(w.ws)) rmSync(join(w.ws, n), { recursive: true, force: true });
        }
        assert.ok(!existsSync(w.pwned), `the agent's code ran on the host: ${w.pwned} exists`);
      },
    });
  }
}

/** The part of lefthook 1.13's hook stub that finds lefthook when it is not on PATH (`lefthook install`). */
const LEFTHOOK_STUB = `#!/bin/sh
if [ "$LEFTHOOK" = "0" ]; then
  exit 0
fi
call_lefthook()
{
  if test -n "$LEFTHOOK_BIN"
  then
    "$LEFTHOOK_BIN" "$@"
  elif lefthook -h >/dev/null 2>&1
  then
    lefthook "$@"
  else
    dir="$(git rev-parse --show-toplevel)"
    osArch=$(uname | tr '[:upper:]' '[:lower:]')
    cpuArch=$(uname -m | sed 's/aarch64/arm64/;s/x86_64/x64/')
    if test -f "$dir/node_modules/lefthook-\${osArch}-\${cpuArch}/bin/lefthook"
    then
      "$dir/node_modules/lefthook-\${osArch}-\${cpuArch}/bin/lefthook" "$@"
    elif test -f "$dir/node_modules/@evilmartians/lefthook/bin/lefthook-\${osArch}-\${cpuArch}/lefthook"
    then
      "$dir/node_modules/@evilmartians/lefthook/bin/lefthook-\${osArch}-\${cpuArch}/lefthook" "$@"
    elif test -f "$dir/node_modules/lefthook/bin/index.js"
    then
      "$dir/node_modules/lefthook/bin/index.js" "$@"
    elif pnpm lefthook -h >/dev/null 2>&1
    then
      pnpm lefthook "$@"
    else
      echo "Can't find lefthook in PATH"
    fi
  fi
}

call_lefthook run "pre-commit" "$@"
`;

/** The npm package lefthook's stub runs first on this machine (`lefthook-linux-x64`). */
const PKG = `lefthook-${process.platform}-${process.arch === "arm64" ? "arm64" : process.arch}`;

function lefthookRepo(w: World, installed: boolean): void {
  mustGit(w.ws, "init", "-q", "-b", "main");
  writeFileSync(join(w.ws, ".git", "hooks", "pre-commit"), LEFTHOOK_STUB);
  chmodSync(join(w.ws, ".git", "hooks", "pre-commit"), 0o755);
  writeFileSync(join(w.ws, ".gitignore"), "node_modules/\n");
  mkdirSync(join(w.ws, "node_modules", "other"), { recursive: true });
  writeFileSync(join(w.ws, "node_modules", "other", "index.js"), "module.exports = 1;\n");
  if (installed) {
    mkdirSync(join(w.ws, "node_modules", PKG, "bin"), { recursive: true });
    writeFileSync(join(w.ws, "node_modules", PKG, "bin", "lefthook"), "#!/bin/sh\nexit 0\n");
    chmodSync(join(w.ws, "node_modules", PKG, "bin", "lefthook"), 0o755);
  }
  mustGit(w.ws, "add", ".gitignore");
  mustGit(w.ws, ...ID, "commit", "-q", "-m", "first");
}

/** The operator's next commit on the host (it runs the pre-commit hook). */
function operatorCommit(w: World, tag: string): string {
  writeFileSync(join(w.ws, `op-${tag}.txt`), tag);
  mustGit(w.ws, "add", `op-${tag}.txt`);
  return hostGit(w.ws, ...ID, "commit", "-q", "-m", `op ${tag}`).out;
}

attack("H12: lefthook's npm binary, run by its hook stub, cannot be replaced", async (w) => {
  lefthookRepo(w, true);
  await settle();
  const bin = `node_modules/${PKG}/bin/lefthook`;
  const payload = `#!/bin/sh\ntouch ${w.pwned}\n`;
  const r = await w.serve.call("write_file", { path: bin, content: payload });
  assert.equal(r.errorCode, "path_outside_workspace", `write_file ${bin}: ${JSON.stringify(r).slice(0, 400)}`);
  const r2 = await w.serve.call("write_file", { path: `node_modules/${PKG}/bin/helper`, content: payload });
  assert.equal(r2.errorCode, "path_outside_workspace", `the package's folder: ${JSON.stringify(r2).slice(0, 400)}`);
  const { out } = await bash(
    w,
    `printf '#!/bin/sh\\ntouch ${w.pwned}\\n' > ${bin} 2>&1; mv ${bin} x 2>&1; ` +
      `rm -rf node_modules/${PKG} 2>&1; mkdir -p node_modules/${PKG}/bin 2>&1; ` +
      `printf '#!/bin/sh\\ntouch ${w.pwned}\\n' > ${bin} 2>&1; chmod +x ${bin} 2>&1; true`,
  );
  assert.equal(readFileSync(join(w.ws, bin), "utf8"), "#!/bin/sh\nexit 0\n", `the binary changed: ${out}`);
  const git = operatorCommit(w, "a");
  assert.ok(!existsSync(w.pwned), `the operator's commit ran the agent's lefthook: ${git} / ${out}`);
});

attack("H12: the missing fall-backs lefthook's stub searches cannot be created", async (w) => {
  lefthookRepo(w, false);
  await settle();
  for (const path of [`node_modules/${PKG}/bin/lefthook`, "node_modules/lefthook/bin/index.js"]) {
    const r = await w.serve.call("write_file", { path, content: `#!/bin/sh\ntouch ${w.pwned}\n` });
    assert.equal(r.errorCode, "path_outside_workspace", `write_file ${path}: ${JSON.stringify(r).slice(0, 400)}`);
  }
  const { out } = await bash(
    w,
    `mkdir -p node_modules/${PKG}/bin node_modules/lefthook/bin && ` +
      `printf '#!/bin/sh\\ntouch ${w.pwned}\\n' | tee node_modules/${PKG}/bin/lefthook > node_modules/lefthook/bin/index.js && ` +
      `chmod +x node_modules/${PKG}/bin/lefthook node_modules/lefthook/bin/index.js; true`,
  );
  const git = operatorCommit(w, "b");
  assert.ok(!existsSync(w.pwned), `the operator's commit ran what the agent made: ${git} / ${out}`);
});

attack("H12: a worktree script a hand-written hook runs is protected", async (w) => {
  mustGit(w.ws, "init", "-q", "-b", "main");
  mkdirSync(join(w.ws, "scripts"));
  writeFileSync(join(w.ws, "scripts", "check.sh"), "#!/bin/sh\nexit 0\n");
  chmodSync(join(w.ws, "scripts", "check.sh"), 0o755);
  writeFileSync(join(w.ws, ".git", "hooks", "pre-commit"), "#!/bin/sh\n# run the checks\n./scripts/check.sh\n");
  chmodSync(join(w.ws, ".git", "hooks", "pre-commit"), 0o755);
  mustGit(w.ws, "add", "scripts");
  mustGit(w.ws, ...ID, "commit", "-q", "-m", "first");
  await settle();
  const r = await w.serve.call("write_file", { path: "scripts/check.sh", content: `#!/bin/sh\ntouch ${w.pwned}\n` });
  assert.equal(r.errorCode, "path_outside_workspace", JSON.stringify(r).slice(0, 400));
  const { out } = await bash(w, `printf '#!/bin/sh\\ntouch ${w.pwned}\\n' > scripts/check.sh 2>&1; true`);
  const git = operatorCommit(w, "c");
  assert.ok(!existsSync(w.pwned), `the operator's commit ran the agent's script: ${git} / ${out}`);
});

attack("H12: ordinary work beside a lefthook install still lands (sources, other packages, git commit)", async (w) => {
  lefthookRepo(w, true);
  await settle();
  for (const path of ["src/a.ts", "node_modules/other/index.js", "node_modules/new-pkg/index.js"]) {
    const r = await w.serve.call("write_file", { path, content: "export const a = 1;\n" });
    assert.equal(r.ok, true, `write_file ${path}: ${JSON.stringify(r).slice(0, 400)}`);
  }
  const { r, out } = await bash(
    w,
    `git add src/a.ts && git ${ID.join(" ")} commit -q -m agent 2>&1 && git log --oneline`,
  );
  assert.equal(r.ok, true, out);
  assert.match(mustGit(w.ws, "log", "--format=%s"), /^agent\n/, out);
});

// ---------------------------------------------------------------------------------------------------------------
// H16: refs/replace/* (and the like) made in the sandbox never reach the host

function hooksPathRepo(w: World): string {
  mustGit(w.ws, "init", "-q", "-b", "main");
  mkdirSync(join(w.ws, ".githooks"));
  writeFileSync(join(w.ws, ".githooks", "pre-commit"), "#!/bin/sh\nexit 0\n");
  chmodSync(join(w.ws, ".githooks", "pre-commit"), 0o755);
  mustGit(w.ws, "add", "-A");
  mustGit(w.ws, ...ID, "commit", "-q", "-m", "first");
  mustGit(w.ws, "config", "core.hooksPath", ".githooks");
  return mustGit(w.ws, "rev-parse", "HEAD:.githooks/pre-commit").trim();
}

attack("H16: a git replace of the committed hook's blob never reaches the host", async (w) => {
  const blob = hooksPathRepo(w);
  await settle();
  const { out } = await bash(
    w,
    `printf '#!/bin/sh\\ntouch ${w.pwned}\\n' > /tmp/evil && git replace -f ${blob} $(git hash-object -w /tmp/evil) ` +
      `&& git replace -l 2>&1; git tag keep 2>&1; true`,
  );
  assert.equal(mustGit(w.ws, "for-each-ref", "refs/replace/"), "", `a replace ref reached the host: ${out}`);
  rmSync(join(w.ws, ".githooks", "pre-commit"));
  mustGit(w.ws, "checkout", "--", ".githooks/pre-commit");
  assert.equal(readFileSync(join(w.ws, ".githooks", "pre-commit"), "utf8"), "#!/bin/sh\nexit 0\n", out);
  const git = operatorCommit(w, "d");
  assert.ok(!existsSync(w.pwned), `the operator's commit ran the agent's hook: ${git} / ${out}`);
  // ordinary refs of the same call still land
  assert.match(mustGit(w.ws, "tag", "-l"), /^keep$/m, out);
});

attack("H16: a replace ref packed into packed-refs never reaches the host", async (w) => {
  const blob = hooksPathRepo(w);
  await settle();
  const { out } = await bash(
    w,
    `printf '#!/bin/sh\\ntouch ${w.pwned}\\n' > /tmp/evil && git replace -f ${blob} $(git hash-object -w /tmp/evil) ` +
      `&& git pack-refs --all 2>&1; cat .git/packed-refs 2>&1; true`,
  );
  assert.equal(mustGit(w.ws, "for-each-ref", "refs/replace/"), "", `a replace ref reached the host: ${out}`);
  rmSync(join(w.ws, ".githooks", "pre-commit"));
  mustGit(w.ws, "checkout", "--", ".githooks/pre-commit");
  const git = operatorCommit(w, "e");
  assert.ok(!existsSync(w.pwned), `the operator's commit ran the agent's hook: ${git} / ${out}`);
  assert.equal(mustGit(w.ws, "log", "--format=%s", "-1").trim(), "op e");
});

attack("H16: the operator's own packed replace ref survives a call that packs refs", async (w) => {
  hooksPathRepo(w);
  mkdirSync(join(w.ws, "docs"));
  writeFileSync(join(w.ws, "docs", "a.md"), "old\n");
  mustGit(w.ws, "add", "-A");
  mustGit(w.ws, ...ID, "commit", "-q", "-m", "docs");
  const old = mustGit(w.ws, "rev-parse", "HEAD:docs/a.md").trim();
  writeFileSync(join(w.ws, "new.md"), "new\n");
  const fresh = mustGit(w.ws, "hash-object", "-w", "new.md").trim();
  rmSync(join(w.ws, "new.md"));
  mustGit(w.ws, "replace", "-f", old, fresh);
  mustGit(w.ws, "pack-refs", "--all");
  const before = mustGit(w.ws, "for-each-ref", "refs/replace/");
  assert.notEqual(before, "");
  await settle();
  const { out } = await bash(w, "git tag t1 && git pack-refs --all 2>&1; cat .git/packed-refs; true");
  assert.equal(mustGit(w.ws, "for-each-ref", "refs/replace/"), before, `the operator's replace ref was lost: ${out}`);
  assert.match(mustGit(w.ws, "tag", "-l"), /^t1$/m, out);
});

attack("H16: a commit made in run_bash still reaches the host", async (w) => {
  hooksPathRepo(w);
  await settle();
  const { r, out } = await bash(
    w,
    `echo hi > notes.md && git add notes.md && git ${ID.join(" ")} commit -q -m agent-commit 2>&1 && git log --oneline`,
  );
  assert.equal(r.ok, true, out);
  assert.equal(mustGit(w.ws, "log", "--format=%s", "-1").trim(), "agent-commit", out);
});

stopServersTest("hook-code attack suite: stop the servers", SKIP, () => worlds.values());
