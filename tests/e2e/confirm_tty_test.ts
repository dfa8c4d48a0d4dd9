/**
 * `--confirm tty` for real, on every target (deno run with the binary's permission flags, bun, the Bun binary):
 * the server runs with stdin/stdout as pipes (the protocol) and a pseudo-terminal as its controlling terminal (a
 * python3 driver: openpty, setsid, TIOCSCTTY), where the test reads the question and types the answer or Ctrl-C.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { targets } from "../_targets.ts";

const hasPython = spawnSync("python3", ["-c", "import pty, termios, fcntl"]).status === 0;
if (!hasPython) console.error("\n*** SKIPPING the tty confirm tests: python3 with pty/termios is not installed ***\n");

/**
 * The driver: starts the server on a new pseudo-terminal, sends the requests given as JSON lines one per step, and
 * for each step sends a request and/or types on the terminal, then waits for the question on the terminal, a
 * number of lines on stdout, or a while.
 * Prints one JSON object: everything the terminal showed, every stdout line, stderr, the exit code, and how long
 * the server took to exit after the last keystroke.
 */
const DRIVER = String.raw`
import fcntl, json, os, select, subprocess, sys, termios, time
argv, cwd, steps = json.loads(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])
master, slave = os.openpty()
def child():
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
err = open(os.path.join(cwd, "stderr.txt"), "wb")
p = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
                     preexec_fn=child, pass_fds=[slave], env={**os.environ, "NO_COLOR": "1"})
os.close(slave)
tty, out = b"", b""
def pump(until, timeout):
    global tty, out
    end = time.time() + timeout
    while time.time() < end:
        if until():
            return True
        r, _, _ = select.select([master, p.stdout], [], [], 0.05)
        for fd in r:
            if fd == master:
                try:
                    tty += os.read(master, 65536)
                except OSError:
                    pass
            else:
                chunk = os.read(p.stdout.fileno(), 65536)
                if not chunk:
                    return until()
                out += chunk
    return until()
last = time.time()
for step in steps:
    seen = tty.count(step.get("waitTty", "-").encode())
    if "send" in step:
        p.stdin.write((step["send"] + "\n").encode()); p.stdin.flush()
    if "type" in step:
        os.write(master, step["type"].encode()); last = time.time()
    if "signal" in step:
        os.kill(p.pid, 2); last = time.time()
    if "waitTty" in step:
        pump(lambda: tty.count(step["waitTty"].encode()) > seen, 30)
    if "waitOut" in step:
        pump(lambda: out.count(b"\n") >= step["waitOut"], 30)
    if "sleep" in step:
        pump(lambda: False, step["sleep"])
    if "close" in step:
        p.stdin.close()
code = None
deadline = time.time() + 30
while time.time() < deadline:
    pump(lambda: False, 0.05)
    code = p.poll()
    if code is not None:
        break
exited_after = time.time() - last
if code is None:
    p.kill(); code = p.wait()
pump(lambda: False, 0.2)
err.close()
print(json.dumps({"tty": tty.decode("utf-8", "replace"), "out": out.decode(), "code": code,
                  "exitedAfterSec": exited_after, "stderr": open(os.path.join(cwd, "stderr.txt")).read()}))
`;

interface Outcome {
  tty: string;
  out: string;
  code: number;
  exitedAfterSec: number;
  stderr: string;
  lines: Array<Record<string, unknown>>;
}

type Step = {
  send?: string;
  waitTty?: string;
  waitOut?: number;
  sleep?: number;
  type?: string;
  signal?: "INT";
  close?: true;
};

