/**
 * Start-up checks of the two paths a server needs (SPEC §5): the workspace and the witness log. They are checked
 * before anything is served, so that a mistyped path is a one-line error with exit 2, not a stack trace and not a
 * server that denies every call with `witness_unavailable`.
 *
 * - **Workspace**: an existing folder; or, when missing, created: silently when it is the default (`./workspace`),
 *   with a line on stderr when it was given, and only when its parent folder exists (a mistyped path is not
 *   created with all its parents).
 * - **Witness log**: a file that can be opened for appending (or a character device such as `/dev/null`), never a
 *   folder; when missing, its folder is created (with a line on stderr) and a file is created there and removed
 *   again, to prove the log can be written.
 *
 * `doctor` prints the same checks without creating anything ({@linkcode checkWorkspace}, {@linkcode checkWitness}).
 *
 * @module
 */
import { checkPathRuleTools } from "./_rules_section.ts";
import { closeSync, constants, mkdirSync, openSync, type Stats, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { errCode } from "../_util/errors.ts";
import { ConfigError, type SafeExecConfig } from "./types.ts";

/** What a start-up check found. */
export interface PathCheck {
  /** "workspace" or "witness log". */
  what: "workspace" | "witness log";
  /** The path checked. */
  path: string;
  /** Usable as it is, or once `create` was made. */
  ok: boolean;
  /** What was found, or why it cannot be used (for `doctor` and the error message). */
  detail: string;
  /** A folder to create at start-up, or null. */
  create: string | null;
  /** Whether creating it is said on stderr. */
  announce: boolean;
}

/** A system error in words, with its code, e.g. `permission denied (EACCES)`. */
function why(err: unknown): string {
  const code = errCode(err) ?? "";
  const words: Record<string, string> = {
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    EROFS: "the file system is read-only",
    ENOTDIR: "a part of the path is a file, not a folder",
    ENOENT: "a part of the path does not exist",
    ELOOP: "too many levels of symlinks",
    ENAMETOOLONG: "the path is too long",
    ENOSPC: "no space left on the device",
    EEXIST: "it exists",
  };
  if (words[code]) return `${words[code]} (${code})`;
  // Deno's permission system (NotCapable): safe-exec runs without --allow-all, which /proc paths need.
  if ((err as Error)?.name === "NotCapable") return "the runtime's permissions refuse this path";
  return err instanceof Error ? err.message : String(err);
}

function kindOf(st: Stats): string {
  if (st.isFile()) return "a file";
  if (st.isDirectory()) return "a folder";
  if (st.isFIFO()) return "a named pipe";
  if (st.isSocket()) return "a socket";
  if (st.isBlockDevice()) return "a block device";
  if (st.isCharacterDevice()) return "a character device";
  return "not a file or folder";
}

function statOrError(path: string): Stats | { error: unknown } {
  try {
    return statSync(path) as Stats;
  } catch (err) {
    return { error: err };
  }
}

/**
 * Check the workspace folder: it exists, or it can be created (its parent exists, or it is the default).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { checkWorkspace } from "./startup.ts";
 * const dir = mkdtempSync(join(tmpdir(), "se-doc-"));
 * writeFileSync(join(dir, "file"), "");
 * assert.equal(checkWorkspace(join(dir, "file"), false).detail, "it is a file, not a folder");
 * assert.equal(checkWorkspace(join(dir, "new"), false).create, join(dir, "new"));
 * assert.equal(checkWorkspace(join(dir, "no/such/ws"), false).ok, false);
 * ```
 */
export function checkWorkspace(path: string, isDefault: boolean): PathCheck {
  const check = (ok: boolean, detail: string, create: string | null = null): PathCheck => ({
    what: "workspace",
    path,
    ok,
    detail,
    create,
    announce: create !== null && !isDefault,
  });
  const st = statOrError(path);
  if (!("error" in st)) {
    return st.isDirectory() ? check(true, "an existing folder") : check(false, `it is ${kindOf(st)}, not a folder`);
  }
  if (errCode(st.error) !== "ENOENT") return check(false, `it cannot be opened: ${why(st.error)}`);
  const parent = dirname(path);
  const p = statOrError(parent);
  if (!("error" in p)) {
    if (!p.isDirectory()) return check(false, `its parent ${JSON.stringify(parent)} is ${kindOf(p)}, not a folder`);
    return check(true, "it does not exist yet: it will be created", path);
  }
  if (isDefault) return check(true, "it does not exist yet: it will be created", path);
  if (errCode(p.error) === "ENOENT") {
    return check(
      false,
      `it does not exist, and neither does its parent folder ${JSON.stringify(parent)}; ` +
        `safe-exec creates only the last folder of a workspace path (a mistyped path is not created): ` +
        `check the path, or create the parent first`,
    );
  }
  return check(false, `its parent ${JSON.stringify(parent)} cannot be opened: ${why(p.error)}`);
}

/**
 * Check the witness log's path: a file (or character device) that can be opened for appending, or a missing file
 * whose folder exists or can be created. Opens an existing file for appending and closes it; creates nothing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { checkWitness } from "./startup.ts";
 * const dir = mkdtempSync(join(tmpdir(), "se-doc-"));
 * assert.match(checkWitness(dir).detail, /^it is a folder/);
 * assert.equal(checkWitness(join(dir, "logs/witness.log")).create, join(dir, "logs"));
 * ```
 */
export function checkWitness(path: string): PathCheck {
  const check = (ok: boolean, detail: string, create: string | null = null): PathCheck => ({
    what: "witness log",
    path,
    ok,
    detail,
    create,
    announce: create !== null,
  });
  const st = statOrError(path);
  if (!("error" in st)) {
    if (st.isDirectory()) {
      return check(false, `it is a folder; give a file path, e.g. ${JSON.stringify(join(path, "witness.log"))}`);
    }
    if (!st.isFile() && !st.isCharacterDevice()) return check(false, `it is ${kindOf(st)}, not a file`);
    try {
      closeSync(openSync(path, "a"));
    } catch (err) {
      return check(false, `it cannot be opened for appending: ${why(err)}`);
    }
    return st.isFile()
      ? check(true, `an existing file of ${st.size} bytes, writable`)
      : check(true, `${kindOf(st)}, writable`);
  }
  if (errCode(st.error) !== "ENOENT") return check(false, `it cannot be opened: ${why(st.error)}`);
  const folder = dirname(path);
  const f = statOrError(folder);
  if (!("error" in f)) {
    if (!f.isDirectory()) return check(false, `its folder ${JSON.stringify(folder)} is ${kindOf(f)}, not a folder`);
    return check(true, "it does not exist yet: it will be created by the first call");
  }
  if (errCode(f.error) !== "ENOENT") return check(false, `its folder ${JSON.stringify(folder)}: ${why(f.error)}`);
  return check(true, `its folder ${JSON.stringify(folder)} does not exist: it will be created`, folder);
}

/**
 * Whether the config's workspace is the default one: `workspace` beside the config file (or in `cwd` without one),
 * and not given on the command line. Only the default is created with its parents and without a word.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultConfig } from "./types.ts";
 * import { isDefaultWorkspace } from "./startup.ts";
 * assert.equal(isDefaultWorkspace(defaultConfig("/srv/a"), "/srv/a", undefined), true);
 * assert.equal(isDefaultWorkspace(defaultConfig("/srv/a"), "/srv/a", "workspace"), false);
 * ```
 */
export function isDefaultWorkspace(config: SafeExecConfig, cwd: string, cliWorkspace: string | undefined): boolean {
  if (cliWorkspace !== undefined) return false;
  return config.workspace === join(config.configPath ? dirname(config.configPath) : resolve(cwd), "workspace");
}

/**
 * Create the (empty) log file where none exists yet: proves it can be created there. It is kept, never removed
 * again: another process starting on the same log at the same moment may already have opened it, and removing it
 * would leave that process appending to an unlinked file (its identity check then denies every call).
 */
function probeCreate(path: string): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND, 0o600);
  closeSync(fd);
}

