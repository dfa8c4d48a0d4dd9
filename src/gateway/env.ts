/**
 * The environment of a stdio upstream server: a few host variables that programs need to run (no secrets), then
 * the config's own `env`. An API key in the host's environment reaches a server only when its config names it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { upstreamEnv } from "./env.ts";
 * assert.deepEqual(upstreamEnv({ HOME: "/home/a", AWS_SECRET_ACCESS_KEY: "x" }, {}), { HOME: "/home/a" });
 * ```
 *
 * @module
 */

/** Host variables a stdio server gets (besides its configured `env`): what programs need to run, no secrets. */
export const UPSTREAM_ENV_ALLOWLIST: readonly string[] = [
  "PATH",
  "HOME",
  "LANG",
  "LC_ALL",
  "LC_CTYPE",
  "TERM",
  "TZ",
  "TMPDIR",
  "USER",
  "LOGNAME",
  "SHELL",
];

/**
 * The environment of a stdio server: the allowlisted host variables (none that holds a shell function), then the
 * config's `env`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { upstreamEnv } from "./env.ts";
 * const env = upstreamEnv({ PATH: "/usr/bin", OPENAI_API_KEY: "sk-…" }, { MEMORY_FILE_PATH: "/tmp/m.json" });
 * assert.deepEqual(env, { PATH: "/usr/bin", MEMORY_FILE_PATH: "/tmp/m.json" });
 * assert.deepEqual(upstreamEnv({ TERM: "() { :; }; echo pwned" }, {}), {});
 * ```
 */
export function upstreamEnv(
  host: Record<string, string | undefined>,
  configured: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of UPSTREAM_ENV_ALLOWLIST) {
    const v = host[key];
    if (v !== undefined && !v.startsWith("()")) env[key] = v; // not a shell function (Shellshock-style)
  }
  return Object.assign(env, configured);
}
