/**
 * The parser and the tokenizers work the same under `deno run` with the binary's permission flags, under Bun, and
 * inside a `bun build --compile` binary started from an empty folder (the encodings are embedded: nothing is read
 * from node_modules or downloaded at run time).
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUN_BUILD_FLAGS, DENO_PERMISSION_FLAGS } from "../../build.ts";
import { ROOT } from "../_targets.ts";

const bun = join(ROOT, "node_modules/bun/bin/bun.exe");
const probe = join(ROOT, "tests/tokens/_probe_main.ts");

async function run(cmd: string, args: string[], cwd: string): Promise<Record<string, unknown>> {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped", env: { NO_COLOR: "1" } })
    .output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, `${cmd} ${args.join(" ")}: ${stderr}`);
  const r = JSON.parse(new TextDecoder().decode(out.stdout)) as Record<string, unknown>;
  for (const v of Object.values(r)) {
    if (v && typeof v === "object" && "loadMs" in v) delete (v as { loadMs?: number }).loadMs;
  }
  return r;
}

Deno.test({
  name: "tokens+rules: deno run, bun and the compiled Bun binary agree; the binary needs no node_modules",
  ignore: !existsSync(bun),
  fn: async () => {
    const dir = mkdtempSync(join(tmpdir(), "safe-exec-probe-"));
    try {
      const viaDeno = await run(Deno.execPath(), ["run", ...DENO_PERMISSION_FLAGS, probe], dir);
      assert.equal(viaDeno.rules, "low");
      assert.equal(viaDeno.dangerous, "high");
      assert.deepEqual(viaDeno.parser, ["rm is not a read-only command"]);
      assert.deepEqual(await run(bun, [probe], dir), viaDeno);
      const bin = join(dir, "probe");
      const flags = BUN_BUILD_FLAGS.filter((f) => f !== "--sourcemap=linked");
      const build = await new Deno.Command(bun, {
        args: ["build", "--compile", ...flags, probe, "--outfile", bin],
        cwd: ROOT,
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(build.code, 0, new TextDecoder().decode(build.stderr));
      console.log(`compiled probe (rules + every tokenizer): ${(statSync(bin).size / 2 ** 20).toFixed(1)} MiB`);
      const run1 = join(dir, "empty");
      Deno.mkdirSync(run1);
      assert.deepEqual(await run(bin, [], run1), viaDeno);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
});
if (!existsSync(bun)) console.log(`binary test skipped: ${bun} is not installed (npm ci installs it)`);
