/**
 * What `verifyLog` reports (SPEC §4.1): the kinds of problems and warnings, the report, its options, and how the
 * problems found are counted and merged (a run of junk lines, or one fork, is one problem over a range of lines).
 *
 * @module
 */
import type { KeyObject } from "node:crypto";

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

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export function seqRange(from: number, to: number): string {
  return from === to ? `seq ${from}` : `seq ${from}-${to}`;
}

/**
 * The problems found so far: every one counted, the first {@linkcode MAX_PROBLEMS} kept. A run of inserted lines,
 * of reordered lines, or the lines of one fork (within `forkGap` lines) is one problem over a range of lines.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProblemList } from "./verify_report.ts";
 * const found = new ProblemList(64);
 * found.add("inserted", 3, "line 3 is not a witness line");
 * found.add("inserted", 4, "line 4 is not a witness line");
 * found.add("edit", 9, "line 9 was changed");
 * assert.equal(found.count, 2);
 * assert.deepEqual(found.problems.map((p) => [p.kind, p.line, p.endLine]), [["inserted", 3, 4], ["edit", 9, 9]]);
 * assert.equal(found.problems[0]!.message, "lines 3-4 are not witness lines (text put into the log)");
 * ```
 */
export class ProblemList {
  /** The problems kept, in the order found. */
  readonly problems: VerifyProblem[] = [];
  /** How many were found (kept or not). */
  count = 0;
  readonly #forkGap: number;

  /** A list merging the lines of one fork when they are at most `forkGap` lines apart. */
  constructor(forkGap: number) {
    this.#forkGap = forkGap;
  }

  /** Count a problem at `line` (to `endLine`), or extend the last one when it goes on. */
  add = (kind: ProblemKind, line: number, message: string, endLine = line): void => {
    const last = this.problems.at(-1);
    // a run of junk or cut lines, or one fork, is one problem over a range of lines
    if (
      last && last.kind === kind && (kind === "inserted" || kind === "fork" || kind === "reorder") &&
      line <= last.endLine + (kind === "fork" ? this.#forkGap : 2) && this.count === this.problems.length
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
    this.count++;
    if (this.problems.length < MAX_PROBLEMS) this.problems.push({ kind, line, endLine, message });
  };
}

/** What {@linkcode endWarnings} needs to know of a log read to its end. */
export interface LogEnd {
  /** Its lines. */
  lines: number;
  /** The last line that is not a checkpoint (0: none). */
  lastNonCheckpointLine: number;
  /** Whether that line is a session stop. */
  endsWithStop: boolean;
  /** The checkpoints: how many, and the line of the last. */
  checkpoints: { total: number; lastLine: number | null };
  /** Whether a public key checked them. */
  keyed: boolean;
}

/**
 * The warnings of a log read to its end: empty, no stop line, checkpoints not checked, lines no signature covers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { endWarnings } from "./verify_report.ts";
 * const end = { lines: 5, lastNonCheckpointLine: 5, endsWithStop: true, checkpoints: { total: 0, lastLine: null } };
 * assert.deepEqual(endWarnings({ ...end, keyed: false }), []);
 * assert.deepEqual(endWarnings({ ...end, endsWithStop: false, keyed: false }).map((w) => w.kind), ["no-stop"]);
 * assert.deepEqual(endWarnings({ ...end, lines: 0, keyed: false }).map((w) => w.kind), ["empty"]);
 * ```
 */
export function endWarnings(end: LogEnd): VerifyWarning[] {
  const { lines, lastNonCheckpointLine, checkpoints: cps } = end;
  const warnings: VerifyWarning[] = [];
  if (lines === 0) {
    warnings.push({
      kind: "empty",
      line: null,
      message: "the log is empty: if it ever had lines they were removed; compare with a head kept elsewhere",
    });
  } else if (!end.endsWithStop) {
    warnings.push({
      kind: "no-stop",
      line: lastNonCheckpointLine || lines,
      message: `the log ends without a session stop line (line ${
        lastNonCheckpointLine || lines
      } is not one): a session still running, a crash, or its end was cut; compare with a head kept elsewhere`,
    });
  }
  if (cps.total > 0 && !end.keyed) {
    warnings.push({
      kind: "checkpoints-unchecked",
      line: cps.lastLine,
      message: `${plural(cps.total, "signed checkpoint")} not checked: pass the public key (--key PUBLIC)`,
    });
  }
  if (end.keyed && cps.lastLine !== null && cps.lastLine < lines) {
    warnings.push({
      kind: "unsigned-tail",
      line: cps.lastLine + 1,
      message: `${plural(lines - cps.lastLine, "line")} after the last checkpoint (line ${cps.lastLine}) ${
        lines - cps.lastLine === 1 ? "is" : "are"
      } covered by no signature`,
    });
  }
  return warnings;
}
