/**
 * The names of upstream tools behind the gateway: `<server>__<tool>`. Server names match
 * `^[A-Za-z0-9-]+(_[A-Za-z0-9-]+)*$` and are at most 61 characters: no `__` inside and no `_` at either end, so
 * `<server>__<tool>` always splits at its first `__` into the server and the tool it came from.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { qualifiedName, splitQualifiedName } from "./names.ts";
 * const name = qualifiedName("memory", "read_graph");
 * assert.equal(name, "memory__read_graph");
 * assert.deepEqual(splitQualifiedName(name!), { server: "memory", tool: "read_graph" });
 * ```
 *
 * @module
 */

/** Tool names every model vendor accepts (SPEC §2.1). */
export const TOOL_NAME_PATTERN: RegExp = /^[A-Za-z0-9_-]{1,64}$/;

/** Server names: letters, digits, `-`, and single `_` between them (see the module doc). */
export const SERVER_NAME_PATTERN: RegExp = /^[A-Za-z0-9-]+(?:_[A-Za-z0-9-]+)*$/;

/** Longest server name: `<server>__x` must still fit in 64 characters. */
export const MAX_SERVER_NAME = 61;

/** The separator between the server and the tool in a gateway tool name. */
export const NAME_SEPARATOR = "__";

/**
 * The gateway name of a server's tool, or null when `<server>__<tool>` would not be a valid tool name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { qualifiedName } from "./names.ts";
 * assert.equal(qualifiedName("memory", "read_graph"), "memory__read_graph");
 * assert.equal(qualifiedName("memory", "read graph"), null);
 * assert.equal(qualifiedName("memory", "x".repeat(60)), null);
 * ```
 */
export function qualifiedName(server: string, tool: string): string | null {
  const name = `${server}${NAME_SEPARATOR}${tool}`;
  return TOOL_NAME_PATTERN.test(name) ? name : null;
}

/**
 * Split a gateway tool name into its server and upstream tool name (at the first `__`), or null when it has none.
 * Whether the server exists is for the caller to check.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { splitQualifiedName } from "./names.ts";
 * assert.deepEqual(splitQualifiedName("memory__read_graph"), { server: "memory", tool: "read_graph" });
 * assert.deepEqual(splitQualifiedName("fs__a__b"), { server: "fs", tool: "a__b" });
 * assert.equal(splitQualifiedName("read_file"), null);
 * ```
 */
export function splitQualifiedName(name: string): { server: string; tool: string } | null {
  const i = name.indexOf(NAME_SEPARATOR);
  if (i <= 0 || i + NAME_SEPARATOR.length >= name.length) return null;
  return { server: name.slice(0, i), tool: name.slice(i + NAME_SEPARATOR.length) };
}

/**
 * The configured server whose namespace a tool name is in (`memory__x` is in `memory`'s), or null. A tool the agent
 * brings must not take a name in a server's namespace: the config loader refuses such a clash with this.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serverNamespaceOf } from "./names.ts";
 * assert.equal(serverNamespaceOf("memory__x", ["memory"]), "memory");
 * assert.equal(serverNamespaceOf("send_email", ["memory"]), null);
 * ```
 */
export function serverNamespaceOf(name: string, servers: Iterable<string>): string | null {
  const split = splitQualifiedName(name);
  if (split === null) return null;
  for (const s of servers) if (s === split.server) return s;
  return null;
}
