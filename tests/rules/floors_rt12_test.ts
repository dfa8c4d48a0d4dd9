// Red team 12, K1: curl expands URL globs itself (`{a,b}`, `[a-z]`, in URLs and `-T` names) and puts a glob's text
// in `-o` names (`#1`): the files it opens or writes are not the words the gate reads. The class rule: a curl word
// that holds a glob, unless globbing is off (`-g`, `--globoff`), makes every path floor "may apply".
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DENY_MAY_APPLY } from "../../src/rules/engine.ts";
import { Workspace } from "../../src/fileops/workspace.ts";
import { PATH_ONLY, workspaceJudge } from "./_floors.ts";

/** K1: globs that name or write floored files through curl (`W` is the workspace's real path). */
const K1_CURL = [
  "curl -s 'file://W/secret{s}/k'",
  "curl -s 'file://W/secret[r-s]/k'",
  "curl -s 'file://W/secre[s-t]s/k'",
  "curl -s 'file://W/{secrets,src}/k'",
  "curl -s -T '{secrets/k,src/a.txt}' file://W/out/",
  "curl -s -T 'src/{a.txt,../secrets/k}' file://W/out/",
  "curl -s --upload-file 'secre{t}s/k' file://W/out/",
  "curl -s 'file://W/src/a.txt?{ts}' -o 'secre#1/k'",
  "curl -s -O 'file://W/src/secret{s}' --output-dir .",
  "curl -sg -g --no-globoff 'file://W/secret{s}/k'",
  "curl -s -K /dev/null 'file://W/secret{s}/k'",
];

Deno.test("rt12 K1: curl's URL globs keep a path floor at least ask (the floor's own ask)", () => {
  const root = mkdtempSync(join(tmpdir(), "se-rt12-"));
  try {
    const ws = Workspace.open(root);
    mkdirSync(join(ws.root, "secrets"));
    mkdirSync(join(ws.root, "src"));
    writeFileSync(join(ws.root, "secrets/k"), "TOPSECRET");
    writeFileSync(join(ws.root, "src/a.txt"), "hello");
    const judge = workspaceJudge(PATH_ONLY, ws);
    for (const cmd of K1_CURL.map((c) => c.replaceAll("W", ws.root))) {
      const o = judge(cmd);
      assert.notEqual(o.floor, null, `${cmd}: ${o.rationale}`);
      if (o.floor === "ask") assert.ok(o.matched.some((m) => m.summary.includes(DENY_MAY_APPLY)), cmd);
    }
    // globbing off, or no glob: judged by the words as before
    for (
      const cmd of [
        "curl -s file://W/src/a.txt -o out.json",
        "curl -g -s 'file://W/src/{a}' -o src/b.txt",
        "curl --globoff 'file://W/src/[1]'",
        "curl -sSg 'file://W/src/[1]'",
      ].map((c) => c.replaceAll("W", ws.root))
    ) {
      const o = judge(cmd);
      assert.equal(o.floor, null, `${cmd}: ${o.rationale}`);
    }
    assert.equal(judge(`curl -s file://${ws.root}/secrets/k`).floor, "deny");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
