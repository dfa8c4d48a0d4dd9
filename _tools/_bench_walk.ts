/**
 * Bench helper (run by `bench_git.ts` under Bun, the runtime the binary ships with, whose `node:fs` takes
 * `/proc/self/fd` paths): walk each folder named on the command line with a new {@linkcode RepoScanner} `runs` times
 * and print one JSON line per folder: its name, the folders walked, whether the walk was cut short and the wall times
 * in milliseconds.
 *
 * `bun _tools/_bench_walk.ts 3 /tmp/a /tmp/b`
 *
 * @module
 */
import process from "node:process";
import { RepoScanner } from "../src/git/scan.ts";

const [runs, ...dirs] = process.argv.slice(2);
for (const dir of dirs) {
  const ms: number[] = [];
  let dirsWalked = 0;
  let cut = false;
  for (let i = 0; i < Number(runs); i++) {
    const t = performance.now();
    const s = new RepoScanner().scan(dir);
    ms.push(performance.now() - t);
    dirsWalked = s.dirs;
    cut = s.cutShort.length > 0;
  }
  console.log(JSON.stringify({ dir, dirs: dirsWalked, cut, ms }));
}
