/**
 * The Deno implementation of the runtime seam.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import type { ChildProcess, FileServerCommand, Runtime, SpawnOptions, WorkerGrant } from "./types.ts";
import { signalName } from "./_signal.ts";
import { FILE_SERVER_ARG } from "./file_server.ts";
import { StderrQueue } from "./_stderr_queue.ts";

const encoder = new TextEncoder();
/** Set by queueStderr (a server): writeStderr queues from then on. */
let stderrQueue: StderrQueue | null = null;

/** Deno, as the core needs it. */
export const denoRuntime: Runtime = {
  name: "deno",
  version: Deno.version.deno,
  args: () => [...Deno.args],
  spawn(options: SpawnOptions): ChildProcess {
    const [program, ...args] = options.argv;
    if (program === undefined) throw new TypeError("spawn needs a program, got an empty argv");
    const child = new Deno.Command(program, {
      args,
      cwd: options.cwd,
      env: options.env,
      clearEnv: true,
      stdin: options.stdin ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
      detached: options.newSession !== false,
    }).spawn();
    if (options.stdin instanceof Uint8Array) {
      const data = options.stdin;
      const writer = child.stdin.getWriter();
      writer.write(data).then(() => writer.close()).catch(() => {/* child closed stdin early */});
    }
    return {
      pid: child.pid,
      stdout: child.stdout,
      stderr: child.stderr,
      ...(options.stdin === "pipe" ? { stdin: child.stdin } : {}),
      exited: child.status.then((s) => ({
        exitCode: s.signal ? null : s.code,
        signal: signalName(s.signal),
      })),
    };
  },
  killGroup(pgid: number, signal: "SIGTERM" | "SIGKILL"): void {
    try {
      Deno.kill(-pgid, signal);
    } catch {
      // the group is already gone
    }
  },
  kill(pid: number, signal: "SIGTERM" | "SIGKILL"): void {
    try {
      Deno.kill(pid, signal);
    } catch {
      // already gone
    }
  },
  readStdin: (() => {
    // A plain read op per chunk, no byte stream in between (measured: about a third less latency per request).
    const buf = new Uint8Array(64 * 1024);
    return async (): Promise<Uint8Array | null> => {
      const n = await Deno.stdin.read(buf);
      return n === null ? null : buf.subarray(0, n);
    };
  })(),
  // Asynchronous writes: while a slow client leaves stdout full, the server keeps reading stdin (a client that
  // writes all its requests before it reads anything must not deadlock).
  async writeStdout(data: Uint8Array): Promise<void> {
    let written = 0;
    while (written < data.length) written += await Deno.stdout.write(data.subarray(written));
  },
  writeStderr(text: string): void {
    if (stderrQueue !== null) return stderrQueue.push(text);
    try {
      Deno.stderr.writeSync(encoder.encode(text.endsWith("\n") ? text : text + "\n"));
    } catch {
      // stderr closed: nothing to do
    }
  },
  queueStderr(): void {
    stderrQueue ??= new StderrQueue(async (bytes) => {
      let written = 0;
      while (written < bytes.length) written += await Deno.stderr.write(bytes.subarray(written));
    });
  },
  flushStderr: (timeoutMs: number): Promise<void> => stderrQueue?.drain(timeoutMs) ?? Promise.resolve(),
  exit: (code: number): never => Deno.exit(code),
  onStopSignal(fn: (signal: "SIGINT" | "SIGTERM") => void): void {
    for (const sig of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(sig, () => fn(sig));
  },
  createRestrictedWorker(url: URL, grant: WorkerGrant): Worker | null {
    return new Worker(url, {
      type: "module",
      // `deno.permissions` needs --unstable-worker-options; the worker can never exceed the host's permissions.
      deno: {
        permissions: {
          read: grant.read,
          write: grant.write,
          net: false,
          env: false,
          run: false,
          ffi: false,
          sys: false,
          import: false,
        },
      },
    } as WorkerOptions);
  },
  workerIsolation: { available: true, reason: "Deno workers with read/write granted on the workspace only" },
  fileServerCommand(root: string, entry: URL): FileServerCommand | null {
    const exe = Deno.execPath();
    if (Deno.build.standalone) return { argv: [exe, FILE_SERVER_ARG, root], readOnly: [exe], env: {} };
    if (entry.protocol !== "file:") return null;
    const src = fileURLToPath(new URL("../", import.meta.url));
    return {
      argv: [
        exe,
        "run",
        "--no-config",
        "--no-prompt",
        `--allow-read=${root}`,
        `--allow-write=${root}`,
        fileURLToPath(entry),
        root,
      ],
      readOnly: [exe, src],
      env: { DENO_DIR: "/tmp/.deno", NO_COLOR: "1" },
    };
  },
};
