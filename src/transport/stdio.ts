/**
 * The stdio loop that `serve` and `mcp` share: stdin is read line by line and handed to a session, answers go to
 * stdout in order, and the loop ends in one of three ways.
 *
 * - **EOF on stdin**: every queued call still runs, then the session closes (exit 0).
 * - **stdout closed** (the client went away, EPIPE): nobody can read the answers, so it stops like after a signal:
 *   queued calls are not started (they are cancelled), the running one finishes, exit 0.
 * - **SIGINT / SIGTERM**: the same stop; a second signal aborts the running call (its process gets SIGTERM) and
 *   exits at once with 130.
 *
 * Backpressure: stdin is not read while more than {@linkcode INPUT_LIMITS}`.calls` requests or `.bytes` bytes of
 * requests are queued, or more than `.output` bytes of answers wait for a slow reader. So a client that pipelines
 * faster than the calls run is held back by the pipe, and the server's memory stays bounded. One exception keeps a
 * client from deadlocking on its own confirmation: while a call waits for the client's answer (a `confirm_request`,
 * an elicitation), stdin is read on, and a call that arrives while the queue is over the limit is answered at once
 * with an `overloaded` error instead of being queued.
 *
 * @module
 */
import { DEFAULT_MAX_LINE_BYTES, forEachLine } from "../_util/lines.ts";
import { knownJsonText } from "../_util/json_text.ts";
import type { Runtime } from "../runtime/types.ts";

/** When stdin stops being read. */
export interface InputLimits {
  /** Requests read whose answers are not produced yet. */
  calls: number;
  /** Bytes of those requests. */
  bytes: number;
  /** Bytes (UTF-16 code units) of answers not yet taken by stdout. */
  output: number;
}

/**
 * The default limits: 1,000 requests, 64 MiB of requests, 64 MiB of unread answers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { INPUT_LIMITS } from "./stdio.ts";
 * assert.equal(INPUT_LIMITS.calls, 1000);
 * ```
 */
export const INPUT_LIMITS: Readonly<InputLimits> = Object.freeze({
  calls: 1000,
  bytes: 64 * 1024 * 1024,
  output: 64 * 1024 * 1024,
});

/** What the loop drives: the JSON-lines protocol or the MCP session. */
export interface StdioSession {
  /** Answer one line. With `admitCalls` false, tool calls are refused at once (`overloaded`). */
  handleLine(line: string, options: { admitCalls: boolean }): Promise<unknown[]>;
  /** The answer to a line over the size cap (it was dropped). */
  tooLong(bytes: number, maxBytes: number): unknown;
  /** The answer to a line that is not UTF-8 (it was dropped). */
  invalidUtf8(): unknown;
  /** The answer when handling a line threw (a bug). */
  internalError(error: unknown): unknown;
  /** Whether a call waits for the client's answer (a confirmation), which can only come on stdin. */
  awaitingClient(): boolean;
  /** EOF: run what is queued, then resolve. */
  close(): Promise<void>;
  /** Stop: queued calls are cancelled with `reason`, the running one finishes; resolves when it did. */
  stop(reason: string): Promise<void>;
  /** Abort the running call too (its process gets SIGTERM). */
  abortRunning(reason: string): void;
}

/**
 * Writes JSON lines to stdout in order, batching what piles up while a write is in progress. After a failed write
 * (the reader is gone) it drops everything and reports the failure once.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LineWriter } from "./stdio.ts";
 * import type { Runtime } from "../runtime/types.ts";
 * const chunks: string[] = [];
 * const runtime = { writeStdout: async (b: Uint8Array) => void chunks.push(new TextDecoder().decode(b)) } as Runtime;
 * const out = new LineWriter(runtime);
 * out.send({ id: 1 });
 * out.send({ id: 2 });
 * await out.drain();
 * assert.equal(chunks.join(""), '{"id":1}\n{"id":2}\n');
 * assert.equal(out.pendingChars, 0);
 * ```
 */
export class LineWriter {
  #pending: string[] = [];
  #pendingChars = 0;
  #flushing: Promise<void> | null = null;
  #failed: Error | null = null;
  #runtime: Runtime;
  #onWritten: () => void;
  #onError: (error: Error) => void;

