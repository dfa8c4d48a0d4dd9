/**
 * The lab's runner inside a loopback-only namespace. The driver starts it as
 *
 *   unshare --net --mount --pid --fork --kill-child --mount-proc -- deno run -A netns_main.ts SPEC.json
 *
 * and it: brings `lo` up (the only interface), gives the namespace a private /tmp holding only the run folder,
 * bind-mounts a `resolv.conf` naming 127.0.0.1 over
 * `/etc/resolv.conf`, starts the DNS sink and the mock model server in this process, runs the prepare commands
 * (e.g. Codex's hook trust step), runs the CLI (own process group, stdin `/dev/null`, bounded by a timeout that
 * kills the whole group, SIGTERM then SIGKILL), writes a result record and exits. It is PID 1 of its own PID
 * namespace, so nothing it started outlives it.
 *
 * Node APIs only, so it also runs under Node ≥ 22.18.
 *
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { startDnsSink } from "./dns_sink.ts";
import type { ServeOptions } from "./mock_common.ts";
import { startMock } from "./mock_server.ts";

/** One process to run inside the namespace. */
export interface NetnsCommand {
  /** argv[0] is the program. */
  argv: string[];
  /** The whole environment (nothing is inherited). */
  env: Record<string, string>;
  /** Working directory. */
  cwd: string;
  /** Kill the process group after this many milliseconds. */
  timeoutMs: number;
  /** Files for stdout and stderr. */
  stdoutFile: string;
  stderrFile: string;
  /** Text for stdin (default: /dev/null). */
  stdin?: string;
}

/** What the runner reads from SPEC.json. */
export interface NetnsSpec {
  /** The run folder (under /tmp: the namespace gets a private /tmp holding only it). */
  runDir: string;
  /** The mock model server. */
  mock: ServeOptions & { dialect: string };
  /** JSONL log of DNS questions. */
  dnsLog: string;
  /** Where to write the resolv.conf that is bind-mounted over /etc/resolv.conf. */
  resolvConf: string;
  /** Commands run before the CLI, in order (a failure stops the run). */
  prepare: NetnsCommand[];
  /** The CLI. */
  command: NetnsCommand;
  /** Where to write the {@linkcode NetnsResult}. */
  resultFile: string;
}

/** The outcome of one command. */
export interface CommandResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  error: string | null;
}

/** What the runner writes. */
export interface NetnsResult {
  /** The namespace setup failed (then nothing ran). */
  setupError: string | null;
  /** How long the setup (lo, resolv.conf, DNS sink, mock) took. */
  setupMs: number;
  prepare: CommandResult[];
  /** The CLI's outcome, or null when it did not run. */
  command: CommandResult | null;
  /** Requests the mock answered. */
  mockRequests: number;
}

/** Run one command to its end (or its timeout), killing its whole process group on timeout. */
export function runCommand(c: NetnsCommand): Promise<CommandResult> {
  const started = performance.now();
  const out = openSync(c.stdoutFile, "w");
  const err = openSync(c.stderrFile, "w");
  return new Promise((resolve) => {
    let timedOut = false;
    let done = false;
    const child = spawn(c.argv[0]!, c.argv.slice(1), {
      cwd: c.cwd,
      env: c.env,
      detached: true,
      stdio: [c.stdin !== undefined ? "pipe" : "ignore", out, err],
    });
    if (c.stdin !== undefined) child.stdin?.end(c.stdin);
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup("SIGTERM");
      setTimeout(() => killGroup("SIGKILL"), 2000);
    }, c.timeoutMs);
    const finish = (
      exitCode: number | null,
      signal: string | null,
      error: string | null,
    ) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      killGroup("SIGKILL"); // whatever the CLI left behind in its group
      closeSync(out);
      closeSync(err);
      resolve({
        exitCode,
        signal,
        timedOut,
        durationMs: Math.round(performance.now() - started),
        error,
      });
    };
    child.on("error", (e) => finish(null, null, e.message));
    child.on("exit", (code, signal) => finish(code, signal, null));
  });
}

function _mount(args: string[]): string | null {
  const r = spawnSync("mount", args, { encoding: "utf8" });
  return r.status === 0 ? null : `mount ${args.join(" ")} said ${JSON.stringify(r.stderr || r.error?.message)}`;
}

/** The repository root (the lab's own code, the pinned CLIs in .cache/agents): it may live under /tmp too. */
const _REPO = fileURLToPath(new URL("../../../../", import.meta.url)).replace(
  /\/$/,
  "",
);

/**
 * Give the namespace a private /tmp holding only the run folder (the CLIs write to fixed /tmp paths whatever
 * TMPDIR says, e.g. Codex's /tmp/codex-daemon-<uid>): what must stay visible (the run folder, and the repository
 * when it is a clone under /tmp, as CI's may be) is parked on a private tmpfs at /mnt, a new tmpfs covers /tmp, and
 * each parked folder is bound back at its own path.
 */