function drive(argv: string[], cwd: string, steps: Step[]): Outcome {
  const r = spawnSync("python3", ["-c", DRIVER, JSON.stringify(argv), cwd, JSON.stringify(steps)], {
    encoding: "utf8",
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout) as Omit<Outcome, "lines">;
  const lines = o.out.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
  return { ...o, lines };
}

function place() {
  const dir = mkdtempSync(join(tmpdir(), "se-tty-"));
  mkdirSync(join(dir, "ws"));
  // run_bash asks at any fatigue (alwaysAskHigh), and runs unsandboxed here: the confirmation is under test.
  writeFileSync(join(dir, "safe-exec.jsonc"), JSON.stringify({ sandbox: "none" }));
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

const PADDED = "echo harmless" + " ".repeat(400) + "; echo PAYLOAD\u202e > pwned.txt; printf '\\033[2J'; rm -f x";

for (const target of targets()) {
  const argv = (dir: string) => [
    ...target.argv,
    "serve",
    "--confirm",
    "tty",
    "--workspace",
    join(dir, "ws"),
    "--witness",
    join(dir, "witness.log"),
    "--config",
    join(dir, "safe-exec.jsonc"),
  ];

  Deno.test({
    name: `[${target.name}] --confirm tty shows the whole call, escaped, and "y" approves it`,
    ignore: !hasPython,
    fn() {
      using p = place();
      const call = JSON.stringify({ id: 1, tool: "run_bash", args: { cmd: PADDED } });
      const o = drive(argv(p.dir), p.dir, [
        { send: call, waitTty: "Approve? [y/N] " },
        { type: "y\n", waitOut: 1 },
        { send: JSON.stringify({ id: 2, tool: "run_bash", args: { cmd: "touch no" } }), waitTty: "Approve? [y/N] " },
        { type: "n\n", waitOut: 2 },
        { close: true },
      ]);
      assert.equal(o.code, 0, o.stderr);
      const [approved, declined] = [o.lines.find((l) => l.id === 1), o.lines.find((l) => l.id === 2)];
      assert.equal(approved?.ok, true, JSON.stringify(approved));
      assert.equal(readFileSync(join(p.dir, "ws", "pwned.txt"), "utf8"), "PAYLOAD\u202e\n", "it ran as shown");
      assert.equal(declined?.errorCode, "not_approved");
      // The person saw the whole command: its length, the padding as a count, the payload, escaped controls.
      assert.match(o.tty, /safe-exec asks before it runs run_bash \(risk high/);
      assert.ok(o.tty.includes(`cmd (${Array.from(PADDED).length} characters): `), o.tty);
      assert.ok(o.tty.includes('"echo harmless⟪400 × " "⟫; echo PAYLOAD\\u{202e} > pwned.txt; printf'), o.tty);
      assert.ok(!o.tty.includes("\u202e") && !o.tty.includes("\u001b"), "no raw bidi or escape reached the terminal");
    },
  });

  Deno.test({
    name: `[${target.name}] --confirm tty: Ctrl-C at the prompt is not approval, and the server stops as on SIGINT`,
    ignore: !hasPython,
    fn() {
      using p = place();
      const o = drive(argv(p.dir), p.dir, [
        {
          send: JSON.stringify({ id: 1, tool: "run_bash", args: { cmd: "touch ran.txt" } }),
          waitTty: "Approve? [y/N] ",
        },
        { send: JSON.stringify({ id: 2, type: "info" }), waitOut: 1 },
        { type: "\u0003" },
      ]);
      assert.equal(o.lines.find((l) => l.id === 2)?.type, "info", "control messages are answered during the prompt");
      const r = o.lines.find((l) => l.id === 1);
      assert.equal(r?.errorCode, "not_approved", o.out);
      assert.equal(r?.skipped, true);
      assert.match(o.stderr, /SIGINT: no queued call will start/);
      assert.equal(o.code, 0, o.stderr);
      assert.ok(o.exitedAfterSec < 10, `exited ${o.exitedAfterSec} s after Ctrl-C`);
      assert.throws(() => readFileSync(join(p.dir, "ws", "ran.txt")), "nothing ran");
      const log = readFileSync(join(p.dir, "witness.log"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
      const confirm = log.find((l) => l.event === "confirm");
      assert.equal(confirm?.details.approved, false);
      assert.deepEqual(log.at(-1).details, { action: "stop" });
    },
  });

  Deno.test({
    name: `[${target.name}] --confirm tty: a second Ctrl-C exits at once while the first waits for a call`,
    ignore: !hasPython,
    fn() {
      using p = place();
      const o = drive(argv(p.dir), p.dir, [
        {
          send: JSON.stringify({ id: 1, tool: "run_bash", args: { cmd: "echo $$ > ../sleeper.pid; exec sleep 60" } }),
          waitTty: "Approve? [y/N] ",
        },
        { type: "y\n", sleep: 1 },
        { type: "\u0003", sleep: 1 },
        { type: "\u0003" },
      ]);
      try {
        process.kill(Number(readFileSync(join(p.dir, "sleeper.pid"), "utf8")), "SIGKILL");
      } catch { /* not started, or gone */ }
      assert.equal(o.code, 130, o.stderr);
      assert.ok(o.exitedAfterSec < 10, `exited ${o.exitedAfterSec} s after the second Ctrl-C`);
    },
  });

  Deno.test({
    name: `[${target.name}] --confirm tty: a SIGINT from outside takes the open question off the terminal`,
    ignore: !hasPython,
    fn() {
      using p = place();
      const o = drive(argv(p.dir), p.dir, [
        {
          send: JSON.stringify({ id: 1, tool: "run_bash", args: { cmd: "touch ran.txt" } }),
          waitTty: "Approve? [y/N] ",
        },
        { signal: "INT", waitTty: "not asked any more" },
      ]);
      assert.equal(o.lines.find((l) => l.id === 1)?.errorCode, "not_approved", o.out);
      assert.equal(o.code, 0, o.stderr);
      assert.ok(o.exitedAfterSec < 10, `exited ${o.exitedAfterSec} s after SIGINT`);
      assert.throws(() => readFileSync(join(p.dir, "ws", "ran.txt")), "nothing ran");
    },
  });

  Deno.test({
    name: `[${target.name}] --confirm tty: "n <reason>" reaches the agent, "a" remembers the call, "t" the tool`,
    ignore: !hasPython,
    fn() {
      using p = place();
      const bash = (id: number, cmd: string) => JSON.stringify({ id, tool: "run_bash", args: { cmd } });
      const q = "Approve? [y/N] ";
      const o = drive(argv(p.dir), p.dir, [
        { send: bash(1, "touch a"), waitTty: q },
        { type: "n use list_dir instead\n", waitOut: 1 },
        { send: bash(2, "touch b"), waitTty: q },
        { type: "a\n", waitOut: 2 },
        { send: bash(3, "touch b"), waitOut: 3 }, // the same call: remembered, not asked
        { send: bash(4, "touch c"), waitTty: q }, // another call of the tool: asked
        { type: "t\n", waitOut: 4 },
        { send: bash(5, "touch d"), waitOut: 5 }, // any call of the tool now: remembered
        { close: true },
      ]);
      assert.equal(o.code, 0, o.stderr);
      const line = (id: number) => o.lines.find((l) => l.id === id) ?? {};
      assert.equal(line(1).errorCode, "not_approved", o.out);
      assert.match(String(line(1).error), /declined by the person at the terminal: "use list_dir instead"/);
      for (const id of [2, 3, 4, 5]) assert.equal(line(id).ok, true, JSON.stringify(line(id)));
      assert.equal(o.tty.split(q).length - 1, 3, `asked three times, not five: ${o.tty}`);
      const ws = join(p.dir, "ws");
      assert.throws(() => readFileSync(join(ws, "a")), "the declined call did not run");
      for (const f of ["b", "c", "d"]) readFileSync(join(ws, f));
      // who answered, and what was remembered, in the witness log's confirm lines
      const confirms = readFileSync(join(p.dir, "witness.log"), "utf8").trim().split("\n").map((l) => JSON.parse(l))
        .filter((e) => e.event === "confirm").map((e) => e.details);
      assert.deepEqual(
        confirms.map((d) => [d.approved, d.by, d.remember, d.message]),
        [
          [false, "tty", null, "use list_dir instead"],
          [true, "tty", "call", null],
          [true, "remembered", null, null],
          [true, "tty", "tool", null],
          [true, "remembered", null, null],
        ],
      );
    },
  });

  Deno.test(`[${target.name}] --confirm tty without a terminal approves nothing and says why`, () => {
    using p = place();
    const [cmd, ...rest] = target.argv;
    const r = spawnSync("setsid", [
      "-w",
      cmd as string,
      ...rest,
      "exec",
      "run_bash",
      "--args",
      '{"cmd":"touch ran.txt"}',
      "--confirm",
      "tty",
      "--workspace",
      join(p.dir, "ws"),
      "--witness",
      join(p.dir, "witness.log"),
      "--config",
      join(p.dir, "safe-exec.jsonc"),
    ], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    assert.equal(r.status, 1, r.stderr);
    const result = JSON.parse(r.stdout);
    assert.equal(result.errorCode, "not_approved");
    assert.match(result.error, /no terminal to ask on/);
    assert.throws(() => readFileSync(join(p.dir, "ws", "ran.txt")), "nothing ran");
  });
}
