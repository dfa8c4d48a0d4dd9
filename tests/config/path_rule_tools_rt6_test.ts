// Red team 6 F8: a `path` rule whose tool glob matches no tool whose paths the rules read ("f*", "*eek", "f_?peek"
// beside a server "f": only the upstream f__peek) is refused when a server starts, naming the rule and the glob.
// Hook mode reads the same config for the agent's own tools (`Read`): the config itself still parses.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../../src/config/mod.ts";
import { parseConfig } from "../../src/config/parse.ts";
import { prepareStartup } from "../../src/config/startup.ts";

const servers = { f: { command: ["/bin/true"] } };

function start(value: Record<string, unknown>) {
  const dir = mkdtempSync(join(tmpdir(), "se-rt6-f8-"));
  try {
    const config = parseConfig(JSON.stringify(value), { baseDir: dir, source: join(dir, "safe-exec.jsonc") });
    prepareStartup(config, true, () => {});
    return config;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

Deno.test("rt6 F8: a path rule whose tool glob names only upstream tools is refused at start-up", () => {
  for (const tool of ["f*", "*eek", "f_?peek", "nothing_like_a_tool", "?", "Read"]) {
    assert.throws(
      () => start({ servers, rules: [{ tool, path: ["secrets/**"], decision: "deny" }] }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError, String(e));
        const shown = JSON.stringify(tool).replace(/[*?]/g, "\\$&");
        assert.match(e.message, new RegExp(`"rules\\[0\\]\\.path" never matches ${shown}`));
        return true;
      },
      tool,
    );
  }
  // "__" globs were refused before (the config itself)
  assert.throws(() => start({ servers, rules: [{ tool: "f__peek", path: ["k"], decision: "deny" }] }), ConfigError);
});

Deno.test('rt6 F8: globs that name a built-in or brought tool, and "*", are accepted', () => {
  for (const tool of ["*", "read_*", "run_bash", "*_file", "deploy", "dep*"]) {
    const c = start({
      servers,
      tools: { deploy: { risk: "high", run: "client" } },
      rules: [{ tool, path: ["secrets/**"], decision: "deny" }],
    });
    assert.equal(c.rules.length, 1, tool);
  }
  // a rule without "path" may name an upstream tool
  assert.equal(start({ servers, rules: [{ tool: "f*", decision: "ask" }] }).rules.length, 1);
  // hook mode's config names the agent's tools: it parses (only a server's start-up checks the globs)
  const hook = parseConfig(JSON.stringify({ rules: [{ tool: "Read", path: ["secrets/**"], decision: "deny" }] }), {
    baseDir: "/srv",
    source: "/srv/safe-exec.jsonc",
  });
  assert.equal(hook.rules.length, 1);
});
