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
 * Also {@linkcode codexToolOutcome}: Codex's `PostToolUse` has no exit code, its rollout does.
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

const _decoder = new TextDecoder();

function _parse(line: Uint8Array): Record<string, unknown> | null {
  try {
    const v = JSON.parse(_decoder.decode(line));
    return typeof v === "object" && v !== null && !Array.isArray(v) ? v as Record<string, unknown> : null;
  } catch {
    return null; // a torn last line (the agent is still writing it) or garbage: skipped
  }
}

/** Whether the bytes contain an ASCII marker (cheap filter before decoding a line). */
function _has(line: Uint8Array, marker: Uint8Array): boolean {
  const first = marker[0];
  outer: for (
    let i = line.indexOf(first!);
    i >= 0 && i <= line.length - marker.length;
    i = line.indexOf(first!, i + 1)
  ) {
    for (let j = 1; j < marker.length; j++) if (line[i + j] !== marker[j]) continue outer;
    return true;
  }
  return false;
}

const _enc = (s: string) => new TextEncoder().encode(s);
const _ASSISTANT = _enc('"assistant"');
const _COMPACT_BOUNDARY = _enc('"compact_boundary"');
const _TOKEN_COUNT = _enc('"token_count"');
const _TOKEN_USAGE_RECORD = _enc('"token_usage_record"');
const _COMPACTED = _enc('"compacted"');
const _GEMINI = _enc('"gemini"');
const _TOKENS = _enc('"tokens"');

function _n(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) && v > 0 ? v : 0;
}

function _obj(v: unknown): Record<string, unknown> | null {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? v as Record<string, unknown> : null;
}

/** The context size a Claude Code transcript shows, or null when it has no usage yet. */
export function claudeTranscriptUsage(path: string, options: TailOptions = {}): TranscriptUsage | null {
  let found: TranscriptUsage | null = null;
  const stats = readLinesFromEnd(path, (line) => {
    if (_has(line, _COMPACT_BOUNDARY)) {
      const o = _parse(line);
      if (o !== null && o.type === "system" && o.subtype === "compact_boundary" && o.isSidechain !== true) {
        const meta = _obj(o.compactMetadata);
        found = {
          contextTokens: _n(meta?.postTokens),
          source: "compact",
          usage: null,
          messageId: null,
          contextWindow: null,
          bytesRead: 0,
        };
        return true;
      }
    }
    if (!_has(line, _ASSISTANT)) return false;
    const o = _parse(line);
    if (o === null || o.type !== "assistant" || o.isSidechain === true) return false;
    const message = _obj(o.message);
    const usage = _obj(message?.usage);
    if (message === null || usage === null || message.model === "<synthetic>") return false;
    const input = _n(usage.input_tokens);
    const creation = _n(usage.cache_creation_input_tokens);
    const read = _n(usage.cache_read_input_tokens);
    found = {
      contextTokens: input + creation + read,
      source: "usage",
      usage: {
        contextTokens: input + creation + read,
        inputTokens: input,
        cacheCreationTokens: creation,
        cacheReadTokens: read,
        outputTokens: _n(usage.output_tokens),
      },
      messageId: typeof message.id === "string" ? message.id : null,
      contextWindow: null,
      bytesRead: 0,
    };
    return true;
  }, options);
  if (found !== null) (found as TranscriptUsage).bytesRead = stats.bytesRead;
  return found;
}

