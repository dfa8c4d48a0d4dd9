import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { confirmHandlerFor, execConfirm, OpenQuestions, ttyQuestion } from "../../src/gate/confirm.ts";
import { currentRuntime } from "../../src/runtime/mod.ts";
import type { ConfirmRequest } from "../../src/types.ts";

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
  // Not approved, and not "declined" either: it is said that the program was stopped before it answered.
  await assert.rejects(Promise.resolve(p), /exec:sleep was stopped before it answered/);
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

Deno.test("the question shows every argument whole and escaped: controls, bidi, invisibles, padding counted", () => {
  const invisible = [
    "\u0000",
    "\u0007",
    "\u001b",
    "\u007f",
    "\u0085",
    "\u009b",
    "\u00a0",
    "\u00ad",
    "\u061c",
    "\u200b",
    "\u200e",
    "\u200f",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2028",
    "\u2029",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\ufeff",
    "\u{e0041}",
    "\ud800",
  ];
  for (const ch of invisible) {
    const q = ttyQuestion({ tool: "t", args: { x: `a${ch}b` }, risk: "high", fatigue: 0, rationale: "r" });
    assert.ok(!q.includes(ch), `U+${ch.codePointAt(0)!.toString(16)} reached the terminal`);
    assert.ok(q.includes(`"a\\u{${ch.codePointAt(0)!.toString(16)}}b"`), q);
  }
  // Everything is there, however long: 20 000 characters of a value are shown whole.
  const cmd = Array.from({ length: 19_000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join("");
  const q = ttyQuestion({ tool: "run_bash", args: { cmd }, risk: "high", fatigue: 0, rationale: "r" });
  assert.ok(q.includes(`cmd (19000 characters): "${cmd}"`));
  // Past that, the start and the end, and how much is left out between.
  const long = cmd + cmd;
  const q2 = ttyQuestion({ tool: "run_bash", args: { cmd: long }, risk: "high", fatigue: 0, rationale: "r" });
  assert.ok(q2.includes(`"${long.slice(0, 10000)}" …[18000 characters not shown]… "${long.slice(-10000)}"`));
  assert.match(q2, /cmd \(38000 characters\)/);
});

Deno.test("OpenQuestions: close() withdraws open questions and answers later ones with no", async () => {
  const questions = new OpenQuestions();
  let aborted = 0;
  const ask = questions.wrap((r) =>
    new Promise<boolean>((resolve) =>
      r.signal.addEventListener("abort", () => {
        aborted++;
        resolve(false);
      })
    )
  );
  const outer = new AbortController();
  const a = ask(req(outer.signal));
  const b = ask(req());
  outer.abort(); // the call's own signal still reaches the question
  assert.equal(await a, false);
  questions.close();
  assert.equal(await b, false);
  assert.equal(aborted, 2);
  assert.equal(await ask(req()), false);
});
