/**
 * The isolation attack suite (issue 9): the process sandbox's allowlist, its seccomp filter, HOME, and git's files
 * wherever `.git` points. Every attack goes through the real JSON-lines protocol of a spawned `safe-exec serve`,
 * once per runtime (the source under `deno run`, and the Bun binary from dist/ — or `bun src/main.ts` where it was
 * not built), with `--confirm exec:true` so every ASK is approved and the attack really runs. Every case asserts on
 * the world outside the sandbox: canary files the host reads back, a planted file's mode checked from the host, the
 * host's own `git status` (the operator's) that must not run the agent's payload, host listeners that must see no
 * connection.
 *
 * Cases that need the OS sandbox are skipped (with a printed reason) when bubblewrap cannot run here.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import process from "node:process";
import { sandboxTargets, type Target } from "../_targets.ts";
import { hostGit } from "./_host_git.ts";
import { sandboxSkip, stopServersTest, tempBase } from "./_world.ts";

const SKIP = sandboxSkip("the isolation attack suite");

const SECRET = `s3cr3t-${crypto.randomUUID()}`;
const rootCanary = `/root/.se-iso-canary-${crypto.randomUUID().slice(0, 8)}`;
const srvCanary = `/srv/se-iso-canary-${crypto.randomUUID().slice(0, 8)}`;
const runSock = `/run/se-iso-${crypto.randomUUID().slice(0, 8)}.sock`;

type Msg = Record<string, unknown>;

/** One server per target, over its own base folder (workspace, witness log, config, secrets beside them). */
class Server {
  readonly base: string;
  readonly ws: string;
  readonly witness: string;
  readonly config: string;
  readonly ro: string;
  readonly rw: string;
  #child: ChildProcess | null = null;
  #waiting = new Map<number, (m: Msg) => void>();
  #buf = "";
  #next = 1;
  stderr = "";
  /** The server's pid (ptrace and kill targets outside the sandbox). */
  get pid(): number {
    return this.#child?.pid ?? -1;
  }

  constructor(readonly target: Target, readonly extraEnv: Record<string, string> = {}) {
    this.base = tempBase("se-iso-");
    this.ws = join(this.base, "ws");
    this.witness = join(this.base, "witness.log");
    this.config = join(this.base, "safe-exec.jsonc");
    this.ro = join(this.base, "shared-ro");
    this.rw = join(this.base, "shared-rw");
    for (const d of [this.ws, this.ro, this.rw]) mkdirSync(d);
    writeFileSync(join(this.ro, "data.txt"), "readable data\n");
    writeFileSync(join(this.base, ".env"), `API_KEY=${SECRET}\n`);
    writeFileSync(join(this.base, "canary.txt"), `beside the workspace ${SECRET}\n`);
    writeFileSync(
      this.config,
      JSON.stringify(
        process.env.SE_ISO_LEGACY === "1"
          ? { confirm: "exec:true" }
          : { confirm: "exec:true", sandbox: { readable: [this.ro], writable: [this.rw] } },
      ),
    );
  }

  start(): void {
    if (this.#child) return;
    const [cmd, ...rest] = this.target.argv;
    this.#child = spawn(cmd as string, [
      ...rest,
      "serve",
      "--workspace",
      this.ws,
      "--witness",
      this.witness,
      "--config",
      this.config,
    ], {
      cwd: this.base,
      // An agent harness that leaks descriptors: the server inherits an open host folder (fd 3) and a secret file.
      stdio: ["pipe", "pipe", "pipe", openSync(rootCanary, "r"), openSync(join(rootCanary, "secret"), "r")],
      env: { ...process.env, SE_ISO_SECRET: SECRET, ...this.extraEnv },
    });
    this.#child.stdout!.setEncoding("utf8");
    this.#child.stdout!.on("data", (chunk: string) => {
      this.#buf += chunk;
      let nl: number;
      while ((nl = this.#buf.indexOf("\n")) >= 0) {
        const m = JSON.parse(this.#buf.slice(0, nl)) as Msg;
        this.#buf = this.#buf.slice(nl + 1);
        const w = this.#waiting.get(m.id as number);
        if (w) {
          this.#waiting.delete(m.id as number);
          w(m);
        }
      }
    });
    this.#child.stderr!.setEncoding("utf8");
    this.#child.stderr!.on("data", (c: string) => (this.stderr = (this.stderr + c).slice(-8000)));
    const child = this.#child;
    child.once("exit", (code) => {
      if (this.#child === child) this.#child = null;
      for (const [, w] of this.#waiting) w({ type: "exited", code, stderr: this.stderr });
      this.#waiting.clear();
    });
  }

  send(msg: Msg, timeoutMs = 60_000): Promise<Msg> {
    this.start();
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no answer to ${JSON.stringify(msg)}: ${this.stderr}`)),
        timeoutMs,
      );
      this.#waiting.set(id, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      this.#child!.stdin!.write(JSON.stringify({ id, ...msg }) + "\n");
    });
  }

  async call(tool: string, args: Msg): Promise<Msg> {
    await this.send({ type: "reset" });
    return await this.send({ tool, args });
  }

  async bash(cmd: string): Promise<{ r: Msg; out: string; stdout: string }> {
    const r = await this.call("run_bash", { cmd });
    const o = r.output as { stdout?: string; stderr?: string } | null;
    return { r, out: `${o?.stdout ?? ""}${o?.stderr ?? ""}`, stdout: o?.stdout ?? "" };
  }

  async python(code: string): Promise<{ r: Msg; out: string; stdout: string }> {
    const r = await this.call("run_python", { code });
    const o = r.output as { stdout?: string; stderr?: string } | null;
    return { r, out: `${o?.stdout ?? ""}${o?.stderr ?? ""}`, stdout: o?.stdout ?? "" };
  }

  /** Empty the workspace (between cases). */
  clean(): void {
    for (const name of readdirSync(this.ws)) rmSync(join(this.ws, name), { recursive: true, force: true });
  }

  /** What lies beside the workspace, byte for byte. */
  besides(): string {
    return readdirSync(this.base).filter((n) => n !== "witness.log").sort().map((n) => {
      const p = join(this.base, n);
      return statSync(p).isFile() ? `${n}=${readFileSync(p, "utf8")}` : `${n}/`;
    }).join("\n");
  }

  async stop(): Promise<void> {
    const c = this.#child;
    if (!c) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.stdin!.end();
    await exited;
    this.#child = null;
  }
}

function setupRepo(dir: string): void {
  for (
    const a of [
      ["init", "-q", "-b", "main"],
      ["-c", "user.name=op", "-c", "user.email=op@host", "commit", "-q", "--allow-empty", "-m", "first"],
    ]
  ) {
    const r = hostGit(dir, ...a);
    assert.equal(r.status, 0, r.out);
  }
}

function snapshot(dir: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    let names: string[];
    try {
      names = readdirSync(d).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out.push(`${p} -> link`);
      else if (st.isDirectory()) {
        out.push(`${p}/`);
        walk(p);
      } else out.push(`${p} ${st.mode.toString(8)} ${createHash("sha256").update(readFileSync(p)).digest("hex")}`);
    }
  };
  walk(dir);
  return out.join("\n");
}

const servers = new Map<string, Server>();
const ALL = sandboxTargets();

function attack(name: string, fn: (s: Server) => Promise<void> | void): void {
  for (const target of ALL) {
    Deno.test({
      name: `[${target.name}] attack: ${name}`,
      ignore: SKIP !== null,
      sanitizeOps: false,
      sanitizeResources: false,
      async fn() {
        let s = servers.get(target.name);
        if (!s) {
          s = new Server(target);
          servers.set(target.name, s);
        }
        s.clean();
        const before = s.besides();
        const pwned = join(s.base, "PWNED");
        try {
          await fn(s);
        } finally {
          s.clean();
        }
        assert.ok(!existsSync(pwned), `the agent's payload ran on the host: ${pwned} exists`);
        assert.equal(s.besides(), before, "the files beside the workspace changed");
        assert.equal(readFileSync(join(rootCanary, "secret"), "utf8"), SECRET);
      },
    });
  }
}

