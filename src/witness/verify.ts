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
import { Buffer } from "node:buffer";
import { sha256Into } from "../runtime/hash.ts";
import { checkpointProblem, keyFingerprint, parsePublicKey, type PublicKey } from "./sign.ts";
import {
  EV_CHECKPOINT,
  EV_OTHER,
  EV_SESSION,
  EV_SESSION_STOP,
  type Frame,
  hex,
  parseLine,
  PREFIX,
  readFrame,
  readLog,
  seqPrefixOf,
  startsAt,
} from "./_frame.ts";
import {
  endWarnings,
  plural,
  ProblemList,
  seqRange,
  type VerifyOptions,
  type VerifyProblem,
  type VerifyReport,
  type VerifyWarning,
} from "./verify_report.ts";

export {
  MAX_PROBLEMS,
  type ProblemKind,
  type VerifyOptions,
  type VerifyProblem,
  type VerifyReport,
  type VerifyWarning,
  type WarningKind,
} from "./verify_report.ts";

const WINDOW = 4096; // lines whose hashes are kept to explain a broken link
const FORK_GAP = 64; // lines after a fork within which more branch lines belong to it

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

  const found = new ProblemList(FORK_GAP);
  const add = found.add;
  const warnings: VerifyWarning[] = [];

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
    const problem = checkpointProblem(key, i, value);
    if (problem === null) cps.verified++;
    else add("signature", i, problem);
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
        const last = found.problems.at(-1);
        const other = ringFirstChild[js]!;
        if (
          children >= 2 && other > i - WINDOW && sameHash(other & (WINDOW - 1), new Uint32Array(hashOut.slice().buffer))
        ) {
          add("inserted", i, `line ${i} repeats line ${other} byte for byte (a copy put into the log)`);
        } else if (children >= 2) {
          const inFork = last && last.kind === "fork" && i <= last.endLine + FORK_GAP &&
            found.count === found.problems.length;
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
          if (last && last.kind === "fork" && found.count === found.problems.length) last.endLine = i;
        } else {
          ringFirstChild[js] = i;
          add("reorder", i, `line ${i} continues line ${j}, not line ${i - 1}: lines are out of order`);
        }
      } else {
        let problem: VerifyProblem | null = null;
        const before = found.count;
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
        if (found.count > before && found.problems.length === found.count) problem = found.problems.at(-1) ?? null;
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

  const bytes = readLog(path, onLine, (lastLine) => {
    // the last line is vouched for by nothing: parse it in full (the reader's view is gone, so read it again)
    if (lines === 0 || lastWasParsed) return;
    const whole = parseLine(lastLine());
    if (!("value" in whole)) add(whole.json ? "edit" : "cut", lines, `the last line (line ${lines}) ${whole.why}`);
  });

  if (lines > 0 && !lastTerminated && found.problems.at(-1)?.line !== lines) {
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

  warnings.push(
    ...endWarnings({
      lines,
      lastNonCheckpointLine,
      endsWithStop: lastNonCheckpointEvent === EV_SESSION_STOP,
      checkpoints: cps,
      keyed: key !== null,
    }),
  );
  for (const p of found.problems) {
    if (p.kind === "fork" && p.endLine > p.line + 1) {
      p.message += `; the writers' lines interleave through line ${p.endLine}`;
    }
  }
  found.problems.sort((a, b) => a.line - b.line);
  return {
    ok: found.count === 0,
    lines,
    bytes,
    head: headHex,
    headLine,
    problems: found.problems,
    problemCount: found.count,
    warnings,
    checkpoints: cps,
  };
}
