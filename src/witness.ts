/**
 * The witness log (SPEC §4): an append-only, hash-chained JSON-lines file. Every decision of the gate is written
 * here before anything runs; when a line cannot be written the call is denied.
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
 * (boolean).
 *
 * Only `node:` APIs and web standards are used, so this module runs on Deno and Bun alike.
 *
 * @module
 */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from "node:fs";
import { createHash } from "node:crypto";
import { Buffer } from "node:buffer";
import type { Decision } from "./types.ts";
import { ToolError } from "./types.ts";
import { sha256Hex as chainHash } from "./_sha256.ts";

/** The kinds of witness lines. */
export type WitnessEventName = "session" | "gate" | "confirm" | "execute" | "metrics";

/** What a caller hands to {@linkcode WitnessLog.append}. */
export interface WitnessEntry {
  /** The kind of event. */
  event: WitnessEventName;
  /** The tool concerned, or null. */
  tool: string | null;
  /** The gate's decision, or null. */
  decision: Decision | null;
  /** Event-specific data; must be JSON-serializable (pass tool arguments through {@linkcode redactArgs}). */
  details: Record<string, unknown>;
}

/** One line of the witness log, as written. */
export interface WitnessLine extends WitnessEntry {
  /** Position in the chain, from 1. */
  seq: number;
  /** ISO 8601 time of the append. */
  ts: string;
  /** sha256 hex of the previous line's bytes, or 64 zeros on the first line. */
  prev: string;
}

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

/** The `prev` of the first line of a log. */
export const GENESIS_PREV: string = "0".repeat(64);

const EVENT_NAMES: ReadonlySet<string> = new Set(["session", "gate", "confirm", "execute", "metrics"]);
const DECISION_NAMES: ReadonlySet<string> = new Set(["allow", "ask", "deny"]);
const LINE_KEYS = ["seq", "ts", "event", "tool", "decision", "details", "prev"] as const;
const HEX64 = /^[0-9a-f]{64}$/;
const NEWLINE = 0x0a;
const CHUNK = 64 * 1024;

/**
 * The witness log cannot be written, so the call is denied (errorCode `witness_unavailable`).
 *
 * @example
 * ```ts
 * import { WitnessUnavailableError } from "./witness.ts";
 * const err = new WitnessUnavailableError("/x/witness.log", "EROFS: read-only file system");
 * console.assert(err.code === "witness_unavailable");
 * console.assert(err.message.includes('"/x/witness.log": EROFS'));
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
  let msg = err.message.replace(/ \(os error \d+\)$/, "");
  if (typeof code === "string" && code !== "") {
    if (msg.startsWith(code + ": ")) msg = msg.slice(code.length + 2);
    msg = msg.replace(/, [a-z_]+(?: '.*')?$/, "");
    msg = msg.charAt(0).toLowerCase() + msg.slice(1);
    return `${code}: ${msg}`;
  }
  return err.name && err.name !== "Error" ? `${err.name}: ${msg}` : msg;
}

function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

function emptyStats(): WitnessStats {
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

function copyStats(s: WitnessStats): WitnessStats {
  return { ...s, byEvent: { ...s.byEvent }, byDecision: { ...s.byDecision }, byTool: { ...s.byTool } };
}

function bump(record: Record<string, number>, key: string): void {
  record[key] = (record[key] ?? 0) + 1;
}

/** Add one (parsed) line to the counters. */
function countLine(s: WitnessStats, event: unknown, tool: unknown, decision: unknown, details: unknown): void {
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

/**
 * Calls `onLine(bytes, index)` for every line of the file at `fd`, in order, reading it in chunks. `bytes` is a
 * view that is valid only during the call. `terminated` is false for a last line without `\n`.
 */
function forEachLine(fd: number, onLine: (bytes: Uint8Array, terminated: boolean) => void): void {
  let buf = Buffer.allocUnsafe(CHUNK);
  let carry = 0; // bytes of an unfinished line at the start of buf
  for (;;) {
    if (carry === buf.length) {
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, carry);
      buf = bigger;
    }
    const n = readSync(fd, buf, carry, buf.length - carry, null);
    if (n === 0) break;
    const end = carry + n;
    let start = 0;
    let nl = buf.indexOf(NEWLINE, carry);
    while (nl !== -1 && nl < end) {
      onLine(buf.subarray(start, nl), true);
      start = nl + 1;
      nl = buf.indexOf(NEWLINE, start);
    }
    carry = end - start;
    if (start > 0 && carry > 0) buf.copy(buf, 0, start, end);
  }
  if (carry > 0) onLine(buf.subarray(0, carry), false);
}

