/**
 * Private helper of the stdio transport: read a server's stderr without ever buffering it whole. The last
 * `tailBytes` are kept for error messages; with `onLine`, each line (cut at 4 KiB) is passed on as it arrives.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readStderr } from "./_stderr.ts";
 * const stream = new Blob(["one\r\ntwo\nthree"]).stream();
 * const lines: string[] = [];
 * let tail = "";
 * await readStderr(stream.getReader(), { tailBytes: 8, onTail: (t) => (tail = t), onLine: (l) => lines.push(l) });
 * assert.deepEqual(lines, ["one", "two", "three"]);
 * assert.equal(tail, "wo\nthree");
 * ```
 *
 * @module
 */

/** Longest stderr line passed on; the rest of a longer one is dropped. */
export const MAX_STDERR_LINE = 4096;

/** Options of {@linkcode readStderr}. */
export interface StderrOptions {
  /** How much of the end is kept, in bytes (characters, for text that is ASCII). */
  tailBytes: number;
  /** The kept end, after each chunk. */
  onTail: (tail: string) => void;
  /** One line (cut at {@linkcode MAX_STDERR_LINE}); without it, lines are not split out. */
  onLine?: ((line: string) => void) | undefined;
}

/** Read `reader` to its end (or until it is cancelled), then release it. */
export async function readStderr(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  options: StderrOptions,
): Promise<void> {
  const decoder = new TextDecoder();
  const max = options.tailBytes;
  const onLine = options.onLine;
  let tail = "";
  let line = "";
  const emit = (text: string) => {
    if (text !== "") onLine?.(text.length > MAX_STDERR_LINE ? text.slice(0, MAX_STDERR_LINE) : text);
  };
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      const text = decoder.decode(value, { stream: true });
      tail = (tail + text).slice(-max);
      options.onTail(tail);
      if (onLine === undefined) continue;
      const parts = (line + text).split("\n");
      line = parts.pop()!;
      for (const p of parts) emit(p.replace(/\r$/, ""));
      if (line.length > MAX_STDERR_LINE) {
        emit(line);
        line = "";
      }
    }
  } catch {
    // cancelled on close
  } finally {
    reader.releaseLock();
  }
  emit(line);
}