  /**
   * A writer over the runtime's stdout. `onWritten` runs after each batch reached stdout; `onError` once, when a
   * write failed.
   */
  constructor(runtime: Runtime, handlers: { onWritten?: () => void; onError?: (error: Error) => void } = {}) {
    this.#runtime = runtime;
    this.#onWritten = handlers.onWritten ?? (() => {});
    this.#onError = handlers.onError ??
      ((e) => runtime.writeStderr(`safe-exec: cannot write to stdout: ${e.message}`));
  }

  /** Characters queued or being written. */
  get pendingChars(): number {
    return this.#pendingChars;
  }

  /** The error of the write that failed, or null. */
  get failed(): Error | null {
    return this.#failed;
  }

  /** Queue one message (dropped once a write failed). */
  send(message: unknown): void {
    if (this.#failed) return;
    const text = (knownJsonText(message) ?? JSON.stringify(message)) + "\n";
    this.#pending.push(text);
    this.#pendingChars += text.length;
    if (!this.#flushing) this.#flushing = this.#flush();
  }

  async #flush(): Promise<void> {
    const encoder = new TextEncoder();
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending.join("");
        this.#pending = [];
        await this.#runtime.writeStdout(encoder.encode(batch));
        this.#pendingChars -= batch.length;
        this.#onWritten();
      }
    } catch (e) {
      this.#failed = e instanceof Error ? e : new Error(String(e));
      this.#pending = [];
      this.#pendingChars = 0;
      this.#onError(this.#failed);
    } finally {
      this.#flushing = null;
    }
  }

  /** Resolves when everything queued was written (or dropped after a failure). */
  async drain(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }
}

/**
 * Counts what was read and not yet answered, and tells the reader when to hold back.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { InputBudget } from "./stdio.ts";
 * const budget = new InputBudget({ calls: 1, bytes: 100, output: 100 }, () => 0);
 * const a = budget.take(10);
 * const b = budget.take(10);
 * assert.equal(budget.over, true);
 * const resumed = budget.wait();
 * b();
 * await resumed;
 * assert.equal(budget.over, false);
 * a();
 * assert.equal(budget.queued, 0);
 * ```
 */
export class InputBudget {
  #limits: InputLimits;
  #output: () => number;
  #calls = 0;
  #bytes = 0;
  #wake: (() => void) | null = null;

  /** A budget with `limits`; `output` tells how much output waits. */
  constructor(limits: InputLimits, output: () => number) {
    this.#limits = limits;
    this.#output = output;
  }

  /** Requests taken and not released. */
  get queued(): number {
    return this.#calls;
  }

  /** Whether the reader must hold back. */
  get over(): boolean {
    return this.#calls > this.#limits.calls || this.#bytes > this.#limits.bytes ||
      this.#output() > this.#limits.output;
  }

