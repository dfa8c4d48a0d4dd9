// Red team 13, L5: a git object store holds every committed file's content (loose objects zlib-compressed, packs
// deltified), a floored one too, under names no path floor names. The class rule: a word naming anything inside an
// object store (`.git/objects/…`, `.git/modules/*/objects/…`, a bare repository's `objects/`, a pack, a file shaped
// as a loose object where alternates may point, the sandbox's `.safe-exec-objects` view), or a folder holding one,
// makes every path floor "may apply" (at least ask); git commands stay judged by the git rules.
import assert from "node:assert/strict";
import { cpSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { DENY_MAY_APPLY } from "../../src/rules/engine.ts";
import { compile, workspaceJudge } from "./_floors.ts";
import { git, historyRepo } from "./_history_repo.ts";
import { Workspace } from "../../src/fileops/workspace.ts";

const ASK_FLOOR = compile([{ tool: "*", path: ["secrets/**"], decision: "ask" }]);

Deno.test("rt13 L5: run_bash reads of a git object store keep a path floor at least ask", () => {
  const r = historyRepo("se-rt13-");
  try {
    const obj = `${r.ids.blob.slice(0, 2)}/${r.ids.blob.slice(2)}`;
    // a bare repository and a store under another name inside the workspace, and a pack
    git(r.root, "clone", "-q", "--bare", ".", "vendor/mirror.git");
    cpSync(join(r.root, ".git/objects"), join(r.root, "store"), { recursive: true });
    git(r.root, "--git-dir=vendor/mirror.git", "repack", "-qad");
    const pack = git(r.root, "--git-dir=vendor/mirror.git", "rev-parse", "--git-path", "objects/pack")
      .replace(/^.*vendor\//, "vendor/");
    const packs = new Deno.Command("ls", { args: [join(r.root, pack)], stdout: "piped" }).outputSync();
    const packFile = new TextDecoder().decode(packs.stdout).split("\n").find((n) => n.endsWith(".pack"))!;
    mkdirSync(join(r.root, "sub"));
    git(join(r.root, "sub"), "init", "-q");
    for (
      const cmd of [
        `base64 .git/objects/${obj}`,
        `od -An -tx1 .git/objects/${obj}`,
        `cat ${r.root}/.git/objects/${obj}`,
        `tail -c +3 .git/objects/${obj}`,
        `base64 .git/.safe-exec-objects/${obj}`,
        `base64 ${r.root}/.git/.safe-exec-objects/${obj}`,
        `cp .git/objects/${obj} src.bin`,
        `mv .git/objects/${obj} src.bin`,
        `base64 .git/modules/m/objects/${obj}`,
        `base64 vendor/mirror.git/objects/pack/${packFile}`,
        `base64 ${pack}/${packFile}`,
        `base64 store/${obj}`,
        `base64 elsewhere/${obj}`,
        `tar c .git | base64`,
        `tar c sub | base64`,
        `tar c vendor/mirror.git | base64`,
        `cp -r .git/modules x`,
        `git diff --no-index --binary .git/objects/${obj} a`,
      ]
    ) {
      const o = r.judge(cmd);
      assert.equal(o.floor, "ask", `${cmd}: ${o.rationale}`);
      assert.ok(o.matched.some((m) => m.summary.includes(DENY_MAY_APPLY)), cmd);
      // a whole git folder also names its refs (L3's reason may come first; either keeps the floor's ask)
      assert.match(o.rationale, /object store|names git's refs/, cmd);
      // an ask floor asks too
      assert.equal(workspaceJudge(ASK_FLOOR, Workspace.open(r.root), "low")(cmd).floor, "ask", cmd);
    }
    // git commands stay judged by the git rules, and files beside the store are not its content
    for (
      const cmd of [
        "git status",
        "git log --oneline",
        "git rev-parse HEAD",
        "ls src",
        "cat src/objects/a",
      ]
    ) {
      const o = r.judge(cmd);
      assert.equal(o.floor, null, `${cmd}: ${o.rationale}`);
    }
    // not the store, but git's refs: a hand-written ref may point HEAD at any tree (L3), so the floor may apply
    assert.match(r.judge("cat .git/HEAD").rationale, /names git's refs/);
  } finally {
    r.done();
  }
});
