/**
 * `verifyLog`: walk a whole witness log once and report every problem by kind and line (SPEC §4.1), not only the
 * first: cut lines, lines that are not witness lines, edits, removals, reorders, forks; with `head`, a head kept
 * elsewhere that the log no longer holds; with `publicKey`, checkpoints whose signature or content does not hold.
 * A log that ends without a session stop line, an empty log and lines no signature covers are warnings.
 *
 * How lines are judged: every line is hashed; a line whose sha256 is the next line's `prev` is vouched for by
 * that line (it is byte for byte what was there when the next one was written), so for those only the frame
 * (`{"seq":N,"ts":"…","event":"…",…,"prev":"<64 hex>"}`) is read, not the whole JSON. Lines at a problem, the
 * checkpoints and the last line (nothing vouches for it) are parsed in full. A link that breaks is explained by
 * looking for the `prev` among the last 4096 lines (a fork or a reorder) or among the next ones (a reorder), and
 * by the `seq` numbers (a removal, or an edit).
 *
 * @module
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type { KeyObject } from "node:crypto";
import { Buffer } from "node:buffer";
import { sha256Into } from "../runtime/hash.ts";
import { forEachLine } from "./_lines.ts";
import { checkCheckpoint, keyFingerprint, parsePublicKey, type PublicKey } from "./sign.ts";

/** What is wrong at a place in the log. */
export type ProblemKind =
  | "cut"
  | "inserted"
  | "edit"
  | "removal"
  | "reorder"
  | "fork"
  | "head"
  | "signature";

/** One problem: its kind, the lines it spans (1-based, `endLine` = `line` for one line) and what was found. */
export interface VerifyProblem {
  /** The kind. */
  kind: ProblemKind;
  /** The first line concerned. */
  line: number;
  /** The last line concerned. */
  endLine: number;
  /** What was found, in words, with line numbers and seqs. */
  message: string;
}

/** Something a reader should know that is not (provably) damage. */
export type WarningKind = "empty" | "no-stop" | "checkpoints-unchecked" | "unsigned-tail";

/** One warning. */
export interface VerifyWarning {
  /** The kind. */
  kind: WarningKind;
  /** The line concerned, or null. */
  line: number | null;
  /** In words. */
  message: string;
}

/** The outcome of {@linkcode verifyLog}. */
export interface VerifyReport {
  /** No problems (warnings allowed). */
  ok: boolean;
  /** Lines in the file (a cut last line counts). */
  lines: number;
  /** Bytes in the file. */
  bytes: number;
  /** sha256 hex of the last line (64 zeros for an empty file): keep it elsewhere, and pass it as `head` later. */
  head: string;
  /** With `head`: the line whose sha256 it is, or null when the log does not hold it. */
  headLine: number | null;
  /** The problems in line order (the first {@linkcode MAX_PROBLEMS}). */
  problems: VerifyProblem[];
  /** How many problems there are in all. */
  problemCount: number;
  /** The warnings. */
  warnings: VerifyWarning[];
  /** Checkpoint lines: how many, how many had a good signature (with `publicKey`), and the line of the last one. */
  checkpoints: { total: number; verified: number; lastLine: number | null };
}

/** Options of {@linkcode verifyLog}. */
export interface VerifyOptions {
  /** A head kept elsewhere (64 hex digits): the log must hold a line with this sha256. */
  head?: string;
  /** The Ed25519 public key (PEM text or a KeyObject) whose signatures the checkpoints must carry. */
  publicKey?: string | KeyObject;
}

/** How many problems a report keeps (all are counted). */
export const MAX_PROBLEMS = 1000;

const WINDOW = 4096; // lines whose hashes are kept to explain a broken link
const FORK_GAP = 64; // lines after a fork within which more branch lines belong to it
const HEX64 = /^[0-9a-f]{64}$/;
const LINE_KEYS = ["seq", "ts", "event", "tool", "decision", "details", "prev"] as const;
const EVENTS: ReadonlySet<string> = new Set(["session", "gate", "confirm", "execute", "metrics", "checkpoint"]);
const DECISIONS: ReadonlySet<string> = new Set(["allow", "ask", "deny"]);

