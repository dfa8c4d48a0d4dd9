/**
 * Start-up checks of the workspace and the witness log (src/config/startup.ts), in-process and against every way of
 * starting the binary: a bad path is one line on stderr and exit 2, never a stack trace; what is missing is created
 * as documented.
 */
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, defaultConfig, resolveConfig } from "../../src/config/mod.ts";
import { checkWitness, checkWorkspace, prepareStartup } from "../../src/config/startup.ts";
import { run, targets } from "../_targets.ts";

const fresh = () => mkdtempSync(join(tmpdir(), "se-start-"));
const jl = (...msgs: unknown[]) => msgs.map((m) => JSON.stringify(m) + "\n").join("");

/** A start-up refusal: exit 2, one line on stderr that matches, no stack trace, nothing on stdout. */
function assertRefused(r: { code: number; stdout: string; stderr: string }, pattern: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, "");
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `one line, got:\n${r.stderr}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.stderr, /^\s+at /m, "no stack trace");
}

Deno.test("checkWorkspace: folder, file, missing with and without a parent, the default", () => {
  const dir = fresh();
  try {
    writeFileSync(join(dir, "file"), "");
    assert.deepEqual(checkWorkspace(dir, false), {
      what: "workspace",
      path: dir,
      ok: true,
      detail: "an existing folder",
      create: null,
      announce: false,
    });
    assert.equal(checkWorkspace(join(dir, "file"), false).ok, false);
    assert.equal(
      checkWorkspace(join(dir, "file/ws"), false).detail,
      "it cannot be opened: a part of the path is a file, not a folder (ENOTDIR)",
    );
    const missing = checkWorkspace(join(dir, "ws"), false);
    assert.equal(missing.create, join(dir, "ws"));
    assert.equal(missing.announce, true);
    assert.equal(checkWorkspace(join(dir, "ws"), true).announce, false, "the default is created without a word");
    const deep = checkWorkspace(join(dir, "typo/ws"), false);
    assert.equal(deep.ok, false);
    assert.match(deep.detail, /neither does its parent folder .*typo"; safe-exec creates only the last folder/);
    assert.equal(checkWorkspace(join(dir, "a/b/workspace"), true).ok, true, "the default may need its parents");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test("checkWitness: file, folder, missing folder, a folder that is a file, a FIFO", async () => {
  const dir = fresh();
  try {
    writeFileSync(join(dir, "w.log"), "abc");
    assert.equal(checkWitness(join(dir, "w.log")).detail, "an existing file of 3 bytes, writable");
    assert.equal(checkWitness("/dev/null").ok, true);
    assert.equal(checkWitness(join(dir, "new.log")).create, null);
    assert.equal(checkWitness(join(dir, "logs/deep/w.log")).create, join(dir, "logs/deep"));
    assert.match(checkWitness(dir).detail, /^it is a folder; give a file path/);
    assert.equal(checkWitness(join(dir, "w.log/x.log")).ok, false);
    const fifo = join(dir, "fifo");
    await new Deno.Command("mkfifo", { args: [fifo] }).output();
    assert.equal(checkWitness(fifo).detail, "it is a named pipe, not a file");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test("prepareStartup: creates the witness folder and an empty log, says so; refuses what cannot work", () => {
  const dir = fresh();
  try {
    const config = defaultConfig(dir);
    config.witness.path = join(dir, ".safe-exec/witness.log");
    const notes: string[] = [];
    prepareStartup(config, true, (l) => notes.push(l));
    assert.deepEqual(notes, [`safe-exec: created the folder "${join(dir, ".safe-exec")}" for the witness log`]);
    // The log itself is created empty and kept (removing it again raced other processes starting on the log).
    assert.deepEqual(readdirSync(join(dir, ".safe-exec")), ["witness.log"]);
    assert.equal(statSync(join(dir, ".safe-exec/witness.log")).size, 0);
    assert.ok(existsSync(join(dir, "workspace")));

    config.workspace = join(dir, "named");
    prepareStartup(config, false, (l) => notes.push(l));
    assert.equal(notes.at(-1), `safe-exec: created the workspace folder "${join(dir, "named")}" (it did not exist)`);

    config.witness.path = join(dir, ".safe-exec");
    assert.throws(() => prepareStartup(config, false, () => {}), ConfigError);
    assert.throws(
      () => prepareStartup(config, false, () => {}),
      /^ConfigError: Cannot use the witness log ".*\.safe-exec": it is a folder; give a file path/,
    );
    mkdirSync(join(dir, "ro"));
    chmodSync(join(dir, "ro"), 0o500);
    let root = true; // root writes into a read-only folder: the refusal cannot be seen then
    try {
      writeFileSync(join(dir, "ro/probe"), "");
    } catch {
      root = false;
    }
    if (!root) {
      config.witness.path = join(dir, "ro/w.log");
      assert.throws(() => prepareStartup(config, false, () => {}), /it cannot be created: permission denied/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test("resolveConfig: a workspace that is or contains a home folder is refused unless the config allows it", () => {
  const dir = fresh();
  const home = join(dir, "home");
  mkdirSync(home);
  const saved = Deno.env.get("HOME");
  Deno.env.set("HOME", home);
  try {
    for (const ws of [home, dir]) {
      assert.throws(
        () => resolveConfig({ workspace: ws, witness: join(tmpdir(), "w.log") }, dir),
        new RegExp(`home folder "${home}".*"workspaceMayContainHome": true`),
      );
    }
    assert.throws(() => resolveConfig({ workspace: "/root" }, dir), /home folder "\/root"/);
    assert.throws(() => resolveConfig({ workspace: "/etc" }, dir), /system folder "\/etc"/);
    assert.throws(() => resolveConfig({ workspace: "/usr" }, dir), /system folder/);
    writeFileSync(join(tmpdir(), `${dir.split("/").pop()}.jsonc`), '{ "workspaceMayContainHome": true }');
    const allowed = resolveConfig({
      config: join(tmpdir(), `${dir.split("/").pop()}.jsonc`),
      workspace: dir,
      witness: join(tmpdir(), "w.log"),
    }, dir);
    assert.equal(allowed.workspaceMayContainHome, true);
    assert.equal(resolveConfig({ workspace: join(home, "agent") }, dir).workspace, join(home, "agent"));
    assert.throws(
      () => resolveConfig({ config: writeConfig(dir, '{ "workspaceMayContainHome": "yes" }') }, dir),
      /"workspaceMayContainHome" must be true or false, got "yes"/,
    );
  } finally {
    if (saved === undefined) Deno.env.delete("HOME");
    else Deno.env.set("HOME", saved);
    rmSync(join(tmpdir(), `${dir.split("/").pop()}.jsonc`), { force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});

function writeConfig(dir: string, text: string): string {
  const p = join(dir, "c.jsonc");
  writeFileSync(p, text);
  return p;
}

for (const target of targets()) {
  Deno.test(`[${target.name}] start-up: bad workspaces and witness paths are one line and exit 2`, async () => {
    const cwd = fresh();
    try {
      writeFileSync(join(cwd, "file"), "");
      const cases: Array<[string[], RegExp]> = [
        [
          ["--workspace", join(cwd, "file")],
          /^safe-exec: Cannot use the workspace ".*file": it is a file, not a folder/,
        ],
        [
          ["--workspace", "/proc/nope"],
          /^safe-exec: Cannot use the workspace "\/proc\/nope": it cannot be (created|opened): /,
        ],
        [["--workspace", join(cwd, "typo/ws")], /neither does its parent folder/],
        [["--witness", cwd + "/"], /^safe-exec: Cannot use the witness log .*: it is a folder/],
        [["--witness", join(cwd, "file/w.log")], /witness log .*a part of the path is a file, not a folder/],
        [
          ["--witness", "/proc/w.log"],
          /^safe-exec: Cannot use the witness log "\/proc\/w.log": it cannot be (created|opened)/,
        ],
        [["--workspace", "/etc"], /system folder "\/etc"/],
      ];
      for (const [args, pattern] of cases) {
        for (const command of ["serve", "mcp", "exec"]) {
          const extra = command === "exec" ? ["list_dir"] : [];
          const r = await run(target, [command, ...extra, ...args], { cwd, stdin: "" });
          assertRefused(r, pattern);
        }
      }
      assert.equal(existsSync(join(cwd, "typo")), false, "a mistyped path is not created");
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  Deno.test(`[${target.name}] start-up: a missing witness folder is created and said; the calls are logged`, async () => {
    const cwd = fresh();
    try {
      const r = await run(target, [
        "serve",
        "--witness",
        join(cwd, "logs/a/witness.log"),
        "--workspace",
        join(cwd, "ws"),
      ], {
        cwd,
        stdin: jl({ id: 1, tool: "list_dir" }),
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.lines[0]?.ok, true, JSON.stringify(r.lines));
      assert.match(r.stderr, /created the workspace folder ".*ws" \(it did not exist\)/);
      assert.match(r.stderr, /created the folder ".*logs\/a" for the witness log/);
      assert.ok(existsSync(join(cwd, "logs/a/witness.log")));
      // the defaults: created without a word
      const d = await run(target, ["serve"], { cwd, stdin: jl({ id: 1, tool: "list_dir" }) });
      assert.equal(d.code, 0, d.stderr);
      assert.equal(d.stderr, "");
      assert.equal(d.lines[0]?.ok, true);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  Deno.test(`[${target.name}] start-up: --workspace ~ is refused; the config can allow a home workspace`, async () => {
    const cwd = fresh();
    try {
      const home = join(cwd, "home");
      mkdirSync(home);
      const env = { HOME: home };
      const r = await run(target, ["serve", "--workspace", home], { cwd, stdin: "", env });
      assertRefused(r, /home folder .*"workspaceMayContainHome": true/);
      writeFileSync(join(cwd, "allow.jsonc"), '{ "workspaceMayContainHome": true }');
      const ok = await run(target, ["serve", "--workspace", home, "--config", join(cwd, "allow.jsonc")], {
        cwd,
        stdin: jl({ id: 1, tool: "list_dir" }),
        env,
      });
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(ok.lines[0]?.ok, true);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
}
