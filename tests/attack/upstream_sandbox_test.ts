/**
 * Attacks by a malicious upstream MCP server configured with `"sandbox": true` (SPEC §7, §8): it runs in the
 * process sandbox with the guarantees of run_bash, so it cannot read a canary in the host home or next to the
 * workspace (nor /etc/shadow), cannot write outside the workspace, cannot reach a listener on the host's loopback,
 * and leaves no process behind when it is closed or crashes. Every case asserts on the world outside: files seen
 * from the host, the host listener's connection count, the host's process table.
 *
 * Driven through the gateway's manager (the official SDK client) with the sandboxing spawner the app uses; the
 * server is `_sandbox_probe_server.mjs`, copied into a folder of its own outside the workspace (as a server installed
 * somewhere on the host would be). Skipped, with the reason printed, where bubblewrap cannot run.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import process from "node:process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseServers, sandboxSpawner, UpstreamManager } from "../../src/gateway/mod.ts";
import { sandboxSkip, tempBase } from "./_world.ts";
import { hostGit, mustGit } from "./_host_git.ts";
import { SERVERS } from "../gateway/_servers.ts";
import { currentRuntime } from "../../src/runtime/mod.ts";

const SKIP = sandboxSkip("the sandboxed upstream attack suite");

const PROBE = fileURLToPath(new URL("../gateway/_sandbox_probe_server.mjs", import.meta.url));
const rand = () => crypto.randomUUID().slice(0, 8);
// The host home, as os.homedir() reads it first (os.homedir() itself needs Deno's sys permission).
const homedir = () => process.env.HOME ?? "/root";

/** A TCP listener on the host's 127.0.0.1 (a node child: the tests have no net permission) counting connections. */
async function hostListener(): Promise<{ port: number; connections(): number; stop(): void }> {
  const log = join(tmpdir(), `se-upsbx-listener-${rand()}.log`);
  const child = spawn("node", [
    "-e",
    `const fs=require("fs");const s=require("net").createServer((c)=>{fs.appendFileSync(${
      JSON.stringify(log)
    },"c\\n");` +
    `c.destroy();});s.listen(0,"127.0.0.1",()=>console.log(s.address().port));`,
  ], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once("data", (d: Uint8Array) => resolve(Number(new TextDecoder().decode(d).trim())));
    child.once("exit", () => reject(new Error("the host listener exited")));
  });
  return {
    port,
    connections: () => existsSync(log) ? readFileSync(log, "utf8").split("\n").filter((l) => l === "c").length : 0,
    stop: () => {
      child.kill("SIGKILL");
      rmSync(log, { force: true });
    },
  };
}

interface World {
  base: string;
  ws: string;
  secret: string;
  homeCanary: string;
  manager: UpstreamManager;
  call(tool: string, args?: Record<string, unknown>): Promise<string>;
  cleanup(): Promise<void>;
}

async function world(
  server: Record<string, unknown> = {},
  more: { spawner?: Record<string, unknown>; warnings?: string[] } = {},
): Promise<World> {
  const base = tempBase("se-upsbx-");
  const ws = join(base, "ws");
  mkdirSync(ws);
  const pkg = join(base, "server");
  mkdirSync(pkg);
  copyFileSync(PROBE, join(pkg, "probe.mjs"));
  const secret = join(base, "secret.txt");
  writeFileSync(secret, "SECRET-NEXT-TO-WS");
  const homeCanary = join(homedir(), `.se-upsbx-canary-${rand()}`);
  writeFileSync(homeCanary, "SECRET-IN-HOME");
  const witness = join(base, "witness.log");
  writeFileSync(witness, "");
  const servers = parseServers({
    probe: { command: ["node", join(pkg, "probe.mjs")], sandbox: true, ...server },
  }, { baseDir: base });
  const runtime = await currentRuntime();
  const spawner = sandboxSpawner(runtime, {
    workspace: ws,
    sandbox: { mode: "auto", network: false },
    guarded: [{ what: "the witness log", path: witness }],
    ...more.spawner,
  });
  const warnings = more.warnings;
  const manager = new UpstreamManager(servers, spawner, {
    ...(warnings ? { hooks: { onWarning: (w: { message: string }) => void warnings.push(w.message) } } : {}),
  });
  return {
    base,
    ws,
    secret,
    homeCanary,
    manager,
    async call(tool, args = {}) {
      const r = await manager.call(`probe__${tool}`, args);
      assert.ok(r.ok, `probe__${tool}: ${r.error}`);
      return (r.result!.content as { text: string }[])[0]!.text;
    },
    async cleanup() {
      await manager.close();
      spawner.close();
      rmSync(homeCanary, { force: true });
      rmSync(base, { recursive: true, force: true });
    },
  };
}

