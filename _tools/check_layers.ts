/**
 * The layer check of `deno task ok`: every import in `src/` goes down. It fails (exit 1, one line per problem) on
 *
 * - an import cycle between files (any strongly connected component of more than one file, or a file importing
 *   itself), and
 * - an import from a unit to one that is not below it in {@linkcode LAYERS} (an upward import, or one between two
 *   units of the same level).
 *
 * The graph is Deno's own (`deno info --json` over every file of `src/`: static, type-only and dynamic imports), plus
 * the `new URL("./x.ts", import.meta.url)` entry points of workers and child processes, which the graph does not
 * know. Comments and doc examples are not imports.
 *
 *   deno run --allow-read --allow-write --allow-run --allow-env _tools/check_layers.ts
 *
 * @module
 */
import { join, relative } from "node:path";
import { fileURLToPath as fromFileUrl, pathToFileURL as toFileUrl } from "node:url";

/**
 * The units of `src/` from the bottom up: a unit imports only from units on an earlier line. Units on one line are
 * siblings and import nothing from each other. A unit is a file or a folder of `src/`; the longest one naming a file
 * is its unit (so `isolation/files/` is a unit of its own inside `isolation/`).
 */
export const LAYERS: readonly (readonly string[])[] = [
  ["types.ts", "version.ts"],
  ["runtime/"],
  ["_util/"],
  ["tokens/", "git/"],
  ["fileops/", "witness/"],
  ["isolation/process/", "rules/"],
  ["isolation/files/"],
  ["isolation/"],
  ["gate/"],
  ["builtins/", "gateway/"],
  ["config/", "schemas/"],
  ["transport/"],
  ["transport/jsonl/", "transport/mcp/"],
  ["app.ts"],
  ["hook/"],
  ["cli/"],
  ["main.ts", "mod.ts"],
];

/** One import edge between two files of `src/` (paths relative to it). */
export interface Edge {
  /** The importing file. */
  from: string;
  /** The imported file. */
  to: string;
}

/**
 * The unit of a file of `src/` and its level in {@linkcode LAYERS}, or null when no unit names it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unitOf } from "./check_layers.ts";
 * assert.deepEqual(unitOf("isolation/files/pool.ts"), { unit: "isolation/files/", level: 6 });
 * assert.deepEqual(unitOf("isolation/mod.ts"), { unit: "isolation/", level: 7 });
 * assert.equal(unitOf("nowhere.ts"), null);
 * ```
 */
export function unitOf(file: string): { unit: string; level: number } | null {
  let best: { unit: string; level: number } | null = null;
  LAYERS.forEach((units, level) => {
    for (const unit of units) {
      const hit = unit.endsWith("/") ? file.startsWith(unit) : file === unit;
      if (hit && (best === null || unit.length > best.unit.length)) best = { unit, level };
    }
  });
  return best;
}

/**
 * The problems of an import graph: cycles first, then imports that do not go down.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { problemsOf } from "./check_layers.ts";
 * assert.deepEqual(problemsOf(["gate/a.ts", "types.ts"], [{ from: "gate/a.ts", to: "types.ts" }]), []);
 * assert.match(problemsOf(["gate/a.ts", "cli/b.ts"], [{ from: "gate/a.ts", to: "cli/b.ts" }])[0]!, /upward import/);
 * assert.match(
 *   problemsOf(["gate/a.ts", "gate/b.ts"], [{ from: "gate/a.ts", to: "gate/b.ts" }, { from: "gate/b.ts", to: "gate/a.ts" }])[0]!,
 *   /import cycle: gate\/a.ts -> gate\/b.ts -> gate\/a.ts/,
 * );
 * ```
 */
