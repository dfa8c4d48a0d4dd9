/**
 * The runtime seam: everything Deno- or Bun-specific sits behind this interface, so the rest of `src/` speaks
 * only web standards and `node:` APIs.
 *
 * @module
 */

/** How to start a child process. */
export interface SpawnOptions {
  /** Program and arguments; `argv[0]` is looked up in PATH of the host. */
  argv: string[];
  /** Working directory. */
  cwd: string;
  /** The complete environment of the child (nothing is inherited). */
  env: Record<string, string>;
  /**
   * Bytes written to the child's stdin, which is then closed; `"pipe"` keeps stdin open as
   * {@linkcode ChildProcess.stdin}; with none, stdin is /dev/null.
   */
  stdin?: Uint8Array | "pipe";
  /**
   * Start it in a new session and process group (default true), so that `killGroup(pid)` reaches its children.
   * false spawns without it, which is cheaper (posix_spawn instead of fork): for commands that end their own
   * children when they die (bubblewrap's PID namespace); kill those with `kill(pid)`.
   */
  newSession?: boolean;
}

/** How a child process ended. */
export interface ExitStatus {
  /** The exit code, or null when a signal ended it. */
  exitCode: number | null;
  /** The signal's name (e.g. "SIGKILL"), or null. */
  signal: string | null;
}

/** A running child process, leader of its own session and process group. */
export interface ChildProcess {
  /** Its pid, which is also its process group id. */
  readonly pid: number;
  /** Its stdout. */
  readonly stdout: ReadableStream<Uint8Array>;
  /** Its stderr. */
  readonly stderr: ReadableStream<Uint8Array>;
  /** Resolves when it exits. */
  readonly exited: Promise<ExitStatus>;
  /** Its stdin, when spawned with `stdin: "pipe"`. */
  readonly stdin?: WritableStream<Uint8Array>;
  /**
   * With `stdin: "pipe"`, where the runtime has one: write to stdin without a stream between (resolves once the
   * bytes are handed to the pipe). A caller writes either through this or through `stdin`'s writer, never both;
   * closing is `stdin.close()`.
   */
  readonly writeStdin?: (chunk: Uint8Array) => void | Promise<void>;
}

/** How to start this program's confined file server (`__fs-server ROOT`) as a child process. */
export interface FileServerCommand {
  /** The command line. */
  argv: string[];
  /** Files and folders the command needs to see, read-only, at the same paths (the executable, the sources). */
  readOnly: string[];
  /** Extra environment (e.g. a cache folder the runtime wants). */
  env: Record<string, string>;
}

/** Permissions for a file-tool worker. */
export interface WorkerGrant {
  /** Folders the worker may read. */
  read: string[];
  /** Folders the worker may write. */
  write: string[];
}

/** One runtime (Deno or Bun) as the core needs it. */
export interface Runtime {
  /** "deno" or "bun". */
  readonly name: "deno" | "bun";
  /** The runtime's version string. */
  readonly version: string;
  /** Command-line arguments after the program. */
  args(): string[];
  /** Start a process in a new session (so its pid is its process group id). */
  spawn(options: SpawnOptions): ChildProcess;
  /** Send a signal to a whole process group; ignores a group that is gone. */
  killGroup(pgid: number, signal: "SIGTERM" | "SIGKILL"): void;
  /** Send a signal to one process; ignores a process that is gone. */
  kill(pid: number, signal: "SIGTERM" | "SIGKILL"): void;
  /**
   * The next chunk of stdin, or null at its end. The bytes are valid only until the next call (the buffer is
   * reused: one read op per chunk, without a stream between stdin and the caller).
   */
  readStdin(): Promise<Uint8Array | null>;
  /** Write bytes to stdout, resolving when they were handed to the OS. */
  writeStdout(data: Uint8Array): Promise<void>;
  /** Write a line of text to stderr (synchronously, until {@linkcode Runtime.queueStderr}). */
  writeStderr(text: string): void;
  /**
   * From now on {@linkcode Runtime.writeStderr} queues its lines: written asynchronously and in order, at most
   * 1 MiB waiting, lines beyond dropped and counted (`_stderr_queue.ts`). For a long-running server, whose client
   * may never read its stderr: a full pipe must not stop it.
   */
  queueStderr(): void;
  /** Resolves when the queued stderr lines were written, or after `timeoutMs`. */
  flushStderr(timeoutMs: number): Promise<void>;
  /** Exit the process. */
  exit(code: number): never;
  /** Call `fn` on SIGINT or SIGTERM (instead of dying at once). */
  onStopSignal(fn: (signal: "SIGINT" | "SIGTERM") => void): void;
  /**
   * Start a module worker whose file-system access is limited to `grant` (and nothing else: no net, env, run,
   * ffi, sys), or return null when this runtime cannot restrict a worker (Bun).
   */
  createRestrictedWorker(url: URL, grant: WorkerGrant): Worker | null;
  /** Why restricted workers are or are not available, for `info` and `doctor`. */
  readonly workerIsolation: { available: boolean; reason: string };
  /**
   * How to start the file server in a child process limited to `root` (Deno: `deno run` of the module `entry` with
   * read/write on `root` only, or the compiled binary itself), or null where this runtime does not use one (Bun pins
   * folders through /proc/self/fd in the host instead). The entry module is the caller's (`isolation/files/`): the
   * runtime seam knows how to start it, not where it is.
   */
  fileServerCommand(root: string, entry: URL): FileServerCommand | null;
}
