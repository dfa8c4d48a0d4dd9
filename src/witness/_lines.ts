/**
 * Reading a witness log line by line, forwards or backwards from its end, in chunks: the shared reader of
 * `verify`, `stats`, `tail` and the writer that continues a chain. Lines are bytes without their `\n`.
 *
 * @module
 */
import { Buffer } from "node:buffer";

/** Positioned read: fill `buf` from file offset `position`; returns the bytes read (0 at the end). */
export type ReadAt = (buf: Uint8Array, position: number) => number;

const NEWLINE = 0x0a;

/**
 * Calls `onLine(bytes, terminated, offset)` for every line from file offset `start` on, in order. `bytes` is a
 * view valid only during the call; `terminated` is false for a last line without `\n`; `offset` is where the
 * line begins. Reads `chunk` bytes at a time (a longer line grows the buffer). Returns the offset after the last
 * byte read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { forEachLine } from "./_lines.ts";
 * const data = new TextEncoder().encode("a\nbc\nd");
 * const seen: string[] = [];
 * forEachLine((buf, pos) => {
 *   const part = data.subarray(pos, pos + buf.length);
 *   buf.set(part);
 *   return part.length;
 * }, (line, terminated) => seen.push(new TextDecoder().decode(line) + (terminated ? "" : "!")));
 * assert.deepEqual(seen, ["a", "bc", "d!"]);
 * ```
 */
export function forEachLine(
  read: ReadAt,
  onLine: (bytes: Uint8Array, terminated: boolean, offset: number) => void,
  options: { start?: number; chunk?: number } = {},
): number {
  // Search with Buffer's indexOf (memchr), hand out views of a plain Uint8Array (a Buffer view costs a
  // microsecond or more under Deno).
  let buf = Buffer.allocUnsafe(options.chunk ?? 1024 * 1024);
  let u8 = new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
  let position = options.start ?? 0; // file offset of buf[carry]
  let carry = 0; // bytes of an unfinished line at the start of buf
  let base = position; // file offset of buf[0]
  for (;;) {
    if (carry === buf.length) {
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, carry);
      buf = bigger;
      u8 = new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
    }
    const n = read(u8.subarray(carry), position);
    if (n === 0) break;
    position += n;
    const end = carry + n;
    let start = 0;
    let nl = buf.indexOf(NEWLINE, carry);
    while (nl !== -1 && nl < end) {
      onLine(u8.subarray(start, nl), true, base + start);
      start = nl + 1;
      nl = buf.indexOf(NEWLINE, start);
    }
    carry = end - start;
    if (start > 0 && carry > 0) u8.copyWithin(0, start, end);
    base += start;
  }
  if (carry > 0) onLine(u8.subarray(0, carry), false, base);
  return position;
}

/**
 * Reads lines backwards from the end of a file of `size` bytes, calling `onLine(bytes, terminated)` from the
 * last line towards the first until it returns false. Reads in growing chunks, never the whole file unless every
 * line is visited.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { forEachLineBackwards } from "./_lines.ts";
 * const data = new TextEncoder().encode("a\nbc\nd");
 * const seen: string[] = [];
 * forEachLineBackwards((buf, pos) => {
 *   const part = data.subarray(pos, pos + buf.length);
 *   buf.set(part);
 *   return part.length;
 * }, data.length, (line) => seen.push(new TextDecoder().decode(line)) < 2);
 * assert.deepEqual(seen, ["d", "bc"]);
 * ```
 */
export function forEachLineBackwards(
  read: ReadAt,
  size: number,
  onLine: (bytes: Uint8Array, terminated: boolean) => boolean,
): void {
  if (size === 0) return;
  let chunk = 8 * 1024;
  const last = new Uint8Array(1);
  read(last, size - 1);
  let terminated = last[0] === NEWLINE;
  let start = terminated ? size - 1 : size; // file offset where `data` begins
  let data = Buffer.alloc(0); // the bytes from `start` to the end of the line not yet emitted
  for (;;) {
    const nl = data.lastIndexOf(NEWLINE);
    if (nl !== -1) {
      if (!onLine(data.subarray(nl + 1), terminated)) return;
      terminated = true;
      data = data.subarray(0, nl);
      continue;
    }
    if (start === 0) {
      onLine(data, terminated);
      return;
    }
    const readFrom = Math.max(0, start - chunk);
    const piece = Buffer.allocUnsafe(start - readFrom);
    let got = 0;
    while (got < piece.length) {
      const n = read(piece.subarray(got), readFrom + got);
      if (n === 0) break;
      got += n;
    }
    data = Buffer.concat([piece.subarray(0, got), data]);
    start = readFrom;
    if (chunk < 1024 * 1024) chunk *= 2;
  }
}

/**
 * The `seq` at the start of a line as safe-exec writes it (`{"seq":N,…`), or null. Works on a cut line too.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seqPrefix } from "./_lines.ts";
 * assert.equal(seqPrefix(new TextEncoder().encode('{"seq":42,"ts":"20')), 42);
 * assert.equal(seqPrefix(new TextEncoder().encode('{"se')), null);
 * ```
 */
export function seqPrefix(bytes: Uint8Array): number | null {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 32)).toString("latin1");
  const m = /^\{"seq":(\d{1,15})[,}]/.exec(head);
  return m ? Number(m[1]) : null;
}