/**
 * Reads lines backwards from the end of the regular file at `fd` of `size` bytes, calling `onLine(bytes,
 * terminated)` from the last line towards the first until it returns false. Reads in chunks; never the whole file
 * unless every line is visited.
 */
function forEachLineBackwards(
  fd: number,
  size: number,
  onLine: (bytes: Uint8Array, terminated: boolean) => boolean,
): void {
  if (size === 0) return;
  let chunk = 8 * 1024;
  // Is the last line terminated? Then its `\n` is not part of it.
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
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
      const n = readSync(fd, piece, got, piece.length - got, readFrom + got);
      if (n === 0) break;
      got += n;
    }
    data = Buffer.concat([piece.subarray(0, got), data]);
    start = readFrom;
    if (chunk < 1024 * 1024) chunk *= 2;
  }
}

/** The `seq` at the start of a line as safe-exec writes it, or null. Works on a cut line too. */
function seqPrefix(bytes: Uint8Array): number | null {
  const head = Buffer.from(bytes.subarray(0, 32)).toString("latin1");
  const m = /^\{"seq":(\d{1,15})[,}]/.exec(head);
  return m ? Number(m[1]) : null;
}

/** Where the chain continues: the next seq, the next prev and whether a cut last line must be terminated first. */
interface ChainState {
  seq: number;
  prev: string;
  needsNewline: boolean;
}

function readChainState(fd: number, size: number): ChainState {
  let state: ChainState | null = null;
  let distance = 0;
  let lastHash = GENESIS_PREV;
  let needsNewline = false;
  forEachLineBackwards(fd, size, (bytes, terminated) => {
    if (distance === 0) {
      lastHash = sha256Hex(bytes);
      needsNewline = !terminated;
    }
    const seq = seqPrefix(bytes);
    if (seq !== null) {
      state = { seq: seq + distance + 1, prev: lastHash, needsNewline };
      return false;
    }
    distance++;
    return true;
  });
  // No line carries a seq (not a safe-exec log, or every line damaged): count the lines.
  return state ?? { seq: distance + 1, prev: size === 0 ? GENESIS_PREV : lastHash, needsNewline };
}

/**
 * An append-only, hash-chained witness log file.
 *
 * The file is opened lazily on the first {@linkcode WitnessLog.append} with `openSync(path, "a")` and kept open;
 * its parent folder must exist. When the file already has lines the chain continues from its last line, read
 * backwards from the end (only for a regular file; a device such as `/dev/full` starts a new chain).
 *
 * A last line that is cut (no `\n`, e.g. after a crash mid-write) is kept as it is: the next append first writes
 * the missing `\n`, then a line whose `prev` is the sha256 of the cut bytes and whose `seq` follows the cut line's
 * `seq` (read from its prefix). The chain stays intact around it and `safe-exec log verify` reports the cut line.
 *
 * One process should write one log: two writers on the same file would each keep their own chain state.
 *
 * @example
 * ```ts
 * import { mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { verifyLog, WitnessLog } from "./witness.ts";
 *
 * const path = join(mkdtempSync(join(tmpdir(), "witness-")), "witness.log");
 * const log = new WitnessLog(path);
 * log.append({ event: "session", tool: null, decision: null, details: { action: "start" } });
 * const line = log.append({ event: "gate", tool: "read_file", decision: "allow", details: { risk: "low" } });
 * log.close();
 * console.assert(line.seq === 2);
 * console.assert(verifyLog(path).ok);
 * ```
 */