function sbxTest(name: string, fn: () => Promise<void>): void {
  Deno.test({ name: `attack (sandboxed upstream): ${name}`, ignore: SKIP !== null, fn });
}

/** Processes on the host whose command line contains `token`. */
function processesWith(token: string): string[] {
  const r = spawnSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split("\n").filter((l) => l.includes(token) && !l.includes("ps -eo"));
}

async function gone(token: string, ms: number): Promise<string[]> {
  const end = Date.now() + ms;
  let left = processesWith(token);
  while (left.length > 0 && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 50));
    left = processesWith(token);
  }
  return left;
}

sbxTest("cannot read the host home, a file next to the workspace, /etc/shadow or the witness log", async () => {
  const w = await world();
  try {
    // Control: the same server reads a file in the workspace (so a refusal below is the sandbox, not a broken tool).
    writeFileSync(join(w.ws, "ok.txt"), "visible");
    assert.equal(await w.call("read", { path: join(w.ws, "ok.txt") }), "read:visible");
    for (const path of [w.homeCanary, w.secret, "/etc/shadow", join(w.base, "witness.log"), "/root/.bashrc"]) {
      const got = await w.call("read", { path });
      assert.match(got, /^error:ENOENT$/, `${path} is invisible inside, got ${got}`);
    }
    const who = JSON.parse((await w.call("whoami")).slice(0)) as {
      home: string;
      cwd: string;
      env: Record<string, string>;
    };
    assert.equal(who.cwd, w.ws, "it starts in the workspace");
    assert.notEqual(who.home, homedir(), "HOME is the sandbox's own");
    assert.equal(who.env.HOME, who.home);
  } finally {
    await w.cleanup();
  }
});

sbxTest("cannot write outside the workspace (host home, next to it, the host's /tmp, its own program)", async () => {
  const w = await world();
  const token = rand();
  const targets = [
    join(homedir(), `.se-upsbx-write-${token}`),
    join(w.base, `outside-${token}`),
    join(tmpdir(), `se-upsbx-write-${token}`),
    join(w.base, "server", "probe.mjs"),
  ];
  try {
    for (const path of targets) await w.call("write", { path, content: `pwned-${token}` });
    for (const path of targets.slice(0, 3)) {
      assert.equal(existsSync(path), false, `${path} was not written on the host`);
    }
    assert.doesNotMatch(readFileSync(targets[3]!, "utf8"), new RegExp(token), "its own program is read-only");
    assert.equal(await w.call("write", { path: join(w.ws, "out.txt"), content: "in" }), "wrote");
    assert.equal(readFileSync(join(w.ws, "out.txt"), "utf8"), "in", "the workspace is writable");
  } finally {
    for (const path of targets.slice(0, 3)) rmSync(path, { force: true });
    await w.cleanup();
  }
});

sbxTest("cannot reach a listener on the host's 127.0.0.1 (no network unless the config says so)", async () => {
  const listener = await hostListener();
  const w = await world();
  try {
    const got = await w.call("connect", { port: listener.port });
    assert.match(got, /^error:/, `the connection failed inside, got ${got}`);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(listener.connections(), 0, "the host listener saw no connection");
  } finally {
    await w.cleanup();
    listener.stop();
  }
});

