/**
 * Tests for src/git/delegates.ts (red team 12, K4, K5, K7, K9): a hook that runs node's package managers or node
 * from the worktree hands over to what that run resolves there — the package managers' settings, `node_modules/.bin`
 * as a folder, and for husky v4 and yorkie the whole `node_modules` (and where its links lead). Checked through
 * `hookDelegates`, `inspectGit` (pins, watches, trees), the file tools' `checkProtected` and the sandbox's views.
 */
import assert from "node:assert/strict";
import { existsSync, lstatSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hookDelegates, linksOut } from "../../src/git/delegates.ts";
import { inspectGit } from "../../src/git/dirs.ts";
import { checkProtected } from "../../src/fileops/git_protected.ts";
import { GitViews } from "../../src/isolation/process/_gitview.ts";
import { git, tmp } from "./_repo.ts";

const HUSKY4 = '#!/bin/sh\n# husky\n\n# Hook created by Husky v4.3.8\n\n. "$(dirname "$0")/husky.sh"\n';

/** A repository whose .git/hooks/pre-commit is `hook`. */
function repo(hook: string | null): string {
  const ws = tmp("se-deleg-");
  git(ws, "init", "-q");
  if (hook !== null) writeFileSync(join(ws, ".git", "hooks", "pre-commit"), hook, { mode: 0o755 });
  return ws;
}

function refused(ws: string, path: string): boolean {
  try {
    checkProtected(ws, "write_file", { path });
    return false;
  } catch (e) {
    assert.match((e as Error).message, /git reads it as configuration or runs it as code/);
    return true;
  }
}

Deno.test("hookDelegates: husky v4 hands over to the package managers' settings and the whole node_modules", () => {
  const ws = repo(HUSKY4);
  try {
    const d = hookDelegates(ws, [join(ws, ".git", "hooks")]);
    const kinds = new Map(d.map((x) => [x.path.slice(ws.length + 1), x.kind]));
    for (const f of [".npmrc", ".yarnrc", ".yarnrc.yml", ".pnp.cjs", ".pnpmfile.cjs", "pnpm-workspace.yaml"]) {
      assert.equal(kinds.get(f), "file", f);
    }
    assert.equal(kinds.get(".yarn"), "dir");
    assert.equal(kinds.get("node_modules/.bin"), "dir");
    assert.equal(kinds.get("node_modules"), "dir");
    assert.ok(!kinds.has(".env"), "bun's .env only where a hook runs bun");
  } finally {
    rmSync(ws, { recursive: true });
  }
});

Deno.test("hookDelegates: husky v9 and a hand-written npx hook hand over to node_modules/.bin, not node_modules", () => {
  const ws = repo("#!/bin/sh\nnpx --no -- lint-staged\n");
  try {
    mkdirSync(join(ws, ".husky", "_"), { recursive: true });
    writeFileSync(join(ws, ".husky", "_", "h"), 'export PATH="node_modules/.bin:$PATH"\nsh -e "$s" "$@"\n');
    writeFileSync(join(ws, ".husky", "pre-commit"), "bunx lint-staged\n");
    for (const dirs of [[join(ws, ".git", "hooks")], [join(ws, ".husky", "_")]]) {
      const paths = hookDelegates(ws, dirs).map((x) => x.path.slice(ws.length + 1));
      assert.ok(paths.includes("node_modules/.bin") && paths.includes(".npmrc"), paths.join(" "));
      assert.ok(!paths.includes("node_modules"), paths.join(" "));
    }
    // husky's own hook runs bun: bun loads .env into every run
    assert.ok(hookDelegates(ws, [join(ws, ".husky", "_")]).some((x) => x.path === join(ws, ".env")));
  } finally {
    rmSync(ws, { recursive: true });
  }
});

Deno.test("hookDelegates: a folder a node hook enters is protected as the top is (cd web && npx …)", () => {
  const ws = repo('#!/bin/sh\ncd web && npx lint-staged\ncd "$DIR" && npm test\ncd ../outside; npm t\n');
  try {
    const paths = hookDelegates(ws, [join(ws, ".git", "hooks")]).map((x) => x.path.slice(ws.length + 1));
    for (const p of ["web/.npmrc", "web/node_modules/.bin", ".npmrc", "node_modules/.bin"]) {
      assert.ok(paths.includes(p), `${p}: ${paths.join(" ")}`);
    }
    assert.ok(!paths.some((p) => p.includes("DIR") || p.includes("outside")), paths.join(" "));
    assert.ok(refused(ws, "web/node_modules/.bin/npx"));
  } finally {
    rmSync(ws, { recursive: true });
  }
});

