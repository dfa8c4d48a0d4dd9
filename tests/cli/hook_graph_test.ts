/**
 * What a hook process loads before it answers (issue 14): a hook is one process per tool call, so its module graph
 * must stay apart from what a hook event does not need. Two views, both able to fail:
 *
 * - Deno's module graph (`deno info --json src/main.ts`): the modules reached from the entry and from
 *   `src/cli/hook.ts` over static imports only (what is loaded before the first line of the hook runs) hold no
 *   tokenizer encodings, no MCP SDK, no zod/ajv, no gateway, transport, sandbox or schema module, no config parser
 *   (loaded only when a config file exists) and none of `node:crypto`, `node:child_process`, `node:fs/promises`.
 *   Following dynamic imports too reaches each of them (the walk sees them where they are).
 * - The Bun binary as build.ts builds it (`bun build --compile` with build.ts's flags, plus `--metafile`): the chunks
 *   the entry and the hook command's chunk load statically hold none of those packages or modules. Without
 *   `--splitting` the binary is one module holding everything, and this fails.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BUN_BUILD_FLAGS, bunBuildArgs, bunExecutable, hostTarget } from "../../build.ts";
import { tempDir } from "../_temp.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A module path (relative to the repository, or `node:x`) that a hook must not load before it answers. */
const HEAVY: ReadonlyArray<{ what: string; test: (path: string) => boolean }> = [
  { what: "the tokenizers (gpt-tokenizer, ai-tokenizer)", test: (p) => /node_modules\/(gpt|ai)-tokenizer\//.test(p) },
  { what: "the token counter (src/tokens/)", test: (p) => p.startsWith("src/tokens/") },
  { what: "the MCP SDK", test: (p) => p.includes("node_modules/@modelcontextprotocol/sdk/") },
  { what: "zod", test: (p) => p.includes("node_modules/zod/") },
  { what: "ajv", test: (p) => /node_modules\/ajv(-formats)?\//.test(p) },
  { what: "the gateway (src/gateway/)", test: (p) => p.startsWith("src/gateway/") },
  { what: "the transports (src/transport/)", test: (p) => p.startsWith("src/transport/") },
  { what: "the sandbox (src/isolation/)", test: (p) => p.startsWith("src/isolation/") },
  { what: "the schemas (src/schemas/)", test: (p) => p.startsWith("src/schemas/") },
  { what: "the config parser (src/config/parse.ts)", test: (p) => p === "src/config/parse.ts" },
  { what: "jsonc-parser", test: (p) => p.includes("node_modules/jsonc-parser/") },
];

/** Built-ins a hook on Bun does not need (each costs 1 to 3 ms to load in the Bun binary). */
const HEAVY_BUILTINS = ["node:crypto", "node:child_process", "node:fs/promises"];

function _heavyIn(paths: Iterable<string>, builtins: boolean): string[] {
  const found: string[] = [];
  for (const p of paths) {
    const h = HEAVY.find((h) => h.test(p));
    if (h) found.push(`${p} (${h.what})`);
    if (builtins && HEAVY_BUILTINS.includes(p)) found.push(p);
  }
  return found;
}

interface InfoModule {
  specifier: string;
  dependencies?: Array<{ code?: { specifier?: string }; isDynamic?: boolean }>;
}

/** The modules reached from `roots` (repository-relative), over static imports only or over dynamic ones too. */
function _reach(modules: Map<string, InfoModule>, roots: string[], dynamic: boolean): Set<string> {
  const seen = new Set<string>();
  const stack = roots.map((r) => new URL(r, `file://${ROOT}`).href);
  while (stack.length > 0) {
    const s = stack.pop()!;
    if (seen.has(s)) continue;
    seen.add(s);
    for (const d of modules.get(s)?.dependencies ?? []) {
      if (d.code?.specifier && (dynamic || !d.isDynamic)) stack.push(d.code.specifier);
    }
  }
  const prefix = `file://${ROOT}`;
  return new Set([...seen].map((s) => (s.startsWith(prefix) ? s.slice(prefix.length) : s)));
}

Deno.test("hook module graph (Deno): nothing heavy is imported statically on the way to an answer", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "src/main.ts"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as { modules: InfoModule[] };
  const modules = new Map(info.modules.map((m) => [m.specifier, m]));
  const roots = ["src/main.ts", "src/cli/hook.ts"];
  const hook = _reach(modules, roots, false);
  assert.ok(hook.has("src/hook/handle.ts") && hook.has("src/witness/log.ts") && hook.has("node:fs"), "the walk works");
  assert.deepEqual(_heavyIn(hook, true), [], "loaded before a hook answers");
  // The same walk over dynamic imports too reaches every kind of heavy module: the test sees them where they are
  // (but zod and ajv: deno info does not follow an npm package's own imports; the Bun test below sees them).
  const all = _reach(modules, roots, true);
  const missing = HEAVY.filter((h) => h.what !== "zod" && h.what !== "ajv" && ![...all].some(h.test)).map((h) =>
    h.what
  );
  assert.deepEqual(missing, [], "the full graph holds each heavy module (else this test checks nothing)");
  // node:crypto is imported by no module any more (src/runtime/node_crypto.ts loads it on use); the other two are.
  for (const b of ["node:child_process", "node:fs/promises"]) assert.ok(all.has(b), `the full graph imports ${b}`);
});

const bun = bunExecutable(ROOT);
const host = hostTarget();
const canBuild = host !== null && (!bun.startsWith("/") || existsSync(bun));
if (!canBuild) console.log(`hook_graph_test: the Bun binary test is skipped: no Bun at ${bun} or no host target`);

interface MetaOutput {
  entryPoint?: string;
  inputs: Record<string, unknown>;
  imports: Array<{ path: string; kind: string }>;
}

Deno.test({
  name: "hook module graph (Bun binary): the hook's chunks hold nothing heavy; dynamic imports stay chunks",
  ignore: !canBuild,
  async fn() {
    assert.ok(BUN_BUILD_FLAGS.includes("--splitting"), "build.ts builds the binary with --splitting");
    const dir = tempDir("hook-graph-");
    const meta = join(dir, "meta.json");
    const build = await new Deno.Command(bun, {
      args: [...bunBuildArgs(host!, join(dir, "safe-exec")), `--metafile=${meta}`],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(build.code, 0, new TextDecoder().decode(build.stderr));
    const metafile = JSON.parse(readFileSync(meta, "utf8")) as {
      outputs: Record<string, MetaOutput>;
      inputs: Record<string, { imports: Array<{ path: string; kind: string; external?: boolean }> }>;
    };
    const outputs = metafile.outputs;
    const chunkOf = (entry: string) => {
      const found = Object.entries(outputs).find(([, o]) => o.entryPoint === entry);
      assert.ok(found, `a chunk of its own for ${entry}: ${Object.keys(outputs).join(", ")}`);
      return found[0];
    };
    const loaded = new Set<string>();
    const stack = [chunkOf("src/main.ts"), chunkOf("src/cli/hook.ts")];
    while (stack.length > 0) {
      const c = stack.pop()!;
      if (loaded.has(c)) continue;
      loaded.add(c);
      for (const i of outputs[c]?.imports ?? []) if (i.kind === "import-statement") stack.push(i.path);
    }
    const inputs = [...loaded].flatMap((c) => Object.keys(outputs[c]!.inputs));
    assert.ok(inputs.includes("src/hook/handle.ts") && inputs.includes("src/witness/log.ts"), "the walk works");
    assert.deepEqual(_heavyIn(inputs, false), [], "in the chunks loaded before a hook answers");
    // only a pre-tool event judges: an outcome or a session event loads no judge, rules or shell parser, and no
    // event loads node:os (HOME names the home folder; about 1 ms of the binary's start each)
    assert.deepEqual(
      inputs.filter((p) =>
        p === "src/hook/judge.ts" || p.startsWith("src/rules/") || p.includes("node_modules/unbash/")
      ),
      [],
      "the judge is a chunk of its own, loaded by pre-tool events",
    );
    const builtins = inputs.flatMap((p) =>
      (metafile.inputs[p]?.imports ?? []).filter((i) => i.external && i.kind === "import-statement").map((i) => i.path)
    );
    assert.ok(builtins.includes("fs") || builtins.includes("node:fs"), `the walk sees built-ins: ${builtins}`);
    assert.deepEqual(builtins.filter((b) => b === "os" || b === "node:os"), [], "node:os before a hook answers");
    const everything = Object.values(outputs).flatMap((o) => Object.keys(o.inputs));
    const missing = HEAVY.filter((h) => !everything.some(h.test)).map((h) => h.what);
    assert.deepEqual(missing, [], "the binary holds each heavy module (else this test checks nothing)");
    // the heavy modules are in the binary, each in chunks of their own
    for (const entry of ["src/tokens/count.ts", "src/cli/mcp.ts", "src/config/parse.ts"]) chunkOf(entry);
    const o200k = Object.values(outputs).some((o) =>
      Object.keys(o.inputs).some((p) => p.includes("gpt-tokenizer/esm/bpeRanks/o200k_base"))
    );
    assert.ok(o200k, "the o200k encoding is in the binary");
  },
});
