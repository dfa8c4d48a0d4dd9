import assert from "node:assert/strict";
import {
  existsSync,
  linkSync,
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
import { join } from "node:path";
import { fsOps, type FsToolName } from "../../src/fileops/ops.ts";
import { MAX_READ_BYTES } from "../../src/fileops/read_file.ts";
import { ToolError } from "../../src/types.ts";

const SECRET = "TOP-SECRET-CANARY";

interface Snap {
  path: string;
  content: string;
  mtime: number;
  listing: string;
  dirMtime: number;
}

/** A workspace with canaries in its parent, in a prefix sibling and in /tmp, and hostile links inside. */
function world() {
  const base = realpathSync(mkdtempSync("/tmp/fsops-base-"));
  const out = realpathSync(mkdtempSync("/tmp/fsops-outside-"));
  const root = join(base, "ws");
  const evil = join(base, "ws-evil");
  mkdirSync(join(root, "a", "b"), { recursive: true });
  mkdirSync(join(root, "sub"));
  mkdirSync(evil);
  mkdirSync(join(out, "dir"));
  writeFileSync(join(base, "canary.txt"), SECRET + " parent");
  writeFileSync(join(evil, "canary.txt"), SECRET + " evil");
  writeFileSync(join(out, "canary.txt"), SECRET + " tmp");
  writeFileSync(join(out, "dir", "canary.txt"), SECRET + " tmpdir");
  writeFileSync(join(out, "hard.txt"), SECRET + " hard");
  writeFileSync(join(root, "inside.txt"), "inside");
  symlinkSync(out, join(root, "link_tmp"));
  symlinkSync(base, join(root, "link_parent"));
  symlinkSync(evil, join(root, "link_evil"));
  symlinkSync(join(out, "canary.txt"), join(root, "file_link"));
  symlinkSync("../../canary.txt", join(root, "sub", "rel"));
  symlinkSync("../../../ws-evil", join(root, "a", "b", "up"));
  symlinkSync("chain2", join(root, "chain1"));
  symlinkSync("link_tmp", join(root, "chain2"));
  symlinkSync(out, join(root, "a", "b", "deep"));
  symlinkSync(join(out, "new-by-attacker.txt"), join(root, "dangling"));
  linkSync(join(out, "hard.txt"), join(root, "hl"));
  const canaries = [
    join(base, "canary.txt"),
    join(evil, "canary.txt"),
    join(out, "canary.txt"),
    join(out, "dir", "canary.txt"),
    join(out, "hard.txt"),
  ];
  const snap = (): Snap[] =>
    canaries.map((p) => ({
      path: p,
      content: readFileSync(p, "utf8"),
      mtime: statSync(p).mtimeMs,
      listing: readdirSync(join(p, "..")).sort().join(","),
      dirMtime: statSync(join(p, "..")).mtimeMs,
    }));
  return {
    base,
    out,
    root,
    snap,
    [Symbol.dispose]: () => {
      rmSync(base, { recursive: true, force: true });
      rmSync(out, { recursive: true, force: true });
    },
  };
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ToolError) return e.code;
    throw e;
  }
  return "ok";
}

function call(root: string, tool: FsToolName, args: Record<string, unknown>): unknown {
  // deno-lint-ignore no-explicit-any
  return (fsOps[tool] as (r: string, a: any) => unknown)(root, args);
}