  /** Count one request of `bytes`; call the result (once) when it was answered. */
  take(bytes: number): () => void {
    this.#calls++;
    this.#bytes += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#calls--;
      this.#bytes -= bytes;
      this.changed();
    };
  }

  /** Something was released or written: wake the reader if the budget is under its limits now. */
  changed(): void {
    if (this.#wake !== null && !this.over) this.wakeReader();
  }

  /** Wake the reader whatever the limits (so that it looks again: the loop stops, or the client must be heard). */
  wakeReader(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  /** Resolves at the next {@linkcode InputBudget.changed} that finds the budget under its limits, or wake-up. */
  wait(): Promise<void> {
    return new Promise<void>((resolve) => this.#wake = resolve);
  }
}

/**
 * SIGINT / SIGTERM: the first calls `stop(signal)`, and says so on stderr; a second calls `now()` and exits at once
 * with 130.
 */
export function onStopSignals(
  runtime: Runtime,
  handlers: { stop: (signal: "SIGINT" | "SIGTERM") => void; now: (signal: "SIGINT" | "SIGTERM") => void },
): void {
  let stopping = false;
  runtime.onStopSignal((signal) => {
    if (stopping) {
      runtime.writeStderr(`safe-exec: ${signal} again: stopping the running call and exiting now`);
      try {
        handlers.now(signal);
      } finally {
        runtime.exit(130);
      }
    }
    stopping = true;
    runtime.writeStderr(
      `safe-exec: ${signal}: no queued call will start; finishing the running one, then exiting (${signal} again to exit now)`,
    );
    handlers.stop(signal);
  });
}

/** Options of {@linkcode runStdioLoop}. */
export interface StdioLoopOptions {
  /** Backpressure limits (default {@linkcode INPUT_LIMITS}). */
  limits?: InputLimits;
  /** The longest line (default 16 MiB). */
  maxLineBytes?: number;
}

/**
 * Run a session over the runtime's stdin and stdout until EOF, a closed stdout or a signal; resolves to the exit
 * code (0, or 1 when stdin failed). `makeSession` gets the function that writes the messages the session starts
 * itself (confirmation requests).
 *
 * @example
 * ```ts ignore
 * import { runStdioLoop } from "./stdio.ts";
 * const code = await runStdioLoop(runtime, (send) => mySession(send));
 * ```
 */
export async function runStdioLoop(
  runtime: Runtime,
  makeSession: (send: (message: unknown) => void) => StdioSession,
  options: StdioLoopOptions = {},
): Promise<number> {
  const maxLine = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  let stopReason: string | null = null;
  let stopped: () => void = () => {};
  const stopping = new Promise<void>((resolve) => stopped = resolve);
  let budget: InputBudget | null = null;
  const stop = (reason: string) => {
    if (stopReason !== null) return;
    stopReason = reason;
    budget?.wakeReader();
    stopped();
  };
  const writer = new LineWriter(runtime, {
    onWritten: () => budget?.changed(),
    onError: (e) => stop(`stdout is closed (${e.message}): nobody reads the answers`),
  });
  budget = new InputBudget(options.limits ?? INPUT_LIMITS, () => writer.pendingChars);
  const session = makeSession((message) => {
    writer.send(message);
    // A confirmation request: the answer comes on stdin, so a reader held back must look again.
    budget.wakeReader();
  });
  onStopSignals(runtime, {
    stop: (signal) => stop(`the server is stopping (${signal})`),
    now: (signal) => session.abortRunning(`the server was stopped (${signal} twice)`),
  });
  const send = (messages: unknown[]) => {
    for (const m of messages) writer.send(m);
  };
  const source = async (): Promise<Uint8Array | null> => {
    while (stopReason === null && budget.over && !session.awaitingClient()) await budget.wait();
    if (stopReason !== null) return null;
    return await runtime.readStdin();
  };
  // Lines that come after the stop (the rest of a chunk read before it) are not requests anyone waits on any more.
  const reading = forEachLine(source, maxLine, {
    line(line) {
      if (stopReason !== null) return;
      // Over the limits, the reader goes on only while the client must answer a confirmation: calls are refused
      // then, or the queue would grow without bound (a chunk read under the limits may overshoot them: fine).
      const admitCalls = !(budget.over && session.awaitingClient());
      const release = budget.take(line.length);
      let answered: Promise<unknown[]>;
      try {
        answered = session.handleLine(line, { admitCalls });
      } catch (e) {
        answered = Promise.reject(e);
      }
      answered.then(send, (e) => writer.send(session.internalError(e))).finally(release);
    },
    tooLong: (n) => {
      if (stopReason === null) writer.send(session.tooLong(n, maxLine));
    },
    invalidUtf8: () => {
      if (stopReason === null) writer.send(session.invalidUtf8());
    },
  });
  let code = 0;
  const ended = await Promise.race([
    reading.then(() => "eof" as const, (e: unknown) => ({ failed: e })),
    stopping.then(() => "stop" as const),
  ]);
  if (typeof ended === "object") {
    runtime.writeStderr(`safe-exec: cannot read stdin: ${(ended.failed as Error)?.message ?? String(ended.failed)}`);
    code = 1;
  }
  if (ended === "eof") {
    // Every queued call runs, unless stdout fails meanwhile (the client is gone) or a signal comes.
    const closed = session.close();
    if (await Promise.race([closed.then(() => false), stopping.then(() => true)])) {
      await session.stop(stopReason ?? "the server is stopping");
    }
    await closed;
  } else {
    await session.stop(stopReason ?? "stdin failed");
  }
  if (writer.failed) runtime.writeStderr(`safe-exec: ${stopReason}; stopped without running the queued calls`);
  await writer.drain();
  return code;
}
