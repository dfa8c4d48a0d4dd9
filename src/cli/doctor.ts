/**
 * `safe-exec doctor`: which isolation layers this machine gives, and why not. Each layer is printed as active or
 * not with the reason, then two live checks prove the active ones: a file read through the file layer and a
 * sandboxed `bash -c 'echo ok'`, both in a throw-away workspace. Always exits 0 (it reports, it does not judge).
 *
 * @module
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { runSandboxed } from "../builtins/process_tools.ts";
import { resolveConfig } from "../config/resolve.ts";
import { checkWitness, checkWorkspace, isDefaultWorkspace, type PathCheck } from "../config/startup.ts";
import { defaultConfig, type SafeExecConfig } from "../config/types.ts";
import { operatorBareRepository, readText } from "../git/dirs.ts";
import { createIsolation, type LayerStatus } from "../isolation/mod.ts";
import type { BwrapSandbox, SandboxView } from "../isolation/process/bwrap.ts";
import type { Runtime } from "../runtime/types.ts";
import { overrides } from "./args.ts";
import type { Command } from "./_context.ts";

/** Options of {@linkcode runDoctor}. */
export interface DoctorOptions {
  /** The config to check (default: `./safe-exec.jsonc` if present, else the defaults). */
  config?: SafeExecConfig;
  /** Skip the live checks (default false). */
  skipLiveChecks?: boolean;
  /** Whether the config's workspace is the default one (created at start without a word). Default true. */
  workspaceIsDefault?: boolean;
}

/** What doctor found, for tests and callers that want data. */
export interface DoctorReport {
  /** The runtime. */
  runtime: string;
  /** Each layer. */
  layers: LayerStatus[];
  /** Live checks: name, ok, detail; `advice`: a recommendation, shown as a warning when not followed. */
  checks: { name: string; ok: boolean; detail: string; advice?: boolean }[];
  /** The workspace and the witness log, as a server would find them at start-up (nothing is created). */
  paths: PathCheck[];
  /** What the process sandbox can read and write on this machine (null without the bwrap sandbox). */
  mounts: { workspace: string; view: SandboxView | null; error: string | null } | null;
}

function loadConfig(): { config: SafeExecConfig; note: string } {
  try {
    const c = resolveConfig({}, process.cwd());
    return { config: c, note: c.configPath ? `config ${c.configPath}` : "no config file: defaults" };
  } catch (e) {
    return { config: defaultConfig(process.cwd()), note: `config not usable (${(e as Error).message}): defaults` };
  }
}

/**
 * Inspect the layers (and run the live checks) without printing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { doctorReport } from "./doctor.ts";
 * import { currentRuntime } from "../runtime/mod.ts";
 * const r = await doctorReport(await currentRuntime(), { skipLiveChecks: true });
 * assert.ok(r.layers.some((l) => l.layer === "OS sandbox"));
 * ```
 */
