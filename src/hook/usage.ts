/**
 * How big a coding agent's context is right now, from its own transcript (read from the end, see tail_lines.ts):
 *
 * - **Claude Code** (`~/.claude/projects/<cwd>/<session>.jsonl`): the last main-chain (`isSidechain` not true)
 *   assistant message's `input_tokens + cache_creation_input_tokens + cache_read_input_tokens` (the formula of
 *   Claude Code's own `used_percentage`; output excluded). The lines of one API response share `message.id` and
 *   their usage, so the newest line stands for its message (the de-duplication). Synthetic messages (model
 *   `<synthetic>`, written for errors, no API call) are skipped. A `compact_boundary` after it resets the context
 *   to the boundary's `postTokens` (0 when absent).
 * - **Codex** (`~/.codex/sessions/…/rollout-….jsonl`): the last response's `input_tokens` (cached ones included),
 *   from its `token_usage_record` (written as the response arrives, before its tool calls' hooks) or the
 *   `token_count` event after the turn's tool outputs; right after a compaction Codex writes a `token_count` with
 *   input 0 and the compacted context's size as `total_tokens`, and a `compacted` record resets it to 0 until then.
 * - **Gemini CLI** (`~/.gemini/tmp/<project>/chats/session-….jsonl`): the last `type:"gemini"` message's
 *   `tokens.input` (the prompt tokens, cached ones included). The `AfterModel` hook event carries the same number
 *   as `llm_response.usageMetadata.promptTokenCount` (gemini.ts).
 *
 * How a Codex tool call ended is in codex_outcome.ts (Codex's `PostToolUse` has no exit code, its rollout does).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { claudeTranscriptUsage } from "./usage.ts";
 * const dir = mkdtempSync(join(tmpdir(), "usage-"));
 * const file = join(dir, "s.jsonl");
 * const usage = { input_tokens: 5, cache_creation_input_tokens: 500, cache_read_input_tokens: 10000, output_tokens: 9 };
 * writeFileSync(file, JSON.stringify({ type: "assistant", isSidechain: false, message: { id: "msg_1", usage } }) + "\n");
 * assert.equal(claudeTranscriptUsage(file)?.contextTokens, 10505);
 * rmSync(dir, { recursive: true });
 * ```
 *
 * @module
 */
import { ascii, count, hasMarker, object, parseLine } from "./_transcript.ts";
import { readLinesFromEnd, type TailOptions } from "./tail_lines.ts";
import type { ModelUsage } from "./types.ts";

/** The context size a transcript shows. */
export interface TranscriptUsage {
  /** The best estimate of the tokens in the context now. */
  contextTokens: number;
  /** `usage`: a model turn's reported usage; `compact`: a compaction reset it (the agent's post-compaction size). */
  source: "usage" | "compact";
  /** The turn's usage when `source` is `usage`. */
  usage: ModelUsage | null;
  /** The message (Claude Code, Gemini CLI) or response the usage belongs to, when known. */
  messageId: string | null;
  /** The agent's context window when the transcript names it (Codex). */
  contextWindow: number | null;
  /** Bytes of the transcript read. */
  bytesRead: number;
}

const ASSISTANT = ascii('"assistant"');
const COMPACT_BOUNDARY = ascii('"compact_boundary"');
const TOKEN_COUNT = ascii('"token_count"');
const TOKEN_USAGE_RECORD = ascii('"token_usage_record"');
const COMPACTED = ascii('"compacted"');
const GEMINI = ascii('"gemini"');
const TOKENS = ascii('"tokens"');

/** What a line says of the context: the usage without the bytes read, or null to keep looking. */
type Found = Omit<TranscriptUsage, "bytesRead">;

/** The first line from the end that `read` finds usage in, with the bytes read to get there. */
function _lastUsage(
  path: string,
  options: TailOptions,
  read: (line: Uint8Array) => Found | null,
): TranscriptUsage | null {
  let found: Found | null = null;
  const stats = readLinesFromEnd(path, (line) => (found = read(line)) !== null, options);
  return found === null ? null : { ...(found as Found), bytesRead: stats.bytesRead };
}

/** A compaction reset the context to `contextTokens`. */
function _compact(contextTokens: number, contextWindow: number | null = null): Found {
  return { contextTokens, source: "compact", usage: null, messageId: null, contextWindow };
}

/** A model turn's usage. */
function _turn(usage: ModelUsage, messageId: string | null, contextWindow: number | null = null): Found {
  return { contextTokens: usage.contextTokens, source: "usage", usage, messageId, contextWindow };
}

/**
 * The context size a Claude Code transcript shows, or null when it has no usage yet.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { claudeTranscriptUsage } from "./usage.ts";
 * const dir = mkdtempSync(join(tmpdir(), "claude-"));
 * const file = join(dir, "s.jsonl");
 * const turn = { type: "assistant", message: { id: "m1", usage: { input_tokens: 9000 } } };
 * const boundary = { type: "system", subtype: "compact_boundary", compactMetadata: { postTokens: 1200 } };
 * writeFileSync(file, [turn, boundary].map((l) => JSON.stringify(l)).join("\n") + "\n");
 * assert.deepEqual([claudeTranscriptUsage(file)?.source, claudeTranscriptUsage(file)?.contextTokens], ["compact", 1200]);
 * rmSync(dir, { recursive: true });
 * ```
 */
