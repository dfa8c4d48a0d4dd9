/**
 * Private helper of the stdio transport: the repository walk of a sandboxed server between its calls (red team 8,
 * G3). A background job of the server (`(sleep 2; mkdir sub/.git …) &`) or its own timers write after the walk of
 * the call that started them; the walk after the next call disables such a repository, but until then the operator's
 * `git status` would find it. So while the server lives its folders are walked again every
 * {@linkcode SWEEP_MIN_MS}, or less often when a walk is slow: the time between two walks is twenty times the last
 * one took, so the sweep costs at most a twentieth of one core (a cached walk is one lstat per folder), but never more
 * than {@linkcode SWEEP_MAX_MS}: that time is how long a repository its job makes may stay live. A walk that takes
 * longer than that allows (2 s, or 100,000 folders) stops the server instead (`_gitlive.ts`, red team 10, J5), so a
 * slow walk costs at most half a core, and only until then.
 *
 * @module
 */

/** The shortest time between two walks (ms). */
export const SWEEP_MIN_MS = 500;
/** The longest time between two walks (ms), whatever the last one took (was 30 s: red team 10, J5). */
export const SWEEP_MAX_MS = 2_000;

/**
 * The time before the next walk when the last took `lastMs`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nextSweepDelay, SWEEP_MIN_MS } from "./_idle_sweep.ts";
 * assert.equal(nextSweepDelay(1), SWEEP_MIN_MS);
 * assert.equal(nextSweepDelay(50), 1000);
 * assert.equal(nextSweepDelay(1500), 2000);
 * ```
 */
export function nextSweepDelay(lastMs: number): number {
  return Math.min(SWEEP_MAX_MS, Math.max(SWEEP_MIN_MS, Math.ceil(lastMs * 20)));
}

/** Runs `walk` again and again while started, its notes to `onNote`; stop it when the server is gone. */
export class IdleSweep {
  readonly #walk: () => string[];
  readonly #onNote: (note: string) => void;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #stopped = false;

  /** A sweep of `walk` (it must not throw for long: a throw is a note). */
  constructor(walk: () => string[], onNote: (note: string) => void) {
    this.#walk = walk;
    this.#onNote = onNote;
  }

  /** Start walking (the first walk after {@linkcode SWEEP_MIN_MS}). */
  start(): void {
    if (!this.#stopped && this.#timer === null) this.#schedule(SWEEP_MIN_MS);
  }

  /** Stop for good. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(ms: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (this.#stopped) return;
      const t0 = performance.now();
      let notes: string[];
      try {
        notes = this.#walk();
      } catch (e) {
        notes = [`safe-exec: the repository walk between calls failed: ${e instanceof Error ? e.message : e}`];
      }
      for (const n of notes) this.#onNote(n);
      if (!this.#stopped) this.#schedule(nextSweepDelay(performance.now() - t0));
    }, ms);
  }
}
