import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BUILTIN_TOOL_NAMES } from "../../src/builtins/definitions.ts";
import { ConfigError, defaultConfig, parseConfig, resolveConfig, type SafeExecConfig } from "../../src/config/mod.ts";
import { DEFAULT_METRICS } from "../../src/gate/metrics.ts";
import { DEFAULT_POLICY } from "../../src/gate/policy.ts";
import { generateKeyFiles } from "../../src/witness/sign.ts";

const BASE = "/srv/agent";
const SOURCE = "/srv/agent/safe-exec.jsonc";

function parse(text: string): SafeExecConfig {
  return parseConfig(text, { baseDir: BASE, source: SOURCE });
}

/** Assert that `fn` throws a ConfigError whose message contains every fragment. */
function refuses(fn: () => unknown, ...fragments: string[]): string {
  let error: unknown;
  try {
    fn();
  } catch (err) {
    error = err;
  }
  assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
  assert.equal(error.name, "ConfigError");
  for (const fragment of fragments) {
    assert.ok(error.message.includes(fragment), `message ${JSON.stringify(error.message)} lacks ${fragment}`);
  }
  return error.message;
}

function refusesText(text: string, ...fragments: string[]): string {
  return refuses(() => parse(text), `Invalid config "${SOURCE}"`, ...fragments);
}

function tempDir(): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "safe-exec-config-")));
}

const SPEC_EXAMPLE = `{
  "workspace": "./workspace",
  "metrics": { "maxContext": 4000, "maxDuration": 1800, "maxErrors": 5,
               "weightContext": 0.4, "weightDuration": 0.3, "weightErrors": 0.3,
               "countToolErrors": true, "errorWindowSeconds": 0 },
  "policy": { "thresholds": [0.35, 0.7], "alwaysAskHigh": true },
  "tools": { "run_bash": { "risk": "high", "timeoutMs": 30000 } },
  "confirm": "client", "confirmTimeoutMs": 120000,
  "rules": [ { "tool": "run_bash", "command": ["npm test", "git status"], "risk": "low" },
             { "tool": "write_file", "path": [".github/**", "**/*.env"], "decision": "ask" } ],
  "witness": { "path": "./witness.log", "fsync": false }
}`;

// ---------------------------------------------------------------------------------------------------------------
// Constants and defaults

Deno.test("constants: defaults of SPEC §1 and the nine tool names in SPEC order", () => {
  assert.deepEqual({ ...DEFAULT_METRICS }, {
    maxContext: 4000,
    maxDuration: 1800,
    maxErrors: 5,
    weightContext: 0.4,
    weightDuration: 0.3,
    weightErrors: 0.3,
    countToolErrors: true,
    errorWindowSeconds: 0,
    tokenizer: "o200k_base",
    idleResetSeconds: 900,
  });
  assert.deepEqual([...DEFAULT_POLICY.thresholds], [0.35, 0.7]);
  assert.equal(DEFAULT_POLICY.alwaysAskHigh, true);
  assert.deepEqual([...BUILTIN_TOOL_NAMES], [
    "read_file",
    "list_dir",
    "write_file",
    "append_file",
    "copy_file",
    "delete_file",
    "delete_dir",
    "run_bash",
    "run_python",
  ]);
  assert.ok(Object.isFrozen(DEFAULT_METRICS) && Object.isFrozen(DEFAULT_POLICY) && Object.isFrozen(BUILTIN_TOOL_NAMES));
});

Deno.test("defaultConfig: workspace and witness beside the cwd, SPEC defaults, fresh objects", () => {
  const config = defaultConfig("/home/me/project");
  assert.deepEqual(config, {
    workspace: "/home/me/project/workspace",
    workspaceMayContainHome: false,
    metrics: { ...DEFAULT_METRICS },
    policy: { thresholds: [0.35, 0.7], alwaysAskHigh: true },
    tools: {},
    brought: {},
    servers: {},
    confirm: "client",
    confirmTimeoutMs: 120000,
    witness: { path: "/home/me/project/witness.log", fsync: false, signingKey: null },
    sandbox: { mode: "auto", network: false },
    configPath: null,
    rules: [],
    readOnlyCommands: true,
    projectChecks: true,
  });
  config.metrics.maxContext = 1;
  config.policy.thresholds[0] = 0;
  assert.equal(defaultConfig("/x").metrics.maxContext, 4000);
  assert.equal(defaultConfig("/x").policy.thresholds[0], 0.35);
  assert.equal(DEFAULT_POLICY.thresholds[0], 0.35);
});

// ---------------------------------------------------------------------------------------------------------------
// Parsing

