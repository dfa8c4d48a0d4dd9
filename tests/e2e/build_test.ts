/**
 * build.ts: the target table, argument parsing and sums format in-process; then a real `--runtime bun` build into
 * a temporary folder with its smoke test (and `sha256sum -c`), and the Deno build where a denort is at hand.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  binaryName,
  build,
  BuildError,
  BuildUsageError,
  BUN_BUILD_FLAGS,
  bunBuildArgs,
  DENO_PERMISSION_FLAGS,
  DENO_RUN_FLAGS,
  denoCompileArgs,
  explainDownloadFailure,
  hostTarget,
  parseBuildArgs,
  readVersion,
  ROOT,
  sha256File,
  sha256Line,
  smokeTest,
  type TargetName,
  TARGETS,
} from "../../build.ts";
import { DENO_FLAGS } from "../_targets.ts";

const ALL: TargetName[] = ["linux-x64", "linux-arm64", "darwin-x64", "darwin-arm64", "windows-x64"];

Deno.test("the target table names each target for deno compile and bun build", () => {
  assert.deepEqual(Object.keys(TARGETS), ALL);
  const expected: Record<TargetName, [string, string]> = {
    "linux-x64": ["x86_64-unknown-linux-gnu", "bun-linux-x64"],
    "linux-arm64": ["aarch64-unknown-linux-gnu", "bun-linux-arm64"],
    "darwin-x64": ["x86_64-apple-darwin", "bun-darwin-x64"],
    "darwin-arm64": ["aarch64-apple-darwin", "bun-darwin-arm64"],
    "windows-x64": ["x86_64-pc-windows-msvc", "bun-windows-x64"],
  };
  for (const t of ALL) {
    assert.equal(TARGETS[t].name, t);
    assert.deepEqual([TARGETS[t].deno, TARGETS[t].bun], expected[t]);
    assert.equal(TARGETS[t].suffix, t === "windows-x64" ? ".exe" : "");
  }
  assert.equal(hostTarget("linux", "aarch64"), "linux-arm64");
  assert.equal(hostTarget("darwin", "aarch64"), "darwin-arm64");
  assert.equal(hostTarget("windows", "x86_64"), "windows-x64");
  assert.equal(hostTarget("windows", "aarch64"), null);
  assert.equal(binaryName("deno", "darwin-x64"), "safe-exec-deno-darwin-x64");
  assert.equal(binaryName("bun", "windows-x64"), "safe-exec-bun-windows-x64.exe");
});

Deno.test("the baked-in permissions are exactly the ones deno run gets in the tests: never -A", () => {
  // deno.json's tasks cannot import the constant: they must spell exactly the same flags.
  const tasks = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8")).tasks as Record<string, string>;
  for (const name of ["serve", "demo", "bench", "faults"]) {
    const flags = (tasks[name] ?? "").split(" ").filter((w) => w.startsWith("--"));
    assert.deepEqual(flags, [...DENO_RUN_FLAGS], `deno task ${name}`);
  }
  // The run flags are the permissions plus the V8 flags that keep a long session's memory flat.
  assert.deepEqual(DENO_RUN_FLAGS.slice(0, DENO_PERMISSION_FLAGS.length), DENO_PERMISSION_FLAGS);
  assert.ok(DENO_RUN_FLAGS.includes("--v8-flags=--max-semi-space-size=2"));
  const args = denoCompileArgs("linux-arm64", "out/x", { exists: (p) => p === "src/isolation/files/worker_entry.ts" });
  assert.equal(args[0], "compile");
  assert.deepEqual(args.slice(1, 1 + DENO_FLAGS.length), DENO_FLAGS);
  assert.ok(!args.some((a) => a === "-A" || a === "--allow-all" || a === "--no-check"));
  // no permission beyond these five (ffi, sys and import stay off)
  assert.deepEqual(
    args.filter((a) => a.startsWith("--allow-")),
    ["--allow-read", "--allow-write", "--allow-run", "--allow-env", "--allow-net"],
  );
  assert.equal(args[args.indexOf("--target") + 1], "aarch64-unknown-linux-gnu");
  assert.equal(args[args.indexOf("--output") + 1], "out/x");
  assert.equal(args[args.indexOf("--include") + 1], "src/isolation/files/worker_entry.ts");
  assert.equal(args.at(-1), "src/main.ts");
  assert.ok(!denoCompileArgs("linux-x64", "o", { exists: () => false }).includes("--include"), "only when present");
  const b = bunBuildArgs("windows-x64", "dist/safe-exec-bun-windows-x64.exe");
  assert.deepEqual(b.slice(0, 3), ["build", "--compile", "--target=bun-windows-x64"]);
  assert.ok(
    BUN_BUILD_FLAGS.includes("--no-compile-autoload-dotenv") &&
      BUN_BUILD_FLAGS.includes("--no-compile-autoload-bunfig"),
  );
  assert.deepEqual(b.slice(-3), ["src/main.ts", "--outfile", "dist/safe-exec-bun-windows-x64.exe"]);
});

Deno.test("argument parsing: defaults, forms, all, host, and one-line usage errors", () => {
  assert.deepEqual(parseBuildArgs([], "linux-x64"), {
    runtime: "deno",
    targets: ["linux-x64"],
    out: "dist",
    smoke: true,
  });
  assert.deepEqual(parseBuildArgs(["--runtime", "bun", "--target=all", "--out", "build/", "--no-smoke"], "linux-x64"), {
    runtime: "bun",
    targets: ALL,
    out: "build",
    smoke: false,
  });
  assert.deepEqual(
    parseBuildArgs(["--target", "host", "--target", "windows-x64,linux-x64"], "linux-x64").targets,
    ["linux-x64", "windows-x64"],
  );
  for (
    const [argv, msg] of [
      [["--runtime", "node"], /--runtime must be deno or bun, got "node"/],
      [["--target", "beos-x64"], /Unknown target "beos-x64"; expected host, all or one of linux-x64/],
      [["--out"], /--out needs a value/],
      [["-A"], /Unknown argument "-A"/],
    ] as const
  ) {
    assert.throws(
      () => parseBuildArgs([...argv], "linux-x64"),
      (e) => e instanceof BuildUsageError && msg.test(e.message),
    );
  }
  assert.throws(() => parseBuildArgs([], null), /not a known target; name one with --target/);
});

Deno.test("sums are in sha256sum format; download failures are explained in one line", async () => {
  const dir = mkdtempSync(join(tmpdir(), "se-build-"));
  try {
    const f = join(dir, "f");
    Deno.writeTextFileSync(f, "hello\n");
    const hex = await sha256File(f);
    assert.equal(hex, "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
    assert.equal(sha256Line(hex, "f"), `${hex}  f\n`);
    assert.throws(() => sha256Line("xyz", "f"), TypeError);
    assert.throws(() => sha256Line(hex, "a\nb"), TypeError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const denoErr = "error: Writing deno compile executable\n    0: Setting up base binary.\n" +
    "    1: error sending request for url (https://x.invalid/denort-x86_64-unknown-linux-gnu.zip): dns error";
  const why = explainDownloadFailure("deno", "linux-x64", denoErr);
  assert.ok(why && !why.includes("\n") && /DENORT_BIN/.test(why) && /network/.test(why), String(why));
  assert.equal(explainDownloadFailure("deno", "linux-x64", "error: TS2322 [ERROR]: Type 'string'…"), null);
});

const host = hostTarget();
const bun = join(ROOT, "node_modules/bun/bin/bun.exe");
const bunMissing = host === null || !existsSync(bun);
if (bunMissing) console.log(`build_test: the bun build test is ignored: no node_modules/bun or unknown host target`);

Deno.test({
  name: "build.ts --runtime bun builds the host binary, which passes its smoke test and sha256sum -c",
  ignore: bunMissing,
  async fn() {
    const out = mkdtempSync(join(tmpdir(), "se-build-bun-"));
    try {
      const [r] = await build({ runtime: "bun", targets: [host as TargetName], out, smoke: true });
      if (r instanceof BuildError) throw r;
      assert.ok(r);
      assert.equal(r.smoke, "passed");
      const name = binaryName("bun", host as TargetName);
      assert.equal(r.path, join(out, name));
      assert.deepEqual(readdirSync(out).sort(), [name, `${name}.sha256`], "no stray source map beside the binary");
      assert.equal(readFileSync(join(out, `${name}.sha256`), "utf8"), `${r.sha256}  ${name}\n`);
      const check = await new Deno.Command("sha256sum", { args: ["-c", `${name}.sha256`], cwd: out }).output()
        .catch(() => null);
      if (check) assert.equal(check.code, 0, new TextDecoder().decode(check.stderr));
      // the smoke test is a real check: a binary that is not safe-exec fails it
      await assert.rejects(smokeTest(bun, "bun", readVersion()), /smoke test: .*--version/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  },
});

const denort = Deno.env.get("DENORT_BIN");
if (!denort) {
  console.log(
    "build_test: the deno compile build test is ignored: DENORT_BIN is not set (deno compile downloads denort, " +
      "which needs the network; set DENORT_BIN=/path/to/denort to run it)",
  );
}

Deno.test({
  name: "build.ts --runtime deno builds the host binary with DENORT_BIN, which passes its smoke test",
  ignore: !denort || host === null,
  async fn() {
    const out = mkdtempSync(join(tmpdir(), "se-build-deno-"));
    try {
      const [r] = await build({ runtime: "deno", targets: [host as TargetName], out, smoke: true });
      if (r instanceof BuildError) throw r;
      assert.equal(r?.smoke, "passed");
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  },
});
