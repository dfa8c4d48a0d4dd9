/**
 * Private helper of the git protection: the settings of a git config file that name hooks, included configs or a
 * hook command, read by a small, forgiving parser; and how git expands the paths they name.
 *
 * Runtime-free: only `node:` APIs.
 *
 * @module
 */
import { isAbsolute, join, resolve } from "node:path";
import process from "node:process";

/** A value of a git config line: quotes removed, escapes applied, an inline comment dropped. */
function configValue(raw: string): string {
  let out = "";
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (c === '"') {
      quoted = !quoted;
      continue;
    }
    if (c === "\\" && i + 1 < raw.length) {
      const n = raw[++i] as string;
      out += n === "n" ? "\n" : n === "t" ? "\t" : n;
      continue;
    }
    if (!quoted && (c === "#" || c === ";")) break;
    out += c;
  }
  return out.trim();
}

/** The settings of a git config file that name hooks, included configs or a hook command. */
export interface GitConfigPaths {
  hooksPath: string[];
  includes: string[];
  fsmonitor: string[];
  objectFormat: string | null;
  worktreeConfig: boolean;
  /** `safe.bareRepository` (the last one set), or null. */
  bareRepository: string | null;
}

/**
 * Read `core.hooksPath`, `core.fsmonitor`, `include.path`, `includeIf.*.path`, `extensions.objectFormat` and
 * `extensions.worktreeConfig` from the text of a git config file (a small, forgiving parser: sections, quoted
 * values, comments, continuation lines).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseGitConfigPaths } from "./_config.ts";
 * const c = parseGitConfigPaths('[core]\n\thooksPath = ".husky" # local\n[includeIf "gitdir:~/w/"]\n\tpath = a.cfg\n');
 * assert.deepEqual(c.hooksPath, [".husky"]);
 * assert.deepEqual(c.includes, ["a.cfg"]);
 * ```
 */
export function parseGitConfigPaths(text: string): GitConfigPaths {
  const out: GitConfigPaths = {
    hooksPath: [],
    includes: [],
    fsmonitor: [],
    objectFormat: null,
    worktreeConfig: false,
    bareRepository: null,
  };
  let section = "";
  const lines = text.replace(/\\\r?\n/g, "").split(/\r?\n/);
  for (let line of lines) {
    line = line.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    if (line.startsWith("[")) {
      const end = line.indexOf("]");
      const head = line.slice(1, end < 0 ? undefined : end).trim();
      const sp = head.search(/\s/);
      const name = (sp < 0 ? head : head.slice(0, sp)).toLowerCase();
      const sub = sp < 0 ? "" : head.slice(sp).trim();
      // [core.x] style subsections are lowercased; "include" and "includeIf" are what matter here
      section = name.split(".")[0] + (sub ? " sub" : "");
      line = end < 0 ? "" : line.slice(end + 1).trim();
      if (line === "") continue;
    }
    const eq = line.indexOf("=");
    const key = (eq < 0 ? line : line.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? "true" : configValue(line.slice(eq + 1));
    if (section === "core" && key === "hookspath") out.hooksPath.push(value);
    else if (section === "core" && key === "fsmonitor") out.fsmonitor.push(value);
    else if ((section === "include" || section === "includeif sub") && key === "path") out.includes.push(value);
    else if (section === "extensions" && key === "objectformat") out.objectFormat = value.toLowerCase();
    else if (section === "safe" && key === "barerepository") out.bareRepository = value.toLowerCase();
    else if (section === "extensions" && key === "worktreeconfig") {
      out.worktreeConfig = /^(true|yes|on|1)$/i.test(value);
    }
  }
  return out;
}

/** The operator's global and system git configs (what the host's git reads besides the repository's own). */
export function operatorConfigs(): string[] {
  const out = ["/etc/gitconfig"];
  try {
    const home = process.env.HOME;
    const xdg = process.env.XDG_CONFIG_HOME;
    if (home) out.push(join(home, ".gitconfig"));
    out.push(join(xdg || (home ? join(home, ".config") : "/nonexistent"), "git", "config"));
  } catch {
    // no access to the environment (a restricted worker): the repository's configs only
  }
  return out;
}

/**
 * Expand a git path value: `~/` is the operator's home; relative ones are taken from `base`; null for what git
 * would not read as a path here (`%(prefix)/`, another user's `~user`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gitPath } from "./_config.ts";
 * assert.equal(gitPath(".husky", "/ws"), "/ws/.husky");
 * assert.equal(gitPath("/abs/hooks", "/ws"), "/abs/hooks");
 * assert.equal(gitPath("~root/x", "/ws"), null);
 * ```
 */
export function gitPath(value: string, base: string): string | null {
  if (value === "" || value.includes("\0")) return null;
  if (value.startsWith("%(prefix)/")) return null;
  if (value === "~" || value.startsWith("~/")) {
    let home: string | undefined;
    try {
      home = process.env.HOME;
    } catch {
      return null;
    }
    if (!home) return null;
    return resolve(home, value.slice(2));
  }
  if (value.startsWith("~")) return null; // ~user: another user's home, not the agent's
  return isAbsolute(value) ? resolve(value) : resolve(base, value);
}

/**
 * The operator's `safe.bareRepository` (from the system and global configs, the later one winning) and the file
 * that set it; `explicit` makes the host's git refuse a folder shaped like a bare repository unless named with
 * `--git-dir`, which closes the repositories an agent could make out of plain files for good.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { operatorBareRepository } from "./_config.ts";
 * const r = operatorBareRepository(() => null);
 * assert.deepEqual(r, { value: null, file: null });
 * ```
 */
export function operatorBareRepository(
  read: (file: string) => string | null,
): { value: string | null; file: string | null } {
  let out: { value: string | null; file: string | null } = { value: null, file: null };
  for (const file of operatorConfigs()) {
    const text = read(file);
    const v = text === null ? null : parseGitConfigPaths(text).bareRepository;
    if (v !== null) out = { value: v, file };
  }
  return out;
}
