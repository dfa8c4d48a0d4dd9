/**
 * What a sandboxed upstream server's program needs to see (`_program.ts`), as a pure function of host facts, tested
 * against exact vectors: the program found in PATH, its `#!` interpreter, the packages of the scripts its arguments
 * name, its working directory; never a home, a temp folder, a top-level folder or a folder holding the witness log,
 * and refused when the program is guarded or passes through a symlink the sandbox can change. Then the facts as
 * gathered on this host, and the binds and working directory in the mount plan.
 */
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PathFact } from "../../../src/isolation/process/_facts.ts";
import { type PlanOptions, planSandbox } from "../../../src/isolation/process/_plan.ts";
import {
  gatherProgramFacts,
  planProgram,
  type ProgramContext,
  type ProgramFacts,
  type ProgramFile,
} from "../../../src/isolation/process/_program.ts";

const file = (path: string, real = path, links: string[] = []): PathFact => ({
  path,
  kind: real === path ? "file" : "symlink",
  real,
  realKind: "file",
  linksOnTheWay: links,
});
const dirFact = (path: string, real = path, links: string[] = []): PathFact => ({
  path,
  kind: "dir",
  real,
  realKind: "dir",
  linksOnTheWay: links,
});
const pf = (role: ProgramFile["role"], fact: PathFact, extra: Partial<ProgramFile> = {}): ProgramFile => ({
  role,
  path: fact.path,
  fact,
  package: null,
  venv: null,
  ...extra,
});
const NODE = pf("program", file("/usr/bin/node"));

const ctx: ProgramContext = {
  workspace: "/srv/ws",
  shown: ["/usr", "/srv/ws"],
  writable: ["/srv/ws"],
  homes: ["/root", "/home"],
  temps: ["/tmp", "/var/tmp", "/dev/shm"],
  guarded: [{ what: "the witness log", path: "/srv/witness.log" }],
};

const facts = (f: Partial<ProgramFacts>): ProgramFacts => ({
  argv: ["node"],
  program: NODE,
  interpreter: null,
  args: [],
  argDirs: [],
  cwd: null,
  ...f,
});

Deno.test("planProgram: node and a script in node_modules: the outermost node_modules, read-only", () => {
  const script = "/opt/app/node_modules/@mcp/server-fs/dist/index.js";
  const plan = planProgram(
    facts({
      argv: ["node", script, "/srv/ws"],
      args: [pf({ arg: 1 }, file(script), { package: "/opt/app/node_modules/@mcp/server-fs" })],
      argDirs: [{ arg: 2, real: "/srv/ws" }],
    }),
    ctx,
  );
  assert.deepEqual(plan, {
    argv: ["/usr/bin/node", script, "/srv/ws"],
    binds: [{ src: "/opt/app/node_modules", dest: "/opt/app/node_modules", why: `argument 1 ${script}` }],
    chdir: "/srv/ws",
    notes: [],
  });
});

Deno.test("planProgram: a bin shim (a #! script through a symlink) and an nvm node found by env", () => {
  const shim = "/opt/app/node_modules/.bin/mcp-server-memory";
  const real = "/opt/app/node_modules/@mcp/server-memory/dist/index.js";
  const node = "/root/.nvm/versions/node/v22.1.0/bin/node";
  const plan = planProgram(
    facts({
      argv: ["mcp-server-memory"],
      program: pf("program", file(shim, real), { package: "/opt/app/node_modules/@mcp/server-memory" }),
      interpreter: pf("interpreter", file(node)),
    }),
    ctx,
  );
  assert.deepEqual(plan, {
    argv: [shim],
    binds: [
      { src: "/opt/app/node_modules", dest: "/opt/app/node_modules", why: `the program ${shim}` },
      { src: node, dest: node, why: `the interpreter ${node}` },
    ],
    chdir: "/srv/ws",
    notes: [],
  });
});

Deno.test("planProgram: an interpreter reached through a symlink is also shown where PATH finds it", () => {
  const plan = planProgram(
    facts({
      argv: ["/opt/tools/srv.py"],
      program: pf("program", file("/opt/tools/srv.py")),
      interpreter: pf("interpreter", file("/opt/py/bin/python3", "/opt/py/versions/3.12/bin/python3.12")),
    }),
    ctx,
  );
  assert.deepEqual(plan, {
    argv: ["/opt/tools/srv.py"],
    binds: [
      { src: "/opt/tools", dest: "/opt/tools", why: "the program /opt/tools/srv.py" },
      {
        src: "/opt/py/versions/3.12/bin/python3.12",
        dest: "/opt/py/versions/3.12/bin/python3.12",
        why: "the interpreter /opt/py/bin/python3",
      },
      {
        src: "/opt/py/versions/3.12/bin/python3.12",
        dest: "/opt/py/bin/python3",
        why: "the interpreter /opt/py/bin/python3 (a symlink to /opt/py/versions/3.12/bin/python3.12)",
      },
    ],
    chdir: "/srv/ws",
    notes: [],
  });
});

