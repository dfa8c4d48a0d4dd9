/**
 * The racing-symlink attack on the file tools (_tools/race_fs.ts): a native renameat2(RENAME_EXCHANGE) loop swaps a
 * workspace folder and a symlink to the outside while write/append/copy/delete/read calls go through it.
 *
 * On Bun, fs_ops pins every folder through /proc/self/fd (anchored mode) and must hold: this test is strict. On
 * Deno, file APIs cannot use /proc/self/fd, so fs_ops alone re-checks paths, which such a racer can beat; there
 * safe-exec runs the file tools in the confined file server instead (tested in tests/attack/adversarial_test.ts), and
 * this fs_ops-only run is not made (README, "Threat model").
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../_targets.ts";

const bun = join(ROOT, "node_modules/bun/bin/bun.exe");
const python = new Deno.Command("python3", { args: ["-c", "import ctypes; ctypes.CDLL(None).renameat2"] })
  .outputSync().code === 0;
const reason = !existsSync(bun)
  ? "Bun is not installed (npm ci installs it)"
  : !python
  ? "python3 with ctypes and renameat2 is needed for the racer"
  : null;
if (reason) console.error(`\n*** SKIPPING the racing-symlink test of fs_ops on Bun: ${reason} ***\n`);
console.error(
  "\n*** NOT RUN on Deno: fs_ops alone cannot pin folders there (no openat, /proc/self/fd refused); under Deno " +
    "the confined file server closes this race instead, tested strictly in tests/attack/adversarial_test.ts ***\n",
);

Deno.test({
  name: "fs_ops on Bun (anchored): 300 rounds × 8 calls against a native symlink racer change nothing outside",
  ignore: reason !== null,
  async fn() {
    const out = await new Deno.Command(bun, { args: [join(ROOT, "_tools/race_fs.ts"), "300"], cwd: ROOT }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    if (out.code !== 0 || !/outside unchanged; 0 reads leaked/.test(text)) {
      throw new Error(`the race got through on Bun:\n${text}`);
    }
  },
});
