import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { currentRuntime } from "../../../src/runtime/mod.ts";
import { runProcess } from "../../../src/isolation/process/run.ts";
import { createBwrapSandbox } from "../../../src/isolation/process/bwrap.ts";
import {
  installHint,
  noSandbox,
  type ProcessSandbox,
  unavailableIsolation,
} from "../../../src/isolation/process/sandbox.ts";
import { runSandboxed } from "../../../src/builtins/process_tools.ts";
import { probeBwrap } from "../../../src/isolation/process/probe.ts";
import { limitPrelude, privateDir } from "../../../src/isolation/process/_standby.ts";

const runtime = await currentRuntime();
const probe = probeBwrap();
const noBwrap = !probe.available;
if (noBwrap) console.error(`SKIPPING bwrap sandbox tests: ${probe.reason} (install with: apt-get install bubblewrap)`);

function tmpWs(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "se-sb-")));
  const ws = join(dir, "ws");
  mkdirSync(ws);
  return ws;
}

/** Run `cmd` the way every process call runs: through the sandbox's spawn. */
function run(sb: ProcessSandbox, ws: string, cmd: string, t = 10_000) {
  return runSandboxed(runtime, sb, ["bash", "-c", cmd], { workspace: ws, timeoutMs: t });
}

Deno.test("noSandbox runs the command in the workspace, as the host user, and says so", async () => {
  const ws = tmpWs();
  const r = await run(noSandbox, ws, "pwd; echo $HOME");
  const [cwd, home] = r.stdout.trim().split("\n");
  assert.equal(cwd, ws);
  assert.notEqual(home, ws, "a private HOME, not the workspace");
  assert.equal(noSandbox.describe().sandbox, "none");
  rmSync(join(ws, ".."), { recursive: true });
});

Deno.test("an unavailable sandbox is described with the install hint", () => {
  const d = unavailableIsolation(installHint("bwrap was not found in PATH"));
  assert.equal(d.refused, true);
  assert.match(d.reason, /apt-get install bubblewrap/);
  assert.match(installHint("x"), /"mode": "none"/);
});

Deno.test("createBwrapSandbox with a failed probe refuses every call", () => {
  const sb = createBwrapSandbox({
    probe: { available: false, path: null, version: null, userns: false, reason: "bwrap was not found in PATH" },
  });
  assert.throws(() => sb.spawn(runtime, ["true"], { workspace: "/tmp" }), (e: unknown) => {
    const err = e as { code: string; message: string };
    return err.code === "sandbox_unavailable" && err.message.includes("apt-get install bubblewrap");
  });
  assert.equal(sb.describe().sandbox, "unavailable");
  sb.close();
});

Deno.test("limitPrelude sets the rlimits and joins the cgroup", () => {
  const p = limitPrelude({
    pids: 10,
    fileSizeBytes: 1024 * 1024,
    cpuSeconds: 5,
    addressSpaceBytes: 1024 * 1024 * 1024,
    openFiles: 64,
    tmpBytes: 1,
  }, true);
  assert.match(p, /ulimit -f 1024/);
  assert.match(p, /ulimit -t 5/);
  assert.match(p, /ulimit -v 1048576/);
  assert.match(p, /ulimit -u 10/);
  assert.match(p, /echo \$\$ > "\$1"/);
  assert.match(p, /exec 4<"\$2"/);
  assert.match(p, /shift 2\nexec "\$@"$/);
});

Deno.test({
  name: "bwrap: workspace writable, host read-only, secrets masked, env clear, no network device",
  ignore: noBwrap,
  async fn() {
    const ws = tmpWs();
    const sb = createBwrapSandbox();
    const outside = join(ws, "..", "outside.txt");
    let r;
    try {
      r = await run(
        sb,
        ws,
        `echo in > in.txt; echo x > ${outside} 2>/dev/null; echo $? ; touch /etc/se-x 2>/dev/null; echo $?; ` +
          `cat /etc/shadow 2>/dev/null | wc -c; ls -A /root 2>/dev/null | wc -l; env | sort | tr '\\n' ' '; echo; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' \\n'`,
      );
    } finally {
      sb.close();
    }
    assert.equal(r.exitCode, 0, r.stderr);
    const lines = r.stdout.trim().split("\n");
    // lines[0]: the write may "succeed" into the private /tmp (the workspace's parent is under /tmp here); the host
    // file must not appear, checked below.
    assert.equal(lines[1], "1", "write to /etc fails");
    assert.equal(lines[2], "0", "/etc/shadow is empty");
    assert.equal(lines[3], "0", "/root is not there");
    assert.ok(!/SECRET|DENO|PATH=\/root/.test(lines[4] ?? ""), lines[4]);
    assert.equal(lines[5]?.trim(), "lo", "only loopback");
    assert.ok(existsSync(join(ws, "in.txt")));
    assert.ok(!existsSync(outside));
    assert.ok(!existsSync("/etc/se-x"));
    sb.close();
    rmSync(join(ws, ".."), { recursive: true });
  },
});