// deno-fmt-ignore
const ATTACKS: [FsToolName, Record<string, unknown>][] = [
  // read_file
  ["read_file", { path: "../canary.txt" }],
  ["read_file", { path: "./../canary.txt" }],
  ["read_file", { path: "a/../../canary.txt" }],
  ["read_file", { path: "../ws-evil/canary.txt" }],
  ["read_file", { path: "@OUT/canary.txt" }],
  ["read_file", { path: "@BASE/ws-evil/canary.txt" }],
  ["read_file", { path: "link_tmp/canary.txt" }],
  ["read_file", { path: "file_link" }],
  ["read_file", { path: "sub/rel" }],
  ["read_file", { path: "chain1/canary.txt" }],
  ["read_file", { path: "a/b/deep/dir/canary.txt" }],
  ["read_file", { path: "a/b/up/canary.txt" }],
  ["read_file", { path: "link_parent/canary.txt" }],
  ["read_file", { path: "hl" }],
  ["read_file", { path: "inside.txt\0../../canary.txt" }],
  // list_dir
  ["list_dir", { path: ".." }],
  ["list_dir", { path: "link_tmp" }],
  ["list_dir", { path: "@OUT" }],
  ["list_dir", { path: "../ws-evil" }],
  ["list_dir", { path: "chain1/dir" }],
  ["list_dir", { path: "a/b/up" }],
  // write_file
  ["write_file", { path: "../canary.txt", content: "pwned" }],
  ["write_file", { path: "link_tmp/canary.txt", content: "pwned" }],
  ["write_file", { path: "link_tmp/new.txt", content: "pwned" }],
  ["write_file", { path: "link_tmp/newdir/x.txt", content: "pwned" }],
  ["write_file", { path: "file_link", content: "pwned" }],
  ["write_file", { path: "dangling", content: "pwned" }],
  ["write_file", { path: "link_evil/canary.txt", content: "pwned" }],
  ["write_file", { path: "@BASE/ws-evil/canary.txt", content: "pwned" }],
  ["write_file", { path: "hl", content: "pwned" }],
  ["write_file", { path: "sub/rel", content: "pwned" }],
  ["write_file", { path: "a/b/deep/dir/canary.txt", content: "pwned" }],
  ["write_file", { path: "~/../../canary.txt", content: "pwned" }],
  ["write_file", { path: "x\0", content: "pwned" }],
  // append_file
  ["append_file", { path: "file_link", content: "pwned" }],
  ["append_file", { path: "link_tmp/canary.txt", content: "pwned" }],
  ["append_file", { path: "hl", content: "pwned" }],
  ["append_file", { path: "../ws-evil/canary.txt", content: "pwned" }],
  ["append_file", { path: "dangling", content: "pwned" }],
  ["append_file", { path: "chain1/dir/canary.txt", content: "pwned" }],
  ["append_file", { path: "@OUT/canary.txt", content: "pwned" }],
  // copy_file
  ["copy_file", { src: "link_tmp/canary.txt", dst: "stolen.txt" }],
  ["copy_file", { src: "file_link", dst: "stolen.txt" }],
  ["copy_file", { src: "hl", dst: "stolen.txt" }],
  ["copy_file", { src: "@OUT/canary.txt", dst: "stolen.txt" }],
  ["copy_file", { src: "sub/rel", dst: "stolen.txt" }],
  ["copy_file", { src: "inside.txt", dst: "link_tmp/canary.txt" }],
  ["copy_file", { src: "inside.txt", dst: "link_tmp" }],
  ["copy_file", { src: "inside.txt", dst: "../ws-evil/canary.txt" }],
  ["copy_file", { src: "inside.txt", dst: "dangling" }],
  ["copy_file", { src: "inside.txt", dst: "a/b/up" }],
  // delete_file
  ["delete_file", { path: "link_tmp/canary.txt" }],
  ["delete_file", { path: "hl" }],
  ["delete_file", { path: "../canary.txt" }],
  ["delete_file", { path: "@OUT/canary.txt" }],
  ["delete_file", { path: "chain1/canary.txt" }],
  ["delete_file", { path: "link_evil/canary.txt" }],
  // delete_dir
  ["delete_dir", { path: ".." }],
  ["delete_dir", { path: "@OUT" }],
  ["delete_dir", { path: "@OUT/dir" }],
  ["delete_dir", { path: "link_parent/ws-evil" }],
  ["delete_dir", { path: "a/b/deep/dir" }],
  ["delete_dir", { path: "../ws-evil" }],
  ["delete_dir", { path: "sub/../.." }],
  ["delete_dir", { path: "link_parent/.." }],
  ["read_file", { path: "link_tmp/../canary.txt" }],
  ["write_file", { path: "a/b/up/../x.txt", content: "pwned" }],
  ["list_dir", { path: "sub/../../ws-evil" }],
];

Deno.test(`escape suite: ${ATTACKS.length} attacks refused, canaries untouched`, async (t) => {
  assert.ok(ATTACKS.length >= 40);
  using w = world();
  for (const [tool, raw] of ATTACKS) {
    const args: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw)) {
      args[k] = typeof v === "string" ? v.replace("@OUT", w.out).replace("@BASE", w.base) : v;
    }
    await t.step(`${tool} ${JSON.stringify(args)}`, () => {
      const before = w.snap();
      const wsBefore = readdirSync(w.root).sort().join(",");
      let err: unknown;
      try {
        call(w.root, tool, args);
      } catch (e) {
        err = e;
      }
      assert.ok(err instanceof ToolError, `expected a refusal, got ${String(err)}`);
      assert.equal(err.code, "path_outside_workspace", err.message);
      assert.match(err.message, /^Cannot .* as it is outside the workspace: /);
      assert.deepEqual(w.snap(), before);
      assert.equal(readdirSync(w.root).sort().join(","), wsBefore, "nothing created in the workspace");
      assert.ok(!existsSync(join(w.out, "new-by-attacker.txt")));
    });
  }
});