Deno.test("hookDelegates: hooks that run no node (make, pre-commit) hand over to nothing of node's", () => {
  const ws = repo("#!/bin/sh\nmake lint\n# node_modules_cache and nodemon are other words\n");
  try {
    const paths = hookDelegates(ws, [join(ws, ".git", "hooks")]).map((x) => x.path.slice(ws.length + 1));
    assert.deepEqual(paths.filter((p) => p.startsWith("node_modules") || p.startsWith(".npmrc")), []);
    assert.equal(refused(ws, ".npmrc"), false);
    assert.equal(refused(ws, "node_modules/.bin/sh"), false);
  } finally {
    rmSync(ws, { recursive: true });
  }
});

Deno.test("file tools: husky v4 refuses .npmrc, .bin shims and hoisted packages; husky v9 only .bin (K4, K7, K9)", () => {
  const ws = repo(HUSKY4);
  try {
    mkdirSync(join(ws, "node_modules", "cosmiconfig"), { recursive: true });
    for (const p of [".npmrc", ".yarnrc.yml", "node_modules/.bin/husky-run", "node_modules/cosmiconfig/index.js"]) {
      assert.ok(refused(ws, p), p);
    }
    assert.equal(refused(ws, "src/a.js"), false);
    rmSync(join(ws, ".git", "hooks", "pre-commit"));
    git(ws, "config", "core.hooksPath", ".husky/_");
    mkdirSync(join(ws, ".husky", "_"), { recursive: true });
    writeFileSync(join(ws, ".husky", "_", "h"), 'export PATH="node_modules/.bin:$PATH"\n');
    assert.ok(refused(ws, "node_modules/.bin/sh"));
    assert.ok(refused(ws, ".npmrc"));
    assert.equal(refused(ws, "node_modules/cosmiconfig/index.js"), false, "v9: the project's packages are its own");
  } finally {
    rmSync(ws, { recursive: true });
  }
});

Deno.test("inspectGit: the runner's packages that node_modules links out are protected where they lead (pnpm)", () => {
  const ws = repo(HUSKY4);
  try {
    // a virtual store outside node_modules: node_modules/husky -> ../store/husky@4/node_modules/husky, whose
    // dependency cosmiconfig is a link beside it into the store; a workspace package no runner depends on
    const store = join(ws, "store");
    mkdirSync(join(store, "husky@4", "node_modules", "husky"), { recursive: true });
    writeFileSync(
      join(store, "husky@4", "node_modules", "husky", "package.json"),
      JSON.stringify({ name: "husky", dependencies: { cosmiconfig: "^7", "not-installed": "1" } }),
    );
    mkdirSync(join(store, "cosmiconfig@7", "node_modules", "cosmiconfig"), { recursive: true });
    symlinkSync("../../cosmiconfig@7/node_modules/cosmiconfig", join(store, "husky@4", "node_modules", "cosmiconfig"));
    mkdirSync(join(ws, "packages", "app"), { recursive: true });
    mkdirSync(join(ws, "node_modules", "@me"), { recursive: true });
    symlinkSync("../store/husky@4/node_modules/husky", join(ws, "node_modules", "husky"));
    symlinkSync("../../packages/app", join(ws, "node_modules", "@me", "app"));
    const out = linksOut(join(ws, "node_modules"), ["husky"]).map((p) => p.slice(ws.length + 1));
    assert.deepEqual(out, [
      "node_modules/husky",
      "store/husky@4/node_modules",
      "store/node_modules",
      "store/husky@4/node_modules/cosmiconfig",
      "store/cosmiconfig@7/node_modules",
    ]);
    const info = inspectGit(ws, [ws]);
    const pins = info.pins.map((p) => p.path.slice(ws.length + 1));
    for (const p of ["node_modules", "store/husky@4/node_modules", "store/cosmiconfig@7/node_modules/cosmiconfig"]) {
      assert.ok(pins.includes(p), `${p} pinned: ${pins.join(" ")}`);
    }
    assert.ok(info.watch.some((w) => w.path === join(ws, "store", "node_modules")), "a shadowing folder is watched");
    assert.ok(refused(ws, "store/cosmiconfig@7/node_modules/cosmiconfig/index.js"));
    assert.ok(refused(ws, "store/node_modules/slash/index.js"));
    assert.equal(refused(ws, "packages/app/index.js"), false, "a workspace package stays the agent's");
    // node_modules itself a link: pinned where it leads, and the link watched
    rmSync(join(ws, "node_modules"), { recursive: true });
    mkdirSync(join(ws, "nm-real", ".bin"), { recursive: true });
    symlinkSync("nm-real", join(ws, "node_modules"));
    const again = inspectGit(ws, [ws]);
    assert.ok(again.pins.some((p) => p.path === join(ws, "nm-real")));
    assert.ok(again.watch.some((w) => w.path === join(ws, "node_modules") && w.link === "nm-real"));
    assert.ok(refused(ws, "node_modules/.bin/sh") && refused(ws, "nm-real/x.js"));
  } finally {
    rmSync(ws, { recursive: true });
  }
});

