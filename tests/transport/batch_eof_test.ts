/**
 * Batch mode (`safe-exec serve < calls.jsonl`): EOF on stdin means "no more requests", not "cancel". A confirmation
 * that does not need stdin (`--confirm exec:PROGRAM`) is still answered by its program, and the call runs; a signal
 * still withdraws it, and then it is recorded as withdrawn, never as "declined" (nobody declined it).
 */
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run, targets } from "../_targets.ts";

for (const target of targets().filter((t) => t.name === "deno src" || t.name === "bun src")) {
  Deno.test(`[${target.name}] batch: at EOF a pending exec: confirmation is answered by its program`, async () => {
    const base = realpathSync(mkdtempSync(join(tmpdir(), "se-batch-")));
    try {
      mkdirSync(join(base, "ws"));
      const approver = join(base, "approve.sh");
      // A slow approver (a person answering a dialog): it answers after the client's stdin has closed.
      writeFileSync(approver, "#!/bin/sh\ncat > /dev/null\nsleep 1\nexit 0\n");
      chmodSync(approver, 0o755);
      const calls = [
        { id: 1, tool: "write_file", args: { path: "a.txt", content: "one\n" } },
        { id: 2, tool: "delete_file", args: { path: "a.txt" } },
      ].map((c) => JSON.stringify(c)).join("\n") + "\n";
      const r = await run(target, [
        "serve",
        "--workspace",
        join(base, "ws"),
        "--witness",
        join(base, "w.log"),
        "--confirm",
        `exec:${approver}`,
      ], { cwd: base, stdin: calls, timeoutMs: 60_000 });
      assert.equal(r.code, 0, r.stderr);
      const byId = new Map(r.lines.filter((l) => l.type === "result").map((l) => [l.id, l]));
      assert.equal(byId.get(2)?.ok, true, JSON.stringify(byId.get(2)));
      const log = readFileSync(join(base, "w.log"), "utf8");
      assert.doesNotMatch(log, /"declined"/, "a confirmation nobody declined was logged as declined");
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
}
