/**
 * Builds the `safe-exec` binary: `deno compile` (default) or `bun build --compile`, for one target, the host, or
 * all of them; writes `<binary>.sha256` beside each binary and smoke-tests the host binary (`--version` and one
 * `info` request over stdin). A failed smoke test fails the build.
 *
 * ```sh
 * deno run --allow-read --allow-write --allow-run --allow-env build.ts [--runtime deno|bun] [--target NAME|host|all] [--out dist/]
 * ```
 *
 * `deno compile` downloads its runtime (`denort`) for the target; offline, point `DENORT_BIN` at a denort binary of
 * the same Deno version for the host target. Cross-compiling with Bun downloads the target's Bun the same way.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (this file's folder). */
export const ROOT: string = dirname(fileURLToPath(import.meta.url));

/** The runtimes a binary can be built with. */
export type RuntimeName = "deno" | "bun";

/** The targets a binary can be built for. */
export type TargetName = "linux-x64" | "linux-arm64" | "darwin-x64" | "darwin-arm64" | "windows-x64";

/** One target: its OS and CPU, and how each compiler names it. */
export interface TargetSpec {
  /** Our name, used in the output file name. */
  readonly name: TargetName;
  /** `Deno.build.os` of a machine that runs it. */
  readonly os: "linux" | "darwin" | "windows";
  /** `Deno.build.arch` of a machine that runs it. */
  readonly arch: "x86_64" | "aarch64";
  /** `deno compile --target` triple. */
  readonly deno: string;
  /** `bun build --compile --target` name. */
  readonly bun: string;
  /** The binary's file-name suffix (".exe" on Windows). */
  readonly suffix: "" | ".exe";
}

/** Every target, in the order `--target all` builds them. */
export const TARGETS: Readonly<Record<TargetName, TargetSpec>> = {
  "linux-x64": {
    name: "linux-x64",
    os: "linux",
    arch: "x86_64",
    deno: "x86_64-unknown-linux-gnu",
    bun: "bun-linux-x64",
    suffix: "",
  },
  "linux-arm64": {
    name: "linux-arm64",
    os: "linux",
    arch: "aarch64",
    deno: "aarch64-unknown-linux-gnu",
    bun: "bun-linux-arm64",
    suffix: "",
  },
  "darwin-x64": {
    name: "darwin-x64",
    os: "darwin",
    arch: "x86_64",
    deno: "x86_64-apple-darwin",
    bun: "bun-darwin-x64",
    suffix: "",
  },
  "darwin-arm64": {
    name: "darwin-arm64",
    os: "darwin",
    arch: "aarch64",
    deno: "aarch64-apple-darwin",
    bun: "bun-darwin-arm64",
    suffix: "",
  },
  "windows-x64": {
    name: "windows-x64",
    os: "windows",
    arch: "x86_64",
    deno: "x86_64-pc-windows-msvc",
    bun: "bun-windows-x64",
    suffix: ".exe",
  },
};

/**
 * The permissions baked into the Deno binary — exactly these, never `-A`. The binary can never exceed them, and
 * `deno run src/main.ts` gets the same (tests/_targets.ts `DENO_FLAGS` must stay equal to this). `--allow-net` is
 * for Streamable HTTP upstreams of the gateway (config `servers.<name>.url`): safe-exec itself connects only to the
 * URLs its config names. Tools never inherit it: file tools run in workers with `net: false`, and shell tools in
 * the bubblewrap sandbox with no network; a process started under `sandbox: "none"` has no Deno permissions to
 * begin with, so withholding net from this process would not keep it off the network.
 */
export const DENO_PERMISSION_FLAGS: readonly string[] = [
  "--unstable-worker-options",
  "--allow-read",
  "--allow-write",
  "--allow-run",
  "--allow-env",
  "--allow-net",
];

/**
 * V8 flags for every Deno run of the server. `--max-semi-space-size=2` (MiB) caps V8's young generation: by
 * default V8 doubles it whenever the bytes that survived scavenges since the last growth exceed its size, which a
 * server's steady stream of short-lived call objects always does sooner or later, so a session's resident memory
 * climbed by 64 MiB of young generation over its first few hundred thousand calls (Bun's collector does not do
 * this). Measured with 100,000 `serve` reads: RSS +72 % from call 10,000 to 100,000 without the flag, +6 % with it.
 */