function _privateTmp(runDir: string): string | null {
  const keep = [runDir, _REPO].filter((p) => p.startsWith("/tmp/"));
  if (!keep.includes(runDir)) return null; // a run folder elsewhere: /tmp stays as it is
  // The working folder may be under /tmp too (a clone there): step out of it while /tmp is replaced, or every
  // later spawn fails with ENOENT for its inherited cwd.
  const cwd = process.cwd();
  process.chdir("/");
  const park = _mount(["-t", "tmpfs", "-o", "mode=0755", "lab-park", "/mnt"]);
  if (park !== null) return park;
  for (const [i, dir] of keep.entries()) {
    mkdirSync(`/mnt/keep${i}`);
    const parked = _mount(["--bind", dir, `/mnt/keep${i}`]);
    if (parked !== null) return parked;
  }
  const tmp = _mount(["-t", "tmpfs", "-o", "mode=1777", "lab-tmp", "/tmp"]);
  if (tmp !== null) return tmp;
  for (const [i, dir] of keep.entries()) {
    mkdirSync(dir, { recursive: true });
    const back = _mount(["--bind", `/mnt/keep${i}`, dir]);
    if (back !== null) return back;
  }
  try {
    process.chdir(cwd);
  } catch {
    // the old working folder is not among those kept: stay at /
  }
  return null;
}

function _setup(spec: NetnsSpec): string | null {
  const lo = spawnSync("ip", ["link", "set", "lo", "up"], { encoding: "utf8" });
  if (lo.status !== 0) {
    return `Cannot bring up lo in the namespace: ip said ${JSON.stringify(lo.stderr || lo.error?.message)}`;
  }
  const tmp = _privateTmp(spec.runDir);
  if (tmp !== null) return `Cannot give the namespace a private /tmp: ${tmp}`;
  writeFileSync(
    spec.resolvConf,
    "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n",
  );
  const mount = spawnSync("mount", [
    "--bind",
    spec.resolvConf,
    "/etc/resolv.conf",
  ], { encoding: "utf8" });
  if (mount.status !== 0) {
    return `Cannot bind-mount resolv.conf in the namespace: mount said ${
      JSON.stringify(mount.stderr || mount.error?.message)
    }`;
  }
  const links = spawnSync("ip", ["-o", "link", "show", "up"], {
    encoding: "utf8",
  });
  const up = links.stdout.split("\n").filter((l) => l.trim() !== "").map((l) => l.split(":")[1]?.trim());
  if (up.length !== 1 || up[0] !== "lo") {
    return `The namespace has interfaces other than lo up: ${up.join(", ")}`;
  }
  return null;
}

/** Run a spec (the runner's whole job); returns the result it also writes. */
export async function runSpec(spec: NetnsSpec): Promise<NetnsResult> {
  const t0 = performance.now();
  const result: NetnsResult = {
    setupError: null,
    setupMs: 0,
    prepare: [],
    command: null,
    mockRequests: 0,
  };
  result.setupError = _setup(spec);
  if (result.setupError !== null) return result;
  const dns = await startDnsSink(spec.dnsLog);
  const { dialect, ...mockOptions } = spec.mock;
  const mock = await startMock(dialect, mockOptions);
  result.setupMs = Math.round(performance.now() - t0);
  try {
    for (const p of spec.prepare) {
      const r = await runCommand(p);
      result.prepare.push(r);
      if (r.exitCode !== 0) return result;
    }
    result.command = await runCommand(spec.command);
  } finally {
    result.mockRequests = mock.requests();
    await mock.close();
    await dns.close();
  }
  return result;
}

if (import.meta.main) {
  const specFile = process.argv[2];
  if (specFile === undefined) {
    console.error("usage: netns_main.ts SPEC.json");
    process.exit(2);
  }
  const spec = JSON.parse(readFileSync(specFile, "utf8")) as NetnsSpec;
  let result: NetnsResult;
  try {
    result = await runSpec(spec);
  } catch (e) {
    result = {
      setupError: `The namespace runner failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`,
      setupMs: 0,
      prepare: [],
      command: null,
      mockRequests: 0,
    };
  }
  writeFileSync(spec.resultFile, JSON.stringify(result, null, 2));
  process.exit(0);
}

/** Where a run folder keeps the runner's files. */
export function netnsFiles(runDir: string) {
  return {
    spec: join(runDir, "netns-spec.json"),
    result: join(runDir, "netns-result.json"),
    mockLog: join(runDir, "mock-requests.jsonl"),
    dnsLog: join(runDir, "dns.jsonl"),
    resolvConf: join(runDir, "resolv.conf"),
    stdout: join(runDir, "cli.stdout"),
    stderr: join(runDir, "cli.stderr"),
  };
}
