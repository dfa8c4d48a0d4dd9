/** The config's tools the agent brings (SPEC §2.1, §6): what is read, and every clash refused with a clear message. */
import assert from "node:assert/strict";
import { parseConfig } from "../../src/config/parse.ts";
import { ConfigError } from "../../src/config/types.ts";

const parse = (value: unknown) =>
  parseConfig(typeof value === "string" ? value : JSON.stringify(value), {
    baseDir: "/cfg",
    source: "/cfg/safe-exec.jsonc",
  });
const refused = (value: unknown, message: RegExp) =>
  assert.throws(() => parse(value), (e: unknown) => e instanceof ConfigError && message.test(e.message));

Deno.test("brought tools are read beside the built-in overrides; disabled ones are left out", () => {
  const c = parse({
    tools: {
      run_bash: { timeoutMs: 5000 },
      send_email: { run: "client", risk: "high", description: "Send.", inputSchema: { type: "object" } },
      deploy: { command: ["./scripts/deploy.sh", "--prod"], risk: "high", timeoutMs: 60000 },
      old: { run: "client", risk: "low", enabled: false },
    },
  });
  assert.deepEqual(c.tools, { run_bash: { timeoutMs: 5000 } });
  assert.deepEqual(Object.keys(c.brought), ["send_email", "deploy"]);
  assert.equal(c.brought.send_email!.run, "client");
  assert.deepEqual(c.brought.deploy!.command, ["/cfg/scripts/deploy.sh", "--prod"]);
  assert.equal(c.brought.deploy!.timeoutMs, 60000);
});

Deno.test("a brought tool named like a built-in is refused", () => {
  refused(
    { tools: { read_file: { run: "client", risk: "low" } } },
    /"tools.read_file" is a built-in tool, so it takes only "risk", "timeoutMs" and "enabled"; a tool you bring/,
  );
  refused({ tools: { run_bash: { command: ["x"], risk: "low" } } }, /"tools.run_bash" is a built-in tool/);
});

Deno.test("a brought tool in a server's namespace clashes with that server's tools (memory__x twice)", () => {
  refused(
    {
      tools: { memory__create_entities: { run: "client", risk: "low" } },
      servers: { memory: { command: ["npx", "-y", "@modelcontextprotocol/server-memory"] } },
    },
    /"tools.memory__create_entities" clashes with the server "memory" in "servers"/,
  );
  // Without such a server the name is free.
  assert.ok(parse({ tools: { memory__x: { run: "client", risk: "low" } } }).brought.memory__x);
});

Deno.test("bad brought tools: each message names the key, the value and what was expected", () => {
  refused({ tools: { send_email: { run: "client" } } }, /"tools.send_email.risk" is required/);
  refused({ tools: { send_email: { risk: "high" } } }, /needs "run": "client" .* or "command"/);
  refused({ tools: { x: { risk: "high", run: "client", command: ["a"] } } }, /has both "run" and "command"/);
  refused({ tools: { x: { risk: "high", run: "server" } } }, /"tools.x.run" must be "client", got "server"/);
  refused(
    { tools: { x: { risk: "extreme", run: "client" } } },
    /"tools.x.risk" must be one of "low", "medium", "high"/,
  );
  refused({ tools: { "send email": { risk: "low", run: "client" } } }, /a tool name is 1 to 64 letters/);
  refused({ tools: { x: { risk: "low", command: [] } } }, /"tools.x.command" must be a non-empty array/);
  refused({ tools: { x: { risk: "low", run: "client", timeoutMs: 5 } } }, /applies to a "command" tool/);
  refused({ tools: { x: { risk: "low", run: "client", inputSchema: { type: "array" } } } }, /must be "object"/);
  refused(
    {
      tools: {
        x: { risk: "low", run: "client", inputSchema: { type: "object", properties: { a: { type: "strng" } } } },
      },
    },
    /"tools.x.inputSchema.properties.a.type" must be one of/,
  );
  refused({ tools: { x: { risk: "low", run: "client", inputs: {} } } }, /"tools.x.inputs"/);
});

Deno.test("servers are read into the config; a bad server entry is a ConfigError naming it", () => {
  const c = parse({ servers: { memory: { command: ["node", "server.js"], risk: "medium" } } });
  assert.equal(c.servers.memory!.transport, "stdio");
  refused(
    { servers: { "bad__name": { command: ["x"] } } },
    /Invalid config "\/cfg\/safe-exec.jsonc": "servers" has the server name "bad__name"/,
  );
  refused({ metrics: { idleResetSeconds: -1 } }, /"metrics.idleResetSeconds" must be a number of seconds ≥ 0/);
  assert.equal(parse({ metrics: { idleResetSeconds: 0 } }).metrics.idleResetSeconds, 0);
  assert.equal(parse({}).metrics.idleResetSeconds, 900);
});
