/**
 * The ways to start safe-exec that end-to-end tests run against: the source under Deno, the source under Bun,
 * and compiled binaries (from `build.ts`, in dist/, or named by SAFE_EXEC_BIN).
 */
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DENO_RUN_FLAGS } from "../build.ts";

/** The repository root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Permission and V8 flags the binary is compiled with (build.ts); the source runs with the same. */
export const DENO_FLAGS: readonly string[] = DENO_RUN_FLAGS;

/** One way to run the program. */
export interface Target {
  /** A label for test names. */
  name: string;
  /** argv before the safe-exec arguments. */
  argv: string[];
}

const HOST = `${Deno.build.os === "darwin" ? "darwin" : Deno.build.os === "windows" ? "windows" : "linux"}-${
  Deno.build.arch === "aarch64" ? "arm64" : "x64"
}`;

/** All targets available here (binaries only for this host's os and arch). */
export function targets(): Target[] {
  const list: Target[] = [
    { name: "deno src", argv: [Deno.execPath(), "run", ...DENO_FLAGS, join(ROOT, "src/main.ts")] },
  ];
  const bun = join(ROOT, "node_modules/bun/bin/bun.exe");
  if (existsSync(bun)) list.push({ name: "bun src", argv: [bun, join(ROOT, "src/main.ts")] });
  const seen = new Set<string>();
  const env = Deno.env.get("SAFE_EXEC_BIN");
  for (const bin of env ? env.split(":") : []) {
    if (bin && existsSync(bin) && !seen.has(bin)) {
      seen.add(bin);
      list.push({ name: `binary ${bin.split("/").pop()}`, argv: [bin] });
    }
  }
  const dist = join(ROOT, "dist");
  if (existsSync(dist)) {
    for (const f of readdirSync(dist)) {
      const p = join(dist, f);
      if (f === `safe-exec-deno-${HOST}` || f === `safe-exec-bun-${HOST}`) {
        if (seen.has(p)) continue;
        seen.add(p);
        list.push({ name: `binary ${f}`, argv: [p] });
      }
    }
  }
  return list;
}

/**
 * The targets of the sandbox suites: `deno run` from source, and the Bun binary (from `build.ts`, in dist/ or named
 * by SAFE_EXEC_BIN), else Bun from source.
 */
export function sandboxTargets(): Target[] {
  const all = targets();
  const out = all.filter((t) => t.name === "deno src");
  const bun = all.find((t) => t.name.startsWith("binary safe-exec-bun")) ?? all.find((t) => t.name === "bun src");
  if (bun) out.push(bun);
  return out;
}

/**
 * Spawn `target` with `args` in `opts.cwd`, stdin, stdout and stderr piped, NO_COLOR set and `opts.env` added to
 * this process's environment.
 */
export function spawnTarget(
  target: Target,
  args: string[],
  opts: { cwd: string; env?: Record<string, string> },
): Deno.ChildProcess {
  const [cmd, ...rest] = target.argv;
  return new Deno.Command(cmd as string, {
    args: [...rest, ...args],
    cwd: opts.cwd,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...(opts.env ?? {}) },
  }).spawn();
}

/** The result of running a target to completion. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  lines: Array<Record<string, unknown>>;
}

/** Run a target with arguments and stdin bytes; parse stdout as JSON lines where it is. */
export async function run(
  target: Target,
  args: string[],
  opts: { cwd: string; stdin?: Uint8Array | string; env?: Record<string, string>; timeoutMs?: number },
): Promise<Run> {
  const child = spawnTarget(target, args, opts);
  // A hung server fails the test instead of hanging the suite.
  const limit = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }, opts.timeoutMs ?? 60_000);
  const w = child.stdin.getWriter();
  if (opts.stdin !== undefined) {
    await w.write(typeof opts.stdin === "string" ? new TextEncoder().encode(opts.stdin) : opts.stdin).catch(() => {});
  }
  await w.close().catch(() => {});
  const out = await child.output();
  clearTimeout(limit);
  const stdout = new TextDecoder().decode(out.stdout);
  const lines: Array<Record<string, unknown>> = [];
  for (const l of stdout.split("\n")) {
    if (!l.trim()) continue;
    try {
      lines.push(JSON.parse(l));
    } catch {
      // not JSON: the test looks at stdout itself
    }
  }
  return { code: out.code, stdout, stderr: new TextDecoder().decode(out.stderr), lines };
}