const HEX_VALUE = (() => {
  const t = new Int8Array(256).fill(-1);
  for (let i = 0; i < 10; i++) t[0x30 + i] = i;
  for (let i = 0; i < 6; i++) t[0x61 + i] = 10 + i;
  return t;
})();

const HEX_DIGITS = "0123456789abcdef";
function hex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    s += HEX_DIGITS[b >> 4]! + HEX_DIGITS[b & 15]!;
  }
  return s;
}

function ascii(text: string): Uint8Array {
  return Buffer.from(text, "latin1");
}

const PREFIX = ascii('{"seq":');
const TS_KEY = ascii('"ts":"');
const EVENT_KEY = ascii('","event":"');
const PREV_KEY = ascii(',"prev":"');
const STOP_TAIL = ascii('","tool":null,"decision":null,"details":{"action":"stop"');
const SUFFIX_LEN = PREV_KEY.length + 64 + 2;

function startsAt(b: Uint8Array, at: number, what: Uint8Array): boolean {
  if (at + what.length > b.length) return false;
  for (let i = 0; i < what.length; i++) if (b[at + i] !== what[i]) return false;
  return true;
}

const EV_OTHER = 0;
const EV_SESSION_STOP = 1;
const EV_CHECKPOINT = 2;
const EV_SESSION = 3;

/** The frame of a line as safe-exec writes it: seq, event class and prev (into `prevOut`), or seq -1. */
interface Frame {
  seq: number;
  event: number;
}

/** Read the frame of `b` without parsing its JSON; false when it is not framed like a witness line. */
function readFrame(b: Uint8Array, prevOut: Uint8Array, out: Frame): boolean {
  const n = b.length;
  if (n < 100 || !startsAt(b, 0, PREFIX)) return false;
  let i = 7;
  let seq = 0;
  const first = b[i] as number;
  if (first < 0x31 || first > 0x39) return false; // no leading zero, no sign
  while (i < 23) {
    const c = b[i] as number;
    if (c < 0x30 || c > 0x39) break;
    seq = seq * 10 + (c - 0x30);
    i++;
  }
  if (b[i] !== 0x2c || !startsAt(b, i + 1, TS_KEY)) return false;
  const ev = i + 1 + TS_KEY.length + 24;
  if (!startsAt(b, ev, EVENT_KEY)) return false;
  const name = ev + EVENT_KEY.length;
  const c0 = b[name];
  if (c0 === 0x73 /* s */ && b[name + 7] === 0x22) {
    out.event = startsAt(b, name + 7, STOP_TAIL) && startsAt(b, name, ascii("session")) ? EV_SESSION_STOP : EV_SESSION;
  } else if (c0 === 0x63 /* c */ && b[name + 1] === 0x68 /* h */) {
    out.event = EV_CHECKPOINT;
  } else {
    out.event = EV_OTHER;
  }
  const p = n - SUFFIX_LEN;
  if (b[n - 1] !== 0x7d || b[n - 2] !== 0x22 || !startsAt(b, p, PREV_KEY)) return false;
  const h = p + PREV_KEY.length;
  for (let k = 0; k < 32; k++) {
    const hi = HEX_VALUE[b[h + 2 * k] as number] as number;
    const lo = HEX_VALUE[b[h + 2 * k + 1] as number] as number;
    if (hi < 0 || lo < 0) return false;
    prevOut[k] = (hi << 4) | lo;
  }
  out.seq = seq;
  return true;
}

