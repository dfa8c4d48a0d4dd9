/**
 * The stdio side of an upstream MCP server: an SDK `Transport` over a child process that an
 * {@linkcode UpstreamSpawner} (spawner.ts) starts.
 *
 * The transport trusts nothing the server writes:
 * - a message (one line of stdout) longer than `maxMessageBytes` closes the connection, naming the cap, instead of
 *   buffering without bound;
 * - a line that is not UTF-8, not JSON or not a JSON-RPC message is ignored with a warning (a server that logs to
 *   stdout by mistake keeps working), but `maxInvalidLines` of them in a row close the connection;
 * - stderr is never buffered whole: lines (cut at 4 KiB) go to `onStderr`, and the last `stderrTailBytes` are kept
 *   for error messages;
 * - when the server exits, its process group is killed too (no orphans), and `closeReason` says how it ended
 *   (`exited with code 1 (stderr: …)`), so the calls in flight can fail with that reason;
 * - a sandboxed server's folders are walked for repositories between its calls too (`_idle_sweep.ts`), since its
 *   background jobs write whenever they like (red team 8, G3); the notes go to `onWarning`. When a walk says the
 *   server must be stopped (a repository made again where one was disabled, a walk past its bounds: red team 10,
 *   J5), it is closed as on a protocol violation (its whole sandbox killed, SIGTERM then SIGKILL; its exit walk runs
 *   once its processes are gone) and `closeReason` says why; the connection starts it again on the next call.
 *
 * @module
 */
import type { ExitStatus } from "../runtime/types.ts";
import { IdleSweep } from "./_idle_sweep.ts";
import { readMessageLine } from "./_jsonrpc_line.ts";
import { LineFramer } from "./_line_framer.ts";
import { readStderr } from "./_stderr.ts";
import { stderrNote } from "./_text.ts";
import { within } from "./_time.ts";
import type { UpstreamProcess, UpstreamSpawner } from "./spawner.ts";
import type { JSONRPCMessage, Transport } from "./types.ts";

/** Limits and callbacks of a {@linkcode ProcessTransport}. */
export interface ProcessTransportOptions {
  /** The server's name, for messages. */
  server: string;
  /** Longest message (stdout line) accepted, in bytes. */
  maxMessageBytes: number;
  /** Lines in a row that are not JSON-RPC messages after which the connection is closed. */
  maxInvalidLines: number;
  /** How much of the end of stderr is kept for error messages, in bytes. */
  stderrTailBytes: number;
  /** How long a server gets between SIGTERM and SIGKILL, in milliseconds. */
  killGraceMs: number;
  /** Something the operator should know (an ignored line). */
  onWarning?: (message: string) => void;
  /** One line of the server's stderr (cut at 4 KiB). */
  onStderr?: (line: string) => void;
}

const WARN_FIRST = 5;
const WARN_EVERY = 1000;
const encoder = new TextEncoder();

/**
 * An MCP client transport over an upstream server's stdin and stdout (one JSON-RPC message a line).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { currentRuntime } from "../runtime/mod.ts";
 * import { runtimeSpawner } from "./spawner.ts";
 * import { ProcessTransport } from "./stdio_transport.ts";
 * const spawn = runtimeSpawner(await currentRuntime());
 * // A "server" that writes one garbage line and one valid JSON-RPC notification, then exits.
 * const script = `printf 'hello\\n{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":1}}\\n'`;
 * const warnings: string[] = [];
 * const transport = new ProcessTransport(
 *   () => spawn({ server: "demo", argv: ["sh", "-c", script], cwd: "/", env: {}, sandbox: false, network: false }),
 *   { server: "demo", maxMessageBytes: 1024, maxInvalidLines: 10, stderrTailBytes: 256, killGraceMs: 500,
 *     onWarning: (m) => warnings.push(m) },
 * );
 * const messages: unknown[] = [];
 * const closed = new Promise<void>((resolve) => (transport.onclose = resolve));
 * transport.onmessage = (m) => messages.push(m);
 * await transport.start();
 * await closed;
 * assert.equal(messages.length, 1);
 * assert.match(warnings[0]!, /is not JSON/);
 * assert.match(transport.closeReason!, /exited with code 0/);
 * ```
 */
export class ProcessTransport implements Transport {
  /** Called when the connection is closed, for any reason. */
  onclose?: () => void;
  /** Called on a transport error. */
  onerror?: (error: Error) => void;
  /** Called for each message from the server. */
  onmessage?: <T extends JSONRPCMessage>(message: T) => void;

