/**
 * The seven built-in file tools (SPEC §2) as plain synchronous functions over `node:fs`, so they run in the host
 * and in a permission-restricted worker alike, under Deno, Bun and Node.
 *
 * Every path goes through {@linkcode Workspace.resolve} first. Because a concurrent process (say a `run_bash`
 * left running in the background) may swap a folder for a symlink between that check and the system call, each
 * tool also pins what it touches:
 *
 * - **Anchored mode** (Linux with `/proc/self/fd` readable: Bun, Node; not Deno, where that needs `--allow-all`
 *   and could prompt): a folder is opened with `O_DIRECTORY|O_NOFOLLOW`, the kernel's own path of the descriptor
 *   (`readlink /proc/self/fd/N`) must be the expected real path, and every further call goes through
 *   `/proc/self/fd/N/<name>`, which the kernel resolves from that folder's inode like `openat(2)`/`renameat(2)`:
 *   no later swap can redirect it. Files are pinned the same way (open, then the descriptor's kernel path).
 * - **Portable mode** (everything else): reads and appends open with `O_NOFOLLOW`, `fstat` the descriptor, then
 *   re-check that `stat` of the path is the same device/inode and that `realpath` of the path is unchanged, and only
 *   then read or write through the descriptor. Writes go to a fresh `O_CREAT|O_EXCL|O_NOFOLLOW` temp file with a
 *   random name in the real folder, are checked (folder realpath unchanged, temp is our inode), then `rename`d onto
 *   the target (rename replaces a symlink rather than following it, and the random name exists only in the real
 *   folder, so a swapped folder makes the rename fail instead of landing outside). Deletes rename the target to a
 *   random quarantine name first, verify, and only then unlink (or restore and refuse).
 *
 * Residual risks (portable mode; anchored mode closes all but the last two):
 * - An attacker that flips a folder twice inside the few microseconds between our re-checks can defeat the
 *   path-based verification (the checks are not atomic). A racer that spawns processes is far too slow (2000
 *   rounds of all tools: nothing read, written or left outside), but a tight native loop using
 *   `renameat2(RENAME_EXCHANGE)` (~200k swaps/s) was measured to win for writes and deletes: it got an outside
 *   file overwritten, quarantined (renamed) and empty temp files left outside. Reads never leaked in that test
 *   (the device/inode + realpath re-check held). Use anchored mode (Bun or Node on Linux) when untrusted code
 *   can run concurrently with the file tools.
 * - If a folder is swapped at the instant a temp file is created, an empty randomly named temp file or folder
 *   can appear outside; it is detected and removed when the swap is still in place, otherwise it may stay.
 * - `rename(2)` looks up the source and target folders separately; a swap between the two lookups (nanoseconds)
 *   could move our temp file outside. Deletes may transiently rename an outside entry and rename it back.
 * - A recursive delete verifies each folder before emptying it, but a swap between that check and the unlinks
 *   could redirect them (the `remove_dir_all` race, CVE-2022-21658).
 * - Anyone who can rename the workspace's folders to places outside (write access outside) is not stopped; nor
 *   is a bind mount inside the workspace. Hard links inside a folder given to `delete_dir` are unlinked (which
 *   never changes the other link's content); `delete_file` refuses them.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
  renameSync,
  type Stats,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join, sep } from "node:path";
import { PathOutsideWorkspaceError, ToolError } from "../types.ts";
import { Workspace } from "../workspace.ts";
import { realpath, resolveThroughCwd } from "../_realpath.ts";
import { escapeLossyName, escapeNameBytes, utf8Name } from "./_names.ts";
import { removeTree, TreeRefused } from "./_tree.ts";

/**
 * The largest file `read_file` returns, in bytes (10 MiB).
 *
 * @example
 * ```ts
 * import { MAX_READ_BYTES } from "./fs_ops.ts";
 * console.assert(MAX_READ_BYTES === 10 * 1024 * 1024);
 * ```
 */
export const MAX_READ_BYTES = 10 * 1024 * 1024;

/**
 * One entry of `list_dir`: the name, the type from `lstat` (a symlink is never followed) and the size in bytes.
 *
 * @example
 * ```ts
 * import type { DirEntry } from "./fs_ops.ts";
 * const e: DirEntry = { name: "a.txt", type: "file", size: 3 };
 * console.assert(e.type === "file");
 * ```
 */
export interface DirEntry {
  /** The entry's name (escaped when `escaped` is true). */
  name: string;
  /** What it is (by lstat). */
  type: "file" | "dir" | "symlink" | "other";
  /** Its size in bytes (lstat); null only for a name the runtime could not look up (not UTF-8, under Deno). */
  size: number | null;
  /**
   * Present (true) when the name is not valid UTF-8: `name` then shows each byte that is not part of a valid UTF-8
   * sequence as `\xHH` and each backslash as `\\` (`\x??` where the runtime could not read the byte: Deno).
   */
  escaped?: true;
}