/** Why one parsed line is not a witness line, or null. */
function shapeProblem(value: unknown): string | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "is not a JSON object";
  const keys = Object.keys(value);
  if (keys.length !== LINE_KEYS.length || keys.some((k, i) => k !== LINE_KEYS[i])) {
    return `has keys ${keys.join(",")}, expected ${LINE_KEYS.join(",")} in that order`;
  }
  const v = value as Record<string, unknown>;
  if (typeof v.seq !== "number" || !Number.isSafeInteger(v.seq) || v.seq < 1) {
    return `has seq ${JSON.stringify(v.seq)}, expected a positive integer`;
  }
  if (typeof v.ts !== "string" || Number.isNaN(Date.parse(v.ts))) {
    return `has ts ${JSON.stringify(v.ts)}, expected an ISO 8601 time`;
  }
  if (typeof v.event !== "string" || !EVENTS.has(v.event)) {
    return `has event ${JSON.stringify(v.event)}, expected one of ${[...EVENTS].join(", ")}`;
  }
  if (v.tool !== null && typeof v.tool !== "string") {
    return `has tool ${JSON.stringify(v.tool)}, expected a string or null`;
  }
  if (v.decision !== null && (typeof v.decision !== "string" || !DECISIONS.has(v.decision))) {
    return `has decision ${JSON.stringify(v.decision)}, expected "allow", "ask", "deny" or null`;
  }
  if (typeof v.details !== "object" || v.details === null || Array.isArray(v.details)) {
    return "has details that are not a JSON object";
  }
  if (typeof v.prev !== "string" || !HEX64.test(v.prev)) {
    return `has prev ${JSON.stringify(v.prev)}, expected 64 lowercase hex digits`;
  }
  return null;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A whole parse of one line: the object, or why it is not a witness line (and whether it is cut JSON). */
function parseLine(bytes: Uint8Array): { value: Record<string, unknown> } | { why: string; json: boolean } {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes));
  } catch (err) {
    return { why: err instanceof TypeError ? "is not valid UTF-8" : "is not valid JSON", json: false };
  }
  const bad = shapeProblem(value);
  return bad === null ? { value: value as Record<string, unknown> } : { why: bad, json: true };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function seqRange(from: number, to: number): string {
  return from === to ? `seq ${from}` : `seq ${from}-${to}`;
}

/**
 * Check a witness log and report every problem (see the module doc). `path` `"-"` reads standard input (a pipe is
 * read in order). Reads the file once, in chunks; memory
 * stays bounded (4096 hashes, the first {@linkcode MAX_PROBLEMS} problems). Throws the fs error when the file
 * cannot be opened or read, a TypeError for a `head` that is not 64 hex digits, and an Error for a public key
 * that is not an Ed25519 key.
 *
 * The chain alone cannot see lines cut from the end of the log, or a log rewritten from some line on with every
 * hash recomputed: pass a `head` kept elsewhere, and sign the log (`witness.signingKey`) and pass `publicKey`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { WitnessLog } from "./log.ts";
 * import { verifyLog } from "./verify.ts";
 *
 * const path = join(mkdtempSync(join(tmpdir(), "witness-")), "witness.log");
 * const log = new WitnessLog(path);
 * log.append({ event: "session", tool: null, decision: null, details: { action: "start" } });
 * for (let i = 0; i < 3; i++) log.append({ event: "metrics", tool: null, decision: null, details: { i } });
 * log.append({ event: "session", tool: null, decision: null, details: { action: "stop" } });
 * log.close();
 * assert.equal(verifyLog(path).ok, true);
 * writeFileSync(path, readFileSync(path, "utf8").replace('"i":1', '"i":9'));
 * const broken = verifyLog(path);
 * assert.deepEqual(broken.problems.map((p) => `${p.kind}@${p.line}`), ["edit@3"]);
 * ```
 */
