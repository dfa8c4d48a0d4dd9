/**
 * Private helper of the gate: a metrics update that gives the context as text (`contextText`, a string) or as the
 * chat history (`messages`, OpenAI or Anthropic shape) instead of a token count. The gate counts it with the
 * configured tokenizer (`metrics.tokenizer`); a client gives one of the three, never two.
 *
 * @module
 */
import { describeValue } from "../_util/describe.ts";
import { readMetricsUpdate } from "./metrics.ts";
import type { MetricsUpdate } from "./metrics.ts";

/** The context as text or messages, to be counted. */
export type ContextUpdate =
  | { contextText: string; errorOccurred?: boolean }
  | { messages: readonly unknown[]; errorOccurred?: boolean };

/**
 * Read a client's metrics message: a plain update (`contextTokens`), or one whose context must be counted first.
 * The problem names the field, the value and what was expected.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readAnyMetricsUpdate } from "./_context_update.ts";
 * assert.deepEqual(readAnyMetricsUpdate({ contextText: "hi" }), { update: { contextText: "hi" } });
 * assert.deepEqual(readAnyMetricsUpdate({ messages: [], errorOccurred: true }), {
 *   update: { messages: [], errorOccurred: true },
 * });
 * assert.deepEqual(readAnyMetricsUpdate({ contextTokens: 5 }), { update: { contextTokens: 5 } });
 * assert.match((readAnyMetricsUpdate({ contextText: "a", contextTokens: 1 }) as { problem: string }).problem, /only one of/);
 * assert.match((readAnyMetricsUpdate({ messages: "hi" }) as { problem: string }).problem, /"messages" must be a list/);
 * ```
 */
export function readAnyMetricsUpdate(
  m: Record<string, unknown>,
): { update: MetricsUpdate | ContextUpdate } | { problem: string } {
  const given = ["contextTokens", "contextText", "messages"].filter((k) => m[k] !== undefined);
  if (given.length > 1) {
    return {
      problem: `Give only one of "contextTokens", "contextText" and "messages", got ${
        given.map((k) => `"${k}"`).join(" and ")
      }`,
    };
  }
  if (m.contextText === undefined && m.messages === undefined) return readMetricsUpdate(m);
  const e = m.errorOccurred;
  if (e !== undefined && typeof e !== "boolean") {
    return { problem: `"errorOccurred" must be true or false, got ${describeValue(e)}` };
  }
  const error = e === undefined ? {} : { errorOccurred: e };
  if (m.contextText !== undefined) {
    if (typeof m.contextText !== "string") {
      return { problem: `"contextText" must be a string (the context's text), got ${describeValue(m.contextText)}` };
    }
    return { update: { contextText: m.contextText, ...error } };
  }
  if (!Array.isArray(m.messages)) {
    return {
      problem: `"messages" must be a list of chat messages ({role, content}, OpenAI or Anthropic shape), got ${
        describeValue(m.messages)
      }`,
    };
  }
  return { update: { messages: m.messages, ...error } };
}

/**
 * Whether an update gives its context as text or messages (it must be counted first).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isContextUpdate } from "./_context_update.ts";
 * assert.equal(isContextUpdate({ messages: [] }), true);
 * assert.equal(isContextUpdate({ contextTokens: 1 }), false);
 * ```
 */
export function isContextUpdate(u: MetricsUpdate | ContextUpdate): u is ContextUpdate {
  return "contextText" in u || "messages" in u;
}
