/**
 * The SDK client inside a compiled Bun binary: tests/gateway/_bun_smoke.ts is compiled with `bun build --compile`
 * and build.ts's Bun flags (minify, bytecode, no dotenv/bunfig autoload), then run against server-memory and
 * server-everything. The gateway is not wired into src/main.ts yet, so this entry stands in for the binary.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { BUN_BUILD_FLAGS, bunExecutable } from "../../build.ts";
import { ROOT, SERVERS, tempDir } from "./_servers.ts";

const bun = bunExecutable(ROOT);
const hasBun = bun.startsWith("/") ? existsSync(bun) : true;
if (!hasBun) console.log(`bun_binary_test: skipped: no Bun at ${bun} (npm ci installs it)`);

Deno.test({
  name: "Bun binary: SDK client, list, call, progress, elicitation, crash and restart",
  ignore: !hasBun,
  async fn() {
    const tmp = tempDir("gw-bun-");
    try {
      const binary = join(tmp.dir, "smoke");
      const build = await new Deno.Command(bun, {
        args: [
          "build",
          "--compile",
          ...BUN_BUILD_FLAGS,
          join(ROOT, "tests/gateway/_bun_smoke.ts"),
          "--outfile",
          binary,
        ],
        cwd: ROOT,
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(build.code, 0, new TextDecoder().decode(build.stderr));
      const run = await new Deno.Command(binary, {
        args: [SERVERS.memory, SERVERS.everything, join(tmp.dir, "memory.jsonl")],
        cwd: tmp.dir,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(run.stdout);
      assert.equal(run.code, 0, new TextDecoder().decode(run.stderr));
      const seen = JSON.parse(stdout.trim().split("\n").pop()!);
      assert.equal(seen.runtime, "bun");
      assert.deepEqual(seen.errors, []);
      assert.ok(seen.tools >= 20, String(seen.tools));
      assert.equal(seen.risks["memory__read_graph"], "low");
      assert.equal(seen.risks["memory__delete_entities"], "high");
      assert.equal(seen.created, true);
      assert.match(seen.graph, /Grace/);
      assert.equal(seen.slow, true);
      assert.equal(seen.progress, 2);
      assert.equal(seen.elicited.length, 1);
      assert.match(seen.asked, /- Name: Bun/);
      assert.equal(seen.died, "upstream_unavailable");
      assert.match(seen.diedError, /was killed by SIGKILL/);
      assert.equal(seen.again, "Echo: after restart");
      assert.equal(seen.starts, 2);
    } finally {
      tmp.remove();
    }
  },
});
