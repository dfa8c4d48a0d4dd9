import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { confirmHandlerFor, execConfirm } from "../src/confirm.ts";
import { currentRuntime } from "../src/runtime/mod.ts";
import type { ConfirmRequest } from "../src/types.ts";

const rt = await currentRuntime();
const req = (signal = new AbortController().signal): ConfirmRequest => ({
  tool: "run_bash",
  args: { cmd: "ls" },
  risk: "high",
  fatigue: 0.41,
  rationale: "risk=high fatigue=0.41",
  signal,
});

Deno.test("exec: the program gets the confirm_request as JSON on stdin; exit 0 approves", async () => {
  const dir = mkdtempSync(join(tmpdir(), "se-confirm-"));
  const out = join(dir, "req.json");
  const approve = execConfirm(`bash -c cat>${out}`, rt);
  assert.equal(await approve(req()), true);
  const seen = JSON.parse(readFileSync(out, "utf8"));
  assert.deepEqual(seen, {
    type: "confirm_request",
    id: null,
    tool: "run_bash",
    args: { cmd: "ls" },
    risk: "high",
    fatigue: 0.41,
    rationale: "risk=high fatigue=0.41",
  });
  assert.equal(await execConfirm("false", rt)(req()), false);
});

Deno.test("exec: the program is killed when the confirmation is aborted", async () => {
  const ac = new AbortController();
  const p = execConfirm("sleep 30", rt)(req(ac.signal));
  setTimeout(() => ac.abort(), 50);
  const started = performance.now();
  assert.equal(await p, false);
  assert.ok(performance.now() - started < 5000);
});

Deno.test("exec: a missing program is not approved (it throws, which the executor treats as no)", async () => {
  await assert.rejects(async () => await execConfirm("/nonexistent/approver", rt)(req()));
});

Deno.test("mode names: deny, exec:…, unknown", async () => {
  assert.equal(await confirmHandlerFor("deny", rt)(req()), false);
  assert.equal(await confirmHandlerFor("exec:true", rt)(req()), true);
  assert.throws(() => confirmHandlerFor("maybe", rt), /Unknown confirm mode "maybe"/);
  assert.throws(() => confirmHandlerFor("exec:  ", rt), /needs a program/);
});