/** The context size a Codex rollout shows, or null when it has no token count yet. */
export function codexTranscriptUsage(path: string, options: TailOptions = {}): TranscriptUsage | null {
  let found: TranscriptUsage | null = null;
  const stats = readLinesFromEnd(path, (line) => {
    if (_has(line, _COMPACTED)) {
      const o = _parse(line);
      if (o !== null && o.type === "compacted") {
        found = {
          contextTokens: 0,
          source: "compact",
          usage: null,
          messageId: null,
          contextWindow: null,
          bytesRead: 0,
        };
        return true;
      }
    }
    let last: Record<string, unknown> | null = null;
    let info: Record<string, unknown> | null = null;
    if (_has(line, _TOKEN_USAGE_RECORD)) {
      // Written right after each response (before its tool calls run, so before their PreToolUse hooks).
      const o = _parse(line);
      if (o?.type !== "token_usage_record") return false;
      last = _obj(_obj(o.payload)?.usage);
    } else if (_has(line, _TOKEN_COUNT)) {
      // Written after the turn's tool outputs; the one after a compaction has input 0 and the new size as total.
      const o = _parse(line);
      const payload = _obj(o?.payload);
      if (o?.type !== "event_msg" || payload?.type !== "token_count") return false;
      info = _obj(payload.info);
      last = _obj(info?.last_token_usage);
    }
    if (last === null) return false; // a rate-limit-only count, or another line: keep looking
    const window = _n(info?.model_context_window) || null;
    const input = _n(last.input_tokens);
    const cached = _n(last.cached_input_tokens);
    if (input === 0) {
      found = {
        contextTokens: _n(last.total_tokens),
        source: "compact",
        usage: null,
        messageId: null,
        contextWindow: window,
        bytesRead: 0,
      };
      return true;
    }
    found = {
      contextTokens: input,
      source: "usage",
      usage: {
        contextTokens: input,
        inputTokens: input - cached,
        cacheReadTokens: cached,
        cacheCreationTokens: _n(last.cache_write_input_tokens),
        outputTokens: _n(last.output_tokens),
      },
      messageId: null,
      contextWindow: window,
      bytesRead: 0,
    };
    return true;
  }, options);
  if (found !== null) (found as TranscriptUsage).bytesRead = stats.bytesRead;
  return found;
}

/** The context size a Gemini CLI chat recording shows, or null when it has no model message with tokens yet. */
export function geminiTranscriptUsage(path: string, options: TailOptions = {}): TranscriptUsage | null {
  let found: TranscriptUsage | null = null;
  const stats = readLinesFromEnd(path, (line) => {
    if (!_has(line, _GEMINI) || !_has(line, _TOKENS)) return false;
    const o = _parse(line);
    const tokens = _obj(o?.tokens);
    if (o?.type !== "gemini" || tokens === null) return false;
    const input = _n(tokens.input);
    const cached = _n(tokens.cached);
    found = {
      contextTokens: input,
      source: "usage",
      usage: {
        contextTokens: input,
        inputTokens: input - cached,
        cacheReadTokens: cached,
        cacheCreationTokens: null,
        outputTokens: _n(tokens.output),
      },
      messageId: typeof o.id === "string" ? o.id : null,
      contextWindow: null,
      bytesRead: 0,
    };
    return true;
  }, options);
  if (found !== null) (found as TranscriptUsage).bytesRead = stats.bytesRead;
  return found;
}

/** How a Codex tool call ended, from its rollout. */
export interface CodexToolOutcome {
  /** The shell command's exit code, when it was a shell call. */
  exitCode: number | null;
  /** The call failed (non-zero exit, or Codex marked it failed). */
  failed: boolean;
}

const _PROCESS_EXITED = /Process exited with code (-?\d+)/;

/**
 * How the Codex tool call `callId` (the hook's `tool_use_id`) ended, from the rollout, or null when the rollout
 * does not show it (yet). Reads the `item_completed` event of a command (`exit_code`, `status`), else the call's
 * `function_call_output` text (`Process exited with code N`).
 */
export function codexToolOutcome(path: string, callId: string, options: TailOptions = {}): CodexToolOutcome | null {
  const id = _enc(JSON.stringify(callId));
  let found: CodexToolOutcome | null = null;
  readLinesFromEnd(path, (line) => {
    if (!_has(line, id)) return false;
    const o = _parse(line);
    const payload = _obj(o?.payload);
    if (payload === null) return false;
    if (o?.type === "event_msg" && payload.type === "item_completed") {
      const item = _obj(payload.item);
      if (item?.id !== callId) return false;
      const exit = typeof item.exit_code === "number" ? item.exit_code : null;
      found = { exitCode: exit, failed: item.status === "failed" || (exit !== null && exit !== 0) };
      return true;
    }
    if (o?.type === "response_item" && payload.call_id === callId && typeof payload.output === "string") {
      if (payload.type !== "function_call_output" && payload.type !== "custom_tool_call_output") return false;
      const m = _PROCESS_EXITED.exec(payload.output);
      const exit = m !== null ? Number(m[1]) : null;
      found = { exitCode: exit, failed: exit !== null && exit !== 0 };
      return true;
    }
    return false;
  }, options);
  return found;
}