export class WitnessLog {
  /** The file's path, as given. */
  readonly path: string;
  #fsync: boolean;
  #now: () => Date;
  #fd: number | null = null;
  #chain: ChainState | null = null;
  #stats: WitnessStats | null = null;

  /**
   * Make a log writer for `path`; nothing is opened until the first append.
   * `fsync` (default false) syncs every line to disk before append returns; `now` replaces the clock (tests).
   * Throws a TypeError for an empty path.
   */
  constructor(path: string, options: { fsync?: boolean; now?: () => Date } = {}) {
    if (typeof path !== "string" || path === "") {
      throw new TypeError(`Cannot use witness log path ${JSON.stringify(path)}: expected a non-empty string`);
    }
    this.path = path;
    this.#fsync = options.fsync ?? false;
    this.#now = options.now ?? (() => new Date());
  }

  #open(): { fd: number; chain: ChainState } {
    if (this.#fd !== null && this.#chain !== null) return { fd: this.#fd, chain: this.#chain };
    let fd: number;
    try {
      fd = openSync(this.path, "a");
    } catch (err) {
      throw new WitnessUnavailableError(this.path, osReason(err), err);
    }
    let chain: ChainState;
    try {
      const st = fstatSync(fd);
      if (st.isFile() && st.size > 0) {
        const rfd = openSync(this.path, "r");
        try {
          const rst = fstatSync(rfd);
          if (rst.ino !== st.ino || rst.dev !== st.dev) throw new Error("the file was replaced while opening it");
          chain = readChainState(rfd, rst.size);
        } finally {
          closeSync(rfd);
        }
      } else {
        chain = { seq: 1, prev: GENESIS_PREV, needsNewline: false };
      }
    } catch (err) {
      try {
        closeSync(fd);
      } catch {
        // already unusable
      }
      throw new WitnessUnavailableError(this.path, `cannot read its last line: ${osReason(err)}`, err);
    }
    this.#fd = fd;
    this.#chain = chain;
    return { fd, chain };
  }

  /**
   * Append one line synchronously. When it returns, the bytes were written with write(2) (and fsync'd when
   * `fsync` is on). Throws {@linkcode WitnessUnavailableError} — and nothing else — when the line cannot be
   * written (the file cannot be opened or written, or the entry is not serializable); `seq`/`prev` are then not
   * advanced, so a retry chains correctly. Returns the line as written.
   *
   * @example
   * ```ts
   * import { mkdtempSync } from "node:fs";
   * import { tmpdir } from "node:os";
   * import { join } from "node:path";
   * import { WitnessLog } from "./witness.ts";
   *
   * const log = new WitnessLog(join(mkdtempSync(join(tmpdir(), "witness-")), "witness.log"));
   * const line = log.append({ event: "gate", tool: "run_bash", decision: "ask", details: { risk: "high" } });
   * console.assert(line.seq === 1 && line.prev === "0".repeat(64));
   * log.close();
   * ```
   */
  append(entry: WitnessEntry): WitnessLine {
    let text: string;
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
      text = `,"event":"${event}","tool":${JSON.stringify(tool)},"decision":${
        decision === null ? "null" : `"${decision}"`
      },"details":${detailsJson},"prev":"`;
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new WitnessUnavailableError(this.path, `the entry cannot be written as JSON (${why})`, err);
    }
    const { fd, chain } = this.#open();
    let ts: string;
    try {
      ts = this.#now().toISOString();
    } catch (err) {
      throw new WitnessUnavailableError(this.path, `the clock failed (${osReason(err)})`, err);
    }
    const seq = chain.seq;
    const prev = chain.prev;
    const lineText = `{"seq":${seq},"ts":"${ts}"${text}${prev}"}`;
    const prefix = chain.needsNewline ? 1 : 0;
    const buf = Buffer.from((prefix ? "\n" : "") + lineText + "\n", "utf8");
    const lineBytes = buf.subarray(prefix, buf.length - 1);
    let written = 0;
    try {
      while (written < buf.length) {
        const n = writeSync(fd, buf, written, buf.length - written);
        if (n <= 0) throw new Error(`write(2) wrote ${n} bytes`);
        written += n;
      }
    } catch (err) {
      if (written > 0) {
        // A short write left part of this line in the file: chain to those bytes, like to a cut line.
        if (written > prefix) {
          chain.prev = chainHash(buf.subarray(prefix, Math.min(written, buf.length - 1)));
          chain.seq = seq + 1;
          chain.needsNewline = written < buf.length;
        } else {
          chain.needsNewline = false;
        }
      }
      throw new WitnessUnavailableError(this.path, osReason(err), err);
    }
    chain.seq = seq + 1;
    chain.prev = chainHash(lineBytes);
    chain.needsNewline = false;
    if (this.#stats !== null) {
      this.#stats.total++;
      countLine(this.#stats, event, tool, decision, details);
    }
    if (this.#fsync) {
      try {
        fsyncSync(fd);
      } catch (err) {
        // The line is in the file (the chain state above already follows it), but not known to be on disk.
        throw new WitnessUnavailableError(this.path, `fsync failed: ${osReason(err)}`, err);
      }
    }
    return { seq, ts, event: event as WitnessEventName, tool, decision, details, prev };
  }

