/**
 * Private helper of the transcript readers: one JSONL line, read cheaply. A line is decoded and parsed only when it
 * holds an ASCII marker (`"assistant"`, `"token_count"`, …); a torn last line (the agent is still writing it) or
 * garbage parses to null and is skipped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ascii, count, hasMarker, parseLine } from "./_transcript.ts";
 * const line = ascii('{"type":"assistant","n":3}');
 * assert.equal(hasMarker(line, ascii('"assistant"')), true);
 * assert.equal(hasMarker(line, ascii('"user"')), false);
 * assert.deepEqual(parseLine(line), { type: "assistant", n: 3 });
 * assert.equal(parseLine(ascii('{"type":"assis')), null);
 * assert.deepEqual([count(5), count(-1), count("5")], [5, 0, 0]);
 * ```
 *
 * @module
 */

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** The bytes of an ASCII marker. */
export function ascii(text: string): Uint8Array {
  return encoder.encode(text);
}

/** The line as a JSON object, or null (not JSON, or not an object). */
export function parseLine(line: Uint8Array): Record<string, unknown> | null {
  try {
    return object(JSON.parse(decoder.decode(line)));
  } catch {
    return null; // a torn last line (the agent is still writing it) or garbage: skipped
  }
}

/** Whether the bytes contain the marker (a cheap filter before decoding a line). */
export function hasMarker(line: Uint8Array, marker: Uint8Array): boolean {
  const first = marker[0];
  outer: for (
    let i = line.indexOf(first!);
    i >= 0 && i <= line.length - marker.length;
    i = line.indexOf(first!, i + 1)
  ) {
    for (let j = 1; j < marker.length; j++) if (line[i + j] !== marker[j]) continue outer;
    return true;
  }
  return false;
}

/** A token count: a positive finite number, else 0. */
export function count(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) && v > 0 ? v : 0;
}

/** A plain object, or null. */
export function object(v: unknown): Record<string, unknown> | null {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? v as Record<string, unknown> : null;
}
