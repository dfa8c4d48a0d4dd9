import assert from "node:assert/strict";
import { DEFAULT_UPSTREAM_TIMEOUT_MS, parseServers } from "../../src/gateway/config.ts";
import { GatewayConfigError } from "../../src/gateway/errors.ts";

const parse = (servers: unknown) => parseServers(servers, { baseDir: "/etc/safe-exec" });

function refused(servers: unknown, message: RegExp): void {
  assert.throws(() => parse(servers), (err: unknown) => {
    assert.ok(err instanceof GatewayConfigError, String(err));
    assert.match(err.message, message);
    return true;
  });
}

Deno.test("servers: stdio and HTTP entries with every key, defaults filled in", () => {
  const servers = parse({
    memory: {
      command: ["npx", "-y", "@modelcontextprotocol/server-memory"],
      env: { MEMORY_FILE_PATH: "/var/lib/memory.json" },
      cwd: "data",
      risk: "medium",
      tools: { delete_entities: { risk: "high", timeoutMs: 5000 }, read_graph: { enabled: false } },
      sandbox: true,
      network: true,
      timeoutMs: 10_000,
    },
    remote: { url: "https://mcp.example.com/mcp", headers: { Authorization: "Bearer x" }, enabled: false },
    desktop: { command: "node", args: ["server.js", "--stdio"] },
    local: { command: ["./bin/server"] },
  });
  assert.deepEqual(servers.memory, {
    name: "memory",
    transport: "stdio",
    argv: ["npx", "-y", "@modelcontextprotocol/server-memory"],
    env: { MEMORY_FILE_PATH: "/var/lib/memory.json" },
    cwd: "/etc/safe-exec/data",
    risk: "medium",
    tools: { delete_entities: { risk: "high", timeoutMs: 5000 }, read_graph: { enabled: false } },
    sandbox: true,
    network: true,
    timeoutMs: 10_000,
    enabled: true,
  });
  assert.deepEqual(servers.remote, {
    name: "remote",
    transport: "http",
    url: "https://mcp.example.com/mcp",
    headers: { Authorization: "Bearer x" },
    tools: {},
    timeoutMs: DEFAULT_UPSTREAM_TIMEOUT_MS,
    enabled: false,
  });
  const desktop = servers.desktop!;
  assert.ok(desktop.transport === "stdio");
  assert.deepEqual(desktop.argv, ["node", "server.js", "--stdio"]);
  assert.equal(desktop.cwd, undefined);
  assert.equal(desktop.sandbox, false);
  const local = servers.local!;
  assert.ok(local.transport === "stdio");
  assert.deepEqual(local.argv, ["/etc/safe-exec/bin/server"]);
});

Deno.test("servers: bad names are refused, naming the rule", () => {
  for (const name of ["a__b", "_a", "a_", "a.b", "a b", "", "ü", "x".repeat(62)]) {
    refused({ [name]: { command: ["x"] } }, /has the server name .*\(no "__", no "_" at either end\)/);
  }
  assert.ok(parse({ ["x".repeat(61)]: { command: ["x"] }, "a_b-c": { command: ["x"] }, "9": { command: ["x"] } }));
});

Deno.test("servers: wrong shapes and values are refused with the key, the value and what was expected", () => {
  refused([], /"servers" must be an object, got \[\]/);
  refused({ s: "npx" }, /"servers\.s" must be an object, got "npx"/);
  refused({ s: {} }, /"servers\.s" needs "command" .* or "url"/);
  refused({ s: { command: ["x"], url: "http://h/" } }, /has both "command" and "url"/);
  refused({ s: { command: [] } }, /"servers\.s\.command" must be a non-empty array of strings, got \[\]/);
  refused({ s: { command: [""] } }, /"servers\.s\.command\[0\]" must name a program/);
  refused({ s: { command: ["x", 1] } }, /"servers\.s\.command\[1\]" must be a string, got 1/);
  refused({ s: { command: ["x\0"] } }, /must not contain a NUL byte/);
  refused({ s: { command: ["x"], args: "a" } }, /"servers\.s\.args" must be an array of strings, got "a"/);
  refused({ s: { command: ["x"], env: { "A=B": "1" } } }, /has the variable name "A=B"/);
  refused({ s: { command: ["x"], env: { A: 1 } } }, /"servers\.s\.env\.A" must be a string, got 1/);
  refused({ s: { command: ["x"], cwd: "" } }, /"servers\.s\.cwd" must be a folder path/);
  refused(
    { s: { command: ["x"], risk: "extreme" } },
    /"servers\.s\.risk" must be "low", "medium" or "high", got "extreme"/,
  );
  refused({ s: { command: ["x"], timeoutMs: 0 } }, /"servers\.s\.timeoutMs" must be an integer from 1 to 3600000/);
  refused({ s: { command: ["x"], tools: { t: { risk: "none" } } } }, /"servers\.s\.tools\.t\.risk" must be "low"/);
  refused(
    { s: { command: ["x"], tools: { t: { rsik: "low" } } } },
    /unknown key "servers\.s\.tools\.t\.rsik"; allowed keys/,
  );
  refused(
    { s: { command: ["x"], tools: { t: { timeoutMs: 1.5 } } } },
    /"servers\.s\.tools\.t\.timeoutMs" must be an integer/,
  );
  refused({ s: { command: ["x"], sandbox: "yes" } }, /"servers\.s\.sandbox" must be true or false, got "yes"/);
  refused({ s: { command: ["x"], network: true } }, /"servers\.s\.network" is true but "servers\.s\.sandbox" is not/);
  refused({ s: { command: ["x"], headers: {} } }, /"servers\.s\.headers" applies only to a remote server/);
  refused(
    { s: { command: ["x"], comand: ["y"] } },
    /unknown key "servers\.s\.comand"; allowed keys in "servers\.s": command/,
  );
});

Deno.test("servers: URLs and headers of remote servers are checked; secrets are not echoed", () => {
  refused(
    { s: { url: "ftp://h/" } },
    /"servers\.s\.url" must be an http:\/\/ or https:\/\/ URL, got the scheme "ftp:"/,
  );
  refused({ s: { url: "not a url" } }, /"servers\.s\.url" must be an http:\/\/ or https:\/\/ URL, got "not a url"/);
  refused({ s: { url: 5 } }, /"servers\.s\.url" must be an http/);
  refused(
    { s: { url: "http://h/", sandbox: true } },
    /"servers\.s\.sandbox" applies only to a server started with "command".* cannot be sandboxed/,
  );
  refused({ s: { url: "http://h/", env: {} } }, /"servers\.s\.env" applies only to a server started with "command"/);
  refused({ s: { url: "http://h/", headers: { "Bad Name": "x" } } }, /not a valid HTTP header name/);
  assert.throws(
    () => parse({ s: { url: "http://h/", headers: { Authorization: "Bearer sk-secret\r\nX: y" } } }),
    (e) => {
      assert.match((e as Error).message, /must not contain a line break/);
      assert.doesNotMatch((e as Error).message, /sk-secret/);
      return true;
    },
  );
  assert.throws(
    () => parse({ s: { url: "http://h/", headers: { Authorization: 42 } } }),
    /must be a string, got number/,
  );
});
