// Red team 16, N2: a link whose target goes through /proc or /dev (magic links that depend on the process that
// follows them), or leaves the workspace for a place the sandbox may show otherwise, is resolved on the host
// elsewhere than in the sandbox. A path through such a link may name any file of the workspace: the floors apply.
// Judged on a real workspace with the gate's own facts (src/gate/_path_facts.ts), as `serve` judges them.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Workspace } from "../../src/fileops/workspace.ts";
import { readFile } from "../../src/fileops/read_file.ts";
import { writeFile } from "../../src/fileops/write_file.ts";
import { compile, workspaceJudge } from "./_floors.ts";

const FLOOR = compile([{ tool: "*", path: ["secrets/**"], decision: "deny" }]);

/** Every magic target of red team 16 (and `..` after one). */
const MAGIC: Record<string, string> = {
  z: "/proc/self/cwd",
  y: "/proc/1/cwd",
  p2: "/proc/2/cwd",
  fd: "/dev/fd/../cwd",
  ts: "/proc/thread-self/cwd",
  pr: "/proc/self/root/proc/self/cwd",
  sl: "/proc/self/cwd/secrets",
};

function workspace() {
  const ws = Workspace.open(mkdtempSync(join(tmpdir(), "se-rt16l-")));
  const at = (p: string) => join(ws.root, p);
  mkdirSync(at("secrets"));
  writeFileSync(at("secrets/k"), "TOPSECRET2\n");
  mkdirSync(at("src"));
  writeFileSync(at("src/a.txt"), "hello\n");
  for (const [name, target] of Object.entries(MAGIC)) symlinkSync(target, at(`src/${name}`));
  symlinkSync("a.txt", at("src/rel")); // an ordinary relative link inside the workspace
  symlinkSync("/usr/bin/env", at("src/env")); // a link into a system folder the sandbox shows as the host has it
  symlinkSync("/usr/bin", at("src/bin"));
  symlinkSync("/tmp", at("src/tmp")); // outside, where the sandbox shows its own private folder
  symlinkSync("z", at("src/chain")); // a relative link to a magic one
  symlinkSync("../../../../../../../../../../../../proc/self/cwd", at("src/up")); // out by `..`, then /proc
  symlinkSync("/dev/null", at("src/null"));
  symlinkSync(ws.root + "/secrets", at("src/abs")); // an absolute link into the workspace: resolved alike
  return { ws, at, done: () => rmSync(ws.root, { recursive: true, force: true }) };
}

Deno.test("rt16 N2: a path through a link to /proc or /dev/fd meets the floor, for reads and writes", () => {
  const { ws, done } = workspace();
  try {
    const run = workspaceJudge(FLOOR, ws);
    const base = ws.root.slice(ws.root.lastIndexOf("/") + 1);
    const cmds = [
      "cat src/z/secrets/k",
      "cat src/y/secrets/k",
      "cat src/p2/secrets/k",
      "cat src/fd/secrets/k",
      "cat src/ts/secrets/k",
      "cat src/pr/secrets/k",
      "cat src/sl/k",
      "base64 src/z/secrets/k",
      `cat src/z/../${base}/secrets/k`,
      "cat < src/z/secrets/k",
      "echo PWNED > src/z/secrets/k",
      "echo PWNED >> src/y/secrets/k",
      "cp src/a.txt src/z/secrets/k",
      "echo x | tee src/fd/secrets/k",
      "mv src/a.txt src/ts/secrets/",
      "grep -R TOP src",
      "grep -R TOP src/z",
      "ls -LR src",
      `cat ${ws.root}/src/z/secrets/k`,
      "cat src/tmp/x/secrets/k",
      "cat src/chain/secrets/k",
      "cat src/up/secrets/k",
      "cat src/abs/k",
      "dd if=src/z/secrets/k",
      "echo x > src/tmp/q",
    ];
    for (const cmd of cmds) {
      const o = run(cmd);
      assert.ok(o.floor === "deny" || o.floor === "ask", `${cmd}: floor ${o.floor}: ${o.rationale}`);
    }
    // the spellings the sandbox reads as the workspace's own file: denied, not only asked
    for (const cmd of ["cat src/z/secrets/k", "echo PWNED > src/z/secrets/k", "cat src/ts/secrets/k", "cat src/sl/k"]) {
      const o = run(cmd);
      assert.equal(o.floor, "deny", `${cmd}: ${o.rationale}`);
    }
  } finally {
    done();
  }
});

Deno.test("rt16 N2: ordinary links stay clear of the floor", () => {
  const { ws, done } = workspace();
  try {
    const run = workspaceJudge(FLOOR, ws);
    for (
      const cmd of [
        "cat src/rel",
        "cat src/a.txt",
        "ls src/env",
        "cat src/bin/env",
        "echo hi > src/rel",
        "cat src/a.txt > src/b.txt",
      ]
    ) {
      const o = run(cmd);
      assert.equal(o.floor, null, `${cmd}: ${o.rationale}`);
    }
  } finally {
    done();
  }
});

Deno.test("rt16 N2: the file tools (on the host, behind the realpath guard) refuse the magic links", async () => {
  const { ws, at, done } = workspace();
  try {
    for (const name of Object.keys(MAGIC)) {
      const path = name === "sl" ? "src/sl/k" : `src/${name}/secrets/k`;
      await assert.rejects(
        () => Promise.resolve().then(() => writeFile(ws, { path, content: "PWNED\n" })),
        `write_file ${path} must be refused`,
      );
      await assert.rejects(
        () => Promise.resolve().then(() => readFile(ws, { path })),
        `read_file ${path} must be refused`,
      );
    }
    assert.equal(readFileSync(at("secrets/k"), "utf8"), "TOPSECRET2\n");
  } finally {
    done();
  }
});
