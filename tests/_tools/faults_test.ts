/**
 * The fault suite's bounded run (_tools/faults.ts) inside the normal test suite, so CI runs it: the real Bun binary
 * and `deno run`, fuzz, kill -9 with a restart, a full disk, a removed log, many servers on one log, a long
 * session. Nothing may be lost. `deno task faults --long` runs the original measurements' sizes.
 */
import assert from "node:assert/strict";
import { faultTargets, runFaults } from "../../_tools/faults.ts";

const { missing } = faultTargets();
for (const m of missing) console.log(`faults_test: a target is missing, its scenarios are not run: ${m}`);

Deno.test("fault suite (bounded): 0 lost on every target", async () => {
  const lines: string[] = [];
  const { results, lost } = await runFaults({
    out: (l) => {
      lines.push(l);
      console.log(l);
    },
  });
  assert.ok(results.length >= 7, `${results.length} scenario runs`);
  for (const r of results.filter((r) => r.skipped)) console.log(`faults_test: SKIPPED ${r.scenario}: ${r.skipped}`);
  assert.equal(lost, 0, lines.filter((l) => l.includes("LOST")).join("\n"));
  assert.match(lines.at(-1) as string, /: 0 lost$/);
});