Deno.test("parseConfig: the full example of SPEC §6", () => {
  assert.deepEqual(parse(SPEC_EXAMPLE), {
    workspace: "/srv/agent/workspace",
    workspaceMayContainHome: false,
    metrics: {
      maxContext: 4000,
      maxDuration: 1800,
      maxErrors: 5,
      weightContext: 0.4,
      weightDuration: 0.3,
      weightErrors: 0.3,
      countToolErrors: true,
      errorWindowSeconds: 0,
      tokenizer: "o200k_base",
      idleResetSeconds: 900,
    },
    policy: { thresholds: [0.35, 0.7], alwaysAskHigh: true },
    tools: { run_bash: { risk: "high", timeoutMs: 30000 } },
    brought: {},
    servers: {},
    confirm: "client",
    confirmTimeoutMs: 120000,
    witness: { path: "/srv/agent/witness.log", fsync: false, signingKey: null },
    sandbox: { mode: "auto", network: false },
    configPath: null,
    rules: [
      { tool: "run_bash", command: ["npm test", "git status"], risk: "low" },
      { tool: "write_file", path: [".github/**", "**/*.env"], decision: "ask" },
    ],
    readOnlyCommands: true,
    projectChecks: true,
  });
});

Deno.test("parseConfig: {} gives the defaults relative to baseDir", () => {
  assert.deepEqual(parse("{}"), defaultConfig(BASE));
});

Deno.test("parseConfig: comments, trailing commas, CRLF and a byte-order mark", () => {
  const text = '\uFEFF// safe-exec\r\n{\r\n  /* block\r\n comment */ "confirm": "deny", // CI\r\n' +
    '  "tools": { "run_python": { "enabled": false, }, },\r\n  "policy": { "thresholds": [0.2, 0.9,], },\r\n}\r\n';
  const config = parse(text);
  assert.equal(config.confirm, "deny");
  assert.deepEqual(config.tools, { run_python: { enabled: false } });
  assert.deepEqual(config.policy, { thresholds: [0.2, 0.9], alwaysAskHigh: true });
});

Deno.test("parseConfig: partial sections merge with the defaults", () => {
  const config = parse('{"metrics": {"maxErrors": 3, "errorWindowSeconds": 600}, "witness": {"fsync": true}}');
  assert.deepEqual(config.metrics, { ...DEFAULT_METRICS, maxErrors: 3, errorWindowSeconds: 600 });
  assert.deepEqual(config.witness, { path: "/srv/agent/witness.log", fsync: true, signingKey: null });
  assert.deepEqual(parse('{"policy": {"alwaysAskHigh": false}}').policy, {
    thresholds: [0.35, 0.7],
    alwaysAskHigh: false,
  });
});

Deno.test("parseConfig: every tool option and every tool name", () => {
  const tools = Object.fromEntries(BUILTIN_TOOL_NAMES.map((name) => [name, { risk: "low" }]));
  assert.deepEqual(Object.keys(parse(JSON.stringify({ tools })).tools), [...BUILTIN_TOOL_NAMES]);
  const config = parse('{"tools": {"read_file": {"risk": "medium", "timeoutMs": 1, "enabled": true}, "list_dir": {}}}');
  assert.deepEqual(config.tools, { read_file: { risk: "medium", timeoutMs: 1, enabled: true }, list_dir: {} });
  assert.equal(parse('{"tools": {"run_bash": {"timeoutMs": 3600000}}}').tools.run_bash?.timeoutMs, 3600000);
});

Deno.test("parseConfig: confirm modes and timeouts", () => {
  for (const mode of ["client", "deny", "tty", "exec:/usr/local/bin/approve", "exec:approve --strict"]) {
    assert.equal(parse(JSON.stringify({ confirm: mode })).confirm, mode);
  }
  assert.equal(parse('{"confirmTimeoutMs": 1}').confirmTimeoutMs, 1);
  assert.equal(parse('{"confirmTimeoutMs": 86400000}').confirmTimeoutMs, 86400000);
});

Deno.test("parseConfig: sandbox as a string or an object", () => {
  for (const mode of ["none", "auto", "bwrap"] as const) {
    assert.deepEqual(parse(JSON.stringify({ sandbox: mode })).sandbox, { mode, network: false });
  }
  assert.deepEqual(parse('{"sandbox": {"mode": "bwrap", "network": true}}').sandbox, { mode: "bwrap", network: true });
  assert.deepEqual(parse('{"sandbox": {"network": true}}').sandbox, { mode: "auto", network: true });
  assert.deepEqual(parse('{"sandbox": {}}').sandbox, { mode: "auto", network: false });
});

