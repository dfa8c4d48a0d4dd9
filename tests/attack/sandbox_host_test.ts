/**
 * Attacks on what the sandbox shares with the host (red-team report 1, findings 7, 8, 10 and the lower ones):
 * the host's device nodes, the Python start-up path, memory and disk, named unix sockets, netlink, strings that
 * cannot be encoded. Each case drives a real `safe-exec serve` (the source under `deno run`, and the Bun binary from
 * dist/ or else `bun src/main.ts`) with only tool arguments, `--confirm exec:true` so the attack really runs, and
 * asserts on the world outside: the host's `/dev/null` mode and change time, files in the workspace seen from the
 * host, the server still answering after a call was killed.
 *
 * Cases that need the OS sandbox are skipped (with a printed reason) when bubblewrap cannot run here.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sandboxTargets, type Target } from "../_targets.ts";
import type { Msg, Serve } from "../e2e/_serve.ts";
import { sandboxSkip, serveWorld, stopServersTest } from "./_world.ts";

const SKIP = sandboxSkip("the sandbox/host attack suite");

/** One server per target, with its own base folder (workspace, witness log, config). */
interface Server {
  base: string;
  ws: string;
  serve: Serve;
  bash(cmd: string, timeoutMs?: number): Promise<{ r: Msg; out: string; stdout: string }>;
  python(code: string): Promise<{ r: Msg; out: string; stdout: string }>;
}

function startServer(target: Target, config: Record<string, unknown> = {}): Server {
  const { base, ws, serve } = serveWorld(target, {
    prefix: "se-host-",
    config: { confirm: "exec:true", ...config },
    configFile: "safe-exec.jsonc",
  });
  const run = async (tool: string, args: Msg, timeoutMs = 60_000) => {
    const r = await serve.call(tool, args, timeoutMs);
    const o = r.output as { stdout?: string; stderr?: string } | null;
    return { r, out: `${o?.stdout ?? ""}${o?.stderr ?? ""}`, stdout: o?.stdout ?? "" };
  };
  return {
    base,
    ws,
    serve,
    bash: (cmd, timeoutMs) => run("run_bash", { cmd }, timeoutMs),
    python: (code) => run("run_python", { code }),
  };
}

const servers = new Map<string, Server>();
const ALL = sandboxTargets();

