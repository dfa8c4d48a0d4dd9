/**
 * Counts over a witness log: by event, decision and tool. {@linkcode statsOfFile} reads a file at once (the
 * `log stats` command); {@linkcode StatsScanner} counts a live log in the background, in chunks that yield to the
 * event loop, so the first `stats` request on a huge log never holds up a call.
 *
 * @module
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { Buffer } from "node:buffer";
import { forEachLine } from "./_lines.ts";

/** Counts over a witness log. Per-call counts (`byDecision`, `byTool`, `denied`, …) come from `gate` lines. */
export interface WitnessStats {
  /** All lines, also ones that do not parse. */
  total: number;
  /** Lines per event name. */
  byEvent: Record<string, number>;
  /** Gate lines per decision. */
  byDecision: Record<string, number>;
  /** Gate lines per tool. */
  byTool: Record<string, number>;
  /** Gate lines with decision "deny". */
  denied: number;
  /** Gate lines with decision "ask". */
  asked: number;
  /** Gate lines with decision "allow". */
  allowed: number;
  /** Confirm lines with `details.approved === true`. */
  approved: number;
  /** Confirm lines without `details.approved === true`. */
  notApproved: number;
  /** Execute lines with `details.ok === false`. */
  failed: number;
}

/** Counts of a live log: the whole file as far as it has been read, and this writer's own lines. */
export interface LogStats extends WitnessStats {
  /** Whether the counts above cover the whole file (false while the first scan still runs, in the background). */
  complete: boolean;
  /** The lines this writer appended since it opened the log (the session), counted as they were written. */
  session: WitnessStats;
  /** Why the background scan stopped, when it failed (the counts above then stay incomplete). */
  scanError?: string;
}

/** Zero counts. */
export function emptyStats(): WitnessStats {
  return {
    total: 0,
    byEvent: {},
    byDecision: {},
    byTool: {},
    denied: 0,
    asked: 0,
    allowed: 0,
    approved: 0,
    notApproved: 0,
    failed: 0,
  };
}

/** A deep copy. */
export function copyStats(s: WitnessStats): WitnessStats {
  return { ...s, byEvent: { ...s.byEvent }, byDecision: { ...s.byDecision }, byTool: { ...s.byTool } };
}

function bump(record: Record<string, number>, key: string): void {
  record[key] = (record[key] ?? 0) + 1;
}

/** Add one line to the counters (its fields as parsed; `total` too). */
export function countLine(s: WitnessStats, event: unknown, tool: unknown, decision: unknown, details: unknown): void {
  s.total++;
  if (typeof event !== "string") return;
  bump(s.byEvent, event);
  const d = typeof details === "object" && details !== null ? details as Record<string, unknown> : {};
  if (event === "gate") {
    if (typeof decision === "string") {
      bump(s.byDecision, decision);
      if (decision === "deny") s.denied++;
      else if (decision === "ask") s.asked++;
      else if (decision === "allow") s.allowed++;
    }
    if (typeof tool === "string") bump(s.byTool, tool);
  } else if (event === "confirm") {
    if (d.approved === true) s.approved++;
    else s.notApproved++;
  } else if (event === "execute") {
    if (d.ok === false) s.failed++;
  }
}

const decoder = new TextDecoder();

/** Count one line's bytes (a line that does not parse counts in `total` only). */
export function countBytes(s: WitnessStats, bytes: Uint8Array): void {
  let v: unknown;
  try {
    v = JSON.parse(decoder.decode(bytes));
  } catch {
    s.total++;
    return;
  }
  if (typeof v !== "object" || v === null) {
    s.total++;
    return;
  }
  const o = v as Record<string, unknown>;
  countLine(s, o.event, o.tool, o.decision, o.details);
}

