/**
 * File tools in a confined child process: the file server (`server.ts`) runs under bubblewrap in a mount
 * namespace that holds only the workspace (writable), the runtime's executable and sources and /usr (read-only),
 * a private /tmp, and nothing else — no /home, /root, /etc, no other folder of the host. Under Deno it also gets
 * Deno permissions for the workspace only.
 *
 * Why: the realpath guard checks a path and then uses it; a folder swapped for a symlink in between (by a process
 * outside safe-exec racing the workspace) can redirect the use. Bun pins folders through /proc/self/fd; Deno cannot
 * (its file APIs refuse /proc/self/fd), so under Deno the file tools move into a process where outside is not
 * there to be reached: the kernel, not a re-check, closes the race.
 *
 * The child is started lazily (the first file call), reused, and replaced when it crashes or hangs (through
 * {@linkcode WorkerPool}, whose workers it imitates).
 *
 * @module
 */
import { existsSync, lstatSync, realpathSync, rmSync, type Stats, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { verbWord, workspaceGone } from "../../fileops/workspace.ts";
import { privateDir } from "../process/_standby.ts";
import { isWithin } from "../../_util/paths.ts";
import { buildSeccompFilter, seccompArch } from "../process/_seccomp.ts";
import { readLines } from "../../_util/lines.ts";
import { CONFINED_FLAG, FILE_SERVER_ARG } from "./request.ts";
import type { FileServerCommand, Runtime } from "../../runtime/types.ts";
import type { FileBackend } from "./backend.ts";
import { FILE_OPS, type FsToolName } from "../../fileops/ops.ts";
import { ToolError } from "../../types.ts";
import { DEFAULT_WORKER_TIMEOUT_MS, type PoolWorker, WorkerPool } from "./pool.ts";

/** Folders at the root that a dynamically linked runtime may need (bound read-only, or as the host's symlink). */
const SYSTEM_DIRS = ["/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin"];

const CLOSE_AND_FILTER =
  'for fd in /proc/self/fd/*; do fd=${fd##*/}; case $fd in 0|1|2) ;; *) eval "exec $fd>&-" 2>/dev/null ;; esac; done; exec 4<"$1" || exit 126; shift; exec "$@"';

/** The module that Deno runs (from source) as the confined file server. */
export const FILE_SERVER_ENTRY: URL = new URL("./server_main.ts", import.meta.url);

/**
 * How this runtime starts the confined file server for `root`, or null where it has none (Bun).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fileServerCommand } from "./confined.ts";
 * import { currentRuntime } from "../../runtime/mod.ts";
 * const cmd = fileServerCommand(await currentRuntime(), "/ws");
 * assert.ok(cmd === null || cmd.argv.at(-1) === "/ws");
 * ```
 */
export function fileServerCommand(runtime: Runtime, root: string): FileServerCommand | null {
  return runtime.fileServerCommand(root, FILE_SERVER_ENTRY);
}

function realOr(p: string): string | null {
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
}

/**
 * The bwrap command line that runs `cmd` confined to `root`, by the sandbox's rules: every source is a real path,
 * a symlink is recreated only when it leads into what is bound (else left out), and with `seccompFile` the whole
 * command runs under the process sandbox's seccomp filter (a `/bin/sh` opens it on fd 4 and `exec`s bwrap).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { confinedArgv } from "./confined.ts";
 * const argv = confinedArgv("/usr/bin/bwrap", "/ws", { argv: ["/x/deno", "run", "s.ts", "/ws"], readOnly: ["/x/deno"], env: {} });
 * assert.ok(argv[0] === "/usr/bin/bwrap" && argv.includes("--unshare-all") && argv.at(-1) === "--confined");
 * assert.ok(argv.join(" ").includes("--bind /ws /ws"));
 * const filtered = confinedArgv("/usr/bin/bwrap", "/ws", { argv: ["/x/deno"], readOnly: [], env: {} }, "/p/seccomp.bpf");
 * assert.ok(filtered[0]?.endsWith("sh") && filtered.some((a) => a.includes('exec 4<"$1"')));
 * assert.ok(filtered.includes("--seccomp"));
 * ```
 */
export function confinedArgv(bwrap: string, root: string, cmd: FileServerCommand, seccompFile?: string): string[] {
  const args = [bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--clearenv"];
  if (seccompFile !== undefined) args.push("--seccomp", "4");
  for (const [k, v] of Object.entries(cmd.env)) args.push("--setenv", k, v);
  const bound: string[] = [];
  const links: [string, string][] = [];
  for (const dir of SYSTEM_DIRS) {
    let st;
    try {
      st = lstatSync(dir);
    } catch {
      continue;
    }
    const real = realOr(dir);
    if (st.isDirectory() && real !== null) {
      args.push("--ro-bind", real, dir);
      bound.push(dir);
    } else if (st.isSymbolicLink() && real !== null) links.push([real, dir]);
  }
  for (const [real, dir] of links) if (bound.some((b) => isWithin(real, b))) args.push("--symlink", real, dir);
  args.push("--proc", "/proc", "--ro-bind", "/proc/sys", "/proc/sys", "--dev", "/dev", "--tmpfs", "/tmp");
  for (const given of cmd.readOnly) {
    const p = resolve(given);
    if (!existsSync(p)) continue;
    const real = realOr(p);
    if (real === null) continue;
    args.push("--ro-bind", real, real);
    bound.push(real);
    // The command names `p`: recreate it as a symlink to what is bound (inside a bound system folder the host's
    // own link is already there).
    if (real !== p && !bound.some((b) => b !== real && isWithin(p, b))) args.push("--symlink", real, p);
  }
  args.push("--bind", root, root, "--remount-ro", "/", "--chdir", root, "--", ...cmd.argv, CONFINED_FLAG);
  if (seccompFile === undefined) return args;
  // bash closes the descriptors this process inherited (any number; dash only 0-9), then opens the filter on fd 4.
  const shell = existsSync("/bin/bash") ? "/bin/bash" : "/bin/sh";
  const flags = shell === "/bin/bash" ? ["--norc", "--noprofile"] : [];
  return [shell, ...flags, "-c", CLOSE_AND_FILTER, "safe-exec-fs", seccompFile, ...args];
}

/**
 * The longest answer line taken from the file server (1 GiB): an answer of any size the server can build arrives
 * whole (a list_dir of 50,000 names of 240 control characters is 72 MB of JSON); a longer one fails the call at
 * once instead of leaving it to the timeout.
 */
const MAX_ANSWER_BYTES = 1024 * 1024 * 1024;

/** A {@linkcode PoolWorker} over a child process that speaks JSON lines. */
function processWorker(runtime: Runtime, argv: string[]): PoolWorker {
  const child = runtime.spawn({ argv, cwd: "/", env: {}, stdin: "pipe" });
  const stdin = child.stdin;
  if (!stdin) throw new Error("the runtime did not give the file server a stdin pipe");
  const writer = stdin.getWriter();
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  let ended = false;
  let stderrTail = "";
  const w: PoolWorker = {
    onmessage: null,
    onerror: null,
    postMessage(message: unknown) {
      writer.write(encoder.encode(JSON.stringify(message) + "\n")).catch((e) => fail(`cannot write to it: ${e}`));
    },
    terminate() {
      ended = true;
      runtime.killGroup(child.pid, "SIGKILL");
    },
  };
  const fail = (why: string) => {
    if (ended) return;
    ended = true;
    runtime.killGroup(child.pid, "SIGKILL");
    const tail = stderrTail.trim().split("\n").slice(-3).join(" | ");
    w.onerror?.(new ErrorEvent("error", { message: `${why}${tail ? `: ${tail}` : ""}` }));
  };
  (async () => {
    for await (const item of readLines(child.stdout, MAX_ANSWER_BYTES)) {
      if (!("line" in item)) {
        fail(`the file server's answer of ${item.tooLong} bytes is over the limit of ${MAX_ANSWER_BYTES} bytes`);
        return;
      }
      let data: unknown;
      try {
        data = JSON.parse(decoder.decode(item.line));
      } catch {
        fail("the file server sent a line that is not JSON");
        return;
      }
      w.onmessage?.({ data } as MessageEvent);
    }
  })().catch((e) => fail(`cannot read its answers: ${e}`));
  (async () => {
    for await (const chunk of child.stderr) stderrTail = (stderrTail + decoder.decode(chunk)).slice(-2048);
  })().catch(() => {});
  child.exited.then((s) => fail(`the file server exited (${s.signal ?? `status ${s.exitCode}`})`));
  return w;
}

/** Options of {@linkcode createConfinedFileBackend}. */
export interface ConfinedBackendOptions {
  /** The bwrap binary. */
  bwrap: string;
  /** Per-call timeout including the child's start-up (default 10 000 ms). */
  timeoutMs?: number;
}

/**
 * The confined backend, or null when the runtime has no file server command (Bun).
 *
 * @example
 * ```ts ignore
 * import { createConfinedFileBackend } from "./confined.ts";
 * import { currentRuntime } from "../../runtime/mod.ts";
 * const files = createConfinedFileBackend(await currentRuntime(), { bwrap: "/usr/bin/bwrap" });
 * console.log(await files?.run("list_dir", "/real/path/of/ws", {}));
 * files?.close();
 * ```
 */
export function createConfinedFileBackend(runtime: Runtime, options: ConfinedBackendOptions): FileBackend | null {
  if (fileServerCommand(runtime, "/") === null) return null;
  // The process sandbox's seccomp filter, in a private folder of this backend (none on an unknown architecture).
  // Outside the workspace it serves, so nothing the agent runs can swap it.
  const filterDirs: string[] = [];
  const filterFile = (root: string): string | undefined => {
    const arch = seccompArch().arch;
    if (arch === null) return undefined;
    let dir = filterDirs.find((d) => !isWithin(d, root) && existsSync(join(d, "seccomp.bpf")));
    if (dir === undefined) {
      const made = privateDir("safe-exec-fs-", [root]);
      if (made === null) return undefined;
      writeFileSync(join(made, "seccomp.bpf"), buildSeccompFilter(arch).bytes, { mode: 0o400 });
      filterDirs.push(made);
      dir = made;
    }
    return join(dir, "seccomp.bpf");
  };
  // One server per workspace root, bound to the folder that was there when it started (its device and inode). A
  // workspace removed and made again under the same path is another folder, which the old server's bind mount
  // cannot see: the server is replaced. Whether the folder is still the one is checked when a call finds something
  // missing, after every list_dir (an emptied, removed folder still lists, as empty), and at most once a second
  // otherwise (a stat costs ~45 µs under Deno's node:fs, too much for every read).
  interface Served {
    pool: WorkerPool;
    dev: number;
    ino: number;
    checked: number;
  }
  const pools = new Map<string, Served>();
  const identity = (root: string): Stats | null => {
    try {
      return statSync(root);
    } catch {
      return null;
    }
  };
  const serve = (root: string, st: Stats): Served => {
    pools.get(root)?.pool.close();
    const cmd = fileServerCommand(runtime, root);
    if (!cmd) throw new Error(`${runtime.name} has no file server`);
    const argv = confinedArgv(options.bwrap, root, cmd, filterFile(root));
    const served: Served = {
      pool: new WorkerPool({
        create: () => processWorker(runtime, argv),
        size: 1,
        timeoutMs: options.timeoutMs ?? DEFAULT_WORKER_TIMEOUT_MS,
      }),
      dev: st.dev,
      ino: st.ino,
      checked: performance.now(),
    };
    pools.set(root, served);
    return served;
  };
  /** The server for `root` if the folder is still the one it serves (checked now), else null (it was dropped). */
  const current = (root: string, served: Served): Served | null => {
    const st = identity(root);
    served.checked = performance.now();
    if (st && st.dev === served.dev && st.ino === served.ino) return served;
    if (pools.get(root) === served) {
      pools.delete(root);
      served.pool.close();
    }
    return null;
  };
  const gone = (op: FsToolName, root: string, args: Record<string, unknown>) => {
    const arg = typeof args.path === "string" ? args.path : typeof args.src === "string" ? args.src : ".";
    return workspaceGone(root, verbWord(FILE_OPS[op].verb), arg);
  };
  const run = async (op: FsToolName, root: string, args: Record<string, unknown>): Promise<unknown> => {
    for (let attempt = 0;; attempt++) {
      let served = pools.get(root);
      if (served && performance.now() - served.checked > 1000) served = current(root, served) ?? undefined;
      if (!served) {
        const st = identity(root);
        if (!st) throw gone(op, root, args);
        served = serve(root, st);
      }
      let value: unknown;
      try {
        value = await served.pool.run(op, root, args);
      } catch (e) {
        if (!(e instanceof ToolError) || e.code !== "not_found" || current(root, served)) throw e;
        if (attempt > 0 || !identity(root)) throw gone(op, root, args);
        continue; // the folder was replaced under a stale server: once more, on a fresh one
      }
      if (op === "list_dir" && !current(root, served)) {
        if (attempt > 0 || !identity(root)) throw gone(op, root, args);
        continue;
      }
      return value;
    }
  };
  const standalone = fileServerCommand(runtime, "/")?.argv[1] === FILE_SERVER_ARG;
  return {
    run,
    describe: () => ({
      layers: [
        "realpath-guard",
        "git-protected",
        "confined-process",
        ...(seccompArch().arch ? ["seccomp"] : []),
        ...(standalone ? [] : ["deno-permissions"]),
      ],
      guard: true,
      worker: false,
      confined: true,
      permissions: !standalone,
      reason: "file tools run in a child process under bubblewrap whose mount namespace holds only the workspace " +
        "(writable) and the runtime (read-only)" +
        (standalone ? "" : ", with Deno permissions for the workspace only"),
    }),
    close() {
      for (const p of pools.values()) p.pool.close();
      pools.clear();
      for (const d of filterDirs.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}
