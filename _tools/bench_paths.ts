/**
 * File calls on deep paths (issue 9): read_file, list_dir and a write_file that creates every folder of its path, at
 * 8, 100, 800 and 2 000 components, the way each runtime serves them: `deno run` through the confined file server
 * (the default where bubblewrap runs), the Bun binary in the host process. The anchor of each row is the same call
 * at 8 components; the `µs` column is the cost per component past those 8, flat when the cost grows linearly.
 *
 *   deno task bench --only paths
 *
 * (The Bun rows come from this file run by node_modules' bun with `--rows`.)
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { currentRuntime } from "../src/runtime/mod.ts";
import { createConfinedFileBackend } from "../src/isolation/files/confined.ts";
import type { FileBackend } from "../src/isolation/files/backend.ts";
import { hostFileBackend } from "../src/isolation/files/host.ts";
import { probeBwrap } from "../src/isolation/process/probe.ts";
import { type BenchModule, percentile, ROOT, round, type Row, tempDir } from "./_bench.ts";

const DEPTHS = [8, 100, 800, 2000];
const QUICK_DEPTHS = [8, 800];

/** The rows of this runtime (Deno: the confined file server; Bun: the host process). */
async function rows(quick: boolean): Promise<Row[]> {
  const runtime = await currentRuntime();
  const probe = probeBwrap();
  const confined = runtime.name === "deno" && probe.available && probe.path
    ? createConfinedFileBackend(runtime, { bwrap: probe.path, timeoutMs: 120_000 })
    : null;
  const files: FileBackend = confined ?? hostFileBackend;
  const how = confined ? "deno run, confined file server" : `${runtime.name}, host process`;
  const { dir, remove } = tempDir("paths");
  const out: Row[] = [];
  try {
    await files.run("list_dir", dir, {}); // start the server
    const depths = quick ? QUICK_DEPTHS : DEPTHS;
    for (const depth of depths) {
      const path = Array(depth).fill("a").join("/");
      const row = async (op: string, n: number, fn: (i: number) => Promise<unknown>) => {
        const times: number[] = [];
        for (let i = 0; i < n; i++) {
          const t = performance.now();
          await fn(i);
          times.push(performance.now() - t);
        }
        const name = `${op}, ${depth} components (${how})`;
        const anchor = `${op}, ${depths[0]} components (${how})`;
        const p50Ms = round(percentile(times, 0.5), 3);
        out.push(depth === depths[0] ? { name, isAnchor: true, calls: n, p50Ms } : { name, anchor, calls: n, p50Ms });
      };
      mkdirSync(join(dir, "r", path), { recursive: true });
      writeFileSync(join(dir, "r", path, "f.txt"), "x");
      const n = depth >= 800 ? 5 : 21;
      await row("read_file", n, () => files.run("read_file", dir, { path: `r/${path}/f.txt` }));
      await row("list_dir", n, () => files.run("list_dir", dir, { path: `r/${path}` }));
      await row(
        "write_file creating every folder",
        depth >= 800 ? 3 : 11,
        (i) => files.run("write_file", dir, { path: `w${i}/${path}/f.txt`, content: "x" }),
      );
    }
  } finally {
    files.close();
    remove();
  }
  // µs per component past the anchor's depth: flat across depths when the cost is linear in the depth.
  for (const r of out) {
    const a = out.find((x) => x.name === r.anchor);
    const depth = Number(/, (\d+) components/.exec(r.name)?.[1]);
    const base = Number(/, (\d+) components/.exec(a?.name ?? "")?.[1]);
    if (a?.p50Ms !== undefined && r.p50Ms !== undefined) r.us = round(((r.p50Ms - a.p50Ms) * 1000) / (depth - base), 1);
  }
  return out;
}

/** The module. */
export const paths: BenchModule = {
  id: "paths",
  title: "File calls on deep paths",
  about: "read_file, list_dir and a write_file that creates every folder of its path, at 8 to 2 000 components: " +
    "`deno run` through the confined file server, the Bun binary's runtime in the host process. Each row beside the " +
    "same call at 8 components; `µs` is the cost per component past those, flat when it grows linearly.",
  async run(ctx) {
    const all = await rows(ctx.quick);
    const bun = join(ROOT, "node_modules/bun/bin/bun.exe");
    if (existsSync(bun)) {
      const args = [fileURLToPath(import.meta.url), "--rows", ...(ctx.quick ? ["--quick"] : [])];
      const r = spawnSync(bun, args, { encoding: "utf8", maxBuffer: 1 << 24 });
      if (r.status === 0) all.push(...(JSON.parse(r.stdout.trim().split("\n").at(-1) as string) as Row[]));
      else ctx.log(`paths: the Bun rows failed: ${r.stderr.slice(-500)}`);
    }
    return {
      rows: all,
      ratios: ["p50Ms"],
      verdicts: [],
      notes: [
        "The guard's own resolution costs a few system calls whatever the depth (chdir/getcwd in the confined " +
        "server, a binary search for missing prefixes); Deno itself canonicalizes every path it opens (its " +
        "special-file guard, skipped only under --allow-all), which is why deno run's read_file grows faster than " +
        "its list_dir.",
      ],
    };
  },
};

if (import.meta.main && process.argv.includes("--rows")) {
  console.log(JSON.stringify(await rows(process.argv.includes("--quick"))));
}
