/**
 * The transcript usage readers on real transcripts the pinned CLIs wrote in the agent lab
 * (tests/hook/fixtures/transcripts/, trimmed of request dumps): at every line of each transcript, the reader
 * (which reads from the end) agrees with a plain forward scan of the whole prefix; the compaction resets show;
 * and the edge cases (sidechains, synthetic messages, torn lines) hold.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  claudeTranscriptUsage,
  codexTranscriptUsage,
  geminiTranscriptUsage,
  type TranscriptUsage,
} from "../../src/hook/mod.ts";

const DIR = fileURLToPath(new URL("./fixtures/transcripts/", import.meta.url));
// deno-lint-ignore no-explicit-any
type Rec = Record<string, any>; // the transcripts' records, read loosely by the oracles

/** The oracle: scan every record of a prefix forwards and keep the last that says something. */
type Oracle = (records: Rec[]) => { contextTokens: number; source: string } | null;

const claudeOracle: Oracle = (records) => {
  let state: { contextTokens: number; source: string } | null = null;
  for (const o of records) {
    if (o.type === "system" && o.subtype === "compact_boundary" && o.isSidechain !== true) {
      state = { contextTokens: o.compactMetadata?.postTokens ?? 0, source: "compact" };
    } else if (
      o.type === "assistant" && o.isSidechain !== true && o.message?.usage && o.message.model !== "<synthetic>"
    ) {
      const u = o.message.usage;
      state = {
        contextTokens: (u.input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0),
        source: "usage",
      };
    }
  }
  return state;
};

const codexOracle: Oracle = (records) => {
  let state: { contextTokens: number; source: string } | null = null;
  for (const o of records) {
    let last: Rec | undefined;
    if (o.type === "compacted") state = { contextTokens: 0, source: "compact" };
    else if (o.type === "token_usage_record") last = o.payload?.usage;
    else if (o.type === "event_msg" && o.payload?.type === "token_count") last = o.payload.info?.last_token_usage;
    if (last === undefined || last === null) continue;
    state = last.input_tokens > 0
      ? { contextTokens: last.input_tokens, source: "usage" }
      : { contextTokens: last.total_tokens ?? 0, source: "compact" };
  }
  return state;
};

const geminiOracle: Oracle = (records) => {
  let state: { contextTokens: number; source: string } | null = null;
  for (const o of records) {
    if (o.type === "gemini" && o.tokens) state = { contextTokens: o.tokens.input, source: "usage" };
  }
  return state;
};

const CASES: [string, (path: string, o?: { limitBytes?: number }) => TranscriptUsage | null, Oracle][] = [
  ["claude-code", claudeTranscriptUsage, claudeOracle],
  ["claude-code-compact", claudeTranscriptUsage, claudeOracle],
  ["codex", codexTranscriptUsage, codexOracle],
  ["codex-compact", codexTranscriptUsage, codexOracle],
  ["gemini", geminiTranscriptUsage, geminiOracle],
];

for (const [name, reader, oracle] of CASES) {
  Deno.test(`usage: ${name}: at every line, reading from the end agrees with a forward scan`, () => {
    const path = join(DIR, `${name}.jsonl`);
    const bytes = readFileSync(path);
    const records: Rec[] = [];
    let offset = 0;
    let answered = 0;
    for (const line of bytes.toString("utf8").split("\n")) {
      if (line === "") continue;
      offset += Buffer.byteLength(line) + 1;
      records.push(JSON.parse(line));
      const got = reader(path, { limitBytes: offset });
      const want = oracle(records);
      assert.deepEqual(
        got === null ? null : { contextTokens: got.contextTokens, source: got.source },
        want,
        `${name} after line ${records.length}`,
      );
      if (got !== null) {
        answered++;
        assert.ok(got.bytesRead <= offset);
      }
    }
    assert.ok(answered > 0, `${name}: the reader never found usage`);
  });
}

Deno.test("usage: the real Claude Code compaction: the big turn, the reset at the boundary, the next turn", () => {
  const path = join(DIR, "claude-code-compact.jsonl");
  const text = readFileSync(path, "utf8");
  const at = text.indexOf('"subtype":"compact_boundary"');
  assert.ok(at > 0);
  const start = Buffer.byteLength(text.slice(0, text.lastIndexOf("\n", at) + 1));
  const end = Buffer.byteLength(text.slice(0, text.indexOf("\n", at) + 1));
  assert.equal(claudeTranscriptUsage(path, { limitBytes: start })?.contextTokens, 992_005);
  const reset = claudeTranscriptUsage(path, { limitBytes: end })!;
  assert.equal(reset.source, "compact");
  const post =
    JSON.parse(text.slice(text.lastIndexOf("\n", at) + 1, text.indexOf("\n", at))).compactMetadata.postTokens;
  assert.equal(reset.contextTokens, post);
  const final = claudeTranscriptUsage(path)!;
  assert.equal(final.source, "usage");
  assert.ok(final.contextTokens < 100_000);
  assert.match(final.messageId!, /^msg_mock_/);
});