Deno.test("parseConfig: sandbox.readable, .writable (paths against the config's folder) and .unixSockets", () => {
  const s =
    parse('{"sandbox": {"readable": ["data", "/opt/tool"], "writable": ["../cache"], "unixSockets": "workspace"}}')
      .sandbox;
  assert.deepEqual(s.readable, ["/srv/agent/data", "/opt/tool"]);
  assert.deepEqual(s.writable, ["/srv/cache"]);
  assert.equal(s.unixSockets, "workspace");
  refuses(() => parse('{"sandbox": {"readable": "data"}}'), '"sandbox.readable" must be an array of paths, got "data"');
  refuses(() => parse('{"sandbox": {"writable": [""]}}'), '"sandbox.writable[0]" must be a non-empty path string');
  refuses(() => parse('{"sandbox": {"unixSockets": true}}'), '"sandbox.unixSockets" must be "none" or "workspace"');
  refuses(
    () => parse('{"sandbox": {"network": true, "unixSockets": "workspace"}}'),
    "cannot go with",
    "abstract sockets",
  );
});

Deno.test("parseConfig: boundary numbers are accepted", () => {
  const config = parse(`{
    "metrics": { "maxContext": 0.5, "maxDuration": 1e-3, "maxErrors": 1,
                 "weightContext": 1, "weightDuration": 0, "weightErrors": 0, "errorWindowSeconds": 0.5 },
    "policy": { "thresholds": [0, 1] }
  }`);
  assert.equal(config.metrics.maxContext, 0.5);
  assert.equal(config.metrics.weightContext, 1);
  assert.deepEqual(config.policy.thresholds, [0, 1]);
  assert.deepEqual(parse('{"policy": {"thresholds": [0.5, 0.5]}}').policy.thresholds, [0.5, 0.5]);
  // 0.1 + 0.2 + 0.7 is 1.0000000000000002 in floating point: within the tolerance.
  const sum = parse('{"metrics": {"weightContext": 0.1, "weightDuration": 0.2, "weightErrors": 0.7}}').metrics;
  assert.equal(sum.weightErrors, 0.7);
});

Deno.test("parseConfig: relative paths resolve against baseDir, absolute ones are kept", () => {
  const config = parse('{"workspace": "../ws", "witness": {"path": "logs/../w.log"}}');
  assert.equal(config.workspace, "/srv/ws");
  assert.equal(config.witness.path, "/srv/agent/w.log");
  const abs = parse('{"workspace": "/data/ws", "witness": {"path": "/var/log/w.log"}}');
  assert.equal(abs.workspace, "/data/ws");
  assert.equal(abs.witness.path, "/var/log/w.log");
});

// ---------------------------------------------------------------------------------------------------------------
// Refusals: syntax

Deno.test("parseConfig: syntax errors give line:column", () => {
  refusesText('{\n  "confirm": "deny"\n  "workspace": "x"\n}', "syntax error at 3:3", "CommaExpected");
  refusesText('{"a": }', "syntax error at 1:7", "ValueExpected");
  refusesText('{\r\n"confirm": "deny",\r\n  "x": tru\r\n}', "syntax error at 3:8");
  refusesText('{"confirm": "deny"', "syntax error at 1:19", "CloseBraceExpected");
  refusesText("{} {}", "syntax error at 1:4", "EndOfFileExpected");
  refusesText('{"a": 1 /* open', "syntax error");
  refusesText('{"confirm": "de\nny"}', "syntax error at 1:");
});

Deno.test("parseConfig: an empty file and a non-object top level are refused", () => {
  for (const text of ["", "  \n\t", "// only a comment", "/* x */\n"]) {
    refusesText(text, "expected a JSON object, got an empty file");
  }
  refusesText("[]", "the top level must be a JSON object, got []");
  refusesText("null", "the top level must be a JSON object, got null");
  refusesText('"x"', 'the top level must be a JSON object, got "x"');
  refusesText("42", "the top level must be a JSON object, got 42");
});

Deno.test("parseConfig: duplicate keys are refused with their path", () => {
  refusesText('{"confirm": "deny", "confirm": "client"}', 'duplicate key "confirm" at 1:21');
  refusesText('{"metrics": {"maxErrors": 1,\n "maxErrors": 9}}', 'duplicate key "metrics.maxErrors" at 2:2');
  refusesText('{"tools": {"run_bash": {"risk": "low", "risk": "high"}}}', 'duplicate key "tools.run_bash.risk"');
  refusesText('{"tools": {"run_bash": {}, "read_file": {}, "run_bash": {}}}', 'duplicate key "tools.run_bash"');
});

// ---------------------------------------------------------------------------------------------------------------
// Refusals: unknown keys