export const DENO_V8_FLAGS: readonly string[] = ["--v8-flags=--max-semi-space-size=2"];

/**
 * Everything `deno run src/main.ts` and `deno compile` get: {@linkcode DENO_PERMISSION_FLAGS} and
 * {@linkcode DENO_V8_FLAGS} (tests/_targets.ts `DENO_FLAGS` and deno.json's tasks spell the same).
 */
export const DENO_RUN_FLAGS: readonly string[] = [...DENO_PERMISSION_FLAGS, ...DENO_V8_FLAGS];

/**
 * Folders of the local node_modules that the program never loads (toolchains, types, the MCP servers the tests
 * and benchmarks run). With `nodeModulesDir: "manual"` deno compile embeds the whole node_modules folder; these would add
 * about 200 MB to the binary.
 */
export const DENO_COMPILE_EXCLUDES: readonly string[] = [
  "node_modules/.bin",
  "node_modules/bun",
  "node_modules/@oven",
  "node_modules/deno",
  "node_modules/@deno",
  "node_modules/@types",
  "node_modules/undici-types",
  "node_modules/typescript",
  "node_modules/@modelcontextprotocol/server-filesystem",
  "node_modules/@modelcontextprotocol/server-memory",
  "node_modules/@modelcontextprotocol/server-everything",
  // the shell-parser comparison only (_tools/parser_compare.ts)
  "node_modules/web-tree-sitter",
  "node_modules/tree-sitter-bash",
  "node_modules/node-addon-api",
  "node_modules/node-gyp-build",
  // gpt-tokenizer is loaded as ESM: its CommonJS build, TypeScript sources and raw .tiktoken files are not
  "node_modules/gpt-tokenizer/cjs",
  "node_modules/gpt-tokenizer/src",
  "node_modules/gpt-tokenizer/data",
];

/** Modules loaded by URL at run time (workers), which deno compile cannot find by itself; included when present. */
export const DENO_COMPILE_INCLUDES: readonly string[] = ["src/isolation/files/worker_entry.ts"];

/**
 * `bun build --compile` options besides target and output:
 * - `--minify`, `--bytecode --format=esm`: the smallest start-up (bytecode halves the time to the first answer);
 * - `--splitting`: each dynamic `import()` (every command of src/cli/run.ts, the tokenizers, the config parser)
 *   becomes a chunk of its own inside the executable, loaded when the import runs. Without it the whole program
 *   is one module: every command's code is linked at start, and every `node:` built-in any module imports
 *   (`node:crypto`, `node:child_process`, `node:fs/promises`, …) is loaded before the first line runs. Measured
 *   on one hook event (issue 14): 34 ms without, 27 ms with (`bun -e 1`: 22 ms);
 * - `--sourcemap=linked`: the map is embedded in the executable, so stack traces name the source lines;
 * - no `.env` and no `bunfig.toml` read from the working directory: the gate's behaviour must not change with
 *   files in the folder it is started in (bunfig's `preload` would even run code).
 */
export const BUN_BUILD_FLAGS: readonly string[] = [
  "--minify",
  "--bytecode",
  "--format=esm",
  "--splitting",
  "--sourcemap=linked",
  "--no-compile-autoload-dotenv",
  "--no-compile-autoload-bunfig",
];

/** The entry point, relative to the root. */
export const ENTRY = "src/main.ts";

/** Options of one build.ts run. */
export interface BuildOptions {
  /** Which compiler. */
  runtime: RuntimeName;
  /** Which targets. */
  targets: TargetName[];
  /** Output folder. */
  out: string;
  /** Skip the smoke test of the host binary (`--no-smoke`). */
  smoke: boolean;
}

/** Bad build.ts command line. */
export class BuildUsageError extends Error {
  /** Make one. */
  constructor(message: string) {
    super(message);
    this.name = "BuildUsageError";
  }
}

/**
 * The target this machine runs, or null when it is none of {@linkcode TARGETS}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hostTarget } from "./build.ts";
 * assert.ok(hostTarget("linux", "x86_64") === "linux-x64");
 * assert.ok(hostTarget("freebsd", "x86_64") === null);
 * ```
 */