export function problemsOf(files: readonly string[], edges: readonly Edge[]): string[] {
  const problems: string[] = [];
  for (const cycle of cyclesOf(files, edges)) problems.push(`import cycle: ${[...cycle, cycle[0]].join(" -> ")}`);
  for (const f of files) if (unitOf(f) === null) problems.push(`${f}: in no unit of LAYERS (_tools/check_layers.ts)`);
  for (const { from, to } of edges) {
    const a = unitOf(from);
    const b = unitOf(to);
    if (a === null || b === null || a.unit === b.unit) continue;
    if (b.level > a.level) {
      problems.push(`upward import: ${from} (${a.unit}, level ${a.level}) imports ${to} (${b.unit}, level ${b.level})`);
    } else if (b.level === a.level) {
      problems.push(`sibling import: ${from} (${a.unit}) imports ${to} (${b.unit}); both are on level ${a.level}`);
    }
  }
  return problems;
}

/** The cycles of a graph (Tarjan's strongly connected components), each as a path through its files. */
function cyclesOf(files: readonly string[], edges: readonly Edge[]): string[][] {
  const next = new Map<string, string[]>(files.map((f) => [f, []]));
  for (const e of edges) next.get(e.from)?.push(e.to);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || (next.get(v) ?? []).includes(v)) cycles.push(pathThrough(new Set(scc), v, next));
  };
  for (const f of files) if (!index.has(f)) visit(f);
  return cycles;
}

/** A cycle from `start` back to it inside one component (breadth-first, so the shortest). */
function pathThrough(scc: Set<string>, start: string, next: Map<string, string[]>): string[] {
  const from = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of next.get(v) ?? []) {
      if (!scc.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(from.get(path[0]!)!);
        return path;
      }
      if (!from.has(w)) {
        from.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start];
}

/** Every file of `src/` and the imports between them, as Deno resolves them. */
async function graphOf(src: string): Promise<{ files: string[]; edges: Edge[] }> {
  const files: string[] = [];
  for await (const f of walk(src)) files.push(relative(src, f));
  files.sort();
  const dir = await Deno.makeTempDir({ prefix: "check-layers-" });
  try {
    const root = join(dir, "all.ts");
    await Deno.writeTextFile(
      root,
      files.map((f) => `import ${JSON.stringify(toFileUrl(join(src, f)).href)};\n`).join(""),
    );
    const out = await new Deno.Command(Deno.execPath(), { args: ["info", "--json", root], stderr: "inherit" }).output();
    if (!out.success) throw new Error(`deno info --json failed with code ${out.code}`);
    const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
      modules: { specifier: string; dependencies?: { code?: { specifier: string }; type?: { specifier: string } }[] }[];
    };
    const inSrc = (url: string | undefined) =>
      url?.startsWith("file:") && !relative(src, fromFileUrl(url)).startsWith("..")
        ? relative(src, fromFileUrl(url))
        : null;
    const edges: Edge[] = [];
    for (const m of info.modules) {
      const from = inSrc(m.specifier);
      if (from === null) continue;
      for (const d of m.dependencies ?? []) {
        for (const to of new Set([inSrc(d.code?.specifier), inSrc(d.type?.specifier)])) {
          if (to) edges.push({ from, to });
        }
      }
      // Entry points handed to a worker or a child process: `new URL("./x.ts", import.meta.url)`.
      const text = await Deno.readTextFile(join(src, from));
      for (const u of text.matchAll(/new URL\(\s*"(\.{1,2}\/[^"]+\.ts)",\s*import\.meta\.url\s*\)/g)) {
        const to = inSrc(new URL(u[1]!, m.specifier).href);
        if (to) edges.push({ from, to });
      }
    }
    return { files, edges };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function* walk(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) yield* walk(p);
    else if (e.isFile && e.name.endsWith(".ts")) yield p;
  }
}

if (import.meta.main) {
  const src = fromFileUrl(new URL("../src", import.meta.url));
  const { files, edges } = await graphOf(src);
  const problems = problemsOf(files, edges);
  for (const p of problems) console.error(`check_layers: ${p}`);
  if (problems.length > 0) {
    console.error(
      `check_layers: ${problems.length} problem(s) in src/ (the layers are listed in _tools/check_layers.ts)`,
    );
    Deno.exit(1);
  }
  console.log(`check_layers: ${files.length} files, ${edges.length} imports: no cycle, every import goes down`);
}
