/**
 * The one error of the witness log: it cannot be written, so the call is denied (`witness_unavailable`).
 *
 * @module
 */
import { ToolError } from "../types.ts";

/**
 * The witness log cannot be written, so the call is denied (errorCode `witness_unavailable`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WitnessUnavailableError } from "./errors.ts";
 * const err = new WitnessUnavailableError("/x/witness.log", "EROFS: read-only file system");
 * assert.equal(err.code, "witness_unavailable");
 * assert.ok(err.message.includes('"/x/witness.log": EROFS'));
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
