/**
 * The witness log (SPEC §4, §4.1): an append-only, hash-chained JSON-lines file. Every decision of the gate is
 * written here before anything runs; when a line cannot be written the call is denied.
 *
 * One line per event, keys in this order, `\n`-terminated, UTF-8:
 *
 *     {"seq":7,"ts":"…","event":"gate","tool":"run_bash","decision":"ask","details":{…},"prev":"<sha256 hex>"}
 *
 * `seq` starts at 1; `prev` is the sha256 hex of the previous line's bytes (without its `\n`), 64 zeros on the
 * first line of the file.
 *
 * Conventions for `details` that {@linkcode WitnessStats} relies on: a `gate` line carries the tool and the
 * decision; a `confirm` line carries `details.approved` (boolean); an `execute` line carries `details.ok`
 * (boolean). A `checkpoint` line carries `details.lines`, `details.head`, `details.key` and `details.signature`.
 *
 * This module holds the writer; reading lives in `witness_verify.ts` (verify), `witness_stats.ts` (counts),
 * `witness_lines.ts` (line readers) and below (`tailLog`, `followLog`); what of a call's arguments is kept in
 * `witness_redact.ts`; signatures in `witness_sign.ts`. File access and locking go through
 * `runtime/log_file.ts`, so this module runs on Deno and Bun alike.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type { Decision } from "./types.ts";
import { ToolError } from "./types.ts";
import { sha256Hex } from "./runtime/hash.ts";
import { type AppendFile, type FileLocking, fileLocking, openAppendFile, statPath } from "./runtime/log_file.ts";
import { forEachLine, forEachLineBackwards, seqPrefix } from "./witness_lines.ts";
import { loadSigningKey, signCheckpoint, type SigningKey } from "./witness_sign.ts";
import { copyStats, countLine, emptyStats, type LogStats, StatsScanner, type WitnessStats } from "./witness_stats.ts";

export { type LogStats, statsOfFile, type WitnessStats } from "./witness_stats.ts";
export {
  MAX_PROBLEMS,
  type ProblemKind,
  verifyLog,
  type VerifyOptions,
  type VerifyProblem,
  type VerifyReport,
  type VerifyWarning,
  type WarningKind,
} from "./witness_verify.ts";
export { cutText, redactArgs, type RedactOptions } from "./witness_redact.ts";
export { generateKeyFiles, loadSigningKey, parsePublicKey, type SigningKey } from "./witness_sign.ts";
export { type FileLocking, fileLocking };

/** The kinds of witness lines. */
export type WitnessEventName = "session" | "gate" | "confirm" | "execute" | "metrics" | "checkpoint";

/** What a caller hands to {@linkcode WitnessLog.append}. */
export interface WitnessEntry {
  /** The kind of event (`checkpoint` lines are written by the log itself). */
  event: Exclude<WitnessEventName, "checkpoint">;
  /** The tool concerned, or null. */
  tool: string | null;
  /** The gate's decision, or null. */
  decision: Decision | null;
  /** Event-specific data; must be JSON-serializable (pass tool arguments through {@linkcode redactArgs}). */
  details: Record<string, unknown>;
}

/** One line of the witness log, as written. */
export interface WitnessLine {
  /** Position in the chain, from 1. */
  seq: number;
  /** ISO 8601 time of the append. */
  ts: string;
  /** The kind of event. */
  event: WitnessEventName;
  /** The tool concerned, or null. */
  tool: string | null;
  /** The gate's decision, or null. */
  decision: Decision | null;
  /** Event-specific data. */
  details: Record<string, unknown>;
  /** sha256 hex of the previous line's bytes, or 64 zeros on the first line. */
  prev: string;
}

/** Options of {@linkcode WitnessLog}. */
export interface WitnessLogOptions {
  /** fsync every line before append returns (default false). */
  fsync?: boolean;
  /** The clock (tests). */
  now?: () => Date;
  /** An Ed25519 private key (a PEM file's path, or loaded) that signs `checkpoint` lines. */
  signingKey?: string | SigningKey;
  /** A checkpoint is written as every line whose seq is a multiple of this (default 1000). */
  checkpointEvery?: number;
}

