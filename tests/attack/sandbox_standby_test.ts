/**
 * The bwrap sandbox's standby path (`sandbox.spawn`): a prepared /bin/sh that already joined the pids cgroup and
 * set the rlimits receives a call's bwrap options through `bwrap --args`, and a trampoline inside rebuilds the
 * command's argv. The command must see exactly its argv, /dev/null as stdin and only the allowlisted environment.
 */
import assert from "node:assert/strict";
import { currentRuntime } from "../../src/runtime/mod.ts";
import { runProcess, toolEnv } from "../../src/isolation/process/run.ts";
import { createBwrapSandbox } from "../../src/isolation/process/bwrap.ts";
import { sandboxSkip, tempBase } from "./_world.ts";
import type { BwrapIsolation } from "../../src/isolation/process/sandbox.ts";

const runtime = await currentRuntime();
const skip = sandboxSkip("the sandbox standby tests", { hint: false });

function setup() {
  const ws = tempBase("se-standby-");
  const sb = createBwrapSandbox();
  const run = (argv: string[]) =>
    runProcess(runtime, {
      argv,
      cwd: ws,
      env: toolEnv("/"),
      timeoutMs: 10_000,
      killsOwnTree: true,
      start: () => sb.spawn(runtime, argv, { workspace: ws }),
    });
  return { ws, sb, run };
}

Deno.test({
  name: "standby: the command gets exactly its argv (quotes, $, newlines, unicode) and $0",
  ignore: skip !== null,
  async fn() {
    const { sb, run } = setup();
    try {
      const tricky = ["a b", "'q'", '"d"', "$HOME", "line1\nline2", "€ 🦕", "", "-c", "--"];
      const r = await run(["python3", "-c", "import sys, json; print(json.dumps(sys.argv[1:]))", ...tricky]);
      assert.equal(r.exitCode, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), tricky);
      const b = await run(["bash", "-c", 'echo "$0|$#|$1"', "name", "x y"]);
      assert.equal(b.stdout, "name|1|x y\n");
    } finally {
      sb.close();
    }
  },
});

Deno.test({
  name: "standby: stdin is /dev/null and the environment is only the allowlist",
  ignore: skip !== null,
  async fn() {
    const { ws, sb, run } = setup();
    try {
      const r = await run(["bash", "-c", "cat; echo rc=$?; readlink /proc/self/fd/0; env | cut -d= -f1 | sort"]);
      const [rc, stdin, ...names] = r.stdout.trim().split("\n");
      assert.equal(rc, "rc=0", r.stderr);
      assert.equal(stdin, "/dev/null");
      assert.deepEqual(names.filter((n) => !["PWD", "SHLVL", "_"].includes(n)), [
        "GIT_CONFIG_COUNT",
        "GIT_CONFIG_GLOBAL",
        "GIT_CONFIG_KEY_0",
        "GIT_CONFIG_NOSYSTEM",
        "GIT_CONFIG_VALUE_0",
        "HOME",
        "LANG",
        "PATH",
        "PYTHONNOUSERSITE",
        "TERM",
      ]);
      const home = await run(["bash", "-c", 'echo "$HOME"; ls -A "$HOME" | wc -l']);
      assert.equal(home.stdout, "/home/safe-exec\n0\n", `HOME is private and empty, not the workspace ${ws}`);
    } finally {
      sb.close();
    }
  },
});

Deno.test({
  name: "standby: calls back to back each get a fresh sandbox; close() leaves no standby and no cgroup behind",
  ignore: skip !== null,
  async fn() {
    const { sb, run } = setup();
    const outs: string[] = [];
    for (let i = 0; i < 5; i++) {
      outs.push((await run(["bash", "-c", "echo $$; touch /tmp/mark-$RANDOM; ls /tmp | grep -c mark-"])).stdout);
    }
    for (const o of outs) assert.match(o, /^\d+\n1\n$/, `a private /tmp per call: ${JSON.stringify(outs)}`);
    const cgroup = String(
      (sb.describe() as BwrapIsolation).limits.processes.match(/\/sys\S+/)?.[0] ?? "",
    );
    sb.close();
    if (cgroup) {
      // Deno's permissions keep /sys from its file APIs; ask a shell.
      // Removal runs in the background (the killed standby must be reaped first): give it a moment.
      const dir = cgroup.replace(/\)$/, "");
      let gone = false;
      for (let i = 0; i < 100 && !gone; i++) {
        gone = new Deno.Command("test", { args: ["-e", dir] }).outputSync().code !== 0;
        if (!gone) await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(gone, `the cgroup ${dir} was removed`);
    }
    const left = new Deno.Command("pgrep", { args: ["-f", "safe-exec-sandbox"] }).outputSync();
    const pids = new TextDecoder().decode(left.stdout).trim();
    assert.equal(pids, "", `standby processes left: ${pids}`);
  },
});