  /**
   * Counts over the whole file, earlier sessions included. The first call scans the file once; later calls cost
   * O(1) in the file's size, as {@linkcode WitnessLog.append} keeps the counters up to date. A file that does not
   * exist yet counts as empty; any other read error is thrown.
   *
   * @example
   * ```ts
   * import { mkdtempSync } from "node:fs";
   * import { tmpdir } from "node:os";
   * import { join } from "node:path";
   * import { WitnessLog } from "./witness.ts";
   *
   * const log = new WitnessLog(join(mkdtempSync(join(tmpdir(), "witness-")), "witness.log"));
   * log.append({ event: "gate", tool: "delete_file", decision: "deny", details: {} });
   * console.assert(log.stats().denied === 1);
   * log.close();
   * ```
   */
  stats(): WitnessStats {
    if (this.#stats === null) {
      try {
        this.#stats = statsOfFile(this.path);
      } catch (err) {
        if ((err as { code?: unknown }).code !== "ENOENT") throw err;
        this.#stats = emptyStats();
      }
    }
    return copyStats(this.#stats);
  }

  /**
   * Close the file. A later append opens it again and continues the chain from the file; the next
   * {@linkcode WitnessLog.stats} scans the file again.
   *
   * @example
   * ```ts
   * import { mkdtempSync } from "node:fs";
   * import { tmpdir } from "node:os";
   * import { join } from "node:path";
   * import { WitnessLog } from "./witness.ts";
   *
   * const log = new WitnessLog(join(mkdtempSync(join(tmpdir(), "witness-")), "witness.log"));
   * log.append({ event: "session", tool: null, decision: null, details: {} });
   * log.close();
   * console.assert(log.append({ event: "session", tool: null, decision: null, details: {} }).seq === 2);
   * log.close();
   * ```
   */
  close(): void {
    const fd = this.#fd;
    this.#fd = null;
    this.#chain = null;
    this.#stats = null;
    if (fd !== null) {
      try {
        closeSync(fd);
      } catch {
        // nothing left to do with it
      }
    }
  }
}

const MAX_STRING = 256;
const MAX_DEPTH = 4;
const MAX_ITEMS = 50;

function digest(text: string): { length: number; sha256: string } {
  return { length: text.length, sha256: chainHash(Buffer.from(text, "utf8")) };
}

function cutString(text: string): string | { cut: string; length: number; sha256: string } {
  if (text.length <= MAX_STRING) return text;
  let end = MAX_STRING;
  const c = text.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--; // do not split a surrogate pair
  return { cut: text.slice(0, end), ...digest(text) };
}

function contentDigest(value: unknown): { length: number; sha256: string } {
  if (typeof value === "string") return digest(value);
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  return digest(text ?? String(value));
}

function redactValue(value: unknown, level: number): unknown {
  switch (typeof value) {
    case "string":
      return cutString(value);
    case "number":
    case "boolean":
      return value;
    case "undefined":
      return null;
    case "bigint":
      return String(value);
    case "symbol":
    case "function":
      return cutString(String(value));
  }
  if (value === null) return null;
  if (Array.isArray(value)) {
    if (level > MAX_DEPTH) return `[array of ${value.length} items, deeper than ${MAX_DEPTH} levels]`;
    const out: unknown[] = [];
    const n = Math.min(value.length, MAX_ITEMS);
    for (let i = 0; i < n; i++) out.push(redactValue(value[i], level + 1));
    if (value.length > MAX_ITEMS) out.push(`[${value.length - MAX_ITEMS} more items left out]`);
    return out;
  }
  const keys = Object.keys(value as object);
  if (level > MAX_DEPTH) return `[object of ${keys.length} keys, deeper than ${MAX_DEPTH} levels]`;
  return redactObject(value as Record<string, unknown>, keys, level);
}

function redactObject(obj: Record<string, unknown>, keys: string[], level: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const n = Math.min(keys.length, MAX_ITEMS);
  for (let i = 0; i < n; i++) {
    const key = keys[i] as string;
    const value = obj[key];
    const outKey = key.length > MAX_STRING ? `${key.slice(0, MAX_STRING)}…[key of ${key.length} chars]` : key;
    out[outKey] = key === "content" ? contentDigest(value) : redactValue(value, level + 1);
  }
  if (keys.length > MAX_ITEMS) out["…"] = `[${keys.length - MAX_ITEMS} more keys left out]`;
  return out;
}

/**
 * Replace long strings and file contents in tool arguments before logging (SPEC §4). Returns a new object;
 * the input is not changed.
 *
 * - A property named `content`, at any depth, becomes `{length, sha256}`; the text is never kept. `length` is the
 *   string's `.length` (UTF-16 code units); `sha256` is over its UTF-8 bytes (non-strings are hashed as JSON).
 * - Any other string longer than 256 chars becomes `{cut: its first 256 chars, length, sha256}` (one char fewer
 *   when the 256th would split a surrogate pair).
 * - Objects and arrays are kept down to 4 levels (the arguments object is level 1); deeper ones become a string
 *   such as `"[object of 3 keys, deeper than 4 levels]"`. At most 50 keys/items are kept; the rest are noted as
 *   `"…": "[N more keys left out]"` or a last item `"[N more items left out]"`.
 * - Numbers, booleans and null pass through; undefined becomes null, bigints become strings.
 *
 * @example
 * ```ts
 * import { redactArgs } from "./witness.ts";
 * const out = redactArgs({ path: "a.txt", content: "secret", cmd: "x".repeat(300) });
 * console.assert(JSON.stringify(out).includes("secret") === false);
 * console.assert((out.content as { length: number }).length === 6);
 * console.assert((out.cmd as { cut: string; length: number }).length === 300);
 * console.assert((out.cmd as { cut: string }).cut.length === 256);
 * ```
 */
export function redactArgs(args: Record<string, unknown>): Record<string, unknown> {
  if (typeof args !== "object" || args === null || Array.isArray(args)) {
    return { args: redactValue(args, 1) };
  }
  return redactObject(args, Object.keys(args), 1);
}

/** The outcome of {@linkcode verifyLog}. `lines` is the number of lines in the file (a cut last line counts). */
export type VerifyResult = { ok: true; lines: number; head: string } | {
  ok: false;
  lines: number;
  line: number;
  reason: string;
};

function short(hash: string): string {
  return hash.length > 12 ? hash.slice(0, 12) + "…" : hash;
}

/** Why one parsed line is malformed, or null. */
function checkShape(value: unknown): string | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "is not a JSON object";
  const keys = Object.keys(value);
  if (keys.length !== LINE_KEYS.length || keys.some((k, i) => k !== LINE_KEYS[i])) {
    return `has keys ${keys.join(",")}, expected ${LINE_KEYS.join(",")} in that order`;
  }
  const v = value as Record<string, unknown>;
  if (typeof v.seq !== "number" || !Number.isSafeInteger(v.seq) || v.seq < 1) {
    return `seq is ${JSON.stringify(v.seq)}, expected a positive integer`;
  }
  if (typeof v.ts !== "string" || Number.isNaN(Date.parse(v.ts))) {
    return `ts is ${JSON.stringify(v.ts)}, expected an ISO 8601 time`;
  }
  if (typeof v.event !== "string" || !EVENT_NAMES.has(v.event)) {
    return `event is ${JSON.stringify(v.event)}, expected one of ${[...EVENT_NAMES].join(", ")}`;
  }
  if (v.tool !== null && typeof v.tool !== "string") {
    return `tool is ${JSON.stringify(v.tool)}, expected a string or null`;
  }
  if (v.decision !== null && (typeof v.decision !== "string" || !DECISION_NAMES.has(v.decision))) {
    return `decision is ${JSON.stringify(v.decision)}, expected "allow", "ask", "deny" or null`;
  }
  if (typeof v.details !== "object" || v.details === null || Array.isArray(v.details)) {
    return "details is not a JSON object";
  }
  if (typeof v.prev !== "string" || !HEX64.test(v.prev)) {
    return `prev is ${JSON.stringify(v.prev)}, expected 64 lowercase hex digits`;
  }
  return null;
}