export function hostTarget(os: string = Deno.build.os, arch: string = Deno.build.arch): TargetName | null {
  for (const t of Object.values(TARGETS)) if (t.os === os && t.arch === arch) return t.name;
  return null;
}

/**
 * Parse build.ts's arguments: `--runtime deno|bun` (default deno), `--target NAME|host|all` (default host, may be
 * repeated or comma-separated), `--out DIR` (default dist/), `--no-smoke`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseBuildArgs } from "./build.ts";
 * const o = parseBuildArgs(["--runtime=bun", "--target", "linux-arm64,darwin-arm64"], "linux-x64");
 * assert.ok(o.runtime === "bun" && o.targets.join() === "linux-arm64,darwin-arm64" && o.out === "dist");
 * ```
 */
export function parseBuildArgs(argv: readonly string[], host: TargetName | null = hostTarget()): BuildOptions {
  const options: BuildOptions = { runtime: "deno", targets: [], out: "dist", smoke: true };
  const wanted: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--no-smoke") {
      options.smoke = false;
      continue;
    }
    const m = /^--(runtime|target|out)(?:=(.*))?$/.exec(arg);
    if (!m) throw new BuildUsageError(`Unknown argument ${JSON.stringify(arg)}; expected --runtime, --target, --out`);
    const name = m[1] as "runtime" | "target" | "out";
    const value = m[2] ?? argv[++i];
    if (value === undefined || value === "") throw new BuildUsageError(`--${name} needs a value`);
    if (name === "runtime") {
      if (value !== "deno" && value !== "bun") {
        throw new BuildUsageError(`--runtime must be deno or bun, got ${JSON.stringify(value)}`);
      }
      options.runtime = value;
    } else if (name === "out") {
      options.out = value.replace(/\/+$/, "") || "/";
    } else {
      wanted.push(...value.split(","));
    }
  }
  if (wanted.length === 0) wanted.push("host");
  for (const w of wanted) {
    let names: TargetName[];
    if (w === "all") names = Object.keys(TARGETS) as TargetName[];
    else if (w === "host") {
      if (host === null) {
        throw new BuildUsageError(
          `This machine (${Deno.build.os} ${Deno.build.arch}) is not a known target; name one with --target`,
        );
      }
      names = [host];
    } else if (Object.hasOwn(TARGETS, w)) names = [w as TargetName];
    else {
      throw new BuildUsageError(
        `Unknown target ${JSON.stringify(w)}; expected host, all or one of ${Object.keys(TARGETS).join(", ")}`,
      );
    }
    for (const n of names) if (!options.targets.includes(n)) options.targets.push(n);
  }
  return options;
}

/**
 * The binary's file name: `safe-exec-<runtime>-<target>` (+ `.exe` on Windows).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { binaryName } from "./build.ts";
 * assert.ok(binaryName("bun", "linux-x64") === "safe-exec-bun-linux-x64");
 * assert.ok(binaryName("deno", "windows-x64") === "safe-exec-deno-windows-x64.exe");
 * ```
 */
export function binaryName(runtime: RuntimeName, target: TargetName): string {
  return `safe-exec-${runtime}-${target}${TARGETS[target].suffix}`;
}

/**
 * One line of a `sha256sum` file (two spaces, then the file name), so `sha256sum -c` works in its folder.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sha256Line } from "./build.ts";
 * assert.ok(sha256Line("ab".repeat(32), "safe-exec-bun-linux-x64") === "ab".repeat(32) + "  safe-exec-bun-linux-x64\n");
 * ```
 */
export function sha256Line(hex: string, fileName: string): string {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new TypeError(`Not a sha256 hex digest: ${JSON.stringify(hex)}`);
  if (/[\n\\]/.test(fileName)) throw new TypeError(`File name unfit for a sha256sum line: ${JSON.stringify(fileName)}`);
  return `${hex}  ${fileName}\n`;
}

