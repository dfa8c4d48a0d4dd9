/**
 * Splitting a byte stream into lines without ever holding more than one line (up to a cap) in memory.
 *
 * @module
 */

/** One item from {@linkcode readLines}: a line's bytes (without `\n`), or a line that was too long. */
export type LineItem = { line: Uint8Array } | { tooLong: number };

/** Default cap on a protocol line: 16 MiB. */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Yield the lines of a stream. A line longer than `maxBytes` is read through and dropped, and reported as
 * `{ tooLong: bytes }`; the last line needs no newline.
 *
 * @example
 * ```ts
 * import { readLines } from "./lines.ts";
 * const stream = new Blob(["a\nbb\n", "c"]).stream();
 * const got: string[] = [];
 * for await (const item of readLines(stream, 10)) if ("line" in item) got.push(new TextDecoder().decode(item.line));
 * console.assert(got.join(",") === "a,bb,c");
 * ```
 */
export async function* readLines(
  stream: ReadableStream<Uint8Array>,
  maxBytes: number = DEFAULT_MAX_LINE_BYTES,
): AsyncGenerator<LineItem> {
  let parts: Uint8Array[] = [];
  let size = 0;
  let dropping = false;
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      let chunk = value;
      while (chunk.length > 0) {
        const nl = chunk.indexOf(10);
        const piece = nl === -1 ? chunk : chunk.subarray(0, nl);
        if (dropping || size + piece.length > maxBytes) {
          dropping = true;
          size += piece.length;
          parts = [];
        } else if (piece.length > 0) {
          // Copy: the runtime may reuse the chunk's buffer.
          parts.push(piece.slice());
          size += piece.length;
        }
        if (nl === -1) break;
        yield dropping ? { tooLong: size } : { line: concat(parts, size) };
        parts = [];
        size = 0;
        dropping = false;
        chunk = chunk.subarray(nl + 1);
      }
    }
    if (dropping) yield { tooLong: size };
    else if (size > 0) yield { line: concat(parts, size) };
  } finally {
    reader.releaseLock();
  }
}
