/**
 * File calls on deep paths (issue 9): read_file, list_dir and a write_file that creates every folder of the path,
 * at depths of 8, 100, 800 and 2 000 components, the way each runtime serves them: under Deno through the confined
 * file server (the default where bubblewrap runs), under Bun in the host process. The anchor is the same call at
 * depth 8; the per-component column shows whether the cost grows linearly with the depth (a flat column) or faster.
 *
 *   deno run --unstable-worker-options --allow-read --allow-write --allow-run --allow-env tools/bench_paths.ts
 *
 * (It runs the Bun rows by starting itself under node_modules' bun.)
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { currentRuntime } from "../src/runtime/mod.ts";
import { createConfinedFileBackend } from "../src/tools/confined_backend.ts";
import { hostFileBackend } from "../src/tools/file_backend.ts";
import { probeBwrap } from "../src/tools/sandbox.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const DEPTHS = [8, 100, 800, 2000];

/** One measurement. */
interface Row {
  runtime: string;
  op: string;
  depth: number;
  ms: number;
}

async function measure(): Promise<Row[]> {
  const runtime = await currentRuntime();
  const probe = probeBwrap();
  const confined = runtime.name === "deno" && probe.available && probe.path
    ? createConfinedFileBackend(runtime, { bwrap: probe.path, timeoutMs: 120_000 })
    : null;
  const files = confined ?? hostFileBackend;
  const label = confined ? "deno run, confined file server" : `${runtime.name}, host process`;
  const base = realpathSync(mkdtempSync(join(tmpdir(), "se-bench-paths-")));
  const rows: Row[] = [];
  try {
    await files.run("list_dir", base, {}); // start the server
    for (const depth of DEPTHS) {
      const dir = Array(depth).fill("a").join("/");
      const p50 = async (op: string, n: number, fn: (i: number) => Promise<unknown>) => {
        const times: number[] = [];
        for (let i = 0; i < n; i++) {
          const t = performance.now();
          await fn(i);
          times.push(performance.now() - t);
        }
        times.sort((a, b) => a - b);
        rows.push({ runtime: label, op, depth, ms: times[Math.floor(n / 2)] as number });
      };
      mkdirSync(join(base, "r", dir), { recursive: true });
      writeFileSync(join(base, "r", dir, "f.txt"), "x");
      const calls = depth >= 800 ? 5 : 21;
      await p50("read_file", calls, () => files.run("read_file", base, { path: `r/${dir}/f.txt` }));
      await p50("list_dir", calls, () => files.run("list_dir", base, { path: `r/${dir}` }));
      await p50(
        "write_file, creating every folder",
        depth >= 800 ? 3 : 11,
        (i) => files.run("write_file", base, { path: `w${i}/${dir}/f.txt`, content: "x" }),
      );
    }
  } finally {
    files.close();
    rmSync(base, { recursive: true, force: true });
  }
  return rows;
}

function table(rows: Row[]): string {
  const out = [
    "runtime                          op                                  depth    p50 ms   µs per component past depth 8",
  ];
  for (const r of rows) {
    const anchor = rows.find((a) => a.runtime === r.runtime && a.op === r.op && a.depth === DEPTHS[0]);
    const per = anchor && r.depth !== anchor.depth
      ? ((r.ms - anchor.ms) * 1000 / (r.depth - anchor.depth)).toFixed(1)
      : "—";
    out.push(
      `${r.runtime.padEnd(32)} ${r.op.padEnd(35)} ${String(r.depth).padStart(5)} ${r.ms.toFixed(2).padStart(9)}   ${
        per.padStart(8)
      }`,
    );
  }
  return out.join("\n");
}

if (process.argv.includes("--json")) {
  console.log(JSON.stringify(await measure()));
} else {
  const rows = await measure();
  const bun = join(ROOT, "node_modules/bun/bin/bun.exe");
  if (existsSync(bun)) {
    const r = spawnSync(bun, [fileURLToPath(import.meta.url), "--json"], { encoding: "utf8", maxBuffer: 1 << 24 });
    if (r.status === 0) rows.push(...(JSON.parse(r.stdout.trim().split("\n").at(-1) as string) as Row[]));
    else console.error(`bench_paths: the Bun rows failed: ${r.stderr}`);
  }
  console.log(table(rows));
}
