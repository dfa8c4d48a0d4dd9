import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { Workspace } from "../../src/fileops/workspace.ts";
import { PathOutsideWorkspaceError, ToolError } from "../../src/types.ts";

function world() {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "ws-guard-")));
  const root = join(base, "ws");
  mkdirSync(join(root, "sub", "deep"), { recursive: true });
  mkdirSync(join(base, "ws-evil"));
  writeFileSync(join(base, "ws-evil", "x"), "evil");
  writeFileSync(join(root, "a.txt"), "a");
  symlinkSync("/etc", join(root, "link"));
  symlinkSync("../../x", join(root, "sub", "rel"));
  symlinkSync(join(root, "sub"), join(root, "in"));
  symlinkSync("/nonexistent-dir-safe-exec/x", join(root, "dangling"));
  symlinkSync("c2", join(root, "c1"));
  symlinkSync("link", join(root, "c2"));
  symlinkSync("loop2", join(root, "loop1"));
  symlinkSync("loop1", join(root, "loop2"));
  symlinkSync("sub/new", join(root, "dangling-in"));
  return { base, root, ws: Workspace.open(root), [Symbol.dispose]: () => rmSync(base, { recursive: true }) };
}

function outside(fn: () => unknown, re?: RegExp, why?: string) {
  assert.throws(fn, (e: unknown) => {
    if (why) assert.ok(e instanceof PathOutsideWorkspaceError, why);
    assert.ok(e instanceof PathOutsideWorkspaceError, String(e));
    assert.equal(e.code, "path_outside_workspace");
    if (re) assert.match(e.message, re);
    return true;
  });
}

Deno.test("open: real root, refuses / and non-directories", () => {
  using w = world();
  assert.equal(w.ws.root, w.root);
  assert.equal(Workspace.open(join(w.root, "in", "..")).root, w.root);
  assert.throws(() => Workspace.open("/"), RangeError);
  assert.throws(() => Workspace.open(join(w.root, "a.txt")), RangeError);
  assert.throws(() => Workspace.open(join(w.root, "missing")), RangeError);
  assert.throws(() => Workspace.open(""), TypeError);
});

Deno.test("resolve: inside paths", () => {
  using w = world();
  const { ws, root } = w;
  assert.equal(ws.resolve(".", "list"), root);
  assert.equal(ws.resolve("a.txt", "read"), join(root, "a.txt"));
  assert.equal(ws.resolve("./sub//deep/", "list"), join(root, "sub", "deep"));
  assert.equal(ws.resolve(join(root, "a.txt"), "read"), join(root, "a.txt"));
  assert.equal(ws.resolve(root, "list"), root);
  assert.equal(ws.resolve("new/dir/f.txt", "write"), join(root, "new", "dir", "f.txt"));
  assert.equal(ws.resolve("in/deep", "list"), join(root, "sub", "deep"));
  assert.equal(ws.resolve("~/x", "write"), join(root, "~", "x"));
  assert.equal(ws.resolve("dangling-in", "write"), join(root, "sub", "new"));
  assert.equal(ws.resolve("in", "delete"), join(root, "in"), "delete does not follow the last link");
  assert.equal(ws.resolve("link", "delete"), join(root, "link"), "not even one that points outside");
  assert.equal(ws.resolve("dangling", "delete"), join(root, "dangling"));
  assert.equal(ws.resolve("sub/rel", "delete"), join(root, "sub", "rel"));
  assert.equal(ws.resolve("a..b", "read"), join(root, "a..b"));
  assert.equal(ws.relative(join(root, "sub", "deep")), join("sub", "deep"));
  assert.equal(ws.relative(root), ".");
});

Deno.test("resolve: escapes are refused with Deno-std style messages", () => {
  using w = world();
  const { ws, base } = w;
  outside(
    () => ws.resolve("../x", "read"),
    new RegExp(`^Cannot read "\\.\\./x" as it is outside the workspace: resolved to "${base}/x"$`),
  );
  outside(() => ws.resolve("sub/../..", "list"), /resolved to/);
  outside(() => ws.resolve("sub/../../ws/a.txt", "read"), /resolved to/, 'a ".." may not step out, even to come back');
  outside(() => ws.resolve("..", "list"));
  outside(() => ws.resolve("/etc/passwd", "read"), /resolved to "\/etc\/passwd"/);
  outside(() => ws.resolve(join(base, "ws-evil", "x"), "read"), /ws-evil/);
  outside(() => ws.resolve("../ws-evil/x", "write"));
  outside(
    () => ws.resolve("link/a.txt", "write"),
    /^Cannot write "link\/a.txt" as it is outside the workspace: "link" is a symlink to "\/etc"$/,
  );
  outside(() => ws.resolve("link", "list"), /"link" is a symlink to "\/etc"/);
  outside(() => ws.resolve("link/missing/deeper", "write"));
  outside(() => ws.resolve("sub/rel", "read"), /"sub\/rel" is a symlink to/);
  outside(() => ws.resolve("in/rel", "read"));
  outside(() => ws.resolve("c1/passwd", "read"), /"c1" is a symlink to "\/etc"/);
  outside(() => ws.resolve("dangling", "write"), /"dangling" is a symlink to "\/nonexistent-dir-safe-exec\/x"/);
  outside(() => ws.resolve("a\0b", "read"), /NUL byte/);
  outside(() => ws.resolve("\0", "write"));
});