/**
 * Counts over the witness log at `path` (see {@linkcode WitnessStats}). Reads the file in chunks; lines that do
 * not parse count in `total` only. Throws the fs error when the file cannot be read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { WitnessLog } from "./log.ts";
 * import { statsOfFile } from "./stats.ts";
 *
 * const path = join(mkdtempSync(join(tmpdir(), "witness-")), "witness.log");
 * const log = new WitnessLog(path);
 * log.append({ event: "gate", tool: "run_bash", decision: "ask", details: {} });
 * log.append({ event: "confirm", tool: "run_bash", decision: "ask", details: { approved: true } });
 * log.close();
 * const stats = statsOfFile(path);
 * assert.equal(stats.total, 2);
 * assert.equal(stats.asked, 1);
 * assert.equal(stats.approved, 1);
 * ```
 */
export function statsOfFile(path: string): WitnessStats {
  const fd = path === "-" ? 0 : openSync(path, "r"); // "-": standard input
  const stats = emptyStats();
  try {
    const regular = fstatSync(fd).isFile(); // a pipe is read in order
    forEachLine((buf, pos) => readSync(fd, buf, 0, buf.length, regular ? pos : null), (b) => countBytes(stats, b));
  } finally {
    if (fd !== 0) closeSync(fd);
  }
  return stats;
}

const SCAN_CHUNK = 256 * 1024;

/**
 * Counts a live log: whole lines from offset 0 up to `end`, read in the background. The writer counts its own
 * lines with {@linkcode StatsScanner.appended} when they begin exactly at `end` (the scan has caught up); any
 * other bytes (lines of other processes, a gap left while the scan ran) are read by the next scan.
 */
export class StatsScanner {
  /** Counts of the bytes [0, end). */
  readonly counts: WitnessStats = emptyStats();
  /** Offset up to which the file is counted (always at a line start). */
  end = 0;
  #path: string;
  #identity: { dev: number; ino: number };
  #running: Promise<void> | null = null;
  #closed = false;
  #reached = 0; // the file size a scan last read up to (its cut last line, if any, left uncounted)
  /** Why the last scan failed, or null. */
  error: string | null = null;

  /** Scan the file at `path`, which must still be the file of that device and inode. */
  constructor(path: string, identity: { dev: number; ino: number }) {
    this.#path = path;
    this.#identity = identity;
  }

  /** The device of the file it counts. */
  get dev(): number {
    return this.#identity.dev;
  }

  /** The inode of the file it counts. */
  get ino(): number {
    return this.#identity.ino;
  }

  /** The writer appended a line of `length` bytes (with its `\n`) at `offset`; counts it if the scan is there. */
  appended(offset: number, length: number, event: string, tool: unknown, decision: unknown, details: unknown): void {
    if (offset !== this.end) return;
    countLine(this.counts, event, tool, decision, details);
    this.end = offset + length;
  }

