/**
 * The risk of an upstream tool (SPEC §8): what the config says (`servers.X.tools.Y.risk`, then `servers.X.risk`),
 * else what the tool's annotations suggest: `readOnlyHint: true` → low, `destructiveHint: false` → medium,
 * anything else → high. Annotations are hints from the server: they are read only when the config is silent, so
 * they never lower (or change) a risk the config set. With no annotations at all the answer is high, as MCP's
 * defaults (`readOnlyHint: false`, `destructiveHint: true`) say. A risk from annotations only ever rises while the
 * gateway runs ({@linkcode RiskPins}): a server that re-lists a tool with milder hints (after `tools/list_changed`
 * or a restart) keeps the highest risk it had, so approvals cannot be farmed at one risk and spent at a lower one.
 *
 * @module
 */
import type { Risk } from "../types.ts";
import type { UpstreamServerConfig } from "./config.ts";

/** Where a tool's risk came from. */
export type RiskSource = "tool-config" | "server-config" | "annotations";

/** The annotation hints the risk reads (MCP `ToolAnnotations`). */
export interface RiskHints {
  /** The tool does not change its environment. */
  readOnlyHint?: boolean | undefined;
  /** The tool may perform destructive (not only additive) updates. */
  destructiveHint?: boolean | undefined;
}

/**
 * The risk annotations suggest: `readOnlyHint: true` → low; else `destructiveHint: false` → medium; else high.
 * Values that are not booleans count as absent.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { riskFromAnnotations } from "./risk.ts";
 * assert.equal(riskFromAnnotations({ readOnlyHint: true }), "low");
 * assert.equal(riskFromAnnotations({ readOnlyHint: false, destructiveHint: false }), "medium");
 * assert.equal(riskFromAnnotations({ destructiveHint: true }), "high");
 * assert.equal(riskFromAnnotations(undefined), "high");
 * ```
 */
export function riskFromAnnotations(annotations: RiskHints | undefined): Risk {
  if (annotations?.readOnlyHint === true) return "low";
  if (annotations?.destructiveHint === false) return "medium";
  return "high";
}

/**
 * The risk of tool `tool` of `server`, and where it came from.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseServers } from "./config.ts";
 * import { upstreamRisk } from "./risk.ts";
 * const { memory } = parseServers({
 *   memory: { command: ["server-memory"], risk: "medium", tools: { delete_entities: { risk: "high" } } },
 * }, { baseDir: "/" });
 * // A read-only hint does not lower the server's configured risk.
 * assert.deepEqual(upstreamRisk(memory!, "read_graph", { readOnlyHint: true }), { risk: "medium", source: "server-config" });
 * assert.deepEqual(upstreamRisk(memory!, "delete_entities", {}), { risk: "high", source: "tool-config" });
 * const { fs } = parseServers({ fs: { command: ["server-filesystem"] } }, { baseDir: "/" });
 * assert.deepEqual(upstreamRisk(fs!, "read_text_file", { readOnlyHint: true }), { risk: "low", source: "annotations" });
 * ```
 */
export function upstreamRisk(
  server: Pick<UpstreamServerConfig, "risk" | "tools">,
  tool: string,
  annotations: RiskHints | undefined,
): { risk: Risk; source: RiskSource } {
  const own = Object.hasOwn(server.tools, tool) ? server.tools[tool]?.risk : undefined;
  if (own !== undefined) return { risk: own, source: "tool-config" };
  if (server.risk !== undefined) return { risk: server.risk, source: "server-config" };
  return { risk: riskFromAnnotations(annotations), source: "annotations" };
}

const ORDER: Record<Risk, number> = { low: 0, medium: 1, high: 2 };

/**
 * The highest risk each tool of one server was given from its annotations, kept for the life of the gateway (every
 * re-listing and restart of the server): a later listing may raise a tool's risk, never lower it. Risks the config
 * set are not pinned (the config is the operator's word, and it never changes mid-session).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RiskPins } from "./risk.ts";
 * const pins = new RiskPins();
 * assert.deepEqual(pins.pin("wipe", { risk: "high", source: "annotations" }), { risk: "high", source: "annotations", lowered: null });
 * // re-listed as read-only: it stays high, and says what the server asked for
 * assert.deepEqual(pins.pin("wipe", { risk: "low", source: "annotations" }), { risk: "high", source: "annotations", lowered: "low" });
 * assert.deepEqual(pins.pin("peek", { risk: "low", source: "annotations" }).risk, "low");
 * assert.deepEqual(pins.pin("peek", { risk: "high", source: "annotations" }).risk, "high"); // rising is taken
 * assert.deepEqual(pins.pin("peek", { risk: "medium", source: "annotations" }).risk, "high");
 * assert.deepEqual(pins.pin("x", { risk: "low", source: "tool-config" }).risk, "low");
 * ```
 */
export class RiskPins {
  readonly #highest = new Map<string, Risk>();

  /** The risk to use for `tool` now; `lowered` is the milder risk its annotations asked for, or null. */
  pin(
    tool: string,
    rated: { risk: Risk; source: RiskSource },
  ): { risk: Risk; source: RiskSource; lowered: Risk | null } {
    if (rated.source !== "annotations") return { ...rated, lowered: null };
    const before = this.#highest.get(tool);
    if (before !== undefined && ORDER[before] > ORDER[rated.risk]) {
      return { risk: before, source: rated.source, lowered: rated.risk };
    }
    this.#highest.set(tool, rated.risk);
    return { ...rated, lowered: null };
  }
}
