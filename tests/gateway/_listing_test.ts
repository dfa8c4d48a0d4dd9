import assert from "node:assert/strict";
import { admitTool, toolTimeout } from "../../src/gateway/_listing.ts";
import { parseServers } from "../../src/gateway/config.ts";
import { DEFAULT_LIMITS, type UpstreamTool } from "../../src/gateway/types.ts";

const { fs } = parseServers({
  fs: { command: ["x"], timeoutMs: 5000, tools: { slow: { timeoutMs: 90_000 }, hidden: { enabled: false } } },
}, { baseDir: "/" });

function admit(entries: unknown[], limits = DEFAULT_LIMITS) {
  const tools = new Map<string, UpstreamTool>();
  const seen = new Set<string>();
  const problems = entries.map((e) => admitTool(e, { config: fs!, limits }, tools, seen));
  return { tools, problems };
}

const tool = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  inputSchema: { type: "object" },
  ...extra,
});

Deno.test("admitTool: valid tools get the gateway name, risk, timeout and the optional fields they have", () => {
  const { tools, problems } = admit([
    tool("read", { title: "Read", annotations: { readOnlyHint: true }, outputSchema: { type: "object" } }),
    tool("slow", { description: "takes a while" }),
  ]);
  assert.deepEqual(problems, [null, null]);
  assert.deepEqual(tools.get("fs__read"), {
    name: "fs__read",
    server: "fs",
    upstreamName: "read",
    title: "Read",
    description: "",
    inputSchema: { type: "object" },
    outputSchema: { type: "object" },
    annotations: { readOnlyHint: true },
    risk: "low",
    riskSource: "annotations",
    timeoutMs: 5000,
  });
  assert.equal(tools.get("fs__slow")!.timeoutMs, 90_000);
  assert.equal(toolTimeout(fs!, "constructor"), 5000, "only the config's own tool entries count");
});

Deno.test("admitTool: what is left out, and why; a disabled tool is left out silently", () => {
  const { tools, problems } = admit([
    { name: 7 },
    tool(""),
    tool("dup"),
    tool("dup"),
    tool("a b"),
    tool("task", { execution: { taskSupport: "required" } }),
    tool("huge", { description: "x".repeat(200) }),
    tool("hidden"),
  ], { ...DEFAULT_LIMITS, maxToolDefinitionChars: 150 });
  assert.match(problems[0]!, /^lists a tool without a name that is not a valid MCP tool/);
  assert.equal(problems[1], "lists a tool with an empty name; left out");
  assert.equal(problems[2], null);
  assert.equal(problems[3], 'lists the tool "dup" twice; the first is kept');
  assert.match(problems[4]!, /"fs__a b" is not a valid tool name/);
  assert.match(problems[5]!, /can only run as a task/);
  assert.match(problems[6]!, /with a definition of \d+ characters \(the cap is 150\)/);
  assert.equal(problems[7], null);
  assert.deepEqual([...tools.keys()], ["fs__dup"]);
});
