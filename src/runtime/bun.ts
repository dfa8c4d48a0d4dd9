/**
 * The Bun implementation of the runtime seam. Bun has no permission system, so restricted workers are not
 * available: file tools run in the host behind the realpath guard.
 *
 * @module
 */
import type { ChildProcess, Runtime, SpawnOptions } from "./types.ts";
import { signalName } from "./_signal.ts";
import { writeAllSync } from "./write_sync.ts";
import { StderrQueue } from "./_stderr_queue.ts";

// deno-lint-ignore no-explicit-any
const B = (globalThis as any).Bun;
const encoder = new TextEncoder();
/** Set by queueStderr (a server): writeStderr queues from then on. */
let stderrQueue: StderrQueue | null = null;

/** Bun, as the core needs it. */
export const bunRuntime: Runtime = {
  name: "bun",
  version: String(B?.version ?? "unknown"),
  args: () => process.argv.slice(2),
  spawn(options: SpawnOptions): ChildProcess {
    const child = B.spawn(options.argv, {
      cwd: options.cwd,
      env: options.env,
      stdin: options.stdin === "pipe" ? "pipe" : options.stdin ? options.stdin : "ignore",
      stdout: "pipe",
      stderr: "pipe",
      detached: options.newSession !== false,
    });
    // Bun's piped stdin is a FileSink; the seam speaks WritableStream, and writeStdin writes to the sink directly.
    const sink = options.stdin === "pipe" ? child.stdin : null;
    const writeStdin = (chunk: Uint8Array): void | Promise<void> => {
      sink.write(chunk);
      const flushed = sink.flush();
      if (typeof flushed !== "number") return flushed.then(() => {});
    };
    return {
      pid: child.pid,
      stdout: child.stdout,
      stderr: child.stderr,
      ...(sink
        ? {
          stdin: new WritableStream<Uint8Array>({
            async write(chunk) {
              sink.write(chunk);
              await sink.flush();
            },
            close() {
              sink.end();
            },
          }),
          writeStdin,
        }
        : {}),
      exited: child.exited.then((code: number) => ({
        exitCode: child.signalCode ? null : code,
        signal: signalName(child.signalCode),
      })),
    };
  },
  killGroup(pgid: number, signal: "SIGTERM" | "SIGKILL"): void {
    try {
      process.kill(-pgid, signal);
    } catch {
      // the group is already gone
    }
  },
  kill(pid: number, signal: "SIGTERM" | "SIGKILL"): void {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  },
  readStdin: (() => {
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    return async (): Promise<Uint8Array | null> => {
      reader ??= (B.stdin.stream() as ReadableStream<Uint8Array>).getReader();
      const { done, value } = await reader.read();
      return done ? null : value;
    };
  })(),
  // Asynchronous, through Node's stream (a server that waits on a full stdout keeps reading stdin: a client that
  // writes all its requests before it reads anything must not deadlock). A one-shot command that writes a line and
  // exits writes synchronously instead (write_sync.ts): the stream's first use costs about 19 ms of CPU here.
  async writeStdout(data: Uint8Array): Promise<void> {
    await new Promise<void>((resolve, reject) => process.stdout.write(data, (err) => err ? reject(err) : resolve()));
  },
  // Synchronous, as under Deno, with write_sync.ts instead of `process.stderr` (whose first use builds Node's stream
  // classes: about 19 ms of CPU in the compiled binary, paid by every hook that blocks with a reason on stderr).
  writeStderr(text: string): void {
    if (stderrQueue !== null) return stderrQueue.push(text);
    try {
      writeAllSync(2, encoder.encode(text.endsWith("\n") ? text : text + "\n"));
    } catch {
      // stderr closed: nothing to do (as under Deno)
    }
  },
  // A server's stderr goes through Node's stream, one batch at a time (its callback says when the OS took it).
  queueStderr(): void {
    stderrQueue ??= new StderrQueue((bytes) =>
      new Promise<void>((resolve, reject) => process.stderr.write(bytes, (err) => err ? reject(err) : resolve()))
    );
  },
  flushStderr: (timeoutMs: number): Promise<void> => stderrQueue?.drain(timeoutMs) ?? Promise.resolve(),
  exit: (code: number): never => process.exit(code),
  onStopSignal(fn: (signal: "SIGINT" | "SIGTERM") => void): void {
    for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => fn(sig));
  },
  createRestrictedWorker: () => null,
  fileServerCommand: () => null,
  workerIsolation: {
    available: false,
    reason: "Bun has no permission system: file tools run in the host process behind the realpath guard",
  },
};
