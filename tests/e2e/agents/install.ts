/**
 * Install the coding-agent CLIs the hook e2e tests drive, pinned by this folder's package.json and
 * package-lock.json (kept out of the main lockfile: about 900 MB), into `.cache/agents/<hash>/` at the repository
 * root (git-ignored). The hash covers both files, so an install is reused until the pins change; an older one is
 * removed after a new one succeeded. The install goes to a scratch folder first and is renamed into place only
 * once `npm ci` succeeded and each CLI printed its version, so a failed or interrupted install leaves nothing
 * half-made behind.
 *
 *   deno run --allow-read --allow-write --allow-run --allow-env tests/e2e/agents/install.ts [--check]
 *
 * `--check` only says whether the current pins are installed (exit 0) or not (exit 1). Exits non-zero with the
 * reason when the install fails; the e2e tests then skip with that reason.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { agentsInstallDir } from "./install.ts";
 * assert.match(agentsInstallDir(), /\.cache\/agents\/[0-9a-f]{16}$/);
 * ```
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** This folder (package.json + package-lock.json). */
export const AGENTS_PIN_DIR: string = fileURLToPath(
  new URL(".", import.meta.url),
);
/** The repository root. */
export const REPO_ROOT: string = fileURLToPath(
  new URL("../../../", import.meta.url),
);
/** Where installs live. */
export const AGENTS_CACHE: string = join(REPO_ROOT, ".cache", "agents");

/** The pinned packages, as package.json lists them. */
export function agentPins(): Record<string, string> {
  const pkg = JSON.parse(
    readFileSync(join(AGENTS_PIN_DIR, "package.json"), "utf8"),
  );
  return pkg.dependencies as Record<string, string>;
}

/** The hash of the pins (package.json and package-lock.json), 16 hex digits. */
export function agentsPinHash(): string {
  const h = createHash("sha256");
  for (const f of ["package.json", "package-lock.json"]) {
    h.update(readFileSync(join(AGENTS_PIN_DIR, f)));
  }
  return h.digest("hex").slice(0, 16);
}

/** The install folder for the current pins. */
export function agentsInstallDir(): string {
  return join(AGENTS_CACHE, agentsPinHash());
}

/** The marker a finished install writes. */
export interface InstallMarker {
  pins: Record<string, string>;
  versions: Record<string, string>;
  installSeconds: number;
  bytes: number;
  node: string;
  npm: string;
  at: string;
}

/** The executables of the three CLIs inside an install folder. */
export function agentBinaries(
  dir: string = agentsInstallDir(),
): { claude: string; codex: string; gemini: string } {
  const nm = join(dir, "node_modules");
  return {
    // The platform binary itself (the package's bin/claude.exe is a hard link to it made by its postinstall).
    claude: join(nm, "@anthropic-ai", "claude-code", "bin", "claude.exe"),
    codex: join(nm, "@openai", "codex", "bin", "codex.js"),
    gemini: join(nm, "@google", "gemini-cli", "bundle", "gemini.js"),
  };
}

/** The marker of the current pins' install, or null when they are not installed. */
export function installedAgents(): InstallMarker | null {
  const marker = join(agentsInstallDir(), ".installed.json");
  if (!existsSync(marker)) return null;
  try {
    return JSON.parse(readFileSync(marker, "utf8")) as InstallMarker;
  } catch {
    return null;
  }
}

function _du(dir: string): number {
  const r = spawnSync("du", ["-sb", dir], { encoding: "utf8" });
  return Number(r.stdout.split("\t")[0]) || 0;
}

function _version(argv: string[], env: Record<string, string>): string {
  const r = spawnSync(argv[0]!, argv.slice(1), {
    encoding: "utf8",
    env,
    timeout: 60_000,
  });
  if (r.status !== 0) {
    throw new Error(
      `${argv.join(" ")} exited ${r.status ?? r.signal}: ${(r.stderr || r.stdout || String(r.error)).trim()}`,
    );
  }
  return r.stdout.trim().split("\n").pop() ?? "";
}

