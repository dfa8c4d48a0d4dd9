import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { currentRuntime } from "../../../src/runtime/mod.ts";
import { createWorkerFileBackend } from "../../../src/isolation/files/workers.ts";
import { hostFileBackend } from "../../../src/isolation/files/host.ts";
import { handleRequest } from "../../../src/isolation/files/request.ts";
import { ToolError } from "../../../src/types.ts";

const runtime = await currentRuntime();

function ws(): string {
  const d = realpathSync(mkdtempSync(join(tmpdir(), "se-fb-")));
  const root = join(d, "ws");
  mkdirSync(root);
  return root;
}

const code = (c: string) => (e: unknown) => e instanceof ToolError && e.code === c;

Deno.test("worker backend: lazy, reused, all seven operations work", async () => {
  const files = createWorkerFileBackend(runtime);
  assert.ok(files, "Deno can restrict workers");
  const root = ws();
  assert.equal(files.workers, 0);
  assert.equal(await files.run("write_file", root, { path: "d/a.txt", content: "hi" }), "Written 2 chars");
  assert.equal(await files.run("append_file", root, { path: "d/a.txt", content: "!" }), "Appended 1 chars");
  assert.equal(await files.run("read_file", root, { path: "d/a.txt" }), "hi!");
  await files.run("copy_file", root, { src: "d/a.txt", dst: "b.txt" });
  const list = await files.run("list_dir", root, {}) as { name: string }[];
  assert.deepEqual(list.map((e) => e.name).sort(), ["b.txt", "d"]);
  await files.run("delete_file", root, { path: "b.txt" });
  await files.run("delete_dir", root, { path: "d" });
  assert.ok(!existsSync(join(root, "d")));
  assert.equal(files.workers, 1);
  assert.equal(files.describe().worker, true);
  files.close();
});

Deno.test("worker backend: ToolError codes survive the trip", async () => {
  const files = createWorkerFileBackend(runtime)!;
  const root = ws();
  await assert.rejects(files.run("read_file", root, { path: "missing" }), code("not_found"));
  await assert.rejects(files.run("read_file", root, { path: "../x" }), code("path_outside_workspace"));
  await assert.rejects(files.run("read_file", root, { path: "" }), code("invalid_args"));
  symlinkSync("/etc", join(root, "etc"));
  await assert.rejects(files.run("read_file", root, { path: "etc/hostname" }), code("path_outside_workspace"));
  files.close();
});

Deno.test("worker backend: the worker's permissions refuse a root outside its grant (guard bypassed)", async () => {
  const files = createWorkerFileBackend(runtime)!;
  const granted = ws();
  const other = ws();
  writeFileSync(join(other, "secret.txt"), "s");
  // A pool granted `granted` asked to work on `other`: only the permission layer stands in the way.
  await assert.rejects(
    files.pool(granted).run("read_file", other, { path: "secret.txt" }),
    (e: unknown) => e instanceof ToolError && e.code === "path_outside_workspace" && /permissions/.test(e.message),
  );
  await assert.rejects(
    files.pool(granted).run("write_file", other, { path: "new.txt", content: "x" }),
    code("path_outside_workspace"),
  );
  assert.ok(!existsSync(join(other, "new.txt")));
  files.close();
});

Deno.test("both backends refuse every change to git's files (.git, hooks, config, anything in a git dir)", async () => {
  const files = createWorkerFileBackend(runtime)!;
  for (const b of [files, hostFileBackend]) {
    const root = ws();
    mkdirSync(join(root, ".git", "hooks"), { recursive: true });
    writeFileSync(join(root, ".git", "config"), "[core]\n");
    writeFileSync(join(root, "x"), "#!/bin/sh\n");
    await assert.rejects(
      b.run("write_file", root, { path: ".git/hooks/pre-commit", content: "x" }),
      code("path_outside_workspace"),
    );
    await assert.rejects(
      b.run("append_file", root, { path: ".git/config", content: "x" }),
      code("path_outside_workspace"),
    );
    await assert.rejects(b.run("copy_file", root, { src: "x", dst: ".git/hooks" }), code("path_outside_workspace"));
    await assert.rejects(b.run("delete_dir", root, { path: ".git" }), code("path_outside_workspace"));
    await assert.rejects(b.run("delete_file", root, { path: ".git/config" }), code("path_outside_workspace"));
    await assert.rejects(
      b.run("write_file", root, { path: ".git", content: "gitdir: x" }),
      code("path_outside_workspace"),
    );
    assert.equal(readFileSync(join(root, ".git", "config"), "utf8"), "[core]\n");
    // Even git's data: the file tools never write in a git dir (git itself, through run_bash, does). Reading is fine.
    await assert.rejects(
      b.run("write_file", root, { path: ".git/HEAD", content: "ref" }),
      code("path_outside_workspace"),
    );
    await assert.rejects(
      b.run("write_file", root, { path: "sub/.git/config", content: "x" }),
      code("path_outside_workspace"),
    );
    assert.equal(await b.run("read_file", root, { path: ".git/config" }), "[core]\n");
  }
  files.close();
});

Deno.test("fs_worker handleRequest maps unknown ops and errors", () => {
  const r = handleRequest({ id: 7, op: "nope" as "read_file", root: "/tmp", args: {} });
  assert.equal(r.ok, false);
  assert.equal(r.id, 7);
  if (!r.ok) assert.equal(r.code, "internal");
});