// The world outside: a secret in /root and in /srv, a unix socket listener in /run (the host's daemons live there).
mkdirSync(rootCanary, { recursive: true });
writeFileSync(join(rootCanary, "secret"), SECRET);
mkdirSync(srvCanary, { recursive: true });
writeFileSync(join(srvCanary, "secret"), SECRET);

/** A host listener (unix or vsock) that records every connection it accepts into `log`. */
function listener(kind: "unix" | "vsock", address: string, log: string): ChildProcess {
  const code = kind === "unix"
    ? `import socket, os, sys\ns = socket.socket(socket.AF_UNIX)\ns.bind(sys.argv[1])\nos.chmod(sys.argv[1], 0o777)\n`
    : `import socket, sys\ns = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)\ns.bind((socket.VMADDR_CID_ANY, int(sys.argv[1])))\n`;
  return spawn("python3", [
    "-u",
    "-c",
    code +
    `s.listen(8)\nprint("ready", flush=True)\nwhile True:\n    c, a = s.accept()\n    open(sys.argv[2], "a").write("connection\\n")\n    c.sendall(b"HELLO-FROM-HOST")\n    c.close()\n`,
    address,
    log,
  ], { stdio: ["ignore", "pipe", "ignore"] });
}

async function ready(c: ChildProcess): Promise<boolean> {
  return await new Promise<boolean>((resolve) => {
    c.stdout!.once("data", () => resolve(true));
    c.once("exit", () => resolve(false));
  });
}

// ---------------------------------------------------------------------------------------------------------------
// 1 and 5: a `.git` symlink — unmasking host folders, and a dangling one

attack(
  "a .git symlink planted on the host cannot show /root inside; process tools say why (sandbox_unavailable)",
  async (s) => {
    symlinkSync(rootCanary, join(s.ws, ".git"));
    const { r, out } = await s.bash("cat .git/secret; ls -A /root; echo ran");
    assert.equal(r.errorCode, "sandbox_unavailable", JSON.stringify(r).slice(0, 400));
    assert.match(String(r.error), /\.git/);
    assert.ok(!out.includes(SECRET) && !String(r.error).includes(SECRET));
    rmSync(join(s.ws, ".git"));
    const again = await s.bash("echo ran");
    assert.equal(again.r.ok, true, JSON.stringify(again.r).slice(0, 400));
  },
);

attack("ln -s /root .git inside run_bash does not unmask /root in the next call", async (s) => {
  await s.bash(`ln -s ${rootCanary} .git 2>&1; ln -sfn ${rootCanary} .git/hooks 2>&1; true`);
  const st = lstatSync(join(s.ws, ".git"), { throwIfNoEntry: false });
  assert.ok(!st?.isSymbolicLink(), "the sandbox created a .git symlink in the host's workspace");
  const { out } = await s.bash(`cat .git/secret .git/hooks/secret ${rootCanary}/secret 2>&1; ls -A /root 2>&1; true`);
  assert.ok(!out.includes(SECRET), out);
});

attack("a dangling .git symlink gives sandbox_unavailable naming it, never a raw bwrap error", async (s) => {
  symlinkSync("/nonexistent/se-iso/gitdir", join(s.ws, ".git"));
  for (const tool of ["run_bash", "run_python"]) {
    const r = await s.call(tool, tool === "run_bash" ? { cmd: "echo hi" } : { code: "print(1)" });
    assert.equal(r.errorCode, "sandbox_unavailable", JSON.stringify(r).slice(0, 400));
    assert.match(String(r.error), /"\.git" is a symlink/);
    assert.ok(!/bwrap:/.test(String(r.error)), String(r.error));
  }
  rmSync(join(s.ws, ".git"));
  assert.equal((await s.bash("echo hi")).r.ok, true);
});

// ---------------------------------------------------------------------------------------------------------------
// 2: git indirections that would run the agent's code on the host

/** A payload for git: a script in the workspace that leaves base/PWNED when the host runs it. */
function payload(s: Server): string {
  const script = join(s.ws, "pay.sh");
  writeFileSync(script, `#!/bin/sh\ntouch ${join(s.base, "PWNED")}\n`, { mode: 0o755 });
  return script;
}