  readonly #spawn: () => ReturnType<UpstreamSpawner>;
  readonly #options: ProcessTransportOptions;
  readonly #framer: LineFramer;
  #process: UpstreamProcess | null = null;
  #writer: WritableStreamDefaultWriter<Uint8Array> | null = null;
  /** The runtime's write without a stream, when it has one (writes go there; the writer only closes). */
  #write: ((chunk: Uint8Array) => void | Promise<void>) | null = null;
  #closing: Promise<void> | null = null;
  #closeReason: string | null = null;
  #exited = false;
  #failure: string | null = null;
  #exitStatus: ExitStatus | null = null;
  #signalled = false;
  #invalidInARow = 0;
  #invalidTotal = 0;
  #stderrTail = "";
  #stdoutReader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  #stderrReader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  #stdoutDone: Promise<void> = Promise.resolve();
  #stderrDone: Promise<void> = Promise.resolve();
  #sweep: IdleSweep | null = null;
  #stoppedByWalk = false;

  /** Make a transport that starts its process with `spawn` (on {@linkcode start}). */
  constructor(spawn: () => UpstreamProcess | Promise<UpstreamProcess>, options: ProcessTransportOptions) {
    this.#spawn = spawn;
    this.#options = options;
    this.#framer = new LineFramer(options.maxMessageBytes, {
      open: () => this.#closing === null,
      line: (line) => this.#onLine(line),
      tooLong: () => this.#tooLong(),
    });
  }

  /**
   * Why the connection closed by itself (the server exited, broke the protocol or closed its stdout), or null: open,
   * or closed by {@linkcode close}.
   */
  get failure(): string | null {
    return this.#failure;
  }

  /** Why the connection closed (e.g. `exited with code 1 (stderr: …)`), or null while it is open. */
  get closeReason(): string | null {
    return this.#closeReason;
  }

  /**
   * After one of its calls: a sandboxed server's git repositories made since `since` (epoch ms) are disabled (see
   * {@linkcode UpstreamProcess.afterCall}); notes for the operator, none for a server that is not sandboxed. When the
   * walks say it must stop ({@linkcode UpstreamProcess.stopReason}), the connection is closed with that reason.
   */
  afterCall(since: number): string[] {
    if (this.#closing !== null) return [];
    const child = this.#process;
    const notes = child?.afterCall?.(since) ?? [];
    const why = child?.stopReason?.() ?? null;
    if (why !== null) {
      this.#stoppedByWalk = true;
      this.#fail(`was stopped by safe-exec: ${why}`);
    }
    return notes;
  }

  /**
   * Whether the server's calls are followed by a repository walk (a sandboxed server): its answers must wait for it.
   * True before start too (nothing is known yet).
   */
  get walksAfterCalls(): boolean {
    return this.#process === null || typeof this.#process.afterCall === "function";
  }

  /** Whether it was closed because a repository walk said the server must stop ({@linkcode afterCall}). */
  get stoppedByWalk(): boolean {
    return this.#stoppedByWalk;
  }

  /** Whether the connection is closing or closed (by itself or by {@linkcode close}): no call must be sent. */
  get ending(): boolean {
    return this.#closing !== null;
  }

  /**
   * Whether the server's process has exited (seen at once; the connection closes a little later, once its last
   * output is read): a call must not be sent to it.
   */
  get exited(): boolean {
    return this.#exited;
  }

  /** The server's pid, or null before start and after close. */
  get pid(): number | null {
    return this.#closing === null ? this.#process?.pid ?? null : null;
  }

  /** The last bytes of the server's stderr (at most `stderrTailBytes`), for error messages. */
  get stderrTail(): string {
    return this.#stderrTail;
  }

  /** Start the server process and read its output. */
  async start(): Promise<void> {
    if (this.#process !== null || this.#closing !== null) throw new Error("ProcessTransport already started");
    let child: UpstreamProcess;
    try {
      child = await this.#spawn();
    } catch (err) {
      this.#closeReason = `could not be started: ${err instanceof Error ? err.message : String(err)}`;
      this.#closing = Promise.resolve();
      throw new Error(`server "${this.#options.server}" ${this.#closeReason}`, { cause: err });
    }
    this.#process = child;
    this.#writer = child.stdin.getWriter();
    this.#write = child.write ?? null;
    this.#writer.closed.catch(() => {/* the server closed its stdin: seen on the next send */});
    this.#stdoutReader = child.stdout.getReader();
    this.#stderrReader = child.stderr.getReader();
    this.#stdoutDone = this.#readStdout(this.#stdoutReader);
    this.#stderrDone = readStderr(this.#stderrReader, {
      tailBytes: this.#options.stderrTailBytes,
      onTail: (tail) => (this.#stderrTail = tail),
      onLine: this.#options.onStderr,
    });
    if (typeof child.afterCall === "function") {
      this.#sweep = new IdleSweep(() => this.afterCall(Date.now()), (n) => this.#options.onWarning?.(n));
      this.#sweep.start();
    }
    child.exited.then((status) => {
      this.#sweep?.stop();
      this.#exited = true;
      this.#exitStatus = status;
      void this.#onExit(status);
    }, (err) => this.#fail(`could not be awaited: ${err}`));
  }

  /** Send one message (a line of JSON). */
  async send(message: JSONRPCMessage): Promise<void> {
    const writer = this.#writer;
    if (writer === null || this.#closing !== null) {
      throw new Error(`Not connected: server "${this.#options.server}" ${this.#closeReason ?? "is not started"}`);
    }
    const bytes = encoder.encode(JSON.stringify(message) + "\n");
    if (this.#write !== null) await this.#write(bytes);
    else await writer.write(bytes);
  }

  /** Stop the server (stdin closed, then SIGTERM, then SIGKILL after the grace period) and close. */
  close(): Promise<void> {
    return this.#shutdown("was stopped by safe-exec");
  }

  /**
   * How the server exited on its own (`exited with code 3 (stderr: …)`), waiting up to `waitMs` for it; null when
   * it still runs or was ended by this transport's own signals. For a clearer error when a send fails.
   */
  async exitReason(waitMs: number): Promise<string | null> {
    const child = this.#process;
    if (child === null) return this.#closeReason;
    await within(child.exited, waitMs);
    const status = this.#exitStatus;
    if (status === null || (status.signal !== null && this.#signalled)) return null;
    await within(this.#stderrDone, 50);
    return this.#describeExit(status);
  }

  #fail(reason: string): void {
    if (this.#closing === null) this.#failure = reason;
    void this.#shutdown(reason);
  }

  #shutdown(reason: string): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    this.#sweep?.stop();
    this.#closeReason = reason;
    this.#closing = (async () => {
      const child = this.#process;
      if (child !== null) {
        this.#writer?.close().catch(() => {/* already closed or broken */});
        const exit = child.exited.then(() => {}, () => {});
        this.#signalled = true;
        child.kill("SIGTERM");
        await within(exit, this.#options.killGraceMs);
        // Also when the leader is gone: whatever it started is still in its group.
        child.kill("SIGKILL");
        await exit;
        await Promise.all([
          this.#stdoutReader?.cancel().catch(() => {}),
          this.#stderrReader?.cancel().catch(() => {}),
        ]);
        await Promise.all([this.#stdoutDone, this.#stderrDone]);
      }
      this.#framer.clear();
      this.onclose?.();
    })();
    return this.#closing;
  }

  #describeExit(status: ExitStatus): string {
    const how = status.signal !== null ? `was killed by ${status.signal}` : `exited with code ${status.exitCode}`;
    return `${how}${stderrNote(this.#stderrTail)}`;
  }

  async #onExit(status: ExitStatus): Promise<void> {
    // Read what it wrote before it exited (its last answers), but do not wait on a child that keeps stdout open.
    await within(this.#stdoutDone, 200);
    await within(this.#stderrDone, 50);
    this.#fail(this.#describeExit(status));
  }

  async #readStdout(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    try {
      while (true) {
        const { done, value } = await reader.read();
        if (done) break;
        if (this.#closing !== null) continue;
        await this.#framer.push(value);
      }
    } catch {
      // cancelled on close, or the pipe broke: the exit handler says why
    } finally {
      reader.releaseLock();
    }
    if (this.#closing === null) {
      // stdout closed while the process lives on: it can no longer answer.
      await within(this.#process!.exited, 200);
      // When it exited, the exit handler closes with the exit status.
      if (!this.#exited) this.#fail(`closed its stdout${stderrNote(this.#stderrTail)}`);
    }
  }

  #tooLong(): void {
    this.#fail(
      `sent a message longer than ${this.#options.maxMessageBytes} bytes (the cap of one upstream message); ` +
        `the connection was closed`,
    );
  }

  /** Handle one line; true when it was a message. */
  #onLine(bytes: Uint8Array): boolean {
    const read = readMessageLine(bytes);
    if (read === null) return false;
    if ("invalid" in read) return this.#invalid(read.invalid, read.text);
    this.#invalidInARow = 0;
    try {
      this.onmessage?.(read.message);
    } catch (err) {
      this.onerror?.(err instanceof Error ? err : new Error(String(err)));
    }
    return true;
  }

  #invalid(what: string, text: string): false {
    this.#invalidInARow++;
    this.#invalidTotal++;
    const n = this.#invalidTotal;
    if (n <= WARN_FIRST || n % WARN_EVERY === 0) {
      const preview = text.length > 120 ? `${text.slice(0, 117)}...` : text;
      this.#options.onWarning?.(
        `server "${this.#options.server}" wrote a line to stdout that ${what}, ignored` +
          (preview === "" ? "" : `: ${JSON.stringify(preview)}`) + (n > WARN_FIRST ? ` (${n} such lines so far)` : ""),
      );
    }
    if (this.#invalidInARow >= this.#options.maxInvalidLines) {
      this.#fail(
        `wrote ${this.#invalidInARow} lines in a row to stdout that are not JSON-RPC messages; the connection was closed`,
      );
    }
    return false;
  }
}