/**
 * Check and prepare both paths for a server: create the workspace and the witness log's folder where needed, prove
 * the log can be created, and say on stderr (`note`) what was created beyond the defaults. Throws a
 * {@linkcode ConfigError} (exit 2) naming the path and the reason when one cannot be used, and one naming the rule
 * when a `path` rule's tool glob matches none of the server's tools (`checkPathRuleTools`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { existsSync, mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { defaultConfig } from "./types.ts";
 * import { prepareStartup } from "./startup.ts";
 * const dir = mkdtempSync(join(tmpdir(), "se-doc-"));
 * const config = defaultConfig(dir);
 * config.witness.path = join(dir, "logs/witness.log");
 * const notes: string[] = [];
 * prepareStartup(config, true, (l) => notes.push(l));
 * assert.ok(existsSync(join(dir, "workspace")) && existsSync(join(dir, "logs")));
 * assert.equal(notes.length, 1); // the default workspace is created without a word
 * ```
 */
export function prepareStartup(
  config: SafeExecConfig,
  workspaceIsDefault: boolean,
  note: (line: string) => void,
): void {
  // a path rule that can match none of the server's tools (red team 6 F8)
  checkPathRuleTools(config, (m) => {
    throw new ConfigError(`Invalid rules: ${m}`);
  });
  const refuse = (c: PathCheck, detail: string): never => {
    const name = c.what === "workspace" ? "workspace" : "witness log";
    throw new ConfigError(`Cannot use the ${name} ${JSON.stringify(c.path)}: ${detail}`);
  };
  const ws = checkWorkspace(config.workspace, workspaceIsDefault);
  if (!ws.ok) refuse(ws, ws.detail);
  if (ws.create !== null) {
    try {
      mkdirSync(ws.create, { recursive: workspaceIsDefault });
    } catch (err) {
      if (errCode(err) !== "EEXIST") refuse(ws, `it cannot be created: ${why(err)}`);
    }
    if (ws.announce) note(`safe-exec: created the workspace folder ${JSON.stringify(ws.create)} (it did not exist)`);
  }
  const log = checkWitness(config.witness.path);
  if (!log.ok) refuse(log, log.detail);
  if (log.create !== null) {
    try {
      mkdirSync(log.create, { recursive: true });
    } catch (err) {
      refuse(log, `its folder ${JSON.stringify(log.create)} cannot be created: ${why(err)}`);
    }
    note(`safe-exec: created the folder ${JSON.stringify(log.create)} for the witness log`);
  }
  if ("error" in statOrError(config.witness.path)) {
    try {
      probeCreate(config.witness.path);
    } catch (err) {
      if (errCode(err) !== "EEXIST") refuse(log, `it cannot be created: ${why(err)}`);
    }
  }
}
