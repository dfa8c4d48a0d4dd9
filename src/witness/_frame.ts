/**
 * Private helper of `verify.ts`: reading one witness line's bytes. The frame (`{"seq":N,"ts":"…","event":"…",…,
 * "prev":"<64 hex>"}`) is read without parsing the JSON; a whole parse checks a line's shape key by key.
 *
 * @module
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { forEachLine } from "./_lines.ts";
import { Buffer } from "node:buffer";

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
export function hex(bytes: Uint8Array): string {
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

export const PREFIX = ascii('{"seq":');
const TS_KEY = ascii('"ts":"');
const EVENT_KEY = ascii('","event":"');
const PREV_KEY = ascii(',"prev":"');
const STOP_TAIL = ascii('","tool":null,"decision":null,"details":{"action":"stop"');
const SUFFIX_LEN = PREV_KEY.length + 64 + 2;

export function startsAt(b: Uint8Array, at: number, what: Uint8Array): boolean {
  if (at + what.length > b.length) return false;
  for (let i = 0; i < what.length; i++) if (b[at + i] !== what[i]) return false;
  return true;
}

export const EV_OTHER = 0;
export const EV_SESSION_STOP = 1;
export const EV_CHECKPOINT = 2;
export const EV_SESSION = 3;

/** The frame of a line as safe-exec writes it: seq, event class and prev (into `prevOut`), or seq -1. */
export interface Frame {
  seq: number;
  event: number;
}

/** Read the frame of `b` without parsing its JSON; false when it is not framed like a witness line. */
export function readFrame(b: Uint8Array, prevOut: Uint8Array, out: Frame): boolean {
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
export function parseLine(bytes: Uint8Array): { value: Record<string, unknown> } | { why: string; json: boolean } {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes));
  } catch (err) {
    return { why: err instanceof TypeError ? "is not valid UTF-8" : "is not valid JSON", json: false };
  }
  const bad = shapeProblem(value);
  return bad === null ? { value: value as Record<string, unknown> } : { why: bad, json: true };
}

export function seqPrefixOf(bytes: Uint8Array): number {
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

export function readLastLine(fd: number, size: number): Uint8Array {
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

/**
 * Read the log at `path` (`"-"`: standard input; a pipe or a device is read in order) line by line, in 1 MiB
 * chunks, then call `atEnd` with a reader of its last line (while the file is still open). Returns its size.
 */
export function readLog(
  path: string,
  onLine: (line: Uint8Array, terminated: boolean) => void,
  atEnd: (lastLine: () => Uint8Array) => void,
): number {
  const fd = path === "-" ? 0 : openSync(path, "r");
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
    const bytes = regular ? st.size : streamed;
    atEnd(() => lastCopy ?? readLastLine(fd, bytes));
    return bytes;
  } finally {
    if (fd !== 0) closeSync(fd);
  }
}
