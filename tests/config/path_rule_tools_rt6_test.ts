// Red team 6 F8: a `path` rule whose tool glob matches no tool whose paths the rules read ("f*", "*eek", "f_?peek"
// beside a server "f": only the upstream f__peek) is refused at start-up, naming the rule and the glob.
import assert from "node:assert/strict";
import { ConfigError } from "../../src/config/mod.ts";
import { parseConfig } from "../../src/config/parse.ts";

const parse = (value: unknown) =>
  parseConfig(JSON.stringify(value), { baseDir: "/srv/agent", source: "/srv/agent/safe-exec.jsonc" });
const servers = { f: { command: ["/bin/true"] } };

Deno.test("rt6 F8: a path rule whose tool glob names only upstream tools is refused at start-up", () => {
  for (const tool of ["f*", "*eek", "f_?peek", "f__peek", "nothing_like_a_tool", "?"]) {
    assert.throws(
      () => parse({ servers, rules: [{ tool, path: ["secrets/**"], decision: "deny" }] }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError, String(e));
        assert.match(
          e.message,
          new RegExp(`"rules\\[0\\]\\.path" never matches ${JSON.stringify(tool).replace(/[*?]/g, "\\$&")}`),
        );
        return true;
      },
      tool,
    );
  }
});

Deno.test('rt6 F8: globs that name a built-in, brought or hook-mode tool, and "*", are accepted', () => {
  for (const tool of ["*", "read_*", "run_bash", "*_file", "Read", "Bash", "deploy", "dep*"]) {
    const c = parse({
      servers,
      tools: { deploy: { risk: "high", run: "client" } },
      rules: [{ tool, path: ["secrets/**"], decision: "deny" }],
    });
    assert.equal(c.rules.length, 1, tool);
  }
  // a rule without "path" may name an upstream tool
  assert.equal(parse({ servers, rules: [{ tool: "f*", decision: "ask" }] }).rules.length, 1);
});
