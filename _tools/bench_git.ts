/**
 * What git's protection costs a sandboxed call: `run_bash 'echo hi'` through `safe-exec serve` (deno run and the Bun
 * binary) in three workspaces — no repository, a repository (one commit, a submodule-free index), and a repository
 * holding a large tree (a node_modules-like 50,000 files in about 5,000 folders, and a nested repository) — against
 * the same call in the empty workspace, and the in-process cost of preparing and finishing the git part of one call
 * (`prepare` + `finish` of the bwrap sandbox, microseconds) in each, all interleaved call by call.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createBwrapSandbox } from "../src/isolation/process/bwrap.ts";
import { type BenchModule, latencyRow, ROOT, type Row, tempDir } from "./_bench.ts";
import { launches, startServe } from "./_bench_clients.ts";

const GIT_ENV = { PATH: "/usr/bin:/bin", HOME: "/nonexistent", GIT_CONFIG_NOSYSTEM: "1" };

function git(cwd: string, ...args: string[]): void {
  const r = spawnSync("git", args, { cwd, env: GIT_ENV, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
}

function repo(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "README.md"), "# bench\n");
  git(dir, "init", "-q", "-b", "main");
  git(dir, "add", "README.md");
  git(dir, "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-q", "-m", "one");
}

/** `files` files in folders of ten, ten folders a level (node_modules' shape, roughly). */
function bigTree(dir: string, files: number): void {
  let made = 0;
  for (let a = 0; made < files; a++) {
    for (let b = 0; b < 10 && made < files; b++) {
      const d = join(dir, "node_modules", `pkg${a}`, `lib${b}`);
      mkdirSync(d, { recursive: true });
      for (let f = 0; f < 10 && made < files; f++, made++) writeFileSync(join(d, `f${f}.js`), "module.exports = 1;\n");
    }
  }
}

/** A chain of `depth` folders named `d` under `dir/mmm`, or `count` such folders side by side (`wide`). */
function chain(dir: string, depth: number, wide = false): void {
  const py = wide
    ? `import os\nos.makedirs("mmm")\nfor i in range(${depth}): os.mkdir("mmm/d%d" % i)\n`
    : `import os\nos.mkdir("mmm"); os.chdir("mmm")\nfor i in range(${depth}):\n  os.mkdir("d"); os.chdir("d")\n`;
  mkdirSync(dir, { recursive: true });
  const r = spawnSync("python3", ["-I", "-c", py], { cwd: dir });
  if (r.status !== 0) throw new Error(`python3: ${r.stderr}`);
}

/**
 * The repository walk alone (`RepoScanner.scan`, a new scanner each run, so uncached) under Bun over deep folder
 * chains and the same number of folders side by side, against `find DIR -name .git` over the same tree (the anchor;
 * its time includes starting `find`, about a millisecond).
 */
function walkRows(dir: string, quick: boolean): Row[] {
  const bun = join(ROOT, "node_modules", ".bin", "bun");
  const runs = quick ? 2 : 5;
  const shapes: Array<[string, string]> = [];
  for (const depth of [4000, 8000]) {
    const chainDir = join(dir, `chain${depth}`);
    chain(chainDir, depth);
    shapes.push([`a ${depth}-level folder chain`, chainDir]);
  }
  const wideDir = join(dir, "wide8000");
  chain(wideDir, 8000, true);
  shapes.push(["8000 folders side by side", wideDir]);
  const rows: Row[] = [];
  const r = spawnSync(bun, [join(ROOT, "_tools", "_bench_walk.ts"), String(runs), ...shapes.map(([, d]) => d)], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`bun _bench_walk.ts: ${r.stderr}`);
  const walks = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { dirs: number; cut: boolean; ms: number[] });
  shapes.forEach(([label, d], k) => {
    const finds: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      spawnSync("find", [d, "-name", ".git"]);
      finds.push(performance.now() - t);
    }
    const anchor = `find -name .git, ${label}`;
    rows.push({ ...latencyRow(anchor, finds, finds.reduce((a, b) => a + b, 0)), isAnchor: true });
    const w = walks[k]!;
    const name = `walk (Bun), ${label}: ${w.dirs} folders${w.cut ? ", CUT SHORT" : ""}`;
    rows.push({ ...latencyRow(name, w.ms, w.ms.reduce((a, b) => a + b, 0)), anchor });
  });
  return rows;
}

