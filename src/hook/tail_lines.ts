/**
 * Read a JSONL file's lines from the end, a chunk at a time, so a hook finds the last usage record of a 100 MB
 * transcript by reading its tail, not the whole file. Lines are split on the newline byte (safe in UTF-8) and
 * handed over as bytes, newest first; the visitor decides which ones to decode. A line longer than `maxLineBytes`
 * is skipped without being kept in memory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { readLinesFromEnd } from "./tail_lines.ts";
 * const dir = mkdtempSync(join(tmpdir(), "tail-"));
 * const file = join(dir, "t.jsonl");
 * writeFileSync(file, '{"n":1}\n{"n":2}\n{"n":3}\n');
 * const seen: string[] = [];
 * readLinesFromEnd(file, (line) => {
 *   seen.push(new TextDecoder().decode(line));
 *   return seen.length === 2; // stop after two
 * }, { chunkBytes: 4 });
 * assert.deepEqual(seen, ['{"n":3}', '{"n":2}']);
 * rmSync(dir, { recursive: true });
 * ```
 *
 * @module
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/** Options of {@linkcode readLinesFromEnd}. */
export interface TailOptions {
  /** Bytes read per step (default 64 KiB). */
  chunkBytes?: number;
  /** Longer lines are skipped (default 32 MiB). */
  maxLineBytes?: number;
  /** Read only the first `limitBytes` bytes of the file (the file as it was when it had that size). */
  limitBytes?: number;
}

/** What a tail read did. */
export interface TailStats {
  /** Bytes read from the file. */
  bytesRead: number;
  /** Lines handed to the visitor. */
  lines: number;
  /** Lines skipped for being longer than `maxLineBytes`. */
  skipped: number;
}

function _concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Visit a file's non-empty lines from the last to the first; stop when `visit` returns true. Throws the file
 * system's error when the file cannot be opened.
 */
export function readLinesFromEnd(
  path: string,
  visit: (line: Uint8Array) => boolean | void,
  options: TailOptions = {},
): TailStats {
  const chunkBytes = Math.max(1, options.chunkBytes ?? 65536);
  const maxLine = options.maxLineBytes ?? 32 * 1024 * 1024;
  const stats: TailStats = { bytesRead: 0, lines: 0, skipped: 0 };
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    let pos = options.limitBytes !== undefined ? Math.min(size, Math.max(0, options.limitBytes)) : size;
    // The bytes after the last newline seen so far (the end of a line whose start is not read yet).
    let carry: Uint8Array = new Uint8Array(0);
    let carryTooLong = false;
    const emit = (line: Uint8Array, tooLong: boolean): boolean => {
      if (tooLong) {
        stats.skipped++;
        return false;
      }
      if (line.length === 0 || (line.length === 1 && line[0] === 13)) return false;
      stats.lines++;
      return visit(line) === true;
    };
    const buf = new Uint8Array(chunkBytes);
    while (pos > 0) {
      const n = Math.min(chunkBytes, pos);
      pos -= n;
      const got = readSync(fd, buf, 0, n, pos);
      stats.bytesRead += got;
      const chunk = buf.subarray(0, got);
      let end = chunk.length;
      for (let i = chunk.length - 1; i >= 0; i--) {
        if (chunk[i] !== 10) continue;
        const piece = chunk.subarray(i + 1, end);
        const tooLong = carryTooLong || piece.length + carry.length > maxLine;
        const line = tooLong ? carry : _concat(piece.slice(), carry);
        if (emit(line, tooLong)) return stats;
        carry = new Uint8Array(0);
        carryTooLong = false;
        end = i;
      }
      if (!carryTooLong) {
        if (end + carry.length > maxLine) {
          carryTooLong = true;
          carry = new Uint8Array(0);
        } else {
          carry = _concat(chunk.slice(0, end), carry);
        }
      }
    }
    emit(carry, carryTooLong);
    return stats;
  } finally {
    closeSync(fd);
  }
}
