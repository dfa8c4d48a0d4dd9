/**
 * A protocol fuzzer: mutates valid requests (bit flips, truncation, type swaps, deep nesting, huge numbers, odd
 * unicode) and feeds them to the in-process protocol core. Every line must get well-formed responses (or none for a
 * blank line), never a throw, and the server must still answer `info` afterwards.
 *
 *   deno run --allow-read --allow-write --allow-run --allow-env _tools/fuzz.ts [iterations] [seed]
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SafeExecutor } from "../src/gate/executor.ts";
import { ProtocolServer, type Response } from "../src/transport/jsonl/server.ts";
import { currentRuntime } from "../src/runtime/mod.ts";
import { registerDefaults } from "../src/app.ts";
import { hostFileBackend } from "../src/isolation/files/host.ts";
import { noSandbox } from "../src/isolation/process/sandbox.ts";

/** A small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEEDS: unknown[] = [
  { id: 1, tool: "read_file", args: { path: "a.txt" } },
  { id: 2, tool: "write_file", args: { path: "d/b.txt", content: "x" } },
  { id: 3, tool: "list_dir", args: {} },
  { id: 4, type: "metrics", contextTokens: 100, errorOccurred: false },
  { id: 5, type: "reset" },
  { id: 6, type: "tools" },
  { id: 7, type: "stats" },
  { id: 8, type: "info" },
  { id: 9, type: "confirm", approve: true },
  { id: 10, tool: "copy_file", args: { src: "a.txt", dst: "c.txt" } },
  { id: 11, tool: "delete_file", args: { path: "c.txt" } },
];
const ODD: unknown[] = [
  null,
  true,
  -1,
  1e308,
  -0,
  "",
  "../../etc/passwd",
  "a\u0000b",
  "\ud800",
  "🦕".repeat(50),
  [],
  {},
  { __proto__: { x: 1 } },
  "x".repeat(5000),
  [[[[[[[[[[1]]]]]]]]]],
];

function mutateValue(v: unknown, r: () => number, depth = 0): unknown {
  if (depth < 4 && typeof v === "object" && v !== null && !Array.isArray(v)) {
    const o: Record<string, unknown> = { ...(v as Record<string, unknown>) };
    const keys = Object.keys(o);
    const k = keys[Math.floor(r() * keys.length)];
    const roll = r();
    if (k !== undefined && roll < 0.4) o[k] = ODD[Math.floor(r() * ODD.length)];
    else if (k !== undefined && roll < 0.6) delete o[k];
    else if (k !== undefined && roll < 0.85) o[k] = mutateValue(o[k], r, depth + 1);
    else o[`k${Math.floor(r() * 5)}`] = ODD[Math.floor(r() * ODD.length)];
    return o;
  }
  return r() < 0.5 ? ODD[Math.floor(r() * ODD.length)] : v;
}

function mutateText(s: string, r: () => number): string {
  const roll = r();
  if (roll < 0.3) return s.slice(0, Math.floor(r() * s.length));
  if (roll < 0.6) {
    const i = Math.floor(r() * s.length);
    return s.slice(0, i) + String.fromCharCode(Math.floor(r() * 0x10000)) + s.slice(i + 1);
  }
  if (roll < 0.8) return "[" + s + "," + s + "]";
  return "{".repeat(Math.floor(r() * 3000)) + s;
}

/**
 * `n` hostile request lines from `seed`: valid requests mutated (bit flips, truncation, type swaps, deep nesting,
 * huge numbers, odd unicode). A line may hold a `\n` of its own (a mutation can insert any char).
 */
export function fuzzLines(n: number, seed: number): string[] {
  const r = rng(seed);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const base = SEEDS[Math.floor(r() * SEEDS.length)];
    out.push(r() < 0.5 ? JSON.stringify(mutateValue(base, r)) : mutateText(JSON.stringify(base), r));
  }
  return out;
}

/** Run `iterations` fuzz lines; returns the number of lines sent. Throws on the first violation. */
export async function fuzz(iterations: number, seed: number): Promise<number> {
  const r = rng(seed);
  const dir = mkdtempSync(join(tmpdir(), "se-fuzz-"));
  const executor = new SafeExecutor({ workspace: join(dir, "ws"), witness: join(dir, "witness.log") });
  // The protocol core is under test: file tools in-process, processes unsandboxed (none of the seeds runs one).
  registerDefaults(executor, { runtime: await currentRuntime(), fileBackend: hostFileBackend, sandbox: noSandbox });
  const server = new ProtocolServer({ executor, confirm: () => r() < 0.5, emit: () => {}, info: () => ({}) });
  const check = (line: string, rs: Response[]) => {
    for (const x of rs) {
      const back = JSON.parse(JSON.stringify(x));
      if (typeof back.type !== "string") throw new Error(`response without type for ${JSON.stringify(line)}`);
      if (!("id" in back)) throw new Error(`response without id for ${JSON.stringify(line)}`);
      if (back.type === "error" && (typeof back.error?.code !== "string" || typeof back.error?.message !== "string")) {
        throw new Error(`malformed error for ${JSON.stringify(line)}: ${JSON.stringify(back)}`);
      }
    }
  };
  for (let i = 0; i < iterations; i++) {
    const base = SEEDS[Math.floor(r() * SEEDS.length)];
    const line = r() < 0.5 ? JSON.stringify(mutateValue(base, r)) : mutateText(JSON.stringify(base), r);
    const rs = await server.handleLine(line);
    check(line, rs);
  }
  const [info] = await server.handleLine('{"id":"last","type":"info"}');
  if (info?.type !== "info") throw new Error("the server no longer answers info");
  await server.close();
  executor.close();
  return iterations;
}

if (import.meta.main) {
  const n = Number(Deno.args[0] ?? 20000);
  const seed = Number(Deno.args[1] ?? Date.now() % 2 ** 31);
  console.log(`fuzzing ${n} lines, seed ${seed}`);
  await fuzz(n, seed);
  console.log("ok: every line answered well-formed, server still serving");
}
