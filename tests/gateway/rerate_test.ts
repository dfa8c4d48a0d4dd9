/**
 * An upstream whose risk the config does not set cannot re-rate itself lower mid-session (red team F13): after
 * `tools/list_changed` with milder annotations its tool keeps the risk it had, and the gate still asks; a tool
 * re-listed with harsher annotations rises at once. And `check` knows upstream tools (F14): it answers what the
 * call then gets, not "unknown tool".
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SafeExecutor } from "../../src/gate/executor.ts";
import { parseServers } from "../../src/gateway/config.ts";
import { GatewayTools } from "../../src/gateway/gate_tools.ts";
import { runtimeSpawner } from "../../src/gateway/spawner.ts";
import { currentRuntime } from "../../src/runtime/mod.ts";
import { evil, ROOT } from "./_servers.ts";

type Msg = Record<string, unknown>;

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), "se-rerate-"));
  const witness = join(dir, "w.log");
  const warnings: string[] = [];
  const gateway = new GatewayTools(parseServers({ f: { command: evil("rerate") } }, { baseDir: ROOT }), {
    spawn: runtimeSpawner(await currentRuntime()),
    diagnostics: (line) => warnings.push(line),
  });
  const asked = { n: 0 };
  const ex = new SafeExecutor({
    workspace: join(dir, "ws"),
    witness,
    confirm: () => {
      asked.n++;
      return true;
    },
  }).addProvider(gateway);
  const gates = () =>
    readFileSync(witness, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Msg).filter((l) => l.event === "gate");
  const done = async () => {
    await gateway.close();
    ex.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { gateway, ex, warnings, asked, gates, done };
}

Deno.test("F13: an upstream's risk from annotations only rises: list_changed with milder hints keeps the ASK", async () => {
  const t = await setup();
  try {
    const first = await t.ex.execute("f__wipe", {});
    assert.deepEqual(
      [first.ok, first.decision, first.risk, t.asked.n],
      [true, "ask", "high", 1],
      JSON.stringify(first),
    );
    // the server re-lists: wipe now says read-only, peek destructive
    // (peek re-listed as destructive shows that the new listing is in)
    for (let i = 0; i < 400; i++) {
      const p = await t.gateway.manager.resolve("f__peek");
      if (p.ok && p.tool.risk === "high") break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const peek = await t.gateway.manager.resolve("f__peek");
    assert.equal(peek.ok && peek.tool.risk, "high"); // rising is taken at once
    const wipe = await t.gateway.manager.resolve("f__wipe");
    assert.equal(wipe.ok && wipe.tool.risk, "high"); // lowering is not
    const second = await t.ex.execute("f__wipe", {});
    assert.deepEqual([second.ok, second.decision, second.risk, t.asked.n], [true, "ask", "high", 2]);
    const peeked = await t.ex.execute("f__peek", {});
    assert.deepEqual([peeked.decision, t.asked.n], ["ask", 3]);
    assert.deepEqual(t.gates().map((g) => [g.tool, g.decision, (g.details as Msg).risk]), [
      ["f__wipe", "ask", "high"],
      ["f__wipe", "ask", "high"],
      ["f__peek", "ask", "high"],
    ]);
    assert.ok(
      t.warnings.some((w) => /suggest risk low; it keeps risk high \(a risk from annotations only rises/.test(w)),
      t.warnings.join("\n"),
    );
  } finally {
    await t.done();
  }
});

Deno.test("F14: check finds an upstream tool as the call does, and answers the call's decision", async () => {
  const t = await setup();
  try {
    const before = await t.ex.check("f__wipe", {});
    assert.deepEqual([before.decision, before.risk, before.errorCode], ["ask", "high", null], JSON.stringify(before));
    assert.deepEqual([(await t.ex.check("f__peek", {})).decision, (await t.ex.check("f__peek", {})).risk], [
      "allow",
      "low",
    ]);
    assert.equal((await t.ex.check("f__nope", {})).errorCode, "unknown_tool");
    assert.equal((await t.ex.check("g__x", {})).errorCode, "unknown_tool");
    const ran = await t.ex.execute("f__peek", {});
    assert.deepEqual([ran.decision, ran.risk, t.asked.n], ["allow", "low", 0]);
    // nothing checked is in the log: only the call
    assert.deepEqual(t.gates().map((g) => g.tool), ["f__peek"]);
  } finally {
    await t.done();
  }
});