sbxTest('with "network": true the same server does reach it (the control for the case above)', async () => {
  const listener = await hostListener();
  const w = await world({ network: true });
  try {
    assert.equal(await w.call("connect", { port: listener.port }), "connected");
    for (let i = 0; i < 50 && listener.connections() === 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(listener.connections(), 1, "the host listener saw the connection");
  } finally {
    await w.cleanup();
    listener.stop();
  }
});

sbxTest("leaves no process behind: detached children die on close and when the server crashes", async () => {
  const w = await world();
  const closeMark = String(700000 + Math.floor(Math.random() * 99999));
  const crashMark = String(800000 + Math.floor(Math.random() * 99999));
  try {
    assert.match(await w.call("sleeper", { seconds: closeMark }), /^pid:/);
    assert.ok(processesWith(`sleep ${closeMark}`).length > 0, "the sleeper runs (seen from the host)");
    const status = w.manager.status()[0]!;
    assert.ok(status.pid! > 0);
    assert.equal(status.sandbox, true, "status (and info) say it is sandboxed");
    // A crash: the server leaves a sleeper and exits; its calls fail, the next call starts it again.
    const crash = await w.manager.call("probe__crash", { seconds: crashMark });
    assert.ok(crash.ok || crash.errorCode === "upstream_unavailable", JSON.stringify(crash));
    assert.deepEqual(await gone(`sleep ${closeMark}`, 5000), [], "the first start's sleeper died with it");
    assert.deepEqual(await gone(`sleep ${crashMark}`, 5000), [], "the crashed server's sleeper died with it");
    // Restarted on the next call; then closed: its sleeper goes too.
    assert.match(await w.call("sleeper", { seconds: closeMark }), /^pid:/);
    assert.ok(processesWith(`sleep ${closeMark}`).length > 0);
    await w.manager.close();
    assert.deepEqual(await gone(`sleep ${closeMark}`, 5000), [], "closing the gateway killed the whole sandbox");
    assert.deepEqual(processesWith(w.ws), [], "nothing of the sandbox (bwrap) is left");
  } finally {
    await w.cleanup();
  }
});

sbxTest("a sandboxed server is never started bare: no bwrap means upstream_unavailable saying why", async () => {
  const base = tempBase("se-upsbx-");
  const marker = join(base, "ran");
  try {
    const servers = parseServers({
      probe: { command: ["/bin/sh", "-c", `touch ${marker}; exec sleep 5`], sandbox: true },
    }, { baseDir: base });
    const runtime = await currentRuntime();
    for (
      const [options, why] of [
        [{
          probe: { available: false, path: null, version: null, userns: false, reason: "bwrap was not found in PATH" },
        }, /bwrap was not found in PATH/],
        [{ mode: "none" as const }, /"sandbox.mode" is "none"/],
      ] as const
    ) {
      const spawner = sandboxSpawner(runtime, {
        workspace: base,
        sandbox: { mode: "mode" in options ? options.mode : "auto", network: false },
        ...("probe" in options ? { probe: options.probe } : {}),
      });
      const manager = new UpstreamManager(servers, spawner);
      try {
        const r = await manager.call("probe__x", {});
        assert.equal(r.errorCode, "upstream_unavailable");
        assert.match(r.error!, why);
        assert.match(r.error!, /not started unsandboxed/);
      } finally {
        await manager.close();
        spawner.close();
      }
      assert.equal(existsSync(marker), false, "the program never ran");
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

sbxTest(
  "a repository a sandboxed server makes in the workspace is disabled after the call (red team 7, F1)",
  async () => {
    const base = tempBase("se-upsbx-git-");
    const ws = join(base, "ws");
    mkdirSync(ws);
    const canary = join(base, "CANARY_fsmonitor");
    const runtime = await currentRuntime();
    const spawner = sandboxSpawner(runtime, { workspace: ws, sandbox: { mode: "auto", network: false } });
    const servers = parseServers({ fs: { command: ["node", SERVERS.filesystem, ws], sandbox: true } }, {
      baseDir: base,
    });
    const manager = new UpstreamManager(servers, spawner);
    // the shape git needs, made through the server's own tools, one call at a time; whatever the server answers (a
    // .git folder a call made is gone after it), the operator's git must not run the agent's config
    const answers: string[] = [];
    const attempt = async (tool: string, args: Record<string, unknown>) => {
      const r = await manager.call(`fs__${tool}`, args);
      answers.push(`${tool} ${JSON.stringify(args.path)}: ${r.ok && !r.result?.isError ? "ok" : r.error ?? "isError"}`);
    };
    try {
      for (const dir of [".git", "r2"]) {
        await attempt("create_directory", { path: join(ws, `sub/${dir}/objects`) });
        await attempt("create_directory", { path: join(ws, `sub/${dir}/refs`) });
        await attempt("write_file", { path: join(ws, `sub/${dir}/HEAD`), content: "ref: refs/heads/main\n" });
        await attempt("write_file", {
          path: join(ws, `sub/${dir}/config`),
          content: `[core]\n\trepositoryformatversion = 0\n\tfsmonitor = "touch ${canary}; false"\n`,
        });
      }
      assert.match(answers[0]!, /: ok$/, answers.join("\n"));
      // the operator's git, between calls, in the folders the agent made (a bare repository shape in sub/r2 too)
      hostGit(join(ws, "sub"), "status", "--short");
      if (existsSync(join(ws, "sub", "r2"))) {
        hostGit(join(ws, "sub", "r2"), "status", "--short");
        hostGit(join(ws, "sub", "r2"), "--git-dir=.", "status", "--short");
      }
      assert.equal(existsSync(canary), false, `the host's git ran the agent's core.fsmonitor:\n${answers.join("\n")}`);
      assert.equal(existsSync(join(ws, "sub/.git/config")), false, "the repository is renamed aside");
      // the server goes on working
      const ok = await manager.call("fs__write_file", { path: join(ws, "notes.txt"), content: "ok" });
      assert.ok(ok.ok && !ok.result?.isError, ok.error ?? JSON.stringify(ok.result));
      assert.equal(readFileSync(join(ws, "notes.txt"), "utf8"), "ok");
    } finally {
      await manager.close();
      spawner.close();
      rmSync(base, { recursive: true, force: true });
    }
  },
);

/** The bytes of a background job that makes `sub/.git` (core.fsmonitor = touch `canary`) after `delay` seconds. */
function lateRepoJob(delay: number, sub: string, canary: string): string {
  // built aside and moved into place: the repository appears whole, at once (the attacker's best shape)
  return `(sleep ${delay}; t=$(mktemp -d ./.t-XXXXXX); mkdir -p "$t/objects" "$t/refs" && ` +
    `echo 'ref: refs/heads/main' > "$t/HEAD" && ` +
    `printf '[core]\\n\\trepositoryformatversion = 0\\n\\tfsmonitor = "touch ${canary}; false"\\n' > "$t/config" && ` +
    `mkdir -p ${sub} && mv "$t" ${sub}/.git; echo done > ${sub}.done) >/dev/null 2>&1 &`;
}

async function until(what: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

const disabledIn = (dir: string) =>
  existsSync(dir) && readdirSync(dir).some((n) => n.startsWith(".git.safe-exec-disabled-"));

sbxTest(
  "a repository a sandboxed server's background job makes after the call is never live (red team 8, G3)",
  async () => {
    const w = await world();
    const canary = join(w.base, "CANARY_g3");
    const op = join(w.ws, "op");
    try {
      // the operator's repository, there before the session: it is protected and kept
      mustGit(w.ws, "init", "-q", "op");
      const opConfig = readFileSync(join(op, ".git", "config"), "utf8");
      const answer = await w.call("shell", { cmd: lateRepoJob(1, "sub", canary) });
      assert.match(answer, /^0:/, answer);
      // the job writes a second later, while no call runs; no further call is made: the gateway finds it anyway
      assert.ok(await until(() => existsSync(join(w.ws, "sub.done")), 10_000), "the background job ran");
      const off = await until(() => disabledIn(join(w.ws, "sub")), 5_000);
      hostGit(join(w.ws, "sub"), "status", "--short");
      assert.equal(existsSync(canary), false, "the host's git ran the agent's core.fsmonitor between calls");
      assert.ok(off, `sub/.git was renamed aside without a call: ${readdirSync(join(w.ws, "sub"))}`);
      assert.equal(existsSync(join(w.ws, "sub", ".git")), false);
      // later calls do not bring it back nor take a new one for the operator's
      assert.match(await w.call("shell", { cmd: lateRepoJob(0.3, "sub2", canary) }), /^0:/);
      await new Promise((r) => setTimeout(r, 100));
      assert.match(await w.call("shell", { cmd: "echo hi" }), /^0:hi/);
      assert.ok(await until(() => existsSync(join(w.ws, "sub2.done")), 10_000), "the second job ran");
      assert.match(await w.call("shell", { cmd: "echo hi" }), /^0:hi/);
      for (const d of ["sub", "sub2"]) hostGit(join(w.ws, d), "status", "--short");
      assert.equal(existsSync(canary), false, "the host's git ran the agent's core.fsmonitor after a later call");
      assert.ok(disabledIn(join(w.ws, "sub2")), "sub2/.git is renamed aside");
      // a job that writes just before the session ends: nothing of it is live after the end
      assert.match(await w.call("shell", { cmd: lateRepoJob(0.1, "sub3", canary) }), /^0:/);
      assert.ok(await until(() => existsSync(join(w.ws, "sub3.done")), 10_000), "the third job ran");
      await w.manager.close();
      for (const d of ["sub", "sub2", "sub3"]) {
        hostGit(join(w.ws, d), "status", "--short");
        assert.equal(existsSync(join(w.ws, d, ".git")), false, `${d}/.git after the session`);
      }
      assert.equal(existsSync(canary), false, "the host's git ran the agent's core.fsmonitor after the session");
      // the operator's repository is untouched
      assert.equal(readFileSync(join(op, ".git", "config"), "utf8"), opConfig);
      mustGit(op, "status", "--short");
    } finally {
      await w.cleanup();
    }
  },
);

/**
 * The bytes of a background loop that makes `sub/.git` (core.fsmonitor = touch `canary`) again whenever it is gone,
 * counting in `sub.made`; `mark` is in its command line (to find it in the host's process table).
 */
function recreateLoop(sub: string, canary: string, mark: string): string {
  return `(while :; do if [ ! -e ${sub}/.git ]; then t=$(mktemp -d ./.t-XXXXXX); mkdir -p "$t/objects" "$t/refs" && ` +
    `echo 'ref: refs/heads/main' > "$t/HEAD" && ` +
    `printf '[core]\\n\\trepositoryformatversion = 0\\n\\tfsmonitor = "touch ${canary}; false"\\n' > "$t/config" && ` +
    `mkdir -p ${sub} && mv "$t" ${sub}/.git; echo x >> ${sub}.made; fi; sleep 0.02; done; : ${mark}) ` +
    `>/dev/null 2>&1 &`;
}

/** Samples every 20 ms for `ms` whether `entry` exists; the times (ms since the start) it did. */
async function liveSamples(entry: string, ms: number): Promise<number[]> {
  const t0 = Date.now();
  const live: number[] = [];
  while (Date.now() - t0 < ms) {
    if (existsSync(entry)) live.push(Date.now() - t0);
    await new Promise((r) => setTimeout(r, 20));
  }
  return live;
}

sbxTest(
  "a background loop that makes a repository again after each rename gets its server stopped (red team 10, J5a)",
  async () => {
    const warnings: string[] = [];
    const w = await world({}, { warnings });
    const canary = join(w.base, "CANARY_j5a");
    const mark = `j5a-${rand()}`;
    const sub = join(w.ws, "sub");
    try {
      assert.match(await w.call("shell", { cmd: recreateLoop("sub", canary, mark) }), /^0:/);
      assert.ok(await until(() => existsSync(join(w.ws, "sub.made")), 10_000), "the loop made a repository");
      assert.ok(processesWith(mark).length > 0, "the loop runs (seen from the host)");
      // the loop makes it again within 20 ms of each rename: were the server left alive, a live sub/.git would exist
      // most of the time; the gateway stops the server at the first re-creation, its whole sandbox with it
      const live = await liveSamples(join(sub, ".git"), 6_000);
      const late = live.filter((t) => t > 3_000);
      assert.equal(
        late.length,
        0,
        `sub/.git was live in ${live.length} samples of 6 s, ${late.length} after 3 s (the last at ${
          live.at(-1)
        } ms; ` +
          `made ${readFileSync(join(w.ws, "sub.made"), "utf8").split("\n").length - 1} times): ${warnings.join("\n")}`,
      );
      assert.deepEqual(await gone(mark, 5_000), [], "the loop died with the server's sandbox");
      assert.match(
        warnings.join("\n"),
        /server "probe" was stopped by safe-exec: a git repository was made again at sub /,
      );
      hostGit(sub, "status", "--short");
      assert.equal(existsSync(canary), false, "the host's git ran the agent's core.fsmonitor");
      // listing the tools after the stop restarts the server cleanly; so does the next call
      const listing = await w.manager.listTools();
      assert.deepEqual(listing.errors, []);
      assert.ok(listing.tools.some((t) => t.name === "probe__shell"), JSON.stringify(listing));
      assert.match(await w.call("shell", { cmd: "echo hi" }), /^0:hi/);
      assert.equal(w.manager.status()[0]!.starts, 2, "started again once");
      assert.equal(existsSync(join(sub, ".git")), false);
    } finally {
      await w.cleanup();
    }
  },
);

sbxTest(
  "a server that makes more folders than a walk may take is stopped; the repository its job plants never lives (J5b)",
  async () => {
    const warnings: string[] = [];
    const w = await world({}, { warnings });
    const canary = join(w.base, "CANARY_j5b");
    try {
      // 120,000 folders (past the bound of 100,000 a walk may take while a sandboxed server lives): on main the
      // walks took a second or more each, and the time between two walks grew to 30 s; the job plants sub/.git in
      // that window, 6 s after the call
      const cmd = `seq 120000 | awk '{print "many/a" int($1/300) "/b" $1}' | xargs mkdir -p && ` +
        lateRepoJob(6, "sub", canary);
      const r = await w.manager.call("probe__shell", { cmd });
      // answered and stopped by the walk after the call, or stopped by a walk between calls while it made them
      assert.ok(r.ok || /was stopped by safe-exec/.test(r.error ?? ""), JSON.stringify(r));
      assert.ok(existsSync(join(w.ws, "many", "a300")), "the folders were made");
      const answered = Date.now();
      // wait past the plant (the job is killed with the server when the walk goes past its bound)
      await until(() => existsSync(join(w.ws, "sub.done")) || Date.now() - answered > 7_000, 10_000);
      for (let i = 0; i < 10; i++) {
        if (existsSync(join(w.ws, "sub"))) hostGit(join(w.ws, "sub"), "status", "--short");
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(existsSync(canary), false, `the host's git ran the agent's core.fsmonitor: ${warnings.join("\n")}`);
      assert.equal(existsSync(join(w.ws, "sub", ".git")), false, "no live sub/.git");
      assert.match(
        warnings.join("\n"),
        /server "probe" was stopped by safe-exec: the repository walk of \S+ (looked at \d+ folders|took \d+ ms), past/,
      );
    } finally {
      await w.cleanup();
    }
  },
);

sbxTest("the walk bounds of a live sandboxed server can be lowered; a server past them is stopped (J5b)", async () => {
  const warnings: string[] = [];
  // a variable, not a literal: the option is the fix's; without it the server is never stopped
  const spawner: Record<string, unknown> = { liveWalk: { maxDirs: 40 } };
  const w = await world({}, { warnings, spawner });
  try {
    // a server that makes no repository and stays under the bound is never stopped
    assert.match(await w.call("shell", { cmd: "mkdir -p few/a few/b && echo ok" }), /^0:ok/);
    await new Promise((r) => setTimeout(r, 1_200)); // two walks between calls
    assert.match(await w.call("shell", { cmd: "echo still" }), /^0:still/);
    assert.equal(w.manager.status()[0]!.starts, 1, `not restarted: ${warnings.join("\n")}`);
    // past it: stopped after the walk after the call (whose answer still comes back), started again on the next call
    const r = await w.manager.call("probe__shell", { cmd: "seq 60 | sed 's|^|many/d|' | xargs mkdir -p; echo made" });
    assert.ok(r.ok, r.error ?? "");
    assert.ok(await until(() => warnings.some((m) => /was stopped by safe-exec/.test(m)), 5_000), warnings.join("\n"));
    assert.match(warnings.join("\n"), /walk .* \d+ folders.*bound of 40/s);
    assert.match(await w.call("shell", { cmd: "echo back" }), /^0:back/);
    assert.equal(w.manager.status()[0]!.starts, 2);
  } finally {
    await w.cleanup();
  }
});