/**
 * Check a witness log: every line is a JSON object with the fields in order, `seq` runs 1, 2, 3, … and every
 * `prev` is the sha256 of the line before (64 zeros on line 1). Reads the file in chunks. Reports the FIRST bad
 * line (1-based), e.g. `line 7: prev does not match the sha256 of line 6 (expected ab12…, found cd34…)`; an edited,
 * removed or reordered line is detected, as is a cut last line. On success `head` is the sha256 of the last line
 * (64 zeros for an empty file).
 *
 * The chain alone cannot detect an edit of the LAST line, nor removal of lines at the end: keep the `head` hash
 * somewhere else (it is the anchor) and compare it later.
 *
 * A log must start at seq 1: safe-exec never rotates logs, so a first line with a later seq means lines were
 * removed from the start, and is reported.
 *
 * Throws the fs error when the file cannot be opened or read.
 *
 * @example
 * ```ts
 * import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { verifyLog, WitnessLog } from "./witness.ts";
 *
 * const path = join(mkdtempSync(join(tmpdir(), "witness-")), "witness.log");
 * const log = new WitnessLog(path);
 * for (let i = 0; i < 3; i++) log.append({ event: "metrics", tool: null, decision: null, details: { i } });
 * log.close();
 * const result = verifyLog(path);
 * console.assert(result.ok && result.lines === 3);
 * writeFileSync(path, readFileSync(path, "utf8").replace('"i":1', '"i":9'));
 * const broken = verifyLog(path);
 * console.assert(!broken.ok && broken.line === 3);
 * ```
 */