attack("write_file cannot create or change git's configuration, hooks or indirections", async (s) => {
  setupRepo(s.ws);
  mkdirSync(join(s.ws, "sub"));
  const pay = payload(s);
  const before = snapshot(join(s.ws, ".git"));
  for (
    const [path, content] of [
      [".git/commondir", "../evil"],
      [".git/config", `[core]\n\tfsmonitor = ${pay}\n`],
      [".git/config.worktree", `[core]\n\tfsmonitor = ${pay}\n`],
      [".git/hooks/pre-commit", "#!/bin/sh\n"],
      [".git/info/attributes", "* filter=x\n"],
      [".git/modules/x/config", `[core]\n\tfsmonitor = ${pay}\n`],
      [".git/worktrees/x/commondir", "../.."],
      [".git/index", "DIRC"],
      [".git/HEAD", "ref: refs/heads/evil\n"],
      [".GIT/config", "x"],
      ["sub/.git", "gitdir: ../evil\n"],
      ["sub/.git/config", `[core]\n\tfsmonitor = ${pay}\n`],
    ]
  ) {
    const w = await s.call("write_file", { path, content });
    assert.equal(w.ok, false, `write_file ${path}: ${JSON.stringify(w).slice(0, 300)}`);
    assert.equal(w.errorCode, "path_outside_workspace", `${path}: ${w.error}`);
    const a = await s.call("append_file", { path, content });
    assert.equal(a.ok, false, `append_file ${path}`);
  }
  writeFileSync(join(s.ws, "cfg.txt"), `[core]\n\tfsmonitor = ${pay}\n`);
  assert.equal((await s.call("copy_file", { src: "cfg.txt", dst: ".git/config" })).ok, false);
  assert.equal((await s.call("copy_file", { src: "cfg.txt", dst: ".git/info" })).ok, false);
  assert.equal((await s.call("delete_file", { path: ".git/config" })).ok, false);
  assert.equal((await s.call("delete_dir", { path: ".git/hooks" })).ok, false);
  assert.equal(snapshot(join(s.ws, ".git")), before);
  hostGit(s.ws, "status");
});

