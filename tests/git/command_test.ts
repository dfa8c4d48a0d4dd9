/**
 * What a host-run command line may run out of the worktree (`src/git/_command.ts`), against exact vectors: the
 * spellings of red team 9's H3, what must stay free, and what fails closed.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { commandReach, isBooleanValue } from "../../src/git/_command.ts";
import { hookDelegates } from "../../src/git/delegates.ts";
import { inspectGit, protectedBy } from "../../src/git/dirs.ts";

const inside = (p: string) => p === "/ws" || p.startsWith("/ws/");

Deno.test("commandReach: a word below the top protects its folder, one at the top itself and name.*", () => {
  const cases: Array<[string, string[], string[]]> = [
    ["node tools/fsmon", ["/ws/tools"], []],
    ["node tools", ["/ws/tools"], ["/ws/tools"]],
    ["python3 tools", ["/ws/tools"], ["/ws/tools"]],
    ["node fsmon", ["/ws/fsmon"], ["/ws/fsmon"]],
    ["./fsmon.sh", ["/ws/fsmon.sh"], ["/ws/fsmon.sh"]],
    ['"$PWD"/tools/fs2.sh', ["/ws/tools"], []],
    ["$(git rev-parse --show-toplevel)/tools/x", ["/ws/tools"], []],
    ["sh tools/*.sh", ["/ws/tools"], []],
    ["node --require=./pre/x.js /usr/lib/m.js", ["/ws/pre"], []],
    ["touch /tmp/x; false", [], []],
    ["rs-git-fsmonitor", [], []],
  ];
  for (const [value, trees, stems] of cases) {
    const r = commandReach(value, "/ws", inside);
    assert.equal(r.unreadable, null, value);
    assert.deepEqual(r.trees, trees, value);
    assert.deepEqual(r.stems, stems, value);
  }
});

Deno.test("commandReach: cd, sh -c, python -m, assignments and code strings", () => {
  const has = (value: string, ...paths: string[]) => {
    const r = commandReach(value, "/ws", inside);
    assert.equal(r.unreadable, null, value);
    for (const p of paths) assert.ok(r.trees.includes(p), `${value}: ${p} not in ${JSON.stringify(r.trees)}`);
  };
  has("cd tools && sh fsmon.sh", "/ws/tools");
  has("sh -c 'cd lib && sh run.sh'", "/ws/lib");
  has("(cd a/b; node x)", "/ws/a/b");
  has("python3 -m tools.fsmon", "/ws/tools");
  has("PYTHONPATH=lib:vendor python3 -m m", "/ws/lib", "/ws/vendor", "/ws/m");
  has(`node -e "require('./lib/x')"`, "/ws/lib");
  has("env FOO=1 tools/x 2>/dev/null", "/ws/tools");
});

Deno.test("commandReach: what cannot be read fails closed", () => {
  for (
    const value of [
      'sh "$SAFE_EXEC_TEST_UNSET_VAR"',
      "sh -c 'sh \"$0\"' x",
      "sh $(cat which)",
      "sh `which x`",
      "sh *.sh",
      "node .",
      "sh 'unbalanced",
    ]
  ) {
    assert.notEqual(commandReach(value, "/ws", inside).unreadable, null, value);
  }
  assert.ok(isBooleanValue("true") && isBooleanValue(" FALSE ") && isBooleanValue("1") && !isBooleanValue("x"));
});

Deno.test("inspectGit: core.fsmonitor protects the folders, stems and locks; lefthook rc", () => {
  const ws = realpathSync(mkdtempSync(join(tmpdir(), "cmd-")));
  try {
    mkdirSync(join(ws, ".git", "hooks"), { recursive: true });
    const config = (v: string) => writeFileSync(join(ws, ".git", "config"), `[core]\n\tfsmonitor = ${v}\n`);
    config('"node fsmon"');
    writeFileSync(join(ws, "fsmon.cjs"), "x");
    let info = inspectGit(ws, [ws], { submodules: false });
    assert.equal(protectedBy(info, join(ws, "fsmon.js")), join(ws, "fsmon.js"));
    assert.equal(protectedBy(info, join(ws, "fsmon", "index.js")), join(ws, "fsmon"));
    assert.equal(protectedBy(info, join(ws, "fsmonitor.md")), null);
    assert.ok(info.pins.some((p) => p.path === join(ws, "fsmon.cjs")), "the existing fsmon.cjs is pinned");
    assert.deepEqual(info.watch.find((w) => w.stem !== undefined)?.stem, ["fsmon.cjs"]);
    config('"sh \\"$SAFE_EXEC_TEST_UNSET_VAR\\""');
    info = inspectGit(ws, [ws], { submodules: false });
    assert.match(info.locked ?? "", /cannot be read/);
    assert.match(info.refuse ?? "", /core\.fsmonitor/);
    config("true");
    info = inspectGit(ws, [ws], { submodules: false });
    assert.equal(info.locked, null);
    assert.equal(protectedBy(info, join(ws, "true.js")), null);
    // lefthook: rc at the top, per hook, and in a -local config; a command below a key named rc is not a text
    writeFileSync(join(ws, ".git", "hooks", "pre-commit"), "#!/bin/sh\nlefthook run pre-commit\n");
    writeFileSync(join(ws, "lefthook.yml"), "rc: ./.lefthookrc\npre-push:\n  rc: 'conf/p.rc'\n");
    writeFileSync(join(ws, "lefthook-local.yml"), 'lefthook: |\n  cd sub\n  pnpm lefthook\n"rc": "x.rc"\n');
    const d = hookDelegates(ws, [join(ws, ".git", "hooks")]).filter((x) => x.command !== undefined);
    assert.deepEqual(d.map((x) => x.command).sort(), [
      ". ./.lefthookrc",
      ". conf/p.rc",
      ". x.rc",
      "cd sub\npnpm lefthook",
    ]);
    info = inspectGit(ws, [ws], { submodules: false });
    for (const p of [".lefthookrc", "conf/a.rc", "x.rc", "sub/package.json"]) {
      assert.notEqual(protectedBy(info, join(ws, p)), null, p);
    }
    assert.equal(protectedBy(info, join(ws, "src", "a.ts")), null);
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});