Deno.test("planProgram: a venv's program shows the venv; its python (a symlink into /usr) is already there", () => {
  const plan = planProgram(
    facts({
      argv: ["/opt/venv/bin/mcp-server-fetch"],
      program: pf("program", file("/opt/venv/bin/mcp-server-fetch"), { venv: "/opt/venv" }),
      interpreter: pf("interpreter", file("/opt/venv/bin/python", "/usr/bin/python3.12"), { venv: "/opt/venv" }),
    }),
    ctx,
  );
  assert.deepEqual(plan, {
    argv: ["/opt/venv/bin/mcp-server-fetch"],
    binds: [{ src: "/opt/venv", dest: "/opt/venv", why: "the program /opt/venv/bin/mcp-server-fetch" }],
    chdir: "/srv/ws",
    notes: [],
  });
});

Deno.test("planProgram: never a home, a temp or a top-level folder whole, nor one holding the witness log", () => {
  const cases: [string, string][] = [
    [
      "/root/server.py",
      "/root (for argument 1) not shown whole: it is a home folder; only /root/server.py is",
    ],
    [
      "/home/ada/server.py",
      "/home/ada (for argument 1) not shown whole: it is a home folder; only /home/ada/server.py is",
    ],
    ["/tmp/server.js", "/tmp (for argument 1) not shown whole: it is a temp folder; only /tmp/server.js is"],
    [
      "/var/tmp/server.js",
      "/var/tmp (for argument 1) not shown whole: it is a temp folder; only /var/tmp/server.js is",
    ],
    ["/srv/server.js", "/srv (for argument 1) not shown whole: it is a top-level folder; only /srv/server.js is"],
  ];
  for (const [script, note] of cases) {
    const plan = planProgram(facts({ argv: ["node", script], args: [pf({ arg: 1 }, file(script))] }), ctx);
    assert.ok(!("refused" in plan), script);
    assert.deepEqual(plan.binds, [{ src: script, dest: script, why: `argument 1 ${script}` }], script);
    assert.deepEqual(plan.notes, [note], script);
  }
  // The package folder that holds the witness log: only the file.
  const plan = planProgram(
    facts({
      argv: ["node", "/opt/app/dist/server.js"],
      args: [pf({ arg: 1 }, file("/opt/app/dist/server.js"), { package: "/opt/app" })],
    }),
    { ...ctx, guarded: [{ what: "the witness log", path: "/opt/app/logs/witness.log" }] },
  );
  assert.deepEqual(plan, {
    argv: ["/usr/bin/node", "/opt/app/dist/server.js"],
    binds: [{
      src: "/opt/app/dist/server.js",
      dest: "/opt/app/dist/server.js",
      why: "argument 1 /opt/app/dist/server.js",
    }],
    chdir: "/srv/ws",
    notes: [
      "/opt/app (for argument 1) not shown whole: it holds the witness log /opt/app/logs/witness.log; only " +
      "/opt/app/dist/server.js is",
    ],
  });
});

Deno.test("planProgram: a data file alone, a folder argument never added (said in the notes)", () => {
  const plan = planProgram(
    facts({
      argv: ["node", "/opt/app/server.mjs", "--config", "/etc/app/conf.json", "/data"],
      args: [
        pf({ arg: 1 }, file("/opt/app/server.mjs")),
        pf({ arg: 3 }, file("/etc/app/conf.json")),
      ],
      argDirs: [{ arg: 4, real: "/data" }],
    }),
    ctx,
  );
  assert.deepEqual(plan, {
    argv: ["/usr/bin/node", "/opt/app/server.mjs", "--config", "/etc/app/conf.json", "/data"],
    binds: [
      { src: "/opt/app", dest: "/opt/app", why: "argument 1 /opt/app/server.mjs" },
      { src: "/etc/app/conf.json", dest: "/etc/app/conf.json", why: "argument 3 /etc/app/conf.json" },
    ],
    chdir: "/srv/ws",
    notes: [
      "argument 4 names the folder /data, which the sandbox does not show (only the workspace and " +
      "sandbox.readable/writable); add it to sandbox.readable or sandbox.writable if the server needs it",
    ],
  });
});

Deno.test("planProgram: refusals (missing, guarded, through a link the sandbox can change, a home as cwd)", () => {
  assert.deepEqual(
    planProgram(facts({ program: { missing: 'the program "nope" was not found in PATH (/usr/bin)' } }), ctx),
    {
      refused: 'the program "nope" was not found in PATH (/usr/bin)',
    },
  );
  assert.deepEqual(
    planProgram(facts({ argv: ["node", "/srv/witness.log"], args: [pf({ arg: 1 }, file("/srv/witness.log"))] }), ctx),
    { refused: "argument 1 /srv/witness.log is the witness log, which the sandbox never shows" },
  );
  assert.deepEqual(
    planProgram(
      facts({
        argv: ["node", "/srv/ws/link/server.js"],
        args: [pf({ arg: 1 }, file("/srv/ws/link/server.js", "/opt/x/server.js", ["/srv/ws/link"]))],
      }),
      ctx,
    ),
    {
      refused:
        "argument 1 /srv/ws/link/server.js passes through /srv/ws/link, a symlink a sandboxed process can change",
    },
  );
  assert.deepEqual(planProgram(facts({ cwd: dirFact("/root") }), ctx), {
    refused: 'the working directory /root cannot be shown in the sandbox: it is a home folder; leave "cwd" ' +
      "out (the workspace) or name a folder of the server's own",
  });
  assert.deepEqual(
    planProgram(facts({ cwd: { path: "/nope", kind: "missing", real: null, realKind: "missing" } }), ctx),
    {
      refused: "the working directory /nope is not a folder",
    },
  );
});

