/**
 * The four agents' dialects by name, as `safe-exec hook AGENT` names them.
 *
 * @module
 */
import { claudeCode } from "./claude_code.ts";
import { codex } from "./codex.ts";
import { cursor } from "./cursor.ts";
import { gemini } from "./gemini.ts";
import { HOOK_AGENTS, type HookAgent, type HookDialect } from "./types.ts";

/**
 * The dialect of each agent.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DIALECTS } from "./dialects.ts";
 * import { HOOK_AGENTS } from "./types.ts";
 * for (const agent of HOOK_AGENTS) assert.equal(DIALECTS[agent].agent, agent);
 * ```
 */
export const DIALECTS: Readonly<Record<HookAgent, HookDialect>> = {
  "claude-code": claudeCode,
  codex,
  gemini,
  cursor,
};

/**
 * The dialect of an agent named on the command line; throws naming the agents there are.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dialectFor } from "./dialects.ts";
 * assert.equal(dialectFor("codex").agent, "codex");
 * assert.throws(() => dialectFor("toString"), /Unknown hook agent "toString"/);
 * ```
 */
export function dialectFor(agent: string): HookDialect {
  const d = Object.hasOwn(DIALECTS, agent) ? (DIALECTS as Record<string, HookDialect>)[agent] : undefined;
  if (d === undefined) throw new Error(`Unknown hook agent "${agent}": expected one of ${HOOK_AGENTS.join(", ")}`);
  return d;
}
