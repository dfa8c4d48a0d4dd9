/**
 * Private helper of the config: what must stay apart (SPEC §4, §7). The workspace is never a filesystem root, a
 * system folder or (unless the config allows it) a home folder; the witness log, the config file and the signing
 * key never lie inside the workspace or a folder the sandbox may see. Real paths are compared, as far as they exist.
 *
 * @module
 */
import * as path from "node:path";
import process from "node:process";
import { isWithin, realPathLoose } from "../_util/paths.ts";
import { loadSigningKey } from "../witness/sign.ts";
import { ConfigError, type SafeExecConfig } from "./types.ts";

/**
 * Refuse a workspace that is a filesystem root, a system folder or (unless allowed) holds a home folder; a witness
 * log, config file or signing key inside the workspace; a sandbox path that would show one of them.
 */
export function checkSeparation(config: SafeExecConfig, cwd: string): void {
  const workspace = realPathLoose(config.workspace);
  const roots = new Set([path.parse(workspace).root, path.parse(cwd).root, path.parse(realPathLoose(cwd)).root]);
  if (roots.has(workspace)) {
    throw new ConfigError(
      `Invalid workspace ${JSON.stringify(config.workspace)}: a filesystem root cannot be the workspace ` +
        `(the agent could rewrite anything); choose a dedicated folder`,
    );
  }
  const system = SYSTEM_FOLDERS.find((f) => workspace === f || workspace === realPathLoose(f));
  if (system !== undefined) {
    throw new ConfigError(
      `Invalid workspace ${JSON.stringify(config.workspace)}: it is the system folder ${JSON.stringify(system)} ` +
        `(the agent could rewrite what the system runs); choose a dedicated folder`,
    );
  }
  if (!config.workspaceMayContainHome) {
    const home = homeFolders().find((h) => isWithin(h, workspace));
    if (home !== undefined) {
      throw new ConfigError(
        `Invalid workspace ${JSON.stringify(config.workspace)}: it ${
          home === workspace ? "is" : "contains"
        } the home folder ${JSON.stringify(home)}, where the agent could read SSH keys and credentials and ` +
          `rewrite shell start-up files; choose a dedicated folder, or set "workspaceMayContainHome": true in ` +
          `the config to allow it`,
      );
    }
  }
  const witness = realPathLoose(config.witness.path);
  if (isWithin(witness, workspace)) {
    throw new ConfigError(
      `Invalid witness log ${JSON.stringify(config.witness.path)}: ` +
        insideMessage(config.witness.path, witness, config.workspace, workspace),
    );
  }
  const configReal = config.configPath !== null ? realPathLoose(config.configPath) : null;
  if (config.configPath !== null && configReal !== null) {
    if (isWithin(configReal, workspace)) {
      throw new ConfigError(
        `Invalid config ${JSON.stringify(config.configPath)}: ` +
          insideMessage(config.configPath, configReal, config.workspace, workspace),
      );
    }
  }
  // What the sandbox may see besides the workspace must not hold the witness log or the config (SPEC §7).
  for (const key of ["readable", "writable"] as const) {
    for (const [i, entry] of (config.sandbox[key] ?? []).entries()) {
      const real = realPathLoose(entry);
      const name = `sandbox.${key}[${i}]`;
      if (path.parse(real).root === real) {
        throw new ConfigError(
          `Invalid ${JSON.stringify(name)} ${JSON.stringify(entry)}: a filesystem root would show everything`,
        );
      }
      const signingKey = config.witness.signingKey;
      const guarded: Array<[string, string | null, string | null]> = [
        ["the witness log", config.witness.path, witness],
        ["the config file", config.configPath, configReal],
        ["the witness signing key", signingKey, signingKey === null ? null : realPathLoose(signingKey)],
      ];
      for (const [what, file, real2] of guarded) {
        if (file === null || real2 === null) continue;
        if (isWithin(real2, real)) {
          throw new ConfigError(
            `Invalid ${JSON.stringify(name)} ${JSON.stringify(entry)}: it holds ${what} ${JSON.stringify(file)}` +
              `${real !== path.resolve(entry) ? ` (real path ${JSON.stringify(real)})` : ""}, which a sandboxed ` +
              `process could then ${key === "writable" ? "rewrite" : "read"}; name a folder beside it instead`,
          );
        }
      }
    }
  }
}

/** The signing key (SPEC §4.1) lies outside the workspace and is an Ed25519 private key this process can read. */
export function checkSigningKey(config: SafeExecConfig): void {
  const key = config.witness.signingKey;
  if (key === null) return;
  const workspace = realPathLoose(config.workspace);
  const real = realPathLoose(key);
  if (isWithin(real, workspace)) {
    throw new ConfigError(
      `Invalid witness.signingKey ${JSON.stringify(key)}: ${insideMessage(key, real, config.workspace, workspace)}`,
    );
  }
  try {
    loadSigningKey(key);
  } catch (err) {
    throw new ConfigError(`Invalid witness.signingKey: ${(err as Error).message}`, { cause: err });
  }
}

/** Folders that are never a workspace (a workspace that contains one is also refused: only `/` does). */
const SYSTEM_FOLDERS: readonly string[] = [
  "/bin",
  "/boot",
  "/dev",
  "/etc",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/proc",
  "/run",
  "/sbin",
  "/sys",
  "/usr",
  "/var",
];

/** Home folders, as real paths: the user's ($HOME), and where homes live (`/root`, `/home`). */
function homeFolders(): string[] {
  const found = new Set<string>();
  // $HOME, as os.homedir() reads it first (os.homedir() itself needs Deno's sys permission, which we do not ask).
  for (const h of [process.env.HOME ?? "", "/root", "/home"]) {
    if (h && path.isAbsolute(h)) found.add(realPathLoose(h));
  }
  return [...found].filter((h) => path.parse(h).root !== h);
}

/** Why a file inside the workspace is refused; names the real paths when symlinks made them differ. */
function insideMessage(given: string, real: string, givenWorkspace: string, realWorkspace: string): string {
  const note = real === path.resolve(given) && realWorkspace === path.resolve(givenWorkspace)
    ? ""
    : ` (real paths ${JSON.stringify(real)} and ${JSON.stringify(realWorkspace)})`;
  return `it is inside the workspace ${JSON.stringify(givenWorkspace)}${note}, where the agent could rewrite it; ` +
    `put it outside the workspace`;
}
