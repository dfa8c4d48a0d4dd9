import assert from "node:assert/strict";
import { parseArgs, UsageError } from "../../src/cli/args.ts";

Deno.test("parseArgs: serve is the default command; --opt value and --opt=value", () => {
  assert.deepEqual(parseArgs([]), { command: "serve", positional: [], options: {} });
  assert.deepEqual(parseArgs(["--workspace", "ws", "--confirm=exec:approve --strict"]), {
    command: "serve",
    positional: [],
    options: { workspace: "ws", confirm: "exec:approve --strict" },
  });
  assert.deepEqual(parseArgs(["exec", "read_file", "--args", "{}"]), {
    command: "exec",
    positional: ["read_file"],
    options: { args: "{}" },
  });
  assert.deepEqual(parseArgs(["log", "tail", "w.log", "-n", "5"]), {
    command: "log",
    positional: ["tail", "w.log"],
    options: { n: "5" },
  });
  assert.equal(parseArgs(["serve", "--help"]).command, "help");
  assert.equal(parseArgs(["-V"]).command, "version");
});

Deno.test("parseArgs: usage errors name what was wrong", () => {
  assert.throws(() => parseArgs(["launch"]), UsageError);
  assert.throws(() => parseArgs(["launch"]), /Unknown command "launch"; expected one of serve, mcp/);
  assert.throws(() => parseArgs(["--nope"]), /Unknown option --nope/);
  assert.throws(() => parseArgs(["--workspace"]), /--workspace needs a value/);
});