Deno.test("parseConfig: unknown keys are refused with their name and the allowed keys", () => {
  refusesText('{"workspaces": "x"}', 'unknown key "workspaces"', "allowed keys: workspace, metrics, policy");
  refusesText('{"$schema": "x"}', 'unknown key "$schema"');
  refusesText('{"__proto__": {"confirm": "deny"}}', 'unknown key "__proto__"');
  refusesText(
    '{"metrics": {"maxErrorz": 1}}',
    'unknown key "metrics.maxErrorz"',
    'allowed keys in "metrics"',
    "maxErrors",
  );
  refusesText('{"policy": {"threshold": [0, 1]}}', 'unknown key "policy.threshold"', "thresholds, alwaysAskHigh");
  refusesText('{"tools": {"run_bash": {"timeout": 1}}}', 'unknown key "tools.run_bash.timeout"', "risk, timeoutMs");
  refusesText('{"witness": {"file": "x"}}', 'unknown key "witness.file"', "path, fsync");
  refusesText('{"sandbox": {"net": true}}', 'unknown key "sandbox.net"', "mode, network");
  refusesText('{"metrics": {"__proto__": {"maxErrors": -1}}}', 'unknown key "metrics.__proto__"');
});

Deno.test("parseConfig: a tool name that is not built-in must be a tool you bring; the message lists the built-ins", () => {
  refusesText(
    '{"tools": {"run_shell": {"risk": "low"}}}',
    '"tools.run_shell" is not a built-in tool',
    "read_file, list_dir",
  );
  refusesText('{"tools": {"Read_File": {}}}', '"tools.Read_File" is not a built-in tool', '"run": "client"');
});

// ---------------------------------------------------------------------------------------------------------------
// Refusals: wrong types

Deno.test("parseConfig: wrong types are refused with key, value and expectation", () => {
  const cases: [string, ...string[]][] = [
    ['{"workspace": 5}', '"workspace" must be a non-empty path string', "got 5"],
    ['{"workspace": ""}', '"workspace" must be a non-empty path string', 'got ""'],
    ['{"workspace": "a\\u0000b"}', '"workspace"', "no NUL"],
    ['{"workspace": null}', '"workspace"', "got null"],
    ['{"metrics": 5}', '"metrics" must be an object, got 5'],
    ['{"metrics": []}', '"metrics" must be an object, got []'],
    ['{"metrics": {"maxContext": "4000"}}', '"metrics.maxContext" must be a number > 0, got "4000"'],
    ['{"metrics": {"maxErrors": "5"}}', '"metrics.maxErrors" must be a positive integer, got "5"'],
    ['{"metrics": {"weightContext": null}}', '"metrics.weightContext" must be a number in [0, 1], got null'],
    ['{"metrics": {"countToolErrors": "yes"}}', '"metrics.countToolErrors" must be true or false, got "yes"'],
    ['{"metrics": {"errorWindowSeconds": false}}', '"metrics.errorWindowSeconds" must be a number ≥ 0', "got false"],
    ['{"policy": null}', '"policy" must be an object, got null'],
    ['{"policy": {"thresholds": 0.5}}', '"policy.thresholds" must be an array of two numbers', "got 0.5"],
    ['{"policy": {"thresholds": [0.5]}}', '"policy.thresholds" must be an array of two numbers', "got [0.5]"],
    ['{"policy": {"thresholds": [0.1, 0.2, 0.3]}}', '"policy.thresholds" must be an array', "got [0.1,0.2,0.3]"],
    ['{"policy": {"thresholds": ["0.1", 0.2]}}', '"policy.thresholds[0]" must be a number in [0, 1], got "0.1"'],
    ['{"policy": {"alwaysAskHigh": 1}}', '"policy.alwaysAskHigh" must be true or false, got 1'],
    ['{"tools": []}', '"tools" must be an object, got []'],
    ['{"tools": {"run_bash": "high"}}', '"tools.run_bash" must be an object, got "high"'],
    ['{"tools": {"run_bash": {"risk": "critical"}}}', '"tools.run_bash.risk" must be one of "low", "medium", "high"'],
    ['{"tools": {"run_bash": {"risk": "HIGH"}}}', '"tools.run_bash.risk"', 'got "HIGH"'],
    ['{"tools": {"run_bash": {"timeoutMs": "30s"}}}', '"tools.run_bash.timeoutMs" must be an integer', 'got "30s"'],
    ['{"tools": {"run_bash": {"enabled": "no"}}}', '"tools.run_bash.enabled" must be true or false, got "no"'],
    ['{"confirm": true}', '"confirm" must be "client", "deny", "tty" or "exec:<program>", got true'],
    ['{"confirm": "ask"}', '"confirm" must be "client", "deny", "tty" or "exec:<program>", got "ask"'],
    ['{"confirm": "exec:"}', '"confirm" must be', "non-empty program", 'got "exec:"'],
    ['{"confirm": "exec:   "}', '"confirm" must be', "non-empty program"],
    ['{"confirm": "Client"}', '"confirm" must be', 'got "Client"'],
    ['{"confirmTimeoutMs": "120000"}', '"confirmTimeoutMs" must be an integer in [1, 86400000], got "120000"'],
    ['{"witness": "./w.log"}', '"witness" must be an object, got "./w.log"'],
    ['{"witness": {"path": 1}}', '"witness.path" must be a non-empty path string', "got 1"],
    ['{"witness": {"path": ""}}', '"witness.path" must be a non-empty path string', 'got ""'],
    ['{"witness": {"path": "w\\u0000.log"}}', '"witness.path"', "no NUL"],
    ['{"witness": {"fsync": "true"}}', '"witness.fsync" must be true or false, got "true"'],
    ['{"sandbox": true}', '"sandbox" must be one of "auto", "bwrap", "none" or an object', "got true"],
    ['{"sandbox": "docker"}', '"sandbox" must be one of', 'got "docker"'],
    ['{"sandbox": {"mode": "firejail"}}', '"sandbox.mode" must be one of "auto", "bwrap", "none", got "firejail"'],
    ['{"sandbox": {"network": "on"}}', '"sandbox.network" must be true or false, got "on"'],
  ];
  for (const [text, ...fragments] of cases) refusesText(text, ...fragments);
});

