/**
 * What `safe-exec serve` loads before its first answer: the modules reached from the entry and from
 * `src/cli/serve.ts` over static imports only hold no MCP SDK, zod, ajv or tokenizer encoding, and not the gateway's
 * connection module (loaded at a configured server's first listing or call, `gateway/_lazy_connection.ts`): with no
 * server configured, the SDK was most of the Bun binary's CPU before serve's first answer. Two views, as
 * `hook_graph_test.ts`: Deno's module graph (`deno info --json`), and the chunks of the Bun binary as build.ts
 * builds it (`--metafile`). Each walk must also reach what serve does load (else it checks nothing), and following
 * dynamic imports too reaches the SDK.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bunBuildArgs, bunExecutable, hostTarget } from "../../build.ts";
import { tempDir } from "../_temp.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** What serve does not load before a call needs it. */
const DEFERRED: ReadonlyArray<{ what: string; test: (path: string) => boolean }> = [
  { what: "the MCP SDK", test: (p) => p.includes("node_modules/@modelcontextprotocol/sdk/") },
  { what: "zod", test: (p) => p.includes("node_modules/zod/") },
  { what: "ajv", test: (p) => /node_modules\/ajv(-formats)?\//.test(p) },
  { what: "the tokenizers (gpt-tokenizer, ai-tokenizer)", test: (p) => /node_modules\/(gpt|ai)-tokenizer\//.test(p) },
  { what: "the gateway's connection", test: (p) => p === "src/gateway/connection.ts" },
];

function _deferredIn(paths: Iterable<string>): string[] {
  const found: string[] = [];
  for (const p of paths) {
    const d = DEFERRED.find((d) => d.test(p));
    if (d) found.push(`${p} (${d.what})`);
  }
  return found;
}

interface InfoModule {
  specifier: string;
  dependencies?: Array<{ code?: { specifier?: string }; isDynamic?: boolean }>;
}

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

Deno.test("serve module graph (Deno): no MCP SDK and no gateway connection before a call needs them", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "src/main.ts"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as { modules: InfoModule[] };
  const modules = new Map(info.modules.map((m) => [m.specifier, m]));
  const roots = ["src/main.ts", "src/cli/serve.ts"];
  const serve = _reach(modules, roots, false);
  assert.ok(serve.has("src/app.ts") && serve.has("src/gateway/manager.ts"), "the walk works");
  assert.deepEqual(_deferredIn(serve), [], "loaded before serve answers");
  const all = _reach(modules, roots, true);
  assert.ok(all.has("src/gateway/connection.ts"), "the full graph reaches the gateway's connection");
  assert.ok([...all].some(DEFERRED[0]!.test), "the full graph reaches the MCP SDK");
});

const bun = bunExecutable(ROOT);
const host = hostTarget();
const canBuild = host !== null && (!bun.startsWith("/") || existsSync(bun));
if (!canBuild) console.log(`serve_graph_test: the Bun binary test is skipped: no Bun at ${bun} or no host target`);

interface MetaOutput {
  entryPoint?: string;
  inputs: Record<string, unknown>;
  imports: Array<{ path: string; kind: string }>;
}

Deno.test({
  name: "serve module graph (Bun binary): the chunks loaded before serve answers hold no MCP SDK, zod or ajv",
  ignore: !canBuild,
  async fn() {
    const dir = tempDir("serve-graph-");
    const meta = join(dir, "meta.json");
    const build = await new Deno.Command(bun, {
      args: [...bunBuildArgs(host!, join(dir, "safe-exec")), `--metafile=${meta}`],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(build.code, 0, new TextDecoder().decode(build.stderr));
    const outputs = (JSON.parse(readFileSync(meta, "utf8")) as { outputs: Record<string, MetaOutput> }).outputs;
    const chunkOf = (entry: string) => {
      const found = Object.entries(outputs).find(([, o]) => o.entryPoint === entry);
      assert.ok(found, `a chunk of its own for ${entry}: ${Object.keys(outputs).join(", ")}`);
      return found[0];
    };
    const loaded = new Set<string>();
    const stack = [chunkOf("src/main.ts"), chunkOf("src/cli/serve.ts")];
    while (stack.length > 0) {
      const c = stack.pop()!;
      if (loaded.has(c)) continue;
      loaded.add(c);
      for (const i of outputs[c]?.imports ?? []) if (i.kind === "import-statement") stack.push(i.path);
    }
    const inputs = [...loaded].flatMap((c) => Object.keys(outputs[c]!.inputs));
    assert.ok(inputs.includes("src/app.ts") && inputs.includes("src/gateway/manager.ts"), "the walk works");
    assert.deepEqual(_deferredIn(inputs), [], "in the chunks loaded before serve answers");
    const everything = Object.values(outputs).flatMap((o) => Object.keys(o.inputs));
    const missing = DEFERRED.filter((d) => !everything.some(d.test)).map((d) => d.what);
    assert.deepEqual(missing, [], "the binary holds each deferred module (else this test checks nothing)");
  },
});
