/**
 * The witness log's file seam (src/runtime/log_file.ts): Deno and Bun take the same lock (flock(2)), so a writer
 * of either runtime waits for a holder of the other; the identity of a path against an open file.
 */
import assert from "node:assert/strict";
import { existsSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fileLocking, openAppendFile, statPath } from "../../src/runtime/log_file.ts";
import { tempDir as makeTemp } from "../_temp.ts";

const bun = fileURLToPath(new URL("../../node_modules/.bin/bun", import.meta.url));
const haveBun = existsSync(bun);
if (!haveBun) console.log(`log_file_test: SKIPPING the Bun half: ${bun} is missing`);
const mod = fileURLToPath(new URL("../../src/runtime/log_file.ts", import.meta.url));

/** A script that locks `path`, says "locked", holds the lock for `ms`, then appends "holder\n" and unlocks. */
function holderScript(dir: string): string {
  const script = join(dir, "holder.ts");
  writeFileSync(
    script,
    `import { openAppendFile, fileLocking } from ${JSON.stringify(mod)};
const [path, ms] = (globalThis.Deno ? Deno.args : process.argv.slice(2));
const f = openAppendFile(path);
f.lock();
console.log("locked " + fileLocking.primitive);
await new Promise((r) => setTimeout(r, Number(ms)));
f.write(new TextEncoder().encode("holder\\n"));
f.unlock();
f.close();
`,
  );
  return script;
}

async function waitForLine(child: Deno.ChildProcess): Promise<string> {
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  reader.releaseLock();
  return text.trim();
}

Deno.test("log_file: this runtime locks with flock(2)", () => {
  assert.equal(fileLocking.available, true, fileLocking.reason);
  assert.match(fileLocking.primitive, /^flock\(2\)/);
});

for (const holder of ["deno", "bun"] as const) {
  Deno.test({
    name: `log_file: a lock held by a ${holder} process makes this process's append wait for it`,
    ignore: holder === "bun" && !haveBun,
    async fn() {
      const dir = makeTemp("log-file-");
      const path = join(dir, "w.log");
      const script = holderScript(dir);
      const argv = holder === "deno"
        ? [Deno.execPath(), "run", "-A", "--no-config", script, path, "1200"]
        : [bun, script, path, "1200"];
      const child = new Deno.Command(argv[0] as string, { args: argv.slice(1), stdout: "piped", stderr: "inherit" })
        .spawn();
      const said = await waitForLine(child);
      assert.match(said, /^locked flock\(2\)/);
      const file = openAppendFile(path);
      const t0 = performance.now();
      file.lock(); // blocks until the holder lets go
      const waited = performance.now() - t0;
      file.write(new TextEncoder().encode("waiter\n"));
      file.unlock();
      file.close();
      await child.status;
      await child.stdout.cancel().catch(() => {});
      assert.ok(waited > 300, `the lock was not held against us (waited ${waited.toFixed(0)} ms)`);
      assert.equal(Deno.readTextFileSync(path), "holder\nwaiter\n", "the holder wrote first, the waiter after");
    },
  });
}

Deno.test("log_file: statPath names what a path is now; an open file keeps its own identity", () => {
  const dir = makeTemp("log-file-");
  const path = join(dir, "w.log");
  const file = openAppendFile(path);
  assert.equal(statPath(path).ino, file.ino);
  assert.equal(statPath(path).dev, file.dev);
  writeFileSync(join(dir, "other"), "x");
  renameSync(join(dir, "other"), path);
  assert.notEqual(statPath(path).ino, file.ino);
  assert.equal(file.stat().ino, file.ino);
  assert.throws(() => statPath(join(dir, "gone")), (err: unknown) => (err as { code?: string }).code === "ENOENT");
  file.close();
});

/** A script that waits at most `ms` for the lock on `path` and prints "locked" or the error's code and message. */
function waiterScript(dir: string): string {
  const script = join(dir, "waiter.ts");
  writeFileSync(
    script,
    `import { openAppendFile } from ${JSON.stringify(mod)};
const [path, ms] = (globalThis.Deno ? Deno.args : process.argv.slice(2));
const f = openAppendFile(path, { lockTimeoutMs: Number(ms) });
const t0 = performance.now();
try {
  f.lock();
  console.log(JSON.stringify({ locked: true, waited: performance.now() - t0 }));
} catch (e) {
  console.log(JSON.stringify({ locked: false, code: e.code, message: e.message, waited: performance.now() - t0 }));
}
f.close();
`,
  );
  return script;
}

for (const waiter of ["deno", "bun"] as const) {
  Deno.test({
    name: `log_file: a ${waiter} writer gives up on a lock held too long (ETIMEDOUT), never hangs`,
    ignore: waiter === "bun" && !haveBun,
    async fn() {
      const dir = makeTemp("log-file-");
      const path = join(dir, "w.log");
      const holder = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--no-config", holderScript(dir), path, "4000"],
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      try {
        assert.match(await waitForLine(holder), /^locked flock\(2\)/);
        const argv = waiter === "deno"
          ? [Deno.execPath(), "run", "-A", "--no-config", waiterScript(dir), path, "300"]
          : [bun, waiterScript(dir), path, "300"];
        const out = await new Deno.Command(argv[0] as string, { args: argv.slice(1), stderr: "inherit" }).output();
        const said = JSON.parse(new TextDecoder().decode(out.stdout));
        assert.equal(said.locked, false, `the ${waiter} writer took a lock another process holds`);
        assert.equal(said.code, "ETIMEDOUT");
        assert.match(said.message, /another process has held the lock for more than 0\.3 s/);
        assert.ok(said.waited >= 290 && said.waited < 3500, `gave up after ${said.waited} ms, expected about 300`);
      } finally {
        holder.kill("SIGKILL");
        await holder.status;
        await holder.stdout.cancel().catch(() => {});
      }
    },
  });
}