// ---------------------------------------------------------------------------------------------------------------
// Refusals: out-of-range numbers

Deno.test("parseConfig: out-of-range numbers are refused with key, value and expectation", () => {
  const cases: [string, ...string[]][] = [
    ['{"metrics": {"maxContext": 0}}', '"metrics.maxContext" must be a number > 0, got 0'],
    ['{"metrics": {"maxContext": -4000}}', '"metrics.maxContext" must be a number > 0, got -4000'],
    ['{"metrics": {"maxContext": 1e999}}', '"metrics.maxContext" must be a number > 0, got Infinity'],
    ['{"metrics": {"maxDuration": 0}}', '"metrics.maxDuration" must be a number > 0, got 0'],
    ['{"metrics": {"maxErrors": -1}}', '"metrics.maxErrors" must be a positive integer, got -1'],
    ['{"metrics": {"maxErrors": 0}}', '"metrics.maxErrors" must be a positive integer, got 0'],
    ['{"metrics": {"maxErrors": 2.5}}', '"metrics.maxErrors" must be a positive integer, got 2.5'],
    ['{"metrics": {"weightContext": -0.1}}', '"metrics.weightContext" must be a number in [0, 1], got -0.1'],
    ['{"metrics": {"weightDuration": 1.5}}', '"metrics.weightDuration" must be a number in [0, 1], got 1.5'],
    ['{"metrics": {"weightErrors": 2}}', '"metrics.weightErrors" must be a number in [0, 1], got 2'],
    ['{"metrics": {"errorWindowSeconds": -1}}', '"metrics.errorWindowSeconds" must be a number ≥ 0', "got -1"],
    ['{"policy": {"thresholds": [-0.1, 0.7]}}', '"policy.thresholds[0]" must be a number in [0, 1], got -0.1'],
    ['{"policy": {"thresholds": [0.35, 1.2]}}', '"policy.thresholds[1]" must be a number in [0, 1], got 1.2'],
    ['{"policy": {"thresholds": [0.7, 0.35]}}', '"policy.thresholds" must be in order (0 ≤ t0 ≤ t1 ≤ 1)', "[0.7,0.35]"],
    [
      '{"tools": {"run_bash": {"timeoutMs": 0}}}',
      '"tools.run_bash.timeoutMs" must be an integer in [1, 3600000], got 0',
    ],
    ['{"tools": {"run_python": {"timeoutMs": 3600001}}}', '"tools.run_python.timeoutMs" must be an integer', "3600001"],
    ['{"tools": {"run_bash": {"timeoutMs": 1.5}}}', '"tools.run_bash.timeoutMs" must be an integer', "got 1.5"],
    ['{"confirmTimeoutMs": 0}', '"confirmTimeoutMs" must be an integer in [1, 86400000], got 0'],
    ['{"confirmTimeoutMs": 86400001}', '"confirmTimeoutMs" must be an integer in [1, 86400000], got 86400001'],
    ['{"confirmTimeoutMs": 100.5}', '"confirmTimeoutMs" must be an integer', "got 100.5"],
  ];
  for (const [text, ...fragments] of cases) refusesText(text, ...fragments);
});

Deno.test("parseConfig: weights summing to more than 1 are refused, with the sum", () => {
  refusesText(
    '{"metrics": {"weightContext": 0.5}}',
    '"metrics.weightContext" + "metrics.weightDuration" + "metrics.weightErrors" must sum to at most 1',
    "fatigue stays in [0, 1]",
    "0.5 + 0.3 + 0.3 = 1.1",
  );
  refusesText('{"metrics": {"weightContext": 1, "weightDuration": 1, "weightErrors": 1}}', "= 3");
});

Deno.test("parseConfig: long values are cut in messages", () => {
  const message = refusesText(JSON.stringify({ confirm: "x".repeat(500) }), '"confirm" must be', "...");
  assert.ok(message.length < 300, message);
});

// ---------------------------------------------------------------------------------------------------------------
// resolveConfig

