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
 * This module holds the writer; the readers are `verify.ts`, `stats.ts`, `_lines.ts` and `tail.ts`; signatures are
 * in `sign.ts`. File access and locking go through `runtime/log_file.ts` (Deno and Bun alike).
 *
 * @module
 */
import { osReason } from "../_util/errors.ts";
import { sha256Hex } from "../runtime/hash.ts";
import { type AppendFile, type FileIdentity, openAppendFile, statPath } from "../runtime/log_file.ts";
import { type ChainState, checkIdentity, GENESIS_PREV, readChainState } from "./_chain.ts";
import {
  checkpointLine,
  entryBody,
  lineText,
  type WitnessEntry,
  type WitnessEventName,
  type WitnessLine,
} from "./entry.ts";
import { WitnessUnavailableError } from "./errors.ts";
import { loadSigningKey, type SigningKey } from "./sign.ts";
import { LogCounts, type LogStats } from "./stats.ts";

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

const encoder = new TextEncoder();

/**
 * An append-only, hash-chained witness log file, which several writers (in this process and in others) may
 * append to at once.
 *
 * The file is opened lazily on the first {@linkcode WitnessLog.append} (created when missing; its folder must
 * exist) and kept open. Every append then, holding an exclusive advisory lock on the file (`flock(2)`, see
 * `fileLocking` in `runtime/log_file.ts`):
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
 * import { WitnessLog } from "./log.ts";
 * import { verifyLog } from "./verify.ts";
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
  #signing: SigningKey | null = null;
  #every: number;
  #file: AppendFile | null = null;
  #regular = true;
  #state: ChainState | null = null;
  #minEnd = 0; // the file never gets shorter than this (sizes seen)
  #refused: string | null = null; // why every later line is refused (the log was removed, replaced or cut)
  #counts: LogCounts;

  /**
   * Make a log writer for `path`; nothing is opened until the first append (a signing key given as a path is
   * read now). Throws a TypeError for an empty path, and an Error when the signing key cannot be used.
   */
  constructor(path: string, options: WitnessLogOptions = {}) {
    if (typeof path !== "string" || path === "") {
      throw new TypeError(`Cannot use witness log path ${JSON.stringify(path)}: expected a non-empty string`);
    }
    this.path = path;
    this.#counts = new LogCounts(path);
    this.#fsync = options.fsync ?? false;
    this.#now = options.now ?? (() => new Date());
    this.#every = options.checkpointEvery ?? 1000;
    if (!Number.isSafeInteger(this.#every) || this.#every < 2) {
      throw new RangeError(`checkpointEvery is ${options.checkpointEvery}, expected an integer >= 2`);
    }
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
    this.#counts.follow(this.#regular ? { dev: file.dev, ino: file.ino } : null);
    return file;
  }

  /** Now, for a line's `ts`; a failing clock refuses the line. */
  #timestamp(): string {
    try {
      return this.#now().toISOString();
    } catch (err) {
      throw new WitnessUnavailableError(this.path, `the clock failed (${osReason(err)})`, err);
    }
  }

  #refuse(reason: string): never {
    this.#refused = reason;
    throw new WitnessUnavailableError(this.path, reason);
  }

  /** With the lock held: check the file's identity and bring the chain state up to what is on disk. */
  #sync(file: AppendFile): ChainState {
    const identity = checkIdentity(this.path, file);
    if ("refused" in identity) this.#refuse(identity.refused);
    const st = identity as FileIdentity;
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
   * import { WitnessLog } from "./log.ts";
   *
   * const log = new WitnessLog(join(mkdtempSync(join(tmpdir(), "witness-")), "witness.log"));
   * const line = log.append({ event: "gate", tool: "run_bash", decision: "ask", details: { risk: "high" } });
   * assert.equal(line.seq, 1);
   * assert.equal(line.prev, "0".repeat(64));
   * log.close();
   * ```
   */
  append(entry: WitnessEntry): WitnessLine {
    return this.appendAll([entry])[0]!;
  }

  /**
   * Append several lines in order under one lock (one identity check), as {@linkcode WitnessLog.append} does for
   * one: when it returns, every line is in the file. No line is written when an entry is not serializable; a
   * failing write throws {@linkcode WitnessUnavailableError} and leaves the lines before it in the file.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { mkdtempSync } from "node:fs";
   * import { tmpdir } from "node:os";
   * import { join } from "node:path";
   * import { WitnessLog } from "./log.ts";
   *
   * const log = new WitnessLog(join(mkdtempSync(join(tmpdir(), "witness-")), "witness.log"));
   * const [a, b] = log.appendAll([
   *   { event: "execute", tool: "read_file", decision: "allow", details: { ok: true } },
   *   { event: "metrics", tool: null, decision: null, details: { action: "update", contextTokens: 12 } },
   * ]);
   * assert.deepEqual([a!.seq, b!.seq], [1, 2]);
   * log.close();
   * ```
   */
  appendAll(entries: readonly WitnessEntry[]): WitnessLine[] {
    const bodies = entries.map((entry) => {
      try {
        return entryBody(entry);
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        throw new WitnessUnavailableError(this.path, `the entry cannot be written as JSON (${why})`, err);
      }
    });
    const ts = this.#timestamp();
    return this.#locked((file, state) =>
      entries.map((entry, i) => {
        const { event, details } = entry;
        const tool = entry.tool ?? null;
        const decision = entry.decision ?? null;
        const key = this.#signing;
        if (key !== null && state.seq % this.#every === 0) {
          this.#counts.counted(
            this.#write(file, state, checkpointLine(key, state.seq, state.prev, ts)),
            "checkpoint",
            null,
            null,
            {},
          );
        }
        const seq = state.seq;
        const prev = state.prev;
        this.#counts.counted(
          this.#write(file, state, lineText(seq, ts, bodies[i]!, prev)),
          event,
          tool,
          decision,
          details,
        );
        return { seq, ts, event: event as WitnessEventName, tool, decision, details, prev };
      })
    );
  }

  /**
   * Write a signed `checkpoint` line now (line count, head hash, signature), when the log has a signing key; the
   * executor calls it after a session's stop line. Returns the line, or null without a key. Throws
   * {@linkcode WitnessUnavailableError} like {@linkcode WitnessLog.append}.
   */
  checkpoint(): WitnessLine | null {
    const key = this.#signing;
    if (key === null) return null;
    const ts = this.#timestamp();
    return this.#locked((file, state) => {
      const seq = state.seq;
      const prev = state.prev;
      const text = checkpointLine(key, state.seq, state.prev, ts);
      this.#counts.counted(this.#write(file, state, text), "checkpoint", null, null, {});
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
   * import { WitnessLog } from "./log.ts";
   *
   * const log = new WitnessLog(join(mkdtempSync(join(tmpdir(), "witness-")), "witness.log"));
   * log.append({ event: "gate", tool: "delete_file", decision: "deny", details: {} });
   * assert.equal(log.stats().session.denied, 1);
   * assert.equal((await log.fullStats()).denied, 1);
   * log.close();
   * ```
   */
  stats(): LogStats {
    return this.#counts.view(this.#knownSize());
  }

  /** {@linkcode WitnessLog.stats} once the scan has read the whole file (as long as it is when called). */
  fullStats(): Promise<LogStats> {
    return this.#counts.full(() => this.#knownSize());
  }

  /** The file's size as this writer sees it, not creating it: 0 when missing, null when uncountable (a device). */
  #knownSize(): number | null {
    try {
      if (this.#file !== null) return this.#regular ? this.#file.stat().size : null;
      const st = statPath(this.path);
      if (!st.isFile) return null;
      this.#counts.follow({ dev: st.dev, ino: st.ino });
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
   * import { WitnessLog } from "./log.ts";
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
    this.#counts.reset();
    if (file !== null) {
      try {
        file.close();
      } catch {
        // nothing left to do with it
      }
    }
  }
}