/** Install the current pins (reusing a finished install). Returns the marker. */
export function installAgents(
  log: (line: string) => void = (l) => console.error(l),
): InstallMarker {
  const existing = installedAgents();
  const dir = agentsInstallDir();
  if (existing !== null) {
    log(
      `agents: reusing ${dir} (${
        Object.entries(existing.versions).map(([k, v]) => `${k} ${v}`).join(
          ", ",
        )
      })`,
    );
    return existing;
  }
  mkdirSync(AGENTS_CACHE, { recursive: true });
  const scratch = `${dir}.partial-${process.pid}`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  try {
    for (const f of ["package.json", "package-lock.json"]) {
      copyFileSync(join(AGENTS_PIN_DIR, f), join(scratch, f));
    }
    log(
      `agents: npm ci of ${Object.entries(agentPins()).map(([k, v]) => `${k}@${v}`).join(" ")} into ${dir}`,
    );
    const t0 = performance.now();
    const npm = spawnSync("npm", [
      "ci",
      "--no-audit",
      "--no-fund",
      "--loglevel=error",
      "--foreground-scripts",
    ], {
      cwd: scratch,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 20 * 60_000,
    });
    if (npm.status !== 0) {
      throw new Error(
        `npm ci failed (exit ${npm.status ?? npm.signal}): ${
          (npm.stderr || npm.stdout || String(npm.error)).trim().slice(-2000)
        }`,
      );
    }
    const installSeconds = Math.round((performance.now() - t0) / 100) / 10;
    const bins = agentBinaries(scratch);
    // A fresh HOME so the version checks write nothing into the user's.
    const home = join(scratch, ".version-home");
    mkdirSync(home);
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home,
      CODEX_HOME: join(home, ".codex"),
      GEMINI_CLI_HOME: home,
      GEMINI_CLI_NO_RELAUNCH: "true",
      DISABLE_AUTOUPDATER: "1",
    };
    mkdirSync(env.CODEX_HOME!);
    const versions = {
      "claude-code": _version([bins.claude, "--version"], env),
      codex: _version(["node", bins.codex, "--version"], env),
      gemini: _version(["node", bins.gemini, "--version"], env),
    };
    rmSync(home, { recursive: true, force: true });
    const marker: InstallMarker = {
      pins: agentPins(),
      versions,
      installSeconds,
      bytes: _du(scratch),
      node: _version(["node", "--version"], env),
      npm: _version(["npm", "--version"], env),
      at: new Date().toISOString(),
    };
    writeFileSync(
      join(scratch, ".installed.json"),
      JSON.stringify(marker, null, 2) + "\n",
    );
    rmSync(dir, { recursive: true, force: true });
    renameSync(scratch, dir);
    for (const old of readdirSync(AGENTS_CACHE)) {
      const p = join(AGENTS_CACHE, old);
      if (p !== dir && /^[0-9a-f]{16}$/.test(old)) {
        rmSync(p, { recursive: true, force: true });
      }
    }
    log(
      `agents: installed in ${installSeconds} s, ${(marker.bytes / 2 ** 20).toFixed(0)} MiB: ${
        Object.entries(versions).map(([k, v]) => `${k} ${v}`).join(", ")
      }`,
    );
    return marker;
  } catch (e) {
    rmSync(scratch, { recursive: true, force: true });
    throw e;
  }
}

if (import.meta.main) {
  if (process.argv.includes("--check")) {
    const m = installedAgents();
    console.log(
      m !== null ? `installed in ${agentsInstallDir()}` : `not installed (${agentsInstallDir()})`,
    );
    process.exit(m !== null ? 0 : 1);
  }
  try {
    installAgents();
  } catch (e) {
    console.error(
      `agents: install failed: ${e instanceof Error ? e.message : String(e)}`,
    );
    process.exit(1);
  }
}
