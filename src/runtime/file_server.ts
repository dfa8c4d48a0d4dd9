/**
 * How the binary names the confined file server it starts as its own child: `safe-exec __fs-server ROOT
 * --confined` (the runtime builds that command; `main.ts` dispatches it before the command line is parsed).
 *
 * @module
 */

/**
 * The hidden first argument of the file server's command line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FILE_SERVER_ARG } from "./file_server.ts";
 * assert.equal(FILE_SERVER_ARG, "__fs-server");
 * ```
 */
export const FILE_SERVER_ARG = "__fs-server";
