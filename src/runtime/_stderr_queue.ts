/**
 * Private helper of the runtimes: stderr for a long-running server, whose client may never read it. A synchronous
 * write blocks the whole process once the pipe is full (64 KiB on Linux): an upstream MCP server that floods its
 * stderr, which the gateway passes on line by line, would stop safe-exec. Here lines are written asynchronously,
 * in order, with at most `limit` characters waiting; lines beyond that are dropped and counted, and once the
 * backlog is written a line says how many were lost.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { StderrQueue } from "./_stderr_queue.ts";
 * const written: string[] = [];
 * let release = () => {};
 * const blocked = new Promise<void>((r) => (release = r));
 * const q = new StderrQueue(async (bytes) => {
 *   written.push(new TextDecoder().decode(bytes));
 *   await blocked; // nobody reads stderr yet
 * }, 20);
 * q.push("first"); // being written
 * q.push("second"); // waits
 * q.push("third line is dropped"); // over the limit
 * assert.equal(q.dropped, 1);
 * release();
 * await q.drain(1000);
 * assert.deepEqual(written, [
 *   "first\n",
 *   "second\n",
 *   "safe-exec: 1 line of diagnostics was dropped: stderr was not being read fast enough\n",
 * ]);
 * ```
 *
 * @module
 */

const encoder = new TextEncoder();

/** A bounded, ordered, asynchronous line writer. */
export class StderrQueue {
  readonly #write: (bytes: Uint8Array) => Promise<void>;
  readonly #limit: number;
  #pending: string[] = [];
  #pendingChars = 0;
  #writing: Promise<void> | null = null;
  #dropped = 0;
  #unreported = 0;
  #failed = false;

  /** Lines go to `write` (which resolves when the OS took them), at most `limit` characters waiting. */
  constructor(write: (bytes: Uint8Array) => Promise<void>, limit = 1024 * 1024) {
    this.#write = write;
    this.#limit = limit;
  }

  /** Lines dropped so far (the backlog was over the limit). */
  get dropped(): number {
    return this.#dropped;
  }

  /** Queue one line (a newline is added when missing). Never blocks, never throws. */
  push(text: string): void {
    if (this.#failed) return;
    const line = text.endsWith("\n") ? text : text + "\n";
    if (this.#pendingChars + line.length > this.#limit && this.#writing !== null) {
      this.#dropped++;
      this.#unreported++;
      return;
    }
    this.#pending.push(line);
    this.#pendingChars += line.length;
    this.#writing ??= this.#flush();
  }

  /** Resolves when everything queued was written, or after `timeoutMs` (a stderr nobody reads never drains). */
  async drain(timeoutMs: number): Promise<void> {
    if (this.#writing === null) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      (async () => {
        while (this.#writing !== null) await this.#writing;
      })(),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
  }

  async #flush(): Promise<void> {
    try {
      for (;;) {
        if (this.#pending.length === 0) {
          if (this.#unreported === 0) break;
          const n = this.#unreported;
          this.#unreported = 0;
          const report = `safe-exec: ${n} ${n === 1 ? "line" : "lines"} of diagnostics ${
            n === 1 ? "was" : "were"
          } dropped: stderr was not being read fast enough\n`;
          this.#pending.push(report);
          this.#pendingChars += report.length;
        }
        const batch = this.#pending.join("");
        this.#pending = [];
        await this.#write(encoder.encode(batch));
        this.#pendingChars -= batch.length;
      }
    } catch {
      this.#failed = true; // stderr is closed: nothing more can be said there
      this.#pending = [];
      this.#pendingChars = 0;
    } finally {
      this.#writing = null;
    }
  }
}
