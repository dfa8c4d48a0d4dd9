/**
 * Files in the workspace that configure code the host runs later by itself, with no command naming them: git's own
 * files (`.git/**`: hooks and `core.fsmonitor` run on the next `git status`, also the ones the agent's host runs),
 * the coding agents' and IDEs' settings (`.claude/**`, `.codex/**`, `.gemini/**`, `.cursor/**`, `.mcp.json`,
 * `.vscode/**`, `.idea/**`, `.devcontainer/**`: hooks, MCP servers, tasks and launchers they start), git hook
 * managers (`.husky/**`, `.pre-commit-config.yaml`, simple-git-hooks', husky v4's and lint-staged's configs), what git reads from the tree (`.gitattributes`, `.gitmodules`),
 * environment loaders (`.envrc`, `.mise.toml`, `mise.toml`), package-manager settings read by every run of the
 * manager (`.npmrc`: `script-shell`, `node-options`; `.yarnrc`, `.yarnrc.yml`, `.yarn/**`: `yarnPath` is code yarn
 * runs; `.pnpmfile.cjs`; `bunfig.toml`: `preload`), and shell start-up files (`.bashrc`, `.profile`, `.zshrc`, …;
 * the workspace may be a HOME).
 *
 * Not on the list: `package.json` and `Makefile`. They hold code too, but it runs only when a command names it
 * (`npm test`, `make`), and such commands are never lowered where nothing contains them; editing them is the
 * agent's ordinary work.
 *
 * Where the agent's shell is not contained (hook mode: it runs on the host), a write to one of these is never
 * lowered to medium, and an agent's file tool writing one is high (rule engine `contained`, hook judge.ts). In the
 * bubblewrap sandbox git's files are read-only views; the others are left as they are (docs/hooks.md).
 *
 * Pure: no I/O.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hostRunsConfig } from "./host_config.ts";
 * assert.equal(hostRunsConfig(".claude/settings.json"), ".claude");
 * assert.equal(hostRunsConfig("sub/.git"), ".git");
 * assert.equal(hostRunsConfig("web/.NPMRC"), ".npmrc");
 * assert.equal(hostRunsConfig("package.json"), null);
 * assert.equal(hostRunsConfig("src/claude/settings.json"), null);
 * ```
 *
 * @module
 */

/** Folders whose every file configures code the host runs (any depth, any case). */
export const HOST_CONFIG_FOLDERS: readonly string[] = [
  ".git",
  ".claude",
  ".codex",
  ".gemini",
  ".cursor",
  ".vscode",
  ".idea",
  ".devcontainer",
  ".husky",
  ".yarn",
  ".mise",
];

/** Files that configure code the host runs (by name, any depth, any case). */
export const HOST_CONFIG_FILES: readonly string[] = [
  ".mcp.json",
  ".gitattributes",
  ".gitmodules",
  ".gitconfig",
  ".pre-commit-config.yaml",
  // hook managers' own configs (red team 10, J6): the code git's hooks run on the operator's next commit
  ".simple-git-hooks.json",
  ".simple-git-hooks.js",
  ".simple-git-hooks.cjs",
  "simple-git-hooks.json",
  "simple-git-hooks.js",
  "simple-git-hooks.cjs",
  ".huskyrc",
  ".huskyrc.json",
  ".huskyrc.js",
  ".huskyrc.cjs",
  "husky.config.js",
  "husky.config.cjs",
  ".lintstagedrc",
  ".lintstagedrc.json",
  ".lintstagedrc.js",
  ".lintstagedrc.cjs",
  ".lintstagedrc.mjs",
  ".lintstagedrc.yml",
  ".lintstagedrc.yaml",
  "lint-staged.config.js",
  "lint-staged.config.cjs",
  "lint-staged.config.mjs",
  ".envrc",
  ".mise.toml",
  "mise.toml",
  ".npmrc",
  ".yarnrc",
  ".yarnrc.yml",
  ".pnpmfile.cjs",
  ".pnpmfile.mjs",
  "bunfig.toml",
  ".bashrc",
  ".bash_profile",
  ".bash_login",
  ".bash_logout",
  ".profile",
  ".zshrc",
  ".zshenv",
  ".zprofile",
  ".zlogin",
];

const _FOLDERS = new Set(HOST_CONFIG_FOLDERS);
const _FILES = new Set(HOST_CONFIG_FILES);

/**
 * Which entry of the list a workspace-relative path falls under (the folder or file name, lower case), or null.
 * A path component named like a listed folder counts wherever it is (`sub/.git`, `pkg/.vscode/tasks.json`).
 */
export function hostRunsConfig(path: string): string | null {
  const parts = path.split("/").filter((p) => p !== "" && p !== ".").map((p) => p.toLowerCase());
  for (const p of parts) if (_FOLDERS.has(p)) return p;
  const last = parts.at(-1);
  return last !== undefined && _FILES.has(last) ? last : null;
}
