/**
 * The context size of an agent session at one hook event (SPEC §9), from the best source there is:
 *
 * 1. the agent's real token usage: Claude Code's transcript (the last main-chain turn's input + cache-creation +
 *    cache-read tokens, de-duplicated by message id; a `compact_boundary` after it resets it, see usage.ts), Codex's
 *    rollout, Gemini CLI's `AfterModel` event (kept in the state for the next `BeforeTool`) or its chat recording;
 * 2. when the transcript shows no usage yet (the agent flushes it in batches), the size seen last in this session;
 * 3. otherwise the tokenizer (`metrics.tokenizer`) over the transcript's text, counted incrementally: only the bytes
 *    added since the last event are read (Cursor, whose hooks carry no usage, and a session's first turn).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { observeContext } from "./context.ts";
 * import { claudeCode } from "./claude_code.ts";
 * const dir = mkdtempSync(join(tmpdir(), "ctx-"));
 * const transcript = join(dir, "s.jsonl");
 * const usage = { input_tokens: 5, cache_creation_input_tokens: 100, cache_read_input_tokens: 20000 };
 * writeFileSync(transcript, JSON.stringify({ type: "assistant", message: { id: "m1", usage } }) + "\n");
 * const event = claudeCode.parseEvent({ session_id: "s", hook_event_name: "PreToolUse", tool_name: "Read", tool_input: {}, transcript_path: transcript });
 * const seen = await observeContext(event, null, "chars");
 * assert.deepEqual([seen.contextTokens, seen.source, seen.messageId], [20105, "usage", "m1"]);
 * rmSync(dir, { recursive: true });
 * ```
 *
 * @module
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type { TokenizerName } from "../tokens/types.ts";
import type { CountedTranscript, SessionState } from "./state.ts";
import type { NormalizedEvent } from "./types.ts";
import { claudeTranscriptUsage, codexTranscriptUsage, geminiTranscriptUsage, type TranscriptUsage } from "./usage.ts";

/** What the event shows of the context. */
export interface ObservedContext {
  /** The context size, in tokens. */
  contextTokens: number;
  /** `usage`, `compact`, `event`, `tokenizer`, or `kept` (the session's last value: nothing newer was found). */
  source: "usage" | "compact" | "event" | "tokenizer" | "kept" | "none";
  /** The message the usage belongs to, when known. */
  messageId: string | null;
  /** The tokenizer's running count, when it counted. */
  counted: CountedTranscript | null;
  /** Why a source could not be read (the next one was used), for the log. */
  note: string | null;
}

/** The most a tokenizer reads of a transcript at one event; beyond it, 4 bytes count as a token. */
export const MAX_TOKENIZED_BYTES = 8 * 1024 * 1024;

function _transcriptUsage(event: NormalizedEvent, path: string): TranscriptUsage | null {
  if (event.agent === "claude-code") return claudeTranscriptUsage(path);
  if (event.agent === "codex") return codexTranscriptUsage(path);
  if (event.agent === "gemini") return geminiTranscriptUsage(path);
  return null;
}

/** The context size at this event; `session` is the state before it (null for a new session). */
export async function observeContext(
  event: NormalizedEvent,
  session: SessionState | null,
  tokenizer: TokenizerName,
): Promise<ObservedContext> {
  const kept: ObservedContext = {
    contextTokens: session?.contextTokens ?? 0,
    source: session?.contextSource ? "kept" : "none",
    messageId: session?.messageId ?? null,
    counted: session?.counted ?? null,
    note: null,
  };
  if (event.usage !== null) {
    return { contextTokens: event.usage.contextTokens, source: "event", messageId: null, counted: null, note: null };
  }
  // Gemini CLI's AfterModel usage, kept in the state, is newer than its chat recording at the next BeforeTool.
  if (event.agent === "gemini" && session?.contextSource === "event") return kept;
  const path = event.transcriptPath;
  if (path === null) return kept;
  let note: string | null = null;
  try {
    const u = _transcriptUsage(event, path);
    if (u !== null) {
      return { contextTokens: u.contextTokens, source: u.source, messageId: u.messageId, counted: null, note: null };
    }
  } catch (e) {
    note = `the transcript ${JSON.stringify(path)} cannot be read (${(e as Error).message})`;
  }
  if (session?.contextSource && session.contextSource !== "tokenizer") return { ...kept, note };
  try {
    const counted = await countTranscript(path, session?.counted ?? null, tokenizer);
    if (counted === null) return { ...kept, note };
    return { contextTokens: counted.tokens, source: "tokenizer", messageId: null, counted, note };
  } catch (e) {
    return { ...kept, note: `the transcript ${JSON.stringify(path)} cannot be counted (${(e as Error).message})` };
  }
}

/**
 * The tokens of a transcript file, counting only what was added since `before` (same path and tokenizer, and the
 * file not shorter); null when the file does not exist.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { countTranscript } from "./context.ts";
 * const dir = mkdtempSync(join(tmpdir(), "count-"));
 * const file = join(dir, "t.txt");
 * writeFileSync(file, "abcdefgh");
 * const first = (await countTranscript(file, null, "chars"))!;
 * appendFileSync(file, "ijkl");
 * const next = (await countTranscript(file, first, "chars"))!;
 * assert.deepEqual([first.tokens, next.tokens, next.bytes], [2, 3, 12]);
 * rmSync(dir, { recursive: true });
 * ```
 */
export async function countTranscript(
  path: string,
  before: CountedTranscript | null,
  tokenizer: TokenizerName,
): Promise<CountedTranscript | null> {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return null;
    throw e;
  }
  try {
    const size = fstatSync(fd).size;
    const resume = before !== null && before.path === path && before.tokenizer === tokenizer && before.bytes <= size;
    const from = resume ? before.bytes : 0;
    const base = resume ? before.tokens : 0;
    const length = Math.min(size - from, MAX_TOKENIZED_BYTES);
    const skipped = size - from - length; // the oldest part beyond the cap, estimated
    if (length === 0) return { path, bytes: size, tokens: base + Math.ceil(skipped / 4), tokenizer };
    const buf = new Uint8Array(length);
    let got = 0;
    while (got < length) {
      const n = readSync(fd, buf, got, length - got, from + skipped + got);
      if (n === 0) break;
      got += n;
    }
    const text = new TextDecoder().decode(buf.subarray(0, got));
    const { loadTokenizer } = await import("../tokens/count.ts");
    const counter = await loadTokenizer(tokenizer);
    return {
      path,
      bytes: from + skipped + got,
      tokens: base + Math.ceil(skipped / 4) + counter.count(text),
      tokenizer,
    };
  } finally {
    closeSync(fd);
  }
}