function attack(name: string, fn: (s: Server) => Promise<void>): void {
  for (const target of ALL) {
    Deno.test({
      name: `[${target.name}] attack: ${name}`,
      ignore: SKIP !== null,
      sanitizeOps: false,
      sanitizeResources: false,
      async fn() {
        let s = servers.get(target.name);
        if (!s) {
          s = startServer(target);
          servers.set(target.name, s);
        }
        for (const n of readdirSync(s.ws)) rmSync(join(s.ws, n), { recursive: true, force: true });
        await fn(s);
        // Whatever the attack did, the server still answers.
        const after = await s.bash("echo alive");
        assert.equal(after.stdout, "alive\n", JSON.stringify(after.r).slice(0, 400));
      },
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// 8: the host's device nodes

const DEVICES = ["null", "zero", "full", "random", "urandom", "tty"];

/** Mode, owner, change and modification time of the host's nodes (by stat(1): Deno asks --allow-all for /dev). */
function deviceStamps(): string {
  const r = spawnSync("stat", ["-c", "%n mode=%a owner=%u:%g ctime=%z mtime=%y", ...DEVICES.map((d) => `/dev/${d}`)], {
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

attack("the host's device nodes cannot be changed (chmod, chown, touch) and still work inside", async (s) => {
  const before = deviceStamps();
  // Only changes that keep the mode, the owner and the times as they are (the same mode, owner and mtime set again):
  // nothing breaks on the host if this succeeds, but the node's change time moves.
  const { r, out } = await s.bash(
    `for d in ${DEVICES.join(" ")}; do m=$(stat -c %a /dev/$d); o=$(stat -c %u:%g /dev/$d); ` +
      `chmod "$m" /dev/$d 2>/dev/null && echo "chmod $d"; chown "$o" /dev/$d 2>/dev/null && echo "chown $d"; ` +
      `touch /dev/$d 2>/dev/null && echo "touch $d"; touch -d "$(stat -c %y /dev/$d)" /dev/$d 2>/dev/null && echo "utime $d"; ` +
      `done; echo x > /dev/null && echo null-writes; head -c 8 /dev/zero | wc -c; head -c 8 /dev/urandom | wc -c; ` +
      `(echo x > /dev/full) 2>/dev/null || echo full-is-full`,
  );
  assert.equal(r.ok, true, JSON.stringify(r).slice(0, 600));
  assert.equal(deviceStamps(), before, `the sandbox changed the host's device nodes; it said:\n${out}`);
  assert.doesNotMatch(out, /^(chmod|chown|utime) /m, out);
  assert.match(out, /null-writes\n8\n8\nfull-is-full/);
});

// ---------------------------------------------------------------------------------------------------------------
// 7: files written earlier as run_python's hidden configuration (SPEC §2, last sentence)

attack("run_python: workspace files never load by themselves (stdlib shadows, sitecustomize, .pth)", async (s) => {
  // Each plant writes a marker into the workspace when Python loads it. Written with write_file (medium risk: no
  // ASK at low fatigue), as an agent would before asking for an innocent-looking run_python.
  const plants: Record<string, string> = {
    "collections.py": "collections",
    "subprocess.py": "subprocess",
    "json.py": "json",
    "typing.py": "typing",
    "sitecustomize.py": "sitecustomize",
    "usercustomize.py": "usercustomize",
    "encodings/__init__.py": "encodings",
    "_distutils_hack/__init__.py": "distutils_hack",
    "pyvenv.cfg": "",
  };
  for (const [path, name] of Object.entries(plants)) {
    const content = name === "" ? "home = /nonexistent\ninclude-system-site-packages = false\n" : [
      "import os",
      `open(os.path.join(${JSON.stringify(s.ws)}, "LOADED-${name}"), "w").write("1")`,
      "raise SystemExit(42)",
    ].join("\n");
    const w = await s.serve.call("write_file", { path, content });
    assert.equal(w.ok, true, JSON.stringify(w).slice(0, 300));
  }
  mkdirSync(join(s.ws, "lib/python3/site-packages"), { recursive: true });
  writeFileSync(join(s.ws, "evil.pth"), `import os; open("${s.ws}/LOADED-pth", "w").write("1")\n`);
  const { r, stdout, out } = await s.python(
    "import subprocess, json, typing, collections, encodings.idna\nprint('ok')",
  );
  assert.equal(r.ok, true, out);
  assert.equal(stdout, "ok\n");
  assert.deepEqual(readdirSync(s.ws).filter((n) => n.startsWith("LOADED-")), [], out);
  // Importing the workspace's own modules is still possible, by saying so in the approved code.
  writeFileSync(join(s.ws, "helper.py"), "VALUE = 41 + 1\n");
  const own = await s.python("import sys\nsys.path.insert(0, '')\nimport helper\nprint(helper.VALUE)");
  assert.equal(own.stdout, "42\n", own.out);
});

// ---------------------------------------------------------------------------------------------------------------
// 10: memory and disk

/** The "resource limits" layer as the server describes it (`info`). */
async function limitsDetail(s: Server): Promise<string> {
  const info = await s.serve.send({ type: "info" });
  const layers = (info.isolation as { layers?: Array<{ layer: string; detail: string }> } | undefined)?.layers ?? [];
  return layers.find((l) => l.layer === "resource limits")?.detail ?? "";
}

attack("one call cannot take more memory than its limit, however many processes it starts", async (s) => {
  const detail = await limitsDetail(s);
  if (/memory: NOT limited/.test(detail)) {
    console.error(`  SKIPPED here, with the reason the server gives: ${detail}`);
    return;
  }
  const bytes = Number(/memory: at most (\d+) B/.exec(detail)?.[1] ?? 2 * 1024 ** 3);
  // Six processes, each holding a sixth of the limit plus 64 MiB: together more than the limit, each well under the
  // per-process address-space limit. Without a per-call limit all six finish (what red-team report 1 did with 5 GiB).
  const each = Math.ceil(bytes / 6 / 2 ** 20) + 64;
  const { r, out } = await s.bash(
    `for i in 1 2 3 4 5 6; do python3 -c "import time; b = b'x' * (${each} << 20); time.sleep(4); print('held')" & ` +
      `done; wait; echo waited`,
    120_000,
  );
  const held = (out.match(/^held$/gm) ?? []).length;
  assert.ok(held < 6, `all six processes held ${each} MiB each (${6 * each} MiB in one call): ${JSON.stringify(r)}`);
  assert.match(out, /waited/, "the call itself was not cut short: only what went over the limit was killed");
});

attack(
  "the private /tmp, /dev/shm and HOME are size-capped tmpfs (ENOSPC, nothing reaches the host disk)",
  async (s) => {
    const { out } = await s.bash(
      'for d in /tmp /dev/shm "$HOME"; do head -c 300M /dev/zero > "$d/fill" 2>/dev/null && echo "$d filled" || ' +
        'echo "$d capped at $(( $(stat -c %s "$d/fill") >> 20 )) MiB"; rm -f "$d/fill"; done',
    );
    assert.doesNotMatch(out, /filled/, out);
    assert.match(out, /\/tmp capped at \d+ MiB/, out);
  },
);

// ---------------------------------------------------------------------------------------------------------------
// Lower items: a socketpair socket given a name; netlink

attack("a socketpair socket bound to a name in the workspace cannot take a connection from the host", async (s) => {
  // seccomp cannot read bind()'s address, so bind() on a socketpair socket still names it (a socket file in the
  // workspace). What must hold: nothing on the host can talk to the sandbox through it.
  const code = [
    "import socket, time",
    "a, b = socket.socketpair()",
    "a.bind('named.sock')",
    "try:\n    a.listen(1)\n    print('listening')\nexcept OSError as e:\n    print('listen refused', e.errno)",
    // a datagram pair is refused outright (red team 6, F5: its socket could sendto() any named datagram socket)
    "try:\n    d, e = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)\n    d.bind('named.dgram')\n" +
    "    print('dgram pair made')\nexcept OSError as e:\n    print('dgram pair refused', e.errno)",
    "open('bound', 'w').write('1')",
    "time.sleep(6)",
  ].join("\n");
  const call = s.python(code);
  for (let i = 0; i < 200 && !existsSync(join(s.ws, "bound")); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(existsSync(join(s.ws, "bound")), "the sandboxed process did not start");
  const host = spawnSync("python3", [
    "-c",
    "import socket, sys\nfor kind, path in ((socket.SOCK_STREAM, sys.argv[1]), (socket.SOCK_DGRAM, sys.argv[2])):\n" +
    "    c = socket.socket(socket.AF_UNIX, kind)\n    try:\n        c.connect(path)\n        c.send(b'from-host')\n" +
    "        print('reached', path)\n    except OSError as e:\n        print('refused', e.errno)\n",
    join(s.ws, "named.sock"),
    join(s.ws, "named.dgram"),
  ], { encoding: "utf8" });
  const { out } = await call;
  assert.equal(host.stdout, "refused 111\nrefused 2\n", `the host reached the sandbox: ${host.stdout}${host.stderr}`);
  assert.match(out, /listen refused 22/);
  assert.match(out, /dgram pair refused 94/);
});

// ---------------------------------------------------------------------------------------------------------------
// Lower item: a string that UTF-8 cannot encode (a lone surrogate) is logged as one thing and would run as another

attack("a lone surrogate in any string argument is refused naming the field; nothing runs or is written", async (s) => {
  const cases: Array<[string, Msg, string]> = [
    ["run_bash", { cmd: "echo \ud800 > ran.txt" }, '"cmd"'],
    ["run_python", { code: "open('ran.txt', 'w').write('\udc00')" }, '"code"'],
    ["write_file", { path: "ran\ud800.txt", content: "x" }, '"path"'],
    ["write_file", { path: "ran.txt", content: "a\udfffb" }, '"content"'],
    ["append_file", { path: "ran.txt", content: "\ud83d" }, '"content"'],
    ["copy_file", { src: "seed.txt", dst: "ran\udbff.txt" }, '"dst"'],
  ];
  writeFileSync(join(s.ws, "seed.txt"), "seed\n");
  for (const [tool, args, field] of cases) {
    const r = await s.serve.call(tool, args);
    assert.equal(r.ok, false, `${tool} ran: ${JSON.stringify(r).slice(0, 300)}`);
    assert.equal(r.errorCode, "invalid_args", JSON.stringify(r).slice(0, 300));
    assert.ok(String(r.error).includes(field) && /surrogate/.test(String(r.error)), String(r.error));
  }
  assert.deepEqual(readdirSync(s.ws), ["seed.txt"]);
  // A surrogate pair (a real character) is fine.
  const ok = await s.bash("printf '%s' '\ud83e\udd95' > dino.txt && cat dino.txt");
  assert.equal(ok.stdout, "\ud83e\udd95");
});

// ---------------------------------------------------------------------------------------------------------------

stopServersTest("sandbox/host attack suite: stop the servers", SKIP, () => servers.values());
