/**
 * docs/examples/harness.py, run as a user would (python3, standard library only) against `safe-exec serve`: its own
 * tools gated, decisions and outcomes in the witness log, a failed send_email counted as an error, and an invented
 * tool still unknown_tool.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DENO_FLAGS } from "../_targets.ts";
import { tempDir } from "../_temp.ts";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const HARNESS = join(REPO, "docs/examples/harness.py");
const hasPython = new Deno.Command("python3", { args: ["--version"], stdout: "null", stderr: "null" }).outputSync()
  .success;
if (!hasPython) console.error("SKIPPING the Python harness test: python3 is not installed (apt-get install python3)");

async function harness(approve: "yes" | "no") {
  const dir = tempDir("se-harness-");
  const safeExec = [
    Deno.execPath(),
    "run",
    "--config",
    join(REPO, "deno.json"),
    ...DENO_FLAGS,
    join(REPO, "src/main.ts"),
  ];
  const r = await new Deno.Command("python3", {
    args: [HARNESS, "--workdir", dir, "--approve", approve, "--", ...safeExec],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(r.stderr);
  assert.equal(r.code, 0, err);
  const summary = JSON.parse(new TextDecoder().decode(r.stdout).trim().split("\n").at(-1)!);
  const lines = readFileSync(join(dir, "witness.log"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
  return { summary, lines };
}

Deno.test({
  name: "python harness: own tools gated through serve, outcomes logged, a failed send_email counts",
  ignore: !hasPython,
  fn: async () => {
    const { summary, lines } = await harness("yes");
    const [search, email, search2, pizza] = summary.results;
    assert.equal(summary.exit, 0);
    assert.deepEqual([search.ran, search.decision, search.ok], [true, "allow", true]);
    assert.deepEqual([email.ran, email.decision, email.ok], [true, "ask", false]); // asked, approved, failed
    assert.ok(search2.fatigue > search.fatigue, "the failed send_email raised fatigue");
    assert.deepEqual([pizza.ran, pizza.errorCode], [false, "unknown_tool"]);

    const of = (event: string, tool: string) => lines.filter((l) => l.event === event && l.tool === tool);
    assert.equal(of("gate", "web_search").length, 2);
    assert.equal(of("execute", "web_search").length, 2);
    assert.equal(of("confirm", "send_email")[0].details.approved, true);
    const sent = of("execute", "send_email")[0];
    assert.equal(sent.details.ok, false);
    assert.equal(sent.details.error, "SMTP 550: mailbox unavailable");
    assert.equal(sent.details.gateSeq, of("gate", "send_email")[0].seq);
    assert.equal(of("gate", "order_pizza")[0].details.errorCode, "unknown_tool");
    assert.equal(of("execute", "order_pizza").length, 0);

    // The log verifies.
    const verify = await new Deno.Command(Deno.execPath(), {
      args: ["run", ...DENO_FLAGS, join(REPO, "src/main.ts"), "log", "verify", summary.witness],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(verify.code, 0, new TextDecoder().decode(verify.stdout) + new TextDecoder().decode(verify.stderr));
  },
});

Deno.test({
  name: "python harness: a send_email the person does not approve never runs",
  ignore: !hasPython,
  fn: async () => {
    const { summary, lines } = await harness("no");
    const email = summary.results[1];
    assert.deepEqual([email.ran, email.decision, email.errorCode], [false, "ask", "not_approved"]);
    assert.equal(lines.filter((l) => l.event === "execute" && l.tool === "send_email").length, 0);
  },
});
