/**
 * What a witness line holds ({@linkcode WitnessEntry} in, {@linkcode WitnessLine} as written) and how an entry
 * becomes the line's text, with its keys in the order of SPEC §4.
 *
 * @module
 */
import type { Decision } from "../types.ts";
import { signCheckpoint, type SigningKey } from "./sign.ts";

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
  /** Event-specific data; must be JSON-serializable (the gate passes tool arguments through its redaction). */
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

const EVENT_NAMES: ReadonlySet<string> = new Set(["session", "gate", "confirm", "execute", "metrics"]);
const DECISION_NAMES: ReadonlySet<string> = new Set(["allow", "ask", "deny"]);

/**
 * The middle of an entry's line, from `,"event"` to `"prev":"` (the writer puts seq and ts before it and the prev
 * hash after). Throws a TypeError naming what is wrong: an unknown event or decision, a tool that is not a string,
 * details that are not a JSON object.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { entryBody, lineText } from "./entry.ts";
 * const body = entryBody({ event: "gate", tool: "read_file", decision: "allow", details: { risk: "low" } });
 * assert.equal(
 *   lineText(1, "2026-01-01T00:00:00.000Z", body, "0".repeat(64)),
 *   `{"seq":1,"ts":"2026-01-01T00:00:00.000Z","event":"gate","tool":"read_file","decision":"allow",` +
 *     `"details":{"risk":"low"},"prev":"${"0".repeat(64)}"}`,
 * );
 * assert.throws(() => entryBody({ event: "nap" as never, tool: null, decision: null, details: {} }), /event is "nap"/);
 * ```
 */
export function entryBody(entry: WitnessEntry): string {
  const { event, details } = entry;
  const tool = entry.tool ?? null;
  const decision = entry.decision ?? null;
  if (!EVENT_NAMES.has(event)) {
    throw new TypeError(`event is ${JSON.stringify(event)}, expected one of ${[...EVENT_NAMES].join(", ")}`);
  }
  if (tool !== null && typeof tool !== "string") throw new TypeError(`tool is not a string or null`);
  if (decision !== null && !DECISION_NAMES.has(decision)) {
    throw new TypeError(`decision is ${JSON.stringify(decision)}, expected "allow", "ask", "deny" or null`);
  }
  if (typeof details !== "object" || details === null || Array.isArray(details)) {
    throw new TypeError(`details is not an object`);
  }
  const detailsJson = JSON.stringify(details);
  if (typeof detailsJson !== "string") throw new TypeError("details is not JSON-serializable");
  return `,"event":"${event}","tool":${JSON.stringify(tool)},"decision":${
    decision === null ? "null" : `"${decision}"`
  },"details":${detailsJson},"prev":"`;
}

/** A whole line's text (without its newline): seq, ts, the entry's {@linkcode entryBody} and the prev hash. */
export function lineText(seq: number, ts: string, body: string, prev: string): string {
  return `{"seq":${seq},"ts":"${ts}"${body}${prev}"}`;
}

/**
 * The text of a signed `checkpoint` line at `seq` (its details: the lines before it, their head hash `prev`, the key's
 * fingerprint and the Ed25519 signature of both).
 */
export function checkpointLine(key: SigningKey, seq: number, prev: string, ts: string): string {
  const lines = seq - 1;
  const details = { lines, head: prev, key: key.fingerprint, signature: signCheckpoint(key, lines, prev) };
  return lineText(
    seq,
    ts,
    `,"event":"checkpoint","tool":null,"decision":null,"details":${JSON.stringify(details)},"prev":"`,
    prev,
  );
}
