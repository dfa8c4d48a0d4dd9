/**
 * MCP's `initialize` (the lifecycle's first request): the protocol versions this server speaks, what it reads of
 * the client's request (the version asked, the elicitation capability) and what it answers.
 *
 * @module
 */
import { describeValue } from "../../_util/describe.ts";
import { VERSION } from "../../version.ts";
import { isObject } from "./rpc.ts";

/**
 * The MCP protocol versions this server speaks, newest first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from "./initialize.ts";
 * assert.equal(SUPPORTED_PROTOCOL_VERSIONS[0], LATEST_PROTOCOL_VERSION);
 * ```
 */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly string[] = ["2025-11-25", "2025-06-18", "2025-03-26"];

/**
 * The newest protocol version, the answer to a client that asks for one we lack.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LATEST_PROTOCOL_VERSION } from "./initialize.ts";
 * assert.equal(LATEST_PROTOCOL_VERSION, "2025-11-25");
 * ```
 */
export const LATEST_PROTOCOL_VERSION = "2025-11-25";

const INSTRUCTIONS =
  "safe-exec gates every tool call: it scores session fatigue (context size, session length, errors), crosses it " +
  "with the tool's risk, and allows, asks the user, or denies. A result with isError whose text says " +
  "`errorCode denied` or `errorCode not_approved` was not run: do not retry it unchanged. Clients can report the " +
  "context size with the notification notifications/safe-exec/metrics {contextTokens}; otherwise it is estimated.";

/** What the session takes from a valid `initialize` request. */
export interface InitializeAsk {
  /** The version agreed: the one asked when supported, else the latest. */
  protocolVersion: string;
  /** Whether the client can answer `elicitation/create` in form mode. */
  elicitation: boolean;
}

/**
 * Read an `initialize` request's params: the version to speak and whether the client elicits, or what is wrong
 * (the message of an Invalid params error).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readInitialize } from "./initialize.ts";
 * assert.deepEqual(readInitialize({ protocolVersion: "2025-06-18", capabilities: { elicitation: {} } }), {
 *   protocolVersion: "2025-06-18",
 *   elicitation: true,
 * });
 * assert.deepEqual(readInitialize({ protocolVersion: "1999-01-01" }), { protocolVersion: "2025-11-25", elicitation: false });
 * assert.deepEqual(readInitialize({ protocolVersion: 3 }), {
 *   problem: 'Invalid params: "protocolVersion" must be a string, got number 3',
 * });
 * ```
 */
export function readInitialize(params: Record<string, unknown> | undefined): InitializeAsk | { problem: string } {
  if (params === undefined) {
    return { problem: "Invalid params: initialize needs {protocolVersion, capabilities, clientInfo}" };
  }
  const asked = params.protocolVersion;
  if (typeof asked !== "string") {
    return { problem: `Invalid params: "protocolVersion" must be a string, got ${describeValue(asked)}` };
  }
  const caps = params.capabilities ?? {};
  if (!isObject(caps)) {
    return { problem: `Invalid params: "capabilities" must be an object, got ${describeValue(caps)}` };
  }
  const elicit = caps.elicitation;
  return {
    protocolVersion: SUPPORTED_PROTOCOL_VERSIONS.includes(asked) ? asked : LATEST_PROTOCOL_VERSION,
    // An empty elicitation capability means form mode (the spec's backwards compatibility rule).
    elicitation: isObject(elicit) && (elicit.form !== undefined || elicit.url === undefined),
  };
}

/**
 * The result of `initialize`: the version agreed, the tools capability, who we are and how to use us.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initializeResult } from "./initialize.ts";
 * const r = initializeResult("2025-06-18");
 * assert.equal(r.protocolVersion, "2025-06-18");
 * assert.deepEqual(r.capabilities, { tools: { listChanged: false } });
 * ```
 */
export function initializeResult(protocolVersion: string): {
  protocolVersion: string;
  capabilities: { tools: { listChanged: boolean } };
  serverInfo: { name: string; title: string; version: string };
  instructions: string;
} {
  return {
    protocolVersion,
    capabilities: { tools: { listChanged: false } },
    serverInfo: { name: "safe-exec", title: "safe-exec", version: VERSION },
    instructions: INSTRUCTIONS,
  };
}