export function claudeTranscriptUsage(path: string, options: TailOptions = {}): TranscriptUsage | null {
  return _lastUsage(path, options, (line) => {
    if (hasMarker(line, COMPACT_BOUNDARY)) {
      const o = parseLine(line);
      if (o !== null && o.type === "system" && o.subtype === "compact_boundary" && o.isSidechain !== true) {
        return _compact(count(object(o.compactMetadata)?.postTokens));
      }
    }
    if (!hasMarker(line, ASSISTANT)) return null;
    const o = parseLine(line);
    if (o === null || o.type !== "assistant" || o.isSidechain === true) return null;
    const message = object(o.message);
    const usage = object(message?.usage);
    if (message === null || usage === null || message.model === "<synthetic>") return null;
    const input = count(usage.input_tokens);
    const creation = count(usage.cache_creation_input_tokens);
    const read = count(usage.cache_read_input_tokens);
    return _turn({
      contextTokens: input + creation + read,
      inputTokens: input,
      cacheCreationTokens: creation,
      cacheReadTokens: read,
      outputTokens: count(usage.output_tokens),
    }, typeof message.id === "string" ? message.id : null);
  });
}

/**
 * The context size a Codex rollout shows, or null when it has no token count yet.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { codexTranscriptUsage } from "./usage.ts";
 * const dir = mkdtempSync(join(tmpdir(), "codex-"));
 * const file = join(dir, "rollout.jsonl");
 * const info = { last_token_usage: { input_tokens: 5000, cached_input_tokens: 4000 }, model_context_window: 258400 };
 * writeFileSync(file, JSON.stringify({ type: "event_msg", payload: { type: "token_count", info } }) + "\n");
 * const u = codexTranscriptUsage(file)!;
 * assert.deepEqual([u.contextTokens, u.usage?.inputTokens, u.contextWindow], [5000, 1000, 258400]);
 * rmSync(dir, { recursive: true });
 * ```
 */
export function codexTranscriptUsage(path: string, options: TailOptions = {}): TranscriptUsage | null {
  return _lastUsage(path, options, (line) => {
    if (hasMarker(line, COMPACTED)) {
      const o = parseLine(line);
      if (o !== null && o.type === "compacted") return _compact(0);
    }
    let last: Record<string, unknown> | null = null;
    let info: Record<string, unknown> | null = null;
    if (hasMarker(line, TOKEN_USAGE_RECORD)) {
      // Written right after each response (before its tool calls run, so before their PreToolUse hooks).
      const o = parseLine(line);
      if (o?.type !== "token_usage_record") return null;
      last = object(object(o.payload)?.usage);
    } else if (hasMarker(line, TOKEN_COUNT)) {
      // Written after the turn's tool outputs; the one after a compaction has input 0 and the new size as total.
      const o = parseLine(line);
      const payload = object(o?.payload);
      if (o?.type !== "event_msg" || payload?.type !== "token_count") return null;
      info = object(payload.info);
      last = object(info?.last_token_usage);
    }
    if (last === null) return null; // a rate-limit-only count, or another line: keep looking
    const window = count(info?.model_context_window) || null;
    const input = count(last.input_tokens);
    const cached = count(last.cached_input_tokens);
    if (input === 0) return _compact(count(last.total_tokens), window);
    return _turn(
      {
        contextTokens: input,
        inputTokens: input - cached,
        cacheReadTokens: cached,
        cacheCreationTokens: count(last.cache_write_input_tokens),
        outputTokens: count(last.output_tokens),
      },
      null,
      window,
    );
  });
}

/**
 * The context size a Gemini CLI chat recording shows, or null when it has no model message with tokens yet.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { geminiTranscriptUsage } from "./usage.ts";
 * const dir = mkdtempSync(join(tmpdir(), "gemini-"));
 * const file = join(dir, "session.jsonl");
 * writeFileSync(file, JSON.stringify({ type: "gemini", id: "g1", tokens: { input: 700, cached: 100, output: 20 } }) + "\n");
 * assert.deepEqual(geminiTranscriptUsage(file)?.usage, {
 *   contextTokens: 700, inputTokens: 600, cacheReadTokens: 100, cacheCreationTokens: null, outputTokens: 20,
 * });
 * rmSync(dir, { recursive: true });
 * ```
 */
export function geminiTranscriptUsage(path: string, options: TailOptions = {}): TranscriptUsage | null {
  return _lastUsage(path, options, (line) => {
    if (!hasMarker(line, GEMINI) || !hasMarker(line, TOKENS)) return null;
    const o = parseLine(line);
    const tokens = object(o?.tokens);
    if (o?.type !== "gemini" || tokens === null) return null;
    const input = count(tokens.input);
    const cached = count(tokens.cached);
    return _turn({
      contextTokens: input,
      inputTokens: input - cached,
      cacheReadTokens: cached,
      cacheCreationTokens: null,
      outputTokens: count(tokens.output),
    }, typeof o.id === "string" ? o.id : null);
  });
}