Deno.test("messages name the value and the resolution", () => {
  using w = world();
  assert.throws(() => fsOps.write_file(w.root, { path: "link_tmp/a.txt", content: "" }), {
    message: `Cannot write "link_tmp/a.txt" as it is outside the workspace: "link_tmp" is a symlink to "${w.out}"`,
  });
  assert.throws(() => fsOps.read_file(w.root, { path: "../x" }), {
    message: `Cannot read "../x" as it is outside the workspace: resolved to "${w.base}/x"`,
  });
  assert.throws(() => fsOps.read_file(w.root, { path: "hl" }), /hard link \(2 links\).*another link may be outside/);
});

Deno.test("read_file: success, not_found, directory, size limit, UTF-8 replacement", () => {
  using w = world();
  const r = w.root;
  assert.equal(fsOps.read_file(r, { path: "inside.txt" }), "inside");
  assert.equal(fsOps.read_file(r, { path: join(r, "inside.txt") }), "inside", "absolute inside is fine");
  writeFileSync(join(r, "bad.bin"), new Uint8Array([0x61, 0xff, 0x62]));
  assert.equal(fsOps.read_file(r, { path: "bad.bin" }), "a\uFFFDb");
  writeFileSync(join(r, "bom.txt"), "\uFEFFhi");
  assert.equal(fsOps.read_file(r, { path: "bom.txt" }), "\uFEFFhi");
  writeFileSync(join(r, "empty"), "");
  assert.equal(fsOps.read_file(r, { path: "empty" }), "");
  symlinkSync("inside.txt", join(r, "in_link"));
  assert.equal(fsOps.read_file(r, { path: "in_link" }), "inside");
  assert.equal(code(() => fsOps.read_file(r, { path: "missing.txt" })), "not_found");
  assert.throws(() => fsOps.read_file(r, { path: "missing.txt" }), /"missing.txt"/);
  assert.equal(code(() => fsOps.read_file(r, { path: "inside.txt/x" })), "invalid_args");
  assert.throws(() => fsOps.read_file(r, { path: "sub" }), { message: 'Cannot read "sub": it is a directory' });
  assert.equal(code(() => fsOps.read_file(r, { path: "" })), "invalid_args");
  assert.equal(code(() => fsOps.read_file(r, { path: 7 as unknown as string })), "invalid_args");
  writeFileSync(join(r, "big"), new Uint8Array(MAX_READ_BYTES + 1));
  assert.throws(() => fsOps.read_file(r, { path: "big" }), /10485761 bytes.*10485760/);
  writeFileSync(join(r, "max"), new Uint8Array(MAX_READ_BYTES));
  assert.equal(fsOps.read_file(r, { path: "max" }).length, MAX_READ_BYTES);
  new Deno.Command("mkfifo", { args: [join(r, "fifo")] }).outputSync();
  assert.equal(code(() => fsOps.read_file(r, { path: "fifo" })), "invalid_args", "a FIFO does not hang");
});

Deno.test("list_dir: sorted, lstat types, default '.', errors", () => {
  using w = world();
  const r = w.root;
  const all = fsOps.list_dir(r, {});
  assert.deepEqual(all, fsOps.list_dir(r, { path: "" }));
  assert.deepEqual(all, fsOps.list_dir(r, { path: "." }));
  assert.deepEqual(all.map((e) => e.name), [...all.map((e) => e.name)].sort());
  const by = Object.fromEntries(all.map((e) => [e.name, e]));
  assert.deepEqual(by["inside.txt"], { name: "inside.txt", type: "file", size: 6 });
  assert.equal(by["sub"]?.type, "dir");
  assert.equal(by["link_tmp"]?.type, "symlink", "listed, never followed");
  assert.equal(by["file_link"]?.type, "symlink");
  assert.deepEqual(fsOps.list_dir(r, { path: "a" }).map((e) => e.name), ["b"]);
  assert.equal(code(() => fsOps.list_dir(r, { path: "missing" })), "not_found");
  assert.equal(code(() => fsOps.list_dir(r, { path: "inside.txt" })), "invalid_args");
});

