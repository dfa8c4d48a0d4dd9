/**
 * "Did you mean": the allowed key closest to a misspelt one, by edit distance (letter case ignored).
 *
 * @module
 */

/**
 * The allowed key closest to `key`, when it is close enough to be a typo (at most half its letters differ).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { suggestKey } from "./suggest_key.ts";
 * assert.equal(suggestKey("comand", ["tool", "command", "risk"]), "command");
 * assert.equal(suggestKey("Risk", ["tool", "command", "risk"]), "risk");
 * assert.equal(suggestKey("zzzzzz", ["tool", "command", "risk"]), null);
 * ```
 */
export function suggestKey(key: string, allowed: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const k of allowed) {
    const d = _distance(key, k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best !== null && bestD <= Math.max(1, Math.floor(best.length / 2)) ? best : null;
}

/** Levenshtein distance, letter case ignored. */
function _distance(a: string, b: string): number {
  const d: number[] = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length]!;
}