Deno.test({
  name: "bwrap: .git/hooks and .git/config read-only, .git cannot be renamed",
  ignore: noBwrap,
  async fn() {
    const ws = tmpWs();
    mkdirSync(join(ws, ".git", "hooks"), { recursive: true });
    writeFileSync(join(ws, ".git", "config"), "[core]\n");
    const sb = createBwrapSandbox();
    const r = await run(
      sb,
      ws,
      "touch .git/hooks/x; echo evil >> .git/config; mv .git .g2; rm -rf .git; mkdir -p .git2; " +
        "echo 'ref: refs/heads/main' > .git/HEAD; touch .git/commondir; true",
    );
    assert.equal(r.exitCode, 0);
    assert.deepEqual(readdirSync(join(ws, ".git", "hooks")), []);
    assert.equal(Deno.readTextFileSync(join(ws, ".git", "config")), "[core]\n");
    sb.close(); // a call's git data is copied back once its processes are gone
    assert.ok(existsSync(join(ws, ".git", "HEAD")), "git's data files reach the host");
    assert.ok(!existsSync(join(ws, ".git", "commondir")), "a new commondir stays in the sandbox");
    assert.ok(!existsSync(join(ws, ".g2")));
    rmSync(join(ws, ".."), { recursive: true });
  },
});

Deno.test({
  name: "bwrap: file size limit and process limit hold, the tree dies on timeout",
  ignore: noBwrap,
  async fn() {
    const ws = tmpWs();
    const sb = createBwrapSandbox({ limits: { fileSizeBytes: 1 << 20, pids: 32 } });
    const big = await run(sb, ws, "head -c 5000000 /dev/zero > big; echo $?; stat -c %s big");
    assert.equal(big.stdout.trim().split("\n").at(-1), String(1 << 20));
    const fork = await run(sb, ws, "for i in $(seq 100); do sleep 5 & done 2>/dev/null; jobs -r | wc -l");
    assert.ok(Number(fork.stdout.trim()) < 32, fork.stdout);
    const marker = `se-sb-marker-${Date.now()}`;
    const t = await run(sb, ws, `trap '' TERM; bash -c 'exec -a ${marker} sleep 1000' & sleep 1000`, 500);
    assert.equal(t.timedOut, true);
    await new Promise((r) => setTimeout(r, 200));
    const left = await runProcess(runtime, {
      argv: ["pgrep", "-f", marker],
      cwd: "/",
      env: { PATH: "/usr/bin:/bin" },
      timeoutMs: 5000,
    });
    assert.equal(left.stdout, "", "no process left behind");
    sb.close();
    rmSync(join(ws, ".."), { recursive: true });
  },
});

Deno.test({
  name: "bwrap: sandbox.unixSockets lets named unix sockets through the filter; by default only socketpair",
  ignore: noBwrap,
  async fn() {
    const ws = tmpWs();
    const code = "import socket\ntry:\n    s = socket.socket(socket.AF_UNIX); s.bind('s.sock'); print('named ok')\n" +
      "except OSError as e:\n    print('named', e.errno)\nprint('pair', len(socket.socketpair()))";
    for (const [unixSockets, expect] of [[false, "named 97\npair 2\n"], [true, "named ok\npair 2\n"]] as const) {
      const sb = createBwrapSandbox({ unixSockets });
      try {
        const r = await runSandboxed(runtime, sb, ["python3", "-c", code], { workspace: ws, timeoutMs: 10_000 });
        assert.equal(r.stdout, expect, r.stderr);
      } finally {
        sb.close();
      }
      rmSync(join(ws, "s.sock"), { force: true });
    }
    rmSync(join(ws, ".."), { recursive: true });
  },
});

Deno.test("privateDir: the sandbox's own folder is never inside the workspace or a configured path", () => {
  const tmp = realpathSync(tmpdir());
  const d = privateDir("se-private-", [tmp]);
  assert.ok(d !== null, "another base than the temp folder");
  assert.ok(!d.startsWith(tmp + "/"), d);
  rmSync(d, { recursive: true });
  assert.equal(privateDir("se-private-", ["/"]), null);
});