function withTemp(fn: (dir: string) => void): void {
  const dir = tempDir();
  try {
    fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

Deno.test("resolveConfig: defaults when there is no config file", () => {
  withTemp((dir) => {
    assert.deepEqual(resolveConfig({}, dir), defaultConfig(dir));
    assert.equal(fs.existsSync(path.join(dir, "workspace")), false, "the workspace is not created");
  });
});

Deno.test("resolveConfig: <cwd>/safe-exec.jsonc is read when present; relative paths against its folder", () => {
  withTemp((dir) => {
    fs.writeFileSync(
      path.join(dir, "safe-exec.jsonc"),
      '// here\n{"workspace": "ws", "confirm": "tty", "witness": {"path": "logs/w.log"},}',
    );
    const config = resolveConfig({}, dir);
    assert.equal(config.workspace, path.join(dir, "ws"));
    assert.equal(config.witness.path, path.join(dir, "logs", "w.log"));
    assert.equal(config.confirm, "tty");
    assert.equal(config.configPath, path.join(dir, "safe-exec.jsonc"));
  });
});

Deno.test("resolveConfig: --config is resolved against cwd, its paths against its own folder", () => {
  withTemp((dir) => {
    fs.mkdirSync(path.join(dir, "etc"));
    fs.mkdirSync(path.join(dir, "run"));
    fs.writeFileSync(path.join(dir, "etc", "agent.jsonc"), '{"workspace": "../data/ws", "witness": {"path": "w.log"}}');
    // A safe-exec.jsonc in cwd is ignored when --config is given.
    fs.writeFileSync(path.join(dir, "run", "safe-exec.jsonc"), "not json");
    const config = resolveConfig({ config: "../etc/agent.jsonc" }, path.join(dir, "run"));
    assert.equal(config.configPath, path.join(dir, "etc", "agent.jsonc"));
    assert.equal(config.workspace, path.join(dir, "data", "ws"));
    assert.equal(config.witness.path, path.join(dir, "etc", "w.log"));
  });
});

Deno.test("resolveConfig: CLI overrides win over the file and resolve against cwd", () => {
  withTemp((dir) => {
    fs.mkdirSync(path.join(dir, "conf"));
    fs.writeFileSync(
      path.join(dir, "conf", "c.jsonc"),
      '{"workspace": "ws", "confirm": "tty", "witness": {"path": "w.log", "fsync": true}, "confirmTimeoutMs": 5}',
    );
    const config = resolveConfig(
      { config: "conf/c.jsonc", workspace: "other-ws", witness: "logs/witness.log", confirm: "exec:./approve.sh" },
      dir,
    );
    assert.equal(config.workspace, path.join(dir, "other-ws"));
    assert.deepEqual(config.witness, { path: path.join(dir, "logs", "witness.log"), fsync: true, signingKey: null });
    assert.equal(config.confirm, "exec:./approve.sh");
    assert.equal(config.confirmTimeoutMs, 5);
    const abs = resolveConfig({ workspace: path.join(dir, "abs-ws") }, "/");
    assert.equal(abs.workspace, path.join(dir, "abs-ws"));
  });
});

Deno.test("resolveConfig: bad CLI options and unreadable config files are refused", () => {
  withTemp((dir) => {
    refuses(() => resolveConfig({ confirm: "maybe" }, dir), "Invalid option --confirm", 'got "maybe"');
    refuses(() => resolveConfig({ confirm: "exec:" }, dir), "Invalid option --confirm", "non-empty program");
    refuses(() => resolveConfig({ workspace: "" }, dir), "Invalid option --workspace", 'got ""');
    refuses(() => resolveConfig({ witness: "a\0b" }, dir), "Invalid option --witness", "no NUL");
    refuses(() => resolveConfig({ config: "" }, dir), "Invalid option --config");
    refuses(
      () => resolveConfig({ config: "missing.jsonc" }, dir),
      `Cannot read config "${path.join(dir, "missing.jsonc")}": no such file`,
    );
    fs.mkdirSync(path.join(dir, "safe-exec.jsonc"));
    refuses(() => resolveConfig({}, dir), "Cannot read config", "it is a folder, not a file");
  });
});

Deno.test("resolveConfig: errors in the file name the file", () => {
  withTemp((dir) => {
    const file = path.join(dir, "safe-exec.jsonc");
    fs.writeFileSync(file, '{\n  "metrics": {"maxErrors": -1}\n}');
    refuses(() => resolveConfig({}, dir), `Invalid config "${file}": "metrics.maxErrors" must be a positive integer`);
    fs.writeFileSync(file, '{\n  "metrics": {"maxErrors": 1\n}');
    refuses(() => resolveConfig({}, dir), `Invalid config "${file}": syntax error at 3:2`);
  });
});

Deno.test("resolveConfig: a witness log inside the workspace is refused", () => {
  withTemp((dir) => {
    refuses(
      () => resolveConfig({ witness: "workspace/witness.log" }, dir),
      "Invalid witness log",
      "inside the workspace",
    );
    refuses(() => resolveConfig({ witness: "workspace/a/b/c.log" }, dir), "inside the workspace");
    refuses(() => resolveConfig({ witness: "workspace" }, dir), "inside the workspace");
    refuses(() => resolveConfig({ workspace: ".", witness: "w.log" }, dir), "inside the workspace");
    fs.writeFileSync(path.join(dir, "safe-exec.jsonc"), '{"witness": {"path": "./workspace/w.log"}}');
    refuses(() => resolveConfig({}, dir), "Invalid witness log", "inside the workspace");
    // A prefix sibling is not inside.
    const ok = resolveConfig({ witness: "workspace-logs/w.log" }, dir);
    assert.equal(ok.witness.path, path.join(dir, "workspace-logs", "w.log"));
    const ok2 = resolveConfig({ witness: "workspace..log" }, dir);
    assert.equal(ok2.witness.path, path.join(dir, "workspace..log"));
  });
});

Deno.test("resolveConfig: sandbox.readable/.writable holding the witness log or the config is refused", () => {
  withTemp((dir) => {
    fs.mkdirSync(path.join(dir, "shared"));
    fs.writeFileSync(path.join(dir, "safe-exec.jsonc"), JSON.stringify({ sandbox: { readable: ["."] } }));
    refuses(() => resolveConfig({}, dir), '"sandbox.readable[0]"', "it holds the witness log", "could then read");
    fs.writeFileSync(path.join(dir, "safe-exec.jsonc"), JSON.stringify({ sandbox: { writable: ["safe-exec.jsonc"] } }));
    refuses(() => resolveConfig({}, dir), '"sandbox.writable[0]"', "it holds the config file", "could then rewrite");
    fs.writeFileSync(path.join(dir, "safe-exec.jsonc"), JSON.stringify({ sandbox: { readable: ["/"] } }));
    refuses(() => resolveConfig({}, dir), "a filesystem root would show everything");
    // through a symlink: the real paths are compared
    fs.symlinkSync(dir, path.join(dir, "shared", "up"));
    fs.writeFileSync(path.join(dir, "safe-exec.jsonc"), JSON.stringify({ sandbox: { readable: ["shared/up"] } }));
    refuses(() => resolveConfig({}, dir), "it holds the witness log", "real path");
    fs.writeFileSync(path.join(dir, "safe-exec.jsonc"), JSON.stringify({ sandbox: { readable: ["shared"] } }));
    assert.deepEqual(resolveConfig({}, dir).sandbox.readable, [path.join(dir, "shared")]);
    // the witness signing key is guarded like the log
    fs.mkdirSync(path.join(dir, "keys"));
    generateKeyFiles(path.join(dir, "keys", "witness.key"));
    fs.writeFileSync(
      path.join(dir, "safe-exec.jsonc"),
      JSON.stringify({ witness: { signingKey: "keys/witness.key" }, sandbox: { readable: ["keys"] } }),
    );
    refuses(() => resolveConfig({}, dir), '"sandbox.readable[0]"', "it holds the witness signing key");
  });
});

Deno.test("resolveConfig: a witness log reaching into the workspace through symlinks is refused", () => {
  withTemp((dir) => {
    fs.mkdirSync(path.join(dir, "workspace"));
    fs.mkdirSync(path.join(dir, "real-ws"));
    // A symlinked folder outside that points into the workspace.
    fs.symlinkSync(path.join(dir, "workspace"), path.join(dir, "logs"));
    refuses(() => resolveConfig({ witness: "logs/w.log" }, dir), "inside the workspace", "real paths");
    // The workspace given as a symlink: compared by its real path.
    fs.symlinkSync(path.join(dir, "real-ws"), path.join(dir, "ws-link"));
    refuses(() => resolveConfig({ workspace: "ws-link", witness: "real-ws/w.log" }, dir), "inside the workspace");
    // A dangling symlink at the witness path that points into the workspace.
    fs.symlinkSync(path.join(dir, "workspace", "not-yet.log"), path.join(dir, "dangling.log"));
    refuses(() => resolveConfig({ witness: "dangling.log" }, dir), "inside the workspace");
    // An existing witness file symlinked into the workspace.
    fs.writeFileSync(path.join(dir, "workspace", "w.log"), "");
    fs.symlinkSync(path.join(dir, "workspace", "w.log"), path.join(dir, "w-link.log"));
    refuses(() => resolveConfig({ witness: "w-link.log" }, dir), "inside the workspace");
    // Through a workspace that does not exist yet, under a symlinked parent.
    fs.symlinkSync(dir, path.join(dir, "here"));
    refuses(() => resolveConfig({ workspace: "here/new-ws", witness: "new-ws/w.log" }, dir), "inside the workspace");
  });
});

Deno.test("resolveConfig: a config file inside the workspace is refused, also via a symlinked workspace path", () => {
  withTemp((dir) => {
    fs.mkdirSync(path.join(dir, "workspace"));
    fs.writeFileSync(path.join(dir, "workspace", "c.jsonc"), "{}");
    refuses(
      () => resolveConfig({ config: "workspace/c.jsonc", workspace: "workspace", witness: "w.log" }, dir),
      `Invalid config "${path.join(dir, "workspace", "c.jsonc")}": it is inside the workspace`,
    );
    // The config's own workspace key points at its folder.
    fs.mkdirSync(path.join(dir, "proj"));
    fs.writeFileSync(path.join(dir, "proj", "safe-exec.jsonc"), '{"workspace": ".", "witness": {"path": "../w.log"}}');
    refuses(() => resolveConfig({}, path.join(dir, "proj")), "Invalid config", "inside the workspace");
    // The workspace named through a symlink to the folder holding the config.
    fs.writeFileSync(path.join(dir, "c2.jsonc"), '{"witness": {"path": "/tmp/safe-exec-test-never-w.log"}}');
    fs.mkdirSync(path.join(dir, "outer"));
    fs.symlinkSync(dir, path.join(dir, "outer", "ws-link"));
    refuses(
      () => resolveConfig({ config: "c2.jsonc", workspace: "outer/ws-link" }, dir),
      "Invalid config",
      "inside the workspace",
    );
    // The config given through a symlink that lives outside but points inside.
    fs.symlinkSync(path.join(dir, "workspace", "c.jsonc"), path.join(dir, "c-link.jsonc"));
    refuses(() => resolveConfig({ config: "c-link.jsonc" }, dir), "Invalid config", "inside the workspace");
    // The default <cwd>/safe-exec.jsonc with the cwd as workspace.
    fs.mkdirSync(path.join(dir, "flat"));
    fs.writeFileSync(path.join(dir, "flat", "safe-exec.jsonc"), "{}");
    refuses(
      () => resolveConfig({ workspace: ".", witness: "../w.log" }, path.join(dir, "flat")),
      "Invalid config",
      "inside the workspace",
    );
  });
});

Deno.test("resolveConfig: a filesystem root as workspace is refused", () => {
  withTemp((dir) => {
    refuses(() => resolveConfig({ workspace: "/", witness: "w.log" }, dir), 'Invalid workspace "/"', "filesystem root");
    refuses(() => resolveConfig({ workspace: "../../../../../../../../..", witness: "w.log" }, dir), "filesystem root");
    fs.symlinkSync("/", path.join(dir, "root-link"));
    refuses(() => resolveConfig({ workspace: "root-link" }, dir), "filesystem root");
  });
});

Deno.test("parseConfig: rules checked whole; readOnlyCommands, projectChecks and metrics.tokenizer", () => {
  assert.throws(
    () =>
      parse('{"rules": [{"tool": "run_bash", "comand": ["ls"], "risk": "low"}, {"tool": "x", "decision": "allow"}]}'),
    (e: unknown) =>
      e instanceof ConfigError && /unknown key "rules\[0\]\.comand" \(did you mean "command"\?\)/.test(e.message) &&
      /"rules\[1\]\.decision" must be "ask" or "deny", got "allow" \(rules never make a decision weaker/.test(
        e.message,
      ),
  );
  assert.equal(parse('{"readOnlyCommands": false}').readOnlyCommands, false);
  assert.throws(() => parse('{"readOnlyCommands": "no"}'), /"readOnlyCommands" must be true or false, got "no"/);
  assert.equal(parse('{"metrics": {"tokenizer": "claude"}}').metrics.tokenizer, "claude");
  assert.equal(parse("{}").projectChecks, true);
  assert.equal(parse('{"projectChecks": false}').projectChecks, false);
  assert.equal(parse('{"projectChecks": false}').readOnlyCommands, true, "the read-only set stays on");
  assert.throws(() => parse('{"projectChecks": "off"}'), /"projectChecks" must be true or false, got "off"/);
  assert.throws(() => parse('{"projectChecks": null}'), /"projectChecks" must be true or false, got null/);
  // a near miss is refused with the key named and the allowed keys listed, projectChecks among them
  assert.throws(
    () => parse('{"projectCheck": false}'),
    (e: unknown) =>
      e instanceof ConfigError && /unknown key "projectCheck"/.test(e.message) &&
      /allowed keys: .*readOnlyCommands, projectChecks/.test(e.message),
  );
  assert.throws(
    () => parse('{"metrics": {"tokenizer": "gpt2"}}'),
    /"metrics.tokenizer" must be one of "o200k_base", "cl100k_base", "claude", "chars", got "gpt2"/,
  );
});