attack("run_bash cannot plant .git/commondir (and a config with core.fsmonitor in the folder it names)", async (s) => {
  setupRepo(s.ws);
  const pay = payload(s);
  const { out } = await s.bash(
    `git init -q --bare evil && git -C evil config core.fsmonitor ${pay} 2>&1; ` +
      `echo "${join(s.ws, "evil")}" > .git/commondir; echo rc=$?; cat .git/commondir; true`,
  );
  assert.ok(!existsSync(join(s.ws, ".git", "commondir")), `the host's .git/commondir appeared: ${out}`);
  hostGit(s.ws, "status");
  // And while the call still runs: the operator's IDE runs git status every few seconds.
  const running = s.bash(
    `git init -q --bare evil2 && git -C evil2 config core.fsmonitor ${pay}; ` +
      `echo "${join(s.ws, "evil2")}" > .git/commondir; mkdir -p .git/modules/x; cp evil2/config .git/modules/x/; ` +
      "touch started; sleep 3",
  );
  for (let i = 0; i < 100 && !existsSync(join(s.ws, "started")); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(existsSync(join(s.ws, "started")), "the call started");
  assert.ok(!existsSync(join(s.ws, ".git", "commondir")) && !existsSync(join(s.ws, ".git", "modules")));
  hostGit(s.ws, "status");
  await running;
  hostGit(s.ws, "status");
});

attack(
  "run_bash cannot change hooks, config, info, modules/* or worktrees/* of the workspace's repository",
  async (s) => {
    setupRepo(s.ws);
    const pay = payload(s);
    mkdirSync(join(s.ws, ".git", "modules"));
    assert.equal(hostGit(join(s.ws, ".git", "modules"), "init", "-q", "--bare", "sub").status, 0);
    mkdirSync(join(s.ws, ".git", "worktrees", "wt"), { recursive: true });
    writeFileSync(join(s.ws, ".git", "worktrees", "wt", "commondir"), "../..\n");
    writeFileSync(join(s.ws, ".git", "worktrees", "wt", "gitdir"), "/elsewhere/wt/.git\n");
    writeFileSync(join(s.ws, ".git", "worktrees", "wt", "HEAD"), "ref: refs/heads/main\n");
    const before = snapshot(join(s.ws, ".git"));
    const protectedWrites = [
      ".git/hooks/pre-commit",
      ".git/hooks/fsmonitor",
      ".git/config.worktree",
      ".git/commondir",
      ".git/gitdir",
      ".git/info/attributes",
      ".git/info/exclude",
      ".git/modules/sub/config",
      ".git/modules/sub/hooks/post-checkout",
      ".git/modules/sub/commondir",
      ".git/modules/new/config",
      ".git/worktrees/wt/commondir",
      ".git/worktrees/wt/config.worktree",
      ".git/worktrees/wt/gitdir",
      ".git/worktrees/new/commondir",
    ];
    const cmd = [
      `git config core.fsmonitor ${pay} 2>&1`,
      `git config core.hooksPath ${s.ws} 2>&1`,
      `printf '[core]\\n\\tfsmonitor = ${pay}\\n' >> .git/config 2>&1`,
      ...protectedWrites.map((p) =>
        `mkdir -p "$(dirname ${p})" 2>/dev/null; printf '#!/bin/sh\\n${pay}\\n[core]\\n\\tfsmonitor = ${pay}\\n' > ${p} 2>&1`
      ),
      "chmod +x .git/hooks/pre-commit 2>&1",
      "rm -rf .git/hooks .git/info .git/modules .git/worktrees 2>&1",
      "true",
    ].join("; ");
    await s.bash(cmd);
    const after = snapshot(join(s.ws, ".git"));
    // the data files may have been refreshed by git; the protected ones must be byte for byte the same
    const keep = (t: string) =>
      t.split("\n").filter((l) =>
        /\/\.git\/(config|hooks|info|modules|worktrees|commondir|gitdir|config\.worktree)/.test(l)
      )
        .join("\n");
    assert.equal(keep(after), keep(before));
    hostGit(s.ws, "status");
    hostGit(join(s.ws, ".git", "modules", "sub"), "status");
    hostGit(s.ws, "-c", "core.hooksPath=", "commit", "-q", "--allow-empty", "-m", "op");
  },
);

attack("a .git file's gitdir: is protected like a .git folder (and the file itself is pinned)", async (s) => {
  assert.equal(hostGit(s.ws, "init", "-q", "--separate-git-dir", join(s.ws, ".realgit")).status, 0);
  assert.ok(lstatSync(join(s.ws, ".git")).isFile());
  const pay = payload(s);
  const gitFile = readFileSync(join(s.ws, ".git"), "utf8");
  const before = snapshot(join(s.ws, ".realgit"));
  for (const path of [".realgit/config", ".realgit/hooks/pre-commit", ".realgit/commondir", ".git"]) {
    assert.equal((await s.call("write_file", { path, content: `[core]\n\tfsmonitor = ${pay}\n` })).ok, false, path);
  }
  await s.bash(
    `printf '[core]\\n\\tfsmonitor = ${pay}\\n' >> .realgit/config 2>&1; echo x > .realgit/hooks/pre-commit 2>&1; ` +
      `echo ../evil > .realgit/commondir 2>&1; echo "gitdir: evil" > .git 2>&1; mv .realgit .r2 2>&1; true`,
  );
  assert.equal(readFileSync(join(s.ws, ".git"), "utf8"), gitFile);
  const keep = (t: string) => t.split("\n").filter((l) => /\/(config|hooks|commondir|info)\b/.test(l)).join("\n");
  assert.equal(keep(snapshot(join(s.ws, ".realgit"))), keep(before));
  hostGit(s.ws, "status");
});

attack(".git/hooks as a symlink is judged by its target, in the file tools and in the sandbox", async (s) => {
  setupRepo(s.ws);
  mkdirSync(join(s.ws, "myhooks"));
  rmSync(join(s.ws, ".git", "hooks"), { recursive: true });
  symlinkSync("../myhooks", join(s.ws, ".git", "hooks"));
  for (const path of ["myhooks/pre-commit", ".git/hooks/pre-commit"]) {
    const r = await s.call("write_file", { path, content: "#!/bin/sh\n" });
    assert.equal(r.errorCode, "path_outside_workspace", `${path}: ${JSON.stringify(r).slice(0, 300)}`);
  }
  const pay = payload(s);
  await s.bash(`printf '#!/bin/sh\\n${pay}\\n' > myhooks/pre-commit 2>&1; chmod +x myhooks/pre-commit 2>&1; true`);
  assert.deepEqual(readdirSync(join(s.ws, "myhooks")), []);
  hostGit(s.ws, "-c", "user.name=op", "-c", "user.email=op@host", "commit", "-q", "--allow-empty", "-m", "op");
});

attack("core.hooksPath pointing into the worktree (husky) is protected like hooks/", async (s) => {
  setupRepo(s.ws);
  mkdirSync(join(s.ws, ".husky"));
  assert.equal(hostGit(s.ws, "config", "core.hooksPath", ".husky").status, 0);
  const pay = payload(s);
  const w = await s.call("write_file", { path: ".husky/pre-commit", content: `#!/bin/sh\n${pay}\n` });
  assert.equal(w.errorCode, "path_outside_workspace", JSON.stringify(w).slice(0, 300));
  await s.bash(`printf '#!/bin/sh\\n${pay}\\n' > .husky/pre-commit 2>&1; chmod +x .husky/pre-commit 2>&1; true`);
  assert.deepEqual(readdirSync(join(s.ws, ".husky")), []);
  hostGit(s.ws, "-c", "user.name=op", "-c", "user.email=op@host", "commit", "-q", "--allow-empty", "-m", "op");
});

attack(
  "a .git symlink to a folder inside the workspace is refused (it could be swapped for a new repository)",
  async (s) => {
    mkdirSync(join(s.ws, "store"));
    assert.equal(hostGit(join(s.ws, "store"), "init", "-q", "--bare", "g").status, 0);
    symlinkSync("store/g", join(s.ws, ".git"));
    const { r } = await s.bash("rm .git && git init -q && echo replaced");
    assert.equal(r.errorCode, "sandbox_unavailable", JSON.stringify(r).slice(0, 300));
    assert.ok(lstatSync(join(s.ws, ".git")).isSymbolicLink());
    assert.equal((await s.call("write_file", { path: "store/g/config", content: "x" })).ok, false);
  },
);

attack("a gitlink added to the index cannot point the host's git status at a planted git dir", async (s) => {
  setupRepo(s.ws);
  const pay = payload(s);
  await s.bash(
    [
      "mkdir -p sub && git init -q planted && git -C planted config core.fsmonitor " + pay,
      "mv planted/.git plantedgit && rm -rf planted",
      'echo "gitdir: ../plantedgit" > sub/.git 2>&1',
      "git update-index --add --cacheinfo 160000,$(git rev-parse HEAD),sub 2>&1",
      "git ls-files -s",
      "true",
    ].join("; "),
  );
  const staged = hostGit(s.ws, "ls-files", "-s").out;
  assert.ok(!/^160000/m.test(staged), `the host's index has the gitlink: ${staged}`);
  hostGit(s.ws, "status");
});

attack(
  "a submodule of the operator's that is not checked out cannot be populated with a planted git dir",
  async (s) => {
    setupRepo(s.ws);
    const head = hostGit(s.ws, "rev-parse", "HEAD").out.trim();
    assert.equal(hostGit(s.ws, "update-index", "--add", "--cacheinfo", `160000,${head},libs/sub`).status, 0);
    assert.equal(
      hostGit(s.ws, "-c", "user.name=op", "-c", "user.email=op@host", "commit", "-q", "-m", "sub").status,
      0,
    );
    const pay = payload(s);
    const { out } = await s.bash(
      [
        `git init -q planted && git -C planted config core.fsmonitor ${pay}`,
        "mv planted/.git plantedgit && rm -rf planted",
        'mkdir -p libs/sub 2>&1; echo "gitdir: ../../plantedgit" > libs/sub/.git 2>&1',
        "true",
      ].join("; "),
    );
    assert.ok(!existsSync(join(s.ws, "libs", "sub", ".git")), `libs/sub/.git appeared on the host: ${out}`);
    hostGit(s.ws, "status");
  },
);

attack("renaming .git away and making a new one changes nothing on the host", async (s) => {
  setupRepo(s.ws);
  const pay = payload(s);
  const before = readFileSync(join(s.ws, ".git", "config"), "utf8");
  await s.bash(`mv .git .g 2>&1; rm -rf .git 2>&1; git init -q 2>&1; git config core.fsmonitor ${pay} 2>&1; true`);
  assert.equal(readFileSync(join(s.ws, ".git", "config"), "utf8"), before);
  assert.ok(!existsSync(join(s.ws, ".g")));
  hostGit(s.ws, "status");
});

attack("git init, add and commit work inside run_bash and reach the host's repository", async (s) => {
  setupRepo(s.ws);
  const r = await s.bash(
    "echo hello > f.txt && git add f.txt && git -c user.name=agent -c user.email=a@sandbox commit -q -m agent-commit " +
      "&& git checkout -q -b feature && git log --oneline | wc -l",
  );
  assert.equal(r.r.ok, true, r.out);
  assert.equal(r.stdout.trim(), "2");
  const log = hostGit(s.ws, "log", "--format=%s", "feature");
  assert.equal(log.out.trim().split("\n")[0], "agent-commit", log.out);
  assert.match(hostGit(s.ws, "status", "--short").out, /^$/);
  assert.match(readFileSync(join(s.ws, ".git", "HEAD"), "utf8"), /refs\/heads\/feature/);
});

attack("git init in a workspace without .git works, and the agent's config never reaches the host", async (s) => {
  const pay = payload(s);
  const r = await s.bash(
    `git init -q -b main && git config core.fsmonitor ${pay} && echo a > a.txt && git add a.txt && ` +
      "git -c user.name=agent -c user.email=a@sandbox commit -q -m first && git log --format=%s",
  );
  assert.equal(r.r.ok, true, r.out);
  assert.equal(r.stdout.trim(), "first");
  assert.equal(hostGit(s.ws, "log", "--format=%s").out.trim(), "first");
  assert.ok(!readFileSync(join(s.ws, ".git", "config"), "utf8").includes("fsmonitor"));
  hostGit(s.ws, "status");
  const next = await s.bash("git log --format=%s && git status --short");
  assert.equal(next.r.ok, true, next.out);
});

// ---------------------------------------------------------------------------------------------------------------
// 3: setuid and setgid plants

attack("no setuid or setgid bit can be planted (chmod, install, open/mknod modes, mkdir, setcap)", async (s) => {
  const { out } = await s.python(
    [
      "import os, shutil, subprocess",
      "shutil.copy('/bin/bash', 'rootsh')",
      "for f, args in [('chmod', ['4755', 'rootsh']), ('chmod', ['u+s,g+s', 'rootsh']), ('install', ['-m', '4755', '/bin/bash', 'rootsh2'])]:",
      "    print(f, subprocess.run([f] + args, capture_output=True, text=True).stderr.strip())",
      "for name, fn in [('os.chmod', lambda: os.chmod('rootsh', 0o6755)),",
      "                 ('os.open', lambda: os.close(os.open('rootsh3', os.O_CREAT | os.O_WRONLY, 0o4755))),",
      "                 ('os.mknod', lambda: os.mknod('rootsh4', 0o104755)),",
      "                 ('os.mkdir', lambda: os.mkdir('sgdir', 0o2755)),",
      "                 ('fchmod', lambda: os.fchmod(os.open('rootsh', os.O_RDONLY), 0o4755)),",
      "                 ('setxattr', lambda: os.setxattr('rootsh', 'security.capability', bytes.fromhex('0100000200000000000000000000000000000000')))]:",
      "    try:",
      "        fn(); print(name, 'ok')",
      "    except OSError as e:",
      "        print(name, e.errno)",
      "os.makedirs('plain', exist_ok=True); os.chmod('plain', 0o750); os.chmod('rootsh', 0o750)",
      "print('plain', oct(os.stat('plain').st_mode & 0o7777), oct(os.stat('rootsh').st_mode & 0o7777))",
    ].join("\n"),
  );
  assert.match(out, /plain 0o750 0o750/, out);
  for (const name of readdirSync(s.ws)) {
    const st = lstatSync(join(s.ws, name));
    assert.equal(st.mode & 0o6000, 0, `${name} has mode ${st.mode.toString(8)} on the host: ${out}`);
    const caps = spawnSync("python3", [
      "-c",
      `import os\ntry:\n print(os.getxattr(${
        JSON.stringify(join(s.ws, name))
      }, 'security.capability'))\nexcept OSError: print('none')`,
    ], { encoding: "utf8" });
    assert.equal(caps.stdout.trim(), "none", `${name} carries file capabilities`);
  }
});

// ---------------------------------------------------------------------------------------------------------------
// 4: socket families

attack("AF_VSOCK, AF_NETLINK (but route), AF_PACKET, AF_ALG and named AF_UNIX sockets are refused", async (s) => {
  const vlog = join(s.base, "..", `se-iso-vsock-${crypto.randomUUID().slice(0, 8)}.log`);
  const ulog = join(s.base, "..", `se-iso-unix-${crypto.randomUUID().slice(0, 8)}.log`);
  const port = 40000 + Math.floor(Math.random() * 20000);
  const vsock = listener("vsock", String(port), vlog);
  const unix = listener("unix", join(s.ws, "host.sock"), ulog);
  const run = listener("unix", runSock, ulog);
  try {
    const vsockListens = await ready(vsock);
    assert.ok(await ready(unix));
    assert.ok(await ready(run));
    const { out } = await s.python(
      [
        "import socket, errno",
        "def t(name, fn):",
        "    try:",
        "        r = fn(); print(name, 'OK', r)",
        "    except OSError as e:",
        "        print(name, errno.errorcode.get(e.errno, e.errno))",
        "def vs():",
        "    s = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM); s.settimeout(2)",
        "    for cid in (1, 2, 3):",
        "        try:",
        `            s.connect((cid, ${port})); return s.recv(64)`,
        "        except OSError:",
        "            pass",
        "    return 'created'",
        "def un(path):",
        "    s = socket.socket(socket.AF_UNIX); s.settimeout(2); s.connect(path); return s.recv(64)",
        "t('vsock', vs)",
        "t('unix-ws', lambda: un('host.sock'))",
        `t('unix-run', lambda: un(${JSON.stringify(runSock)}))`,
        "t('unix-abstract', lambda: socket.socket(socket.AF_UNIX).bind('\\0se-iso'))",
        "t('netlink-route', lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0).close())",
        "t('netlink-audit', lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 9))",
        "t('netlink-uevent', lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 15))",
        "t('packet', lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW))",
        "t('alg', lambda: socket.socket(socket.AF_ALG, socket.SOCK_SEQPACKET))",
        "t('inet', lambda: socket.socket(socket.AF_INET).close())",
        "t('inet6', lambda: socket.socket(socket.AF_INET6).close())",
        "t('socketpair', lambda: [x.close() for x in socket.socketpair()] and None)",
      ].join("\n"),
    );
    const lines = Object.fromEntries(
      out.trim().split("\n").map((l) => [l.split(" ")[0], l.split(" ").slice(1).join(" ")]),
    );
    for (
      const name of [
        "vsock",
        "unix-ws",
        "unix-run",
        "unix-abstract",
        "netlink-audit",
        "netlink-uevent",
        "packet",
        "alg",
      ]
    ) {
      assert.match(lines[name] ?? "", /^(EAFNOSUPPORT|EPERM|EACCES)$/, `${name}: ${out}`);
    }
    for (const name of ["netlink-route", "inet", "inet6", "socketpair"]) {
      assert.match(lines[name] ?? "", /^OK/, `${name}: ${out}`);
    }
    assert.ok(!out.includes("HELLO-FROM-HOST"), out);
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(!existsSync(ulog), "a host unix listener saw a connection");
    if (vsockListens) assert.ok(!existsSync(vlog), "the host vsock listener saw a connection");
    else console.error("note: no host vsock listener here; the socket() refusal inside is what was checked");
  } finally {
    for (const c of [vsock, unix, run]) c.kill("SIGKILL");
    rmSync(runSock, { force: true });
    rmSync(vlog, { force: true });
    rmSync(ulog, { force: true });
  }
});

attack("no AF_UNIX datagram reaches a host socket through a socketpair (red team 6, F5)", async (s) => {
  const log = join(s.base, "..", `se-iso-dgram-${crypto.randomUUID().slice(0, 8)}.log`);
  const sock = join(s.ws, "host.dgram");
  const host = spawn("python3", [
    "-u",
    "-c",
    "import socket, sys\ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\ns.bind(sys.argv[1])\n" +
    "print('ready', flush=True)\nwhile True:\n    d = s.recv(256)\n    open(sys.argv[2], 'ab').write(d + b'\\n')\n",
    sock,
    log,
  ], { stdio: ["ignore", "pipe", "ignore"] });
  try {
    assert.ok(await ready(host));
    const { out } = await s.python(
      [
        "import socket, errno",
        "def t(name, fn):",
        "    try:",
        "        r = fn(); print(name, 'OK', r)",
        "    except OSError as e:",
        "        print(name, errno.errorcode.get(e.errno, e.errno))",
        "def send(kind, flags=0):",
        "    a, b = socket.socketpair(socket.AF_UNIX, kind | flags)",
        "    return a.sendto(b'FROM-THE-SANDBOX', 'host.dgram')",
        "t('dgram', lambda: send(socket.SOCK_DGRAM))",
        "t('dgram-cloexec', lambda: send(socket.SOCK_DGRAM, socket.SOCK_CLOEXEC | socket.SOCK_NONBLOCK))",
        "t('raw', lambda: send(socket.SOCK_RAW))",
        "t('stream', lambda: send(socket.SOCK_STREAM))",
        "def seq():",
        "    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)",
        "    a.sendto(b'FROM-THE-SANDBOX', 'host.dgram'); return b.recv(64)",
        "t('seqpacket', seq)",
        "t('pair', lambda: [x.close() for x in socket.socketpair()] and None)",
      ].join("\n"),
    );
    const lines = Object.fromEntries(
      out.trim().split("\n").map((l) => [l.split(" ")[0], l.split(" ").slice(1).join(" ")]),
    );
    for (const name of ["dgram", "dgram-cloexec", "raw"]) assert.match(lines[name] ?? "", /^ESOCKTNOSUPPORT$/, out);
    assert.match(lines.stream ?? "", /^(EISCONN|EOPNOTSUPP)$/, out);
    assert.match(lines.seqpacket ?? "", /^OK b'FROM-THE-SANDBOX'$/, `a seqpacket pair sends to its peer: ${out}`);
    assert.match(lines.pair ?? "", /^OK/, out);
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!existsSync(log), `the host datagram socket received: ${existsSync(log) ? readFileSync(log) : ""}`);
  } finally {
    host.kill("SIGKILL");
    rmSync(sock, { force: true });
    rmSync(log, { force: true });
  }
});

