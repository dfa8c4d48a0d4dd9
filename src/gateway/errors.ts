/**
 * The errors of the gateway: a `servers` section that cannot be used, and an upstream server that cannot be
 * reached.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GatewayConfigError, UpstreamUnavailableError } from "./errors.ts";
 * const e = new UpstreamUnavailableError('server "memory" is shut down');
 * assert.equal(e.code, "upstream_unavailable");
 * assert.equal(new GatewayConfigError("x").name, "GatewayConfigError");
 * ```
 *
 * @module
 */

/**
 * A `servers` section that cannot be used. The message names the key, the value and what was expected, e.g.
 * `"servers.memory.command" must be a non-empty array of strings, got []`; the config loader prefixes it with the
 * config file's path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseServers } from "./config.ts";
 * import { GatewayConfigError } from "./errors.ts";
 * assert.throws(() => parseServers({ "a__b": { command: ["x"] } }, { baseDir: "/" }), GatewayConfigError);
 * ```
 */
export class GatewayConfigError extends Error {
  /** Make the error with its message. */
  constructor(message: string) {
    super(message);
    this.name = "GatewayConfigError";
  }
}

/**
 * A server that cannot be reached: not startable, dead, or shut down.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UpstreamUnavailableError } from "./errors.ts";
 * const cause = new Error("spawn failed");
 * const e = new UpstreamUnavailableError('server "fs" cannot be started: spawn failed', cause);
 * assert.equal(e.cause, cause);
 * assert.equal(e.name, "UpstreamUnavailableError");
 * ```
 */
export class UpstreamUnavailableError extends Error {
  /** Always `upstream_unavailable`. */
  readonly code = "upstream_unavailable";
  /** Make the error. */
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "UpstreamUnavailableError";
  }
}