  /**
   * Read (in the background) whatever lies between `end` and `size`; resolves when the scan reached `size` or
   * stopped. Scans in chunks of 256 KiB, each behind an awaited read, so calls are served in between.
   */
  catchUp(size: number): Promise<void> {
    if (this.#closed || this.end >= size) return this.#running ?? Promise.resolve();
    this.#running ??= this.#scan().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  /**
   * Whether the counts cover a file of `size` bytes: the scan reached it (all but a cut last line, which is
   * counted once it is finished) and no scan runs.
   */
  covers(size: number): boolean {
    return this.#running === null && (this.end >= size || this.#reached >= size);
  }

  /** Whether a scan runs now. */
  get scanning(): boolean {
    return this.#running !== null;
  }

  /** Stop scanning. */
  close(): void {
    this.#closed = true;
  }

  async #scan(): Promise<void> {
    let handle;
    try {
      // Loaded here, not at the top: a process that never asks for the counts (a hook) would load node:fs/promises
      // for nothing (about 1 ms in the Bun binary).
      const { open } = await import("node:fs/promises");
      handle = await open(this.#path, "r");
    } catch (err) {
      this.error = `cannot open it to count its lines: ${(err as Error).message}`;
      return;
    }
    try {
      const st = await handle.stat();
      if (st.dev !== this.#identity.dev || st.ino !== this.#identity.ino) {
        this.error = "the file at the log's path is not the log this process writes (it was replaced)";
        return;
      }
      let buf = Buffer.allocUnsafe(SCAN_CHUNK);
      for (;;) {
        if (this.#closed) return;
        const size = (await handle.stat()).size;
        if (this.end >= size) {
          this.#reached = size;
          return;
        }
        const from = this.end;
        const want = Math.min(buf.length, size - from);
        const { bytesRead } = await handle.read(buf, 0, want, from);
        if (this.#closed) return;
        if (bytesRead === 0 || this.end !== from) {
          if (bytesRead === 0) return;
          continue; // the writer counted lines meanwhile: read again from the new end
        }
        const data = buf.subarray(0, bytesRead);
        let start = 0;
        let nl = data.indexOf(0x0a);
        while (nl !== -1) {
          countBytes(this.counts, data.subarray(start, nl));
          start = nl + 1;
          nl = data.indexOf(0x0a, start);
        }
        if (start === 0) {
          // no whole line in this chunk: a longer line, or a cut last line that is not finished yet
          if (from + bytesRead >= size) {
            this.#reached = size;
            return;
          }
          buf = Buffer.allocUnsafe(buf.length * 2);
          continue;
        }
        this.end = from + start;
      }
    } catch (err) {
      this.error = `cannot read it to count its lines: ${(err as Error).message}`;
    } finally {
      await handle.close().catch(() => {});
    }
  }
}

/**
 * A writer's counts: the whole file's (scanned in the background by a {@linkcode StatsScanner}, kept current by the
 * writer's own appends) and those of its own lines (`session`).
 */
export class LogCounts {
  readonly #path: string;
  #scanner: StatsScanner | null = null;
  #session: WitnessStats = emptyStats();

  /** Counts for the log at `path`; nothing is read until {@linkcode LogCounts.view}. */
  constructor(path: string) {
    this.#path = path;
  }

  /** Keep the scanner of the file with this identity (a new one for another file, none for a device). */
  follow(identity: { dev: number; ino: number } | null): void {
    const s = this.#scanner;
    if (s !== null && identity !== null && s.dev === identity.dev && s.ino === identity.ino) return;
    s?.close();
    this.#scanner = identity === null ? null : new StatsScanner(this.#path, identity);
  }

  /** Count a line the writer just wrote at `at`. */
  counted(
    at: { offset: number; length: number },
    event: string,
    tool: unknown,
    decision: unknown,
    details: unknown,
  ): void {
    countLine(this.#session, event, tool, decision, details);
    this.#scanner?.appended(at.offset, at.length, event, tool, decision, details);
  }

  /** The counts now for a file of `size` bytes (null: one that cannot be counted); starts or continues the scan. */
  view(size: number | null): LogStats {
    const scanner = this.#scanner;
    if (scanner !== null && size !== null) void scanner.catchUp(size);
    const base = scanner !== null ? copyStats(scanner.counts) : emptyStats();
    const complete = size === 0 || (scanner !== null && size !== null && scanner.covers(size));
    const out: LogStats = { ...base, complete, session: copyStats(this.#session) };
    if (scanner?.error) out.scanError = scanner.error;
    return out;
  }

  /** The counts once the scan has read the whole file (`size` tells its size now). */
  async full(size: () => number | null): Promise<LogStats> {
    for (;;) {
      const now = size();
      const scanner = this.#scanner;
      if (scanner === null || now === null || scanner.error !== null || scanner.covers(now)) break;
      const before = scanner.end;
      await scanner.catchUp(now);
      if (scanner.end === before && !scanner.scanning) break; // nothing more it can count
    }
    return this.view(size());
  }

  /** Forget everything (the writer closed the file). */
  reset(): void {
    this.#scanner?.close();
    this.#scanner = null;
    this.#session = emptyStats();
  }
}