/**
 * The sha256 of a file, as hex, read in chunks.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sha256File } from "./build.ts";
 * const f = Deno.makeTempFileSync();
 * Deno.writeTextFileSync(f, "abc");
 * assert.ok((await sha256File(f)).startsWith("ba7816bf"));
 * ```
 */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path, { read: true });
  const buf = new Uint8Array(1 << 20);
  for (;;) {
    const n = await file.read(buf);
    if (n === null) break;
    hash.update(buf.subarray(0, n));
  }
  return hash.digest("hex");
}

/** The version in deno.json (the binary reports the same). */
export function readVersion(root: string = ROOT): string {
  const meta = JSON.parse(readFileSync(join(root, "deno.json"), "utf8")) as { version?: unknown };
  if (typeof meta.version !== "string") throw new Error(`deno.json has no "version" string`);
  return meta.version;
}

/**
 * The `deno compile` argv (after the deno executable) for one target.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { denoCompileArgs } from "./build.ts";
 * const a = denoCompileArgs("linux-x64", "dist/safe-exec-deno-linux-x64", { exists: () => false });
 * assert.ok(a.includes("--allow-run") && a.includes("--allow-net") && !a.includes("-A") && !a.includes("--allow-all"));
 * assert.ok(a.at(-1) === "src/main.ts" && a[a.indexOf("--target") + 1] === "x86_64-unknown-linux-gnu");
 * ```
 */
export function denoCompileArgs(
  target: TargetName,
  output: string,
  opts: { exists?: (relativePath: string) => boolean } = {},
): string[] {
  const exists = opts.exists ?? ((p: string) => existsSync(join(ROOT, p)));
  const args = ["compile", ...DENO_RUN_FLAGS, "--target", TARGETS[target].deno, "--output", output];
  for (const inc of DENO_COMPILE_INCLUDES) if (exists(inc)) args.push("--include", inc);
  for (const ex of DENO_COMPILE_EXCLUDES) if (exists(ex)) args.push("--exclude", ex);
  args.push(ENTRY);
  return args;
}

/**
 * The `bun build` argv (after the bun executable) for one target.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bunBuildArgs } from "./build.ts";
 * const a = bunBuildArgs("darwin-arm64", "dist/safe-exec-bun-darwin-arm64");
 * assert.ok(a.includes("--target=bun-darwin-arm64") && a.includes("--compile"));
 * ```
 */
export function bunBuildArgs(target: TargetName, output: string): string[] {
  return ["build", "--compile", `--target=${TARGETS[target].bun}`, ...BUN_BUILD_FLAGS, ENTRY, "--outfile", output];
}

/** The Bun executable: node_modules' real binary, else `BUN`, else `bun` on PATH. */
export function bunExecutable(root: string = ROOT): string {
  const local = join(root, "node_modules/bun/bin/bun.exe");
  if (existsSync(local)) return local;
  return Deno.env.get("BUN") ?? "bun";
}

/**
 * A one-line explanation when a compiler's output says it could not download the runtime it builds on, else null.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { explainDownloadFailure } from "./build.ts";
 * const err = "error: Writing deno compile executable\n    0: Setting up base binary.\n    1: error sending request for url (https://example/denort-x86_64-unknown-linux-gnu.zip): dns error";
 * assert.ok(explainDownloadFailure("deno", "linux-x64", err)!.includes("DENORT_BIN"));
 * assert.ok(explainDownloadFailure("deno", "linux-x64", "error: TS2322 [ERROR]") === null);
 * ```
 */
export function explainDownloadFailure(runtime: RuntimeName, target: TargetName, stderr: string): string | null {
  const network =
    /error sending request|dns error|failed to lookup address|Connect|timed out|ECONNREFUSED|ENOTFOUND|network|Unable to connect|Failed to download|download/i;
  if (runtime === "deno") {
    if (/denort|Setting up base binary/i.test(stderr) && network.test(stderr)) {
      return `deno compile could not download its runtime (denort ${Deno.version.deno}, ${TARGETS[target].deno}); ` +
        `set DENORT_BIN=/path/to/denort (same version and target) or build where the network reaches Deno's downloads`;
    }
    return null;
  }
  if (network.test(stderr)) {
    return `bun build --compile could not download Bun for ${TARGETS[target].bun} (cross-compiling needs the ` +
      `target's Bun); build on that platform or where the network reaches Bun's downloads`;
  }
  return null;
}

