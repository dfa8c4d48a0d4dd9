/**
 * The context estimate of an MCP session: until the client reports its own context size, the gate is told what the
 * model has read so far, counted as {@linkcode CHARS_PER_TOKEN} characters of tool output a token.
 *
 * @module
 */

/**
 * The characters of output that count as one token of context, for the estimate.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CHARS_PER_TOKEN } from "./context_estimate.ts";
 * assert.equal(Math.ceil(4001 / CHARS_PER_TOKEN), 1001);
 * ```
 */
export const CHARS_PER_TOKEN = 4;

/**
 * The characters the session has returned, and the estimate in tokens.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ContextEstimate } from "./context_estimate.ts";
 * const e = new ContextEstimate();
 * assert.equal(e.account(["x".repeat(4001)]), 1001);
 * assert.equal(e.account([""]), null); // unchanged
 * e.clientReports();
 * assert.equal(e.account(["more"]), null);
 * ```
 */
export class ContextEstimate {
  #returnedChars = 0;
  #tokens = 0;
  #clientReports = false;

  /** The estimate in tokens. */
  get tokens(): number {
    return this.#tokens;
  }

  /** The client reported its own context size: stop estimating. */
  clientReports(): void {
    this.#clientReports = true;
  }

  /** Count texts the model will read; the new estimate when it changed (to tell the gate), else null. */
  account(texts: readonly string[]): number | null {
    if (this.#clientReports) return null;
    for (const t of texts) this.#returnedChars += t.length;
    const tokens = Math.ceil(this.#returnedChars / CHARS_PER_TOKEN);
    if (tokens === this.#tokens) return null;
    this.#tokens = tokens;
    return tokens;
  }
}