Deno.test("write_file: creates parents, overwrites, keeps links, errors", () => {
  using w = world();
  const r = w.root;
  assert.equal(fsOps.write_file(r, { path: "n/e/w.txt", content: "héllo😀" }), "Written 7 chars");
  assert.equal(readFileSync(join(r, "n/e/w.txt"), "utf8"), "héllo😀");
  assert.equal(fsOps.write_file(r, { path: "n/e/w.txt", content: "" }), "Written 0 chars");
  assert.equal(readFileSync(join(r, "n/e/w.txt"), "utf8"), "");
  assert.equal(fsOps.write_file(r, { path: "~/x", content: "t" }), "Written 1 chars");
  assert.ok(existsSync(join(r, "~", "x")));
  symlinkSync("inside.txt", join(r, "in_link"));
  fsOps.write_file(r, { path: "in_link", content: "via link" });
  assert.ok(lstatSync(join(r, "in_link")).isSymbolicLink());
  assert.equal(readFileSync(join(r, "inside.txt"), "utf8"), "via link");
  fsOps.write_file(r, { path: join(r, "abs.txt"), content: "abs" });
  assert.equal(readFileSync(join(r, "abs.txt"), "utf8"), "abs");
  assert.equal(code(() => fsOps.write_file(r, { path: "sub", content: "x" })), "invalid_args");
  assert.equal(code(() => fsOps.write_file(r, { path: ".", content: "x" })), "invalid_args");
  assert.equal(code(() => fsOps.write_file(r, { path: "inside.txt/x", content: "x" })), "invalid_args");
  assert.equal(code(() => fsOps.write_file(r, { path: "", content: "x" })), "invalid_args");
  assert.equal(code(() => fsOps.write_file(r, { path: "y", content: 5 as unknown as string })), "invalid_args");
  assert.deepEqual(readdirSync(r).filter((n) => n.startsWith(".safe-exec")), [], "no temp files left");
});

Deno.test("append_file: creates, appends, errors", () => {
  using w = world();
  const r = w.root;
  assert.equal(fsOps.append_file(r, { path: "log/a.log", content: "one\n" }), "Appended 4 chars");
  assert.equal(fsOps.append_file(r, { path: "log/a.log", content: "two\n" }), "Appended 4 chars");
  assert.equal(readFileSync(join(r, "log/a.log"), "utf8"), "one\ntwo\n");
  assert.equal(code(() => fsOps.append_file(r, { path: "sub", content: "x" })), "invalid_args");
  assert.equal(code(() => fsOps.append_file(r, { path: "", content: "x" })), "invalid_args");
});

Deno.test("copy_file: file and into a directory, errors", () => {
  using w = world();
  const r = w.root;
  assert.equal(fsOps.copy_file(r, { src: "inside.txt", dst: "c/copy.txt" }), "Copied inside.txt -> c/copy.txt");
  assert.equal(readFileSync(join(r, "c/copy.txt"), "utf8"), "inside");
  assert.equal(fsOps.copy_file(r, { src: "inside.txt", dst: "sub" }), "Copied inside.txt -> sub");
  assert.equal(readFileSync(join(r, "sub/inside.txt"), "utf8"), "inside");
  fsOps.copy_file(r, { src: "c/copy.txt", dst: "inside.txt" });
  assert.equal(code(() => fsOps.copy_file(r, { src: "missing", dst: "x" })), "not_found");
  assert.equal(code(() => fsOps.copy_file(r, { src: "inside.txt", dst: "inside.txt" })), "invalid_args");
  assert.equal(code(() => fsOps.copy_file(r, { src: "sub", dst: "x" })), "invalid_args");
});

Deno.test("delete_file and delete_dir: success and errors; the root is never deleted", () => {
  using w = world();
  const r = w.root;
  assert.equal(fsOps.delete_file(r, { path: "inside.txt" }), "Deleted inside.txt");
  assert.ok(!existsSync(join(r, "inside.txt")));
  assert.equal(code(() => fsOps.delete_file(r, { path: "inside.txt" })), "not_found");
  assert.throws(() => fsOps.delete_file(r, { path: "inside.txt" }), /"inside.txt"/);
  assert.equal(code(() => fsOps.delete_file(r, { path: "sub" })), "invalid_args");
  writeFileSync(join(r, "sub", "t.txt"), "t");
  symlinkSync("sub", join(r, "in_link"));
  assert.equal(fsOps.delete_file(r, { path: "in_link" }), "Deleted in_link");
  assert.ok(existsSync(join(r, "sub", "t.txt")), "deleting a link keeps its target");
  mkdirSync(join(r, "tree/x/y"), { recursive: true });
  writeFileSync(join(r, "tree/x/y/f"), "f");
  symlinkSync(w.out, join(r, "tree/x/out_link"));
  assert.equal(fsOps.delete_dir(r, { path: "tree" }), "Deleted tree");
  assert.ok(!existsSync(join(r, "tree")));
  assert.equal(
    readFileSync(join(w.out, "canary.txt"), "utf8"),
    SECRET + " tmp",
    "links inside are unlinked, not followed",
  );
  assert.equal(code(() => fsOps.delete_dir(r, { path: "." })), "invalid_args");
  assert.equal(code(() => fsOps.delete_dir(r, { path: r })), "invalid_args");
  assert.equal(code(() => fsOps.delete_dir(r, { path: "missing" })), "not_found");
  assert.equal(code(() => fsOps.delete_dir(r, { path: "file_link" })), "invalid_args", "a symlink: use delete_file");
  for (const link of ["link_tmp", "chain1", "a/b/up"]) {
    assert.throws(() => fsOps.delete_dir(r, { path: link }), /it is a symlink, not a directory; use delete_file/);
  }
  assert.throws(() => fsOps.delete_dir(r, { path: "sub/.." }), /the workspace root is never deleted/);
  writeFileSync(join(r, "f.txt"), "f");
  assert.equal(code(() => fsOps.delete_dir(r, { path: "f.txt" })), "invalid_args");
  assert.equal(code(() => fsOps.delete_file(r, { path: "." })), "invalid_args");
  assert.ok(existsSync(r));
  assert.deepEqual(readdirSync(r).filter((n) => n.startsWith(".safe-exec")), []);
});