// ---------------------------------------------------------------------------------------------------------------
// 6: the allowlist: nothing of the host but what the plan binds

attack(
  "the sandbox sees only the allowlist: no witness log, config, .env, /root, /home, /run, /var, /opt, /srv, /mnt",
  async (s) => {
    const { out, stdout } = await s.bash(
      [
        `cat ${s.witness} ${s.config} ${join(s.base, ".env")} ${join(s.base, "canary.txt")} 2>&1`,
        `ls -A ${s.base} 2>&1`,
        `cat ${rootCanary}/secret ${srvCanary}/secret /var/cache/debconf/passwords.dat /etc/pip.conf /etc/npmrc 2>&1`,
        "cat /etc/shadow /etc/gshadow /etc/machine-id 2>&1",
        "for d in /root /run /var /opt /srv /mnt /media /boot /sys /work; do [ -e $d ] && echo \"VISIBLE $d: $(ls -A $d | head -5 | tr '\\n' ' ')\"; done",
        "echo HOMEDIR: $(ls -A /home)",
        "echo ROOT: $(ls -A / | tr '\\n' ' ')",
        "echo PROC: $(ls /proc | grep -E '^[0-9]+$' | wc -l)",
        `cat ${join(s.ro, "data.txt")}; echo rw > ${join(s.rw, "out.txt")}; echo ro > ${join(s.ro, "x.txt")} 2>&1`,
        "true",
      ].join("; "),
    );
    assert.ok(!out.includes(SECRET), out);
    assert.ok(!/^root:/m.test(out), out);
    assert.ok(!out.includes("VISIBLE"), out);
    assert.match(stdout, /^HOMEDIR: safe-exec$/m, "/home holds only the private HOME");
    const root = (/^ROOT: (.*)$/m.exec(stdout)?.[1] ?? "").trim().split(" ").sort();
    const wsTop = s.ws.split("/")[1] as string;
    const allowed = new Set([
      "bin",
      "dev",
      "etc",
      "home",
      "lib",
      "lib32",
      "lib64",
      "libx32",
      "proc",
      "sbin",
      "tmp",
      "usr",
      wsTop,
    ]);
    assert.deepEqual(root.filter((n) => !allowed.has(n)), [], `unexpected at /: ${root}`);
    assert.ok(Number(/^PROC: (\d+)$/m.exec(stdout)?.[1]) < 10, "the host's processes are visible");
    assert.match(out, /readable data/);
    assert.equal(readFileSync(join(s.rw, "out.txt"), "utf8"), "rw\n");
    assert.ok(!existsSync(join(s.ro, "x.txt")));
    rmSync(join(s.rw, "out.txt"));
  },
);