export async function doctorReport(runtime: Runtime, options: DoctorOptions = {}): Promise<DoctorReport> {
  const config = options.config ?? loadConfig().config;
  const paths = [
    checkWorkspace(config.workspace, options.workspaceIsDefault ?? true),
    checkWitness(config.witness.path),
  ];
  const iso = createIsolation(config, runtime);
  const checks: DoctorReport["checks"] = [];
  let dir: string | null = null;
  let mounts: DoctorReport["mounts"] = null;
  try {
    const layers = iso.layers();
    const bwrap = iso.sandbox.describe().sandbox === "bwrap" ? iso.sandbox as BwrapSandbox : null;
    if (bwrap) {
      let workspace: string;
      try {
        workspace = realpathSync(config.workspace);
      } catch {
        // not made yet: show the plan for a fresh one
        dir = realpathSync(mkdtempSync(join(tmpdir(), "safe-exec-doctor-")));
        workspace = join(dir, "ws");
        mkdirSync(workspace);
      }
      try {
        mounts = { workspace, view: bwrap.view(workspace), error: null };
      } catch (e) {
        mounts = { workspace, view: null, error: (e as Error).message };
      }
    }
    const bare = operatorBareRepository(readText);
    checks.push({
      name: "git safe.bareRepository",
      ok: bare.value === "explicit",
      advice: true,
      detail: bare.value === "explicit"
        ? `explicit (${bare.file}): the host's git never takes a folder the agent shaped like a bare repository for one`
        : `${bare.value ?? "not set"}: recommended: git config --global safe.bareRepository explicit (a folder of ` +
          `plain files shaped like a bare repository would otherwise run its config when your git runs there)`,
    });
    if (!options.skipLiveChecks) {
      dir ??= realpathSync(mkdtempSync(join(tmpdir(), "safe-exec-doctor-")));
      const ws = join(dir, "live");
      mkdirSync(ws);
      writeFileSync(join(ws, "probe.txt"), "ok");
      try {
        const t = performance.now();
        const v = await iso.files.run("read_file", ws, { path: "probe.txt" });
        const f = iso.files.describe();
        const w = f.confined === true
          ? "confined file server"
          : f.worker === true
          ? "restricted worker"
          : "host process";
        checks.push({
          name: "file tool",
          ok: v === "ok",
          detail: `read_file in the ${w}: ${(performance.now() - t).toFixed(1)} ms (cold)`,
        });
        let outside = "not tried";
        try {
          await iso.files.run("read_file", ws, { path: "/etc/hostname" });
          outside = "READ (not refused!)";
        } catch (e) {
          outside = `refused (${(e as { code?: string }).code})`;
        }
        checks.push({ name: "file tool outside the workspace", ok: outside.startsWith("refused"), detail: outside });
      } catch (e) {
        checks.push({ name: "file tool", ok: false, detail: (e as Error).message });
      }
      try {
        // The same start as every process call: the sandbox's spawn (for bubblewrap, from its standby).
        const run = (argv: string[]) => runSandboxed(runtime, iso.sandbox, argv, { workspace: ws, timeoutMs: 10_000 });
        const r = await run(["bash", "-c", "echo ok; touch /etc/.safe-exec-doctor 2>/dev/null && echo WRITABLE; true"]);
        if (bwrap) {
          const probe = await run(["/bin/sh", "-c", SECCOMP_PROBE]);
          const out = probe.stdout.trim();
          const ok = /^setuid: refused$/m.test(out) && !/^vsock: created$/m.test(out);
          checks.push({
            name: "seccomp filter",
            ok,
            detail: ok
              ? `chmod u+s refused; ${
                /^vsock: /m.test(out) ? "socket(AF_VSOCK) refused" : "(no python3: vsock not tried)"
              }`
              : `NOT ACTIVE: ${JSON.stringify(out)} ${JSON.stringify(probe.stderr.slice(0, 200))}`,
          });
        }
        const ok = r.exitCode === 0 && r.stdout.trim() === "ok";
        checks.push({
          name: "process tool",
          ok,
          detail: ok
            ? `bash -c 'echo ok' ${bwrap ? "sandboxed" : "UNSANDBOXED"}: ${r.durationMs.toFixed(1)} ms`
            : `unexpected result: exit ${r.exitCode}, stdout ${JSON.stringify(r.stdout)}, stderr ${
              JSON.stringify(r.stderr.slice(0, 300))
            }`,
        });
      } catch (e) {
        checks.push({ name: "process tool", ok: false, detail: (e as Error).message });
      }
    }
    return { runtime: `${runtime.name} ${runtime.version}`, layers, checks, paths, mounts };
  } finally {
    iso.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Print the layers and the live checks; resolves to exit code 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runDoctor } from "./doctor.ts";
 * import { currentRuntime } from "../runtime/mod.ts";
 * const lines: string[] = [];
 * const code = await runDoctor(await currentRuntime(), { out: (l) => lines.push(l) }, { skipLiveChecks: true });
 * assert.ok(code === 0 && lines.some((l) => l.includes("realpath guard")));
 * ```
 */
export async function runDoctor(
  runtime: Runtime,
  io: { out: (l: string) => void },
  options: DoctorOptions = {},
): Promise<number> {
  const loaded = options.config ? { config: options.config, note: "config given" } : loadConfig();
  const report = await doctorReport(runtime, { ...options, config: loaded.config });
  io.out(`safe-exec doctor — ${report.runtime}, ${loaded.note}, sandbox mode "${loaded.config.sandbox.mode}"`);
  io.out("");
  io.out("Isolation layers:");
  const width = Math.max(...report.layers.map((l) => l.layer.length));
  for (const l of report.layers) {
    io.out(`  ${l.active ? "[active]  " : "[inactive]"} ${l.layer.padEnd(width)}  ${l.detail}`);
  }
  io.out("");
  io.out("Paths:");
  for (const p of report.paths) {
    io.out(`  ${p.ok ? "[ok]  " : "[FAIL]"} ${p.what.padEnd(11)} ${JSON.stringify(p.path)}: ${p.detail}`);
  }
  if (report.mounts) {
    io.out("");
    io.out(`What the process sandbox sees (workspace ${report.mounts.workspace}):`);
    const v = report.mounts.view;
    if (!v) io.out(`  process tools are refused there: ${report.mounts.error}`);
    else {
      io.out(`  read-only:  ${v.readOnly.join(", ")}`);
      io.out(`  read-write: ${v.readWrite.join(", ")}`);
      io.out(`  private:    ${v.private.join(", ")}`);
      if (v.leftOut.length > 0) io.out(`  left out:   ${v.leftOut.join("; ")}`);
      io.out("  nothing else of the host exists inside (not the workspace's parent, /root, /home, /run, /var, /opt)");
      io.out(`  filter:     ${v.seccomp}`);
    }
  }
  if (report.checks.length > 0) {
    io.out("");
    io.out("Live checks:");
    for (const c of report.checks) {
      io.out(`  ${c.ok ? "[ok]  " : c.advice ? "[warn]" : "[FAIL]"} ${c.name}: ${c.detail}`);
    }
  }
  return 0;
}

/** Run inside the sandbox by the live check: a setuid bit and an AF_VSOCK socket must both be refused. */
const SECCOMP_PROBE =
  `f=$(mktemp); chmod 4755 "$f" 2>/dev/null; if [ -u "$f" ]; then echo "setuid: SET"; else echo "setuid: refused"; fi
if command -v python3 >/dev/null; then python3 -c 'import socket
try:
    socket.socket(40, socket.SOCK_STREAM); print("vsock: created")
except OSError as e:
    print("vsock: refused", e.errno)'; fi`;

/** `safe-exec doctor`: the config of the command line (`--config`, `--workspace`, …), checked without creating. */
export const doctorCommand: Command = async (args, { runtime, io }) => {
  const config = resolveConfig(overrides(args.options), process.cwd());
  const workspaceIsDefault = isDefaultWorkspace(config, process.cwd(), args.options.workspace);
  return await runDoctor(runtime, io, { config, workspaceIsDefault });
};