Deno.test("delete_file removes a symlink itself, wherever it points (dangling, outside, a chain); targets stay", () => {
  using w = world();
  const r = w.root;
  const before = w.snap();
  for (const link of ["file_link", "sub/rel", "dangling", "link_tmp", "chain1", "chain2", "a/b/up", "a/b/deep"]) {
    assert.equal(fsOps.delete_file(r, { path: link }), `Deleted ${link}`);
    assert.equal(lstatSync(join(r, link), { throwIfNoEntry: false }), undefined, link);
  }
  assert.deepEqual(w.snap(), before, "no target was touched");
  assert.ok(!existsSync(join(w.out, "new-by-attacker.txt")));
});

Deno.test("race: a folder flipping between a real dir and a symlink out never leaks or touches the canary", () => {
  using w = world();
  const r = w.root;
  writeFileSync(join(w.out, "only-outside.txt"), SECRET);
  const before = w.snap();
  // The racer itself writes only into a folder it just made: when a quarantined link is renamed back into place
  // between its rm and its mkdir, an unchecked `echo > d/canary.txt` would write outside by itself (CI, stop 20).
  const script = `end=$((SECONDS+60)); cd "$1"; while [ $SECONDS -lt $end ]; do
    rm -rf d; mkdir d && echo inside > d/canary.txt; rm -rf d; ln -s "$2" d; done`;
  const child = new Deno.Command("bash", { args: ["-c", script, "racer", r, w.out], stdout: "null", stderr: "null" })
    .spawn();
  const outcomes: Record<string, number> = {};
  const tally = (fn: () => unknown) => {
    const c = code(fn);
    outcomes[c] = (outcomes[c] ?? 0) + 1;
  };
  try {
    for (let i = 0; i < 2000; i++) {
      tally(() => fsOps.write_file(r, { path: "d/canary.txt", content: "written" }));
      tally(() => {
        const text = fsOps.read_file(r, { path: "d/canary.txt" });
        assert.ok(!text.includes(SECRET), "outside canary was read");
      });
      tally(() => fsOps.append_file(r, { path: "d/canary.txt", content: "+" }));
      tally(() => {
        const names = fsOps.list_dir(r, { path: "d" }).map((e) => e.name);
        assert.ok(!names.includes("only-outside.txt"), "outside folder was listed");
      });
      tally(() => fsOps.copy_file(r, { src: "d/canary.txt", dst: "stolen.txt" }));
      if (existsSync(join(r, "stolen.txt"))) assert.ok(!readFileSync(join(r, "stolen.txt"), "utf8").includes(SECRET));
      tally(() => fsOps.delete_file(r, { path: "d/canary.txt" }));
      if (i % 10 === 0) tally(() => fsOps.delete_dir(r, { path: "d" }));
    }
  } finally {
    child.kill("SIGKILL");
  }
  const after = w.snap();
  const strict = (s: Snap[]) => s.map(({ path, content, mtime }) => ({ path, content, mtime }));
  assert.deepEqual(strict(after), strict(before), "canaries unchanged");
  assert.equal(readFileSync(join(w.out, "only-outside.txt"), "utf8"), SECRET);
  const strays = readdirSync(w.out).filter((n) => n.startsWith(".safe-exec"));
  console.log("race outcomes", outcomes, "strays outside:", strays.length);
  assert.ok((outcomes["ok"] ?? 0) > 0 && (outcomes["path_outside_workspace"] ?? 0) > 0, JSON.stringify(outcomes));
});