attack("/etc holds only the allowlist (no credentials, no host identity)", async (s) => {
  const { stdout } = await s.bash("ls -A /etc");
  const names = stdout.trim().split("\n");
  for (
    const forbidden of [
      "shadow",
      "gshadow",
      "ssh",
      "sudoers",
      "machine-id",
      "pip.conf",
      "npmrc",
      "gitconfig",
      "ssl/private",
      "hostname",
    ]
  ) {
    assert.ok(!names.includes(forbidden), `/etc/${forbidden} is visible: ${names}`);
  }
  assert.ok(names.includes("passwd") && names.includes("ld.so.cache"), names.join(" "));
});

attack(
  "a sandbox.readable or .writable that would expose the witness log or the config is refused at start-up",
  (s) => {
    for (
      const [key, value] of [["readable", s.base], ["writable", s.base], ["readable", s.witness], ["writable", "/"]]
    ) {
      const cfg = join(s.base, "..", `se-iso-bad-${crypto.randomUUID().slice(0, 8)}.jsonc`);
      writeFileSync(cfg, JSON.stringify({ sandbox: { [key as string]: [value] } }));
      try {
        const [cmd, ...rest] = s.target.argv;
        const r = spawnSync(cmd as string, [
          ...rest,
          "exec",
          "read_file",
          "--args",
          '{"path":"a"}',
          "--workspace",
          s.ws,
          "--witness",
          s.witness,
          "--config",
          cfg,
        ], { encoding: "utf8", cwd: s.base });
        assert.equal(r.status, 2, `${key}=${value}: ${r.stdout}${r.stderr}`);
        assert.match(r.stderr, new RegExp(`sandbox\\.${key}`), r.stderr);
      } finally {
        rmSync(cfg, { force: true });
      }
    }
  },
);