Deno.test("usage: the real Codex compaction: the big turn, the compacted record, the new size", () => {
  const path = join(DIR, "codex-compact.jsonl");
  const text = readFileSync(path, "utf8");
  const at = text.indexOf('"type":"compacted"');
  const lineStart = Buffer.byteLength(text.slice(0, text.lastIndexOf("\n", at) + 1));
  const lineEnd = Buffer.byteLength(text.slice(0, text.indexOf("\n", at) + 1));
  assert.equal(codexTranscriptUsage(path, { limitBytes: lineStart })?.contextTokens, 250_100);
  assert.deepEqual(codexTranscriptUsage(path, { limitBytes: lineEnd })?.contextTokens, 0);
  const after = text.indexOf('"input_tokens":0', at);
  assert.ok(after > 0, "no post-compaction token count");
  const afterEnd = Buffer.byteLength(text.slice(0, text.indexOf("\n", after) + 1));
  const estimate = codexTranscriptUsage(path, { limitBytes: afterEnd })!;
  assert.equal(estimate.source, "compact");
  assert.ok(estimate.contextTokens > 0 && estimate.contextTokens < 100_000, `${estimate.contextTokens}`);
  assert.equal(estimate.contextWindow, 258_400);
});

function withLines(lines: unknown[], fn: (path: string) => void, tail = ""): void {
  const dir = mkdtempSync(join(tmpdir(), "usage-test-"));
  try {
    const file = join(dir, "t.jsonl");
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join("\n") + "\n" + tail);
    fn(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const assistant = (id: string, input: number, extra: Rec = {}) => ({
  type: "assistant",
  isSidechain: false,
  message: {
    id,
    model: "claude-x",
    usage: { input_tokens: input, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  },
  ...extra,
});

Deno.test("usage: Claude Code edge cases: sidechains, synthetic messages, repeated ids, torn lines, no usage", () => {
  withLines([assistant("m1", 100), assistant("m2", 200, { isSidechain: true })], (f) => {
    assert.equal(claudeTranscriptUsage(f)?.contextTokens, 100, "a sidechain's usage is not the main context");
  });
  withLines(
    [assistant("m1", 100), { ...assistant("m2", 0), message: { id: "m2", model: "<synthetic>", usage: {} } }],
    (f) => {
      assert.equal(claudeTranscriptUsage(f)?.contextTokens, 100, "a synthetic message made no API call");
    },
  );
  withLines([assistant("m1", 100), assistant("m2", 300), assistant("m2", 300)], (f) => {
    const u = claudeTranscriptUsage(f)!;
    assert.equal(u.contextTokens, 300, "one message's lines share its usage: counted once, not added");
    assert.equal(u.messageId, "m2");
  });
  withLines([assistant("m1", 100)], (f) => {
    assert.equal(claudeTranscriptUsage(f)?.contextTokens, 100, "a torn last line (still being written) is skipped");
  }, '{"type":"assistant","message":{"usage":{"input_tok');
  withLines([
    assistant("m1", 100),
    { type: "system", subtype: "compact_boundary", isSidechain: true, compactMetadata: { postTokens: 5 } },
  ], (f) => assert.equal(claudeTranscriptUsage(f)?.contextTokens, 100, "a sidechain's compaction is not the main one"));
  withLines([assistant("m1", 100), { type: "system", subtype: "compact_boundary" }], (f) => {
    assert.deepEqual(
      { ...claudeTranscriptUsage(f), bytesRead: 0 },
      { contextTokens: 0, source: "compact", usage: null, messageId: null, contextWindow: null, bytesRead: 0 },
    );
  });
  withLines([{ type: "user", message: { content: "hi" } }], (f) => assert.equal(claudeTranscriptUsage(f), null));
  withLines([], (f) => {
    assert.equal(claudeTranscriptUsage(f), null);
    assert.equal(codexTranscriptUsage(f), null);
    assert.equal(geminiTranscriptUsage(f), null);
  });
});
