import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { codexToolOutcome } from "../../src/hook/mod.ts";

const DIR = fileURLToPath(new URL("./fixtures/transcripts/", import.meta.url));

Deno.test("codexToolOutcome: the real rollout's failed and successful shell calls", () => {
  const path = join(DIR, "codex.jsonl");
  assert.deepEqual(codexToolOutcome(path, "call_mock_3"), { exitCode: 1, failed: true });
  assert.deepEqual(codexToolOutcome(path, "call_mock_2"), { exitCode: 0, failed: false });
  assert.equal(codexToolOutcome(path, "call_mock_99"), null);
  // The call the hook blocked never ran: not a tool failure.
  assert.deepEqual(codexToolOutcome(path, "call_mock_1"), { exitCode: null, failed: false });
});