/** The `prev` of the first line of a log. */
export const GENESIS_PREV: string = "0".repeat(64);

const EVENT_NAMES: ReadonlySet<string> = new Set(["session", "gate", "confirm", "execute", "metrics"]);
const DECISION_NAMES: ReadonlySet<string> = new Set(["allow", "ask", "deny"]);

/**
 * The witness log cannot be written, so the call is denied (errorCode `witness_unavailable`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WitnessUnavailableError } from "./witness.ts";
 * const err = new WitnessUnavailableError("/x/witness.log", "EROFS: read-only file system");
 * assert.equal(err.code, "witness_unavailable");
 * assert.ok(err.message.includes('"/x/witness.log": EROFS'));
 * ```
 */
export class WitnessUnavailableError extends ToolError {
  /** The witness log's path. */
  readonly path: string;
  /** The OS error code (e.g. "ENOSPC"), or null when the failure was not an OS error. */
  readonly osCode: string | null;
  /** Make the error from the log's path, the reason (e.g. `ENOSPC: no space left on device`) and the cause. */
  constructor(path: string, reason: string, cause?: unknown) {
    super(
      "witness_unavailable",
      `Cannot write the witness log ${JSON.stringify(path)}: ${
        reason.replace(/\s+/g, " ").trim()
      }. The call is denied: no unlogged execution.`,
    );
    this.name = "WitnessUnavailableError";
    this.path = path;
    const code = (cause as { code?: unknown } | null | undefined)?.code;
    this.osCode = typeof code === "string" ? code : null;
    if (cause !== undefined) this.cause = cause;
  }
}

/** `ENOSPC: no space left on device` from a node-style or Deno-style fs error. */
function osReason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  let msg = err.message.replace(/ \(os error \d+\)(?:: [a-z_]+ '.*')?$/, "");
  if (typeof code === "string" && code !== "") {
    if (msg.startsWith(code + ": ")) msg = msg.slice(code.length + 2);
    msg = msg.replace(/, [a-z_]+(?: '.*')?$/, "");
    msg = msg.charAt(0).toLowerCase() + msg.slice(1);
    return `${code}: ${msg}`;
  }
  return err.name && err.name !== "Error" ? `${err.name}: ${msg}` : msg;
}

/** Where the chain continues: the next seq and prev, a cut last line to terminate, and the file's size then. */
interface ChainState {
  seq: number;
  prev: string;
  needsNewline: boolean;
  /** The file's size this state belongs to (-1 for a file that is not a regular file). */
  end: number;
}

function readChainState(file: AppendFile, size: number): ChainState {
  let state: ChainState | null = null;
  let distance = 0;
  let lastHash = GENESIS_PREV;
  let needsNewline = false;
  forEachLineBackwards((buf, pos) => file.readAt(buf, pos), size, (bytes, terminated) => {
    if (distance === 0) {
      lastHash = sha256Hex(bytes);
      needsNewline = !terminated;
    }
    const seq = seqPrefix(bytes);
    if (seq !== null) {
      state = { seq: seq + distance + 1, prev: lastHash, needsNewline, end: size };
      return false;
    }
    distance++;
    return true;
  });
  // No line carries a seq (not a safe-exec log, or every line damaged): count the lines.
  return state ?? { seq: distance + 1, prev: size === 0 ? GENESIS_PREV : lastHash, needsNewline, end: size };
}

const encoder = new TextEncoder();

