import assert from "node:assert/strict";
import { parseServers } from "../../src/gateway/config.ts";
import { riskFromAnnotations, upstreamRisk } from "../../src/gateway/risk.ts";

Deno.test("risk from annotations: readOnly → low, non-destructive → medium, anything else → high", () => {
  const cases: [Record<string, unknown> | undefined, string][] = [
    [{ readOnlyHint: true }, "low"],
    [{ readOnlyHint: true, destructiveHint: true }, "low"], // read-only wins: it cannot destroy
    [{ readOnlyHint: false, destructiveHint: false }, "medium"],
    [{ destructiveHint: false }, "medium"],
    [{ readOnlyHint: false }, "high"], // MCP's default: destructiveHint true
    [{ destructiveHint: true }, "high"],
    [{}, "high"],
    [undefined, "high"],
    [{ readOnlyHint: "true" }, "high"], // not a boolean: ignored
    [{ destructiveHint: 0 }, "high"],
  ];
  for (const [hints, risk] of cases) assert.equal(riskFromAnnotations(hints as never), risk, JSON.stringify(hints));
});

Deno.test("a configured risk (tool, then server) wins over annotations in both directions", () => {
  const { s } = parseServers({
    s: { command: ["x"], risk: "low", tools: { wipe: { risk: "high" }, peek: { risk: "medium" } } },
  }, { baseDir: "/" });
  assert.deepEqual(upstreamRisk(s!, "wipe", { readOnlyHint: true }), { risk: "high", source: "tool-config" });
  assert.deepEqual(upstreamRisk(s!, "peek", { readOnlyHint: true }), { risk: "medium", source: "tool-config" });
  // The server's risk is what the user chose for its tools, also for one that calls itself destructive.
  assert.deepEqual(upstreamRisk(s!, "other", { destructiveHint: true }), { risk: "low", source: "server-config" });
  const { t } = parseServers({ t: { command: ["x"], tools: { constructor: { risk: "low" } } } }, { baseDir: "/" });
  assert.deepEqual(upstreamRisk(t!, "toString", { readOnlyHint: true }), { risk: "low", source: "annotations" });
  assert.deepEqual(upstreamRisk(t!, "constructor", {}), { risk: "low", source: "tool-config" });
  assert.deepEqual(upstreamRisk(t!, "__proto__", {}), { risk: "high", source: "annotations" });
  const { u } = parseServers(JSON.parse('{"u": {"command": ["x"], "tools": {"__proto__": {"risk": "low"}}}}'), {
    baseDir: "/",
  });
  assert.deepEqual(upstreamRisk(u!, "__proto__", {}), { risk: "low", source: "tool-config" });
});