Deno.test("GitViews: node_modules/.bin made, or a node_modules link swapped, by a call is renamed aside (K5)", () => {
  const ws = repo(null);
  const state = tmp("se-deleg-");
  const views = new GitViews(state);
  try {
    git(ws, "config", "core.hooksPath", ".husky/_");
    mkdirSync(join(ws, ".husky", "_"), { recursive: true });
    writeFileSync(join(ws, ".husky", "_", "h"), 'export PATH="node_modules/.bin:$PATH"\n');
    let call = views.prepare([ws], []);
    assert.ok(!call.mounts.some((m) => m.dest === join(ws, "node_modules", ".bin")), "missing: watched, not bound");
    mkdirSync(join(ws, "node_modules", ".bin"), { recursive: true }); // what the call's process does
    writeFileSync(join(ws, "node_modules", ".bin", "sh"), "#!/bin/sh\n", { mode: 0o755 });
    let notes = call.finish();
    assert.ok(!existsSync(join(ws, "node_modules", ".bin")), notes.join("\n"));
    assert.ok(readdirSync(join(ws, "node_modules")).some((n) => n.startsWith(".bin.safe-exec-disabled-")));
    // an existing one is bound read-only
    rmSync(join(ws, "node_modules"), { recursive: true });
    mkdirSync(join(ws, "nm", ".bin"), { recursive: true });
    symlinkSync("nm", join(ws, "node_modules"));
    call = views.prepare([ws], []);
    assert.ok(call.mounts.some((m) => m.mode === "ro" && m.dest === join(ws, "nm", ".bin")));
    rmSync(join(ws, "node_modules")); // the process swaps the link for its own folder
    mkdirSync(join(ws, "node_modules", ".bin"), { recursive: true });
    notes = call.finish();
    assert.ok(!existsSync(join(ws, "node_modules")), notes.join("\n"));
    assert.match(notes.join("\n"), /node_modules .*renamed/);
    // a link left as it was stays
    symlinkSync("nm", join(ws, "node_modules"));
    views.prepare([ws], []).finish();
    assert.ok(lstatSync(join(ws, "node_modules")).isSymbolicLink());
  } finally {
    views.close();
    rmSync(ws, { recursive: true });
    rmSync(state, { recursive: true });
  }
});

Deno.test("GitViews: a nested husky v4 repository's package-manager settings above it are watched (yarn reads them)", () => {
  const ws = tmp("se-deleg-");
  const state = tmp("se-deleg-");
  const views = new GitViews(state);
  try {
    mkdirSync(join(ws, "sub"));
    git(join(ws, "sub"), "init", "-q");
    writeFileSync(join(ws, "sub", ".git", "hooks", "pre-commit"), HUSKY4, { mode: 0o755 });
    const call = views.prepare([ws], []);
    writeFileSync(join(ws, ".yarnrc.yml"), "yarnPath: evil.cjs\n"); // what the call's process does
    writeFileSync(join(ws, "sub", ".npmrc"), "node-options=--require=./evil.js\n");
    const notes = call.finish().join("\n");
    assert.ok(!existsSync(join(ws, ".yarnrc.yml")), notes);
    assert.ok(!existsSync(join(ws, "sub", ".npmrc")), notes);
  } finally {
    views.close();
    rmSync(ws, { recursive: true });
    rmSync(state, { recursive: true });
  }
});
