/**
 * The test runner behind `deno task test`: runs `deno test --no-check` (type checks, doc examples included, are the
 * step of `ok` before it) with the binary's permissions (never -A) and the doc examples, streams its output, and
 * ends with the plain line `N passed, N failed, N skipped`.
 *
 *   deno task test [extra deno test args, e.g. a file]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DENO_PERMISSION_FLAGS } from "../build.ts";

const flags = DENO_PERMISSION_FLAGS; // the binary's permissions (build.ts), never -A
// The doc examples of src/, build.ts and the checks of `ok` run too (they must assert: _tools/check_docs.ts).
const paths = Deno.args.length > 0
  ? Deno.args
  : ["--doc", "tests/", "src/", "build.ts", "_tools/check_docs.ts", "_tools/check_layers.ts"];
// Every temp folder the tests make lands in one folder of this run, removed at the end, so a test that forgets to
// clean up (or is killed) leaves nothing in the machine's /tmp.
const runTmp = mkdtempSync(join(tmpdir(), "safe-exec-tests-"));
const child = new Deno.Command(Deno.execPath(), {
  // --no-check: `deno task ok` type-checks everything (doc examples too) just before; checking again here would also
  // type-check each worker module when a test first starts it, which under load outlasts the tests' timeouts.
  args: ["test", "--no-check", ...flags, ...paths],
  stdout: "piped",
  stderr: "inherit",
  env: { NO_COLOR: "1", TMPDIR: runTmp },
}).spawn();

let tail = "";
const decoder = new TextDecoder();
for await (const chunk of child.stdout) {
  await Deno.stdout.write(chunk);
  tail = (tail + decoder.decode(chunk, { stream: true })).slice(-4096);
}
const status = await child.status;
try {
  rmSync(runTmp, { recursive: true, force: true });
} catch (e) {
  console.error(`test: could not remove the run's temp folder ${runTmp}: ${(e as Error).message}`);
}
// Deno's summary: "ok | 44 passed | 0 failed | 1 ignored (240ms)" or "FAILED | 10 passed | 2 failed (1s)".
const m = tail.match(
  /(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed(?: \(\d+ steps?\))?(?: \| (\d+) ignored)?/,
);
if (m) {
  console.log(`\n${m[1]} passed, ${m[2]} failed, ${m[3] ?? 0} skipped`);
} else {
  console.log(`\n0 passed, 1 failed (deno test ended with code ${status.code} before its summary)`);
}
Deno.exit(status.code === 0 && m ? 0 : status.code || 1);
