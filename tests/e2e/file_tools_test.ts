/**
 * The file tools through the real `safe-exec serve` of every target (the source under Deno, whose file tools run in
 * the confined file server where bubblewrap runs; the source under Bun and the Bun binary, whose file tools run in
 * the host with folders pinned through /proc/self/fd), each case asserting on what the host sees afterwards:
 * modes of planted setuid files, link targets left alone, trees gone without a trace (or left exactly as they
 * were), names that are not UTF-8, paths thousands of components deep, a workspace removed under the server.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Msg, startServe } from "./_serve.ts";
import { targets } from "../_targets.ts";

/** A config that lets high-risk calls run at low fatigue (delete_* are high), so no confirmation is involved. */
const CONFIG = JSON.stringify({ policy: { alwaysAskHigh: false } });

function place() {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "se-files-e2e-")));
  const ws = join(dir, "ws");
  mkdirSync(ws);
  writeFileSync(join(dir, "safe-exec.jsonc"), CONFIG);
  const outside = join(dir, "outside");
  mkdirSync(outside);
  writeFileSync(join(outside, "canary.txt"), "canary\n");
  return {
    dir,
    ws,
    outside,
    [Symbol.dispose]: () => {
      // a test that mounted something inside and failed: unmount it first
      for (const line of spawnSync("cat", ["/proc/mounts"], { encoding: "utf8" }).stdout.split("\n")) {
        const at = line.split(" ")[1];
        if (at?.startsWith(dir + "/")) spawnSync("umount", ["-l", at]);
      }
      spawnSync("chmod", ["-R", "u+rwx", dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function ok(r: Msg): void {
  assert.equal(r.ok, true, JSON.stringify(r).slice(0, 500));
}

function refused(r: Msg, code: string, re?: RegExp): void {
  assert.equal(r.ok, false, JSON.stringify(r).slice(0, 500));
  assert.equal(r.errorCode, code, JSON.stringify(r).slice(0, 500));
  if (re) assert.match(String(r.error), re);
}

/** Run python3 with `code`, the workspace path as sys.argv[1] (bytes: sys.argv[1].encode()). */
function py(code: string, ...args: string[]): void {
  const r = spawnSync("python3", ["-c", code, ...args], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
}

/** A chain of `depth` folders named "a" under `dir/name`, built with openat (no path length limit), and a file at its end. */
function deepTree(dir: string, name: string, depth: number): void {
  py(
    `
import os, sys
p = sys.argv[1].encode() + b'/' + sys.argv[2].encode()
os.mkdir(p)
fd = os.open(p, os.O_RDONLY)
for i in range(int(sys.argv[3])):
    os.mkdir('a', dir_fd=fd)
    nfd = os.open('a', os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = nfd
os.close(os.open('end.txt', os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))
os.close(fd)
`,
    dir,
    name,
    String(depth),
  );
}

function quarantined(ws: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      if (n.startsWith(".safe-exec-")) out.push(join(d, n));
      const p = join(d, n);
      if (lstatSync(p, { throwIfNoEntry: false })?.isDirectory()) walk(p);
    }
  };
  walk(ws);
  return out;
}

const canMount =
  spawnSync("sh", ["-c", "d=$(mktemp -d) && mount -t tmpfs none $d && umount $d; r=$?; rmdir $d; exit $r"])
    .status === 0;
const canChattr = (() => {
  const d = mkdtempSync(join(tmpdir(), "se-chattr-"));
  writeFileSync(join(d, "f"), "");
  const ok = spawnSync("chattr", ["+i", join(d, "f")]).status === 0;
  spawnSync("chattr", ["-i", join(d, "f")]);
  rmSync(d, { recursive: true, force: true });
  return ok;
})();
if (!canChattr) console.error("\n*** SKIPPING the half-way delete_dir case: chattr +i does not work here ***\n");
if (!canMount) console.error("\n*** SKIPPING the mount-point delete_dir case: this machine cannot mount a tmpfs ***\n");

for (const target of targets()) {
  const T = `[${target.name}]`;
  const serve = (p: { dir: string; ws: string }, maxOpenFiles?: number) =>
    startServe(
      maxOpenFiles ? { ...target, argv: ["prlimit", `--nofile=${maxOpenFiles}`, "--", ...target.argv] } : target,
      p.dir,
      [
        "--workspace",
        p.ws,
        "--witness",
        join(p.dir, "witness.log"),
        "--config",
        join(p.dir, "safe-exec.jsonc"),
      ],
    );

  Deno.test(`${T} no file tool creates or keeps a setuid/setgid bit`, async () => {
    using p = place();
    const s = serve(p);
    try {
      const plant = (name: string, mode: number) => {
        copyFileSync("/bin/true", join(p.ws, name));
        chmodSync(join(p.ws, name), mode);
        assert.equal(statSync(join(p.ws, name)).mode & 0o7777, mode, "planted");
      };
      const mode = (name: string) => statSync(join(p.ws, name)).mode & 0o7777;
      plant("w.sh", 0o4755);
      ok(await s.call("write_file", { path: "w.sh", content: "#!/bin/sh\necho hi\n" }));
      assert.equal(mode("w.sh"), 0o755, "write_file keeps the permission bits, never the s-bits");
      plant("a.sh", 0o6755);
      ok(await s.call("append_file", { path: "a.sh", content: "x" }));
      assert.equal(mode("a.sh"), 0o755, "append_file strips the s-bits of the file it appends to");
      plant("src.sh", 0o4755);
      ok(await s.call("copy_file", { src: "src.sh", dst: "copy.sh" }));
      assert.equal(mode("copy.sh"), 0o755, "copy_file does not copy the s-bits");
      plant("dst.sh", 0o2755);
      ok(await s.call("copy_file", { src: "src.sh", dst: "dst.sh" }));
      assert.equal(mode("dst.sh"), 0o755, "copy_file onto a setgid file leaves no s-bit");
      plant("sticky", 0o1755);
      ok(await s.call("write_file", { path: "sticky", content: "x" }));
      assert.equal(mode("sticky"), 0o755);
    } finally {
      assert.equal(await s.close(), 0);
    }
  });

  Deno.test(`${T} delete_file removes a symlink itself (dangling, pointing outside, .git), never its target`, async () => {
    using p = place();
    symlinkSync(join(p.outside, "canary.txt"), join(p.ws, "out-file"));
    symlinkSync(p.outside, join(p.ws, "out-dir"));
    symlinkSync(join(p.outside, "missing"), join(p.ws, "dangling"));
    symlinkSync("/nonexistent/x", join(p.ws, "dangling-abs"));
    symlinkSync("loop2", join(p.ws, "loop1"));
    symlinkSync("loop1", join(p.ws, "loop2"));
    mkdirSync(join(p.ws, "sub"));
    symlinkSync("..", join(p.ws, "sub", "up"));
    const s = serve(p);
    try {
      for (const name of ["out-file", "out-dir", "dangling", "dangling-abs", "loop1", "sub/up"]) {
        const r = await s.call("delete_file", { path: name });
        ok(r);
        assert.equal(r.output, `Deleted ${name}`);
        assert.ok(!lstatSync(join(p.ws, name), { throwIfNoEntry: false }), `${name} is gone`);
      }
      assert.equal(readFileSync(join(p.outside, "canary.txt"), "utf8"), "canary\n", "the target is untouched");
      assert.ok(statSync(p.outside).isDirectory());
      // .git as a symlink, pointing outside and dangling: the link goes, what it points to stays
      symlinkSync(p.outside, join(p.ws, ".git"));
      ok(await s.call("delete_file", { path: ".git" }));
      assert.ok(!lstatSync(join(p.ws, ".git"), { throwIfNoEntry: false }));
      symlinkSync(join(p.dir, "no-such-gitdir"), join(p.ws, ".git"));
      ok(await s.call("delete_file", { path: ".git" }));
      assert.ok(!lstatSync(join(p.ws, ".git"), { throwIfNoEntry: false }));
      assert.deepEqual(readdirSync(p.outside), ["canary.txt"]);
      // Through a symlinked folder it is still refused: only the last component is not followed.
      symlinkSync(p.outside, join(p.ws, "out-dir2"));
      refused(await s.call("delete_file", { path: "out-dir2/canary.txt" }), "path_outside_workspace");
      // A real .git folder's config stays protected.
      mkdirSync(join(p.ws, ".git"));
      writeFileSync(join(p.ws, ".git", "config"), "[core]\n");
      refused(await s.call("delete_file", { path: ".git/config" }), "path_outside_workspace");
      assert.ok(existsSync(join(p.ws, ".git", "config")));
      assert.equal(readFileSync(join(p.outside, "canary.txt"), "utf8"), "canary\n");
    } finally {
      assert.equal(await s.close(), 0);
    }
  });

  Deno.test(`${T} delete_dir removes trees with non-UTF-8 names, a chmod 000 folder, 2,100 levels (past PATH_MAX, 256 fds)`, async () => {
    using p = place();
    py(
      `
import os, sys
w = sys.argv[1].encode()
os.makedirs(w + b'/t1/d\\xffir/sub')
open(w + b'/t1/f\\xfe\\xfd.txt', 'wb').write(b'x')
open(w + b'/t1/d\\xffir/sub/in\\x80', 'wb').write(b'y')
os.makedirs(w + b'/t2/locked/inner')
open(w + b'/t2/locked/inner/z', 'w').write('z')
open(w + b'/t2/locked/f', 'w').write('f')
os.chmod(w + b'/t2/locked/inner', 0)
os.chmod(w + b'/t2/locked', 0)
`,
      p.ws,
    );
    deepTree(p.ws, "t3", 2100);
    // 256 open files at most: a walk that keeps a descriptor per level cannot remove 2,100 levels.
    const s = serve(p, 256);
    try {
      for (const name of ["t1", "t2", "t3"]) {
        const r = await s.call("delete_dir", { path: name }, 120_000);
        ok(r);
        assert.equal(r.output, `Deleted ${name}`);
      }
      assert.deepEqual(readdirSync(p.ws), [], "nothing left, no quarantine folder");
    } finally {
      assert.equal(await s.close(), 0);
    }
  });

  Deno.test({
    name: `${T} delete_dir that cannot finish changes nothing (a mount point inside)`,
    ignore: !canMount,
    async fn() {
      using p = place();
      mkdirSync(join(p.ws, "t", "a", "mnt"), { recursive: true });
      writeFileSync(join(p.ws, "t", "a", "keep.txt"), "keep");
      writeFileSync(join(p.ws, "t", "first.txt"), "first");
      const mnt = join(p.ws, "t", "a", "mnt");
      assert.equal(spawnSync("mount", ["-t", "tmpfs", "none", mnt]).status, 0);
      writeFileSync(join(mnt, "on-mount.txt"), "m");
      const s = serve(p);
      try {
        const r = await s.call("delete_dir", { path: "t" });
        refused(r, "invalid_args", /mount point/);
        assert.deepEqual(readdirSync(p.ws), ["t"], "the folder keeps its name");
        assert.deepEqual(readdirSync(join(p.ws, "t")).sort(), ["a", "first.txt"]);
        assert.deepEqual(readdirSync(join(p.ws, "t", "a")).sort(), ["keep.txt", "mnt"]);
        assert.deepEqual(quarantined(p.ws), []);
      } finally {
        assert.equal(await s.close(), 0);
        spawnSync("umount", [mnt]);
      }
    },
  });

  Deno.test({
    name: `${T} delete_dir that fails half-way (an immutable file) puts the rest back under its name`,
    ignore: !canChattr,
    async fn() {
      using p = place();
      mkdirSync(join(p.ws, "t", "a"), { recursive: true });
      writeFileSync(join(p.ws, "t", "a", "locked.txt"), "locked");
      writeFileSync(join(p.ws, "t", "b.txt"), "b");
      assert.equal(spawnSync("chattr", ["+i", join(p.ws, "t", "a", "locked.txt")]).status, 0);
      const s = serve(p);
      try {
        const r = await s.call("delete_dir", { path: "t" });
        refused(
          r,
          "invalid_args",
          /^Cannot delete "t": "t\/a\/locked.txt" cannot be removed \(EPERM\); part of it may be gone, the rest is back at "t"$/,
        );
        assert.deepEqual(readdirSync(p.ws), ["t"], "back under its name");
        assert.equal(readFileSync(join(p.ws, "t", "a", "locked.txt"), "utf8"), "locked");
        assert.deepEqual(quarantined(p.ws), []);
      } finally {
        assert.equal(await s.close(), 0);
        spawnSync("chattr", ["-i", join(p.ws, "t", "a", "locked.txt")]);
      }
    },
  });

  Deno.test(`${T} list_dir shows names that are not UTF-8, escaped and flagged`, async () => {
    using p = place();
    py(
      `
import os, sys
w = sys.argv[1].encode()
os.mkdir(w + b'/d\\xffir')
open(w + b'/f\\xfe.txt', 'wb').write(b'abc')
open(w + b'/back\\\\slash\\xff', 'wb').write(b'')
open(w + b'/ok.txt', 'w').write('ok')
`,
      p.ws,
    );
    const s = serve(p);
    try {
      const r = await s.call("list_dir", { path: "." });
      ok(r);
      const entries = r.output as Array<Record<string, unknown>>;
      assert.equal(entries.length, 4, JSON.stringify(entries));
      const plain = entries.find((e) => e.name === "ok.txt");
      assert.deepEqual(plain, { name: "ok.txt", type: "file", size: 2 });
      const flagged = entries.filter((e) => e.escaped === true);
      assert.equal(flagged.length, 3, JSON.stringify(entries));
      const byStart = (s: string) => flagged.find((e) => String(e.name).startsWith(s));
      const exact = target.name.includes("bun");
      assert.equal(byStart("d")?.type, "dir");
      assert.equal(byStart("f")?.type, "file");
      if (exact) {
        assert.equal(byStart("d")?.name, "d\\xffir");
        assert.equal(byStart("f")?.name, "f\\xfe.txt");
        assert.equal(byStart("f")?.size, 3);
        assert.equal(byStart("b")?.name, "back\\\\slash\\xff");
      } else {
        // Deno's file APIs hand over such names with U+FFFD in place of the bytes, which are then unknown.
        assert.equal(byStart("d")?.name, "d\\x??ir");
        assert.equal(byStart("f")?.name, "f\\x??.txt");
        assert.equal(byStart("b")?.name, "back\\\\slash\\x??");
      }
    } finally {
      assert.equal(await s.close(), 0);
    }
  });

  Deno.test(`${T} paths of 800 and 2,000 components resolve: write, read, list, delete`, async () => {
    using p = place();
    const s = serve(p);
    try {
      for (const depth of [800, 2000]) {
        const dir = Array(depth).fill("a").join("/");
        const file = `${dir}/f.txt`;
        ok(await s.call("write_file", { path: file, content: `depth ${depth}` }, 30_000));
        const r = await s.call("read_file", { path: file }, 30_000);
        ok(r);
        assert.equal(r.output, `depth ${depth}`);
        ok(await s.call("append_file", { path: file, content: "!" }, 30_000));
        const l = await s.call("list_dir", { path: dir }, 30_000);
        ok(l);
        assert.deepEqual((l.output as Msg[]).map((e) => e.name), ["f.txt"]);
        ok(await s.call("copy_file", { src: file, dst: `${dir}/g.txt` }, 30_000));
        ok(await s.call("delete_file", { path: `${dir}/g.txt` }, 30_000));
        // .. at depth: up one and back down
        const r2 = await s.call("read_file", { path: `${dir}/../a/f.txt` }, 30_000);
        ok(r2);
        ok(await s.call("delete_dir", { path: "a" }, 60_000));
        assert.deepEqual(readdirSync(p.ws), []);
      }
    } finally {
      assert.equal(await s.close(), 0);
    }
  });

  Deno.test(`${T} ".." is resolved as the kernel does: inside is fine, every escape is refused`, async () => {
    using p = place();
    mkdirSync(join(p.ws, "sub", "deep"), { recursive: true });
    writeFileSync(join(p.ws, "ok.txt"), "ok");
    symlinkSync(join(p.ws, "sub", "deep"), join(p.ws, "in"));
    symlinkSync(p.outside, join(p.ws, "out"));
    const s = serve(p);
    try {
      const read = async (path: string) => await s.call("read_file", { path });
      assert.equal((await read("sub/../ok.txt")).output, "ok");
      assert.equal((await read("./sub/deep/../../ok.txt")).output, "ok");
      assert.equal((await read(join(p.ws, "sub", "..", "ok.txt"))).output, "ok");
      // in -> sub/deep, so in/.. is sub (after the link, as the kernel resolves it), not the workspace root
      ok(await s.call("write_file", { path: "in/../x.txt", content: "x" }));
      assert.equal(readFileSync(join(p.ws, "sub", "x.txt"), "utf8"), "x");
      ok(await s.call("write_file", { path: "new/../y.txt", content: "y" }));
      assert.equal(readFileSync(join(p.ws, "y.txt"), "utf8"), "y");
      refused(await read("sub/../../outside/canary.txt"), "path_outside_workspace", /resolved to/);
      refused(await read("../outside/canary.txt"), "path_outside_workspace");
      // out -> outside, so out/../outside is outside again, however it reads
      refused(await read("out/../outside/canary.txt"), "path_outside_workspace");
      refused(await s.call("write_file", { path: "out/../x.txt", content: "x" }), "path_outside_workspace");
      refused(await s.call("list_dir", { path: "sub/../.." }), "path_outside_workspace");
      refused(await s.call("delete_dir", { path: "sub/.." }), "invalid_args", /workspace root is never deleted/);
      refused(await s.call("write_file", { path: "ok.txt/../z.txt", content: "z" }), "invalid_args", /not a directory/);
      assert.ok(!existsSync(join(p.dir, "x.txt")));
      assert.deepEqual(readdirSync(p.outside), ["canary.txt"]);
    } finally {
      assert.equal(await s.close(), 0);
    }
  });

  Deno.test(`${T} a workspace removed under the server gives not_found naming it, and recovers when it returns`, async () => {
    using p = place();
    writeFileSync(join(p.ws, "a.txt"), "one");
    const s = serve(p);
    try {
      assert.equal((await s.call("read_file", { path: "a.txt" })).output, "one");
      rmSync(p.ws, { recursive: true });
      const gone = new RegExp(`the workspace "${p.ws}" does not exist`);
      refused(await s.call("read_file", { path: "a.txt" }), "not_found", gone);
      refused(await s.call("list_dir", { path: "." }), "not_found", gone);
      refused(await s.call("write_file", { path: "b.txt", content: "x" }), "not_found", gone);
      assert.ok(!existsSync(p.ws), "nothing re-created it");
      mkdirSync(p.ws);
      writeFileSync(join(p.ws, "a.txt"), "two");
      assert.equal((await s.call("read_file", { path: "a.txt" })).output, "two");
      ok(await s.call("write_file", { path: "b.txt", content: "b" }));
      assert.equal(readFileSync(join(p.ws, "b.txt"), "utf8"), "b");
      const l = await s.call("list_dir", { path: "." });
      assert.deepEqual((l.output as Msg[]).map((e) => e.name), ["a.txt", "b.txt"]);
    } finally {
      assert.equal(await s.close(), 0);
    }
  });
}

// The confined file server (Deno) sends every answer through one pipe: an answer of any size must arrive.
const deno = targets().find((t) => t.name === "deno src");
Deno.test(`[deno src] list_dir of 50,000 long names answers in full (over 64 MiB of JSON)`, async () => {
  using p = place();
  py(
    `
import os, sys
w = sys.argv[1].encode() + b'/big'
os.mkdir(w)
fd = os.open(w, os.O_RDONLY)
for i in range(50000):
    name = (b'%05d' % i) + b'\\x01' * 240
    os.close(os.open(name, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))
os.close(fd)
`,
    p.ws,
  );
  const s = startServe(deno!, p.dir, ["--workspace", p.ws, "--witness", join(p.dir, "witness.log")]);
  try {
    const t = performance.now();
    const r = await s.call("list_dir", { path: "big" }, 120_000);
    ok(r);
    const entries = r.output as Msg[];
    assert.equal(entries.length, 50000);
    assert.equal(entries[49999]?.name, "49999" + "\u0001".repeat(240));
    console.log(`list_dir of 50,000 names: ${Math.round(performance.now() - t)} ms`);
  } finally {
    assert.equal(await s.close(), 0);
  }
});