/** The module. */
export const gitView: BenchModule = {
  id: "git",
  title: "Git's protection in the sandbox: cost by workspace shape",
  about: "`run_bash 'echo hi'` through `safe-exec serve` in a workspace without a repository (the anchor), in a " +
    "repository, and in a repository holding a 50,000-file tree and a nested repository; and the in-process cost " +
    "of preparing and finishing the git part of one call (the views, pins, nested-repository scan, copy-back). " +
    "Interleaved call by call.",
  async run(ctx) {
    const calls = ctx.quick ? 20 : 60;
    const files = ctx.quick ? 10_000 : 50_000;
    const rows: Row[] = [];
    const box = createBwrapSandbox();
    const probe = box.probe();
    const { dir: tmp, remove } = tempDir("git");
    const dir = realpathSync(tmp);
    try {
      if (!probe.available) {
        return { rows, verdicts: [], notes: [`Skipped: bubblewrap is not usable here (${probe.reason}).`] };
      }
      const shapes: Array<[string, string]> = [
        ["no repository", join(dir, "empty")],
        ["a repository", join(dir, "repo")],
        [`a repository with ${files} files and a nested repository`, join(dir, "big")],
      ];
      mkdirSync(shapes[0]![1]);
      repo(shapes[1]![1]);
      repo(shapes[2]![1]);
      bigTree(shapes[2]![1], files);
      repo(join(shapes[2]![1], "vendor", "nested"));
      const fns: Array<[string, () => Promise<void> | void]> = [];
      const servers: Array<{ stop(): Promise<void> }> = [];
      for (const [label, ws] of shapes) {
        fns.push([`prepare + finish, ${label}`, () => box.prepare({ workspace: ws }).finish() && undefined]);
      }
      for (const l of launches()) {
        for (const [label, ws] of shapes) {
          const s = startServe(l, ["--workspace", ws, "--witness", join(dir, `${l.label}-${label}.log`)], dir);
          servers.push(s);
          fns.push([`serve, ${l.label}, run_bash 'echo hi', ${label}`, async () => {
            const r = await s.call({ tool: "run_bash", args: { cmd: "echo hi" } });
            if (r.ok !== true) throw new Error(`run_bash failed: ${JSON.stringify(r).slice(0, 300)}`);
          }]);
        }
      }
      const times = fns.map(() => [] as number[]);
      const totals = fns.map(() => 0);
      try {
        for (let i = 0; i < calls + 5; i++) {
          for (let k = 0; k < fns.length; k++) {
            const s = performance.now();
            await fns[k]![1]();
            const d = performance.now() - s;
            if (i >= 5) {
              times[k]!.push(d);
              totals[k]! += d;
            }
          }
        }
      } finally {
        for (const s of servers) await s.stop();
      }
      let anchor = "";
      fns.forEach(([name], k) => {
        const row = latencyRow(name, times[k]!, totals[k]!);
        if (name.startsWith("prepare")) {
          row.us = Math.round(row.p50Ms! * 1000);
          if (name.endsWith("no repository")) {
            row.isAnchor = true;
            anchor = name;
          } else row.anchor = anchor;
        } else if (name.endsWith("no repository")) {
          row.isAnchor = true;
          anchor = name;
        } else row.anchor = anchor;
        rows.push(row);
      });
      rows.push(...walkRows(join(dir, "walks"), ctx.quick));
      ctx.log(`git: ${rows.map((r) => `${r.name} ${r.p50Ms} ms`).join("; ")}`);
      return {
        rows,
        ratios: ["p50Ms"],
        verdicts: [],
        notes: [
          `${calls} timed calls each after 5 untimed rounds; ratios are against the same call without a repository.`,
          "The walk rows: the repository walk alone under Bun (uncached) against `find DIR -name .git` over the same " +
          "tree; a chain's walk costs what the same number of folders side by side cost (per-folder cost independent " +
          "of depth, red team 7 F7).",
        ],
      };
    } finally {
      box.close();
      remove();
    }
  },
};