Deno.test('resolve: ".." is taken as the kernel takes it, after symlinks', () => {
  using w = world();
  const { ws, root } = w;
  assert.equal(ws.resolve("sub/../a.txt", "read"), join(root, "a.txt"));
  assert.equal(ws.resolve("sub/deep/../../a.txt", "read"), join(root, "a.txt"));
  assert.equal(ws.resolve("sub/..", "list"), root);
  assert.equal(ws.resolve(join(root, "sub", "..", "a.txt"), "read"), join(root, "a.txt"));
  // in -> sub: in/.. is the parent of sub (the root), not the folder holding the link
  assert.equal(ws.resolve("in/deep/..", "list"), join(root, "sub"));
  assert.equal(ws.resolve("in/../a.txt", "read"), join(root, "a.txt"));
  // missing folders count as plain folders
  assert.equal(ws.resolve("new/../x.txt", "write"), join(root, "x.txt"));
  assert.equal(ws.resolve("new/deeper/../x.txt", "write"), join(root, "new", "x.txt"));
  assert.equal(ws.resolve("sub/..", "delete"), root, "a trailing .. is followed, even for delete");
  assert.equal(ws.resolve("sub/deep/..", "delete"), join(root, "sub"));
  // link -> /etc: link/.. is /, outside
  outside(() => ws.resolve("link/..", "list"), /"link" is a symlink to "\/etc"/);
  outside(() => ws.resolve("link/../etc/passwd", "read"));
  outside(() => ws.resolve("c1/../tmp", "list"));
  outside(() => ws.resolve("sub/rel/..", "list"));
  outside(() => ws.resolve("dangling/..", "list"));
  outside(() => ws.resolve("../ws/a.txt", "read"));
  assert.throws(() => ws.resolve("a.txt/../x", "write"), (e: unknown) => {
    assert.ok(e instanceof ToolError && e.code === "invalid_args", String(e));
    assert.match(e.message, /"a.txt" is not a directory/);
    return true;
  });
});

// The host's Deno resolves with realpath(3), quadratic in the depth; the confined file server and Bun are linear
// (tests/e2e/file_tools_test.ts takes 2,000 components through them), so 800 is deep enough here.
Deno.test("resolve: deep paths (800 components), existing and missing", () => {
  using w = world();
  const deep = Array(800).fill("d").join("/");
  mkdirSync(join(w.root, deep), { recursive: true });
  assert.equal(w.ws.resolve(deep, "list"), join(w.root, deep));
  assert.equal(w.ws.resolve(`${deep}/new.txt`, "write"), join(w.root, deep, "new.txt"));
  assert.equal(w.ws.resolve(`${deep}/../x/y.txt`, "write"), join(w.root, deep, "..", "x", "y.txt"));
  const missing = Array(800).fill("m").join("/");
  assert.equal(w.ws.resolve(`${missing}/f.txt`, "write"), join(w.root, missing, "f.txt"));
  symlinkSync("/etc", join(w.root, deep, "out"));
  outside(() => w.ws.resolve(`${deep}/out/x/y`, "write"), /is a symlink to "\/etc"/);
});

Deno.test("resolve: a workspace removed under the guard is not_found, naming it; it works again once back", () => {
  using w = world();
  rmSync(w.root, { recursive: true });
  for (const [p, verb] of [["a.txt", "read"], ["new.txt", "write"], [".", "list"], ["x", "delete"]] as const) {
    assert.throws(() => w.ws.resolve(p, verb), (e: unknown) => {
      assert.ok(e instanceof ToolError && e.code === "not_found", String(e));
      assert.match(e.message, new RegExp(`the workspace "${w.root}" does not exist`));
      return true;
    });
  }
  mkdirSync(w.root);
  assert.equal(w.ws.resolve("a.txt", "write"), join(w.root, "a.txt"));
});

Deno.test("resolve: invalid arguments", () => {
  using w = world();
  const bad = (p: unknown, verb: "read" | "write" = "read") =>
    assert.throws(
      () => w.ws.resolve(p as string, verb),
      (e: unknown) => e instanceof ToolError && e.code === "invalid_args",
    );
  bad("");
  bad(undefined);
  bad(42);
  bad(null, "write");
  bad("loop1");
});