export function verifyLog(path: string, options: VerifyOptions = {}): VerifyReport {
  let headWanted: Uint8Array | null = null;
  if (options.head !== undefined) {
    if (typeof options.head !== "string" || !/^[0-9a-fA-F]{64}$/.test(options.head)) {
      throw new TypeError(`Cannot check against the head ${JSON.stringify(options.head)}: expected 64 hex digits`);
    }
    headWanted = Buffer.from(options.head.toLowerCase(), "hex");
  }
  let key: PublicKey | null = null;
  if (options.publicKey !== undefined) {
    key = typeof options.publicKey === "string"
      ? parsePublicKey(options.publicKey)
      : { publicKey: options.publicKey, fingerprint: keyFingerprint(options.publicKey) };
  }

  const problems: VerifyProblem[] = [];
  let problemCount = 0;
  const warnings: VerifyWarning[] = [];
  const add = (kind: ProblemKind, line: number, message: string, endLine = line): void => {
    const last = problems.at(-1);
    // a run of junk or cut lines, or one fork, is one problem over a range of lines
    if (
      last && last.kind === kind && (kind === "inserted" || kind === "fork" || kind === "reorder") &&
      line <= last.endLine + (kind === "fork" ? FORK_GAP : 2) && problemCount === problems.length
    ) {
      last.endLine = Math.max(last.endLine, endLine);
      if (kind === "inserted") {
        last.message = `lines ${last.line}-${last.endLine} are not witness lines (text put into the log)`;
      } else if (kind === "reorder") {
        last.message = `lines ${last.line}-${last.endLine} are out of order: ` +
          `their prev hashes link them in another order than the file has them`;
      }
      return;
    }
    problemCount++;
    if (problems.length < MAX_PROBLEMS) problems.push({ kind, line, endLine, message });
  };

  // the last WINDOW lines: hash, seq (NaN when unknown), children (lines that continue it), first child, parsed
  const ringHash = new Uint8Array(WINDOW * 32);
  const ring32 = new Uint32Array(ringHash.buffer);
  const ringSeq = new Float64Array(WINDOW);
  const ringChildren = new Uint8Array(WINDOW);
  const ringFirstChild = new Float64Array(WINDOW);
  const prev = new Uint8Array(32);
  const prev32 = new Uint32Array(prev.buffer);
  const zero = new Uint8Array(32);
  const frame: Frame = { seq: 0, event: 0 };
  // a broken link whose prev was not found earlier: maybe the line it continues comes later (a reorder)
  const pending: Array<{ hash: Uint32Array; line: number; problem: VerifyProblem | null; until: number }> = [];
  const head32 = headWanted === null ? null : new Uint32Array(new Uint8Array(headWanted).buffer);

  let lines = 0;
  let lastHashSlot = -1; // slot of the previous line
  let lastSeq = NaN; // seq of the previous line (NaN if unknown)
  let lastKnownSeq = NaN; // the latest seq read, and its line
  let lastKnownLine = 0;
  let lastParsedLine = 0; // the latest line whose frame was read
  let lastTerminated = true;
  let lastWasParsed = false; // whether the last line was parsed in full (not only its frame read)
  let lastNonCheckpointEvent = -1;
  let lastNonCheckpointLine = 0;
  let headLine: number | null = null;
  let lastForkLine = 0; // the latest line of a fork's branches
  const cps = { total: 0, verified: 0, lastLine: null as number | null };

  const sameHash = (slot: number, h32: Uint32Array): boolean => {
    const o = slot * 8;
    for (let k = 0; k < 8; k++) if (ring32[o + k] !== h32[k]) return false;
    return true;
  };
  const findBack = (h32: Uint32Array, i: number): number => {
    for (let j = i - 2; j >= 1 && j > i - WINDOW; j--) if (sameHash(j & (WINDOW - 1), h32)) return j;
    return 0;
  };

  const checkpoint = (i: number, value: Record<string, unknown>): void => {
    cps.total++;
    cps.lastLine = i;
    if (key === null) return;
    const d = value.details as Record<string, unknown>;
    const seq = value.seq as number;
    if (d.key !== key.fingerprint) {
      return add(
        "signature",
        i,
        `the checkpoint at line ${i} is signed by another key (${JSON.stringify(d.key)}), not ${key.fingerprint}`,
      );
    }
    if (d.lines !== seq - 1 || d.head !== value.prev) {
      return add(
        "signature",
        i,
        `the checkpoint at line ${i} signs ${JSON.stringify(d.lines)} lines ending at ${
          String(d.head).slice(0, 12)
        }…, but it follows seq ${seq - 1} at ${String(value.prev).slice(0, 12)}…: the lines before it were changed`,
      );
    }
    if (typeof d.signature !== "string" || !checkCheckpoint(key, d.lines as number, d.head as string, d.signature)) {
      return add("signature", i, `the checkpoint at line ${i} has a bad signature`);
    }
    cps.verified++;
  };

  const onLine = (bytes: Uint8Array, terminated: boolean): void => {
    const i = ++lines;
    const slot = i & (WINDOW - 1);
    const hashOut = ringHash.subarray(slot * 32, slot * 32 + 32);
    sha256Into(bytes, hashOut);
    ringChildren[slot] = 0;
    ringFirstChild[slot] = 0;
    if (head32 !== null && headLine === null && sameHash(slot, head32)) headLine = i;
    if (pending.length > 0) {
      for (let k = pending.length - 1; k >= 0; k--) {
        const p = pending[k]!;
        if (sameHash(slot, p.hash)) {
          // the line that broken link continues comes later: the lines are out of order
          if (p.problem) {
            p.problem.kind = "reorder";
            p.problem.endLine = Math.max(p.problem.endLine, i);
            p.problem.message = `line ${p.line} continues line ${i}, which comes after it: lines are out of order`;
          }
          pending.splice(k, 1);
        } else if (p.until < i) {
          pending.splice(k, 1);
        }
      }
    }
    lastTerminated = terminated;

    let seq: number;
    let event: number;
    let fast = readFrame(bytes, prev, frame);
    let parsed: Record<string, unknown> | null = null;
    if (fast) {
      seq = frame.seq;
      event = frame.event;
    } else {
      const whole = parseLine(bytes);
      if ("value" in whole) {
        parsed = whole.value;
        seq = parsed.seq as number;
        prev.set(Buffer.from(parsed.prev as string, "hex"));
        const d = parsed.details as Record<string, unknown>;
        event = parsed.event === "checkpoint"
          ? EV_CHECKPOINT
          : parsed.event === "session"
          ? (d.action === "stop" ? EV_SESSION_STOP : EV_SESSION)
          : EV_OTHER;
      } else {
        // not a witness line: cut (a write that did not complete), or something else put into the log
        const s = bytes.length >= 7 && startsAt(bytes, 0, PREFIX) ? seqPrefixOf(bytes) : NaN;
        ringSeq[slot] = s;
        const cut = !whole.json && (!Number.isNaN(s) || (!terminated && bytes.length > 0 && bytes[0] === 0x7b));
        if (whole.json && !Number.isNaN(s)) {
          add("edit", i, `line ${i} (seq ${s}) is not a witness line as safe-exec writes them: it ${whole.why}`);
        } else if (cut) {
          add(
            "cut",
            i,
            `line ${i}${Number.isNaN(s) ? "" : ` (seq ${s})`} is cut: it ${whole.why}${
              terminated ? "" : " and has no newline"
            } (a write that did not complete: a full disk, a crash, or the line was shortened)`,
          );
          lastKnownSeq = Number.isNaN(s) ? lastKnownSeq : s;
          lastKnownLine = Number.isNaN(s) ? lastKnownLine : i;
        } else {
          add("inserted", i, `line ${i} is not a witness line: it ${whole.why} (text put into the log)`);
        }
        lastSeq = s;
        lastHashSlot = slot;
        lastWasParsed = true;
        return;
      }
      fast = false;
    }
    ringSeq[slot] = seq;
    const expected = !Number.isNaN(lastSeq)
      ? lastSeq + 1
      : !Number.isNaN(lastKnownSeq)
      ? lastKnownSeq + (i - lastKnownLine)
      : NaN;

    if (i === 1) {
      if (prev32.every((w) => w === 0)) {
        if (seq !== 1) add("edit", 1, `line 1 has seq ${seq}, expected 1 (it starts the chain: prev is 64 zeros)`);
      } else if (seq > 1) {
        add(
          "removal",
          1,
          `the log starts at seq ${seq}: ${plural(seq - 1, "line")} (${seqRange(1, seq - 1)}) are missing ` +
            `from its start (safe-exec never rotates a log)`,
        );
      } else {
        add("edit", 1, "line 1 was changed: a log's first line has a prev of 64 zeros");
      }
    } else if (lastHashSlot >= 0 && sameHash(lastHashSlot, prev32)) {
      // the normal case: this line continues the one before it
      ringChildren[lastHashSlot] = 1;
      ringFirstChild[lastHashSlot] = i;
      if (!Number.isNaN(expected) && seq !== expected) {
        add("edit", i, `line ${i} has seq ${seq}, expected ${expected}: it continues line ${i - 1}, so it was changed`);
      }
    } else if (prev.every((b, k) => b === zero[k])) {
      add("inserted", i, `line ${i} starts a new chain (prev of 64 zeros) in the middle of the log`);
    } else {
      const j = findBack(prev32, i);
      if (j > 0) {
        const js = j & (WINDOW - 1);
        const children = ++ringChildren[js]!;
        const last = problems.at(-1);
        const other = ringFirstChild[js]!;
        if (
          children >= 2 && other > i - WINDOW && sameHash(other & (WINDOW - 1), new Uint32Array(hashOut.slice().buffer))
        ) {
          add("inserted", i, `line ${i} repeats line ${other} byte for byte (a copy put into the log)`);
        } else if (children >= 2) {
          const inFork = last && last.kind === "fork" && i <= last.endLine + FORK_GAP &&
            problemCount === problems.length;
          if (inFork) last.endLine = i; // one more fork point among the same interleaved writers
          else {
            add(
              "fork",
              Math.min(other, i),
              `lines ${other} and ${i} both continue line ${j}: two writers appended without a lock, and the chain ` +
                `forks there`,
              i,
            );
          }
          lastForkLine = i;
        } else if (lastParsedLine <= j) {
          // only junk or cut lines lie between: they were put in (and are reported as such)
          ringFirstChild[js] = i;
        } else if (lastForkLine > 0 && i <= lastForkLine + FORK_GAP) {
          // a branch of a fork goes on, interleaved with the other one(s)
          ringFirstChild[js] = i;
          lastForkLine = i;
          if (last && last.kind === "fork" && problemCount === problems.length) last.endLine = i;
        } else {
          ringFirstChild[js] = i;
          add("reorder", i, `line ${i} continues line ${j}, not line ${i - 1}: lines are out of order`);
        }
      } else {
        let problem: VerifyProblem | null = null;
        const before = problemCount;
        if (Number.isNaN(expected) || seq === expected) {
          add(
            "edit",
            i - 1,
            `line ${i - 1} was changed after line ${i} was written: its sha256 is not the prev of line ${i}`,
          );
        } else if (seq > expected) {
          add(
            "removal",
            i,
            `${plural(seq - expected, "line")} (${seqRange(expected, seq - 1)}) ${
              seq - expected === 1 ? "is" : "are"
            } missing before line ${i}: it has seq ${seq} and continues no line near it`,
          );
        } else {
          add("reorder", i, `line ${i} has seq ${seq} after seq ${expected - 1}: lines are out of order`);
        }
        if (problemCount > before && problems.length === problemCount) problem = problems.at(-1) ?? null;
        pending.push({ hash: new Uint32Array(prev.slice().buffer), line: i, problem, until: i + WINDOW });
        if (pending.length > 64) pending.shift();
      }
    }

    if (event === EV_CHECKPOINT) {
      parsed ??= (() => {
        const whole = parseLine(bytes);
        return "value" in whole ? whole.value : null;
      })();
      if (parsed) checkpoint(i, parsed);
      else add("edit", i, `line ${i} is framed as a checkpoint but is not valid JSON`);
    } else {
      lastNonCheckpointEvent = event;
      lastNonCheckpointLine = i;
    }
    lastSeq = seq;
    lastKnownSeq = seq;
    lastKnownLine = i;
    lastParsedLine = i;
    lastHashSlot = slot;
    lastWasParsed = !fast;
  };

  const fd = path === "-" ? 0 : openSync(path, "r");
  let bytes = 0;
  try {
    const st = fstatSync(fd);
    // a pipe or a device (`cat log | safe-exec log verify /dev/stdin`) is read in order, its last line kept
    const regular = st.isFile();
    let lastCopy: Uint8Array | null = null;
    let streamed = 0;
    forEachLine(
      (buf, pos) => readSync(fd, buf, 0, buf.length, regular ? pos : null),
      regular ? onLine : (line, terminated) => {
        streamed += line.length + (terminated ? 1 : 0);
        lastCopy = line.slice();
        onLine(line, terminated);
      },
      { chunk: 1024 * 1024 },
    );
    bytes = regular ? st.size : streamed;
    // the last line is vouched for by nothing: parse it in full (the reader's view is gone, so read it again)
    if (lines > 0 && !lastWasParsed) {
      const whole = parseLine(lastCopy ?? readLastLine(fd, bytes));
      if (!("value" in whole)) {
        add(whole.json ? "edit" : "cut", lines, `the last line (line ${lines}) ${whole.why}`);
      }
    }
  } finally {
    if (fd !== 0) closeSync(fd);
  }

  if (lines > 0 && !lastTerminated && problems.at(-1)?.line !== lines) {
    add("cut", lines, `line ${lines} has no newline at its end: the write did not complete`);
  }
  const headHex = lines === 0 ? "0".repeat(64) : hex(ringHash.subarray(lastHashSlot * 32, lastHashSlot * 32 + 32));
  if (headWanted !== null && headLine === null) {
    add(
      "head",
      Math.max(lines, 1),
      `the head ${options.head} you kept is not in the log: lines were cut from its end (or the log was replaced, ` +
        `or that line was changed)`,
    );
  }
  if (key !== null && cps.total === 0) {
    add("signature", Math.max(lines, 1), `no checkpoint in the log: it was not signed (by ${key.fingerprint})`);
  }

  if (lines === 0) {
    warnings.push({
      kind: "empty",
      line: null,
      message: "the log is empty: if it ever had lines they were removed; compare with a head kept elsewhere",
    });
  } else if (lastNonCheckpointEvent !== EV_SESSION_STOP) {
    warnings.push({
      kind: "no-stop",
      line: lastNonCheckpointLine || lines,
      message: `the log ends without a session stop line (line ${
        lastNonCheckpointLine || lines
      } is not one): a session still running, a crash, or its end was cut; compare with a head kept elsewhere`,
    });
  }
  if (cps.total > 0 && key === null) {
    warnings.push({
      kind: "checkpoints-unchecked",
      line: cps.lastLine,
      message: `${plural(cps.total, "signed checkpoint")} not checked: pass the public key (--key PUBLIC)`,
    });
  }
  if (key !== null && cps.lastLine !== null && cps.lastLine < lines) {
    warnings.push({
      kind: "unsigned-tail",
      line: cps.lastLine + 1,
      message: `${plural(lines - cps.lastLine, "line")} after the last checkpoint (line ${cps.lastLine}) ${
        lines - cps.lastLine === 1 ? "is" : "are"
      } covered by no signature`,
    });
  }
  for (const p of problems) {
    if (p.kind === "fork" && p.endLine > p.line + 1) {
      p.message += `; the writers' lines interleave through line ${p.endLine}`;
    }
  }
  problems.sort((a, b) => a.line - b.line);
  return {
    ok: problemCount === 0,
    lines,
    bytes,
    head: headHex,
    headLine,
    problems,
    problemCount,
    warnings,
    checkpoints: cps,
  };
}

function seqPrefixOf(bytes: Uint8Array): number {
  let i = 7;
  let seq = 0;
  while (i < bytes.length && i < 23) {
    const c = bytes[i] as number;
    if (c < 0x30 || c > 0x39) break;
    seq = seq * 10 + (c - 0x30);
    i++;
  }
  return i === 7 || (i < bytes.length && bytes[i] !== 0x2c && bytes[i] !== 0x7d) ? NaN : seq;
}

function readLastLine(fd: number, size: number): Uint8Array {
  let from = size;
  let chunk = 8192;
  let data = Buffer.alloc(0);
  let end = size;
  // drop the final newline
  const one = Buffer.alloc(1);
  if (size > 0 && readSync(fd, one, 0, 1, size - 1) === 1 && one[0] === 0x0a) end = size - 1;
  from = end;
  for (;;) {
    const start = Math.max(0, from - chunk);
    const piece = Buffer.alloc(from - start);
    readSync(fd, piece, 0, piece.length, start);
    data = Buffer.concat([piece, data]);
    from = start;
    const nl = data.lastIndexOf(0x0a);
    if (nl !== -1) return data.subarray(nl + 1);
    if (from === 0) return data;
    chunk *= 2;
  }
}