/** The result of building one target. */
export interface BuiltBinary {
  /** Which compiler. */
  runtime: RuntimeName;
  /** Which target. */
  target: TargetName;
  /** Path of the binary. */
  path: string;
  /** Its sha256 (also in `<path>.sha256`). */
  sha256: string;
  /** Its size in bytes. */
  bytes: number;
  /** "passed", or why the smoke test did not run. */
  smoke: "passed" | "skipped: not the host target" | "skipped: --no-smoke";
}

/** A build step that failed, with a one-line reason. */
export class BuildError extends Error {
  /** Make one. */
  constructor(message: string) {
    super(message);
    this.name = "BuildError";
  }
}

async function runTool(
  cmd: string,
  args: string[],
  env: Record<string, string | undefined>,
): Promise<{ code: number; stderr: string }> {
  const fullEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(Deno.env.toObject())) fullEnv[k] = v;
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete fullEnv[k];
    else fullEnv[k] = v;
  }
  const out = await new Deno.Command(cmd, {
    args,
    cwd: ROOT,
    env: fullEnv,
    clearEnv: true,
    stdin: "null",
    stdout: "inherit",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  return { code: out.code, stderr };
}

/** The last lines of a tool's stderr, without colour codes. */
function tail(text: string, lines = 15): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, "").trimEnd().split("\n").slice(-lines).join("\n");
}

/**
 * Run a binary as a user would: `--version`, then `serve` with one `{"id":1,"type":"info"}` line on stdin; throws a
 * {@linkcode BuildError} unless both answer as they must.
 */
export async function smokeTest(binary: string, runtime: RuntimeName, version: string): Promise<void> {
  const cwd = mkdtempSync(join(tmpdir(), "safe-exec-smoke-"));
  try {
    const run = async (args: string[], stdin: string) => {
      const child = new Deno.Command(binary, {
        args,
        cwd,
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1" },
      }).spawn();
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
      }, 30_000);
      const w = child.stdin.getWriter();
      await w.write(new TextEncoder().encode(stdin)).catch(() => {});
      await w.close().catch(() => {});
      const out = await child.output();
      clearTimeout(timer);
      const dec = new TextDecoder();
      return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
    };
    const v = await run(["--version"], "");
    const expected = `safe-exec ${version} (${runtime} `;
    if (v.code !== 0 || !v.stdout.startsWith(expected)) {
      const hint = /^deno \d/.test(v.stdout)
        ? " (the binary is the Deno CLI itself: DENORT_BIN points at deno, not at denort)"
        : "";
      throw new BuildError(
        `smoke test: ${basename(binary)} --version exited ${v.code} printing ${
          JSON.stringify(v.stdout.slice(0, 200))
        }; ` +
          `expected "${expected}…"${hint}${v.stderr ? `; stderr: ${tail(v.stderr, 5)}` : ""}`,
      );
    }
    const s = await run(["serve", "--confirm", "deny"], JSON.stringify({ id: 1, type: "info" }) + "\n");
    const lines = s.stdout.split("\n").filter((l) => l.trim() !== "");
    let info: Record<string, unknown> | null = null;
    try {
      info = lines.length === 1 ? JSON.parse(lines[0] as string) : null;
    } catch { /* reported below */ }
    const rt = info?.runtime as { name?: unknown } | undefined;
    const ok = s.code === 0 && info !== null && info.id === 1 && info.type === "info" && info.version === version &&
      info.protocol === 1 && rt?.name === runtime && typeof info.workspace === "string";
    if (!ok) {
      throw new BuildError(
        `smoke test: ${basename(binary)} serve answered ${JSON.stringify(s.stdout.slice(0, 400))} (exit ${s.code}) ` +
          `to {"id":1,"type":"info"}; expected exactly one info line with version ${version}, protocol 1, runtime ` +
          `${runtime}${s.stderr ? `; stderr: ${tail(s.stderr, 5)}` : ""}`,
      );
    }
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

