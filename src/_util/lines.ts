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
 * Splits bytes into lines as they arrive, holding at most one line (up to `maxBytes`) between chunks. A line longer
 * than `maxBytes` is read through and dropped, and reported as `{ tooLong: bytes }`. Synchronous, so that a
 * blocking read loop (the confined file server) and a stream reader share it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LineSplitter } from "./lines.ts";
 * const s = new LineSplitter(4);
 * const got = [...s.push(new TextEncoder().encode("ab\ncd")), ...s.push(new TextEncoder().encode("\nlong line\nx")), ...s.end()];
 * const show = (i: (typeof got)[number]) => "line" in i ? new TextDecoder().decode(i.line) : `tooLong ${i.tooLong}`;
 * assert.ok(got.map(show).join(",") === "ab,cd,tooLong 9,x");
 * ```
 */
export class LineSplitter {
  readonly #max: number;
  #parts: Uint8Array[] = [];
  #size = 0;
  #dropping = false;

  /** A splitter that drops lines over `maxBytes` (default 16 MiB). */
  constructor(maxBytes: number = DEFAULT_MAX_LINE_BYTES) {
    this.#max = maxBytes;
  }

  /** Feed one chunk; returns the lines it completed (the chunk may be reused by the caller afterwards). */
  push(chunk: Uint8Array): LineItem[] {
    const out: LineItem[] = [];
    while (chunk.length > 0) {
      const nl = chunk.indexOf(10);
      const piece = nl === -1 ? chunk : chunk.subarray(0, nl);
      if (this.#dropping || this.#size + piece.length > this.#max) {
        this.#dropping = true;
        this.#size += piece.length;
        this.#parts = [];
      } else if (piece.length > 0) {
        // Copy: the caller may reuse the chunk's buffer.
        this.#parts.push(piece.slice());
        this.#size += piece.length;
      }
      if (nl === -1) break;
      out.push(this.#take());
      chunk = chunk.subarray(nl + 1);
    }
    return out;
  }

  /** The end of the input: the last line, which needs no newline (or nothing). */
  end(): LineItem[] {
    return this.#dropping || this.#size > 0 ? [this.#take()] : [];
  }

  #take(): LineItem {
    const item: LineItem = this.#dropping ? { tooLong: this.#size } : { line: concat(this.#parts, this.#size) };
    this.#parts = [];
    this.#size = 0;
    this.#dropping = false;
    return item;
  }
}

/**
 * Yield the lines of a stream. A line longer than `maxBytes` is read through and dropped, and reported as
 * `{ tooLong: bytes }`; the last line needs no newline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readLines } from "./lines.ts";
 * const stream = new Blob(["a\nbb\n", "c"]).stream();
 * const got: string[] = [];
 * for await (const item of readLines(stream, 10)) if ("line" in item) got.push(new TextDecoder().decode(item.line));
 * assert.ok(got.join(",") === "a,bb,c");
 * ```
 */
export async function* readLines(
  stream: ReadableStream<Uint8Array>,
  maxBytes: number = DEFAULT_MAX_LINE_BYTES,
): AsyncGenerator<LineItem> {
  const splitter = new LineSplitter(maxBytes);
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* splitter.push(value);
    }
    yield* splitter.end();
  } finally {
    reader.releaseLock();
  }
}

/** What {@linkcode forEachLine} calls. */
export interface LineHandlers {
  /** A decoded line (without its `\n`). */
  line(text: string): void;
  /** A line over the cap, dropped; `bytes` is its length. */
  tooLong(bytes: number): void;
  /** A line that is not valid UTF-8, dropped. */
  invalidUtf8(): void;
}

/** Where {@linkcode forEachLine} reads from: a byte stream, or a function that gives the next chunk (null at the end). */
export type ChunkSource = ReadableStream<Uint8Array> | (() => Promise<Uint8Array | null>);

/**
 * Read a stream line by line, decode each as strict UTF-8 and hand it on; too long and undecodable lines are
 * reported instead. Resolves at the end of the input.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { forEachLine } from "./lines.ts";
 * const seen: string[] = [];
 * const bytes = new Uint8Array([...new TextEncoder().encode("ok\n"), 0xff, 10, ...new TextEncoder().encode("x".repeat(20))]);
 * await forEachLine(new Blob([bytes]).stream(), 10, {
 *   line: (t) => seen.push(t),
 *   tooLong: (n) => seen.push(`too long: ${n}`),
 *   invalidUtf8: () => seen.push("bad utf-8"),
 * });
 * assert.ok(seen.join(",") === "ok,bad utf-8,too long: 20");
 * ```
 */
export async function forEachLine(source: ChunkSource, maxBytes: number, handlers: LineHandlers): Promise<void> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const deliver = (item: LineItem) => {
    if ("tooLong" in item) {
      handlers.tooLong(item.tooLong);
      return;
    }
    let text: string;
    try {
      text = decoder.decode(item.line);
    } catch {
      handlers.invalidUtf8();
      return;
    }
    handlers.line(text);
  };
  if (typeof source !== "function") {
    for await (const item of readLines(source, maxBytes)) deliver(item);
    return;
  }
  const splitter = new LineSplitter(maxBytes);
  for (let chunk = await source(); chunk !== null; chunk = await source()) {
    for (const item of splitter.push(chunk)) deliver(item);
  }
  for (const item of splitter.end()) deliver(item);
}

/** One protocol line, parsed: blank (ignored), a JSON value, or why it is not JSON. */
export type ParsedLine = { blank: true } | { blank: false; value: unknown } | { blank: false; error: string };

/**
 * Parse one protocol line (a trailing `\r` is dropped). The error names the parser's complaint and the start of
 * the line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseJsonLine } from "./lines.ts";
 * const ok = parseJsonLine('{"a":1}\r');
 * assert.ok("value" in ok && (ok.value as { a: number }).a === 1);
 * const bad = parseJsonLine("nope");
 * assert.ok("error" in bad && bad.error.startsWith("cannot parse the line as JSON"));
 * ```
 */
export function parseJsonLine(line: string): ParsedLine {
  if (line.endsWith("\r")) line = line.slice(0, -1);
  if (line.trim() === "") return { blank: true };
  try {
    return { blank: false, value: JSON.parse(line) };
  } catch (e) {
    const shown = line.length > 60 ? line.slice(0, 60) + "…" : line;
    return {
      blank: false,
      error: `cannot parse the line as JSON (${(e as Error).message}): got ${JSON.stringify(shown)}`,
    };
  }
}
