/**
 * Exact vectors for `src/git/hook_scripts.ts`: the worktree paths an installed hook script names (red team 9, H12).
 *
 * @module
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { hookScriptPaths, hookScriptWords } from "../../src/git/hook_scripts.ts";
import { inspectGit } from "../../src/git/dirs.ts";

const ARCH = process.arch === "arm64" ? "arm64" : process.arch;

Deno.test("hookScriptWords: lefthook's stub, a hand-written hook, husky's $0 forms, comments", () => {
  const stub = 'dir="$(git rev-parse --show-toplevel)"\nosArch=$(uname | tr "[:upper:]" "[:lower:]")\n' +
    "cpuArch=$(uname -m | sed 's/aarch64/arm64/;s/x86_64/x64/')\n" +
    '"$dir/node_modules/lefthook-${osArch}-${cpuArch}/bin/lefthook" "$@"\n' +
    '"${dir}/node_modules/@evilmartians/lefthook/bin/lefthook-${osArch}-${cpuArch}/lefthook" "$@"\n';
  assert.deepEqual(hookScriptWords(stub), [
    { base: "rel", rest: "s/aarch64/arm64/" },
    { base: "rel", rest: "s/x86_64/x64/" },
    { base: "top", rest: `node_modules/lefthook-${process.platform}-${ARCH}/bin/lefthook` },
    { base: "top", rest: `node_modules/@evilmartians/lefthook/bin/lefthook-${process.platform}-${ARCH}/lefthook` },
  ]);
  assert.deepEqual(
    hookScriptWords('#!/bin/sh\n# ./not/this.sh\n. "$(dirname "$0")/h"\n. "${0%/*}/../lib.sh"\nmake lint\n'),
    [{ base: "hooks", rest: "h" }, { base: "hooks", rest: "../lib.sh" }],
  );
  assert.deepEqual(hookScriptWords('INSTALL_PYTHON=/w/.venv/bin/python3\n"$PWD"/tools/x.sh\n$UNKNOWN/y.sh\n'), [
    { base: "abs", rest: "/w/.venv/bin/python3" },
    { base: "top", rest: "tools/x.sh" },
  ]);
});

Deno.test("hookScriptPaths: packages, venvs, scripts; existing-first-folder rule; nothing inside .git or the hooks", () => {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "se-hs-")));
  try {
    mkdirSync(join(root, "hooks"));
    mkdirSync(join(root, "scripts"));
    mkdirSync(join(root, ".venv", "bin"), { recursive: true });
    writeFileSync(join(root, ".venv", "pyvenv.cfg"), "home = /usr/bin\n");
    writeFileSync(
      join(root, "hooks", "pre-commit"),
      `#!/bin/sh\nd="$(git rev-parse --show-toplevel)"\n"$d/node_modules/@s/pkg/bin/x" "$@"\n` +
        `INSTALL_PYTHON=${root}/.venv/bin/python3\nscripts/check.sh\nsed s/a/b/ x\n"$d/.git/hooks/other"\n` +
        `. "$(dirname "$0")/lib.sh"\n/etc/passwd\n`,
    );
    writeFileSync(join(root, "hooks", "pre-push.sample"), "./sample/only.sh\n");
    const got = hookScriptPaths(root, join(root, "hooks")).map((p) => [p.path.slice(root.length), p.kind]);
    assert.deepEqual(got, [["/node_modules/@s/pkg", "dir"], ["/.venv", "dir"], ["/scripts/check.sh", "file"]]);
    // a symlinked package is protected where it leads (pnpm's layout)
    mkdirSync(join(root, "store", "pkg2"), { recursive: true });
    mkdirSync(join(root, "node_modules"), { recursive: true });
    symlinkSync(join(root, "store", "pkg2"), join(root, "node_modules", "pkg2"));
    writeFileSync(join(root, "hooks", "commit-msg"), '#!/bin/sh\n"$PWD/node_modules/pkg2/run.js"\n');
    const linked = hookScriptPaths(root, join(root, "hooks")).map((p) => p.path);
    assert.ok(linked.includes(join(root, "store", "pkg2")), JSON.stringify(linked));
    assert.ok(linked.includes(join(root, "node_modules", "pkg2")), JSON.stringify(linked));
  } finally {
    rmSync(root, { recursive: true });
  }
});

Deno.test("inspectGit: a lefthook stub's missing fall-backs are watched, an installed one pinned", () => {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "se-hs-")));
  try {
    mkdirSync(join(root, ".git", "hooks"), { recursive: true });
    writeFileSync(join(root, ".git", "HEAD"), "ref: refs/heads/main\n");
    const pkg = `lefthook-${process.platform}-${ARCH}`;
    writeFileSync(
      join(root, ".git", "hooks", "pre-commit"),
      `#!/bin/sh\ndir="$(git rev-parse --show-toplevel)"\n"$dir/node_modules/${pkg}/bin/lefthook" "$@"\n` +
        `"$dir/node_modules/lefthook/bin/index.js" "$@"\n`,
    );
    mkdirSync(join(root, "node_modules", pkg, "bin"), { recursive: true });
    const info = inspectGit(root, [root], { submodules: false });
    assert.ok(info.pins.some((p) => p.path === join(root, "node_modules", pkg) && p.kind === "dir"));
    assert.ok(info.watch.some((p) => p.path === join(root, "node_modules", "lefthook")));
    assert.ok(info.trees.includes(join(root, "node_modules", pkg)));
    assert.ok(!info.trees.includes(join(root, "node_modules")), "the whole node_modules is not protected");
  } finally {
    rmSync(root, { recursive: true });
  }
});

Deno.test("hookScriptPaths: a folder a hook names as an argument (eslint src/) is not protected", () => {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "se-hs-")));
  try {
    mkdirSync(join(root, "hooks"));
    mkdirSync(join(root, "src"));
    writeFileSync(join(root, "src", "a.ts"), "");
    writeFileSync(join(root, "hooks", "pre-commit"), "#!/bin/sh\nnpx eslint src/ ./src\n./src/a.ts\n");
    assert.deepEqual(hookScriptPaths(root, join(root, "hooks")).map((p) => p.path), [join(root, "src", "a.ts")]);
  } finally {
    rmSync(root, { recursive: true });
  }
});