/** Build one target; throws a {@linkcode BuildError} with a one-line reason on failure. */
export async function buildOne(
  runtime: RuntimeName,
  target: TargetName,
  options: {
    out: string;
    smoke: boolean;
    version: string;
    host: TargetName | null;
    /** A denort binary for this target (deno only), or undefined to let deno compile download it. */
    denort?: string | undefined;
  },
): Promise<BuiltBinary> {
  const outDir = resolve(ROOT, options.out);
  mkdirSync(outDir, { recursive: true });
  const name = binaryName(runtime, target);
  const path = join(outDir, name);
  // never leave a stale binary (or sum) that tests would pick up when this build fails
  rmSync(path, { force: true });
  rmSync(`${path}.sha256`, { force: true });
  let result: { code: number; stderr: string };
  if (runtime === "deno") {
    const denort = options.denort;
    const env: Record<string, string | undefined> = { DENORT_BIN: denort };
    if (denort !== undefined && !existsSync(denort)) {
      throw new BuildError(`DENORT_BIN=${denort} does not exist; point it at a denort ${Deno.version.deno} binary`);
    }
    result = await runTool(Deno.execPath(), denoCompileArgs(target, path), env);
  } else {
    // The maps are embedded in the binary, yet bun also writes a copy of each (one per chunk) beside it: build in
    // a folder of its own and keep only the binary.
    const scratch = mkdtempSync(join(outDir, `.${name}-build-`));
    try {
      result = await runTool(bunExecutable(), bunBuildArgs(target, join(scratch, name)), {});
      if (existsSync(join(scratch, name))) renameSync(join(scratch, name), path);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  if (result.code !== 0 || !existsSync(path)) {
    rmSync(path, { force: true });
    const why = explainDownloadFailure(runtime, target, result.stderr);
    if (why) throw new BuildError(why);
    throw new BuildError(
      `${runtime === "deno" ? "deno compile" : "bun build --compile"} failed for ${target} (exit ${result.code}):\n` +
        tail(result.stderr),
    );
  }
  let smoke: BuiltBinary["smoke"] = "skipped: --no-smoke";
  if (options.smoke) {
    if (target === options.host) {
      try {
        await smokeTest(path, runtime, options.version);
      } catch (e) {
        rmSync(path, { force: true }); // a binary that fails its smoke test is not left for anyone to use
        throw e;
      }
      smoke = "passed";
    } else {
      smoke = "skipped: not the host target";
    }
  }
  const sha256 = await sha256File(path);
  writeFileSync(`${path}.sha256`, sha256Line(sha256, name));
  return { runtime, target, path, sha256, bytes: statSync(path).size, smoke };
}

/** Build every target of `options`; one result per target, a BuildError per failure. */
export async function build(options: BuildOptions): Promise<Array<BuiltBinary | BuildError>> {
  const version = readVersion();
  const host = hostTarget();
  const results: Array<BuiltBinary | BuildError> = [];
  const denortBin = Deno.env.get("DENORT_BIN") || undefined;
  for (const target of options.targets) {
    // DENORT_BIN is one denort binary: it serves the one target asked for, or the host target among several,
    // and never stands in for another target's runtime.
    const denort = options.targets.length === 1 || target === host ? denortBin : undefined;
    try {
      const built = await buildOne(options.runtime, target, {
        out: options.out,
        smoke: options.smoke,
        version,
        host,
        denort,
      });
      results.push(built);
    } catch (e) {
      results.push(e instanceof BuildError ? e : new BuildError(`${target}: ${(e as Error).message}`));
    }
  }
  return results;
}

async function main(argv: string[]): Promise<number> {
  let options: BuildOptions;
  try {
    options = parseBuildArgs(argv);
  } catch (e) {
    console.error(`build.ts: ${(e as Error).message}`);
    return 2;
  }
  const version = readVersion();
  console.error(`build.ts: safe-exec ${version}, ${options.runtime}, targets ${options.targets.join(", ")}`);
  const results = await build(options);
  let failed = 0;
  for (const [i, r] of results.entries()) {
    const target = options.targets[i] as TargetName;
    if (r instanceof BuildError) {
      failed++;
      console.error(`build.ts: FAILED ${binaryName(options.runtime, target)}: ${r.message}`);
    } else {
      const mib = (r.bytes / 1024 / 1024).toFixed(1);
      console.error(`build.ts: built ${r.path} (${mib} MiB, sha256 ${r.sha256.slice(0, 16)}…, smoke test ${r.smoke})`);
    }
  }
  return failed === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
