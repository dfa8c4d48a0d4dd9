/**
 * Reading a witness log's end: its last lines ({@linkcode tailLog}), its head hash ({@linkcode logHead}, to keep
 * elsewhere and check later with `verify --head`), and following it as it grows ({@linkcode followLog}).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { sha256Hex } from "../runtime/hash.ts";
import { statPath } from "../runtime/log_file.ts";
import { GENESIS_PREV } from "./_chain.ts";
import { forEachLine, forEachLineBackwards, seqPrefix } from "./_lines.ts";

/**
 * The last `n` lines of the file at `path`, as raw text without their `\n`, oldest first. Reads backwards from
 * the end in chunks, not the whole file. A cut last line (no `\n`) is returned as it is. Throws a RangeError for
 * a bad `n` and the fs error when the file cannot be read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { tailLog } from "./tail.ts";
 *
 * const path = join(mkdtempSync(join(tmpdir(), "witness-")), "witness.log");
 * writeFileSync(path, "a\nb\nc\n");
 * assert.deepEqual(tailLog(path, 2), ["b", "c"]);
 * ```
 */
export function tailLog(path: string, n: number): string[] {
  const fd = path === "-" ? 0 : openSync(path, "r"); // "-": standard input
  try {
    return tailOf(fd, n, null).lines;
  } finally {
    if (fd !== 0) closeSync(fd);
  }
}

const textDecoder = new TextDecoder();

/** The last `n` lines of the open file, and the size they were read from (`size` given, or the file's). */
function tailOf(fd: number, n: number, size: number | null): { lines: string[]; size: number } {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`Cannot tail ${n} lines: expected an integer >= 0`);
  const out: string[] = [];
  const st = fstatSync(fd);
  const end = size ?? st.size;
  if (n === 0) return { lines: out, size: end };
  const read = (buf: Uint8Array, pos: number) => readSync(fd, buf, 0, buf.length, pos);
  if (st.isFile()) {
    forEachLineBackwards(read, end, (bytes) => {
      out.push(textDecoder.decode(bytes));
      return out.length < n;
    });
    return { lines: out.reverse(), size: end };
  }
  // Not seekable from the end (a pipe or a device): read forwards, keep the last n.
  forEachLine((buf) => readSync(fd, buf, 0, buf.length, null), (bytes) => {
    out.push(textDecoder.decode(bytes));
    if (out.length > n) out.shift();
  });
  return { lines: out, size: end };
}

/** The head of a log: what to keep elsewhere, to check it later with `verify --head`. */
export interface LogHead {
  /** sha256 hex of the last line (64 zeros for an empty log). */
  head: string;
  /** The last line's seq, or null when it has none (an empty log, or a cut line without one). */
  seq: number | null;
  /** The last line's time, or null. */
  ts: string | null;
  /** The file's size in bytes. */
  bytes: number;
  /** Whether the last line is cut (no newline: a write did not complete, or one is being written). */
  cut: boolean;
}

/**
 * The head of the log at `path`, read from its end only (cheap on any size): the sha256 of its last line, with
 * that line's seq and time. Ship it elsewhere now and then (`safe-exec log head >> …`); `log verify --head HASH`
 * later proves the log still holds that line, so lines cut from its end are caught. Throws the fs error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { logHead } from "./tail.ts";
 * import { verifyLog } from "./verify.ts";
 * import { WitnessLog } from "./log.ts";
 *
 * const path = join(mkdtempSync(join(tmpdir(), "witness-")), "witness.log");
 * const log = new WitnessLog(path);
 * log.append({ event: "session", tool: null, decision: null, details: { action: "start" } });
 * log.close();
 * const h = logHead(path);
 * assert.equal(h.seq, 1);
 * assert.equal(verifyLog(path, { head: h.head }).headLine, 1);
 * ```
 */
export function logHead(path: string): LogHead {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    let head = GENESIS_PREV;
    let seq: number | null = null;
    let ts: string | null = null;
    let cut = false;
    forEachLineBackwards((buf, pos) => readSync(fd, buf, 0, buf.length, pos), size, (bytes, terminated) => {
      head = sha256Hex(bytes);
      seq = seqPrefix(bytes);
      cut = !terminated;
      const m = /^\{"seq":\d+,"ts":"([^"]{1,40})"/.exec(Buffer.from(bytes.subarray(0, 80)).toString("latin1"));
      ts = m ? m[1] as string : null;
      return false;
    });
    return { head, seq, ts, bytes: size, cut };
  } finally {
    closeSync(fd);
  }
}

/** Options of {@linkcode followLog}. */
export interface FollowOptions {
  /** How many of the last lines to print first (default 20). */
  lines?: number;
  /** Stops following. */
  signal?: AbortSignal;
  /** How often to look for new lines, in ms (default 250). */
  pollMs?: number;
  /** Gets a line of the log (its text, without `\n`). */
  onLine: (line: string) => void;
  /** Gets a note about the file: it was removed, replaced or cut. */
  onNote: (note: string) => void;
}

/**
 * `tail -f` for a witness log: hand the last `lines` lines to `onLine`, then every line appended, as whole lines,
 * until `signal` aborts. When the file is removed it waits for it to come back; when it is replaced or cut it
 * says so (`onNote`) and follows the file at the path from its start. Throws the fs error when the file cannot
 * be opened at first.
 */
export async function followLog(path: string, options: FollowOptions): Promise<void> {
  const pollMs = options.pollMs ?? 250;
  let fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    let offset = size;
    if (size > 0) {
      // a cut last line is printed when its end arrives: tail up to the last newline
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) {
        forEachLineBackwards((b, pos) => readSync(fd, b, 0, b.length, pos), size, (bytes) => {
          offset = size - bytes.length;
          return false;
        });
      }
    }
    for (const line of tailOf(fd, options.lines ?? 20, offset).lines) options.onLine(line);
    let identity = fstatSync(fd);
    let missing = false;
    let pending = Buffer.alloc(0);
    const buf = Buffer.allocUnsafe(256 * 1024);
    while (!options.signal?.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        options.signal?.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve();
        }, { once: true });
      });
      if (options.signal?.aborted) break;
      let now;
      try {
        now = statPath(path);
      } catch {
        if (!missing) options.onNote(`${JSON.stringify(path)} was removed; waiting for it to come back`);
        missing = true;
        continue;
      }
      if (missing || now.ino !== identity.ino || now.dev !== identity.dev) {
        options.onNote(`${JSON.stringify(path)} was replaced by another file; following the new file from its start`);
        missing = false;
        closeSync(fd);
        fd = openSync(path, "r");
        identity = fstatSync(fd);
        offset = 0;
        pending = Buffer.alloc(0);
      } else if (now.size < offset) {
        options.onNote(
          `${JSON.stringify(path)} was cut from ${offset} to ${now.size} bytes; following it from its start`,
        );
        offset = 0;
        pending = Buffer.alloc(0);
      }
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, offset);
        if (n === 0) break;
        offset += n;
        let data = pending.length > 0 ? Buffer.concat([pending, buf.subarray(0, n)]) : buf.subarray(0, n);
        let nl = data.indexOf(0x0a);
        while (nl !== -1) {
          options.onLine(textDecoder.decode(data.subarray(0, nl)));
          data = data.subarray(nl + 1);
          nl = data.indexOf(0x0a);
        }
        pending = Buffer.from(data);
      }
    }
  } finally {
    closeSync(fd);
  }
}