Deno.test("planProgram: a configured cwd: inside the workspace as is, elsewhere shown read-only", () => {
  assert.deepEqual(planProgram(facts({ cwd: dirFact("/srv/ws/sub") }), ctx), {
    argv: ["/usr/bin/node"],
    binds: [],
    chdir: "/srv/ws/sub",
    notes: [],
  });
  assert.deepEqual(planProgram(facts({ cwd: dirFact("/opt/app/data") }), ctx), {
    argv: ["/usr/bin/node"],
    binds: [{ src: "/opt/app/data", dest: "/opt/app/data", why: "the working directory /opt/app/data" }],
    chdir: "/opt/app/data",
    notes: [],
  });
});

Deno.test("gatherProgramFacts: PATH lookup, #! env interpreter, package.json, args relative to the cwd", () => {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "se-program-")));
  try {
    const pkg = join(base, "app");
    mkdirSync(join(pkg, "dist"), { recursive: true });
    mkdirSync(join(pkg, "bin"));
    writeFileSync(join(pkg, "package.json"), "{}");
    writeFileSync(join(pkg, "dist", "cli.js"), "#!/usr/bin/env node\nconsole.log(1)\n");
    chmodSync(join(pkg, "dist", "cli.js"), 0o755);
    symlinkSync("../dist/cli.js", join(pkg, "bin", "srv"));
    const f = gatherProgramFacts(
      ["srv", "dist/cli.js", "--flag", "dist", "stdio"],
      `${join(pkg, "bin")}:/usr/bin:/bin`,
      pkg,
      "/ws",
    );
    assert.ok(!("missing" in f.program));
    assert.equal(f.program.path, join(pkg, "bin", "srv"));
    assert.equal(f.program.fact.real, join(pkg, "dist", "cli.js"));
    assert.equal(f.program.package, pkg);
    assert.ok(f.interpreter !== null && !("missing" in f.interpreter));
    assert.match(f.interpreter.path, /\/node$/);
    assert.deepEqual(f.args.map((a) => [a.role, a.path]), [[{ arg: 1 }, join(pkg, "dist", "cli.js")]]);
    assert.deepEqual(f.argDirs, [{ arg: 3, real: join(pkg, "dist") }]);
    assert.equal(f.cwd?.real, pkg);
    const missing = gatherProgramFacts(["no-such-program-xyz"], "/usr/bin", null, "/ws");
    assert.ok("missing" in missing.program);
    assert.match(missing.program.missing, /"no-such-program-xyz" was not found in PATH \(\/usr\/bin\)/);
  } finally {
    rmSync(base, { recursive: true });
  }
});

Deno.test("planSandbox: program binds after the workspace by depth (parents first), and chdir", () => {
  const options: PlanOptions = {
    network: false,
    userns: false,
    tmpBytes: 1 << 20,
    env: {},
    seccompFd: null,
    etc: null,
    git: [],
    binds: [
      { src: "/opt/app/node_modules", dest: "/opt/app/node_modules" },
      { src: "/opt/py/v/python3.12", dest: "/opt/py/bin/python3" },
      { src: "/srv", dest: "/srv" },
    ],
    chdir: "/opt/app",
  };
  const plan = planSandbox(
    { system: [dirFact("/usr")], etc: [], workspace: "/srv/ws", readable: [], writable: [] },
    options,
  );
  const at = plan.args.indexOf("--tmpfs", plan.args.indexOf("/tmp")) + 2;
  assert.deepEqual(plan.args.slice(at), [
    "--ro-bind",
    "/srv",
    "/srv",
    "--bind",
    "/srv/ws",
    "/srv/ws",
    "--ro-bind",
    "/opt/app/node_modules",
    "/opt/app/node_modules",
    "--ro-bind",
    "/opt/py/v/python3.12",
    "/opt/py/bin/python3",
    "--remount-ro",
    "/",
    "--clearenv",
    "--setenv",
    "HOME",
    "/home/safe-exec",
    "--chdir",
    "/opt/app",
  ]);
  assert.deepEqual(plan.readOnly, [
    "/usr",
    "/srv",
    "/opt/app/node_modules",
    "/opt/py/v/python3.12 (at /opt/py/bin/python3)",
  ]);
});