export function verifyLog(path: string): VerifyResult {
  const fd = openSync(path, "r");
  let lines = 0;
  let prevHash = GENESIS_PREV;
  let failure: { line: number; reason: string } | null = null;
  const decoder = new TextDecoder("utf-8", { fatal: true });
  try {
    forEachLine(fd, (bytes, terminated) => {
      lines++;
      if (failure !== null) return;
      const n = lines;
      const fail = (reason: string) => {
        failure = { line: n, reason: `line ${n}: ${reason}` };
      };
      let value: unknown;
      try {
        value = JSON.parse(decoder.decode(bytes));
      } catch (err) {
        const why = err instanceof TypeError ? "is not valid UTF-8" : "is not valid JSON";
        return fail(terminated ? why : `is cut (no trailing newline, the write did not complete) and ${why}`);
      }
      const bad = checkShape(value);
      if (bad !== null) return fail(bad);
      if (!terminated) return fail("has no trailing newline (cut line)");
      const v = value as { seq: number; prev: string };
      if (v.seq !== n) {
        return fail(
          n === 1
            ? `seq is ${v.seq}, expected 1 (a log starts at seq 1; lines before it were removed)`
            : `seq is ${v.seq}, expected ${n} (line ${n - 1} has seq ${n - 1}): a line was removed, added or moved`,
        );
      }
      if (v.prev !== prevHash) {
        return fail(
          n === 1
            ? `prev is ${short(v.prev)}, expected 64 zeros on the first line`
            : `prev does not match the sha256 of line ${n - 1} (expected ${short(prevHash)}, found ${short(v.prev)})`,
        );
      }
      prevHash = sha256Hex(bytes);
    });
  } finally {
    closeSync(fd);
  }
  const f = failure as { line: number; reason: string } | null;
  if (f !== null) return { ok: false, lines, line: f.line, reason: f.reason };
  return { ok: true, lines, head: prevHash };
}

