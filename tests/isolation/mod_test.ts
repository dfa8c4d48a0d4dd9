import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { defaultConfig } from "../../src/config/mod.ts";
import { createIsolation } from "../../src/isolation/mod.ts";
import { currentRuntime } from "../../src/runtime/mod.ts";
import { probeBwrap } from "../../src/isolation/process/probe.ts";
import type { Runtime } from "../../src/runtime/types.ts";
import { runProcess, toolEnv } from "../../src/isolation/process/run.ts";
import type { Isolation } from "../../src/isolation/mod.ts";

const runtime = await currentRuntime();
const noBwrap = !probeBwrap().available;
if (noBwrap) console.error("SKIPPING bwrap isolation cases: bubblewrap cannot run here (apt-get install bubblewrap)");

function config(mode: "auto" | "bwrap" | "none", network = false) {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "se-iso-")));
  mkdirSync(join(dir, "workspace"));
  const c = defaultConfig(dir);
  c.sandbox = { mode, network };
  return { c, dir, ws: join(dir, "workspace") };
}

/** The network namespace a process tool's command runs in, started through the sandbox's one spawn path. */
async function netNamespaceOf(iso: Isolation, ws: string): Promise<string> {
  const argv = ["readlink", "/proc/self/ns/net"];
  const r = await runProcess(runtime, {
    argv,
    cwd: ws,
    env: toolEnv("/"),
    timeoutMs: 10_000,
    killsOwnTree: iso.sandbox.killsOwnTree === true,
    start: () => iso.sandbox.spawn(runtime, argv, { workspace: ws }),
  });
  assert.equal(r.exitCode, 0, r.stderr);
  return r.stdout.trim();
}

// Deno's permissions keep /proc/self/ns from its file APIs; ask a process outside any sandbox.
const hostNetNamespace = new TextDecoder().decode(
  new Deno.Command("readlink", { args: ["/proc/self/ns/net"] }).outputSync().stdout,
).trim();

function serversFor(ws: string): number {
  const r = new Deno.Command("pgrep", { args: ["-f", `(__fs-server|files/server_main\.ts).* ${ws}( --confined)?$`] })
    .outputSync();
  return new TextDecoder().decode(r.stdout).trim().split("\n").filter((l) => l).length;
}

Deno.test("isolation: nothing starts with the server; the first file call starts the file layer", async () => {
  const { c, dir, ws } = config("auto");
  const iso = createIsolation(c, runtime);
  assert.equal(serversFor(ws), 0, "no file server at start-up");
  await iso.files.run("write_file", ws, { path: "a.txt", content: "x" });
  const d = iso.files.describe();
  if (noBwrap) {
    assert.equal(d.worker, true, "without bwrap: the restricted worker pool");
  } else {
    assert.equal(d.confined, true, "with bwrap under Deno: the confined file server");
    assert.ok(serversFor(ws) > 0, "the confined file server was started by the first call");
  }
  assert.equal(await iso.files.run("read_file", ws, { path: "a.txt" }), "x");
  iso.close();
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(serversFor(ws), 0, "close() stops it");
  rmSync(dir, { recursive: true });
});

Deno.test("isolation: sandbox none keeps the worker layer for file tools (no bwrap involved)", async () => {
  const { c, dir, ws } = config("none");
  const iso = createIsolation(c, runtime);
  await iso.files.run("write_file", ws, { path: "a.txt", content: "x" });
  assert.equal(iso.files.describe().worker, true);
  assert.equal(iso.files.describe().confined, undefined);
  iso.close();
  rmSync(dir, { recursive: true });
});

Deno.test("isolation: every layer is listed with active and a reason", () => {
  const { c, dir } = config("auto");
  const iso = createIsolation(c, runtime);
  const layers = iso.layers();
  assert.deepEqual(layers.map((l) => l.layer), [
    "realpath guard",
    "worker permissions",
    "file tools confined",
    "OS sandbox",
    "seccomp filter",
    "network off",
    "env scrubbed",
    "resource limits",
    ".git protected",
  ]);
  for (const l of layers) assert.ok(l.detail.length > 10, l.layer);
  const d = iso.describe() as { layers: unknown[]; processes: { sandbox: string } };
  assert.equal(d.layers.length, 9);
  assert.equal(d.processes.sandbox, noBwrap ? "unavailable" : "bwrap");
  iso.close();
  rmSync(dir, { recursive: true });
});

Deno.test("isolation: mode none runs unsandboxed and says so", async () => {
  const { c, dir, ws } = config("none");
  const iso = createIsolation(c, runtime);
  assert.equal(iso.sandbox.describe().sandbox, "none");
  assert.equal(await netNamespaceOf(iso, ws), hostNetNamespace, "unsandboxed: the host's network namespace");
  const os = iso.layers().find((l) => l.layer === "OS sandbox")!;
  assert.equal(os.active, false);
  assert.match(os.detail, /sandbox: "none"/);
  assert.equal(iso.layers().find((l) => l.layer === "network off")!.active, false);
  iso.close();
  rmSync(dir, { recursive: true });
});

Deno.test({
  name: "isolation: network true keeps the host network, otherwise it is off",
  ignore: noBwrap,
  async fn() {
    const on = config("auto", true);
    const iso = createIsolation(on.c, runtime);
    assert.equal(iso.layers().find((l) => l.layer === "network off")!.active, false);
    assert.equal(await netNamespaceOf(iso, on.ws), hostNetNamespace, "network true: the host's network namespace");
    iso.close();
    const off = config("bwrap");
    const iso2 = createIsolation(off.c, runtime);
    assert.equal(iso2.layers().find((l) => l.layer === "network off")!.active, true);
    assert.notEqual(await netNamespaceOf(iso2, off.ws), hostNetNamespace, "network false: a namespace of its own");
    iso2.close();
    rmSync(on.dir, { recursive: true });
    rmSync(off.dir, { recursive: true });
  },
});

Deno.test("isolation: a runtime without restricted workers uses the host backend and says why", async () => {
  const bunLike: Runtime = {
    ...runtime,
    createRestrictedWorker: () => null,
    workerIsolation: { available: false, reason: "Bun has no permission system" },
  };
  const { c, dir, ws } = config("none");
  const iso = createIsolation(c, bunLike);
  assert.equal(iso.files.describe().worker, false);
  const w = iso.layers().find((l) => l.layer === "worker permissions")!;
  assert.equal(w.active, false);
  assert.match(w.detail, /Bun has no permission system/);
  assert.equal(await iso.files.run("write_file", ws, { path: "b.txt", content: "y" }), "Written 1 chars");
  iso.close();
  rmSync(dir, { recursive: true });
});