attack("descriptors the server inherited (an open host folder, a secret file) do not reach the sandbox", async (s) => {
  const { out } = await s.bash(
    "ls -l /proc/self/fd; for f in /proc/self/fd/*; do [ ${f##*/} -gt 2 ] || continue; " +
      "timeout 2 cat $f/secret $f 2>/dev/null; ls $f/ 2>/dev/null; done; true",
  );
  assert.ok(!out.includes(SECRET), out);
  const fds = out.split("\n").filter((l) => / -> /.test(l)).map((l) => l.split(" -> ")[0]!.trim().split(" ").at(-1));
  for (const fd of fds) {
    assert.ok(["0", "1", "2", "3"].includes(fd as string), `descriptor ${fd} reached the sandbox: ${out}`);
  }
});

// ---------------------------------------------------------------------------------------------------------------
// 7: HOME is a private, empty folder per call

attack("HOME is private and empty per call: a .gitconfig or a Python .pth written earlier does not run", async (s) => {
  const mark1 = join(s.ws, "MARK-git");
  const mark2 = join(s.ws, "MARK-pth");
  writeFileSync(join(s.ws, "fsm.sh"), `#!/bin/sh\ntouch ${mark1}\n`, { mode: 0o755 });
  assert.equal(
    (await s.call("write_file", {
      path: ".gitconfig",
      content: `[core]\n\tfsmonitor = ${join(s.ws, "fsm.sh")}\n[alias]\n\tst = !touch ${mark1}\n`,
    })).ok,
    true,
  );
  const site = ".local/lib/python3.11/site-packages";
  for (const v of ["3.9", "3.10", "3.11", "3.12", "3.13"]) {
    const dir = `.local/lib/python${v}/site-packages`;
    assert.equal(
      (await s.call("write_file", {
        path: `${dir}/evil.pth`,
        content: `import os; open(${JSON.stringify(mark2)}, "w")\n`,
      })).ok,
      true,
    );
  }
  void site;
  const py = await s.python("print(1)");
  assert.equal(py.r.ok, true, py.out);
  const git = await s.bash(
    "git init -q r && cd r && git status >/dev/null && echo HOME=$HOME && env | grep -E '^(PYTHONNOUSERSITE|GIT_CONFIG_GLOBAL|GIT_CONFIG_NOSYSTEM)=' | sort",
  );
  assert.equal(git.r.ok, true, git.out);
  assert.ok(!existsSync(mark1) && !existsSync(mark2), "a planted config ran inside an approved call");
  assert.ok(!git.stdout.includes(`HOME=${s.ws}`), git.stdout);
  assert.match(git.stdout, /GIT_CONFIG_GLOBAL=\/dev\/null/);
  assert.match(git.stdout, /GIT_CONFIG_NOSYSTEM=1/);
  assert.match(git.stdout, /PYTHONNOUSERSITE=1/);
  // Nothing of the host's shell start-up either (bash reads ~/.bashrc when its stdin is a socket, as Bun's pipes are).
  const quiet = await s.bash("true");
  assert.equal(quiet.out, "", "the call's output carries the host shell's start-up files");
  const a = await s.bash('ls -A "$HOME" | wc -l; touch "$HOME/x"; echo ok');
  const b = await s.bash('ls -A "$HOME" | wc -l');
  assert.equal(a.stdout, "0\nok\n", a.out);
  assert.equal(b.stdout, "0\n", "HOME kept a file from an earlier call");
});

// ---------------------------------------------------------------------------------------------------------------
// The rest of the filter: namespaces, keyrings, bpf, perf, userfaultfd, io_uring, openat2/clone3; ptrace