/**
 * Counts over the witness log at `path` (see {@linkcode WitnessStats}). Reads the file in chunks; lines that do
 * not parse count in `total` only. Throws the fs error when the file cannot be read.
 *
 * @example
 * ```ts
 * import { mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { statsOfFile, WitnessLog } from "./witness.ts";
 *
 * const path = join(mkdtempSync(join(tmpdir(), "witness-")), "witness.log");
 * const log = new WitnessLog(path);
 * log.append({ event: "gate", tool: "run_bash", decision: "ask", details: {} });
 * log.append({ event: "confirm", tool: "run_bash", decision: "ask", details: { approved: true } });
 * log.close();
 * const stats = statsOfFile(path);
 * console.assert(stats.total === 2 && stats.asked === 1 && stats.approved === 1);
 * ```
 */
export function statsOfFile(path: string): WitnessStats {
  const fd = openSync(path, "r");
  const stats = emptyStats();
  const decoder = new TextDecoder();
  try {
    forEachLine(fd, (bytes) => {
      stats.total++;
      let v: unknown;
      try {
        v = JSON.parse(decoder.decode(bytes));
      } catch {
        return;
      }
      if (typeof v !== "object" || v === null) return;
      const o = v as Record<string, unknown>;
      countLine(stats, o.event, o.tool, o.decision, o.details);
    });
  } finally {
    closeSync(fd);
  }
  return stats;
}

/**
 * The last `n` lines of the file at `path`, as raw text without their `\n`, oldest first. Reads backwards from
 * the end in chunks, not the whole file. A cut last line (no `\n`) is returned as it is. Throws a RangeError for
 * a bad `n` and the fs error when the file cannot be read.
 *
 * @example
 * ```ts
 * import { mkdtempSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { tailLog } from "./witness.ts";
 *
 * const path = join(mkdtempSync(join(tmpdir(), "witness-")), "witness.log");
 * writeFileSync(path, "a\nb\nc\n");
 * console.assert(JSON.stringify(tailLog(path, 2)) === '["b","c"]');
 * ```
 */
export function tailLog(path: string, n: number): string[] {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`Cannot tail ${n} lines: expected an integer >= 0`);
  const out: string[] = [];
  if (n === 0) return out;
  const fd = openSync(path, "r");
  const decoder = new TextDecoder();
  try {
    const st = fstatSync(fd);
    if (st.isFile()) {
      forEachLineBackwards(fd, st.size, (bytes) => {
        out.push(decoder.decode(bytes));
        return out.length < n;
      });
    } else {
      // Not seekable from the end (a pipe or a device): read forwards, keep the last n.
      forEachLine(fd, (bytes) => {
        out.push(decoder.decode(bytes));
        if (out.length > n) out.shift();
      });
      out.reverse();
    }
  } finally {
    closeSync(fd);
  }
  return out.reverse();
}