/**
 * An append-only, hash-chained witness log file, which several writers (in this process and in others) may
 * append to at once.
 *
 * The file is opened lazily on the first {@linkcode WitnessLog.append} (created when missing; its folder must
 * exist) and kept open. Every append then, holding an exclusive advisory lock on the file (`flock(2)`, see
 * {@linkcode fileLocking}):
 *
 * 1. checks that the path still names the file it opened (same device and inode, not shorter than before): a log
 *    removed, replaced or cut under the writer refuses this and every later line with
 *    {@linkcode WitnessUnavailableError}, saying what happened;
 * 2. continues the chain from the last line on disk (read backwards from the end when another writer appended);
 * 3. writes the line (after a `\n` when the last line on disk is cut) and returns only when all of it is in the
 *    file. A write that fails part-way leaves a cut line; the append throws, and the next one starts on a fresh
 *    line chained to the cut bytes (`log verify` reports the cut line).
 *
 * With a signing key a signed `checkpoint` line is written as every line whose seq is a multiple of 1000, and
 * by {@linkcode WitnessLog.checkpoint} (at a session's stop).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { verifyLog, WitnessLog } from "./witness.ts";
 *
 * const path = join(mkdtempSync(join(tmpdir(), "witness-")), "witness.log");
 * const log = new WitnessLog(path);
 * log.append({ event: "session", tool: null, decision: null, details: { action: "start" } });
 * const line = log.append({ event: "gate", tool: "read_file", decision: "allow", details: { risk: "low" } });
 * log.append({ event: "session", tool: null, decision: null, details: { action: "stop" } });
 * log.close();
 * assert.equal(line.seq, 2);
 * assert.equal(verifyLog(path).ok, true);
 * ```
 */
export class WitnessLog {
  /** The file's path, as given. */
  readonly path: string;
  #fsync: boolean;
  #now: () => Date;
  #signingKeyOption: string | SigningKey | undefined;
  #signing: SigningKey | null = null;
  #every: number;
  #file: AppendFile | null = null;
  #regular = true;
  #state: ChainState | null = null;
  #minEnd = 0; // the file never gets shorter than this (sizes seen)
  #refused: string | null = null; // why every later line is refused (the log was removed, replaced or cut)
  #scanner: StatsScanner | null = null;
  #session: WitnessStats = emptyStats();

  /**
   * Make a log writer for `path`; nothing is opened until the first append (a signing key given as a path is
   * read now). Throws a TypeError for an empty path, and an Error when the signing key cannot be used.
   */
  constructor(path: string, options: WitnessLogOptions = {}) {
    if (typeof path !== "string" || path === "") {
      throw new TypeError(`Cannot use witness log path ${JSON.stringify(path)}: expected a non-empty string`);
    }
    this.path = path;
    this.#fsync = options.fsync ?? false;
    this.#now = options.now ?? (() => new Date());
    this.#every = options.checkpointEvery ?? 1000;
    if (!Number.isSafeInteger(this.#every) || this.#every < 2) {
      throw new RangeError(`checkpointEvery is ${options.checkpointEvery}, expected an integer >= 2`);
    }
    this.#signingKeyOption = options.signingKey;
    if (typeof options.signingKey === "string") this.#signing = loadSigningKey(options.signingKey);
    else if (options.signingKey) this.#signing = options.signingKey;
  }

  /** Whether checkpoints are signed (a signing key was given). */
  get signed(): boolean {
    return this.#signing !== null;
  }

  #open(): AppendFile {
    if (this.#file !== null) return this.#file;
    let file: AppendFile;
    try {
      file = openAppendFile(this.path);
    } catch (err) {
      throw new WitnessUnavailableError(this.path, osReason(err), err);
    }
    try {
      this.#regular = file.stat().isFile;
    } catch (err) {
      file.close();
      throw new WitnessUnavailableError(this.path, osReason(err), err);
    }
    this.#file = file;
    this.#state = null;
    this.#minEnd = 0;
    this.#scannerFor(this.#regular ? { dev: file.dev, ino: file.ino } : null);
    return file;
  }

  #refuse(reason: string): never {
    this.#refused = reason;
    throw new WitnessUnavailableError(this.path, reason);
  }

