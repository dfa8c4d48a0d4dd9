/**
 * The index a sandboxed call wrote, made safe for the host (src/isolation/process/_gitindex.ts, red team 10, J4),
 * against indexes the real git writes: versions 2, 3 and 4, SHA-1 and SHA-256, the untracked cache and the
 * fsmonitor extension. The result must be an index git reads (its checksum checked by `git ls-files`).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hiddenIndexPaths, revealIndex } from "../../../src/isolation/process/_gitindex.ts";
import { tempDir } from "../../_temp.ts";

function repo(format: "sha1" | "sha256", version: number) {
  const d = tempDir("gitindex-");
  const git = (...a: string[]) => {
    const r = spawnSync("git", a, { cwd: d, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  git("init", "-q", `--object-format=${format}`);
  for (const f of ["a", "b", "dir/c", "dir/d"]) {
    spawnSync("mkdir", ["-p", join(d, f, "..")]);
    writeFileSync(join(d, f), f);
  }
  git("add", ".");
  git("update-index", `--index-version=${version}`);
  const index = () => new Uint8Array(readFileSync(join(d, ".git", "index")));
  return { d, git, index, put: (b: Uint8Array) => writeFileSync(join(d, ".git", "index"), b) };
}

for (const format of ["sha1", "sha256"] as const) {
  for (const version of [2, 3, 4]) {
    Deno.test(`gitindex: ${format} v${version}: the bits are cleared, the checksum is git's`, () => {
      const r = repo(format, version);
      const bytes = format === "sha256" ? 32 : 20;
      try {
        r.git("update-index", "--assume-unchanged", "a", "dir/c");
        if (version >= 3) r.git("update-index", "--skip-worktree", "dir/d");
        const before = r.index();
        const want = version >= 3 ? ["a", "dir/c", "dir/d"] : ["a", "dir/c"];
        assert.deepEqual([...hiddenIndexPaths(before, bytes)!].sort(), want);
        const out = revealIndex(before, bytes, (p) => p === "dir/c");
        assert.ok(out.ok);
        assert.deepEqual(out.cleared.sort(), want.filter((p) => p !== "dir/c"));
        r.put(out.data);
        assert.equal(r.git("ls-files", "-v"), "H a\nH b\nh dir/c\nH dir/d\n");
        assert.equal(r.git("status", "--porcelain"), "A  a\nA  b\nA  dir/c\nA  dir/d\n");
      } finally {
        rmSync(r.d, { recursive: true, force: true });
      }
    });
  }
}

Deno.test("gitindex: the untracked cache and fsmonitor extensions are dropped, the others kept", () => {
  const r = repo("sha1", 2);
  try {
    r.git("write-tree");
    r.git("-c", "core.untrackedCache=true", "update-index", "--untracked-cache");
    r.git("-c", "core.untrackedCache=true", "status", "--porcelain");
    const before = r.index();
    const text = new TextDecoder("latin1").decode(before);
    assert.ok(text.includes("UNTR") && text.includes("TREE"), "git wrote no untracked cache or cache tree");
    const out = revealIndex(before, 20, () => false);
    assert.ok(out.ok);
    assert.deepEqual(out.dropped, ["UNTR"]);
    const after = new TextDecoder("latin1").decode(out.data);
    assert.ok(!after.includes("UNTR") && after.includes("TREE"));
    r.put(out.data);
    assert.equal(r.git("ls-files").split("\n").length, 5);
    // nothing to change: the same bytes
    const again = revealIndex(out.data, 20, () => false);
    assert.ok(again.ok);
    assert.equal(again.data, out.data);
  } finally {
    rmSync(r.d, { recursive: true, force: true });
  }
});

Deno.test("gitindex: an index that cannot be read is said so, never passed as clean", () => {
  const bad = revealIndex(new TextEncoder().encode("DIRC\0\0\0\x09\0\0\0\0" + "x".repeat(20)), 20, () => false);
  assert.deepEqual(bad, { ok: false, reason: "index version 9" });
  assert.equal(hiddenIndexPaths(new Uint8Array(4), 20), null);
});