const { O_RDONLY, O_WRONLY, O_APPEND, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_DIRECTORY } = constants;
const O_DIR = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;

const q = JSON.stringify;
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
const encoder = new TextEncoder();

function errCode(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && "code" in e ? String((e as { code: unknown }).code) : undefined;
}

/** A path for a message: whole up to 300 characters, else its start and end with its length between. */
function short(path: string): string {
  return path.length <= 300 ? path : `${path.slice(0, 150)}…(${path.length} characters)…${path.slice(-150)}`;
}

/** Permission bits a file tool may give a file: never setuid, setgid or sticky (SPEC §7). */
const PERMISSION_BITS = 0o777;

function randomName(kind: string): string {
  const b = crypto.getRandomValues(new Uint8Array(12));
  let h = "";
  for (const x of b) h += x.toString(16).padStart(2, "0");
  return `.safe-exec-${kind}-${h}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Workspace cache and mode detection

const workspaces = new Map<string, Workspace>();

function workspaceOf(root: string): Workspace {
  let ws = workspaces.get(root);
  if (ws) return ws;
  ws = Workspace.open(root);
  if (ws.root !== root) throw new RangeError(`The workspace root ${q(root)} is not a real path (${q(ws.root)})`);
  if (workspaces.size >= 64) workspaces.clear();
  workspaces.set(root, ws);
  return ws;
}

let anchored: boolean | undefined;
let readsConfined = false;

/**
 * Tell the file tools that this process runs in the confined file server's mount namespace (only the workspace,
 * writable, and the runtime, read-only): `read_file` then skips the path re-check after `open`, since a folder
 * swapped for a symlink can only lead it to files the agent may read anyway. Writes and deletes keep every check.
 * Called by `fs_server.ts` when bubblewrap started it (`--confined`); never in the host or a worker.
 *
 * @example
 * ```ts ignore
 * import { trustConfinedNamespaceForReads } from "./fs_ops.ts";
 * trustConfinedNamespaceForReads(); // only inside the confined file server
 * ```
 */
export function trustConfinedNamespaceForReads(): void {
  readsConfined = true;
}

/**
 * Tell the file tools that this process owns its working directory (the confined file server: nothing else in it
 * uses the cwd), so paths are resolved through chdir/getcwd, at a cost linear in their depth, instead of Deno's
 * quadratic realpath(3) (see `_realpath.ts`). Called by `fs_server.ts` under Deno; never in the host or a worker.
 *
 * @example
 * ```ts ignore
 * import { ownWorkingDirectory } from "./fs_ops.ts";
 * ownWorkingDirectory(); // only inside the confined file server
 * ```
 */
export function ownWorkingDirectory(): void {
  resolveThroughCwd();
}

/** Whether `/proc/self/fd/N` works here (decided once per process; never probed under Deno, see module doc). */
function useAnchors(root: string): boolean {
  if (anchored !== undefined) return anchored;
  anchored = false;
  const ua = typeof navigator === "object" ? String(navigator.userAgent ?? "") : "";
  if (ua.startsWith("Deno/")) return false;
  let fd = -1;
  try {
    fd = openSync(root, O_DIR);
    anchored = readlinkSync(`/proc/self/fd/${fd}`) === root && statSync(`/proc/self/fd/${fd}/.`).isDirectory();
  } catch {
    anchored = false;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
  return anchored;
}

// ---------------------------------------------------------------------------------------------------------------
// Pinned folders

/** A real folder inside the workspace, pinned (anchored mode) or re-checkable (portable mode). */
class Dir {
  readonly real: string;
  readonly #fd: number;
  readonly #ws: Workspace;
  readonly #msg: () => string;

  private constructor(ws: Workspace, real: string, fd: number, msg: () => string) {
    this.#ws = ws;
    this.real = real;
    this.#fd = fd;
    this.#msg = msg;
  }

  /** Pin `real` (a path the guard just resolved); `msg` words a refusal. */
  static open(ws: Workspace, real: string, msg: () => string): Dir {
    if (!useAnchors(ws.root)) return new Dir(ws, real, -1, msg);
    let fd: number;
    try {
      fd = openSync(real, O_DIR);
    } catch (e) {
      const code = errCode(e);
      if (code === "ELOOP" || code === "ENOTDIR") throw new PathOutsideWorkspaceError(msg());
      throw e;
    }
    let where = "";
    try {
      where = readlinkSync(`/proc/self/fd/${fd}`);
    } catch { /* fall through to the refusal */ }
    if (where !== real) {
      closeSync(fd);
      throw new PathOutsideWorkspaceError(msg());
    }
    return new Dir(ws, real, fd, msg);
  }

  /** The path to use in a system call for `name` inside this folder. */
  at(name: string): string {
    return this.#fd >= 0 ? `/proc/self/fd/${this.#fd}/${name}` : join(this.real, name);
  }

  /** The folder itself, as a path for a system call. */
  self(): string {
    return this.#fd >= 0 ? `/proc/self/fd/${this.#fd}` : this.real;
  }

  /** Portable mode: refuse if the folder is no longer the real path it was (a symlink was swapped in). */
  verify(): void {
    if (this.#fd >= 0) return;
    let now = "";
    try {
      now = realpath(this.real);
    } catch { /* refused below */ }
    if (now !== this.real || !this.#ws.contains(now)) throw new PathOutsideWorkspaceError(this.#msg());
  }

  get anchored(): boolean {
    return this.#fd >= 0;
  }

  /** The pinned descriptor (anchored mode), or -1. */
  get fd(): number {
    return this.#fd;
  }

  close(): void {
    if (this.#fd >= 0) closeSync(this.#fd);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Checks shared by the tools

function swapped(word: string, arg: string): PathOutsideWorkspaceError {
  return new PathOutsideWorkspaceError(
    `Cannot ${word} ${
      q(arg)
    } as it is outside the workspace: the path changed (a symlink was swapped in) during the operation`,
  );
}

function hardLinked(word: string, arg: string, nlink: number): PathOutsideWorkspaceError {
  return new PathOutsideWorkspaceError(
    `Cannot ${word} ${
      q(arg)
    } as it is outside the workspace: it is a hard link (${nlink} links), and another link may be outside the workspace`,
  );
}

function isDirError(word: string, arg: string, hint = ""): ToolError {
  return new ToolError("invalid_args", `Cannot ${word} ${q(arg)}: it is a directory${hint}`);
}

function notFound(word: string, arg: string): ToolError {
  return new ToolError("not_found", `Cannot ${word} ${q(arg)}: no such file or directory`);
}

/** Map an errno from a system call on `arg` to a ToolError (unknown ones are rethrown as they are). */
function mapErr(e: unknown, word: string, arg: string): unknown {
  if (e instanceof ToolError) return e;
  switch (errCode(e)) {
    case "ENOENT":
      return notFound(word, arg);
    case "ENOTDIR":
      return new ToolError("invalid_args", `Cannot ${word} ${q(arg)}: a parent of it is not a directory`);
    case "EISDIR":
      return isDirError(word, arg);
    case "ELOOP":
      return swapped(word, arg);
    case "ENXIO":
      return new ToolError("invalid_args", `Cannot ${word} ${q(arg)}: it is not a regular file`);
    case "EEXIST":
      return new ToolError("invalid_args", `Cannot ${word} ${q(arg)}: it already exists`);
    case "ENOTEMPTY":
      return new ToolError("invalid_args", `Cannot ${word} ${q(arg)}: the directory changed while it was deleted`);
    case "ENOSPC":
      return new ToolError("internal", `Cannot ${word} ${q(arg)}: no space left on the device`);
    case "ENAMETOOLONG":
      return new ToolError(
        "invalid_args",
        `Cannot ${word} ${q(short(arg))}: the path is longer than the system allows (PATH_MAX, 4096 bytes)`,
      );
    case "EACCES":
    case "EPERM":
      return new ToolError("invalid_args", `Cannot ${word} ${q(arg)}: permission denied (${errCode(e)})`);
    case "EBUSY":
      return new ToolError("invalid_args", `Cannot ${word} ${q(arg)}: it is in use (a mount point?)`);
  }
  // Any other system error (e.g. EINVAL from a path that changed kind mid-call) is still one of ours: say so.
  const code = errCode(e);
  if (typeof code === "string" && /^E[A-Z]+$/.test(code)) {
    return new ToolError("internal", `Cannot ${word} ${q(arg)}: ${(e as Error).message}`);
  }
  return e;
}

/**
 * Open an existing file at the real path `real` with `flags` (O_NOFOLLOW added) and prove the descriptor is the
 * file inside the workspace: anchored, by the kernel's path of the descriptor; portable, by stat of the path having
 * the same device/inode and realpath of the path being unchanged (skipped when `recheck` is false). Returns the
 * descriptor and its fstat.
 */
function openPinned(
  ws: Workspace,
  real: string,
  flags: number,
  word: string,
  arg: string,
  recheck = true,
): [number, Stats] {
  let fd: number;
  try {
    fd = openSync(real, flags | O_NOFOLLOW | O_NONBLOCK);
  } catch (e) {
    throw mapErr(e, word, arg);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw isDirError(word, arg);
    if (!st.isFile()) throw new ToolError("invalid_args", `Cannot ${word} ${q(arg)}: it is not a regular file`);
    if (!recheck) {
      // The caller vouches that a swapped path cannot lead anywhere that matters (see readFile).
    } else if (useAnchors(ws.root)) {
      let where = "";
      try {
        where = readlinkSync(`/proc/self/fd/${fd}`);
      } catch { /* refused below */ }
      if (where !== real) throw swapped(word, arg);
    } else {
      let st2: Stats;
      try {
        st2 = statSync(real);
      } catch {
        throw swapped(word, arg);
      }
      if (st2.ino !== st.ino || st2.dev !== st.dev) throw swapped(word, arg);
      let now = "";
      try {
        now = realpath(real);
      } catch { /* refused below */ }
      if (now !== real) throw swapped(word, arg);
    }
    if (st.nlink > 1) throw hardLinked(word, arg, st.nlink);
    return [fd, st];
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

function readAll(fd: number, size: number, limit: number, word: string, arg: string): Uint8Array {
  let buf = new Uint8Array(Math.min(size, limit) + 1);
  let len = 0;
  for (;;) {
    if (len === buf.length) {
      if (len > limit) break;
      const bigger = new Uint8Array(Math.min(buf.length * 2, limit + 1));
      bigger.set(buf);
      buf = bigger;
    }
    const want = buf.length - len;
    const n = readSync(fd, buf, len, want, null);
    len += n;
    // A regular file reads short only at its end: no extra read(2) just to see 0.
    if (n < want) break;
  }
  if (len > limit) {
    throw new ToolError(
      "invalid_args",
      `Cannot ${word} ${q(arg)}: it is larger than the limit of ${limit} bytes (${MAX_READ_BYTES} = 10 MiB)`,
    );
  }
  return buf.subarray(0, len);
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
}

/**
 * Create the missing folders of `realDir` (inside the workspace), top down. Anchored: each one is made in its
 * parent's descriptor and opened with O_NOFOLLOW from it, so no swap can move it (one descriptor at a time, any
 * depth). Portable: made by path, the deepest existing folder verified before and `realDir` verified once after,
 * so the cost stays linear in the depth (a swap in between is refused; see the module doc for what it may leave).
 */
function ensureDirs(ws: Workspace, realDir: string, word: string, arg: string): void {
  if (sep !== "/") {
    // Windows: no pinning there; create by path and check where it landed.
    try {
      mkdirSync(realDir, { recursive: true });
    } catch (e) {
      throw mapErr(e, word, arg);
    }
    if (realpath(realDir) !== realDir) throw swapped(word, arg);
    return;
  }
  const parts = realDir.slice(ws.root.length + 1).split("/").filter((p) => p !== "");
  if (realDir === ws.root) parts.length = 0;
  // The deepest existing prefix: a binary search (a prefix exists whenever a longer one does).
  const prefix = (k: number) => k === 0 ? ws.root : `${ws.root}/${parts.slice(0, k).join("/")}`;
  let lo = 0;
  let hi = parts.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    let st: Stats | undefined;
    try {
      st = lstatSync(prefix(mid));
    } catch (e) {
      const code = errCode(e);
      if (code !== "ENOENT" && code !== "ENOTDIR") throw mapErr(e, word, arg);
    }
    if (st) lo = mid;
    else hi = mid - 1;
  }
  if (lo === parts.length) {
    if (!lstatSync(realDir).isDirectory()) {
      throw new ToolError("invalid_args", `Cannot ${word} ${q(arg)}: ${q(ws.relative(realDir))} is not a directory`);
    }
    return;
  }
  const base = prefix(lo);
  const baseSt = lstatSync(base);
  if (!baseSt.isDirectory()) {
    throw new ToolError("invalid_args", `Cannot ${word} ${q(arg)}: ${q(ws.relative(base))} is not a directory`);
  }
  const missing = parts.slice(lo);
  const dir = Dir.open(ws, base, () => swapped(word, arg).message);
  try {
    dir.verify();
    if (dir.anchored) {
      let fd = -1;
      try {
        let parent = dir.fd;
        for (const name of missing) {
          try {
            mkdirSync(`/proc/self/fd/${parent}/${name}`);
          } catch (e) {
            if (errCode(e) !== "EEXIST") throw mapErr(e, word, arg);
          }
          let next: number;
          try {
            next = openSync(`/proc/self/fd/${parent}/${name}`, O_DIR);
          } catch (e) {
            const code = errCode(e);
            if (code === "ELOOP" || code === "ENOTDIR") throw swapped(word, arg);
            throw mapErr(e, word, arg);
          }
          if (fd >= 0) closeSync(fd);
          fd = next;
          parent = fd;
        }
      } finally {
        if (fd >= 0) closeSync(fd);
      }
      return;
    }
    let cur = base;
    for (const name of missing) {
      cur = `${cur}/${name}`;
      try {
        mkdirSync(cur);
      } catch (e) {
        if (errCode(e) !== "EEXIST") throw mapErr(e, word, arg);
      }
    }
    let now = "";
    try {
      now = realpath(realDir);
    } catch { /* refused below */ }
    if (now !== realDir) throw swapped(word, arg);
  } finally {
    dir.close();
  }
}

/**
 * Write `real` atomically: fill a fresh temp file beside it, then rename it over the target. `fill` writes the
 * content through the temp's descriptor.
 */
function writeReplacing(
  ws: Workspace,
  real: string,
  mode: number,
  word: string,
  arg: string,
  fill: (fd: number) => void,
): void {
  const dir = Dir.open(ws, dirname(real), () => swapped(word, arg).message);
  const name = basename(real);
  const tmp = randomName("tmp");
  let created = false;
  try {
    let fd: number;
    try {
      fd = openSync(dir.at(tmp), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode & PERMISSION_BITS);
    } catch (e) {
      throw mapErr(e, word, arg);
    }
    created = true;
    try {
      if (!dir.anchored) {
        const mine = fstatSync(fd);
        let st: Stats | undefined;
        try {
          st = lstatSync(dir.at(tmp));
        } catch { /* refused below */ }
        if (!st || st.ino !== mine.ino || st.dev !== mine.dev) {
          created = false; // not where we meant it: leave the name alone in the real folder
          removeStray(ws, dir.real, tmp, mine);
          throw swapped(word, arg);
        }
        dir.verify();
      }
      fill(fd);
    } finally {
      closeSync(fd);
    }
    dir.verify();
    try {
      renameSync(dir.at(tmp), dir.at(name));
    } catch (e) {
      if (errCode(e) === "ENOENT") throw swapped(word, arg);
      throw mapErr(e, word, arg);
    }
    created = false;
  } finally {
    if (created) {
      try {
        unlinkSync(dir.at(tmp));
      } catch { /* best effort */ }
    }
    dir.close();
  }
}

/** A temp file was created through a swapped folder: remove it wherever the folder path points now, if it is ours. */
function removeStray(ws: Workspace, realDir: string, name: string, mine: Stats): void {
  const p = join(realDir, name);
  try {
    const st = lstatSync(p);
    if (st.ino === mine.ino && st.dev === mine.dev) unlinkSync(p);
  } catch { /* gone, or out of reach */ }
  void ws;
}

/**
 * Rename `entry` in its pinned folder to a quarantine name, verify, and hand the quarantine name to `remove`. When
 * `remove` fails, what is left goes back under the entry's name (never a hidden quarantine folder left behind).
 */
function quarantineAndRemove(
  ws: Workspace,
  entry: string,
  before: Stats,
  word: string,
  arg: string,
  remove: (dir: Dir, qname: string) => void,
): void {
  const dir = Dir.open(ws, dirname(entry), () => swapped(word, arg).message);
  const name = basename(entry);
  const qname = randomName("del");
  try {
    dir.verify();
    try {
      renameSync(dir.at(name), dir.at(qname));
    } catch (e) {
      throw mapErr(e, word, arg);
    }
    let ok = true;
    try {
      dir.verify();
      const st = lstatSync(dir.at(qname));
      ok = st.ino === before.ino && st.dev === before.dev;
      dir.verify();
    } catch {
      ok = false;
    }
    if (!ok) {
      // Not what we meant to rename (a folder was swapped): the name only exists where we renamed it, so give it
      // back there, whatever holds its old name now.
      try {
        renameSync(dir.at(qname), dir.at(name));
      } catch { /* best effort */ }
      throw swapped(word, arg);
    }
    try {
      remove(dir, qname);
    } catch (e) {
      let gone = false;
      try {
        lstatSync(dir.at(qname));
      } catch (e2) {
        gone = errCode(e2) === "ENOENT";
      }
      if (gone) return; // it went after all (a concurrent removal finished it)
      const back = putBack(dir, qname, name);
      if (e instanceof TreeRefused) throw e;
      const err = mapErr(e, word, arg);
      const why = err instanceof Error ? err.message.replace(/^Cannot [^:]*: /, "") : String(e);
      throw new ToolError(
        err instanceof ToolError ? err.code : "internal",
        `Cannot ${word} ${q(arg)}: ${why}; part of it may be gone, ` +
          (back ? `the rest is back at ${q(arg)}` : `the rest is at ${q(ws.relative(join(dir.real, qname)))}`),
      );
    }
  } finally {
    dir.close();
  }
}

/** Rename the quarantine back to `name` unless something took that name meanwhile; whether it did. */
function putBack(dir: Dir, qname: string, name: string): boolean {
  try {
    lstatSync(dir.at(name));
    return false; // taken: leave the quarantine where it is rather than replace what is there now
  } catch { /* free */ }
  try {
    renameSync(dir.at(qname), dir.at(name));
    return true;
  } catch {
    return false;
  }
}

function textArg(args: Record<string, unknown>, key: string, tool: string): string {
  const v = args[key];
  if (typeof v !== "string") throw new ToolError("invalid_args", `${tool}: "${key}" must be a string`);
  return v;
}

// ---------------------------------------------------------------------------------------------------------------
// The tools

function readFile(root: string, args: { path: string }): string {
  const ws = workspaceOf(root);
  const arg = args.path;
  const real = ws.resolve(arg, "read");
  // In the confined file server a path swapped under us can only lead to files the agent may read anyway (its
  // mount namespace holds the workspace and the read-only runtime): the re-check after open adds nothing there.
  const [fd, st] = openPinned(ws, real, O_RDONLY, "read", arg, !readsConfined);
  try {
    if (st.size > MAX_READ_BYTES) {
      throw new ToolError(
        "invalid_args",
        `Cannot read ${q(arg)}: it is ${st.size} bytes, larger than the limit of ${MAX_READ_BYTES} bytes (10 MiB)`,
      );
    }
    return decoder.decode(readAll(fd, st.size, MAX_READ_BYTES, "read", arg));
  } finally {
    closeSync(fd);
  }
}

function entryType(st: Stats): DirEntry["type"] {
  if (st.isFile()) return "file";
  if (st.isDirectory()) return "dir";
  if (st.isSymbolicLink()) return "symlink";
  return "other";
}

function listDir(root: string, args: { path?: string }): DirEntry[] {
  const ws = workspaceOf(root);
  const arg = args.path === undefined || args.path === "" ? "." : args.path;
  const real = ws.resolve(arg, "list");
  let st: Stats;
  try {
    st = lstatSync(real);
  } catch (e) {
    throw mapErr(e, "list", arg);
  }
  if (!st.isDirectory()) throw new ToolError("invalid_args", `Cannot list ${q(arg)}: it is not a directory`);
  const dir = Dir.open(ws, real, () => swapped("list", arg).message);
  try {
    const names = readdirSync(dir.self());
    const out: DirEntry[] = [];
    let undecoded = false;
    for (const name of names) {
      if (name.includes("\uFFFD")) {
        undecoded = true; // maybe not UTF-8: looked at by its bytes below
        continue;
      }
      let e: Stats;
      try {
        e = lstatSync(dir.at(name));
      } catch {
        continue; // removed meanwhile
      }
      out.push({ name, type: entryType(e), size: e.size });
    }
    if (undecoded) out.push(...undecodedEntries(dir));
    out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (!dir.anchored) {
      dir.verify();
      let after: Stats | undefined;
      try {
        after = lstatSync(real);
      } catch { /* refused below */ }
      if (!after || after.ino !== st.ino || after.dev !== st.dev) throw swapped("list", arg);
    }
    return out;
  } finally {
    dir.close();
  }
}

/**
 * The entries of `dir` whose names came back with U+FFFD: by their bytes where the runtime gives them (anchored
 * mode), escaped and flagged when they are not UTF-8; where it does not (Deno), a name that cannot be looked up is
 * flagged with its bytes unknown, its type from the folder entry and no size.
 */
function undecodedEntries(dir: Dir): DirEntry[] {
  const out: DirEntry[] = [];
  if (dir.anchored) {
    const prefix = Buffer.from(`/proc/self/fd/${dir.fd}/`);
    for (const raw of readdirSync(dir.self(), { encoding: "buffer" }) as unknown as Buffer[]) {
      const text = utf8Name(raw);
      if (text !== null && !text.includes("\uFFFD")) continue; // listed already
      let e: Stats;
      try {
        e = lstatSync(Buffer.concat([prefix, raw]));
      } catch {
        continue;
      }
      out.push(
        text !== null
          ? { name: text, type: entryType(e), size: e.size }
          : { name: escapeNameBytes(raw), type: entryType(e), size: e.size, escaped: true },
      );
    }
    return out;
  }
  for (const d of readdirSync(dir.self(), { withFileTypes: true })) {
    if (!d.name.includes("\uFFFD")) continue;
    let e: Stats | undefined;
    try {
      e = lstatSync(dir.at(d.name));
    } catch { /* not UTF-8: its bytes are lost */ }
    if (e) {
      out.push({ name: d.name, type: entryType(e), size: e.size });
      continue;
    }
    const type: DirEntry["type"] = d.isFile()
      ? "file"
      : d.isDirectory()
      ? "dir"
      : d.isSymbolicLink()
      ? "symlink"
      : "other";
    out.push({ name: escapeLossyName(d.name), type, size: null, escaped: true });
  }
  return out;
}

/** Check an existing write target: a regular file with one link (or missing). Returns its mode or undefined. */
function targetMode(real: string, word: string, arg: string): number | undefined {
  let st: Stats;
  try {
    st = lstatSync(real);
  } catch (e) {
    if (errCode(e) === "ENOENT") return undefined;
    throw mapErr(e, word, arg);
  }
  if (st.isDirectory()) throw isDirError(word, arg);
  if (st.isSymbolicLink()) throw swapped(word, arg); // the guard returned a realpath: a link appeared since
  if (!st.isFile()) throw new ToolError("invalid_args", `Cannot ${word} ${q(arg)}: it is not a regular file`);
  if (st.nlink > 1) throw hardLinked(word, arg, st.nlink);
  // The file's permission bits are kept; setuid, setgid and sticky never are (a tool must not leave a setuid file).
  return st.mode & PERMISSION_BITS;
}

function writeFile(root: string, args: { path: string; content: string }): string {
  const ws = workspaceOf(root);
  const arg = args.path;
  const content = textArg(args, "content", "write_file");
  const real = ws.resolve(arg, "write");
  if (real === ws.root) throw isDirError("write", arg);
  const mode = targetMode(real, "write", arg);
  if (mode === undefined) ensureDirs(ws, dirname(real), "write", arg);
  const bytes = encoder.encode(content);
  writeReplacing(ws, real, mode ?? 0o666, "write", arg, (fd) => writeAll(fd, bytes));
  return `Written ${content.length} chars`;
}

function appendFile(root: string, args: { path: string; content: string }): string {
  const ws = workspaceOf(root);
  const arg = args.path;
  const content = textArg(args, "content", "append_file");
  const real = ws.resolve(arg, "append");
  if (real === ws.root) throw isDirError("append to", arg);
  const bytes = encoder.encode(content);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (targetMode(real, "append to", arg) === undefined) {
      ensureDirs(ws, dirname(real), "append to", arg);
      const dir = Dir.open(ws, dirname(real), () => swapped("append to", arg).message);
      let fd = -1;
      try {
        dir.verify();
        try {
          fd = openSync(dir.at(basename(real)), O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW, 0o666);
        } catch (e) {
          if (errCode(e) === "EEXIST") continue; // created meanwhile: append to it
          throw mapErr(e, "append to", arg);
        }
        const mine = fstatSync(fd);
        if (!dir.anchored) {
          let st: Stats | undefined;
          try {
            st = lstatSync(real);
            dir.verify();
          } catch {
            st = undefined;
          }
          if (!st || st.ino !== mine.ino || st.dev !== mine.dev) {
            removeStray(ws, dir.real, basename(real), mine);
            throw swapped("append to", arg);
          }
        }
        writeAll(fd, bytes);
        return `Appended ${content.length} chars`;
      } finally {
        if (fd >= 0) closeSync(fd);
        dir.close();
      }
    }
    let fd: number;
    let st: Stats;
    try {
      [fd, st] = openPinned(ws, real, O_WRONLY | O_APPEND, "append to", arg);
    } catch (e) {
      if (e instanceof ToolError && e.code === "not_found") continue; // deleted meanwhile: create it
      throw e;
    }
    try {
      // A setuid or setgid file loses those bits before a tool writes to it (the kernel clears them on a write only
      // for a writer without CAP_FSETID; root in the host keeps them).
      if ((st.mode & 0o7000) !== 0) fchmodSync(fd, st.mode & PERMISSION_BITS);
      writeAll(fd, bytes);
    } finally {
      closeSync(fd);
    }
    return `Appended ${content.length} chars`;
  }
  throw new ToolError("internal", `Cannot append to ${q(arg)}: the file kept changing`);
}

function copyFile(root: string, args: { src: string; dst: string }): string {
  const ws = workspaceOf(root);
  const src = args.src;
  const dst = args.dst;
  const srcReal = ws.resolve(src, "copy");
  let dstReal = ws.resolve(dst, "copy");
  let dstStat: Stats | undefined;
  try {
    dstStat = statSync(dstReal);
  } catch { /* missing: created below */ }
  if (dstStat?.isDirectory()) {
    const name = basename(src.replace(/\/+$/, ""));
    dstReal = ws.resolve(dst.replace(/\/*$/, "/") + name, "copy");
  }
  const [fd, st] = openPinned(ws, srcReal, O_RDONLY, "copy", src);
  try {
    if (dstReal === srcReal) throw new ToolError("invalid_args", `Cannot copy ${q(src)} onto itself`);
    const mode = targetMode(dstReal, "copy", dst);
    if (mode === undefined) ensureDirs(ws, dirname(dstReal), "copy", dst);
    const buf = new Uint8Array(Math.min(Math.max(st.size, 1), 1 << 20));
    writeReplacing(ws, dstReal, mode ?? (st.mode & PERMISSION_BITS), "copy", dst, (out) => {
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, null);
        if (n === 0) break;
        writeAll(out, n === buf.length ? buf : buf.subarray(0, n));
      }
    });
  } finally {
    closeSync(fd);
  }
  return `Copied ${src} -> ${dst}`;
}

function deleteFile(root: string, args: { path: string }): string {
  const ws = workspaceOf(root);
  const arg = args.path;
  const entry = ws.resolve(arg, "delete");
  if (entry === ws.root) throw isDirError("delete", arg, " (the workspace root is never deleted)");
  let st: Stats;
  try {
    st = lstatSync(entry);
  } catch (e) {
    throw mapErr(e, "delete", arg);
  }
  if (st.isDirectory()) throw isDirError("delete", arg, "; use delete_dir");
  if (st.isFile() && st.nlink > 1) throw hardLinked("delete", arg, st.nlink);
  quarantineAndRemove(ws, entry, st, "delete", arg, (dir, qname) => {
    try {
      unlinkSync(dir.at(qname));
    } catch (e) {
      throw mapErr(e, "delete", arg);
    }
  });
  return `Deleted ${arg}`;
}

function deleteDir(root: string, args: { path: string }): string {
  const ws = workspaceOf(root);
  const arg = args.path;
  const entry = ws.resolve(arg, "delete");
  if (entry === ws.root) {
    throw new ToolError("invalid_args", `Cannot delete ${q(arg)}: the workspace root is never deleted`);
  }
  let st: Stats;
  try {
    st = lstatSync(entry);
  } catch (e) {
    throw mapErr(e, "delete", arg);
  }
  if (st.isSymbolicLink()) {
    throw new ToolError("invalid_args", `Cannot delete ${q(arg)}: it is a symlink, not a directory; use delete_file`);
  }
  if (!st.isDirectory()) {
    throw new ToolError("invalid_args", `Cannot delete ${q(arg)}: it is not a directory; use delete_file`);
  }
  quarantineAndRemove(ws, entry, st, "delete", arg, (dir, qname) => {
    removeTree({ parentFd: dir.fd, parentReal: dir.real, verify: () => dir.verify() }, qname, {
      word: "delete",
      arg,
    });
  });
  return `Deleted ${arg}`;
}

/**
 * The file tools. Each takes the workspace root (a real path, as {@linkcode Workspace.root}) and the validated
 * arguments, returns the SPEC §2 output, and throws {@linkcode ToolError} (`invalid_args`, `not_found`,
 * `path_outside_workspace`) on failure.
 *
 * @example
 * ```ts
 * import { fsOps } from "./fs_ops.ts";
 * import { mkdtempSync, realpathSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * const root = realpathSync(mkdtempSync(join(tmpdir(), "ws-")));
 * console.assert(fsOps.write_file(root, { path: "notes/a.txt", content: "hi" }) === "Written 2 chars");
 * console.assert(fsOps.append_file(root, { path: "notes/a.txt", content: "!" }) === "Appended 1 chars");
 * console.assert(fsOps.read_file(root, { path: "notes/a.txt" }) === "hi!");
 * console.assert(fsOps.copy_file(root, { src: "notes/a.txt", dst: "b.txt" }) === "Copied notes/a.txt -> b.txt");
 * console.assert(JSON.stringify(fsOps.list_dir(root, {}).map((e) => e.name)) === '["b.txt","notes"]');
 * console.assert(fsOps.delete_file(root, { path: "b.txt" }) === "Deleted b.txt");
 * console.assert(fsOps.delete_dir(root, { path: "notes" }) === "Deleted notes");
 * try {
 *   fsOps.read_file(root, { path: "../etc/passwd" });
 *   throw new Error("unreachable");
 * } catch (e) {
 *   console.assert((e as { code?: string }).code === "path_outside_workspace");
 * }
 * ```
 */
export const fsOps: {
  read_file(root: string, args: { path: string }): string;
  list_dir(root: string, args: { path?: string }): DirEntry[];
  write_file(root: string, args: { path: string; content: string }): string;
  append_file(root: string, args: { path: string; content: string }): string;
  copy_file(root: string, args: { src: string; dst: string }): string;
  delete_file(root: string, args: { path: string }): string;
  delete_dir(root: string, args: { path: string }): string;
} = {
  read_file: (root, args) => mapped("read", args.path, () => readFile(root, args)),
  list_dir: (root, args) => mapped("list", args.path ?? ".", () => listDir(root, args)),
  write_file: (root, args) => mapped("write", args.path, () => writeFile(root, args)),
  append_file: (root, args) => mapped("append to", args.path, () => appendFile(root, args)),
  copy_file: (root, args) => mapped("copy", args.src, () => copyFile(root, args)),
  delete_file: (root, args) => mapped("delete", args.path, () => deleteFile(root, args)),
  delete_dir: (root, args) => mapped("delete", args.path, () => deleteDir(root, args)),
};

/** Run a tool, turning a leftover errno (a file vanishing under a concurrent process) into a ToolError. */
function mapped<T>(word: string, arg: unknown, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw mapErr(e, word, String(arg));
  }
}

/**
 * The name of a file tool.
 *
 * @example
 * ```ts
 * import type { FsToolName } from "./fs_ops.ts";
 * const name: FsToolName = "read_file";
 * console.assert(name === "read_file");
 * ```
 */
export type FsToolName = keyof typeof fsOps;
