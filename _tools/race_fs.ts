/**
 * Races the file tools against a native symlink swapper: a Python loop exchanges a real folder inside the workspace
 * and a symlink to an outside folder with renameat2(RENAME_EXCHANGE), hundreds of thousands of times a second,
 * while write/append/copy/delete/read calls go through that folder. Exits 0 when the outside world is unchanged
 * and nothing outside was read, 1 otherwise. Runs on Bun (`bun _tools/race_fs.ts`) and Deno; which pinning mode
 * fs_ops uses there is printed.
 *
 *   bun _tools/race_fs.ts [rounds=400]
 */
import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fsOps } from "../src/fileops/ops.ts";

const RACER = `
import ctypes, sys, time
libc = ctypes.CDLL(None, use_errno=True)
a, b, secs = sys.argv[1].encode(), sys.argv[2].encode(), float(sys.argv[3])
end = time.time() + secs
while time.time() < end:
    libc.renameat2(-100, a, -100, b, 2)
`;

const rounds = Number(process.argv[2] ?? 400);
const base = realpathSync(mkdtempSync(join(tmpdir(), "se-race-")));
const ws = join(base, "ws");
const outside = join(base, "outside");
mkdirSync(join(outside, "sub"), { recursive: true });
writeFileSync(join(outside, "victim.txt"), "canary\n");
writeFileSync(join(outside, "sub", "deep.txt"), "canary deep\n");
mkdirSync(join(ws, "d", "sub"), { recursive: true });
writeFileSync(join(ws, "d", "victim.txt"), "inside\n");
symlinkSync(outside, join(ws, "swap"));

function world(): string {
  const lines: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const st = statSync(p);
      lines.push(`${p} ${st.isDirectory() ? "dir" : readFileSync(p, "utf8")}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(outside);
  return lines.join("\n");
}
const before = world();
const racer = spawn("python3", ["-c", RACER, join(ws, "d"), join(ws, "swap"), "600"], { stdio: "ignore" });
await new Promise((r) => setTimeout(r, 150));
let leaked = 0;
const call = (f: () => unknown) => {
  try {
    const out = f();
    if (typeof out === "string" && out.includes("canary")) leaked++;
  } catch { /* refused or raced: fine */ }
};
for (let i = 0; i < rounds; i++) {
  call(() => fsOps.write_file(ws, { path: "d/victim.txt", content: "pwned" }));
  call(() => fsOps.write_file(ws, { path: `d/new${i}.txt`, content: "pwned" }));
  call(() => fsOps.append_file(ws, { path: "d/victim.txt", content: "pwned" }));
  call(() => fsOps.copy_file(ws, { src: "d/victim.txt", dst: "d/copy.txt" }));
  call(() => fsOps.read_file(ws, { path: "d/victim.txt" }));
  call(() => fsOps.read_file(ws, { path: "d/sub/deep.txt" }));
  call(() => fsOps.delete_file(ws, { path: "d/copy.txt" }));
  call(() => fsOps.delete_dir(ws, { path: "d/sub" }));
  if (!existsSync(join(ws, "d", "sub")) && !existsSync(join(ws, "swap", "sub"))) {
    call(() => mkdirSync(join(ws, "d", "sub")));
  }
}
racer.kill("SIGKILL");
await new Promise((r) => racer.once("exit", r));
const after = world();
const runtime = "Bun" in globalThis ? "bun" : "Deno" in globalThis ? "deno" : "node";
const changed = after !== before;
console.log(
  `race_fs on ${runtime}: ${rounds} rounds × 8 calls; outside ${
    changed ? "CHANGED" : "unchanged"
  }; ${leaked} reads leaked`,
);
if (changed) {
  const was = before.split("\n");
  console.log(after.split("\n").filter((l) => !was.includes(l)).slice(0, 5).join("\n"));
}
rmSync(base, { recursive: true, force: true });
process.exit(changed || leaked > 0 ? 1 : 0);
