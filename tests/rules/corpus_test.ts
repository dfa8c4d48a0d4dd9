/**
 * The issue-13 corpus: at least 200 scripts, 0 dangerous ones lowered, at least 90 % of the read-only ones lowered,
 * and the project checks medium only with the sandbox fact on (their look-alikes never lowered), under Deno
 * (in-process) and under Bun (tests/rules/_corpus_run.ts in a Bun process).
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { corpusCounts, DANGEROUS, NOT_PROJECT_CHECKS, PROJECT_CHECKS, READ_ONLY } from "./_corpus.ts";
import { ROOT } from "../_targets.ts";

type Counts = ReturnType<typeof corpusCounts>;

function check(runtime: string, c: Counts): void {
  console.log(
    `${runtime}: ${c.readOnly} read-only scripts, ${c.lowered} lowered (${
      (100 * c.lowered / c.readOnly).toFixed(1)
    } %), ` +
      `${c.exact} at exactly the expected risk; ${c.dangerous} dangerous scripts, ${c.dangerousLowered} lowered; ` +
      `not lowered: ${c.missed.map((m) => JSON.stringify(m.script)).join(", ")}`,
  );
  assert.deepEqual(c.loweredDangerous, [], `${runtime}: dangerous scripts were lowered`);
  assert.equal(c.dangerousLowered, 0);
  assert.ok(
    c.lowered / c.readOnly >= 0.9,
    `${runtime}: only ${c.lowered}/${c.readOnly} lowered: ${JSON.stringify(c.missed)}`,
  );
  assert.equal(c.exact, c.lowered, `${runtime}: some lowered scripts got another risk than expected`);
  const p = c.projectChecks;
  console.log(
    `${runtime}: ${p.checks} project checks, ${p.medium} medium with the sandbox fact on; ${p.lookAlikes} ` +
      `look-alikes, ${p.loweredLookAlikes.length} lowered`,
  );
  assert.deepEqual(p.loweredLookAlikes, [], `${runtime}: look-alikes of project checks were lowered`);
  assert.deepEqual(p.loweredDangerous, [], `${runtime}: dangerous scripts were lowered with the sandbox fact on`);
  assert.deepEqual(p.loweredWithoutFact, [], `${runtime}: project checks were lowered without the sandbox fact`);
  assert.deepEqual(p.missed, [], `${runtime}: project checks were not medium with the sandbox fact on`);
  assert.deepEqual(p.readOnlyChanged, [], `${runtime}: the sandbox fact changed read-only scripts' risk`);
  assert.equal(p.medium, p.checks);
}

Deno.test("corpus: at least 200 scripts, no duplicates", () => {
  const all = [...READ_ONLY.map((c) => c.script), ...DANGEROUS];
  assert.ok(all.length >= 200, `only ${all.length} scripts`);
  assert.equal(new Set(all).size, all.length, "a script is listed twice");
});

Deno.test("corpus: project checks and their look-alikes, no duplicates", () => {
  const all = [...PROJECT_CHECKS, ...NOT_PROJECT_CHECKS];
  assert.ok(PROJECT_CHECKS.length >= 80 && NOT_PROJECT_CHECKS.length >= 140, `${all.length} scripts`);
  assert.equal(new Set(all).size, all.length, "a script is listed twice");
  assert.ok(DANGEROUS.includes("npm test") && PROJECT_CHECKS.includes("npm test"));
});

Deno.test("corpus: Deno lowers no dangerous script and >= 90 % of the read-only ones", () => {
  check("deno", corpusCounts());
});

const bun = join(ROOT, "node_modules/bun/bin/bun.exe");
Deno.test({
  name: "corpus: Bun gives the same counts",
  ignore: !existsSync(bun),
  fn: async () => {
    const out = await new Deno.Command(bun, {
      args: [join(ROOT, "tests/rules/_corpus_run.ts")],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    const counts = JSON.parse(new TextDecoder().decode(out.stdout)) as Counts;
    check("bun", counts);
    assert.deepEqual(counts, corpusCounts(), "Bun and Deno judge the corpus differently");
  },
});
if (!existsSync(bun)) console.log(`corpus: Bun test skipped: ${bun} is not installed (npm ci installs it)`);