attack(
  "namespaces, keyrings, bpf, perf_event_open, userfaultfd and io_uring are refused; ptrace reaches only the call",
  async (s) => {
    await s.send({ type: "info" });
    const { out } = await s.python(
      [
        "import ctypes, os, errno",
        "libc = ctypes.CDLL(None, use_errno=True)",
        "libc.syscall.restype = ctypes.c_long",
        "def t(name, nr, *args):",
        "    r = libc.syscall(nr, *[ctypes.c_long(a) for a in args])",
        "    print(name, 'OK' if r >= 0 else errno.errorcode.get(ctypes.get_errno(), ctypes.get_errno()))",
        "t('unshare-user', 272, 0x10000000)",
        "t('unshare-mnt', 272, 0x00020000)",
        "t('unshare-net', 272, 0x40000000)",
        "t('setns', 308, 0, 0)",
        "t('clone-newpid', 56, 0x20000000 | 17, 0, 0, 0, 0)",
        "t('clone3', 435, 0, 0)",
        "t('keyctl', 250, 0, 0)",
        "t('add_key', 248, 0, 0, 0, 0, 0)",
        "t('request_key', 249, 0, 0, 0, 0)",
        "t('bpf', 321, 0, 0, 0)",
        "t('perf_event_open', 298, 0, 0, -1, -1, 0)",
        "t('userfaultfd', 323, 0)",
        "t('io_uring_setup', 425, 1, 0)",
        "t('openat2', 437, -100, 0, 0, 0)",
        "t('mount', 165, 0, 0, 0, 0, 0)",
        `t('ptrace-server', 101, 16, ${s.pid}, 0, 0)`,
        "pid = os.fork()",
        "if pid == 0:",
        "    import time; time.sleep(5); os._exit(0)",
        "r = libc.ptrace(ctypes.c_long(16), ctypes.c_long(pid), None, None)",
        "print('ptrace-child', 'OK' if r == 0 else errno.errorcode.get(ctypes.get_errno()))",
        "os.kill(pid, 9)",
      ].join("\n"),
    );
    const got = Object.fromEntries(out.trim().split("\n").map((l) => l.split(" ") as [string, string]));
    const expect: Record<string, RegExp> = {
      "unshare-user": /EPERM/,
      "unshare-mnt": /EPERM/,
      "unshare-net": /EPERM/,
      "setns": /EPERM/,
      "clone-newpid": /EPERM/,
      "clone3": /ENOSYS/,
      "keyctl": /EPERM/,
      "add_key": /EPERM/,
      "request_key": /EPERM/,
      "bpf": /EPERM/,
      "perf_event_open": /EPERM/,
      "userfaultfd": /EPERM/,
      "io_uring_setup": /ENOSYS/,
      "openat2": /ENOSYS/,
      "mount": /EPERM/,
      "ptrace-server": /ESRCH/,
      "ptrace-child": /OK/,
    };
    for (const [k, re] of Object.entries(expect)) assert.match(got[k] ?? "(missing)", re, `${k}: ${out}`);
  },
);

attack(
  "the sandbox's root cannot write the host's kernel settings (core_pattern, modprobe: root code on the host)",
  async (s) => {
    // Deno's permissions keep /proc/sys from its file APIs: ask cat.
    const host = () =>
      spawnSync("cat", ["/proc/sys/kernel/core_pattern", "/proc/sys/kernel/modprobe"], { encoding: "utf8" }).stdout;
    const before = host();
    // Each write puts back the value already there, so a hole shows as "WROTE" without changing the host.
    const { out } = await s.bash(
      "for k in core_pattern modprobe; do v=$(cat /proc/sys/kernel/$k); " +
        'printf "%s\\n" "$v" > /proc/sys/kernel/$k 2>/dev/null && echo "WROTE $k"; done; ' +
        "echo 1 > /proc/sys/vm/drop_caches 2>/dev/null && echo WROTE drop_caches; " +
        "echo h > /proc/sysrq-trigger 2>/dev/null && echo WROTE sysrq; true",
    );
    assert.ok(!out.includes("WROTE"), out);
    assert.equal(host(), before);
  },
);

attack("doctor, info and the witness execute line say the seccomp filter is active", async (s) => {
  const info = await s.send({ type: "info" });
  const layers = ((info.isolation as Msg).processes as Msg).layers as string[];
  assert.ok(layers.includes("seccomp"), JSON.stringify(layers));
  await s.bash("true");
  const exec = readFileSync(s.witness, "utf8").trim().split("\n").map((l) => JSON.parse(l)).filter((l) =>
    l.event === "execute" && l.tool === "run_bash"
  );
  assert.ok(exec.length > 0 && (exec.at(-1).details.isolation.layers as string[]).includes("seccomp"));
  const [cmd, ...rest] = s.target.argv;
  const d = spawnSync(cmd as string, [...rest, "doctor"], { encoding: "utf8", cwd: s.base, timeout: 60_000 });
  assert.match(d.stdout, /\[active\]\s+seccomp filter/, d.stdout);
  assert.match(d.stdout, /\[ok\]\s+seccomp filter/, d.stdout);
  assert.match(d.stdout, /read-only:.*\/usr/, d.stdout);
  assert.match(d.stdout, /read-write:/, d.stdout);
});

for (const target of ALL) {
  Deno.test({
    name: `[${target.name}] attack: a workspace that holds the temp folder cannot swap the seccomp filter`,
    ignore: SKIP !== null,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const probeDir = tempBase("se-iso-tmpws-");
      const s = new Server(target, { TMPDIR: join(probeDir, "ws", "tmp") });
      mkdirSync(join(s.ws, "tmp"));
      s.extraEnv.TMPDIR = join(s.ws, "tmp");
      try {
        const { out } = await s.bash(
          `find ${s.ws} -name '*.bpf' 2>/dev/null; for f in $(find ${s.ws} -name '*.bpf'); do : > "$f"; done; true`,
        );
        assert.equal(out.trim(), "", `safe-exec's filter file is inside the workspace: ${out}`);
        const v = await s.python(
          "import socket\ntry:\n    socket.socket(40, 1); print('vsock created')\nexcept OSError as e:\n    print('refused', e.errno)",
        );
        assert.match(v.stdout, /^refused 97$/m, JSON.stringify(v.r).slice(0, 600));
      } finally {
        await s.stop();
        rmSync(s.base, { recursive: true, force: true });
        rmSync(probeDir, { recursive: true, force: true });
      }
    },
  });
}

stopServersTest(
  "isolation attack suite: stop the servers; nothing of the host changed",
  SKIP,
  () => servers.values(),
  () => {
    assert.equal(readFileSync(join(rootCanary, "secret"), "utf8"), SECRET);
    rmSync(rootCanary, { recursive: true, force: true });
    rmSync(srvCanary, { recursive: true, force: true });
  },
);
