/**
 * Private helper of the stdio transport: split a server's stdout into lines as the bytes arrive, holding at most
 * one line (up to the cap) between chunks. A line over the cap is never delivered: `onTooLong` is called instead,
 * as soon as the held bytes pass the cap.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LineFramer } from "./_line_framer.ts";
 * const lines: string[] = [];
 * let tooLong = 0;
 * const framer = new LineFramer(8, {
 *   open: () => tooLong === 0,
 *   line: (l) => (lines.push(new TextDecoder().decode(l)), false),
 *   tooLong: () => tooLong++,
 * });
 * const bytes = (s: string) => new TextEncoder().encode(s);
 * await framer.push(bytes("ab\ncd"));
 * await framer.push(bytes("e\n"));
 * assert.deepEqual(lines, ["ab", "cde"]);
 * await framer.push(bytes("123456789"));
 * assert.equal(tooLong, 1);
 * ```
 *
 * @module
 */

/** What a {@linkcode LineFramer} calls. */
export interface FramerHandlers {
  /** Whether lines are still wanted (false once the connection is closing). */
  open(): boolean;
  /** One complete line, without its `\n`; return true when it was a message (the framer then yields once). */
  line(line: Uint8Array): boolean;
  /** The current line passed the cap. */
  tooLong(): void;
}

/** Splits chunks of bytes into lines of at most `maxBytes` bytes. */
export class LineFramer {
  readonly #maxBytes: number;
  readonly #handlers: FramerHandlers;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;

  /** A framer with a cap of `maxBytes` a line. */
  constructor(maxBytes: number, handlers: FramerHandlers) {
    this.#maxBytes = maxBytes;
    this.#handlers = handlers;
  }

  /** Take the next chunk. */
  async push(chunk: Uint8Array): Promise<void> {
    let start = 0;
    while (this.#handlers.open()) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) {
        if (start < chunk.length) {
          // Copied: a runtime may reuse the chunk's buffer for the next read.
          this.#pending.push(chunk.slice(start));
          this.#pendingBytes += chunk.length - start;
          if (this.#pendingBytes > this.#maxBytes) this.#handlers.tooLong();
        }
        return;
      }
      let line = chunk.subarray(start, nl);
      if (this.#pending.length > 0) {
        line = _concat([...this.#pending, line], this.#pendingBytes + line.length);
        this.#clear();
      }
      if (line.length > this.#maxBytes) return this.#handlers.tooLong();
      if (this.#handlers.line(line)) {
        // The SDK runs notification handlers (progress) in a microtask but answers responses at once: yield, so a
        // progress update sent just before its call's answer is not dropped as late.
        await Promise.resolve();
      }
      start = nl + 1;
    }
  }

  /** Drop the bytes held of an unfinished line. */
  clear(): void {
    this.#clear();
  }

  #clear(): void {
    this.#pending = [];
    this.#pendingBytes = 0;
  }
}

function _concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
