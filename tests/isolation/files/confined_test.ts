import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { currentRuntime } from "../../../src/runtime/mod.ts";
import { confinedArgv, createConfinedFileBackend, fileServerCommand } from "../../../src/isolation/files/confined.ts";
import { answerLine } from "../../../src/isolation/files/server.ts";
import { probeBwrap } from "../../../src/isolation/process/probe.ts";
import type { ToolError } from "../../../src/types.ts";

const runtime = await currentRuntime();
const probe = probeBwrap();
const skip = !probe.available ? `bubblewrap cannot run here (${probe.reason})` : null;
if (skip) console.error(`\n*** SKIPPING the confined file server tests: ${skip} ***\n`);

function setup() {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "se-conf-")));
  const ws = join(base, "ws");
  Deno.mkdirSync(ws);
  writeFileSync(join(base, "secret.txt"), "outside secret\n");
  writeFileSync(join(ws, "a.txt"), "inside\n");
  const files = createConfinedFileBackend(runtime, { bwrap: probe.path ?? "bwrap", timeoutMs: 5000 });
  assert.ok(files, "Deno has a file server command");
  return { base, ws, files };
}

Deno.test({
  name: "confined file server: the tools work and outside paths are refused by the guard",
  ignore: skip !== null,
  async fn() {
    const { base, ws, files } = setup();
    try {
      assert.equal(await files.run("read_file", ws, { path: "a.txt" }), "inside\n");
      assert.equal(await files.run("write_file", ws, { path: "d/b.txt", content: "yo" }), "Written 2 chars");
      assert.equal(readFileSync(join(ws, "d/b.txt"), "utf8"), "yo");
      await assert.rejects(() => files.run("read_file", ws, { path: "../secret.txt" }), (e: ToolError) => {
        assert.equal(e.code, "path_outside_workspace");
        return true;
      });
      await assert.rejects(() => files.run("read_file", ws, { path: "missing" }), (e: ToolError) => {
        assert.equal(e.code, "not_found");
        return true;
      });
      assert.equal(files.describe().confined, true);
    } finally {
      files.close();
    }
    Deno.removeSync(base, { recursive: true });
  },
});

Deno.test({
  name: "confined file server: nothing of the host but the runtime is in its mount namespace",
  ignore: skip !== null,
  async fn() {
    const { base, ws, files } = setup();
    try {
      // The guard would refuse these links; ask the server directly for what its namespace holds, through a
      // list of its root (a symlink inside the workspace pointing at "/" resolves in the server's namespace).
      symlinkSync(base, join(ws, "up"));
      await assert.rejects(() => files.run("list_dir", ws, { path: "up" }), /outside the workspace/);
      // The server refuses a request for another workspace root outright.
      const r = answerLine(ws, JSON.stringify({ id: 1, op: "read_file", root: base, args: { path: "secret.txt" } }));
      assert.equal(r.ok, false);
      // The bwrap plan: system folders read-only, a private /tmp, the workspace the only writable bind, / read-only.
      const argv = confinedArgv("bwrap", ws, fileServerCommand(runtime, ws)!);
      const plan = argv.join(" ");
      assert.match(plan, /--unshare-all/);
      assert.match(plan, /--clearenv/);
      assert.match(plan, new RegExp(`--bind ${ws} ${ws} --remount-ro /`));
      assert.equal(argv.filter((a) => a === "--bind").length, 1, "one writable bind: the workspace");
      assert.ok(!plan.includes("--ro-bind / /"), "the host root is not mounted");
      for (const hidden of ["/etc", "/root", "/home", "/var"]) assert.ok(!argv.includes(hidden), hidden);
    } finally {
      files.close();
    }
    Deno.removeSync(base, { recursive: true });
  },
});

Deno.test({
  name: "confined file server: a killed server is replaced and the next call works",
  ignore: skip !== null,
  async fn() {
    const { base, ws, files } = setup();
    try {
      assert.equal(await files.run("read_file", ws, { path: "a.txt" }), "inside\n");
      const pids = new TextDecoder().decode(
        new Deno.Command("pgrep", { args: ["-f", `(__fs-server|files/server_main\.ts).* ${ws}( --confined)?$`] })
          .outputSync()
          .stdout,
      ).trim().split("\n").filter((l) => l);
      assert.ok(pids.length > 0, "the server runs");
      for (const pid of pids) {
        try {
          Deno.kill(Number(pid), "SIGKILL");
        } catch {
          // bwrap's child dies with its parent: already gone
        }
      }
      await new Promise((r) => setTimeout(r, 100));
      // The next call gets a fresh server.
      assert.equal(await files.run("read_file", ws, { path: "a.txt" }), "inside\n");
    } finally {
      files.close();
    }
    Deno.removeSync(base, { recursive: true });
  },
});

Deno.test({
  name:
    "confined file server: its mount plan shows no host folder but the system ones, and only the workspace is writable",
  ignore: skip !== null,
  async fn() {
    const base = realpathSync(mkdtempSync(join(tmpdir(), "se-conf-plan-")));
    const ws = join(base, "ws");
    Deno.mkdirSync(ws);
    writeFileSync(join(base, "secret.txt"), "outside\n");
    // Run a shell with the very plan the file server gets, and look around.
    const argv = confinedArgv(probe.path!, ws, { argv: ["/bin/sh", "-c", SCRIPT], readOnly: [], env: {} });
    const out = await new Deno.Command(argv[0]!, { args: argv.slice(1), stdout: "piped", stderr: "piped" }).output();
    const text = new TextDecoder().decode(out.stdout);
    const [root, ...rest] = text.trim().split("\n");
    assert.deepEqual(
      (root ?? "").split(" ").filter((n) => !["bin", "lib", "lib32", "lib64", "sbin", "usr"].includes(n)).sort(),
      ["dev", "proc", "tmp"],
      `only system folders at /: ${root}`,
    );
    assert.deepEqual(rest, [
      "etc: no",
      "root: no",
      "home: no",
      `secret: no`,
      "usr write: refused",
      // a private, empty /tmp: only the mount point of the workspace when it lives under /tmp
      "tmp holds: " + (base.startsWith("/tmp/") ? base.split("/")[2] : ""),
      "ws write: ok",
    ]);
    Deno.removeSync(base, { recursive: true });
  },
});

const SCRIPT = `
echo $(ls /)
[ -e /etc/passwd ] && echo "etc: yes" || echo "etc: no"
[ -e /root ] && echo "root: yes" || echo "root: no"
[ -e /home ] && echo "home: yes" || echo "home: no"
[ -e "$PWD/../secret.txt" ] && echo "secret: yes" || echo "secret: no"
(echo x > /usr/se-probe) 2>/dev/null && echo "usr write: ok" || echo "usr write: refused"
echo "tmp holds: $(ls /tmp)"
(echo x > "$PWD/probe.txt") 2>/dev/null && echo "ws write: ok" || echo "ws write: refused"
`;