  /** With the lock held: check the file's identity and bring the chain state up to what is on disk. */
  #sync(file: AppendFile): ChainState {
    let st;
    try {
      st = statPath(this.path);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === "ENOENT" || code === "ENOTDIR") {
        this.#refuse(
          "the file was removed after it was opened (or its folder was): lines written to it would be lost, so " +
            "none is; restart safe-exec to open a new log",
        );
      }
      throw new WitnessUnavailableError(this.path, `cannot check it is still the log: ${osReason(err)}`, err);
    }
    if (st.dev !== file.dev || st.ino !== file.ino) {
      this.#refuse(
        `the file was replaced by another file after it was opened (it was inode ${file.ino} on device ${file.dev}, ` +
          `the path now names inode ${st.ino} on device ${st.dev}); restart safe-exec to use the new file`,
      );
    }
    if (!this.#regular) return this.#state ??= { seq: 1, prev: GENESIS_PREV, needsNewline: false, end: -1 };
    if (st.size < this.#minEnd) {
      this.#refuse(
        `the file was cut from ${this.#minEnd} to ${st.size} bytes after it was opened (lines were removed from ` +
          `its end); restart safe-exec to continue it`,
      );
    }
    this.#minEnd = st.size;
    if (this.#state === null || this.#state.end !== st.size) {
      try {
        this.#state = readChainState(file, st.size);
      } catch (err) {
        throw new WitnessUnavailableError(this.path, `cannot read its last line: ${osReason(err)}`, err);
      }
    }
    return this.#state;
  }

  /**
   * Write one line at the end (with the lock held); on success advance `state` and return where the bytes went,
   * on failure forget the state.
   */
  #write(file: AppendFile, state: ChainState, lineText: string): { offset: number; length: number } {
    const prefix = state.needsNewline ? "\n" : "";
    const buf = encoder.encode(prefix + lineText + "\n");
    let written = 0;
    try {
      while (written < buf.length) {
        const n = file.write(written === 0 ? buf : buf.subarray(written));
        if (n <= 0) throw new Error(`write(2) wrote ${n} bytes`);
        written += n;
      }
    } catch (err) {
      // What reached the file is known only to the file: the next append reads the end again (a cut line there
      // gets its `\n` then). Deno's and Node's writeSync may throw after writing part of the buffer.
      if (this.#regular) {
        this.#state = null;
        try {
          this.#minEnd = Math.max(this.#minEnd, file.stat().size);
        } catch {
          // the next append's check sees what it sees
        }
      }
      throw new WitnessUnavailableError(this.path, osReason(err), err);
    }
    const offset = state.end;
    state.seq++;
    state.prev = sha256Hex(buf.subarray(prefix.length, buf.length - 1));
    state.needsNewline = false;
    if (this.#regular) {
      state.end += buf.length;
      this.#minEnd = state.end;
    }
    return { offset, length: buf.length };
  }

  #line(seq: number, ts: string, body: string, prev: string): string {
    return `{"seq":${seq},"ts":"${ts}"${body}${prev}"}`;
  }

  #checkpointLine(state: ChainState, ts: string): string {
    const key = this.#signing as SigningKey;
    const lines = state.seq - 1;
    const details = {
      lines,
      head: state.prev,
      key: key.fingerprint,
      signature: signCheckpoint(key, lines, state.prev),
    };
    return this.#line(
      state.seq,
      ts,
      `,"event":"checkpoint","tool":null,"decision":null,"details":${JSON.stringify(details)},"prev":"`,
      state.prev,
    );
  }

  /** Run `fn` with the lock held, the file's identity checked and the chain state current. */
  #locked<T>(fn: (file: AppendFile, state: ChainState) => T): T {
    const file = this.#open();
    if (this.#refused !== null) throw new WitnessUnavailableError(this.path, this.#refused);
    try {
      file.lock();
    } catch (err) {
      throw new WitnessUnavailableError(this.path, `cannot lock it: ${osReason(err)}`, err);
    }
    try {
      const result = fn(file, this.#sync(file));
      if (this.#fsync) {
        try {
          file.sync();
        } catch (err) {
          // The line is in the file (the chain state already follows it), but not known to be on disk.
          throw new WitnessUnavailableError(this.path, `fsync failed: ${osReason(err)}`, err);
        }
      }
      return result;
    } finally {
      try {
        file.unlock();
      } catch {
        // closing the file releases it
        this.close();
      }
    }
  }

  /**
   * Append one line synchronously. When it returns, all of its bytes are in the file (fsync'd with `fsync`).
   * Throws {@linkcode WitnessUnavailableError} — and nothing else — when the line cannot be written whole (the
   * file cannot be opened, locked or written; it was removed, replaced or cut; the entry is not serializable).
   * Returns the line as written.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { mkdtempSync } from "node:fs";
   * import { tmpdir } from "node:os";
   * import { join } from "node:path";
   * import { WitnessLog } from "./witness.ts";
   *
   * const log = new WitnessLog(join(mkdtempSync(join(tmpdir(), "witness-")), "witness.log"));
   * const line = log.append({ event: "gate", tool: "run_bash", decision: "ask", details: { risk: "high" } });
   * assert.equal(line.seq, 1);
   * assert.equal(line.prev, "0".repeat(64));
   * log.close();
   * ```
   */
  append(entry: WitnessEntry): WitnessLine {
    let body: string;
    let event: string, tool: string | null, decision: Decision | null, details: Record<string, unknown>;
    try {
      ({ event, tool, decision, details } = entry);
      if (!EVENT_NAMES.has(event)) {
        throw new TypeError(`event is ${JSON.stringify(event)}, expected one of ${[...EVENT_NAMES].join(", ")}`);
      }
      tool ??= null;
      decision ??= null;
      if (tool !== null && typeof tool !== "string") throw new TypeError(`tool is not a string or null`);
      if (decision !== null && !DECISION_NAMES.has(decision)) {
        throw new TypeError(`decision is ${JSON.stringify(decision)}, expected "allow", "ask", "deny" or null`);
      }
      if (typeof details !== "object" || details === null || Array.isArray(details)) {
        throw new TypeError(`details is not an object`);
      }
      const detailsJson = JSON.stringify(details);
      if (typeof detailsJson !== "string") throw new TypeError("details is not JSON-serializable");
      body = `,"event":"${event}","tool":${JSON.stringify(tool)},"decision":${
        decision === null ? "null" : `"${decision}"`
      },"details":${detailsJson},"prev":"`;
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new WitnessUnavailableError(this.path, `the entry cannot be written as JSON (${why})`, err);
    }
    let ts: string;
    try {
      ts = this.#now().toISOString();
    } catch (err) {
      throw new WitnessUnavailableError(this.path, `the clock failed (${osReason(err)})`, err);
    }
    return this.#locked((file, state) => {
      if (this.#signing !== null && state.seq % this.#every === 0) {
        this.#counted(this.#write(file, state, this.#checkpointLine(state, ts)), "checkpoint", null, null, {});
      }
      const seq = state.seq;
      const prev = state.prev;
      this.#counted(this.#write(file, state, this.#line(seq, ts, body, prev)), event, tool, decision, details);
      return { seq, ts, event: event as WitnessEventName, tool, decision, details, prev };
    });
  }

  /** Count a line just written at `at`. */
  #counted(
    at: { offset: number; length: number },
    event: string,
    tool: unknown,
    decision: unknown,
    details: unknown,
  ): void {
    countLine(this.#session, event, tool, decision, details);
    this.#scanner?.appended(at.offset, at.length, event, tool, decision, details);
  }

  /**
   * Write a signed `checkpoint` line now (line count, head hash, signature), when the log has a signing key; the
   * executor calls it after a session's stop line. Returns the line, or null without a key. Throws
   * {@linkcode WitnessUnavailableError} like {@linkcode WitnessLog.append}.
   */
  checkpoint(): WitnessLine | null {
    if (this.#signing === null) return null;
    let ts: string;
    try {
      ts = this.#now().toISOString();
    } catch (err) {
      throw new WitnessUnavailableError(this.path, `the clock failed (${osReason(err)})`, err);
    }
    return this.#locked((file, state) => {
      const seq = state.seq;
      const prev = state.prev;
      const text = this.#checkpointLine(state, ts);
      this.#counted(this.#write(file, state, text), "checkpoint", null, null, {});
      return { ...JSON.parse(text), seq, prev } as WitnessLine;
    });
  }

  /**
   * Counts over the whole file, earlier sessions and other writers included, and over this writer's own lines
   * (`session`). Never waits: the first call starts a scan of the file in the background (in chunks, between
   * calls), and until it has read the whole file the counts are partial and `complete` is false; later, the
   * writer's own appends keep them current. {@linkcode WitnessLog.fullStats} waits for the scan.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { mkdtempSync } from "node:fs";
   * import { tmpdir } from "node:os";
   * import { join } from "node:path";
   * import { WitnessLog } from "./witness.ts";
   *
   * const log = new WitnessLog(join(mkdtempSync(join(tmpdir(), "witness-")), "witness.log"));
   * log.append({ event: "gate", tool: "delete_file", decision: "deny", details: {} });
   * assert.equal(log.stats().session.denied, 1);
   * assert.equal((await log.fullStats()).denied, 1);
   * log.close();
   * ```
   */
  stats(): LogStats {
    const size = this.#knownSize();
    const scanner = this.#scanner;
    if (scanner !== null && size !== null) void scanner.catchUp(size);
    const base = scanner !== null ? copyStats(scanner.counts) : emptyStats();
    const complete = size === 0 || (scanner !== null && size !== null && scanner.covers(size));
    const out: LogStats = { ...base, complete, session: copyStats(this.#session) };
    if (scanner?.error) out.scanError = scanner.error;
    return out;
  }

  /** {@linkcode WitnessLog.stats} once the scan has read the whole file (as long as it is when called). */
  async fullStats(): Promise<LogStats> {
    for (;;) {
      const size = this.#knownSize();
      const scanner = this.#scanner;
      if (scanner === null || size === null || scanner.error !== null || scanner.covers(size)) break;
      const before = scanner.end;
      await scanner.catchUp(size);
      if (scanner.end === before && !scanner.scanning) break; // nothing more it can count
    }
    return this.stats();
  }

  /** Keep the scanner of the file with this identity (a new one for another file, none for a device). */
  #scannerFor(identity: { dev: number; ino: number } | null): void {
    const s = this.#scanner;
    if (s !== null && identity !== null && s.dev === identity.dev && s.ino === identity.ino) return;
    s?.close();
    this.#scanner = identity === null ? null : new StatsScanner(this.path, identity);
  }

  /**
   * The file's size as this writer sees it, without creating it: 0 for a file that does not exist yet, null for
   * one it cannot count (a device, an error).
   */
  #knownSize(): number | null {
    try {
      if (this.#file !== null) return this.#regular ? this.#file.stat().size : null;
      const st = statPath(this.path);
      if (!st.isFile) return null;
      this.#scannerFor({ dev: st.dev, ino: st.ino });
      return st.size;
    } catch (err) {
      return (err as { code?: unknown }).code === "ENOENT" ? 0 : null;
    }
  }

  /**
   * Close the file. A later append opens it again and continues the chain from the file; the next
   * {@linkcode WitnessLog.stats} scans the file again.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { mkdtempSync } from "node:fs";
   * import { tmpdir } from "node:os";
   * import { join } from "node:path";
   * import { WitnessLog } from "./witness.ts";
   *
   * const log = new WitnessLog(join(mkdtempSync(join(tmpdir(), "witness-")), "witness.log"));
   * log.append({ event: "session", tool: null, decision: null, details: {} });
   * log.close();
   * assert.equal(log.append({ event: "session", tool: null, decision: null, details: {} }).seq, 2);
   * log.close();
   * ```
   */
  close(): void {
    const file = this.#file;
    this.#file = null;
    this.#state = null;
    this.#refused = null;
    this.#scanner?.close();
    this.#scanner = null;
    this.#session = emptyStats();
    if (file !== null) {
      try {
        file.close();
      } catch {
        // nothing left to do with it
      }
    }
  }
}

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
 * import { tailLog } from "./witness.ts";
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
 * import { logHead, verifyLog, WitnessLog } from "./witness.ts";
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
